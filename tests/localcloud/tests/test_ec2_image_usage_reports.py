"""AMI usage reports: the owner of an AMI learns which accounts use it, per account and resource
type, from reports that take a while to make; filters, paging, tags, idempotency, errors and IAM."""

from __future__ import annotations

import uuid
from datetime import UTC, timedelta

import boto3
import pytest
from ami_support import code, launch, recipe, role_ec2, shared_ami, template  # noqa: F401 (fixture)
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, REGION, SHARED, WORKLOAD, WORKLOAD_PROD

OUTSIDER = "999900002222"  # not in the organization
INSTANCES = {"ResourceType": "ec2:Instance"}
TEMPLATES = {"ResourceType": "ec2:LaunchTemplate"}
TAG = {"Key": "team", "Value": "gold"}


@pytest.fixture
def producer(ec2_of):
    """The Shared account's EC2 client: it owns `shared_ami`."""
    return ec2_of(SHARED)


@pytest.fixture
def ready(config):
    """Reports are available from the call after their creation."""
    config(image_usage_report_seconds=0)


def _report(producer, ami: str, *types: dict, **request) -> str:
    types = types or (INSTANCES, TEMPLATES)
    return producer.create_image_usage_report(ImageId=ami, ResourceTypes=list(types), **request)["ReportId"]


def _version_depth(value: str) -> dict:
    return {"OptionName": "version-depth", "OptionValues": [value]}


def _described(producer, report_id: str) -> dict:
    [report] = producer.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"]
    return report


def _usage(producer, report_id: str, **request) -> set[tuple[str, str, int]]:
    """The report's entries over all pages, as (account, resource type, usage count)."""
    pages = producer.get_paginator("describe_image_usage_report_entries").paginate(ReportIds=[report_id], **request)
    entries = [entry for page in pages for entry in page["ImageUsageReportEntries"]]
    return {(e["AccountId"], e["ResourceType"], e["UsageCount"]) for e in entries}


# --- a report takes time ---------------------------------------------------------------------


def test_a_report_is_pending_until_it_is_made_and_shows_no_entries_until_then(producer, shared_ami, ec2_of, config):
    launch(ec2_of(WORKLOAD), shared_ami)
    config(image_usage_report_seconds=3600)
    report_id = _report(producer, shared_ami)

    pending = _described(producer, report_id)
    entries_while_pending = _usage(producer, report_id)
    config(image_usage_report_seconds=0)
    available = _described(producer, report_id)

    assert report_id.startswith("amiur-")
    assert pending["State"] == "pending"
    assert entries_while_pending == set()
    assert available["State"] == "available"
    assert _usage(producer, report_id) == {(WORKLOAD, "ec2:Instance", 1)}


def test_the_waiter_polls_until_the_report_is_available(producer, shared_ami, config):
    config(image_usage_report_seconds=1)
    report_id = _report(producer, shared_ami)

    producer.get_waiter("image_usage_report_available").wait(
        ReportIds=[report_id], WaiterConfig={"Delay": 1, "MaxAttempts": 30}
    )

    assert _described(producer, report_id)["State"] == "available"


@pytest.mark.parametrize("knob", ["image_usage_report_seconds", "image_usage_report_lag_seconds"])
def test_the_report_knobs_take_seconds(control, config, knob):
    status, answer = control("POST", "config", {knob: -1})

    assert status == 400 and knob in answer["error"]
    assert config(**{knob: 0.5})[knob] == 0.5


def test_a_report_describes_what_was_asked_and_expires_thirty_days_after_creation(producer, shared_ami, ready):
    depth = {**TEMPLATES, "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["5"]}]}
    report_id = _report(producer, shared_ami, INSTANCES, depth, AccountIds=[WORKLOAD, WORKLOAD_PROD])

    report = _described(producer, report_id)

    assert report["ImageId"] == shared_ami
    assert report["ResourceTypes"] == [INSTANCES, depth]
    assert report["AccountIds"] == [WORKLOAD, WORKLOAD_PROD]
    assert report["ExpirationTime"] - report["CreationTime"] == timedelta(days=30)
    assert "StateReason" not in report and "Tags" not in report


# --- what a report counts ----------------------------------------------------------------------


def test_entries_count_each_accounts_resources_by_type_whoever_uses_the_ami(
    producer, shared_ami, ec2_of, session_for, ready
):
    workload, prod = ec2_of(WORKLOAD), ec2_of(WORKLOAD_PROD)
    running = launch(workload, shared_ami, count=3)
    workload.terminate_instances(InstanceIds=running[:1])
    template_id = template(workload, shared_ami)
    workload.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={})
    template(prod, shared_ami)
    launch(ec2_of(MANAGEMENT), shared_ami)  # an organization account that is no consumer
    producer.modify_image_attribute(ImageId=shared_ami, LaunchPermission={"Add": [{"UserId": OUTSIDER}]})
    launch(session_for(OUTSIDER).client("ec2"), shared_ami)  # shared by account id, outside
    launch(producer, shared_ami)  # the owner's own use is not "across other accounts"

    report_id = _report(producer, shared_ami)

    assert _usage(producer, report_id) == {
        (WORKLOAD, "ec2:Instance", 2),
        (WORKLOAD, "ec2:LaunchTemplate", 1),
        (WORKLOAD_PROD, "ec2:LaunchTemplate", 1),
        (MANAGEMENT, "ec2:Instance", 1),
        (OUTSIDER, "ec2:Instance", 1),
    }
    entry = producer.describe_image_usage_report_entries(ReportIds=[report_id])["ImageUsageReportEntries"][0]
    assert (entry["ReportId"], entry["ImageId"]) == (report_id, shared_ami)
    assert entry["ReportCreationTime"] == _described(producer, report_id)["CreationTime"]


