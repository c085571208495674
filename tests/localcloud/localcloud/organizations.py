"""AWS Organizations as gold discovers consumer accounts: the OU tree, who may read it, paging.

Moto keeps the organization's objects (accounts, OUs, policies, tags); this module seeds them
from `TOPOLOGY` with the seed's ids, keeps `TOPOLOGY` current when a call changes the tree
(CreateAccount, MoveAccount, CloseAccount, CreateOrganizationalUnit, …) so AMI sharing and
`/_localcloud/topology` see the change, and answers the tree-reading calls itself.
Facts from the Organizations API Reference (and botocore's model of it):
- Who may call: "You can only call this operation from the management account or a member
  account that is a delegated administrator" (the List*/Describe* reads); "from the management
  account" (CreateAccount, MoveAccount, the OU writes, Register/DeregisterDelegatedAdministrator,
  PutResourcePolicy, …). Anyone else in the organization gets `AccessDeniedException` "You don't
  have permissions to access this resource."; an account outside any organization gets
  `AWSOrganizationsNotInUseException`. A member also reads when the organization's resource-based
  delegation policy (PutResourcePolicy, User Guide "Delegated administrator for AWS
  Organizations") allows it the action; Deny statements win.
- Paging: `MaxResults` is 1-20 (model `MaxResults`; outside that `InvalidInputException` with
  Reason MIN_VALUE_EXCEEDED / MAX_VALUE_EXCEEDED, from `localcloud.validation`); without it a
  page holds 20; `NextToken` is
  opaque and only valid for the same operation and parent (`InvalidInputException`,
  INVALID_NEXT_TOKEN); the last page has no NextToken.
- ListAccountsForParent / ListChildren list direct children only; accounts carry `Paths`
  (`o-…/r-…/ou-…/…/ACCOUNT/`) and OUs `Path` (`o-…/r-…/ou-…/`), as AWS added in 2026.
- CreateAccount is asynchronous: it answers `State: IN_PROGRESS` without an AccountId;
  DescribeCreateAccountStatus then says SUCCEEDED (with the id) or FAILED (EMAIL_ALREADY_EXISTS).
  The new account sits under the root with its `OrganizationAccountAccessRole` (or RoleName).
- OUs nest at most five levels (ConstraintViolationException OU_DEPTH_LIMIT_EXCEEDED); names are
  unique under a parent (DuplicateOrganizationalUnitException); an OU with children cannot be
  deleted (OrganizationalUnitNotEmptyException).
"""

from __future__ import annotations

import fnmatch
import json
import threading
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from moto.core.utils import unix_time
from moto.organizations import utils
from moto.organizations.exceptions import (
    AccountNotFoundException,
    AWSOrganizationsNotInUseException,
    OrganizationsClientError,
)
from moto.organizations.models import (
    FakeDelegatedAdministrator,
    OrganizationsBackend,
    organizations_backends,
)
from moto.organizations.responses import OrganizationsResponse

from localcloud import paging
from localcloud.topology import MAX_OU_DEPTH, TOPOLOGY, Account, OrganizationalUnit

PAGE_SIZE = 20
_CONTENT_TYPE = "application/x-amz-json-1.1"
_DENIED = "You don't have permissions to access this resource."

