"""Who may read the organization: the management account, a delegated administrator, or whom the delegation policy allows."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, SHARED, WORKLOAD, WORKLOAD_PROD

OUTSIDER = "999900001111"
ROOT = "r-0f3e"
READS = {
    "ListRoots": lambda o: o.list_roots(),
    "ListAccounts": lambda o: o.list_accounts(),
    "ListChildren": lambda o: o.list_children(ParentId=ROOT, ChildType="ORGANIZATIONAL_UNIT"),
    "ListOrganizationalUnitsForParent": lambda o: o.list_organizational_units_for_parent(ParentId=ROOT),
    "ListAccountsForParent": lambda o: o.list_accounts_for_parent(ParentId=ROOT),
    "ListParents": lambda o: o.list_parents(ChildId=WORKLOAD),
    "DescribeAccount": lambda o: o.describe_account(AccountId=WORKLOAD),
    "ListDelegatedAdministrators": lambda o: o.list_delegated_administrators(),
}


def _code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


@contextmanager
def _delegated(management, account: str, service: str = "ssm.amazonaws.com"):
    management.register_delegated_administrator(AccountId=account, ServicePrincipal=service)
    try:
        yield
    finally:
        management.deregister_delegated_administrator(AccountId=account, ServicePrincipal=service)


@pytest.mark.parametrize("operation", sorted(READS))
def test_only_the_management_account_reads_the_tree_by_default(scratch, operation):
    read = READS[operation]

    read(scratch.client(MANAGEMENT, "organizations"))
    member = _code(lambda: read(scratch.client(WORKLOAD, "organizations")))
    outsider = _code(lambda: read(scratch.client(OUTSIDER, "organizations")))

    assert member == "AccessDeniedException"
    assert outsider == "AWSOrganizationsNotInUseException"


def test_every_member_may_describe_its_organization(scratch):
    described = scratch.client(WORKLOAD, "organizations").describe_organization()["Organization"]

    assert described["MasterAccountId"] == MANAGEMENT
    assert _code(lambda: scratch.client(OUTSIDER, "organizations").describe_organization()) == "AWSOrganizationsNotInUseException"


def test_a_delegated_administrator_reads_but_does_not_change_the_tree(scratch):
    management = scratch.client(MANAGEMENT, "organizations")
    delegate = scratch.client(WORKLOAD_PROD, "organizations")

    with _delegated(management, WORKLOAD_PROD):
        reads = {name: read(delegate) for name, read in READS.items()}
        admins = delegate.list_delegated_administrators(ServicePrincipal="ssm.amazonaws.com")["DelegatedAdministrators"]
        move = _code(lambda: delegate.move_account(AccountId=WORKLOAD, SourceParentId=ROOT, DestinationParentId=ROOT))
        create = _code(lambda: delegate.create_account(AccountName="Nope", Email="nope@example.com"))
    after = _code(lambda: delegate.list_accounts())

    assert {a["Id"] for a in reads["ListAccounts"]["Accounts"]} >= {MANAGEMENT, SHARED, WORKLOAD, WORKLOAD_PROD}
    assert [a["Id"] for a in admins] == [WORKLOAD_PROD]
    assert move == create == "AccessDeniedException"
    assert after == "AccessDeniedException"


@pytest.mark.parametrize(
    ("account", "service", "code", "reason"),
    [
        (MANAGEMENT, "ssm.amazonaws.com", "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR"),
        (WORKLOAD, "no-such-service.amazonaws.com", "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL"),
        ("123412341234", "ssm.amazonaws.com", "AccountNotFoundException", None),
    ],
)
def test_register_delegated_administrator_refuses_what_aws_refuses(scratch, account, service, code, reason):
    management = scratch.client(MANAGEMENT, "organizations")

    with pytest.raises(ClientError) as raised:
        management.register_delegated_administrator(AccountId=account, ServicePrincipal=service)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response.get("Reason") == reason
    assert management.list_delegated_administrators()["DelegatedAdministrators"] == []


def test_a_second_registration_for_the_same_service_is_refused(scratch):
    management = scratch.client(MANAGEMENT, "organizations")

    with _delegated(management, SHARED):
        again = _code(lambda: management.register_delegated_administrator(AccountId=SHARED, ServicePrincipal="ssm.amazonaws.com"))

    assert again == "AccountAlreadyRegisteredException"


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_the_delegation_policy_lets_a_member_read_what_it_allows(scratch):
    management = scratch.client(MANAGEMENT, "organizations")
    reader = scratch.client(WORKLOAD, "organizations")
    content = _policy(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"},
         "Action": ["organizations:List*", "organizations:DescribeAccount"], "Resource": "*"},
        {"Effect": "Deny", "Principal": {"AWS": WORKLOAD}, "Action": "organizations:ListRoots", "Resource": "*"},
    )

    put = management.put_resource_policy(Content=content)["ResourcePolicy"]
    try:
        accounts = reader.list_accounts()["Accounts"]
        described = reader.describe_account(AccountId=SHARED)["Account"]
        denied = _code(lambda: reader.list_roots())
        not_allowed = _code(lambda: reader.describe_organizational_unit(OrganizationalUnitId="ou-0f3e-845ed944"))
        others = _code(lambda: scratch.client(SHARED, "organizations").list_accounts())
        stored = management.describe_resource_policy()["ResourcePolicy"]
    finally:
        management.delete_resource_policy()

    assert put["ResourcePolicySummary"]["Id"].startswith("rp-")
    assert stored == put
    assert WORKLOAD in {a["Id"] for a in accounts}
    assert described["Id"] == SHARED
    assert denied == not_allowed == others == "AccessDeniedException"
    assert _code(lambda: reader.list_accounts()) == "AccessDeniedException"
    assert _code(lambda: management.describe_resource_policy()) == "ResourcePolicyNotFoundException"


def test_only_the_management_account_writes_the_delegation_policy(scratch):
    content = _policy({"Effect": "Allow", "Principal": {"AWS": WORKLOAD}, "Action": "organizations:*", "Resource": "*"})

    assert _code(lambda: scratch.client(WORKLOAD, "organizations").put_resource_policy(Content=content)) == "AccessDeniedException"
    assert _code(lambda: scratch.client(MANAGEMENT, "organizations").put_resource_policy(Content="{not json")) == "InvalidInputException"
