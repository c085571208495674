"""AWS-managed IAM policies, built once and shared by every account.

In AWS the managed policies (`arn:aws:iam::aws:policy/...`) exist once, globally, and every
account can attach them. moto builds its own copy of all of them (over a thousand) in each
account's IAM backend, which costs about a second and 40 MB per account: a 200-account topology
would spend minutes and gigabytes before the first useful call. Sharing one copy is also closer
to AWS.
"""

from __future__ import annotations

import threading

from moto.iam import models

_LOCK = threading.Lock()
_SHARED: list[models.ManagedPolicy] | None = None


def install() -> None:
    """Make every IAM backend reuse the first backend's AWS-managed policies."""
    build = models.IAMBackend._init_aws_policies

    def shared_aws_policies(self: models.IAMBackend) -> list[models.ManagedPolicy]:
        global _SHARED
        with _LOCK:
            if _SHARED is None:
                _SHARED = build(self)
            return list(_SHARED)

    models.IAMBackend._init_aws_policies = shared_aws_policies
