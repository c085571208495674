"""Parameter Store: `aws:ec2:image` parameters validated after the answer, history, labels, tags.

An `aws:ec2:image` PutParameter always answers 200 with the new Version; afterwards the
parameter is created or updated only if the account may use the AMI in that region.
"""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, ORG_ARN, REGION, SHARED, WORKLOAD, checked_session, wait_until

IMAGE = "aws:ec2:image"
OTHER_REGION = "us-east-1"


@pytest.fixture(scope="module")
def clients(session_for):
    """`clients(account, service, region=REGION)`, cached for the module."""
    made = {}

    def client(account: str, service: str, region: str = REGION):
        key = (account, service, region)
        if key not in made:
            made[key] = session_for(account, region).client(service)
        return made[key]

    return client


@pytest.fixture(scope="module")
def workload_ou_arn(clients) -> str:
    org = clients(MANAGEMENT, "organizations")
    parent = org.list_parents(ChildId=WORKLOAD)["Parents"][0]["Id"]
    return org.describe_organizational_unit(OrganizationalUnitId=parent)["OrganizationalUnit"]["Arn"]


def _ami(ec2, share: dict | None = None) -> str:
    ami = ec2.register_image(Name=f"sample_{uuid.uuid4().hex[:8]}")["ImageId"]
    if share is not None:
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [share]})
    return ami


def _name() -> str:
    return f"/gold/test-{uuid.uuid4().hex[:8]}/ami"


def _error(call) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"]


def _stored(ssm, name: str) -> bool:
    """Whether the parameter exists, asked every way a client can ask."""
    try:
        ssm.get_parameter(Name=name)
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ParameterNotFound"
        by_get = False
    else:
        by_get = True
    by_gets = name not in ssm.get_parameters(Names=[name]).get("InvalidParameters", [])
    described = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": [name]}])["Parameters"]
    assert by_get == by_gets == bool(described), (by_get, by_gets, described)
    return by_get


def test_an_ami_the_account_owns_is_stored(clients):
    ec2, ssm = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm")
    ami, name = _ami(ec2), _name()

    answer = ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)
    parameter = ssm.get_parameter(Name=name)["Parameter"]

    assert answer["Version"] == 1
    assert parameter["Value"] == ami
    assert parameter["DataType"] == IMAGE
    assert parameter["Version"] == 1
    assert parameter["ARN"] == f"arn:aws:ssm:{REGION}:{WORKLOAD}:parameter{name}"


@pytest.mark.parametrize("kind", ["user", "organization", "ou", "all"])
def test_an_ami_shared_with_the_account_is_usable(clients, workload_ou_arn, kind):
    share = {
        "user": {"UserId": WORKLOAD},
        "organization": {"OrganizationArn": ORG_ARN},
        "ou": {"OrganizationalUnitArn": workload_ou_arn},
        "all": {"Group": "all"},
    }[kind]
    ami, name = _ami(clients(SHARED, "ec2"), share), _name()
    ssm = clients(WORKLOAD, "ssm")

    ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)

    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == ami


def _unusable(clients, kind: str) -> str:
    """An AMI id the Workload account may not use in REGION, for each reason SSM rejects one."""
    shared_ec2, own_ec2 = clients(SHARED, "ec2"), clients(WORKLOAD, "ec2")
    if kind == "unknown":
        return "ami-0123456789abcdef0"
    if kind == "malformed":
        return "not-an-ami"
    if kind == "bad-length":
        return "ami-0000000000000"
    if kind == "not-shared":
        return _ami(shared_ec2)
    if kind == "shared-with-someone-else":
        return _ami(shared_ec2, {"UserId": "999900001111"})
    if kind == "other-region":
        return _ami(clients(WORKLOAD, "ec2", OTHER_REGION))
    if kind == "deregistered":
        ami = _ami(own_ec2)
        own_ec2.deregister_image(ImageId=ami)
        return ami
    assert kind == "disabled"
    ami = _ami(own_ec2)
    own_ec2.disable_image(ImageId=ami)
    return ami


UNUSABLE = [
    "unknown",
    "malformed",
    "bad-length",
    "not-shared",
    "shared-with-someone-else",
    "other-region",
    "deregistered",
    "disabled",
]


@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_ami_answers_200_and_the_parameter_is_not_created(clients, kind):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    value = _unusable(clients, kind)

    answer = ssm.put_parameter(Name=name, Value=value, Type="String", DataType=IMAGE, Tags=[{"Key": "team", "Value": "web"}])

    assert answer["Version"] == 1
    assert not _stored(ssm, name)
    assert _error(lambda: ssm.get_parameter_history(Name=name)) == "ParameterNotFound"
    assert _error(lambda: ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)) == "InvalidResourceId"


