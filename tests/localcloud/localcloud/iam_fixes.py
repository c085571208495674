"""AWS-managed IAM policies built once and shared by every account; policy documents kept as JSON text.

In AWS the managed policies (`arn:aws:iam::aws:policy/...`) exist once, globally, and every
account can attach them. moto builds its own copy of all of them (over a thousand) in each
account's IAM backend, which costs about a second and 40 MB per account: a 200-account topology
would spend minutes and gigabytes before the first useful call. Sharing one copy is also closer
to AWS. Each account still gets its own ARN -> policy table (its customer-managed policies go
there too), copied from one built once instead of computing 1,500 ARNs per account.

A policy document is JSON text in IAM (GetRolePolicy returns it URL-encoded). moto's
CloudFormation puts a role's `Policies` and an `AWS::IAM::Policy` on roles, users and groups as
the template's parsed object, which GetRolePolicy then cannot encode and IAM evaluation cannot
read (`TypeError: unhashable type: 'dict'`); such documents are stored as JSON text.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable

from moto.iam import models

_LOCK = threading.Lock()
_SHARED: list[models.ManagedPolicy] | None = None
_BY_ARN: dict[str, models.ManagedPolicy] = {}


def install() -> None:
    """Make every IAM backend reuse the first backend's AWS-managed policies."""
    build = models.IAMBackend._init_aws_policies

    def shared_aws_policies(self: models.IAMBackend) -> list[models.ManagedPolicy]:
        global _SHARED
        with _LOCK:
            if _SHARED is None:
                _SHARED = build(self)
                _BY_ARN.update((policy.arn, policy) for policy in _SHARED)
            return list(_SHARED)

    def managed_policies(self: models.IAMBackend) -> dict[str, models.ManagedPolicy]:
        # Runs right after shared_aws_policies in IAMBackend.__init__.
        return dict(_BY_ARN)

    models.IAMBackend._init_aws_policies = shared_aws_policies
    models.IAMBackend._init_managed_policies = managed_policies
    for holder in (models.Role, models.User, models.Group):
        if not getattr(holder.put_policy, "_localcloud_json", False):
            holder.put_policy = _as_json_text(holder.put_policy)


def _as_json_text(put_policy: Callable[[Any, str, Any], None]) -> Callable[[Any, str, Any], None]:
    def put_policy_text(self: Any, policy_name: str, policy_json: Any) -> None:
        put_policy(self, policy_name, policy_json if isinstance(policy_json, str) else json.dumps(policy_json))

    put_policy_text._localcloud_json = True  # type: ignore[attr-defined]
    return put_policy_text
