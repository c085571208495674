"""The OU tree: nested OUs and account status from the seed, read through Organizations and the control endpoint."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, ORG_ID, SERVE, SHARED, WORKLOAD, WORKLOAD_PROD, Accounts

ROOT = "r-0f3e"  # derived from o-xxxxxxxxxx


@pytest.fixture(scope="module")
def org(session_for):
    return session_for(MANAGEMENT).client("organizations")


def _ou_named(org, parent: str, name: str) -> dict:
    ous = org.list_organizational_units_for_parent(ParentId=parent)["OrganizationalUnits"]
    return next(ou for ou in ous if ou["Name"] == name)


def test_the_root_holds_the_top_level_ous_and_the_management_account(org):
    roots = org.list_roots()["Roots"]
    ous = {c["Id"] for c in org.list_children(ParentId=ROOT, ChildType="ORGANIZATIONAL_UNIT")["Children"]}
    accounts = [c["Id"] for c in org.list_children(ParentId=ROOT, ChildType="ACCOUNT")["Children"]]

    assert [r["Id"] for r in roots] == [ROOT]
    assert roots[0]["Arn"] == f"arn:aws:organizations::{MANAGEMENT}:root/{ORG_ID}/{ROOT}"
    assert {_ou_named(org, ROOT, name)["Id"] for name in ("Infrastructure", "Workloads")} == ous
    assert accounts == [MANAGEMENT]


def test_a_nested_ou_sits_inside_its_parent_ou(org):
    workloads = _ou_named(org, ROOT, "Workloads")
    prod = _ou_named(org, workloads["Id"], "Prod")

    assert org.list_parents(ChildId=prod["Id"])["Parents"] == [{"Id": workloads["Id"], "Type": "ORGANIZATIONAL_UNIT"}]
    assert org.list_parents(ChildId=WORKLOAD_PROD)["Parents"] == [{"Id": prod["Id"], "Type": "ORGANIZATIONAL_UNIT"}]
    assert prod["Path"] == f"{ORG_ID}/{ROOT}/{workloads['Id']}/{prod['Id']}/"
    assert org.describe_organizational_unit(OrganizationalUnitId=prod["Id"])["OrganizationalUnit"] == prod


def test_accounts_for_parent_lists_direct_children_only(org):
    workloads = _ou_named(org, ROOT, "Workloads")
    prod = _ou_named(org, workloads["Id"], "Prod")

    direct = [a["Id"] for a in org.list_accounts_for_parent(ParentId=workloads["Id"])["Accounts"]]
    nested = [a["Id"] for a in org.list_accounts_for_parent(ParentId=prod["Id"])["Accounts"]]
    children = [c["Id"] for c in org.list_children(ParentId=workloads["Id"], ChildType="ACCOUNT")["Children"]]

    assert direct == [WORKLOAD] == children
    assert nested == [WORKLOAD_PROD]


def test_accounts_carry_their_path_through_the_tree(org):
    workloads = _ou_named(org, ROOT, "Workloads")
    prod = _ou_named(org, workloads["Id"], "Prod")

    described = org.describe_account(AccountId=WORKLOAD_PROD)["Account"]
    listed = {a["Id"]: a for a in org.list_accounts()["Accounts"]}

    assert described["Paths"] == [f"{ORG_ID}/{ROOT}/{workloads['Id']}/{prod['Id']}/{WORKLOAD_PROD}/"]
    assert listed[WORKLOAD_PROD] == described
    assert listed[MANAGEMENT]["Paths"] == [f"{ORG_ID}/{ROOT}/{MANAGEMENT}/"]
    assert (described["Status"], described["State"]) == ("ACTIVE", "ACTIVE")


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda o: o.list_children(ParentId="ou-0f3e-nothere1", ChildType="ACCOUNT"), "ParentNotFoundException"),
        (lambda o: o.list_accounts_for_parent(ParentId="r-zzzz"), "ParentNotFoundException"),
        (lambda o: o.list_organizational_units_for_parent(ParentId="ou-0f3e-nothere1"), "ParentNotFoundException"),
        (lambda o: o.list_parents(ChildId="123412341234"), "ChildNotFoundException"),
        (lambda o: o.describe_account(AccountId="123412341234"), "AccountNotFoundException"),
        (lambda o: o.describe_organizational_unit(OrganizationalUnitId="ou-0f3e-nothere1"), "OrganizationalUnitNotFoundException"),
        (lambda o: o.list_children(ParentId=ROOT, ChildType="POLICY"), "InvalidInputException"),
    ],
)
def test_unknown_ids_get_the_operations_own_error(org, call, code):
    with pytest.raises(ClientError) as raised:
        call(org)

    assert raised.value.response["Error"]["Code"] == code


def test_the_control_endpoint_reports_the_tree(control, org):
    workloads = _ou_named(org, ROOT, "Workloads")
    prod = _ou_named(org, workloads["Id"], "Prod")

    status, topology = control("GET", "topology")

    assert status == 200
    ous = {ou["id"]: ou for ou in topology["organizational_units"]}
    assert ous[prod["Id"]] == {"id": prod["Id"], "name": "Prod", "parent_id": workloads["Id"], "arn": prod["Arn"], "path": prod["Path"]}
    accounts = {a["id"]: a for a in topology["accounts"]}
    assert accounts[WORKLOAD_PROD]["ou_arns"] == [prod["Arn"], workloads["Arn"]]
    assert accounts[WORKLOAD_PROD]["status"] == "ACTIVE"
    assert accounts[SHARED]["ou_id"] == _ou_named(org, ROOT, "Infrastructure")["Id"]


NESTED_SEED = """
caller_account = "222233334444"

