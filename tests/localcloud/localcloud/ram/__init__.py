"""AWS Resource Access Manager for localcloud, replacing moto's RAM.

Moto 5.2.5's RAM has no AssociateResourceShare, DisassociateResourceShare, ListResources,
ListPrincipals, invitations, tags or pagination, answers NotImplementedError for
`resourceOwner=OTHER-ACCOUNTS`, and reports every association ASSOCIATED whatever the
organization says, so the server hands every request signed for `ram` to `app` instead.
Paths, members, shapes and error codes follow botocore's model `ram/2018-01-04`; `shares`
holds the sharing rules and their AWS sources, `organization` what RAM knows of the
organization.

Other emulations ask `shared_with(account, region, service)` which resources other accounts
share with an account, and register with `register_resource_check` the check that a resource
ARN names something its owner may share (Image Builder does, see
`localcloud.imagebuilder.sharing`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from localcloud import restjson
from localcloud.restjson import ServiceError, Wording

from . import organization, shares
from .shares import LOCK, SHARES, Association, Share

MODEL = restjson.model("ram")
DEFAULT_PAGE = 500


@dataclass(frozen=True)
class Caller:
    """Who makes a RAM request, and where."""

    account: str
    region: str


def _bind(account: str, region: str) -> Caller:
    shares.settle_all()
    return Caller(account, region)


def shared_with(account: str, region: str, service: str) -> set[str]:
    """ARNs of `service` resources that other accounts share with `account` in `region` now."""
    with LOCK:
        shares.settle_all()
        return {
            association.entity
            for share in SHARES.values()
            if share.region == region and shares.reaches(share, account)
            for association in share.live("RESOURCE")
            if association.status == "ASSOCIATED" and association.entity.split(":")[2] == service
        }


def register_resource_check(service: str, check: Callable[[str, str, str], str | None]) -> None:
    """Let RAM check that `service` resources exist and are the caller's before sharing them:
    `check(account, region, arn)` answers None, "malformed" or "missing"."""
    shares.RESOURCE_CHECKS[service] = check


# Views


def _share_view(share: Share, caller: Caller) -> dict:
    view = {
        "resourceShareArn": share.arn,
        "name": share.name,
        "owningAccountId": share.owner,
        "allowExternalPrincipals": share.allow_external,
        "status": share.status,
        "creationTime": share.created,
        "lastUpdatedTime": share.updated,
        "featureSet": "STANDARD",
    }
    # Tags belong to the owner; accounts the share reaches do not see them.
    if share.owner == caller.account:
        view["tags"] = [{"key": k, "value": v} for k, v in share.tags.items()]
    return view


def _association_view(share: Share, association: Association) -> dict:
    return {
        "resourceShareArn": share.arn,
        "resourceShareName": share.name,
        "associatedEntity": association.entity,
        "associationType": association.type,
        "status": association.status,
        "statusMessage": association.message,
        "creationTime": association.created,
        "lastUpdatedTime": association.updated,
        "external": association.external,
    }


def _invitation_view(invitation: shares.Invitation) -> dict:
    return {
        "resourceShareInvitationArn": invitation.arn,
        "resourceShareName": invitation.share.name,
        "resourceShareArn": invitation.share.arn,
        "senderAccountId": invitation.share.owner,
        "receiverAccountId": invitation.receiver,
        "invitationTimestamp": invitation.created,
        "status": invitation.status,
    }


def _page(items: list, params: dict, key: str) -> dict:
    invalid = ServiceError("InvalidNextTokenException", "The specified value for NextToken is not valid.")
    page, token = restjson.paginate(items, params, DEFAULT_PAGE, invalid)
    return {key: page, "nextToken": token}


def _tags(tags: list[dict] | None) -> dict[str, str]:
    if tags and len(tags) > shares.MAX_TAGS:
        raise ServiceError(
            "TagLimitExceededException", f"A resource share can have at most {shares.MAX_TAGS} tags."
        )
    return {tag["key"]: tag.get("value", "") for tag in tags or []}


def _owner(params: dict) -> str:
    owner = params["resourceOwner"]
    if owner not in ("SELF", "OTHER-ACCOUNTS"):
        raise shares.invalid(f"{owner} is not a valid resource owner. Specify either SELF or OTHER-ACCOUNTS and try again.")
    return owner


def _visible_shares(caller: Caller, owner: str, params: dict) -> list[Share]:
    """The caller's shares (SELF) or those reaching the caller (OTHER-ACCOUNTS), in this Region."""
    wanted = params.get("resourceShareArns")
    for arn in wanted or []:
        shares.share_arn_of(arn)
    found = [
        share
        for share in SHARES.values()
        if share.region == caller.region
        and (share.owner == caller.account if owner == "SELF" else shares.reaches(share, caller.account))
        and (not wanted or share.arn in wanted)
    ]
    return sorted(found, key=lambda s: s.created)