# Reads a registered delegated administrator (of any service) may make.
_READS = frozenset(
    {
        "DescribeAccount", "DescribeCreateAccountStatus", "DescribeOrganizationalUnit", "DescribePolicy",
        "DescribeResourcePolicy", "ListAWSServiceAccessForOrganization", "ListAccounts", "ListAccountsForParent",
        "ListAccountsWithInvalidEffectivePolicy", "ListChildren", "ListCreateAccountStatus",
        "ListDelegatedAdministrators", "ListDelegatedServicesForAccount", "ListEffectivePolicyValidationErrors",
        "ListHandshakesForOrganization", "ListOrganizationalUnitsForParent", "ListParents", "ListPolicies",
        "ListPoliciesForTarget", "ListRoots", "ListTagsForResource", "ListTargetsForPolicy",
    }
)
# Policy writes the model says a delegated administrator may make: only through the delegation policy.
_DELEGABLE_WRITES = frozenset(
    {"AttachPolicy", "CreatePolicy", "DeletePolicy", "DetachPolicy", "DisablePolicyType", "EnablePolicyType",
     "TagResource", "UntagResource", "UpdatePolicy"}
)
# What any member account may call for itself (its own backend answers, as moto does).
_ANY_MEMBER = frozenset(
    {"DescribeOrganization", "LeaveOrganization", "DescribeEffectivePolicy", "AcceptHandshake", "DeclineHandshake",
     "DescribeHandshake", "ListHandshakesForAccount", "CreateOrganization"}
)
# Callable outside any organization: creating one, and answering an invitation.
_OUTSIDE = frozenset({"CreateOrganization", "AcceptHandshake", "DeclineHandshake", "DescribeHandshake", "ListHandshakesForAccount"})

# Service principals that support a delegated administrator (Organizations User Guide, "AWS services
# that you can use with AWS Organizations", column "Supports delegated administrator").
_DELEGATED_SERVICES = (
    "access-analyzer.amazonaws.com", "account.amazonaws.com", "auditmanager.amazonaws.com", "backup.amazonaws.com",
    "cloudtrail.amazonaws.com", "compute-optimizer.amazonaws.com", "config.amazonaws.com",
    "config-multiaccountsetup.amazonaws.com", "detective.amazonaws.com", "devops-guru.amazonaws.com",
    "fms.amazonaws.com", "guardduty.amazonaws.com", "health.amazonaws.com", "inspector2.amazonaws.com",
    "ipam.amazonaws.com", "license-manager.amazonaws.com", "macie.amazonaws.com",
    "member.org.stacksets.cloudformation.amazonaws.com", "reachabilityanalyzer.networkinsights.amazonaws.com",
    "securityhub.amazonaws.com", "securitylake.amazonaws.com", "servicecatalog.amazonaws.com", "ssm.amazonaws.com",
    "sso.amazonaws.com", "storage-lens.s3.amazonaws.com",
)


def _error(code: str, message: str, reason: str | None = None) -> OrganizationsClientError:
    error = OrganizationsClientError(code, message)
    if reason is not None:
        error.Reason = reason  # type: ignore[attr-defined]
    return error


def _invalid(reason: str, message: str) -> OrganizationsClientError:
    return _error("InvalidInputException", message, reason)


