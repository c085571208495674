"""Which account a request acts in, and the topology's organization written into moto.

Moto maps an access key to the account whose IAM backend issued it (AssumeRole into
`arn:aws:iam::ACCOUNT:role/…` issues the key in ACCOUNT) and falls back to 123456789012 for any
key it never issued. Here that fallback becomes the topology's `caller_account`, so dummy
credentials act as the caller while assumed-role credentials keep acting in their own account.
Setting MOTO_ACCOUNT_ID instead would pin every request, assumed roles included, to one account.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

from localcloud.topology import TOPOLOGY


def install() -> Callable[[str], str]:
    """Make unknown access keys act as the caller account (and ListAccounts management-only); returns key -> account."""
    import moto.iam.models as iam_models
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.organizations.responses import OrganizationsResponse

    issued_by = iam_models.get_account_id_from
    if getattr(issued_by, "_localcloud", False):
        return issued_by
    OrganizationsResponse.list_accounts = _management_only(OrganizationsResponse.list_accounts)

    def account_of(access_key: str) -> str:
        account = issued_by(access_key)
        return TOPOLOGY.caller_account if account == DEFAULT_ACCOUNT_ID else account

    account_of._localcloud = True  # type: ignore[attr-defined]
    # moto.core.responses imports this name at call time, so replacing the module attribute is enough.
    iam_models.get_account_id_from = account_of
    return account_of


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
    Organizations do on AWS, with the inline `AdministratorAccess` policy (`*` on `*`) AWS
    gives it (Organizations User Guide, "Accessing member accounts"); moto creates the role
    without it.
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
            _grant_administrator(account.id)
        if account.ou_id is not None:
            backend.move_account(
                AccountId=account.id, SourceParentId=TOPOLOGY.root_id, DestinationParentId=account.ou_id
            )


_ADMINISTRATOR = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _grant_administrator(account: str) -> None:
    from moto.iam.models import iam_backends

    iam_backends[account]["aws"].put_role_policy("OrganizationAccountAccessRole", "AdministratorAccess", _ADMINISTRATOR)
