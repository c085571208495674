"""What RAM knows about the organization: whether sharing with it is enabled, and whom an
organization or OU principal reaches.

AWS facts (RAM User Guide, "Sharing your AWS resources" and "Disabling resource sharing with AWS
Organizations"; RAM API Reference, EnableSharingWithAwsOrganization):
- only the management account can enable sharing with AWS Organizations; doing so turns on
  Organizations trusted access for `ram.amazonaws.com`, and turning that trusted access off
  (Organizations DisableAWSServiceAccess) disables it again;
- until it is enabled, an organization or OU cannot be a principal, and accounts of the
  organization are treated as external accounts: they get an invitation to accept;
- an OU principal reaches every account in the OU and in the OUs nested in it.

Membership and the OU tree come from `TOPOLOGY`, which `localcloud.organizations` keeps current
when accounts are created or moved at run time; trusted access is moto's Organizations state of
the management account.
"""

from __future__ import annotations

from typing import Any

from localcloud.topology import TOPOLOGY

SERVICE_PRINCIPAL = "ram.amazonaws.com"


def _backend() -> Any:
    from moto.organizations.models import organizations_backends

    return organizations_backends[TOPOLOGY.management_account]["aws"]


def sharing_enabled() -> bool:
    """Whether RAM may share with the organization and its OUs (trusted access for RAM is on)."""
    return any(service["ServicePrincipal"] == SERVICE_PRINCIPAL for service in _backend().services)


def enable_sharing() -> None:
    """Turn trusted access for RAM on, as EnableSharingWithAwsOrganization does."""
    _backend().enable_aws_service_access(ServicePrincipal=SERVICE_PRINCIPAL)


def names_the_organization(org_id: str | None, management: str | None) -> bool:
    """Whether an organization or OU ARN's organization id and account are this organization's."""
    return org_id == TOPOLOGY.organization_id and management == TOPOLOGY.management_account


def is_management(account: str) -> bool:
    """Whether `account` is the organization's management account."""
    return account == TOPOLOGY.management_account


def is_member(account: str) -> bool:
    """Whether `account` is an account of the organization (the management account included)."""
    return TOPOLOGY.in_org(account)


def has_ou(ou_id: str | None) -> bool:
    """Whether the organization has this OU."""
    return ou_id in TOPOLOGY.organizational_units


def ancestors(account: str) -> list[str]:
    """Every OU that contains `account`, its own first, then each one above it."""
    return TOPOLOGY.ou_ids_of(account)
