"""AWS-managed IAM policies, built once and shared by every account.

In AWS the managed policies (`arn:aws:iam::aws:policy/...`) exist once, globally, and every
account can attach them. moto builds its own copy of all of them (over a thousand) in each
account's IAM backend, which costs about a second and 40 MB per account: a 200-account topology
would spend minutes and gigabytes before the first useful call. Sharing one copy is also closer
to AWS. Each account still gets its own ARN -> policy table (its customer-managed policies go
there too), copied from one built once instead of computing 1,500 ARNs per account.
"""

from __future__ import annotations

import threading

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