@pytest.mark.parametrize("kind", UNUSABLE)
def test_an_unusable_ami_answers_200_and_the_parameter_is_unchanged(clients, kind):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    good = _ami(clients(WORKLOAD, "ec2"))
    ssm.put_parameter(Name=name, Value=good, Type="String", DataType=IMAGE)

    answer = ssm.put_parameter(Name=name, Value=_unusable(clients, kind), Type="String", DataType=IMAGE, Overwrite=True)
    parameter = ssm.get_parameter(Name=name)["Parameter"]
    history = ssm.get_parameter_history(Name=name)["Parameters"]

    assert answer["Version"] == 2
    assert (parameter["Value"], parameter["Version"]) == (good, 1)
    assert [(v["Version"], v["Value"]) for v in history] == [(1, good)]


def test_a_version_number_whose_validation_failed_is_given_again(clients):
    ec2, ssm, name = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm"), _name()
    first, second = _ami(ec2), _ami(ec2)
    ssm.put_parameter(Name=name, Value=first, Type="String", DataType=IMAGE)
    ssm.put_parameter(Name=name, Value="ami-0123456789abcdef0", Type="String", DataType=IMAGE, Overwrite=True)

    answer = ssm.put_parameter(Name=name, Value=second, Type="String", DataType=IMAGE, Overwrite=True)

    assert answer["Version"] == 2
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == second


def test_validation_uses_the_calling_accounts_view(clients):
    """The same AMI id is usable by the account it is shared with and not by another."""
    ami = _ami(clients(SHARED, "ec2"), {"UserId": WORKLOAD})
    name = _name()
    outsider = clients("999900001111", "ssm")

    clients(WORKLOAD, "ssm").put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)
    outsider.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)

    assert _stored(clients(WORKLOAD, "ssm"), name)
    assert not _stored(outsider, name)


def test_text_parameters_are_not_validated(clients):
    ssm, name = clients(WORKLOAD, "ssm"), _name()

    ssm.put_parameter(Name=name, Value="ami-0123456789abcdef0", Type="String")

    assert ssm.get_parameter(Name=name)["Parameter"]["DataType"] == "text"


def test_an_existing_parameter_needs_overwrite(clients):
    ec2, ssm, name = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm"), _name()
    ami = _ami(ec2)
    ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)

    code = _error(lambda: ssm.put_parameter(Name=name, Value=_ami(ec2), Type="String", DataType=IMAGE))
    tags_with_overwrite = _error(
        lambda: ssm.put_parameter(
            Name=name, Value=ami, Type="String", DataType=IMAGE, Overwrite=True, Tags=[{"Key": "k", "Value": "v"}]
        )
    )

    assert code == "ParameterAlreadyExists"
    assert tags_with_overwrite == "ValidationException"
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 1


def test_history_versions_labels_and_selectors(clients):
    ec2, ssm, name = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm"), _name()
    first, second = _ami(ec2), _ami(ec2)
    ssm.put_parameter(Name=name, Value=first, Type="String", DataType=IMAGE, Description="first")
    ssm.put_parameter(Name=name, Value=second, Type="String", DataType=IMAGE, Overwrite=True)

    labelled = ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["previous"])
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    by_label = ssm.get_parameter(Name=f"{name}:previous")["Parameter"]
    by_version = ssm.get_parameter(Name=f"{name}:2")["Parameter"]
    latest = ssm.get_parameter(Name=name)["Parameter"]
    several = ssm.get_parameters(Names=[f"{name}:previous", name, f"{name}:9"])

    assert labelled == {"ParameterVersion": 1, "ResponseMetadata": labelled["ResponseMetadata"]}
    assert [(v["Version"], v["Value"], v["DataType"], v.get("Labels")) for v in history] == [
        (1, first, IMAGE, ["previous"]),
        (2, second, IMAGE, None),
    ]
    assert (by_label["Value"], by_label["Version"], by_label["Selector"], by_label["Name"]) == (first, 1, ":previous", name)
    assert (by_version["Value"], by_version["Selector"]) == (second, ":2")
    assert "Selector" not in latest
    assert {(p["Value"], p.get("Selector")) for p in several["Parameters"]} == {(first, ":previous"), (second, None)}
    assert several["InvalidParameters"] == [f"{name}:9"]
    assert _error(lambda: ssm.get_parameter(Name=f"{name}:9")) == "ParameterVersionNotFound"