def test_account_ids_limit_the_report_to_those_accounts(producer, shared_ami, ec2_of, ready):
    launch(ec2_of(WORKLOAD), shared_ami)
    launch(ec2_of(WORKLOAD_PROD), shared_ami)

    report_id = _report(producer, shared_ami, AccountIds=[WORKLOAD_PROD, MANAGEMENT])

    assert _usage(producer, report_id) == {(WORKLOAD_PROD, "ec2:Instance", 1)}


def test_launch_templates_are_checked_to_twenty_versions_by_default_and_to_version_depth(
    producer, shared_ami, ec2_of, ready
):
    workload = ec2_of(WORKLOAD)
    template(workload, shared_ami, later_versions=2)  # the AMI in the 3rd newest version
    template(workload, shared_ami, later_versions=20)  # in the 21st newest
    launch(workload, shared_ami)

    def depth(value: int) -> dict:
        return {**TEMPLATES, "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": [str(value)]}]}

    assert _usage(producer, _report(producer, shared_ami, TEMPLATES)) == {(WORKLOAD, "ec2:LaunchTemplate", 1)}
    assert _usage(producer, _report(producer, shared_ami, depth(2))) == set()
    assert _usage(producer, _report(producer, shared_ami, depth(21))) == {(WORKLOAD, "ec2:LaunchTemplate", 2)}


def test_image_builder_recipes_on_the_ami_are_counted(producer, shared_ami, session_for, ready):
    recipe(session_for(WORKLOAD).client("imagebuilder"), shared_ami)

    report_id = _report(producer, shared_ami, {"ResourceType": "imagebuilder:ImageRecipe"}, INSTANCES)

    assert _usage(producer, report_id) == {(WORKLOAD, "imagebuilder:ImageRecipe", 1)}


def test_a_report_shows_usage_as_of_its_creation(producer, shared_ami, ec2_of, ready):
    launch(ec2_of(WORKLOAD), shared_ami)
    report_id = _report(producer, shared_ami)

    launch(ec2_of(WORKLOAD), shared_ami)
    launch(ec2_of(WORKLOAD_PROD), shared_ami)

    assert _usage(producer, report_id) == {(WORKLOAD, "ec2:Instance", 1)}
    assert _usage(producer, _report(producer, shared_ami)) == {
        (WORKLOAD, "ec2:Instance", 2),
        (WORKLOAD_PROD, "ec2:Instance", 1),
    }


def test_recent_activity_can_be_left_out_as_aws_may(producer, shared_ami, ec2_of, config):
    launch(ec2_of(WORKLOAD), shared_ami)
    config(image_usage_report_seconds=0, image_usage_report_lag_seconds=3600)

    late = _report(producer, shared_ami)
    config(image_usage_report_lag_seconds=0)
    current = _report(producer, shared_ami)

    assert _usage(producer, late) == set()
    assert _usage(producer, current) == {(WORKLOAD, "ec2:Instance", 1)}


# --- who may, and what is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("shared", "AuthFailure"),
        ("ami-00000000000000000", "InvalidAMIID.NotFound"),
        ("i-12345678", "InvalidAMIID.Malformed"),
    ],
)
def test_only_the_owner_of_an_existing_ami_may_report_on_it(ec2_of, shared_ami, image, expected):
    with pytest.raises(ClientError) as raised:
        _report(ec2_of(WORKLOAD), shared_ami if image == "shared" else image)

    assert code(raised) == expected


