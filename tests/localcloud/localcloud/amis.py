"""Who may see and launch an AMI: launch permissions resolved against the topology; AMIs gone.

AWS facts relied on (EC2 User Guide, "Share an AMI with organizations or OUs" and
DescribeImages): an AMI is launchable by its owner, by every account when it has the `all`
group, by an account named in a `UserId` permission, by every member of an organization named
by an `OrganizationArn` permission and by every account in an OU named by an
`OrganizationalUnitArn` permission or in any OU nested under it. Moto keeps AMIs per account and region and stores
permissions as `Ami.launch_permissions`, a list of one-key dicts; this module reads and writes
that list and never copies it.

Deregistered AMIs are remembered (`deregistered`): a launch can then tell "no longer available"
from "never existed", and for `propagation_seconds` after DeregisterImage DescribeImages still
lists the AMI, in state `deregistered`, to whoever could see it (DescribeImages: "Recently
deregistered images appear in the returned results for a short interval and then return empty
results"; `localcloud.propagation`).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Iterable

from localcloud import propagation
from localcloud.topology import TOPOLOGY


def visible_to(ami: Any, account: str) -> bool:
    """Whether `account` may see and launch `ami` (a moto `Ami`)."""
    if ami.owner_id == account:
        return True
    return any(_grants(permission, account) for permission in ami.launch_permissions)


def executable_by(ami: Any, user: str) -> bool:
    """Whether an explicit launch permission covers `user` (an account id), or `user` is `all` and the AMI is public.

    Ownership and the public `all` group are not explicit permissions for an account, which is
    how DescribeImages' ExecutableUsers scopes its answer.
    """
    if user == "all":
        return ami.is_public
    return any(
        _grants(permission, user) for permission in ami.launch_permissions if "Group" not in permission
    )


def _grants(permission: dict[str, str], account: str) -> bool:
    if permission.get("Group") == "all":
        return True
    if permission.get("UserId") == account:
        return True
    org_arn = permission.get("OrganizationArn")
    if org_arn is not None and org_arn == TOPOLOGY.org_arn() and TOPOLOGY.in_org(account):
        return True
    ou_arn = permission.get("OrganizationalUnitArn")
    # Sharing with an OU reaches the accounts of its child OUs too.
    return ou_arn is not None and ou_arn in TOPOLOGY.ou_arns_of(account)


def add_launch_permissions(
    account: str,
    region: str,
    image_id: str,
    user_ids: Iterable[str] = (),
    groups: Iterable[str] = (),
    organization_arns: Iterable[str] = (),
    ou_arns: Iterable[str] = (),
) -> None:
    """Grant launch permissions on an AMI that `account` owns in `region`, like ModifyImageAttribute.

    Raises moto's `InvalidAMIIdError` when the AMI does not exist there, and
    `InvalidAMIAttributeItemValueError` for a malformed account id or group.
    """
    from moto.ec2.exceptions import InvalidAMIIdError
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account][region]
    ami = backend.amis.get(image_id)
    if ami is None:
        raise InvalidAMIIdError([image_id])
    permissions = (
        [{"UserId": u} for u in user_ids]
        + [{"Group": g} for g in groups]
        + [{"OrganizationArn": a} for a in organization_arns]
        + [{"OrganizationalUnitArn": a} for a in ou_arns]
    )
    backend.validate_permission_targets(permissions)
    for permission in permissions:
        if permission not in ami.launch_permissions:
            ami.launch_permissions.append(permission)


def track(ami: Any) -> None:
    """Remember an AMI an account registered, copied or created, so `shared_amis` can find it.

    Called for every moto `Ami` as it is built; the public catalogue (Amazon-owned AMIs moto
    loads into every backend) is not owned by the backend's account and is left out.
    """
    backend = ami.ec2_backend
    if ami.owner_id != backend.account_id:
        return
    with _OWNED_LOCK:
        _OWNED.setdefault(backend.region_name, {})[ami.id] = ami


def shared_amis(account: str, region: str) -> list[Any]:
    """AMIs that other accounts own in `region` and `account` may launch.

    Only account-owned AMIs of the region are searched (`track`), not every account's backend
    with moto's copy of the public catalogue, so the cost does not grow with the number of
    accounts.
    """
    return [
        ami
        for ami in list(_OWNED.get(region, {}).values())
        if ami.owner_id != account and _registered(ami, region) and visible_to(ami, account)
    ]


def owned_ami(region: str, image_id: str) -> Any:
    """The registered AMI `image_id` some account owns in `region`, or None; no account is searched."""
    ami = _OWNED.get(region, {}).get(image_id)
    return ami if ami is not None and _registered(ami, region) else None


def _registered(ami: Any, region: str) -> bool:
    """Whether the owner's live backend still lists `ami`: deregistered AMIs and those of
    backends a moto reset replaced drop out."""
    from moto.ec2.models import ec2_backends

    if ami.ec2_backend.amis.get(ami.id) is not ami:
        return False
    live = dict.get(ec2_backends, ami.owner_id)
    return live is not None and dict.get(live, region) is ami.ec2_backend


# region -> AMI id -> moto Ami, for AMIs owned by the account whose backend holds them.
_OWNED: dict[str, dict[str, Any]] = {}
_OWNED_LOCK = threading.Lock()


# region -> AMI id -> (the moto Ami as it was when deregistered, time.monotonic() then).
_GONE: dict[str, dict[str, tuple[Any, float]]] = {}


def remember_deregistered(ami: Any, region: str) -> None:
    """Keep a deregistered AMI (with its launch permissions) and when it went."""
    ami.state = "deregistered"
    with _OWNED_LOCK:
        _GONE.setdefault(region, {})[ami.id] = (ami, time.monotonic())


def deregistered(region: str, image_id: str) -> Any:
    """The AMI `image_id` as it was when deregistered in `region`, or None."""
    gone = _GONE.get(region, {}).get(image_id)
    return gone[0] if gone is not None else None


def recently_deregistered(account: str, region: str) -> list[Any]:
    """AMIs deregistered in `region` less than `propagation_seconds` ago that `account` could
    see; empty when the knob is 0."""
    if not propagation.window():
        return []
    return [
        ami
        for ami, since in list(_GONE.get(region, {}).values())
        if not propagation.settled(since) and visible_to(ami, account)
    ]
