"""The server's life cycle, the topology seed and account switching."""

from __future__ import annotations

import http.client
import subprocess
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, ORG_ARN, ORG_ID, REGION, SERVE, SHARED, WORKLOAD, WORKLOAD_PROD, checked_session


def test_ready_line_then_serves_then_stops_cleanly_on_sigterm(spawn_localcloud):
    server = spawn_localcloud()

    with urllib.request.urlopen(f"{server.url}/_localcloud/config", timeout=10) as response:
        assert response.status == 200
    # One SIGTERM (stop() sends it): a second one while the first is shutting the server down
    # could land after Python restored the default handler, and kill it with -15.
    code, rest = server.stop()

    assert code == 0
    assert rest == ""


def test_dummy_credentials_act_as_the_default_caller_account(localcloud):
    assert boto3.client("sts").get_caller_identity()["Account"] == SHARED


def test_a_key_shaped_like_an_issued_one_but_never_issued_acts_as_the_caller(session_for):
    issued = session_for(WORKLOAD).get_credentials()
    # Same account part as an issued key (moto writes the issuer into the key id), other tail.
    forged = issued.access_key[:13] + ("A" if issued.access_key[13] != "A" else "B") + issued.access_key[14:]

    identity = checked_session(aws_access_key_id=forged, aws_secret_access_key="x").client("sts").get_caller_identity()

    assert identity["Account"] == SHARED


def test_connections_stay_open_between_calls(localcloud):
    address = urlsplit(localcloud)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        answers = []
        for _ in range(2):
            connection.request("GET", "/_localcloud/config")
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.getheader("Connection")))
            # http.client drops the socket when the server said it would close it.
            assert connection.sock is not None
    finally:
        connection.close()

    assert answers == [(200, None), (200, None)]


def test_default_topology_is_the_origin_scenario_plus_a_nested_ou(session_for):
    org = session_for(MANAGEMENT).client("organizations")

    organization = org.describe_organization()["Organization"]
    accounts = {a["Id"]: a["Name"] for a in org.list_accounts()["Accounts"]}

    assert organization["Id"] == ORG_ID
    assert organization["Arn"] == ORG_ARN
    assert organization["MasterAccountId"] == MANAGEMENT
    assert accounts == {MANAGEMENT: "Management", SHARED: "Shared", WORKLOAD: "Workload", WORKLOAD_PROD: "Workload Prod"}


def test_member_accounts_see_the_organization_but_cannot_list_accounts(session_for):
    org = session_for(WORKLOAD).client("organizations")

    assert org.describe_organization()["Organization"]["Id"] == ORG_ID
    with pytest.raises(ClientError) as denied:
        org.list_accounts()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"


def test_accounts_sit_in_the_ous_of_the_seed(session_for):
    org = session_for(MANAGEMENT).client("organizations")

    parent = org.list_parents(ChildId=WORKLOAD)["Parents"][0]
    ou = org.describe_organizational_unit(OrganizationalUnitId=parent["Id"])["OrganizationalUnit"]

    assert parent["Type"] == "ORGANIZATIONAL_UNIT"
    assert ou["Name"] == "Workloads"
    assert ou["Arn"] == f"arn:aws:organizations::{MANAGEMENT}:ou/{ORG_ID}/{ou['Id']}"


def test_assume_role_switches_the_account_requests_act_in(session_for, control):
    control("POST", "reset")

    identity = session_for(WORKLOAD).client("sts").get_caller_identity()
    session_for(WORKLOAD).client("ec2").describe_vpcs()

    assert identity["Account"] == WORKLOAD
    assert identity["Arn"].startswith(f"arn:aws:sts::{WORKLOAD}:assumed-role/OrganizationAccountAccessRole/")
    _, log = control("GET", "requests")
    assert {"service": "ec2", "action": "DescribeVpcs", "account": WORKLOAD, "region": REGION} in [
        {k: e[k] for k in ("service", "action", "account", "region")} for e in log
    ]


@pytest.mark.parametrize("region", ["ap-northeast-1", "eu-west-1"])
def test_every_account_has_a_default_vpc_with_a_subnet_per_zone(session_for, region):
    ec2 = session_for(WORKLOAD, region).client("ec2")

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]}])["Subnets"]
    zones = ec2.describe_availability_zones()["AvailabilityZones"]

    assert len(vpcs) == 1
    assert {s["AvailabilityZone"] for s in subnets} == {z["ZoneName"] for z in zones}
    assert all(s["DefaultForAz"] for s in subnets)


CUSTOM_SEED = """
caller_account = "222233334444"

[organization]
id = "o-abcdefgh1234"
management_account = "999988887777"

[[accounts]]
id = "222233334444"
name = "Tools"
ou = "Platform"

[[accounts]]
id = "555566667777"
name = "Prod"
ou = "ou-ab12-prod0001"

[[accounts]]
id = "888800001111"
name = "Partner"
in_organization = false
"""


def test_a_seed_file_fixes_caller_organization_accounts_and_ous(spawn_localcloud, tmp_path: Path):
    seed = tmp_path / "seed.toml"
    seed.write_text(CUSTOM_SEED)
    server = spawn_localcloud(seed)

    def session(**credentials) -> boto3.Session:
        return checked_session(**credentials)

    base = dict(endpoint_url=server.url)
    caller = session().client("sts", **base).get_caller_identity()["Account"]
    creds = session().client("sts", **base).assume_role(
        RoleArn="arn:aws:iam::999988887777:role/OrganizationAccountAccessRole", RoleSessionName="seed-test"
    )["Credentials"]
    management = session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    ).client("organizations", **base)
    organization = management.describe_organization()["Organization"]
    accounts = {a["Id"]: a["Name"] for a in management.list_accounts()["Accounts"]}
    prod_parent = management.list_parents(ChildId="555566667777")["Parents"][0]["Id"]
    tools_parent = management.list_parents(ChildId="222233334444")["Parents"][0]["Id"]
    tools_ou = management.describe_organizational_unit(OrganizationalUnitId=tools_parent)["OrganizationalUnit"]

    assert caller == "222233334444"
    assert organization["Id"] == "o-abcdefgh1234"
    assert organization["MasterAccountId"] == "999988887777"
    assert accounts == {"999988887777": "Management", "222233334444": "Tools", "555566667777": "Prod"}
    assert prod_parent == "ou-ab12-prod0001"
    assert tools_ou["Name"] == "Platform"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('caller_account = "1234"\n[organization]\nid = "o-abcdefghij"\nmanagement_account = "000000000000"\n', "caller_account"),
        ('caller_account = "111122223333"\n', "missing key `organization`"),
        ('caller_account = "111122223333"\n[organization]\nid = "o-abcdefghij"\nmanagement_account = "000000000000"\n'
         '[[accounts]]\nid = "111122223333"\nname = "x"\ncolour = "red"\n', "accounts[0]: unknown key(s): colour"),
        ("caller_account = \n", "line 1"),
    ],
)
def test_an_invalid_seed_exits_2_naming_the_problem(tmp_path: Path, text, message):
    seed = tmp_path / "bad.toml"
    seed.write_text(text)

    result = subprocess.run([str(SERVE), "--port", "0", "--seed", str(seed)], capture_output=True, text=True, timeout=120)

    assert result.returncode == 2
    assert result.stdout == ""
    assert str(seed) in result.stderr
    assert message in result.stderr