[organization]
id = "o-nested0001"
management_account = "999988887777"

[[organizational_units]]
id = "ou-ab12-workload"
name = "Workloads"

[[organizational_units]]
id = "ou-ab12-prod0001"
name = "Prod"
parent = "ou-ab12-workload"

[[organizational_units]]
name = "Eu"
parent = "Workloads/Prod"

[[accounts]]
id = "222233334444"
name = "Tools"

[[accounts]]
id = "555566667777"
name = "Prod Eu"
ou = "Workloads/Prod/Eu"

[[accounts]]
id = "555566668888"
name = "Prod App"
ou = "ou-ab12-prod0001"

[[accounts]]
id = "555566669999"
name = "Closed"
ou = "Workloads/Sandbox/Old"
status = "SUSPENDED"
"""


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    from conftest import start_server

    workdir = tmp_path_factory.mktemp("nested")
    seed = workdir / "seed.toml"
    seed.write_text(NESTED_SEED)
    server = start_server(workdir, seed)
    try:
        yield Accounts(server.url)
    finally:
        server.stop()


def test_a_seed_declares_nested_ous_by_id_by_parent_and_by_name_path(nested):
    org = nested.client("999988887777", "organizations")
    root = org.list_roots()["Roots"][0]["Id"]

    top = org.list_organizational_units_for_parent(ParentId=root)["OrganizationalUnits"]
    under_workloads = org.list_organizational_units_for_parent(ParentId="ou-ab12-workload")["OrganizationalUnits"]
    under_prod = org.list_organizational_units_for_parent(ParentId="ou-ab12-prod0001")["OrganizationalUnits"]
    eu = org.list_parents(ChildId="555566667777")["Parents"][0]["Id"]

    assert [ou["Name"] for ou in top] == ["Workloads"]
    assert top[0]["Id"] == "ou-ab12-workload"
    assert sorted(ou["Name"] for ou in under_workloads) == ["Prod", "Sandbox"]
    assert [ou["Name"] for ou in under_prod] == ["Eu"]
    assert eu == under_prod[0]["Id"]
    assert org.list_parents(ChildId="555566668888")["Parents"][0]["Id"] == "ou-ab12-prod0001"


def test_a_suspended_account_reports_status_and_state_and_cannot_be_assumed_into(nested):
    org = nested.client("999988887777", "organizations")

    account = org.describe_account(AccountId="555566669999")["Account"]
    with pytest.raises(ClientError) as raised:
        nested.session("555566669999")

    assert (account["Status"], account["State"]) == ("SUSPENDED", "SUSPENDED")
    assert raised.value.response["Error"]["Code"] == "AccessDenied"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


BASE = 'caller_account = "111122223333"\n[organization]\nid = "o-abcdefghij"\nmanagement_account = "000000000000"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BASE + '[[organizational_units]]\nname = "A"\nparent = "ou-ab12-missing1"\n', "organizational_units[0].parent: no OU with id ou-ab12-missing1"),
        (BASE + '[[organizational_units]]\nname = "A"\nid = "ou-1"\n', "organizational_units[0].id: expected an OU id"),
        (BASE + '[[organizational_units]]\nid = "ou-ab12-aaaaaaaa"\nname = "A"\n[[organizational_units]]\nid = "ou-ab12-bbbbbbbb"\nname = "A"\n',
         "organizational_units[1]: an OU named 'A' already exists"),
        (BASE + '[[accounts]]\nid = "111122223333"\nname = "x"\nou = "A/B/C/D/E/F"\n', "nested deeper than 5 levels"),
        (BASE + '[[accounts]]\nid = "111122223333"\nname = "x"\nou = "A//B"\n', "accounts[0].ou: 'A//B' has an empty OU name"),
        (BASE + '[[accounts]]\nid = "111122223333"\nname = "x"\nstatus = "GONE"\n', "accounts[0].status: expected one of ACTIVE, SUSPENDED, PENDING_CLOSURE"),
        (BASE + '[[accounts]]\nid = "000000000000"\nname = "m"\nstatus = "SUSPENDED"\n', "is the management account"),
    ],
)
def test_an_invalid_tree_in_the_seed_exits_2_naming_the_key(tmp_path: Path, text, message):
    seed = tmp_path / "bad.toml"
    seed.write_text(text)

    result = subprocess.run([str(SERVE), "--port", "0", "--seed", str(seed)], capture_output=True, text=True, timeout=120)

    assert result.returncode == 2
    assert message in result.stderr