def test_a_label_moves_to_the_version_it_is_given(clients):
    ec2, ssm, name = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm"), _name()
    first, second = _ami(ec2), _ami(ec2)
    ssm.put_parameter(Name=name, Value=first, Type="String", DataType=IMAGE)
    ssm.put_parameter(Name=name, Value=second, Type="String", DataType=IMAGE, Overwrite=True)
    ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["live"])

    ssm.label_parameter_version(Name=name, Labels=["live"])

    assert ssm.get_parameter(Name=f"{name}:live")["Parameter"]["Value"] == second
    assert [v.get("Labels") for v in ssm.get_parameter_history(Name=name)["Parameters"]] == [None, ["live"]]


def test_labelling_an_unknown_parameter_leaves_it_unknown(clients):
    ssm, name = clients(WORKLOAD, "ssm"), _name()

    code = _error(lambda: ssm.label_parameter_version(Name=name, ParameterVersion=1, Labels=["live"]))

    assert code == "ParameterNotFound"
    assert not _stored(ssm, name)
    assert _error(lambda: ssm.get_parameter_history(Name=name)) == "ParameterNotFound"


def test_tags_given_at_creation_and_added_later(clients):
    ec2, ssm, name = clients(WORKLOAD, "ec2"), clients(WORKLOAD, "ssm"), _name()
    tags = [{"Key": "managed-by", "Value": "gold"}]
    ssm.put_parameter(Name=name, Value=_ami(ec2), Type="String", DataType=IMAGE, Tags=tags)

    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId=name, Tags=[{"Key": "team", "Value": "web"}])
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]

    assert {t["Key"]: t["Value"] for t in tags} == {"managed-by": "gold", "team": "web"}


@pytest.fixture
def events_queue(clients):
    """An SQS queue receiving the Workload account's Parameter Store Change events."""
    sqs, events = clients(WORKLOAD, "sqs"), clients(WORKLOAD, "events")
    suffix = uuid.uuid4().hex[:8]
    url = sqs.create_queue(QueueName=f"ssm-events-{suffix}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"ssm-changes-{suffix}"
    pattern = {"source": ["aws.ssm"], "detail-type": ["Parameter Store Change"]}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": arn}])
    yield sqs, url
    events.remove_targets(Rule=rule, Ids=["queue"])
    events.delete_rule(Name=rule)


def _received(sqs, url: str) -> list[dict]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_eventbridge_reports_each_outcome(clients, events_queue):
    sqs, url = events_queue
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    ssm.put_parameter(Name=name, Value=_ami(clients(WORKLOAD, "ec2")), Type="String", DataType=IMAGE, Description="AMI")
    ssm.put_parameter(Name=name, Value=_ami(clients(SHARED, "ec2")), Type="String", DataType=IMAGE, Overwrite=True)

    events = _received(sqs, url)

    # Moto's SQS delivery leaves out the envelope's `account`; the ARN names it.
    envelopes = [(e["source"], e["detail-type"], e["region"]) for e in events]
    assert envelopes == [("aws.ssm", "Parameter Store Change", REGION)] * 2
    assert all(e["resources"] == [f"arn:aws:ssm:{REGION}:{WORKLOAD}:parameter{name}"] for e in events)
    assert [e["detail"] for e in events] == [
        {"operation": "Create", "name": name, "type": "String", "description": "AMI"},
        {
            "operation": "Update",
            "name": name,
            "type": "String",
            "exception": "Unable to Describe Resource",
            "dataType": IMAGE,
        },
    ]


# --- data types that can't change --------------------------------------------------------------


@pytest.mark.parametrize(("first", "then"), [("text", IMAGE), (IMAGE, "text")])
def test_a_parameters_data_type_cannot_change_to_or_from_aws_ec2_image(clients, first, then):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    ami = _ami(clients(WORKLOAD, "ec2"))
    ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=first)

    with pytest.raises(ClientError) as raised:
        ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=then, Overwrite=True)
    kept = ssm.get_parameter(Name=name)["Parameter"]

    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert first in raised.value.response["Error"]["Message"] and then in raised.value.response["Error"]["Message"]
    assert (kept["DataType"], kept["Version"]) == (first, 1)


def test_an_overwrite_without_a_data_type_keeps_aws_ec2_image(clients):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    ec2 = clients(WORKLOAD, "ec2")
    ssm.put_parameter(Name=name, Value=_ami(ec2), Type="String", DataType=IMAGE)

    newer = _ami(ec2)
    ssm.put_parameter(Name=name, Value=newer, Overwrite=True)
    ssm.put_parameter(Name=name, Value="not-an-ami", Overwrite=True)
    parameter = ssm.get_parameter(Name=name)["Parameter"]

    assert (parameter["DataType"], parameter["Value"], parameter["Version"]) == (IMAGE, newer, 2)


