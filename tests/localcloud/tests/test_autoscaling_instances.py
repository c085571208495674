"""Auto Scaling instances report the launch template version and AMI they were launched from."""

from __future__ import annotations

from autoscaling_support import Group, amis, group, workload  # noqa: F401 (fixtures)


def _tags(group: Group, instance_ids: set[str]) -> list[dict[str, str]]:
    reservations = group.ec2.describe_instances(InstanceIds=sorted(instance_ids))["Reservations"]
    return [{t["Key"]: t["Value"] for t in i.get("Tags", [])} for r in reservations for i in r["Instances"]]


def test_a_group_pinned_to_version_1_launches_and_reports_version_1_while_the_default_is_2(group: Group):
    group.create("1", capacity=2)
    default = group.ec2.describe_launch_templates(LaunchTemplateIds=[group.template])["LaunchTemplates"][0]

    instances = group.instances()
    ids = {i["InstanceId"] for i in instances}
    details = group.autoscaling.describe_auto_scaling_instances(InstanceIds=sorted(ids))["AutoScalingInstances"]

    assert default["DefaultVersionNumber"] == 2
    assert {i["LaunchTemplate"]["Version"] for i in instances} == {"1"}
    assert {i["LaunchTemplate"]["LaunchTemplateId"] for i in instances} == {group.template}
    assert {i["ImageId"] for i in instances} == {group.old}
    assert {d["LaunchTemplate"]["Version"] for d in details} == {"1"}
    assert {d["ImageId"] for d in details} == {group.old}
    assert group.images(ids) == {group.old}
    assert {t["aws:ec2launchtemplate:version"] for t in _tags(group, ids)} == {"1"}
    assert {t["aws:ec2launchtemplate:id"] for t in _tags(group, ids)} == {group.template}


def test_instances_keep_reporting_their_own_version_after_the_group_moves(group: Group):
    group.create("2", capacity=2)
    first = group.ids()

    group.autoscaling.set_desired_capacity(AutoScalingGroupName=group.name, DesiredCapacity=3)
    by_id = {i["InstanceId"]: i for i in group.instances()}

    assert {by_id[i]["LaunchTemplate"]["Version"] for i in first} == {"1"}
    (added,) = set(by_id) - first
    assert by_id[added]["LaunchTemplate"]["Version"] == "2"
    assert by_id[added]["ImageId"] == group.new
    found = group.ec2.describe_instances(Filters=[{"Name": "image-id", "Values": [group.new]}])["Reservations"]
    assert added in {i["InstanceId"] for r in found for i in r["Instances"]}
    assert not first & {i["InstanceId"] for r in found for i in r["Instances"]}


def test_default_group_instances_report_the_default_number_not_the_alias(group: Group):
    group.create("$Default", capacity=0)
    group.autoscaling.set_desired_capacity(AutoScalingGroupName=group.name, DesiredCapacity=1)

    (instance,) = group.instances()

    assert group.described()["LaunchTemplate"]["Version"] == "$Default"
    assert instance["LaunchTemplate"]["Version"] == "2"
    assert instance["ImageId"] == group.new


def test_health_check_grace_period_defaults_to_zero(group: Group):
    group.create("1", capacity=0)

    assert group.described()["HealthCheckGracePeriod"] == 0
