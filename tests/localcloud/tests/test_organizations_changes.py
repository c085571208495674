"""Changing the organization at run time: CreateAccount, MoveAccount, OUs, CloseAccount, and what follows from them."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, SHARED, WORKLOAD, WORKLOAD_PROD, call_control

ROOT = "r-0f3e"


@pytest.fixture(scope="module")
def org(scratch):
    return scratch.client(MANAGEMENT, "organizations")


def _ou(org, parent: str, name: str) -> dict:
    return next(ou for ou in org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"] if ou["Name"] == name)


def _code(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def _create(org, name: str = "", **kwargs) -> str:
    name = name or f"acct-{uuid.uuid4().hex[:8]}"
    started = org.create_account(AccountName=name, Email=f"{name}@example.com", **kwargs)["CreateAccountStatus"]
    return org.describe_create_account_status(CreateAccountRequestId=started["Id"])["CreateAccountStatus"]["AccountId"]


def test_create_account_answers_in_progress_then_the_status_names_the_account(org):
    started = org.create_account(AccountName="Team Blue", Email="team-blue@example.com")["CreateAccountStatus"]
    status = org.describe_create_account_status(CreateAccountRequestId=started["Id"])["CreateAccountStatus"]
    listed = org.list_create_account_status(States=["SUCCEEDED"])["CreateAccountStatuses"]

    assert started["State"] == "IN_PROGRESS"
    assert "AccountId" not in started
    assert status["State"] == "SUCCEEDED"
    assert status["AccountName"] == "Team Blue"
    assert status["Id"] in {s["Id"] for s in listed}
    account = org.describe_account(AccountId=status["AccountId"])["Account"]
    assert (account["Name"], account["Status"], account["JoinedMethod"]) == ("Team Blue", "ACTIVE", "CREATED")
    assert status["AccountId"] in [a["Id"] for a in org.list_accounts_for_parent(ParentId=ROOT)["Accounts"]]


def test_a_created_account_has_its_access_role_and_a_default_vpc(scratch, org):
    account = _create(org, RoleName="PlatformAdmin")

    ec2 = scratch.client(account, "ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    role = scratch.client(account, "iam").get_role(RoleName="PlatformAdmin")["Role"]

    assert len(vpcs) == 1
    assert role["Arn"] == f"arn:aws:iam::{account}:role/PlatformAdmin"
    assert scratch.client(account, "sts").get_caller_identity()["Account"] == account


def test_an_email_already_in_use_fails_the_request_not_the_call(org):
    _create(org, "dup-mail")

    started = org.create_account(AccountName="dup-mail-2", Email="dup-mail@example.com")["CreateAccountStatus"]
    status = org.describe_create_account_status(CreateAccountRequestId=started["Id"])["CreateAccountStatus"]

    assert (status["State"], status["FailureReason"]) == ("FAILED", "EMAIL_ALREADY_EXISTS")
    assert "AccountId" not in status
    assert _code(lambda: org.describe_create_account_status(CreateAccountRequestId="car-00000000")) == "CreateAccountStatusNotFoundException"


def test_a_moved_account_is_listed_under_its_new_ou_and_sees_what_the_ou_tree_is_shared(scratch, org):
    workloads = _ou(org, ROOT, "Workloads")
    prod = _ou(org, workloads["Id"], "Prod")
    account = _create(org)
    owner = scratch.client(SHARED, "ec2")
    ami = owner.register_image(Name=f"sample_{uuid.uuid4().hex[:8]}")["ImageId"]
    owner.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationalUnitArn": workloads["Arn"]}]})
    consumer = scratch.client(account, "ec2")

    before = consumer.describe_images(ExecutableUsers=["self"])["Images"]
    org.move_account(AccountId=account, SourceParentId=ROOT, DestinationParentId=prod["Id"])
    inside = consumer.describe_images(ExecutableUsers=["self"])["Images"]
    listed = [a["Id"] for a in org.list_accounts_for_parent(ParentId=prod["Id"])["Accounts"]]
    path = org.describe_account(AccountId=account)["Account"]["Paths"]
    _, topology = call_control(scratch.url, "GET", "topology")
    org.move_account(AccountId=account, SourceParentId=prod["Id"], DestinationParentId=ROOT)
    outside = consumer.describe_images(ExecutableUsers=["self"])["Images"]

    assert ami not in {i["ImageId"] for i in before}
    assert ami in {i["ImageId"] for i in inside}
    assert account in listed
    assert path == [f"o-xxxxxxxxxx/{ROOT}/{workloads['Id']}/{prod['Id']}/{account}/"]
    assert next(a for a in topology["accounts"] if a["id"] == account)["ou_arns"] == [prod["Arn"], workloads["Arn"]]
    assert ami not in {i["ImageId"] for i in outside}
    assert account not in [a["Id"] for a in org.list_accounts_for_parent(ParentId=prod["Id"])["Accounts"]]


def test_move_account_names_what_is_missing(org):
    workloads = _ou(org, ROOT, "Workloads")["Id"]

    assert _code(lambda: org.move_account(AccountId=WORKLOAD, SourceParentId=ROOT, DestinationParentId=workloads)) == "DuplicateAccountException"
    assert _code(lambda: org.move_account(AccountId=WORKLOAD, SourceParentId="ou-0f3e-nothere1", DestinationParentId=ROOT)) == "SourceParentNotFoundException"
    assert _code(lambda: org.move_account(AccountId=WORKLOAD, SourceParentId=workloads, DestinationParentId="ou-0f3e-nothere1")) == "DestinationParentNotFoundException"
    assert _code(lambda: org.move_account(AccountId="123412341234", SourceParentId=ROOT, DestinationParentId=workloads)) == "AccountNotFoundException"
    # WORKLOAD_PROD sits in Workloads/Prod, so the root is not where it moves from.
    assert _code(lambda: org.move_account(AccountId=WORKLOAD_PROD, SourceParentId=ROOT, DestinationParentId=workloads)) == "SourceParentNotFoundException"


def test_ous_nest_five_levels_deep_with_unique_names_per_parent(org):
    parent = ROOT
    created = []
    for level in range(5):
        ou = org.create_organizational_unit(ParentId=parent, Name=f"deep-{uuid.uuid4().hex[:6]}-{level}")["OrganizationalUnit"]
        created.append(ou)
        parent = ou["Id"]

    too_deep = _code(lambda: org.create_organizational_unit(ParentId=parent, Name="sixth"))
    duplicate = _code(lambda: org.create_organizational_unit(ParentId=created[0]["Id"], Name=created[1]["Name"]))
    orphan = _code(lambda: org.create_organizational_unit(ParentId="ou-0f3e-nothere1", Name="x"))
    not_empty = _code(lambda: org.delete_organizational_unit(OrganizationalUnitId=created[3]["Id"]))
    org.delete_organizational_unit(OrganizationalUnitId=created[4]["Id"])

    assert created[4]["Path"] == "o-xxxxxxxxxx/" + "/".join([ROOT] + [ou["Id"] for ou in created]) + "/"
    assert too_deep == "ConstraintViolationException"
    assert duplicate == "DuplicateOrganizationalUnitException"
    assert orphan == "ParentNotFoundException"
    assert not_empty == "OrganizationalUnitNotEmptyException"
    assert org.list_children(ParentId=created[3]["Id"], ChildType="ORGANIZATIONAL_UNIT")["Children"] == []


def test_a_closed_account_is_suspended_and_cannot_be_assumed_into(scratch, org):
    account = _create(org)
    scratch.session(account)

    org.close_account(AccountId=account)
    described = org.describe_account(AccountId=account)["Account"]
    register = _code(lambda: org.register_delegated_administrator(AccountId=account, ServicePrincipal="ssm.amazonaws.com"))
    sts = scratch.client(MANAGEMENT, "sts")
    assume = _code(lambda: sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="closed"))

    assert (described["Status"], described["State"]) == ("SUSPENDED", "SUSPENDED")
    assert register == "ConstraintViolationException"
    assert assume == "AccessDenied"
    suspended = [a["Id"] for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"] if a["Status"] == "SUSPENDED"]
    assert suspended == [account]
    assert _code(lambda: org.close_account(AccountId=MANAGEMENT)) == "ConstraintViolationException"
