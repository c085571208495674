"""Resource shares, their principal and resource associations, and invitations.

AWS facts (RAM API Reference for each operation; RAM User Guide, "Sharing your AWS resources",
"Accepting and rejecting invitations", "Errors when trying to share with accounts outside of
my organization"):
- RAM is regional: a share, its invitations and its resources live in one Region;
- a principal is an account id, an organization ARN, an OU ARN, an IAM role or user ARN or a
  service principal; anything else is InvalidParameterException "Principal ID P is malformed.
  Verify the ID and try again.";
- an organization or OU principal is only possible once sharing with AWS Organizations is
  enabled; until then RAM cannot see the organization and answers UnknownResourceException
  "Organization o-… could not be found." (reported by Terraform users and its acceptance tests,
  terraform-provider-aws #7769 and #28848);
- an account of the organization is reached at once when sharing with the organization is
  enabled; any other account (outside the organization, or any account while sharing with the
  organization is disabled) gets an invitation and its association stays ASSOCIATING until it
  accepts; `external` says the principal is outside the owner's organization;
- with `allowExternalPrincipals` false an outside account is InvalidParameterException
  "Principal X is not in your AWS organization. You do not have permission to add external
  AWS accounts to a resource share.", and while sharing with the organization is disabled
  OperationNotPermittedException "The resource you are attempting to share can only be shared
  within your AWS Organization. …";
- Associate/Disassociate answer with associations ASSOCIATING / DISASSOCIATING, which settle
  to ASSOCIATED / DISASSOCIATED asynchronously ("within seconds"): here on the next RAM call, or
  once `propagation_seconds` have passed (see `localcloud.propagation`); a disassociated or
  deleted entry stays listed with that status; a deleted share stays listed with status DELETED;
- a member account leaves a share by disassociating its own account id (what Terraform's
  `aws_ram_resource_share_accepter` does on delete).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from localcloud import propagation
from localcloud.restjson import ServiceError

from . import organization

LOCK = threading.RLock()

_ACCOUNT = re.compile(r"^\d{12}$")
_ORG = re.compile(r"^arn:aws[a-z-]*:organizations::(\d{12}):organization/(o-[a-z0-9]{10,32})$")
_OU = re.compile(r"^arn:aws[a-z-]*:organizations::(\d{12}):ou/(o-[a-z0-9]{10,32})/(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
_IAM = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(?:role|user)/.+$")
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)*\.amazonaws\.com$")
_SHARE_ARN = re.compile(r"^arn:aws[a-z-]*:ram:([a-z0-9-]+):(\d{12}):resource-share/[0-9a-f-]{36}$")
_INVITATION_ARN = re.compile(r"^arn:aws[a-z-]*:ram:([a-z0-9-]+):(\d{12}):resource-share-invitation/[0-9a-f-]{36}$")
_RESOURCE_ARN = re.compile(r"^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:([a-z][a-z-]*)[/:].+$")
MAX_TAGS = 50


def unknown(message: str) -> ServiceError:
    """RAM's answer for something it cannot find."""
    return ServiceError("UnknownResourceException", message)


def invalid(message: str) -> ServiceError:
    """RAM's answer for a parameter it rejects."""
    return ServiceError("InvalidParameterException", message)


@dataclass
class Association:
    """One principal or resource of a share, as GetResourceShareAssociations lists it."""

    entity: str
    type: str
    status: str
    external: bool
    created: float
    updated: float
    message: str | None = None
    since: float = field(default_factory=time.monotonic)  # when the transition in progress began

    def settle(self) -> None:
        """Finish a transition an earlier call started (AWS does it asynchronously, in seconds)."""
        if not propagation.settled(self.since):
            return
        if self.status == "DISASSOCIATING":
            self.status, self.updated = "DISASSOCIATED", time.time()
        elif self.status == "ASSOCIATING" and not self.message:
            self.status, self.updated = "ASSOCIATED", time.time()


