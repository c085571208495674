"""AssumeRole refusals AWS makes before any policy is read: denied or closed accounts, and roles
that STS does not see yet.

Moto lets anyone assume any role, so a missing or wrong trust policy cannot be simulated there.
A denied AssumeRole answers like AWS STS does: HTTP 403, query-protocol `AccessDenied`, message
"User: CALLER is not authorized to perform: sts:AssumeRole on resource: ROLE". AWS answers the
same for a role in a SUSPENDED or PENDING_CLOSURE account (a closed account cannot be used), and
for a role created less than `propagation_seconds` ago (IAM User Guide, "Changes that I make are
not always immediately visible": a new role is not yet visible to STS; see
`localcloud.propagation`), whether or not `enforce_iam` evaluates its trust policy.
"""

from __future__ import annotations

from typing import Any

from localcloud import propagation
from localcloud.control import CONFIG
from localcloud.protocols import Call, Response, error_response
from localcloud.topology import TOPOLOGY

_ROLE_ARN_ACCOUNT = 4


def denied(call: Call, caller_account: str, environ: dict[str, Any]) -> Response | None:
    """The AccessDenied reply when `call` assumes a role in a denied account, else None."""
    if call.service != "sts" or call.action != "AssumeRole":
        return None
    role_arn = call.form.get("RoleArn", [""])[0]
    parts = role_arn.split(":")
    if len(parts) <= _ROLE_ARN_ACCOUNT:
        return None
    account = parts[_ROLE_ARN_ACCOUNT]
    if not _refused(account) and not _not_seen_yet(account, role_arn):
        return None
    message = (
        f"User: arn:aws:iam::{caller_account}:user/moto is not authorized "
        f"to perform: sts:AssumeRole on resource: {role_arn}"
    )
    return error_response("sts", environ, "AccessDenied", message, 403)


def _refused(account: str) -> bool:
    known = TOPOLOGY.accounts.get(account)
    return account in CONFIG.deny_accounts or (known is not None and known.status != "ACTIVE")


def _not_seen_yet(account: str, role_arn: str) -> bool:
    """A role IAM has but STS does not see yet (without `enforce_iam` a role that does not exist
    at all may still be assumed, as before)."""
    if not propagation.window():
        return False
    name = role_arn.rsplit("/", 1)[-1]
    return propagation.role(account, name) is None and propagation.role_exists(account, name)
