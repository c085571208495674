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

The organization is read live from moto's Organizations backend of the management account, so
accounts created or moved at run time (CreateAccount, MoveAccount) are reached as they are.
"""

from __future__ import annotations

from typing import Any

from localcloud.topology import TOPOLOGY

SERVICE_PRINCIPAL = "ram.amazonaws.com"


def _backend() -> Any:
    from moto.organizations.models import organizations_backends

    return organizations_backends[TOPOLOGY.management_account]["aws"]


def organization() -> Any:
    """moto's organization, or None when there is none."""
    return _backend().org


def sharing_enabled() -> bool:
    """Whether RAM may share with the organization and its OUs (trusted access for RAM is on)."""
    return any(service["ServicePrincipal"] == SERVICE_PRINCIPAL for service in _backend().services)


def enable_sharing() -> None:
    """Turn trusted access for RAM on, as EnableSharingWithAwsOrganization does."""
    _backend().enable_aws_service_access(ServicePrincipal=SERVICE_PRINCIPAL)


def is_management(account: str) -> bool:
    """Whether `account` is the organization's management account."""
    org = organization()
    return org is not None and org.master_account_id == account


def _account(account: str) -> Any:
    return next((a for a in _backend().accounts if a.id == account), None)


def is_member(account: str) -> bool:
    """Whether `account` is an account of the organization (the management account included)."""
    return _account(account) is not None


def ou_ids() -> set[str]:
    """The ids of every OU of the organization (not the root)."""
    org = organization()
    return {ou.id for ou in _backend().ou if org is not None and ou.id != org.root_id}


def ancestors(account: str) -> list[str]:
    """The OU ids above `account`, nearest first, up to (not including) the root."""
    found = _account(account)
    org = organization()
    if found is None or org is None:
        return []
    by_id = {ou.id: ou for ou in _backend().ou}
    chain: list[str] = []
    parent = found.parent_id
    while parent is not None and parent != org.root_id and parent in by_id and parent not in chain:
        chain.append(parent)
        parent = by_id[parent].parent_id
    return chain
