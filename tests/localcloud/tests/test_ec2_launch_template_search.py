"""DescribeLaunchTemplates as opt-in by tag uses it: tag and name filters, live tags, paging and its errors."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import WORKLOAD


@pytest.fixture(scope="module")
def ec2(session_for):
    return session_for(WORKLOAD).client("ec2")


@pytest.fixture
def follow(ec2):
    """A fresh tag value, three templates carrying `gold:follow=<value>`, one with another value, one untagged."""
    value = f"sample-{uuid.uuid4().hex[:8]}"
    prefix = f"lt-{uuid.uuid4().hex[:6]}"

    def create(name: str, tags: list[dict[str, str]]) -> str:
        spec = [{"ResourceType": "launch-template", "Tags": tags}] if tags else []
        data = {"ImageId": "ami-0aaaaaaaaaaaaaaa1"}
        return ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data, TagSpecifications=spec)["LaunchTemplate"]["LaunchTemplateId"]

    tagged = [create(f"{prefix}-tagged-{i}", [{"Key": "gold:follow", "Value": value}]) for i in range(3)]
    other = create(f"{prefix}-other", [{"Key": "gold:follow", "Value": value + "-x"}])
    untagged = create(f"{prefix}-plain", [])
    return {"value": value, "prefix": prefix, "tagged": tagged, "other": other, "untagged": untagged}


def _ids(answer) -> list[str]:
    return [t["LaunchTemplateId"] for t in answer["LaunchTemplates"]]


def test_a_tag_filter_finds_exactly_the_templates_carrying_that_value(ec2, follow):
    found = ec2.describe_launch_templates(Filters=[{"Name": "tag:gold:follow", "Values": [follow["value"]]}])

    assert _ids(found) == follow["tagged"]
    assert all(t["Tags"] == [{"Key": "gold:follow", "Value": follow["value"]}] for t in found["LaunchTemplates"])


def test_tag_key_and_wildcards_match_as_ec2_filters_do(ec2, follow):
    by_key = _ids(ec2.describe_launch_templates(Filters=[{"Name": "tag-key", "Values": ["gold:follow"]}]))
    by_wildcard = _ids(ec2.describe_launch_templates(Filters=[{"Name": "tag:gold:follow", "Values": [follow["value"] + "*"]}]))
    by_name = _ids(ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": [follow["prefix"] + "-tagged-?"]}]))

    assert set(follow["tagged"] + [follow["other"]]) <= set(by_key)
    assert follow["untagged"] not in by_key
    assert by_wildcard == follow["tagged"] + [follow["other"]]
    assert by_name == follow["tagged"]


def test_a_tag_added_later_counts_and_is_reported(ec2, follow):
    ec2.create_tags(Resources=[follow["untagged"]], Tags=[{"Key": "gold:follow", "Value": follow["value"]}])

    found = ec2.describe_launch_templates(Filters=[{"Name": "tag:gold:follow", "Values": [follow["value"]]}])
    by_id = ec2.describe_launch_templates(LaunchTemplateIds=[follow["untagged"]])["LaunchTemplates"][0]

    assert _ids(found) == follow["tagged"] + [follow["untagged"]]
    assert by_id["Tags"] == [{"Key": "gold:follow", "Value": follow["value"]}]


def test_max_results_pages_with_a_token_until_the_last_page(ec2, follow):
    tag_filter = [{"Name": "tag:gold:follow", "Values": [follow["value"]]}]

    first = ec2.describe_launch_templates(Filters=tag_filter, MaxResults=2)
    second = ec2.describe_launch_templates(Filters=tag_filter, MaxResults=2, NextToken=first["NextToken"])
    paginated = [
        t["LaunchTemplateId"]
        for page in ec2.get_paginator("describe_launch_templates").paginate(Filters=tag_filter, PaginationConfig={"PageSize": 1})
        for t in page["LaunchTemplates"]
    ]

    assert _ids(first) == follow["tagged"][:2]
    assert _ids(second) == follow["tagged"][2:]
    assert "NextToken" not in second
    assert paginated == follow["tagged"]


def test_without_max_results_every_template_comes_back(ec2, follow):
    names = [f"{follow['prefix']}-many-{i}" for i in range(20)]
    for name in names:
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": "ami-0aaaaaaaaaaaaaaa1"})

    answer = ec2.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": [follow["prefix"] + "-many-*"]}])

    assert [t["LaunchTemplateName"] for t in answer["LaunchTemplates"]] == names
    assert "NextToken" not in answer


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"Filters": [{"Name": "image-id", "Values": ["ami-0aaaaaaaaaaaaaaa1"]}]}, "InvalidParameterValue"),
        ({"MaxResults": 201}, "InvalidParameterValue"),
        ({"NextToken": "not-a-token"}, "InvalidPaginationToken"),
        ({"LaunchTemplateIds": ["lt-0123456789abcdef0"]}, "InvalidLaunchTemplateId.NotFound"),
        ({"LaunchTemplateNames": ["no-such-template-anywhere"]}, "InvalidLaunchTemplateName.NotFoundException"),
    ],
)
def test_what_ec2_refuses_is_refused(ec2, kwargs, code):
    with pytest.raises(ClientError) as raised:
        ec2.describe_launch_templates(**kwargs)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
