"""StartInstanceRefresh preferences: AWS's validation errors (code and message) and the defaults
DescribeInstanceRefreshes fills in."""

from __future__ import annotations

import pytest
from autoscaling_support import Group, amis, group, workload  # noqa: F401 (fixtures)
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import WORKLOAD


def _range(value: str, path: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


INVALID = [
    pytest.param(
        {"Preferences": {"MinHealthyPercentage": 150}},
        _range("150", "preferences.minHealthyPercentage", "Member must have value less than or equal to 100"),
        id="min-healthy-150",
    ),
    pytest.param(
        {"Preferences": {"MinHealthyPercentage": 50, "MaxHealthyPercentage": 300}},
        _range("300", "preferences.maxHealthyPercentage", "Member must have value less than or equal to 200"),
        id="max-healthy-300",
    ),
    pytest.param(
        {"Preferences": {"MinHealthyPercentage": 50, "MaxHealthyPercentage": 99}},
        _range("99", "preferences.maxHealthyPercentage", "Member must have value greater than or equal to 100"),
        id="max-healthy-99",
    ),
    pytest.param(
        {"Preferences": {"CheckpointPercentages": [50, 100], "CheckpointDelay": 172801}},
        _range("172801", "preferences.checkpointDelay", "Member must have value less than or equal to 172800"),
        id="checkpoint-delay-too-long",
    ),
    pytest.param(
        {"Preferences": {"CheckpointPercentages": [50, 101]}},
        _range(
            "[50, 101]",
            "preferences.checkpointPercentages",
            "Member must satisfy constraint: [Member must have value less than or equal to 100]",
        ),
        id="checkpoint-101",
    ),
    pytest.param(
        {"Preferences": {"CheckpointPercentages": [0, 100]}},
        _range(
            "[0, 100]",
            "preferences.checkpointPercentages",
            "Member must satisfy constraint: [Member must have value greater than or equal to 1]",
        ),
        id="checkpoint-0",
    ),
    pytest.param(
        {"Preferences": {"StandbyInstances": "Keep"}},
        _range("Keep", "preferences.standbyInstances", "Member must satisfy enum value set: [Terminate, Ignore, Wait]"),
        id="standby-enum",
    ),
    pytest.param(
        {"Strategy": "Blue"},
        _range("Blue", "strategy", "Member must satisfy enum value set: [Rolling, ReplaceRootVolume]"),
        id="strategy-enum",
    ),
    pytest.param(
        {"Preferences": {"MinHealthyPercentage": 150, "MaxHealthyPercentage": 300}},
        "2 validation errors detected: "
        "Value '150' at 'preferences.minHealthyPercentage' failed to satisfy constraint: "
        "Member must have value less than or equal to 100; "
        "Value '300' at 'preferences.maxHealthyPercentage' failed to satisfy constraint: "
        "Member must have value less than or equal to 200",
        id="two-errors",
    ),
    pytest.param(
        {"Preferences": {"MaxHealthyPercentage": 150}},
        "MinHealthyPercentage must be specified when MaxHealthyPercentage is specified.",
        id="max-without-min",
    ),
    pytest.param(
        {"Preferences": {"MinHealthyPercentage": 40, "MaxHealthyPercentage": 160}},
        "The difference between MaxHealthyPercentage and MinHealthyPercentage must be less than or equal to 100.",
        id="spread-over-100",
    ),
    pytest.param(
        {"Preferences": {"CheckpointDelay": 600}},
        "CheckpointPercentages must be specified when CheckpointDelay is specified.",
        id="delay-without-checkpoints",
    ),
    pytest.param(
        {"Preferences": {"CheckpointPercentages": [50, 20, 100]}},
        "CheckpointPercentages must be unique and in ascending order.",
        id="checkpoints-not-ascending",
    ),
    pytest.param(
        {"Preferences": {"CheckpointPercentages": [50, 50, 100]}},
        "CheckpointPercentages must be unique and in ascending order.",
        id="checkpoints-repeated",
    ),
    pytest.param(
        {"Preferences": {"AutoRollback": True}},
        "The request isn't valid. The AutoRollback parameter cannot be set to true when the DesiredConfiguration "
        "parameter is empty. Set AutoRollback to false or specify a desired configuration and try again.",
        id="auto-rollback-without-desired",
    ),
    pytest.param(
        {"Preferences": {"AlarmSpecification": {"Alarms": ["no-such-alarm"]}}},
        "The CloudWatch alarm(s) no-such-alarm do not exist in ap-northeast-1.",
        id="unknown-alarm",
    ),
]


@pytest.fixture(scope="module")
def unchecked(session_for):
    """An Auto Scaling client that sends what it is given, as SDKs without range checks (Rust, Go) do."""
    return session_for(WORKLOAD).client("autoscaling", config=Config(parameter_validation=False))


@pytest.mark.parametrize(("request_", "message"), INVALID)
def test_invalid_preferences_get_aws_validation_error(group: Group, unchecked, request_, message):
    group.create("1", capacity=0)

    with pytest.raises(ClientError) as raised:
        unchecked.start_instance_refresh(AutoScalingGroupName=group.name, **request_)

    error = raised.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ValidationError", message)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    listed = group.autoscaling.describe_instance_refreshes(AutoScalingGroupName=group.name)["InstanceRefreshes"]
    assert listed == []


def test_auto_rollback_needs_a_numbered_group_version(group: Group):
    group.create("$Default", capacity=0)

    with pytest.raises(ClientError) as raised:
        group.start(Preferences={"AutoRollback": True}, DesiredConfiguration=group.desired("2"))

    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert "$Default" in raised.value.response["Error"]["Message"]


def test_a_last_checkpoint_below_100_is_accepted(group: Group, config):
    config(refresh_seconds=60)
    group.create("1", capacity=0)

    refresh_id = group.start(Preferences={"CheckpointPercentages": [20, 50]})

    assert group.refresh(refresh_id)["Preferences"]["CheckpointPercentages"] == [20, 50]
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)


def test_defaults_are_filled_in_as_aws_returns_them(group: Group, config):
    config(refresh_seconds=60)
    group.create("1", capacity=0)

    first = group.start()
    bare = group.refresh(first)["Preferences"]
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)
    group.follow(first)
    with_checkpoints = group.refresh(group.start(Preferences={"CheckpointPercentages": [50, 100]}))["Preferences"]
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)

    assert bare == {
        "MinHealthyPercentage": 90,
        "InstanceWarmup": 0,
        "SkipMatching": False,
        "AutoRollback": False,
        "ScaleInProtectedInstances": "Wait",
        "StandbyInstances": "Wait",
    }
    assert with_checkpoints["CheckpointPercentages"] == [50, 100]
    assert with_checkpoints["CheckpointDelay"] == 3600
    assert "MaxHealthyPercentage" not in with_checkpoints


def test_instance_warmup_defaults_to_the_groups_health_check_grace_period(group: Group, config):
    config(refresh_seconds=60)
    group.create("1", capacity=0)
    group.autoscaling.update_auto_scaling_group(AutoScalingGroupName=group.name, HealthCheckGracePeriod=120)

    preferences = group.refresh(group.start())["Preferences"]
    group.autoscaling.cancel_instance_refresh(AutoScalingGroupName=group.name)

    assert preferences["InstanceWarmup"] == 120
