"""Eventual consistency: for `propagation_seconds` a change is not yet seen where AWS does not see it.

AWS facts relied on:
- IAM User Guide, "Troubleshoot IAM", "Changes that I make are not always immediately visible":
  IAM is eventually consistent; a change (a new role, instance profile or policy, a changed
  trust or permissions policy) takes time to reach every endpoint that reads it, so "we
  recommend that you do not include such IAM changes in the critical, high-availability code
  paths of your application". Until then the other services keep working from what they saw
  before: a new instance profile "does not exist" for EC2 Image Builder
  (`InvalidParameterValueException`, "The value supplied for parameter 'instanceProfileName' is
  not valid. The provided instance profile does not exist. Please specify a different instance
  profile and try again." — aws-cdk#11441, the error Terraform's provider retries for two
  minutes), AssumeRole into a new role, or under a new trust policy, is `AccessDenied`, a key
  policy naming a new role or user is KMS's `MalformedPolicyDocumentException` "Policy contains
  a statement with one or more invalid principals." (hashicorp/terraform#11509: the provider
  retries it), and a changed permissions policy is evaluated as it was (by KMS too).
- Other services' own windows (Parameter Store's asynchronous `aws:ec2:image` check, RAM
  associations, DescribeImages listing a just-deregistered AMI) use `settled` with their own
  timestamps; their modules cite their pages.

How: every IAM write that can change what another service sees (`_WRITES`, and the policy
writes CloudFormation makes on a role directly) is bracketed. With the knob on, the account's
roles (trust and identity policy documents), users (identity policy documents, their groups'
included) and instance profiles (their roles) are fingerprinted before and after the write;
each entity whose fingerprint changed gets a new version stamped now. `role`, `user` and
`instance_profile` answer what other services see: the newest version older than the window,
None when the entity did not exist then. An entity never written while the knob was on (or
changed while it was off) is seen as it is. With the knob at 0 nothing is recorded and every
answer is the entity as it is, so nothing costs more than a flag test.
"""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from localcloud.control import CONFIG
from localcloud.patching import wrap_once

Documents = tuple[tuple[str, str], ...]  # (source, JSON document) of each identity policy


@dataclass(frozen=True)
class Role:
    """A role as a service sees it: its ARN, trust policy and identity policies."""

    arn: str
    trust: str
    documents: Documents


@dataclass(frozen=True)
class Profile:
    """An instance profile as a service sees it: the ARNs of its roles."""

    role_arns: tuple[str, ...]


Key = tuple[str, str, str]  # (kind, account, name)
_OLD = float("-inf")  # the stamp of what existed before the knob was on: seen by everyone

_LOCK = threading.RLock()
_HISTORY: dict[Key, list[tuple[float, Any]]] = {}
_BASELINED: set[str] = set()
_DEPTH = threading.local()

# IAMBackend methods after which another service may see something new (moto 5.2.5's names).
_WRITES = (
    "create_role",
    "delete_role",
    "update_assume_role_policy",
    "put_role_policy",
    "delete_role_policy",
    "attach_role_policy",
    "detach_role_policy",
    "create_user",
    "delete_user",
    "put_user_policy",
    "delete_user_policy",
    "attach_user_policy",
    "detach_user_policy",
    "add_user_to_group",
    "remove_user_from_group",
    "put_group_policy",
    "delete_group_policy",
    "attach_group_policy",
    "detach_group_policy",
    "delete_group",
    "create_policy_version",
    "delete_policy_version",
    "set_default_policy_version",
    "create_inline_policy",
    "update_inline_policy",
    "delete_inline_policy",
    "create_instance_profile",
    "delete_instance_profile",
    "add_role_to_instance_profile",
    "remove_role_from_instance_profile",
    "create_service_linked_role",
    "delete_service_linked_role",
)


def window() -> float:
    """The knob: seconds a change stays unseen (0: off)."""
    return float(CONFIG.propagation_seconds or 0)


def settled(since: float) -> bool:
    """Whether a change made at `since` (time.monotonic()) is seen everywhere by now."""
    return time.monotonic() - since >= window()


# --- what other services see ---------------------------------------------------------------------


def role(account: str, name: str) -> Role | None:
    """The role `name` of `account` as other services see it now (None: not there for them)."""
    return _seen(("role", account, name), _role_now(account, name))


def role_exists(account: str, name: str) -> bool:
    """Whether IAM itself has the role now (whoever sees it)."""
    return _role_now(account, name) is not None


def user_documents(account: str, name: str) -> Documents | None:
    """The identity policies of user `name` as they are evaluated now (None: no such user yet)."""
    return _seen(("user", account, name), _user_now(account, name))


def instance_profile(account: str, name: str) -> Profile | None:
    """The instance profile `name` of `account` as other services see it now."""
    return _seen(("instance-profile", account, name), _profile_now(account, name))


