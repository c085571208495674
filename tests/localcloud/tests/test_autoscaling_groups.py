"""DescribeAutoScalingGroups as "every group that uses the template" needs it: filters, launch template references, paging."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import REGION, WORKLOAD_PROD


@pytest.fixture(scope="module")
def clients(session_for):
    session = session_for(WORKLOAD_PROD)
    return session.client("ec2"), session.client("autoscaling")


@pytest.fixture(scope="module")
def groups(clients):
    """Three groups: one on a template, one on a mixed instances policy, one on another template."""
    ec2, autoscaling = clients
    run = uuid.uuid4().hex[:6]

    def template(name: str) -> str:
        data = {"ImageId": "ami-0aaaaaaaaaaaaaaa1", "InstanceType": "t3.small"}
        return ec2.create_launch_template(LaunchTemplateName=f"{name}-{run}", LaunchTemplateData=data)["LaunchTemplate"]["LaunchTemplateId"]

    followed, other = template("followed"), template("other")
    common = {"MinSize": 0, "MaxSize": 2, "AvailabilityZones": [f"{REGION}a"]}
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"web-{run}",
        LaunchTemplate={"LaunchTemplateId": followed, "Version": "$Default"},
        Tags=[{"Key": "team", "Value": f"blue-{run}", "PropagateAtLaunch": True}],
        **common,
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"mixed-{run}",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateId": followed, "Version": "$Latest"},
                "Overrides": [{"InstanceType": "t3.small"}, {"InstanceType": "t3.medium"}],
            }
        },
        Tags=[{"Key": "team", "Value": f"green-{run}", "PropagateAtLaunch": False}],
        **common,
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"batch-{run}",
        LaunchTemplate={"LaunchTemplateId": other, "Version": "1"},
        Tags=[{"Key": "tier", "Value": f"batch-{run}", "PropagateAtLaunch": True}],
        **common,
    )
    return {"run": run, "followed": followed, "other": other}


def _names(answer) -> set[str]:
    return {g["AutoScalingGroupName"] for g in answer["AutoScalingGroups"]}


def test_every_group_reports_the_template_it_uses(clients, groups):
    _, autoscaling = clients
    run = groups["run"]

    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"web-{run}", f"mixed-{run}", f"batch-{run}"])
    using = {
        g["AutoScalingGroupName"]
        for g in found["AutoScalingGroups"]
        if (g.get("LaunchTemplate") or g.get("MixedInstancesPolicy", {}).get("LaunchTemplate", {}).get("LaunchTemplateSpecification", {}))
        .get("LaunchTemplateId") == groups["followed"]
    }

    assert using == {f"web-{run}", f"mixed-{run}"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"Name": "tag:team", "Values": ["blue-{run}"]}], {"web-{run}"}),
        ([{"Name": "tag:team", "Values": ["blue-{run}", "green-{run}"]}], {"web-{run}", "mixed-{run}"}),
        ([{"Name": "tag-value", "Values": ["green-{run}", "batch-{run}"]}], {"mixed-{run}", "batch-{run}"}),
        ([{"Name": "tag-key", "Values": ["tier"]}, {"Name": "tag-value", "Values": ["batch-{run}"]}], {"batch-{run}"}),
    ],
)
def test_filters_select_groups_by_tag(clients, groups, filters, expected):
    _, autoscaling = clients
    run = groups["run"]
    filled = [{"Name": f["Name"], "Values": [v.format(run=run) for v in f["Values"]]} for f in filters]

    assert _names(autoscaling.describe_auto_scaling_groups(Filters=filled)) == {e.format(run=run) for e in expected}


def test_groups_page_with_max_records_and_next_token(clients, groups):
    _, autoscaling = clients

    pages = list(autoscaling.get_paginator("describe_auto_scaling_groups").paginate(PaginationConfig={"PageSize": 1}))

    assert all(len(page["AutoScalingGroups"]) == 1 for page in pages)
    assert {f"web-{groups['run']}", f"mixed-{groups['run']}", f"batch-{groups['run']}"} <= {
        g["AutoScalingGroupName"] for page in pages for g in page["AutoScalingGroups"]
    }


@pytest.mark.parametrize(("kwargs", "code"), [({"MaxRecords": 101}, "ValidationError"), ({"NextToken": "no-such-group"}, "InvalidNextToken")])
def test_bad_paging_is_a_client_error(clients, groups, kwargs, code):
    _, autoscaling = clients

    with pytest.raises(ClientError) as raised:
        autoscaling.describe_auto_scaling_groups(**kwargs)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
