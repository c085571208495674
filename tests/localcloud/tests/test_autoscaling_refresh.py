"""Auto Scaling instance refresh: batches, warm-up, checkpoints, skip matching, cancel, rollback,
alarms, failures and the errors of Cancel/Rollback; preferences are in the validation file."""

from __future__ import annotations

import pytest
from autoscaling_support import Group, amis, group, workload  # noqa: F401 (fixtures)
from conftest import ORG_ARN
from botocore.exceptions import ClientError

# Two instances at a time, then a pause at 50% long enough that nothing moves while a test acts.
HALFWAY_PAUSE = {"MinHealthyPercentage": 50, "CheckpointPercentages": [50, 100], "CheckpointDelay": 3600}


def _paused(state: dict) -> bool:
    return "checkpoint" in state.get("StatusReason", "")


@pytest.mark.parametrize("group_version", ["$Default", "2"])
def test_a_refresh_replaces_every_instance_with_the_version_the_group_references(group: Group, config, group_version):
    config(refresh_seconds=1)
    group.create(group_version)
    before = group.ids()

    seen = group.follow(group.start())
    after = group.instances()

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
    assert not {i["InstanceId"] for i in after} & before
    assert group.images({i["InstanceId"] for i in after}) == {group.new}
    assert {i["LaunchTemplate"]["Version"] for i in after} == {"2"}
    assert {i["ImageId"] for i in after} == {group.new}
    assert group.ec2_states(before) == {"terminated"}


def test_four_instances_at_min_healthy_50_are_replaced_two_at_a_time(group: Group, config):
    config(refresh_seconds=1)
    group.create("1", capacity=4)
    before = group.ids()

    seen = group.watch(group.start(Preferences={"MinHealthyPercentage": 50}, DesiredConfiguration=group.desired("2")))
    final = group.instances()

    originals_left = [len({i["InstanceId"] for i in instances} & before) for _, instances in seen]
    assert set(originals_left) <= {4, 2, 0} and 2 in originals_left
    for _, instances in seen:
        assert len(instances) == 4
        assert sum(i["LifecycleState"] == "InService" for i in instances) >= 2
        assert sum(i["LifecycleState"] == "Pending" for i in instances) <= 2
    assert 50 in [s["PercentageComplete"] for s, _ in seen]
    assert seen[-1][0]["Status"] == "Successful"
    ids = {i["InstanceId"] for i in final}
    assert len(ids) == 4 and not ids & before
    assert {i["LaunchTemplate"]["Version"] for i in final} == {"2"}
    assert group.images(ids) == {group.new}
    running_new = group.ec2.describe_instances(
        Filters=[{"Name": "image-id", "Values": [group.new]}, {"Name": "instance-state-name", "Values": ["running"]}]
    )["Reservations"]
    assert ids <= {i["InstanceId"] for r in running_new for i in r["Instances"]}
    assert group.described()["LaunchTemplate"]["Version"] == "2"


def test_with_max_healthy_percentage_a_new_instance_launches_before_an_old_one_is_terminated(group: Group, config):
    config(refresh_seconds=1)
    group.create("2")
    before = group.ids()

    seen = group.watch(group.start(Preferences={"MinHealthyPercentage": 100, "MaxHealthyPercentage": 150}))

    sizes = [len(instances) for _, instances in seen]
    assert max(sizes) == 3 and min(sizes) == 2
    for _, instances in seen:
        assert sum(i["LifecycleState"] == "InService" for i in instances) >= 2
    assert seen[-1][0]["Status"] == "Successful"
    assert not group.ids() & before


def test_a_new_instance_counts_only_after_its_warm_up(group: Group, config):
    config(refresh_seconds=1)
    group.create("2")
    refresh_id = group.start(Preferences={"MinHealthyPercentage": 50, "InstanceWarmup": 3600})

    warming = group.follow(refresh_id, until=lambda s: "warm up" in s.get("StatusReason", ""))[-1]
    instances = group.instances()
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)
    cancelled = group.follow(refresh_id)[-1]

    assert warming["Status"] == "InProgress"
    assert warming["StatusReason"].startswith("Waiting for instances to warm up before continuing. For example: i-")
    assert warming["PercentageComplete"] == 0
    new = [i for i in instances if i["LaunchTemplate"]["Version"] == "2" and i["ImageId"] == group.new]
    assert len(new) == 1 and new[0]["LifecycleState"] == "InService"
    assert new[0]["InstanceId"] in warming["StatusReason"]
    # Cancelling lets the batch in flight finish and starts no other.
    assert cancelled["Status"] == "Cancelled"
    assert cancelled["PercentageComplete"] == 50 and cancelled["InstancesToUpdate"] == 1
    assert {i["ImageId"] for i in group.instances()} == {group.old, group.new}