def changing(kind: str, account: str, name: str) -> bool:
    """Whether other services still see an older version of this entity than IAM has (so an
    answer about it must not be cached)."""
    if not window():
        return False
    with _LOCK:
        history = _HISTORY.get((kind, account, name))
        return bool(history) and history[-1][0] > time.monotonic() - window()


def _seen(key: Key, now: Any) -> Any:
    if not window():
        return now
    with _LOCK:
        history = _HISTORY.get(key)
        if not history or history[-1][1] != now:
            # Changed while nobody watched (knob off, or a path that is not bracketed): as it is.
            return now
        horizon = time.monotonic() - window()
        seen = None
        for stamp, value in history:
            if stamp > horizon:
                break
            seen = value
        return seen


# --- IAM as it is --------------------------------------------------------------------------------


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    regional = dict.get(iam_backends, account)
    return dict.get(regional, "aws") if regional is not None else None


def documents_of(holders: list[Any]) -> Documents:
    """(source, JSON document) of every inline and attached managed policy (default version) of
    `holders` (a role, or a user and its groups)."""
    found: list[tuple[str, str]] = []
    for holder in holders:
        for name, document in holder.policies.items():
            found.append((f"{holder.arn} inline policy {name}", document))
        for policy in holder.managed_policies.values():
            default = next((v for v in policy.versions if v.is_default), None)
            if default is not None:
                found.append((policy.arn, default.document))
    return tuple(found)


def _find_role(backend: Any, name: str) -> Any:
    return next((r for r in backend.roles.values() if r.name == name), None)


def _role_now(account: str, name: str) -> Role | None:
    backend = _iam(account)
    found = _find_role(backend, name) if backend is not None else None
    if found is None:
        return None
    return Role(found.arn, found.assume_role_policy_document, documents_of([found]))


def _user_now(account: str, name: str) -> Documents | None:
    backend = _iam(account)
    user = backend.users.get(name) if backend is not None else None
    if user is None:
        return None
    return documents_of([user] + [g for g in backend.groups.values() if user in g.users])


def _profile_now(account: str, name: str) -> Profile | None:
    backend = _iam(account)
    found = next((p for p in backend.instance_profiles.values() if p.name == name), None) if backend else None
    return Profile(tuple(r.arn for r in found.roles)) if found is not None else None


def _snapshot(account: str) -> dict[Key, Any]:
    backend = _iam(account)
    if backend is None:
        return {}
    found: dict[Key, Any] = {}
    for item in list(backend.roles.values()):
        found[("role", account, item.name)] = _role_now(account, item.name)
    for name in list(backend.users):
        found[("user", account, name)] = _user_now(account, name)
    for item in list(backend.instance_profiles.values()):
        found[("instance-profile", account, item.name)] = _profile_now(account, item.name)
    return found


# --- recording -----------------------------------------------------------------------------------


def _bracketed(write: Callable[..., Any]) -> Callable[..., Any]:
    """`write` (of an IAM backend, role, user or group: all know their account) bracketed."""

    @functools.wraps(write)
    def bracket(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not window() or getattr(_DEPTH, "value", 0):
            return write(self, *args, **kwargs)
        account = self.account_id
        with _LOCK:
            _DEPTH.value = 1
            try:
                before = _baseline(account)
                result = write(self, *args, **kwargs)
                _record(account, before)
            finally:
                _DEPTH.value = 0
        return result

    return bracket


def _baseline(account: str) -> dict[Key, Any]:
    """The account's entities before a write; the first time, they are recorded as old."""
    before = _snapshot(account)
    if account not in _BASELINED:
        _BASELINED.add(account)
        for key, value in before.items():
            _HISTORY.setdefault(key, [(_OLD, value)])
    return before


def _record(account: str, before: dict[Key, Any]) -> None:
    after = _snapshot(account)
    now = time.monotonic()
    horizon = now - window()
    for key in set(before) | set(after):
        value = after.get(key)
        if before.get(key) == value:
            continue
        history = _HISTORY.setdefault(key, [(_OLD, before.get(key))])
        history.append((now, value))
        # Only the newest version already seen everywhere is still needed below the horizon.
        while len(history) > 1 and history[1][0] <= horizon:
            history.pop(0)


def install() -> None:
    """Bracket moto's IAM writes; idempotent."""
    from moto.iam.models import Group, IAMBackend, Role as MotoRole, User

    for name in _WRITES:
        wrap_once(IAMBackend, name, _bracketed)
    # CloudFormation puts a role's `Policies` on the role itself, after IAMBackend.create_role.
    for model in (MotoRole, User, Group):
        for name in ("put_policy", "delete_policy"):
            wrap_once(model, name, _bracketed)
