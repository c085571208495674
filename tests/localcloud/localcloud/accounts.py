"""Which account a request acts in.

Moto maps an access key to the account whose IAM backend issued it (AssumeRole into
`arn:aws:iam::ACCOUNT:role/…` issues the key in ACCOUNT) and falls back to 123456789012 for any
key it never issued. Here that fallback becomes the topology's `caller_account`, so dummy
credentials act as the caller while assumed-role credentials keep acting in their own account.
Setting MOTO_ACCOUNT_ID instead would pin every request, assumed roles included, to one account.
"""

from __future__ import annotations

from typing import Callable

from localcloud.topology import TOPOLOGY


def install() -> Callable[[str], str]:
    """Make unknown access keys act as the caller account; returns key -> account."""
    import moto.iam.models as iam_models
    from moto.core import DEFAULT_ACCOUNT_ID

    issued_by = iam_models.get_account_id_from
    if getattr(issued_by, "_localcloud", False):
        return issued_by

    def account_of(access_key: str) -> str:
        account = issued_by(access_key)
        return TOPOLOGY.caller_account if account == DEFAULT_ACCOUNT_ID else account

    account_of._localcloud = True  # type: ignore[attr-defined]
    # moto.core.responses imports this name at call time, so replacing the module attribute is enough.
    iam_models.get_account_id_from = account_of
    return account_of