# --- validation takes its time (propagation_seconds) -----------------------------------------


def _value(ssm, name: str):
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError as err:
        assert err.response["Error"]["Code"] == "ParameterNotFound"
        return None


def test_a_new_image_parameter_appears_only_once_validated(clients, config):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    ami = _ami(clients(WORKLOAD, "ec2"))
    config(propagation_seconds=2)

    answer = ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE, Tags=[{"Key": "team", "Value": "web"}])
    before = _stored(ssm, name)
    again = _error(lambda: ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE, Overwrite=True))
    wait_until(lambda: _value(ssm, name) == ami, "the validation to finish")
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name)["TagList"]

    assert answer["Version"] == 1
    assert not before
    assert again == "TooManyUpdates"
    assert tags == [{"Key": "team", "Value": "web"}]


def test_an_updated_image_parameter_keeps_its_old_value_until_validated(clients, config):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    ec2 = clients(WORKLOAD, "ec2")
    old, new = _ami(ec2), _ami(ec2)
    ssm.put_parameter(Name=name, Value=old, Type="String", DataType=IMAGE)
    config(propagation_seconds=2)

    answer = ssm.put_parameter(Name=name, Value=new, Type="String", DataType=IMAGE, Overwrite=True)
    during = ssm.get_parameter(Name=name)["Parameter"]
    history = ssm.get_parameter_history(Name=name)["Parameters"]
    wait_until(lambda: _value(ssm, name) == new, "the validation to finish")

    assert answer["Version"] == 2
    assert (during["Value"], during["Version"]) == (old, 1)
    assert [v["Version"] for v in history] == [1]
    assert ssm.get_parameter(Name=name)["Parameter"]["Version"] == 2


def test_a_refused_image_value_never_appears(clients, config):
    ssm, name = clients(WORKLOAD, "ssm"), _name()
    old = _ami(clients(WORKLOAD, "ec2"))
    ssm.put_parameter(Name=name, Value=old, Type="String", DataType=IMAGE)
    config(propagation_seconds=1)

    ssm.put_parameter(Name=name, Value="ami-0123456789abcdef0", Type="String", DataType=IMAGE, Overwrite=True)
    # Once another put is accepted again, the validation has finished.
    wait_until(
        lambda: _succeeds(lambda: ssm.put_parameter(Name=name, Value=old, Type="String", DataType=IMAGE, Overwrite=True)),
        "the validation to finish",
    )
    history = wait_until(
        lambda: _versions(ssm, name) if len(_versions(ssm, name)) == 2 else None, "the second validation to finish"
    )

    assert [(v["Version"], v["Value"]) for v in history] == [(1, old), (2, old)]


def _versions(ssm, name: str) -> list[dict]:
    return ssm.get_parameter_history(Name=name)["Parameters"]


def _succeeds(call) -> bool:
    try:
        call()
    except ClientError as err:
        assert err.response["Error"]["Code"] == "TooManyUpdates"
        return False
    return True


# --- the caller's ec2:DescribeImages ---------------------------------------------------------


def test_validation_needs_the_callers_permission_to_describe_images(clients, config):
    iam, ec2 = clients(WORKLOAD, "iam"), clients(WORKLOAD, "ec2")
    trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"}, "Action": "sts:AssumeRole"}
    roles = {}
    for label, actions in (("blind", ["ssm:PutParameter", "ssm:GetParameter"]), ("seeing", ["ssm:*", "ec2:DescribeImages"])):
        role = f"{label}-{uuid.uuid4().hex[:8]}"
        roles[label] = iam.create_role(
            RoleName=role, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]})
        )["Role"]["Arn"]
        allow = {"Effect": "Allow", "Action": actions, "Resource": "*"}
        iam.put_role_policy(RoleName=role, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow]}))
    ami = _ami(ec2)
    sts = clients(WORKLOAD, "sts")
    config(enforce_iam=True)

    def ssm_as(label: str):
        credentials = sts.assume_role(RoleArn=roles[label], RoleSessionName="probe")["Credentials"]
        return checked_session(
            region_name=REGION,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        ).client("ssm")

    blind, seeing, name = ssm_as("blind"), ssm_as("seeing"), _name()
    answer = blind.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)
    refused = _stored(seeing, name)
    seeing.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE)

    assert answer["Version"] == 1
    assert not refused
    assert _stored(seeing, name)