@dataclass
class Share:
    """A resource share and everything associated with it."""

    arn: str
    name: str
    owner: str
    region: str
    allow_external: bool
    created: float
    updated: float
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "ACTIVE"
    associations: dict[tuple[str, str], Association] = field(default_factory=dict)

    def live(self, kind: str) -> list[Association]:
        """The associations of one kind that are not (being) disassociated."""
        return [a for a in self.associations.values() if a.type == kind and a.status in ("ASSOCIATING", "ASSOCIATED")]


@dataclass
class Invitation:
    """An invitation to a share, sent to one account."""

    arn: str
    share: Share
    receiver: str
    created: float
    status: str = "PENDING"


SHARES: dict[str, Share] = {}
INVITATIONS: dict[str, Invitation] = {}
TOKENS: dict[str, dict] = {}
# service -> check(account, region, arn) -> None when the caller owns that resource there, else
# "malformed" (not an ARN of a resource RAM shares) or "missing" (no such resource).
RESOURCE_CHECKS: dict[str, Callable[[str, str, str], str | None]] = {}


def tokens_of(account: str) -> dict:
    """The client-token table of one account."""
    return TOKENS.setdefault(account, {})


def settle_all() -> None:
    """Let every pending transition finish; reads see the settled state."""
    for share in SHARES.values():
        for association in share.associations.values():
            association.settle()


# Principals


@dataclass(frozen=True)
class Principal:
    """A parsed principal: its kind (account, organization, ou, iam, service) and what it names."""

    text: str
    kind: str
    account: str | None = None
    org_id: str | None = None
    ou_id: str | None = None


def parse_principal(text: str) -> Principal:
    """A principal as RAM reads it; InvalidParameterException when it is none of the forms."""
    if _ACCOUNT.match(text):
        return Principal(text, "account", account=text)
    found = _ORG.match(text)
    if found:
        return Principal(text, "organization", account=found.group(1), org_id=found.group(2))
    found = _OU.match(text)
    if found:
        return Principal(text, "ou", account=found.group(1), org_id=found.group(2), ou_id=found.group(3))
    found = _IAM.match(text)
    if found:
        return Principal(text, "iam", account=found.group(1))
    if _SERVICE_PRINCIPAL.match(text):
        return Principal(text, "service")
    raise invalid(f"Principal ID {text} is malformed. Verify the ID and try again.")


def _admit(share: Share, principal: Principal) -> tuple[str, bool, bool]:
    """(status, external, needs an invitation) for a principal joining a share, or the error."""
    enabled = organization.sharing_enabled()
    owner_in_org = organization.is_member(share.owner)
    same_org = (
        enabled and owner_in_org and organization.names_the_organization(principal.org_id, principal.account)
    )
    if principal.kind == "organization":
        if not same_org:
            raise unknown(f"Organization {principal.org_id} could not be found.")
        return "ASSOCIATING", False, False
    if principal.kind == "ou":
        if not same_org:
            raise unknown(f"OrganizationalUnit {principal.ou_id} in unknown organization could not be found.")
        if not organization.has_ou(principal.ou_id):
            raise unknown(f"OrganizationalUnit {principal.ou_id} could not be found.")
        return "ASSOCIATING", False, False
    if principal.kind == "service":
        return "ASSOCIATING", False, False
    inside = owner_in_org and principal.account is not None and organization.is_member(principal.account)
    if not share.allow_external and not (enabled and inside):
        if not enabled:
            raise ServiceError(
                "OperationNotPermittedException",
                "The resource you are attempting to share can only be shared within your AWS Organization. "
                "This error may also occur if you have not enabled sharing with your AWS organization, "
                "or that onboarding process is still in progress.",
            )
        raise invalid(
            f"Principal {principal.account} is not in your AWS organization. You do not have permission "
            "to add external AWS accounts to a resource share."
        )
    if enabled and inside:
        return "ASSOCIATING", False, False
    return "ASSOCIATING", not inside, principal.account != share.owner