def _type_filter(params: dict) -> str | None:
    from moto.ram.utils import RAM_RESOURCE_TYPES

    wanted = params.get("resourceType")
    if wanted is None:
        return None
    for known in RAM_RESOURCE_TYPES:
        if known["resourceType"].lower() == wanted.lower():
            return known["resourceType"]
    raise ServiceError("InvalidResourceTypeException", "The specified resource type is not valid.")


# Operations


def create_resource_share(caller: Caller, params: dict) -> dict:
    def create() -> dict:
        share = shares.new_share(
            caller.account,
            caller.region,
            params["name"],
            params.get("allowExternalPrincipals", True),
            _tags(params.get("tags")),
        )
        shares.associate(share, params.get("principals") or [], params.get("resourceArns") or [])
        SHARES[share.arn] = share
        return {"resourceShare": _share_view(share, caller), "clientToken": params.get("clientToken")}

    return restjson.idempotent(shares.tokens_of(caller.account), "CreateResourceShare", params, create)


def update_resource_share(caller: Caller, params: dict) -> dict:
    def update() -> dict:
        share = shares.owned_share(caller.account, caller.region, params["resourceShareArn"])
        allow = params.get("allowExternalPrincipals")
        if allow is False and share.allow_external:
            if not organization.sharing_enabled():
                raise ServiceError(
                    "OperationNotPermittedException",
                    "The resource you are attempting to share can only be shared within your AWS Organization. "
                    "This error may also occur if you have not enabled sharing with your AWS organization, "
                    "or that onboarding process is still in progress.",
                )
            if any(a.external for a in share.live("PRINCIPAL")):
                raise shares.invalid("The resource share has external principals; remove them first.")
        if params.get("name"):
            share.name = params["name"]
        if allow is not None:
            share.allow_external = allow
        share.updated = time.time()
        return {"resourceShare": _share_view(share, caller), "clientToken": params.get("clientToken")}

    return restjson.idempotent(shares.tokens_of(caller.account), "UpdateResourceShare", params, update)


def delete_resource_share(caller: Caller, params: dict) -> dict:
    def remove() -> dict:
        shares.delete(shares.owned_share(caller.account, caller.region, params["resourceShareArn"]))
        return {"returnValue": True, "clientToken": params.get("clientToken")}

    return restjson.idempotent(shares.tokens_of(caller.account), "DeleteResourceShare", params, remove)


def _change(caller: Caller, params: dict, share: Share, verb: str, change) -> dict:
    principals, resources = params.get("principals") or [], params.get("resourceArns") or []
    if not principals and not resources and not params.get("sources"):
        raise shares.invalid(f"Specify at least one principal, resource ARN or source to {verb}.")
    return {
        "resourceShareAssociations": [_association_view(share, a) for a in change(share, principals, resources)],
        "clientToken": params.get("clientToken"),
    }


def associate_resource_share(caller: Caller, params: dict) -> dict:
    def add() -> dict:
        share = shares.owned_share(caller.account, caller.region, params["resourceShareArn"])
        return _change(caller, params, share, "associate", shares.associate)

    return restjson.idempotent(shares.tokens_of(caller.account), "AssociateResourceShare", params, add)


def disassociate_resource_share(caller: Caller, params: dict) -> dict:
    def remove() -> dict:
        arn = params["resourceShareArn"]
        shares.share_arn_of(arn)
        share = SHARES.get(arn)
        leaving = (
            share is not None
            and share.owner != caller.account
            and share.region == caller.region
            and share.status == "ACTIVE"
            and params.get("principals") == [caller.account]
            and not params.get("resourceArns")
        )
        if not leaving:
            share = shares.owned_share(caller.account, caller.region, arn)
        return _change(caller, params, share, "disassociate", shares.disassociate)

    return restjson.idempotent(shares.tokens_of(caller.account), "DisassociateResourceShare", params, remove)


def get_resource_shares(caller: Caller, params: dict) -> dict:
    found = _visible_shares(caller, _owner(params), params)
    if params.get("resourceShareStatus"):
        found = [s for s in found if s.status == params["resourceShareStatus"]]
    if params.get("name"):
        found = [s for s in found if s.name == params["name"]]
    for tag_filter in params.get("tagFilters") or []:
        key, values = tag_filter.get("tagKey"), tag_filter.get("tagValues") or []
        found = [
            s for s in found if s.owner == caller.account and key in s.tags and (not values or s.tags[key] in values)
        ]
    return _page([_share_view(s, caller) for s in found], params, "resourceShares")


