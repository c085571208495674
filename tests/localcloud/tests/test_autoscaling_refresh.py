"""Auto Scaling instance refresh: start, progress, the replacement it makes, cancel, rollback, errors."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, SHARED, WORKLOAD, wait_until

TERMINAL = ("Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed")


@pytest.fixture(scope="module")
def amis(session_for) -> tuple[str, str]:
    """Two AMIs the Shared account owns and shares with the organization: old and new."""
    ec2 = session_for(SHARED).client("ec2")
    ids = []
    for name in ("sample_v1", "sample_v2"):
        ami = ec2.register_image(Name=f"{name}_{uuid.uuid4().hex[:6]}")["ImageId"]
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
        ids.append(ami)
    return ids[0], ids[1]


@pytest.fixture
def group(session_for, amis):
    """A workload group of 2 launched from template version 1 (old AMI); version 2 (new AMI) is the default."""
    session = session_for(WORKLOAD)
    ec2, autoscaling = session.client("ec2"), session.client("autoscaling")
    old, new = amis
    name = f"web-{uuid.uuid4().hex[:8]}"
    template = ec2.create_launch_template(
        LaunchTemplateName=f"sample-lt-{name}", LaunchTemplateData={"ImageId": old, "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]

    def create(version: str) -> None:
        """The group's instances start on version 1; afterwards the group references `version`."""
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
            MinSize=2,
            MaxSize=4,
            DesiredCapacity=2,
            VPCZoneIdentifier=subnet,
        )
        ec2.create_launch_template_version(LaunchTemplateId=template, SourceVersion="1", LaunchTemplateData={"ImageId": new})
        ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion="2")
        if version != "1":
            autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=name, LaunchTemplate={"LaunchTemplateId": template, "Version": version}
            )

    return {"name": name, "template": template, "ec2": ec2, "autoscaling": autoscaling, "create": create, "old": old, "new": new}


def _instances(group) -> list[dict]:
    found = group["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=[group["name"]])
    return found["AutoScalingGroups"][0]["Instances"]


def _refresh(group, refresh_id: str) -> dict:
    answer = group["autoscaling"].describe_instance_refreshes(AutoScalingGroupName=group["name"], InstanceRefreshIds=[refresh_id])
    return answer["InstanceRefreshes"][0]


def _follow(group, refresh_id: str, deadline_s: float = 30) -> list[dict]:
    """Every state observed until the refresh ends (polled, not slept on)."""
    seen: list[dict] = []

    def ended() -> bool:
        seen.append(_refresh(group, refresh_id))
        return seen[-1]["Status"] in TERMINAL

    wait_until(ended, f"instance refresh {refresh_id} to end", deadline_s)
    return seen


def _image_of(group, instance_ids: list[str]) -> set[str]:
    reservations = group["ec2"].describe_instances(InstanceIds=instance_ids)["Reservations"]
    return {i["ImageId"] for r in reservations for i in r["Instances"]}


def _states(group, instance_ids: list[str]) -> set[str]:
    reservations = group["ec2"].describe_instances(InstanceIds=instance_ids)["Reservations"]
    return {i["State"]["Name"] for r in reservations for i in r["Instances"]}


@pytest.mark.parametrize("group_version", ["$Default", "2"])
def test_a_refresh_replaces_every_instance_with_the_version_the_group_references(group, config, group_version):
    config(refresh_seconds=2)
    group["create"](group_version)
    before = [i["InstanceId"] for i in _instances(group)]

    refresh_id = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    seen = _follow(group, refresh_id)
    after = _instances(group)

    statuses = [s["Status"] for s in seen]
    assert statuses[0] in ("Pending", "InProgress")
    assert statuses[-1] == "Successful"
    assert statuses == sorted(statuses, key=["Pending", "InProgress", "Successful"].index)
    percentages = [s["PercentageComplete"] for s in seen]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    assert seen[0]["InstancesToUpdate"] == 2 and seen[-1]["InstancesToUpdate"] == 0
    assert seen[-1]["Strategy"] == "Rolling"
    assert seen[-1]["EndTime"] >= seen[-1]["StartTime"]
    assert len(after) == 2
    assert not {i["InstanceId"] for i in after} & set(before)
    assert _image_of(group, [i["InstanceId"] for i in after]) == {group["new"]}
    assert {i["LaunchTemplate"]["Version"] for i in after} == {"2"}
    assert _states(group, before) == {"terminated"}


def test_latest_is_resolved_when_the_refresh_starts(group, config):
    config(refresh_seconds=1)
    group["create"]("$Latest")
    group["ec2"].create_launch_template_version(
        LaunchTemplateId=group["template"], SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.medium"}
    )

    refresh_id = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    _follow(group, refresh_id)
    after = _instances(group)

    # Version 3 was copied from version 1, so it still has the old AMI.
    assert {i["LaunchTemplate"]["Version"] for i in after} == {"3"}
    assert {i["InstanceType"] for i in after} == {"t3.medium"}
    assert _image_of(group, [i["InstanceId"] for i in after]) == {group["old"]}


def test_preferences_and_desired_configuration_are_kept_and_applied(group, config):
    config(refresh_seconds=1)
    group["create"]("1")
    desired = {"LaunchTemplate": {"LaunchTemplateId": group["template"], "Version": "2"}}
    preferences = {"MinHealthyPercentage": 50, "InstanceWarmup": 30, "SkipMatching": True, "CheckpointPercentages": [50, 100]}

    refresh_id = group["autoscaling"].start_instance_refresh(
        AutoScalingGroupName=group["name"], Strategy="Rolling", Preferences=preferences, DesiredConfiguration=desired
    )["InstanceRefreshId"]
    final = _follow(group, refresh_id)[-1]
    described = group["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=[group["name"]])["AutoScalingGroups"][0]

    assert final["Status"] == "Successful"
    assert {k: final["Preferences"][k] for k in preferences} == preferences
    assert final["DesiredConfiguration"]["LaunchTemplate"] == desired["LaunchTemplate"]
    assert described["LaunchTemplate"]["Version"] == "2"
    assert _image_of(group, [i["InstanceId"] for i in described["Instances"]]) == {group["new"]}


def test_a_second_start_while_one_is_active_is_refused(group, config):
    config(refresh_seconds=60)
    group["create"]("$Default")
    group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])

    with pytest.raises(ClientError) as raised:
        group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])

    assert raised.value.response["Error"]["Code"] == "InstanceRefreshInProgress"
    group["autoscaling"].cancel_instance_refresh(AutoScalingGroupName=group["name"])