def test_reports_are_their_owners_alone(producer, shared_ami, ec2_of, ready):
    report_id = _report(producer, shared_ami)

    listed = ec2_of(WORKLOAD).describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"]
    with pytest.raises(ClientError) as raised:
        ec2_of(WORKLOAD).delete_image_usage_report(ReportId=report_id)

    assert listed == []
    assert code(raised) == "InvalidImageUsageReportId.NotFound"
    assert _described(producer, report_id)["ReportId"] == report_id


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"ResourceTypes": []}, "MissingParameter"),
        ({"ResourceTypes": [{"ResourceType": "ssm:Parameter"}]}, "InvalidParameterValue"),
        (
            {"ResourceTypes": [{**INSTANCES, "ResourceTypeOptions": [_version_depth("1")]}]},
            "InvalidParameterValue",
        ),
        (
            {"ResourceTypes": [{**TEMPLATES, "ResourceTypeOptions": [_version_depth("0")]}]},
            "InvalidParameterValue",
        ),
        ({"ResourceTypes": [INSTANCES], "AccountIds": [f"{n:012d}" for n in range(201)]}, "InvalidParameterValue"),
        ({"ResourceTypes": [INSTANCES], "AccountIds": ["12345"]}, "InvalidParameterValue"),
        (
            {
                "ResourceTypes": [INSTANCES],
                "TagSpecifications": [{"ResourceType": "image", "Tags": [TAG]}],
            },
            "InvalidParameterValue",
        ),
    ],
    ids=[
        "no-resource-types",
        "parameters-are-not-reported",
        "option-of-another-type",
        "version-depth-0",
        "201-accounts",
        "short-account-id",
        "tags-for-another-resource-type",
    ],
)
def test_requests_outside_the_api_reference_are_refused(localcloud, shared_ami, request_, expected):
    producer = boto3.client("ec2", config=Config(parameter_validation=False))  # acts as SHARED

    with pytest.raises(ClientError) as raised:
        producer.create_image_usage_report(ImageId=shared_ami, **request_)

    assert code(raised) == expected
    assert producer.describe_image_usage_reports(ImageIds=[shared_ami])["ImageUsageReports"] == []


def test_a_client_token_makes_the_request_idempotent(producer, shared_ami):
    token = uuid.uuid4().hex

    first = _report(producer, shared_ami, ClientToken=token)
    again = _report(producer, shared_ami, ClientToken=token)
    with pytest.raises(ClientError) as raised:
        _report(producer, shared_ami, INSTANCES, ClientToken=token)

    assert first == again
    assert code(raised) == "IdempotentParameterMismatch"
    assert len(producer.describe_image_usage_reports(ImageIds=[shared_ami])["ImageUsageReports"]) == 1


# --- tags, filters, paging, deleting -------------------------------------------------------------


def test_tags_given_at_creation_or_later_are_the_reports(producer, shared_ami, ready):
    tagged = _report(
        producer,
        shared_ami,
        TagSpecifications=[{"ResourceType": "image-usage-report", "Tags": [{"Key": "team", "Value": "gold"}]}],
    )
    later = _report(producer, shared_ami)
    producer.create_tags(Resources=[later], Tags=[{"Key": "team", "Value": "platform"}])

    def with_filter(name: str, value: str) -> list[str]:
        filters = [{"Name": name, "Values": [value]}]
        found = producer.describe_image_usage_reports(ImageIds=[shared_ami], Filters=filters)
        return [r["ReportId"] for r in found["ImageUsageReports"]]

    assert _described(producer, tagged)["Tags"] == [{"Key": "team", "Value": "gold"}]
    assert with_filter("tag:team", "gold") == [tagged]
    assert with_filter("tag:team", "plat*") == [later]
    assert with_filter("tag-key", "team") == [tagged, later]
    described = producer.describe_tags(Filters=[{"Name": "resource-type", "Values": ["image-usage-report"]}])["Tags"]
    assert {(t["ResourceId"], t["Value"]) for t in described} >= {(tagged, "gold"), (later, "platform")}


