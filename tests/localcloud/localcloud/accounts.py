"""Which account a request acts in, and the topology's organization written into moto.

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
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from localcloud.topology import TOPOLOGY

# Access key ids are PREFIX(4) + base32(5 bytes: account // 2 + offset)(8) + a character whose
# half of the alphabet carries the account's last bit + random characters (moto.iam.utils).
_ACCOUNT_PART = slice(4, 12)


def install() -> Callable[[str], str]:
    """Make unknown access keys act as the caller account (and ListAccounts management-only); returns key -> account."""
    import moto.iam.models as iam_models
    from moto.organizations.responses import OrganizationsResponse

    if getattr(iam_models.get_account_id_from, "_localcloud", False):
        return iam_models.get_account_id_from
    OrganizationsResponse.list_accounts = _management_only(OrganizationsResponse.list_accounts)
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


def _management_only(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """AWS answers ListAccounts only in the management account; moto answers [] in members."""
    from moto.organizations.exceptions import OrganizationsClientError

    def list_accounts(self: Any) -> Any:
        if self.organizations_backend.org is None:
            raise OrganizationsClientError(
                "AccessDeniedException", "You don't have permissions to access this resource."
            )
        return original(self)

    return list_accounts


@contextmanager
def _fixed_id(module: Any, name: str, value: str) -> Iterator[None]:
    original = getattr(module, name)
    setattr(module, name, lambda *_args: value)
    try:
        yield
    finally:
        setattr(module, name, original)


def seed_organization() -> None:
    """Create the topology's organization, OUs and member accounts in moto with their exact ids.

    Moto generates random ids for all of these; the id generators are swapped for the seed's
    values while each object is created, so every id moto derives from them (ARNs, parent
    links, the member -> management map DescribeOrganization uses) is consistent.
    Member accounts get moto's OrganizationAccountAccessRole, as accounts created by
    Organizations do on AWS.
    """
    from moto.organizations import utils
    from moto.organizations.models import organizations_backends

    backend = organizations_backends[TOPOLOGY.management_account]["aws"]
    with _fixed_id(utils, "make_random_org_id", TOPOLOGY.organization_id), _fixed_id(
        utils, "make_random_root_id", TOPOLOGY.root_id
    ):
        backend.create_organization(region="us-east-1", FeatureSet="ALL")
    management = backend.get_account_by_id(TOPOLOGY.management_account)
    management.name = TOPOLOGY.accounts[TOPOLOGY.management_account].name

    for ou_id, ou_name in TOPOLOGY.ous().items():
        with _fixed_id(utils, "make_random_ou_id", ou_id):
            backend.create_organizational_unit(Name=ou_name, ParentId=TOPOLOGY.root_id)

    for account in TOPOLOGY.accounts.values():
        if not account.in_organization:
            continue
        if account.id != TOPOLOGY.management_account:
            with _fixed_id(utils, "make_random_account_id", account.id):
                backend.create_account(AccountName=account.name, Email=f"aws+{account.id}@example.com")
        if account.ou_id is not None:
            backend.move_account(
                AccountId=account.id, SourceParentId=TOPOLOGY.root_id, DestinationParentId=account.ou_id
            )