class _State:
    """What moto does not keep: the object index, create-account requests, the delegation policy."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.objects: dict[str, Any] = {}
        self.children: dict[str, dict[str, None]] = {}
        self.requests: dict[str, dict[str, Any]] = {}
        self.policy: dict[str, Any] | None = None


_STATE = _State()


def _backend() -> OrganizationsBackend:
    return organizations_backends[TOPOLOGY.management_account]["aws"]


def _ours(backend: OrganizationsBackend) -> bool:
    return backend.account_id == TOPOLOGY.management_account and backend.org is not None


def _index(obj: Any, parent_id: str | None) -> None:
    _STATE.objects[obj.id] = obj
    if parent_id is not None:
        _STATE.children.setdefault(parent_id, {})[obj.id] = None


def _unindex_child(child_id: str, parent_id: str) -> None:
    _STATE.children.get(parent_id, {}).pop(child_id, None)


# Backend hooks: every path that changes the tree (moto's responses, the seed) goes through them.


def _hook_create_organization(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_organization(self: OrganizationsBackend, region: str, **kwargs: Any) -> Any:
        result = original(self, region, **kwargs)
        if _ours(self):
            with _STATE.lock:
                _STATE.objects.clear()
                _STATE.children.clear()
                root = next(ou for ou in self.ou if ou.type == "ROOT")
                _index(root, None)
                _index(self.accounts[0], root.id)
        return result

    return create_organization


# The inline policy AWS gives the role a new member account trusts its management account with
# (Organizations User Guide, "Accessing member accounts"); moto creates the role without it.
_ADMINISTRATOR = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _hook_create_account(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_account(self: OrganizationsBackend, **kwargs: Any) -> Any:
        from moto.iam.models import iam_backends

        result = original(self, **kwargs)
        if _ours(self):
            account = self.accounts[-1]
            role = kwargs.get("RoleName") or "OrganizationAccountAccessRole"
            iam_backends[account.id]["aws"].put_role_policy(role, "AdministratorAccess", _ADMINISTRATOR)
            with _STATE.lock:
                _index(account, self.org.root_id)
                known = TOPOLOGY.accounts.get(account.id)
                if known is None:
                    TOPOLOGY.put_account(Account(account.id, account.name, None, True))
                elif not known.in_organization:
                    TOPOLOGY.change_account(account.id, in_organization=True, ou_id=None)
        return result

    return create_account


def _get_account_by_id(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_account_by_id(self: OrganizationsBackend, account_id: str) -> Any:
        if not _ours(self):
            return original(self, account_id)
        account = _STATE.objects.get(account_id)
        if account is None or account.type != "ACCOUNT":
            raise AccountNotFoundException
        return account

    return get_account_by_id


def _get_organizational_unit_by_id(original: Callable[..., Any]) -> Callable[..., Any]:
    def get_organizational_unit_by_id(self: OrganizationsBackend, ou_id: str) -> Any:
        if not _ours(self):
            return original(self, ou_id)
        ou = _STATE.objects.get(ou_id)
        if ou is None or ou.type == "ACCOUNT":
            raise _error("OrganizationalUnitNotFoundException", "You specified an organizational unit that doesn't exist.")
        return ou

    return get_organizational_unit_by_id


def _parent(backend: OrganizationsBackend, parent_id: str, code: str = "ParentNotFoundException") -> Any:
    found = _STATE.objects.get(parent_id) if _ours(backend) else None
    if found is None or found.type == "ACCOUNT":
        messages = {
            "ParentNotFoundException": "We can't find a root or OU with the ParentId that you specified.",
            "SourceParentNotFoundException": "We can't find a source root or OU with the ParentId that you specified.",
            "DestinationParentNotFoundException": "We can't find the destination container (a root or OU) with the ParentId that you specified.",
        }
        raise _error(code, messages[code])
    return found


def _depth(ou: Any) -> int:
    """How many OUs deep `ou` sits (the root is 0)."""
    depth = 0
    while ou.type != "ROOT":
        depth += 1
        ou = _STATE.objects[ou.parent_id]
    return depth


def _hook_create_organizational_unit(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_organizational_unit(self: OrganizationsBackend, **kwargs: Any) -> Any:
        if not _ours(self):
            return original(self, **kwargs)
        with _STATE.lock:
            parent = _parent(self, kwargs.get("ParentId", ""))
            name = kwargs.get("Name")
            if any(_STATE.objects[c].type != "ACCOUNT" and _STATE.objects[c].name == name for c in _STATE.children.get(parent.id, {})):
                raise _error("DuplicateOrganizationalUnitException", "An OU with the same name already exists.")
            if _depth(parent) >= MAX_OU_DEPTH:
                raise _error(
                    "ConstraintViolationException",
                    "You attempted to create an OU tree that is too many levels deep.",
                    "OU_DEPTH_LIMIT_EXCEEDED",
                )
            result = original(self, **kwargs)
            ou = self.ou[-1]
            _index(ou, parent.id)
            TOPOLOGY.put_ou(OrganizationalUnit(ou.id, ou.name, parent.id))
        result["OrganizationalUnit"]["Path"] = TOPOLOGY.ou_path(ou.id)
        return result

    return create_organizational_unit


def _hook_delete_organizational_unit(original: Callable[..., Any]) -> Callable[..., Any]:
    def delete_organizational_unit(self: OrganizationsBackend, **kwargs: Any) -> Any:
        if not _ours(self):
            return original(self, **kwargs)
        with _STATE.lock:
            ou = self.get_organizational_unit_by_id(kwargs["OrganizationalUnitId"])
            if _STATE.children.get(ou.id):
                raise _error(
                    "OrganizationalUnitNotEmptyException",
                    "The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try the operation again.",
                )
            original(self, **kwargs)
            del _STATE.objects[ou.id]
            _unindex_child(ou.id, ou.parent_id)
            _STATE.children.pop(ou.id, None)
            TOPOLOGY.remove_ou(ou.id)

    return delete_organizational_unit


def _hook_update_organizational_unit(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_organizational_unit(self: OrganizationsBackend, **kwargs: Any) -> Any:
        result = original(self, **kwargs)
        if _ours(self):
            ou = self.get_organizational_unit_by_id(kwargs["OrganizationalUnitId"])
            TOPOLOGY.put_ou(OrganizationalUnit(ou.id, ou.name, ou.parent_id))
            result["OrganizationalUnit"]["Path"] = TOPOLOGY.ou_path(ou.id)
        return result

    return update_organizational_unit


def _move_account(self: OrganizationsBackend, **kwargs: Any) -> None:
    """MoveAccount with the model's own error for each missing piece (moto answers ParentNotFound)."""
    with _STATE.lock:
        source = _parent(self, kwargs["SourceParentId"], "SourceParentNotFoundException")
        destination = _parent(self, kwargs["DestinationParentId"], "DestinationParentNotFoundException")
        account = self.get_account_by_id(kwargs["AccountId"])
        if account.parent_id == destination.id:
            raise _error("DuplicateAccountException", "That account is already present in the specified destination.")
        if account.parent_id != source.id:
            raise _error("SourceParentNotFoundException", "We can't find a source root or OU with the ParentId that you specified.")
        _unindex_child(account.id, source.id)
        account.parent_id = destination.id
        _index(account, destination.id)
        TOPOLOGY.change_account(account.id, ou_id=None if destination.type == "ROOT" else destination.id)