def test_cancel_goes_cancelling_then_cancelled_and_keeps_the_instances(group, config):
    config(refresh_seconds=10)
    group["create"]("$Default")
    before = {i["InstanceId"] for i in _instances(group)}
    refresh_id = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]

    cancelled_id = group["autoscaling"].cancel_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    first = _refresh(group, refresh_id)["Status"]
    seen = _follow(group, refresh_id)

    assert cancelled_id == refresh_id
    assert first in ("Cancelling", "Cancelled")
    assert seen[-1]["Status"] == "Cancelled"
    assert {i["InstanceId"] for i in _instances(group)} == before


def test_cancel_without_an_active_refresh_is_refused(group):
    group["create"]("$Default")

    with pytest.raises(ClientError) as raised:
        group["autoscaling"].cancel_instance_refresh(AutoScalingGroupName=group["name"])

    assert raised.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_rollback_goes_rollback_in_progress_then_successful(group, config):
    config(refresh_seconds=6)
    group["create"]("1")
    before = {i["InstanceId"] for i in _instances(group)}
    desired = {"LaunchTemplate": {"LaunchTemplateId": group["template"], "Version": "2"}}
    refresh_id = group["autoscaling"].start_instance_refresh(
        AutoScalingGroupName=group["name"], DesiredConfiguration=desired
    )["InstanceRefreshId"]

    rolled_back_id = group["autoscaling"].rollback_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    first = _refresh(group, refresh_id)
    seen = _follow(group, refresh_id)
    described = group["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=[group["name"]])["AutoScalingGroups"][0]

    assert rolled_back_id == refresh_id
    assert first["Status"] in ("RollbackInProgress", "RollbackSuccessful")
    assert "RollbackStartTime" in first["RollbackDetails"]
    assert seen[-1]["Status"] == "RollbackSuccessful"
    assert described["LaunchTemplate"]["Version"] == "1"
    assert {i["InstanceId"] for i in described["Instances"]} == before


def test_rollback_without_desired_configuration_is_irreversible(group, config):
    config(refresh_seconds=60)
    group["create"]("1")
    group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])

    with pytest.raises(ClientError) as raised:
        group["autoscaling"].rollback_instance_refresh(AutoScalingGroupName=group["name"])

    assert raised.value.response["Error"]["Code"] == "IrreversibleInstanceRefresh"
    group["autoscaling"].cancel_instance_refresh(AutoScalingGroupName=group["name"])


def test_rollback_without_an_active_refresh_is_refused(group):
    group["create"]("1")

    with pytest.raises(ClientError) as raised:
        group["autoscaling"].rollback_instance_refresh(AutoScalingGroupName=group["name"])

    assert raised.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_fail_instance_refresh_ends_failed_with_a_reason_and_keeps_the_instances(group, config):
    group["create"]("$Default")
    config(refresh_seconds=1, fail_instance_refresh=[group["name"]])
    before = {i["InstanceId"] for i in _instances(group)}

    refresh_id = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    final = _follow(group, refresh_id)[-1]

    assert final["Status"] == "Failed"
    assert "health check" in final["StatusReason"]
    assert {i["InstanceId"] for i in _instances(group)} == before


def test_refreshes_are_listed_newest_first(group, config):
    config(refresh_seconds=0)
    group["create"]("$Default")
    first = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    _follow(group, first)
    second = group["autoscaling"].start_instance_refresh(AutoScalingGroupName=group["name"])["InstanceRefreshId"]
    _follow(group, second)

    listed = group["autoscaling"].describe_instance_refreshes(AutoScalingGroupName=group["name"])["InstanceRefreshes"]

    assert [r["InstanceRefreshId"] for r in listed] == [second, first]


def test_a_refresh_of_an_unknown_group_is_a_validation_error(session_for):
    autoscaling = session_for(WORKLOAD).client("autoscaling")

    with pytest.raises(ClientError) as raised:
        autoscaling.start_instance_refresh(AutoScalingGroupName="no-such-group")

    assert raised.value.response["Error"]["Code"] == "ValidationError"