def reaches(share: Share, account: str) -> bool:
    """Whether `share` gives `account` (not its owner) access to its resources now."""
    if share.status != "ACTIVE" or account == share.owner:
        return False
    for association in share.live("PRINCIPAL"):
        if association.status != "ASSOCIATED":
            continue
        principal = parse_principal(association.entity)
        if principal.kind in ("account", "iam") and principal.account == account:
            return True
        if principal.kind == "organization" and organization.sharing_enabled():
            if organization.is_member(account):
                return True
        if principal.kind == "ou" and organization.sharing_enabled():
            if principal.ou_id in organization.ancestors(account):
                return True
    return False


# Resources


def resource_type(arn: str) -> str | None:
    """The RAM resource type of a resource ARN (`imagebuilder:Image`), None when RAM does not share it."""
    from moto.ram.utils import RAM_RESOURCE_TYPES

    found = _RESOURCE_ARN.match(arn)
    if found is None:
        return None
    wanted = f"{found.group(1)}:{''.join(word.capitalize() for word in found.group(4).split('-'))}"
    return next((t["resourceType"] for t in RAM_RESOURCE_TYPES if t["resourceType"] == wanted), None)


def check_resource(share: Share, arn: str) -> str:
    """The RAM resource type of a resource the share's owner may add, or the error RAM answers."""
    found = _RESOURCE_ARN.match(arn)
    if found is None:
        raise ServiceError(
            "MalformedArnException", f"The specified resource ARN {arn} is not valid. Verify the ARN and try again."
        )
    kind = resource_type(arn)
    if kind is None:
        raise ServiceError("MalformedArnException", "You cannot share the selected resource type.")
    service, region, account = found.group(1), found.group(2), found.group(3)
    if account != share.owner or (region and region != share.region):
        raise unknown(f"Resource {arn} could not be found.")
    check = RESOURCE_CHECKS.get(service)
    problem = check(share.owner, share.region, arn) if check is not None else None
    if problem == "malformed":
        raise ServiceError(
            "MalformedArnException", f"The specified resource ARN {arn} is not valid. Verify the ARN and try again."
        )
    if problem is not None:
        raise unknown(f"Resource {arn} could not be found.")
    return kind


# Shares


def share_arn_of(text: str) -> None:
    """Reject what is not a resource share ARN, as RAM does."""
    if not _SHARE_ARN.match(text):
        raise ServiceError(
            "MalformedArnException", "The specified resource share ARN is not valid. Verify the ARN and try again."
        )


def owned_share(account: str, region: str, arn: str) -> Share:
    """A live share the caller owns in this Region; UnknownResourceException otherwise."""
    share_arn_of(arn)
    share = SHARES.get(arn)
    if share is None or share.owner != account or share.region != region or share.status != "ACTIVE":
        raise unknown(f"ResourceShare {arn} could not be found.")
    return share


def new_share(account: str, region: str, name: str, allow_external: bool, tags: dict[str, str]) -> Share:
    """A share that is not stored yet."""
    moment = time.time()
    arn = f"arn:aws:ram:{region}:{account}:resource-share/{uuid.uuid4()}"
    return Share(arn, name, account, region, allow_external, moment, moment, dict(tags))


def associate(share: Share, principals: list[str], resources: list[str]) -> list[Association]:
    """Add principals and resources, all checked before any is added; the changed associations."""
    admitted = []
    for text in dict.fromkeys(principals):
        principal = parse_principal(text)
        existing = share.associations.get(("PRINCIPAL", text))
        if existing is not None and existing.status in ("ASSOCIATING", "ASSOCIATED"):
            admitted.append((text, None))
            continue
        admitted.append((text, (principal, _admit(share, principal))))
    kinds = [(arn, check_resource(share, arn)) for arn in dict.fromkeys(resources)]

    moment = time.time()
    changed = []
    for text, admission in admitted:
        if admission is None:
            changed.append(share.associations[("PRINCIPAL", text)])
            continue
        principal, (status, external, invite) = admission
        association = Association(text, "PRINCIPAL", status, external, moment, moment)
        if invite:
            association.message = "Invitation pending"
            _invite(share, principal.account, moment)
        share.associations[("PRINCIPAL", text)] = association
        changed.append(association)
    for arn, _ in kinds:
        existing = share.associations.get(("RESOURCE", arn))
        if existing is not None and existing.status in ("ASSOCIATING", "ASSOCIATED"):
            changed.append(existing)
            continue
        association = Association(arn, "RESOURCE", "ASSOCIATING", False, moment, moment)
        share.associations[("RESOURCE", arn)] = association
        changed.append(association)
    if changed:
        share.updated = moment
    return changed


