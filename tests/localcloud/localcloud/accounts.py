"""Which account a request acts in.

Moto maps an access key to the account whose IAM backend issued it (AssumeRole into
`arn:aws:iam::ACCOUNT:role/…` issues the key in ACCOUNT) and falls back to 123456789012 for any
key it never issued. Here that fallback becomes the topology's `caller_account`, so dummy
credentials act as the caller while assumed-role credentials keep acting in their own account.
Setting MOTO_ACCOUNT_ID instead would pin every request, assumed roles included, to one account.

Moto finds the issuer by searching every account's IAM backend in every partition, on every
request (twice here: once to name the request, once in moto's dispatch), which made each call
cost time in proportion to the number of accounts. Like AWS (STS GetAccessKeyInfo: "the
account … that the access key belongs to" is encoded in the key id), moto writes the issuing
account into the key id, so `account_of` reads it from there and confirms it with one lookup
in that account's IAM backend.
"""

from __future__ import annotations

import base64
import binascii
from typing import Callable

from localcloud.topology import TOPOLOGY

# Access key ids are PREFIX(4) + base32(5 bytes: account // 2 + offset)(8) + a character whose
# half of the alphabet carries the account's last bit + random characters (moto.iam.utils).
_ACCOUNT_PART = slice(4, 12)


def install() -> Callable[[str], str]:
    """Make unknown access keys act as the caller account; returns key -> account."""
    import moto.iam.models as iam_models

    if getattr(iam_models.get_account_id_from, "_localcloud", False):
        return iam_models.get_account_id_from
    account_of._localcloud = True  # type: ignore[attr-defined]
    # moto.core.responses imports this name at call time, so replacing the module attribute is enough.
    iam_models.get_account_id_from = account_of
    return account_of


def account_of(access_key: str) -> str:
    """The account that issued `access_key`, or the topology's caller for a key no account issued."""
    return issuer(access_key) or TOPOLOGY.caller_account


def issuer(access_key: str) -> str | None:
    """The account whose IAM backend holds `access_key`, found from the key id without a search."""
    from moto.iam.models import iam_backends
    from moto.iam.utils import ACCOUNT_OFFSET
    from moto.utilities.utils import PARTITION_NAMES

    try:
        half = int.from_bytes(base64.b32decode(access_key[_ACCOUNT_PART]), "big") - ACCOUNT_OFFSET
    except (binascii.Error, ValueError):
        return None
    for number in (2 * half, 2 * half + 1):
        if not 0 <= number < 10**12:
            continue
        account = f"{number:012d}"
        # dict.get, not [], so that a key naming an unknown account does not create its backends.
        partitions = dict.get(iam_backends, account)
        if partitions is None:
            continue
        for partition in PARTITION_NAMES:
            backend = dict.get(partitions, partition)
            if backend is not None and access_key in backend.access_keys:
                return account
    return None