def get_resource_share_associations(caller: Caller, params: dict) -> dict:
    kind = params["associationType"]
    if kind == "PRINCIPAL" and params.get("resourceArn"):
        raise shares.invalid("You cannot specify a resource ARN when the association type is PRINCIPAL.")
    if kind == "RESOURCE" and params.get("principal"):
        raise shares.invalid("You cannot specify a principal when the association type is RESOURCE.")
    entity = params.get("resourceArn") or params.get("principal")
    views = [
        _association_view(share, association)
        for share in _visible_shares(caller, "SELF", params)
        for association in share.associations.values()
        if association.type == kind
        and (entity is None or association.entity == entity)
        and (not params.get("associationStatus") or association.status == params["associationStatus"])
    ]
    return _page(views, params, "resourceShareAssociations")


def list_resources(caller: Caller, params: dict) -> dict:
    owner = _owner(params)
    kind = _type_filter(params)
    principal = params.get("principal")
    views = []
    for share in _visible_shares(caller, owner, params):
        if share.status != "ACTIVE":
            continue
        if principal and owner == "SELF" and not any(a.entity == principal for a in share.live("PRINCIPAL")):
            continue
        if principal and owner == "OTHER-ACCOUNTS" and share.owner != principal:
            continue
        for association in share.live("RESOURCE"):
            resource_kind = shares.resource_type(association.entity)
            if kind and resource_kind != kind:
                continue
            if params.get("resourceArns") and association.entity not in params["resourceArns"]:
                continue
            views.append(
                {
                    "arn": association.entity,
                    "type": resource_kind,
                    "resourceShareArn": share.arn,
                    "status": "AVAILABLE",
                    "creationTime": association.created,
                    "lastUpdatedTime": association.updated,
                    "resourceRegionScope": "REGIONAL",
                }
            )
    return _page(views, params, "resources")


def list_principals(caller: Caller, params: dict) -> dict:
    owner = _owner(params)
    kind = _type_filter(params)
    views = []
    for share in _visible_shares(caller, owner, params):
        if share.status != "ACTIVE":
            continue
        resources = share.live("RESOURCE")
        if params.get("resourceArn") and not any(a.entity == params["resourceArn"] for a in resources):
            continue
        if kind and not any(shares.resource_type(a.entity) == kind for a in resources):
            continue
        if owner == "OTHER-ACCOUNTS":
            entries = [(share.owner, share.created, share.updated, False)]
        else:
            entries = [(a.entity, a.created, a.updated, a.external) for a in share.live("PRINCIPAL")]
        for principal, created, updated, external in entries:
            if params.get("principals") and principal not in params["principals"]:
                continue
            views.append(
                {
                    "id": principal,
                    "resourceShareArn": share.arn,
                    "creationTime": created,
                    "lastUpdatedTime": updated,
                    "external": external,
                }
            )
    return _page(views, params, "principals")


def enable_sharing_with_aws_organization(caller: Caller, params: dict) -> dict:
    if not organization.is_management(caller.account):
        raise ServiceError(
            "OperationNotPermittedException",
            "Unable to enable sharing with AWS Organizations. Received AccessDeniedException from AWSOrganizations "
            "with the following error message: You don't have permissions to access this resource.",
        )
    organization.enable_sharing()
    return {"returnValue": True}


def get_resource_share_invitations(caller: Caller, params: dict) -> dict:
    wanted = params.get("resourceShareInvitationArns")
    if wanted:
        found = [shares.received_invitation(caller.account, caller.region, arn) for arn in wanted]
    else:
        found = [
            i for i in shares.INVITATIONS.values() if i.receiver == caller.account and i.share.region == caller.region
        ]
    if params.get("resourceShareArns"):
        found = [i for i in found if i.share.arn in params["resourceShareArns"]]
    found.sort(key=lambda i: i.created)
    return _page([_invitation_view(i) for i in found], params, "resourceShareInvitations")


def _respond(operation: str, accept: bool) -> Callable[[Caller, dict], dict]:
    def respond(caller: Caller, params: dict) -> dict:
        def answer() -> dict:
            invitation = shares.received_invitation(caller.account, caller.region, params["resourceShareInvitationArn"])
            shares.respond(invitation, accept)
            return {"resourceShareInvitation": _invitation_view(invitation), "clientToken": params.get("clientToken")}

        return restjson.idempotent(shares.tokens_of(caller.account), operation, params, answer)

    return respond


