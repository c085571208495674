"""AssumeRole refusals for the accounts in `CONFIG.deny_accounts` and for closed accounts.

Moto lets anyone assume any role, so a missing or wrong trust policy cannot be simulated there.
A denied AssumeRole answers like AWS STS does: HTTP 403, query-protocol `AccessDenied`, message
"User: CALLER is not authorized to perform: sts:AssumeRole on resource: ROLE". AWS answers the
same for a role in a SUSPENDED or PENDING_CLOSURE account (a closed account cannot be used).
"""

from __future__ import annotations

from typing import Any

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
    if len(parts) <= _ROLE_ARN_ACCOUNT or not _refused(parts[_ROLE_ARN_ACCOUNT]):
        return None
    message = (
        f"User: arn:aws:iam::{caller_account}:user/moto is not authorized "
        f"to perform: sts:AssumeRole on resource: {role_arn}"
    )
    return error_response("sts", environ, "AccessDenied", message, 403)


def _refused(account: str) -> bool:
    known = TOPOLOGY.accounts.get(account)
    return account in CONFIG.deny_accounts or (known is not None and known.status != "ACTIVE")