def test_a_checkpoint_pauses_the_refresh_then_it_continues(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1", capacity=4)
    before = group.ids()
    refresh_id = group.start(
        Preferences={"MinHealthyPercentage": 75, "CheckpointPercentages": [50, 100], "CheckpointDelay": 120},
        DesiredConfiguration=group.desired("2"),
    )

    seen = group.watch(refresh_id)

    paused = [(s, i) for s, i in seen if "checkpoint" in s.get("StatusReason", "")]
    assert paused, [s.get("StatusReason") for s, _ in seen]
    for state, instances in paused:
        assert state["Status"] == "InProgress"
        assert state["PercentageComplete"] == 50 and state["InstancesToUpdate"] == 2
        assert "50%" in state["StatusReason"] and "120 seconds" in state["StatusReason"]
        # Nothing is replaced while paused: the two instances left are the old ones, in service.
        assert len({i["InstanceId"] for i in instances} & before) == 2
        assert {i["LifecycleState"] for i in instances} == {"InService"}
    after_pause = seen[seen.index(paused[-1]) + 1 :]
    assert any(len({i["InstanceId"] for i in instances} & before) < 2 for _, instances in after_pause)
    assert seen[-1][0]["Status"] == "Successful" and seen[-1][0]["PercentageComplete"] == 100
    assert seen[-1][0]["Preferences"]["CheckpointPercentages"] == [50, 100]
    assert not group.ids() & before


def test_a_last_checkpoint_below_100_is_a_partial_refresh(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1", capacity=4)
    before = group.ids()

    final = group.follow(
        group.start(
            Preferences={"MinHealthyPercentage": 75, "CheckpointPercentages": [50]},
            DesiredConfiguration=group.desired("2"),
        )
    )[-1]

    assert final["Status"] == "Successful"
    assert final["PercentageComplete"] == 50 and final["InstancesToUpdate"] == 2
    assert final["Preferences"]["CheckpointDelay"] == 3600
    assert len(group.ids() & before) == 2
    assert group.described()["LaunchTemplate"]["Version"] == "2"


def test_a_batch_that_passes_two_checkpoints_reports_the_higher_one(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1")

    seen = group.follow(
        group.start(
            Preferences={"MinHealthyPercentage": 50, "CheckpointPercentages": [10, 40, 100], "CheckpointDelay": 60},
            DesiredConfiguration=group.desired("2"),
        )
    )

    reasons = {s.get("StatusReason") for s in seen if "checkpoint" in s.get("StatusReason", "")}
    assert len(reasons) == 1 and "40%" in reasons.pop()
    assert seen[-1]["Status"] == "Successful"


def test_skip_matching_leaves_instances_already_on_the_desired_version(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("2")
    old = group.ids()
    group.autoscaling.set_desired_capacity(AutoScalingGroupName=group.name, DesiredCapacity=4)
    matching = group.ids() - old

    seen = group.follow(group.start(Preferences={"SkipMatching": True, "MinHealthyPercentage": 50}))
    after = group.ids()

    assert seen[0]["PercentageComplete"] == 50 and seen[0]["InstancesToUpdate"] == 2
    assert seen[-1]["Status"] == "Successful" and seen[-1]["PercentageComplete"] == 100
    assert matching <= after and not old & after
    assert {i["LaunchTemplate"]["Version"] for i in group.instances()} == {"2"}


def test_without_skip_matching_every_instance_is_replaced(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("2")
    group.follow(group.start())
    current = group.ids()

    group.follow(group.start(Preferences={"SkipMatching": False}))

    assert not group.ids() & current


def test_skip_matching_with_nothing_to_replace_succeeds_at_once(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("2")
    group.follow(group.start())
    current = group.ids()

    seen = group.follow(group.start(Preferences={"SkipMatching": True}))

    assert seen[-1]["Status"] == "Successful" and seen[-1]["PercentageComplete"] == 100
    assert group.ids() == current


def _group_with_a_protected_instance(group: Group) -> str:
    """Two instances, one of them protected from scale in; returns its id."""
    group.create("2")
    protected = sorted(group.ids())[0]
    group.autoscaling.set_instance_protection(
        AutoScalingGroupName=group.name, InstanceIds=[protected], ProtectedFromScaleIn=True
    )
    return protected


def test_ignored_protected_instances_are_left_alone(group: Group, config):
    config(refresh_seconds=0.5)
    protected = _group_with_a_protected_instance(group)

    final = group.follow(group.start(Preferences={"ScaleInProtectedInstances": "Ignore"}))[-1]

    assert final["Status"] == "Successful"
    assert protected in group.ids() and len(group.ids()) == 2


def test_a_protected_instance_is_waited_for_an_hour_then_the_refresh_fails(group: Group, config):
    config(refresh_seconds=0.02)
    protected = _group_with_a_protected_instance(group)

    seen = group.follow(group.start())

    assert seen[0]["Preferences"]["ScaleInProtectedInstances"] == "Wait"
    assert any("protected from scale in" in s.get("StatusReason", "") for s in seen[:-1])
    assert seen[-1]["Status"] == "Failed" and "one hour" in seen[-1]["StatusReason"]
    assert protected in group.ids()


def test_latest_is_resolved_when_the_refresh_starts(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("$Latest")
    group.ec2.create_launch_template_version(
        LaunchTemplateId=group.template, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.medium"}
    )

    group.follow(group.start())
    after = group.instances()

    # Version 3 was copied from version 1, so it still has the old AMI.
    assert {i["LaunchTemplate"]["Version"] for i in after} == {"3"}
    assert {i["InstanceType"] for i in after} == {"t3.medium"}
    assert group.images({i["InstanceId"] for i in after}) == {group.old}


def test_desired_configuration_is_applied_on_success(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1")
    refresh_id = group.start(DesiredConfiguration=group.desired("2"))

    running = group.follow(refresh_id, until=lambda s: s["Status"] == "InProgress")[-1]
    during = group.described()["LaunchTemplate"]["Version"]
    final = group.follow(refresh_id)[-1]

    assert running["DesiredConfiguration"]["LaunchTemplate"] == group.desired("2")["LaunchTemplate"]
    assert during == "1"
    assert final["Status"] == "Successful"
    assert group.described()["LaunchTemplate"]["Version"] == "2"
    assert group.images(group.ids()) == {group.new}


def test_a_second_start_while_one_is_active_is_refused(group: Group, config):
    config(refresh_seconds=60)
    group.create("$Default")
    group.start()

    with pytest.raises(ClientError) as raised:
        group.start()

    assert raised.value.response["Error"]["Code"] == "InstanceRefreshInProgress"
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)


def test_cancel_goes_cancelling_then_cancelled_and_keeps_the_instances(group: Group, config):
    config(refresh_seconds=10)
    group.create("$Default")
    before = group.ids()
    refresh_id = group.start()

    cancelled_id = group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)["InstanceRefreshId"]
    first = group.refresh(refresh_id)["Status"]
    seen = group.follow(refresh_id)

    assert cancelled_id == refresh_id
    assert first in ("Cancelling", "Cancelled")
    assert seen[-1]["Status"] == "Cancelled"
    assert group.ids() == before


def test_cancel_without_an_active_refresh_is_refused(group: Group):
    group.create("$Default")

    with pytest.raises(ClientError) as raised:
        group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)

    assert raised.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_a_manual_rollback_replaces_what_the_refresh_launched(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1", capacity=4)
    refresh_id = group.start(Preferences=HALFWAY_PAUSE, DesiredConfiguration=group.desired("2"))
    halfway = group.follow(refresh_id, until=_paused)[-1]

    rolled_back_id = group.autoscaling.rollback_instance_refresh(AutoScalingGroupName=group.name)["InstanceRefreshId"]
    seen = group.follow(refresh_id)
    final = seen[-1]

    assert halfway["Status"] == "InProgress" and halfway["PercentageComplete"] == 50
    assert rolled_back_id == refresh_id
    assert seen[0]["Status"] in ("RollbackInProgress", "RollbackSuccessful")
    assert final["Status"] == "RollbackSuccessful" and final["PercentageComplete"] == 100
    details = final["RollbackDetails"]
    assert details["RollbackReason"] == "Rollback requested by user."
    assert details["PercentageCompleteOnRollback"] == 50
    assert details["InstancesToUpdateOnRollback"] == 2
    assert details["ProgressDetailsOnRollback"]["LivePoolProgress"]["PercentageComplete"] == 50
    assert "RollbackStartTime" in details
    assert group.described()["LaunchTemplate"]["Version"] == "1"
    instances = group.instances()
    assert len(instances) == 4
    assert {i["LaunchTemplate"]["Version"] for i in instances} == {"1"}
    assert group.images({i["InstanceId"] for i in instances}) == {group.old}


def test_rollback_without_desired_configuration_is_irreversible(group: Group, config):
    config(refresh_seconds=60)
    group.create("1")
    group.start()

    with pytest.raises(ClientError) as raised:
        group.autoscaling.rollback_instance_refresh(AutoScalingGroupName=group.name)

    assert raised.value.response["Error"]["Code"] == "IrreversibleInstanceRefresh"
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)


def test_rollback_without_an_active_refresh_is_refused(group: Group):
    group.create("1")

    with pytest.raises(ClientError) as raised:
        group.autoscaling.rollback_instance_refresh(AutoScalingGroupName=group.name)

    assert raised.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_an_alarm_in_alarm_fails_the_refresh(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1", capacity=4)
    alarm = group.alarm()
    refresh_id = group.start(
        Preferences={**HALFWAY_PAUSE, "AlarmSpecification": {"Alarms": [alarm]}},
        DesiredConfiguration=group.desired("2"),
    )
    group.follow(refresh_id, until=_paused)

    group.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx burst")
    final = group.follow(refresh_id)[-1]

    assert final["Status"] == "Failed"
    assert alarm in final["StatusReason"] and "ALARM" in final["StatusReason"]
    assert final["Preferences"]["AlarmSpecification"] == {"Alarms": [alarm]}
    assert "RollbackDetails" not in final
    # Without AutoRollback what was replaced stays replaced, and the group keeps its configuration.
    images = [i["ImageId"] for i in group.instances()]
    assert sorted(images) == sorted([group.old, group.old, group.new, group.new])
    assert group.described()["LaunchTemplate"]["Version"] == "1"


def test_auto_rollback_after_an_alarm_restores_the_previous_configuration_and_ami(group: Group, config):
    config(refresh_seconds=0.5)
    group.create("1", capacity=4)
    alarm = group.alarm()
    refresh_id = group.start(
        Preferences={**HALFWAY_PAUSE, "AutoRollback": True, "AlarmSpecification": {"Alarms": [alarm]}},
        DesiredConfiguration=group.desired("2"),
    )
    group.follow(refresh_id, until=_paused)

    group.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx burst")
    seen = group.follow(refresh_id)
    final = seen[-1]

    assert "RollbackInProgress" in [s["Status"] for s in seen]
    assert final["Status"] == "RollbackSuccessful"
    assert alarm in final["RollbackDetails"]["RollbackReason"]
    assert final["RollbackDetails"]["PercentageCompleteOnRollback"] == 50
    assert group.described()["LaunchTemplate"]["Version"] == "1"
    instances = group.instances()
    assert len(instances) == 4
    assert {i["LaunchTemplate"]["Version"] for i in instances} == {"1"}
    assert group.images({i["InstanceId"] for i in instances}) == {group.old}


@pytest.mark.parametrize("auto_rollback", [False, True])
def test_fail_instance_refresh_fails_on_the_first_new_instances(group: Group, config, auto_rollback):
    group.create("1")
    config(refresh_seconds=0.5, fail_instance_refresh=[group.name])
    before = group.ids()

    final = group.follow(
        group.start(Preferences={"AutoRollback": auto_rollback}, DesiredConfiguration=group.desired("2"))
    )[-1]

    reason = final["RollbackDetails"]["RollbackReason"] if auto_rollback else final["StatusReason"]
    assert final["Status"] == ("RollbackSuccessful" if auto_rollback else "Failed")
    assert "failed its health checks" in reason
    # The failed instance was terminated and replaced from the group's own configuration.
    instances = group.instances()
    assert len(instances) == 2 and len(group.ids() & before) == 1
    assert {i["LaunchTemplate"]["Version"] for i in instances} == {"1"}
    assert group.images(group.ids()) == {group.old}
    assert group.described()["LaunchTemplate"]["Version"] == "1"


def test_fail_instance_refresh_fails_an_empty_group_too(group: Group, config):
    group.create("$Default", capacity=0)
    config(refresh_seconds=0.5, fail_instance_refresh=[group.name])

    final = group.follow(group.start())[-1]

    assert final["Status"] == "Failed" and "health checks" in final["StatusReason"]


def test_refreshes_are_listed_newest_first(group: Group, config):
    config(refresh_seconds=0)
    group.create("$Default")
    first = group.start()
    group.follow(first)
    second = group.start()
    group.follow(second)

    listed = group.autoscaling.describe_instance_refreshes(AutoScalingGroupName=group.name)["InstanceRefreshes"]

    assert [r["InstanceRefreshId"] for r in listed] == [second, first]


def test_a_refresh_of_an_unknown_group_is_a_validation_error(group: Group):
    with pytest.raises(ClientError) as raised:
        group.autoscaling.start_instance_refresh(AutoScalingGroupName="no-such-group")

    assert raised.value.response["Error"]["Code"] == "ValidationError"


def test_a_refresh_that_cannot_launch_its_ami_fails_and_keeps_the_old_instances(group: Group, config, session_for):
    config(refresh_seconds=1)
    group.create("1")
    before = group.ids()
    disabled = session_for("111122223333").client("ec2")
    # Its own AMI, not the fixture's shared one: the other tests still launch `group.new`.
    ami = disabled.register_image(Name=f"doomed_{group.name}")["ImageId"]
    disabled.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    version = group.ec2.create_launch_template_version(
        LaunchTemplateId=group.template, SourceVersion="1", LaunchTemplateData={"ImageId": ami}
    )["LaunchTemplateVersion"]["VersionNumber"]
    disabled.disable_image(ImageId=ami)

    seen = group.follow(group.start(DesiredConfiguration=group.desired(str(version))))

    assert seen[-1]["Status"] == "Failed"
    assert "launching a new instance failed" in seen[-1]["StatusReason"]
    assert group.ids() == before
    assert group.ec2_states(before) == {"running"}


def test_a_held_refresh_takes_no_step_until_released_then_goes_on(group: Group, config):
    config(refresh_seconds=0.1, hold_instance_refresh=[group.name])
    group.create("$Default")
    before = group.ids()
    refresh_id = group.start()

    # Many looks, each of which would apply a due step of an unheld refresh: none moves it.
    held = [group.refresh(refresh_id) for _ in range(30)]
    assert {state["Status"] for state in held} == {"Pending"}
    assert {state["PercentageComplete"] for state in held} == {0}
    assert group.ids() == before
    # Another start is refused as for any active refresh.
    with pytest.raises(ClientError) as refused:
        group.start()
    assert refused.value.response["Error"]["Code"] == "InstanceRefreshInProgress"

    config(hold_instance_refresh=[])
    final = group.follow(refresh_id)[-1]
    assert final["Status"] == "Successful"
    assert not group.ids() & before


def test_an_alarm_still_fails_a_held_refresh(group: Group, config):
    config(refresh_seconds=0.1, hold_instance_refresh=[group.name])
    group.create("$Default")
    alarm = group.alarm()
    refresh_id = group.start(Preferences={"AlarmSpecification": {"Alarms": [alarm]}})
    group.cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="test")

    final = group.follow(refresh_id)[-1]

    assert final["Status"] == "Failed" and alarm in final["StatusReason"]