def test_reports_are_found_by_image_id_state_and_creation_day_and_come_in_pages(producer, shared_ami, config):
    other = producer.register_image(Name=f"golden-{uuid.uuid4().hex[:8]}")["ImageId"]
    config(image_usage_report_seconds=3600)
    first, second = _report(producer, shared_ami), _report(producer, shared_ami)
    elsewhere = _report(producer, other)
    day = _described(producer, first)["CreationTime"].astimezone(UTC).strftime("%Y-%m-%dT*")

    def ids(**request) -> list[str]:
        return [r["ReportId"] for r in producer.describe_image_usage_reports(**request)["ImageUsageReports"]]

    assert ids(ImageIds=[shared_ami]) == [first, second]
    pending = [{"Name": "state", "Values": ["pending"]}]
    assert ids(ImageIds=[shared_ami, other], Filters=pending) == [first, second, elsewhere]
    assert ids(ImageIds=[shared_ami], Filters=[{"Name": "state", "Values": ["available"]}]) == []
    assert ids(ReportIds=[elsewhere, first], Filters=[{"Name": "creation-time", "Values": [day]}]) == [first, elsewhere]
    assert ids(ImageIds=[shared_ami], Filters=[{"Name": "creation-time", "Values": ["1999-01-01T*"]}]) == []
    page = producer.describe_image_usage_reports(ImageIds=[shared_ami, other], MaxResults=2)
    rest = producer.describe_image_usage_reports(
        ImageIds=[shared_ami, other], MaxResults=2, NextToken=page["NextToken"]
    )
    assert [r["ReportId"] for r in page["ImageUsageReports"] + rest["ImageUsageReports"]] == [first, second, elsewhere]
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as raised:
        producer.describe_image_usage_reports(Filters=[{"Name": "image-id", "Values": [shared_ami]}])
    assert code(raised) == "InvalidParameterValue"


def test_entries_are_found_by_account_and_resource_type_and_come_in_pages(producer, shared_ami, ec2_of, ready):
    launch(ec2_of(WORKLOAD), shared_ami)
    template(ec2_of(WORKLOAD), shared_ami)
    launch(ec2_of(WORKLOAD_PROD), shared_ami)
    report_id = _report(producer, shared_ami)

    by_account = _usage(producer, report_id, Filters=[{"Name": "account-id", "Values": [WORKLOAD]}])
    by_type = _usage(producer, report_id, Filters=[{"Name": "resource-type", "Values": ["ec2:Instance"]}])
    first = producer.describe_image_usage_report_entries(ImageIds=[shared_ami], MaxResults=1)

    assert by_account == {(WORKLOAD, "ec2:Instance", 1), (WORKLOAD, "ec2:LaunchTemplate", 1)}
    assert by_type == {(WORKLOAD, "ec2:Instance", 1), (WORKLOAD_PROD, "ec2:Instance", 1)}
    assert len(first["ImageUsageReportEntries"]) == 1 and "NextToken" in first
    assert len(_usage(producer, report_id, PaginationConfig={"PageSize": 1})) == 3


def test_a_deleted_report_is_gone(producer, shared_ami, ready):
    report_id = _report(
        producer,
        shared_ami,
        TagSpecifications=[{"ResourceType": "image-usage-report", "Tags": [TAG]}],
    )

    assert producer.delete_image_usage_report(ReportId=report_id)["Return"] is True
    assert producer.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"] == []
    assert producer.describe_tags(Filters=[{"Name": "resource-id", "Values": [report_id]}])["Tags"] == []
    with pytest.raises(ClientError) as raised:
        producer.delete_image_usage_report(ReportId=report_id)
    assert code(raised) == "InvalidImageUsageReportId.NotFound"


# --- IAM ------------------------------------------------------------------------------------------


def test_creating_is_authorized_on_the_image_and_the_report_and_deleting_on_the_report(shared_ami, config):
    image_arn = f"arn:aws:ec2:{REGION}::image/{shared_ami}"
    reports = f"arn:aws:ec2:{REGION}:{SHARED}:image-usage-report/*"
    on_reports_only = role_ec2([{"Effect": "Allow", "Action": "ec2:CreateImageUsageReport", "Resource": reports}])
    on_both = role_ec2(
        [
            {"Effect": "Allow", "Action": "ec2:CreateImageUsageReport", "Resource": [reports, image_arn]},
            {"Effect": "Allow", "Action": "ec2:DescribeImageUsageReports", "Resource": "*"},
        ]
    )
    config(enforce_iam=True)

    with pytest.raises(ClientError) as refused:
        _report(on_reports_only, shared_ami)
    report_id = _report(on_both, shared_ami)
    with pytest.raises(ClientError) as untagged:
        _report(on_both, shared_ami, TagSpecifications=[{"ResourceType": "image-usage-report", "Tags": [TAG]}])
    with pytest.raises(ClientError) as undeletable:
        on_both.delete_image_usage_report(ReportId=report_id)

    assert code(refused) == "UnauthorizedOperation"
    assert image_arn in refused.value.response["Error"]["Message"]
    listed = on_both.describe_image_usage_reports(ReportIds=[report_id])["ImageUsageReports"]
    assert [r["ReportId"] for r in listed] == [report_id]
    assert code(untagged) == "UnauthorizedOperation" and "ec2:CreateTags" in untagged.value.response["Error"]["Message"]
    assert code(undeletable) == "UnauthorizedOperation"
    assert f"image-usage-report/{report_id}" in undeletable.value.response["Error"]["Message"]
