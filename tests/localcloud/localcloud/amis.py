"""Who may see and launch an AMI: launch permissions resolved against the topology.

AWS facts relied on (EC2 User Guide, "Share an AMI with organizations or OUs" and
DescribeImages): an AMI is launchable by its owner, by every account when it has the `all`
group, by an account named in a `UserId` permission, by every member of an organization named
by an `OrganizationArn` permission and by every account in an OU named by an
`OrganizationalUnitArn` permission or in any OU nested under it. Moto keeps AMIs per account and region and stores
permissions as `Ami.launch_permissions`, a list of one-key dicts; this module reads and writes
that list and never copies it.
"""

from __future__ import annotations

from typing import Any, Iterable

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


def shared_amis(account: str, region: str) -> list[Any]:
    """AMIs that other accounts own in `region` and `account` may launch.

    Only backends that already exist are searched: an account that never called EC2 in a
    region cannot own an AMI there. Every backend also holds moto's copy of the public Amazon
    catalogue, so only AMIs a backend's own account owns are taken from it.
    """
    from moto.ec2.models import ec2_backends

    found = []
    for other_account, regional in list(dict.items(ec2_backends)):
        if other_account == account:
            continue
        backend = dict.get(regional, region)
        if backend is None:
            continue
        for ami in list(backend.amis.values()):
            if ami.owner_id == other_account and visible_to(ami, account):
                found.append(ami)
    return found