def list_pending_invitation_resources(caller: Caller, params: dict) -> dict:
    invitation = shares.received_invitation(caller.account, caller.region, params["resourceShareInvitationArn"])
    if invitation.status == "REJECTED":
        raise ServiceError(
            "ResourceShareInvitationAlreadyRejectedException",
            f"The invitation {invitation.arn} has already been rejected.",
        )
    if invitation.status == "EXPIRED":
        raise ServiceError("ResourceShareInvitationExpiredException", f"The invitation {invitation.arn} has expired.")
    views = [
        {
            "arn": a.entity,
            "type": shares.resource_type(a.entity),
            "resourceShareArn": invitation.share.arn,
            "status": "AVAILABLE",
            "creationTime": a.created,
            "lastUpdatedTime": a.updated,
            "resourceRegionScope": "REGIONAL",
        }
        for a in invitation.share.live("RESOURCE")
    ]
    return _page(views, params, "resources")


def tag_resource(caller: Caller, params: dict) -> dict:
    if not params.get("resourceShareArn"):
        raise shares.invalid("Specify a resource share ARN: localcloud has no customer managed permissions to tag.")
    share = shares.owned_share(caller.account, caller.region, params["resourceShareArn"])
    tags = {**share.tags, **_tags(params["tags"])}
    _tags([{"key": k, "value": v} for k, v in tags.items()])
    share.tags = tags
    return {}


def untag_resource(caller: Caller, params: dict) -> dict:
    if not params.get("resourceShareArn"):
        raise shares.invalid("Specify a resource share ARN: localcloud has no customer managed permissions to untag.")
    share = shares.owned_share(caller.account, caller.region, params["resourceShareArn"])
    share.tags = {k: v for k, v in share.tags.items() if k not in params["tagKeys"]}
    return {}


def list_resource_types(caller: Caller, params: dict) -> dict:
    from moto.ram.utils import RAM_RESOURCE_TYPES

    scope = params.get("resourceRegionScope") or "ALL"
    types = [t for t in RAM_RESOURCE_TYPES if scope == "ALL" or t["resourceRegionScope"] == scope]
    return _page(list(types), params, "resourceTypes")


def _permissions() -> list[dict]:
    from datetime import datetime, timezone

    from moto.ram.utils import AWS_MANAGED_PERMISSIONS

    def epoch(text: str) -> float:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()

    return [
        {**p, "creationTime": epoch(p["creationTime"]), "lastUpdatedTime": epoch(p["lastUpdatedTime"])}
        for p in AWS_MANAGED_PERMISSIONS
    ]


def list_permissions(caller: Caller, params: dict) -> dict:
    found = _permissions()
    if params.get("resourceType"):
        found = [p for p in found if p["resourceType"].lower() == params["resourceType"].lower()]
    if params.get("permissionType") == "LOCAL":
        found = []
    return _page(found, params, "permissions")


def list_resource_share_permissions(caller: Caller, params: dict) -> dict:
    share = shares.owned_share(caller.account, caller.region, params["resourceShareArn"])
    kinds = {shares.resource_type(a.entity) for a in share.live("RESOURCE")}
    found = [p for p in _permissions() if p["resourceType"] in kinds and p["isResourceTypeDefault"]]
    return _page(found, params, "permissions")


def _invalid(member: str, reason: str) -> ServiceError:
    return shares.invalid(f"The value supplied for parameter '{member}' is not valid. {reason}".strip())


WORDING = Wording(
    invalid=_invalid,
    missing=lambda member: ServiceError("MissingRequiredParameterException", f"The parameter '{member}' is required."),
    malformed=lambda detail: shares.invalid(detail),
    internal="ServerInternalException",
    exclusive=lambda sentence: shares.invalid(sentence),
)

SERVICE = restjson.Service(
    MODEL,
    WORDING,
    {
        "CreateResourceShare": create_resource_share,
        "UpdateResourceShare": update_resource_share,
        "DeleteResourceShare": delete_resource_share,
        "AssociateResourceShare": associate_resource_share,
        "DisassociateResourceShare": disassociate_resource_share,
        "GetResourceShares": get_resource_shares,
        "GetResourceShareAssociations": get_resource_share_associations,
        "ListResources": list_resources,
        "ListPrincipals": list_principals,
        "EnableSharingWithAwsOrganization": enable_sharing_with_aws_organization,
        "GetResourceShareInvitations": get_resource_share_invitations,
        "AcceptResourceShareInvitation": _respond("AcceptResourceShareInvitation", True),
        "RejectResourceShareInvitation": _respond("RejectResourceShareInvitation", False),
        "ListPendingInvitationResources": list_pending_invitation_resources,
        "TagResource": tag_resource,
        "UntagResource": untag_resource,
        "ListResourceTypes": list_resource_types,
        "ListPermissions": list_permissions,
        "ListResourceSharePermissions": list_resource_share_permissions,
    },
    bind=_bind,
    lock=LOCK,
)


def app(environ, start_response, account: str, region: str):
    """WSGI entry point for one RAM request made by `account` in `region`."""
    return SERVICE.app(environ, start_response, account, region)