def _hook_close_account(original: Callable[..., Any]) -> Callable[..., Any]:
    def close_account(self: OrganizationsBackend, **kwargs: Any) -> None:
        if _ours(self) and kwargs.get("AccountId") == self.account_id:
            raise _error(
                "ConstraintViolationException",
                "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization.",
                "CANNOT_CLOSE_MANAGEMENT_ACCOUNT",
            )
        original(self, **kwargs)
        if _ours(self):
            TOPOLOGY.change_account(kwargs["AccountId"], status="SUSPENDED")

    return close_account


def _hook_remove_account(original: Callable[..., Any]) -> Callable[..., Any]:
    def remove_account_from_organization(self: OrganizationsBackend, **kwargs: Any) -> None:
        account = self.get_account_by_id(kwargs["AccountId"]) if _ours(self) else None
        original(self, **kwargs)
        if account is not None:
            with _STATE.lock:
                _STATE.objects.pop(account.id, None)
                _unindex_child(account.id, account.parent_id)
                TOPOLOGY.change_account(account.id, in_organization=False, ou_id=None)

    return remove_account_from_organization


def _patch_backend() -> None:
    backend = OrganizationsBackend
    backend.create_organization = _hook_create_organization(backend.create_organization)
    backend.create_account = _hook_create_account(backend.create_account)
    backend.get_account_by_id = _get_account_by_id(backend.get_account_by_id)
    backend.get_organizational_unit_by_id = _get_organizational_unit_by_id(backend.get_organizational_unit_by_id)
    backend.create_organizational_unit = _hook_create_organizational_unit(backend.create_organizational_unit)
    backend.delete_organizational_unit = _hook_delete_organizational_unit(backend.delete_organizational_unit)
    backend.update_organizational_unit = _hook_update_organizational_unit(backend.update_organizational_unit)
    backend.move_account = _move_account
    backend.close_account = _hook_close_account(backend.close_account)
    backend.remove_account_from_organization = _hook_remove_account(backend.remove_account_from_organization)
    FakeDelegatedAdministrator.SUPPORTED_SERVICES = sorted(set(FakeDelegatedAdministrator.SUPPORTED_SERVICES) | set(_DELEGATED_SERVICES))


# Who may call what.