def disassociate(share: Share, principals: list[str], resources: list[str]) -> list[Association]:
    """Remove principals and resources; UnknownResourceException for one the share does not have."""
    wanted = [("PRINCIPAL", p) for p in dict.fromkeys(principals)] + [("RESOURCE", r) for r in dict.fromkeys(resources)]
    for key in wanted:
        if key[0] == "PRINCIPAL":
            parse_principal(key[1])
        association = share.associations.get(key)
        if association is None or association.status not in ("ASSOCIATING", "ASSOCIATED"):
            raise unknown(f"{'Principal' if key[0] == 'PRINCIPAL' else 'Resource'} {key[1]} could not be found.")
    moment = time.time()
    changed = []
    for key in wanted:
        association = share.associations[key]
        association.status, association.updated, association.message = "DISASSOCIATING", moment, None
        association.since = time.monotonic()
        if key[0] == "PRINCIPAL":
            _expire_invitations(share, key[1])
        changed.append(association)
    if changed:
        share.updated = moment
    return changed


def delete(share: Share) -> None:
    """DeleteResourceShare: the share is DELETED and nothing stays associated."""
    moment = time.time()
    share.status, share.updated = "DELETED", moment
    for association in share.associations.values():
        if association.status in ("ASSOCIATING", "ASSOCIATED"):
            association.status, association.updated, association.message = "DISASSOCIATED", moment, None
    for invitation in INVITATIONS.values():
        if invitation.share is share and invitation.status == "PENDING":
            invitation.status = "EXPIRED"


# Invitations


def _invite(share: Share, receiver: str, moment: float) -> None:
    arn = f"arn:aws:ram:{share.region}:{share.owner}:resource-share-invitation/{uuid.uuid4()}"
    INVITATIONS[arn] = Invitation(arn, share, receiver, moment)


def _expire_invitations(share: Share, principal: str) -> None:
    for invitation in INVITATIONS.values():
        if invitation.share is share and invitation.receiver == principal and invitation.status == "PENDING":
            invitation.status = "EXPIRED"


def received_invitation(account: str, region: str, arn: str) -> Invitation:
    """An invitation `account` received in this Region; ResourceShareInvitationArnNotFoundException otherwise."""
    if not _INVITATION_ARN.match(arn):
        raise ServiceError(
            "MalformedArnException", f"The specified resource share invitation ARN {arn} is not valid."
        )
    invitation = INVITATIONS.get(arn)
    if invitation is None or invitation.receiver != account or invitation.share.region != region:
        raise ServiceError(
            "ResourceShareInvitationArnNotFoundException", f"ResourceShareInvitationArn {arn} could not be found."
        )
    return invitation


def respond(invitation: Invitation, accept: bool) -> None:
    """Accept or reject a pending invitation; the receiver's association follows."""
    status = invitation.status
    if status == "ACCEPTED":
        raise ServiceError(
            "ResourceShareInvitationAlreadyAcceptedException",
            f"The invitation {invitation.arn} has already been accepted.",
        )
    if status == "REJECTED":
        raise ServiceError(
            "ResourceShareInvitationAlreadyRejectedException",
            f"The invitation {invitation.arn} has already been rejected.",
        )
    if status == "EXPIRED":
        raise ServiceError("ResourceShareInvitationExpiredException", f"The invitation {invitation.arn} has expired.")
    invitation.status = "ACCEPTED" if accept else "REJECTED"
    association = invitation.share.associations.get(("PRINCIPAL", invitation.receiver))
    if association is not None and association.status == "ASSOCIATING":
        moment = time.time()
        association.updated, association.message = moment, None
        association.status = "ASSOCIATED" if accept else "FAILED"
        if not accept:
            association.message = "The invitation was rejected."