def _policy_allows(account: str, action: str) -> bool:
    """Whether the organization's delegation policy allows `account` the action (explicit Deny wins)."""
    policy = _STATE.policy
    if policy is None:
        return False
    allowed = False
    for statement in _statements(policy["Content"]):
        if not _names_principal(statement.get("Principal"), account):
            continue
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase(f"organizations:{action}".lower(), pattern.lower()) for pattern in actions):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _statements(content: str) -> list[dict[str, Any]]:
    document = json.loads(content)
    statements = document.get("Statement", [])
    return [statements] if isinstance(statements, dict) else statements


def _names_principal(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    names = principal.get("AWS", []) if isinstance(principal, dict) else []
    names = [names] if isinstance(names, str) else names
    return any(name in ("*", account) or name.startswith(f"arn:aws:iam::{account}:") for name in names)


def _is_delegated_administrator(account: str) -> bool:
    return any(admin.account.id == account and admin.services for admin in _backend().admins)


def _authorize(response: Any, operation: str) -> None:
    """Raise AWS's error when the caller may not call `operation`; mark calls the management backend answers."""
    caller = response.current_account
    response._localcloud_delegated = False
    if caller == TOPOLOGY.management_account or not TOPOLOGY.in_org(caller):
        own = organizations_backends[caller]["aws"]
        in_another = own.org is not None or caller in organizations_backends.master_accounts
        if caller != TOPOLOGY.management_account and not in_another and operation not in _OUTSIDE:
            raise AWSOrganizationsNotInUseException
        return
    if operation in _ANY_MEMBER:
        return
    if operation in _READS and (_is_delegated_administrator(caller) or _policy_allows(caller, operation)):
        response._localcloud_delegated = True
        return
    if operation in _DELEGABLE_WRITES and _policy_allows(caller, operation):
        response._localcloud_delegated = True
        return
    raise _error("AccessDeniedException", _DENIED)


def _organizations_backend(self: Any) -> OrganizationsBackend:
    account = TOPOLOGY.management_account if getattr(self, "_localcloud_delegated", False) else self.current_account
    return organizations_backends[account][self.partition]


# Paging.


def _max_results(response: Any) -> int:
    # Its range (1-20) is checked against the model before a request gets here (localcloud.validation).
    value = response._get_param("MaxResults")
    return PAGE_SIZE if value is None else int(value)


def _page(response: Any, operation: str, scope: str, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of `items` and the token for the next, or None on the last page."""
    size = _max_results(response)
    token = response._get_param("NextToken")
    scope = f"{operation}:{scope}"
    start = 0 if token is None else paging.offset(token, scope)
    if start is None:
        raise _invalid(
            "INVALID_NEXT_TOKEN",
            "The NextToken is not valid. Get the value for the NextToken parameter from the response to a previous call of the operation.",
        )
    end = start + size
    return items[start:end], (paging.token(scope, end) if end < len(items) else None)


def _paged(result_key: str, items: list[Any], token: str | None) -> str:
    body: dict[str, Any] = {result_key: items}
    if token is not None:
        body["NextToken"] = token
    return json.dumps(body)


# The reads, answered from the index.


def _account_json(account: Any) -> dict[str, Any]:
    described = account.describe()
    described["Paths"] = [TOPOLOGY.account_path(account.id)]
    return described


def _ou_json(ou: Any) -> dict[str, Any]:
    return {"Id": ou.id, "Arn": ou.arn, "Name": ou.name, "Path": TOPOLOGY.ou_path(ou.id)}


def _children(parent_id: str, kind: str) -> list[Any]:
    wanted = (lambda o: o.type == "ACCOUNT") if kind == "ACCOUNT" else (lambda o: o.type == "ORGANIZATIONAL_UNIT")
    return [o for o in (_STATE.objects[c] for c in list(_STATE.children.get(parent_id, {}))) if wanted(o)]


def list_roots(self: Any) -> str:
    backend = self.organizations_backend
    root = backend._get_root_by_id(backend.org.root_id)
    page, token = _page(self, "ListRoots", "", [root])
    return _paged("Roots", [r.describe() for r in page], token)


def list_children(self: Any) -> str:
    parent = _parent(self.organizations_backend, self._get_param("ParentId", ""))
    kind = self._get_param("ChildType")
    if kind not in ("ACCOUNT", "ORGANIZATIONAL_UNIT"):
        raise _invalid("INVALID_ENUM", "You specified an invalid value.")
    page, token = _page(self, "ListChildren", f"{parent.id}/{kind}", _children(parent.id, kind))
    return _paged("Children", [{"Id": c.id, "Type": kind} for c in page], token)


def list_organizational_units_for_parent(self: Any) -> str:
    parent = _parent(self.organizations_backend, self._get_param("ParentId", ""))
    page, token = _page(self, "ListOrganizationalUnitsForParent", parent.id, _children(parent.id, "ORGANIZATIONAL_UNIT"))
    return _paged("OrganizationalUnits", [_ou_json(ou) for ou in page], token)


def list_accounts_for_parent(self: Any) -> str:
    parent = _parent(self.organizations_backend, self._get_param("ParentId", ""))
    page, token = _page(self, "ListAccountsForParent", parent.id, _children(parent.id, "ACCOUNT"))
    return _paged("Accounts", [_account_json(a) for a in page], token)


def list_accounts(self: Any) -> str:
    members = [_STATE.objects[a] for a, record in list(TOPOLOGY.accounts.items()) if record.in_organization and a in _STATE.objects]
    page, token = _page(self, "ListAccounts", "", members)
    return _paged("Accounts", [_account_json(a) for a in page], token)


def describe_account(self: Any) -> str:
    account = self.organizations_backend.get_account_by_id(self._get_param("AccountId", ""))
    return json.dumps({"Account": _account_json(account)})


def describe_organizational_unit(self: Any) -> str:
    ou = self.organizations_backend.get_organizational_unit_by_id(self._get_param("OrganizationalUnitId", ""))
    return json.dumps({"OrganizationalUnit": _ou_json(ou)})


def list_parents(self: Any) -> str:
    child_id = self._get_param("ChildId", "")
    child = _STATE.objects.get(child_id)
    if child is None or child.type == "ROOT":
        raise _error("ChildNotFoundException", "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.")
    parent = _STATE.objects[child.parent_id]
    page, token = _page(self, "ListParents", child_id, [parent])
    return _paged("Parents", [{"Id": p.id, "Type": p.type} for p in page], token)


def list_delegated_administrators(self: Any) -> str:
    service = self._get_param("ServicePrincipal")
    admins = self.organizations_backend.admins
    if service:
        admins = [admin for admin in admins if service in admin.services]
    page, token = _page(self, "ListDelegatedAdministrators", service or "", list(admins))
    return _paged("DelegatedAdministrators", [admin.describe() for admin in page], token)


def register_delegated_administrator(self: Any) -> str:
    backend = self.organizations_backend
    account_id = self._get_param("AccountId", "")
    if account_id == backend.account_id:
        raise _error(
            "ConstraintViolationException",
            "You attempted to register the management account of the organization as a delegated administrator.",
            "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
        )
    if backend.get_account_by_id(account_id).status != "ACTIVE":
        raise _error(
            "ConstraintViolationException",
            "You cannot register a suspended account as a delegated administrator.",
            "CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR",
        )
    # moto records the account before it checks the principal, so check it first.
    if not FakeDelegatedAdministrator.supported_service(self._get_param("ServicePrincipal", "")):
        raise _invalid("UNRECOGNIZED_SERVICE_PRINCIPAL", "You specified an unrecognized service principal.")
    backend.register_delegated_administrator(**self.request_params)
    return "{}"


# Account creation, asynchronous as on AWS.


def create_account(self: Any) -> str:
    backend = self.organizations_backend
    params = self.request_params
    request_id = utils.make_random_create_account_status_id()
    requested = unix_time()
    record: dict[str, Any] = {"Id": request_id, "AccountName": params.get("AccountName"), "RequestedTimestamp": requested}
    email = str(params.get("Email", "")).lower()
    if any(a.email.lower() == email for a in backend.accounts):
        record.update(State="FAILED", FailureReason="EMAIL_ALREADY_EXISTS", CompletedTimestamp=requested)
    else:
        backend.create_account(**params)
        record.update(State="SUCCEEDED", AccountId=backend.accounts[-1].id, CompletedTimestamp=unix_time())
    _STATE.requests[request_id] = record
    return json.dumps({"CreateAccountStatus": {k: record[k] for k in ("Id", "AccountName", "RequestedTimestamp")} | {"State": "IN_PROGRESS"}})


def describe_create_account_status(self: Any) -> str:
    record = _STATE.requests.get(self._get_param("CreateAccountRequestId", ""))
    if record is None:
        raise _error(
            "CreateAccountStatusNotFoundException",
            "We can't find an create account request with the CreateAccountRequestId that you specified.",
        )
    return json.dumps({"CreateAccountStatus": record})


def list_create_account_status(self: Any) -> str:
    states = self._get_param("States") or ["IN_PROGRESS", "SUCCEEDED", "FAILED"]
    records = [r for r in list(_STATE.requests.values()) if r["State"] in states]
    page, token = _page(self, "ListCreateAccountStatus", ",".join(sorted(states)), records)
    return _paged("CreateAccountStatuses", page, token)


# The resource-based delegation policy (moto has none).


def _policy_json() -> dict[str, Any]:
    policy = _STATE.policy
    assert policy is not None
    return {"ResourcePolicy": {"ResourcePolicySummary": {"Id": policy["Id"], "Arn": policy["Arn"]}, "Content": policy["Content"]}}


def put_resource_policy(self: Any) -> str:
    content = self._get_param("Content", "")
    try:
        statements = _statements(content)
        valid = all(isinstance(s, dict) and s.get("Effect") in ("Allow", "Deny") for s in statements)
    except (ValueError, AttributeError):
        valid = False
    if not valid:
        raise _invalid("INVALID_RESOURCE_POLICY_JSON", "You provided a resource policy that isn't valid JSON or has no valid statements.")
    if _STATE.policy is None:
        policy_id = "rp-" + uuid.uuid4().hex[:8]
        arn = f"arn:aws:organizations::{TOPOLOGY.management_account}:resourcepolicy/{TOPOLOGY.organization_id}/{policy_id}"
        _STATE.policy = {"Id": policy_id, "Arn": arn, "Content": content}
    else:
        _STATE.policy["Content"] = content
    return json.dumps(_policy_json())


def describe_resource_policy(self: Any) -> str:
    if _STATE.policy is None:
        raise _error("ResourcePolicyNotFoundException", "We can't find a resource policy request with the parameter that you specified.")
    return json.dumps(_policy_json())


def delete_resource_policy(self: Any) -> str:
    if _STATE.policy is None:
        raise _error("ResourcePolicyNotFoundException", "We can't find a resource policy request with the parameter that you specified.")
    _STATE.policy = None
    return "{}"


_ANSWERS: dict[str, Callable[[Any], str]] = {
    "ListRoots": list_roots,
    "ListChildren": list_children,
    "ListOrganizationalUnitsForParent": list_organizational_units_for_parent,
    "ListAccountsForParent": list_accounts_for_parent,
    "ListAccounts": list_accounts,
    "DescribeAccount": describe_account,
    "DescribeOrganizationalUnit": describe_organizational_unit,
    "ListParents": list_parents,
    "ListDelegatedAdministrators": list_delegated_administrators,
    "RegisterDelegatedAdministrator": register_delegated_administrator,
    "CreateAccount": create_account,
    "DescribeCreateAccountStatus": describe_create_account_status,
    "ListCreateAccountStatus": list_create_account_status,
    "PutResourcePolicy": put_resource_policy,
    "DescribeResourcePolicy": describe_resource_policy,
    "DeleteResourcePolicy": delete_resource_policy,
}


def _gated(operation: str, answer: Callable[[Any], Any] | None, original: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    def gated(self: Any) -> Any:
        _authorize(self, operation)
        # An organization a test created outside the topology is moto's alone.
        if answer is not None and (original is None or _ours(self.organizations_backend)):
            body = answer(self)
        else:
            assert original is not None
            body = original(self)
        # Organizations speaks awsJson1_1; moto's plain string bodies would go out as text/html.
        return (body, {"Content-Type": _CONTENT_TYPE}) if isinstance(body, str) else body

    gated._localcloud = True  # type: ignore[attr-defined]
    return gated


def install() -> None:
    """Patch moto's Organizations backend and responses; idempotent."""
    if getattr(OrganizationsResponse.list_accounts, "_localcloud", False):
        return
    from botocore.session import get_session
    from moto.core.utils import camelcase_to_underscores

    _patch_backend()
    OrganizationsResponse.organizations_backend = property(_organizations_backend)
    for operation in get_session().get_service_model("organizations").operation_names:
        name = camelcase_to_underscores(operation)
        answer, original = _ANSWERS.get(operation), getattr(OrganizationsResponse, name, None)
        if answer is not None or original is not None:
            setattr(OrganizationsResponse, name, _gated(operation, answer, original))


@contextmanager
def _fixed_id(module: Any, name: str, value: str) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, lambda *_args: value)
    try:
        yield
    finally:
        setattr(module, name, original)


def seed() -> None:
    """Create the topology's organization, OU tree and member accounts in moto with their exact ids.

    Moto generates random ids; the id generators are swapped for the seed's values while each
    object is created, so every id moto derives from them (ARNs, parent links, the member ->
    management map DescribeOrganization uses) is consistent. Member accounts get moto's
    OrganizationAccountAccessRole, as accounts created by Organizations do on AWS, with AWS's
    `AdministratorAccess` inline policy.
    """
    backend = _backend()
    with _fixed_id(utils, "make_random_org_id", TOPOLOGY.organization_id), _fixed_id(
        utils, "make_random_root_id", TOPOLOGY.root_id
    ):
        backend.create_organization(region="us-east-1", FeatureSet="ALL")
    backend.get_account_by_id(TOPOLOGY.management_account).name = TOPOLOGY.accounts[TOPOLOGY.management_account].name

    for ou in list(TOPOLOGY.organizational_units.values()):
        with _fixed_id(utils, "make_random_ou_id", ou.id):
            backend.create_organizational_unit(Name=ou.name, ParentId=ou.parent_id)

    for account in list(TOPOLOGY.accounts.values()):
        if not account.in_organization:
            continue
        if account.id != TOPOLOGY.management_account:
            with _fixed_id(utils, "make_random_account_id", account.id):
                backend.create_account(AccountName=account.name, Email=f"aws+{account.id}@example.com")
        created = backend.get_account_by_id(account.id)
        created.status = created.state = account.status
        if account.ou_id is not None:
            backend.move_account(AccountId=account.id, SourceParentId=TOPOLOGY.root_id, DestinationParentId=account.ou_id)


def topology_json() -> dict[str, Any]:
    """`GET /_localcloud/topology`: the organization as it is now, tree included."""
    return {
        "caller_account": TOPOLOGY.caller_account,
        "organization": {
            "id": TOPOLOGY.organization_id,
            "arn": TOPOLOGY.org_arn(),
            "management_account": TOPOLOGY.management_account,
            "root_id": TOPOLOGY.root_id,
        },
        "organizational_units": [
            {
                "id": ou.id,
                "name": ou.name,
                "parent_id": ou.parent_id,
                "arn": TOPOLOGY.ou_arn(ou.id),
                "path": TOPOLOGY.ou_path(ou.id),
            }
            for ou in list(TOPOLOGY.organizational_units.values())
        ],
        "accounts": [
            {
                "id": a.id,
                "name": a.name,
                "in_organization": a.in_organization,
                "status": a.status,
                "ou_id": a.ou_id if a.in_organization else None,
                "ou_arn": TOPOLOGY.ou_arn_of(a.id),
                "ou_arns": TOPOLOGY.ou_arns_of(a.id),
                "path": TOPOLOGY.account_path(a.id) if a.in_organization else None,
            }
            for a in list(TOPOLOGY.accounts.values())
        ],
    }
