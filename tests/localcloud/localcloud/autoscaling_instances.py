"""Auto Scaling instances that know what they were launched from; patched into moto at start-up.

Facts from the Amazon EC2 Auto Scaling API Reference and User Guide:
- DescribeAutoScalingGroups `Instances[]` and DescribeAutoScalingInstances report, per
  instance, the launch template and version it was launched from (`LaunchTemplate`), and its
  `ImageId`. A group pinned to version 1 while the template's default is 2 launches, and
  reports, version 1. Moto reported every instance as the template's current default and
  tagged it `aws:ec2launchtemplate:version` with the default too, whatever the group named.
- An instance launched from a template carries the tags `aws:ec2launchtemplate:id` and
  `aws:ec2launchtemplate:version` of the version used (EC2 User Guide, "Launch template
  tags"); its user data, block devices and key come from that same version.
- CreateAutoScalingGroup: `HealthCheckGracePeriod` defaults to 0 seconds when omitted (moto
  used 300). An instance refresh's warm-up defaults to it, so the default matters.

Every launch by a group goes through `replace_autoscaling_group_instances`, which resolves the
group's version (`$Default`, `$Latest` or a number) to a number once and launches from it, as
the account's Auto Scaling service-linked role (localcloud.encrypted_launches: instances whose
encrypted volumes that role may not use are terminated at launch); each launch is a scaling
activity (localcloud.autoscaling_activities). CreateAutoScalingGroup creates that role in the
account first, as AWS does with the account's first group.
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.models import (
    ASG_NAME_TAG,
    AutoScalingBackend,
    FakeAutoScalingGroup,
    InstanceState,
)
from moto.moto_api._internal import mock_random as random

from localcloud import autoscaling_activities as activities
from localcloud import encrypted_launches as launches

_moto_replace = FakeAutoScalingGroup.replace_autoscaling_group_instances
_moto_create_group = AutoScalingBackend.create_auto_scaling_group


def launched_from(state: InstanceState) -> tuple[str, int] | None:
    """The (launch template id, version number) an instance was launched from, if a template."""
    return getattr(state.instance, "localcloud_launched_from", None)


def launch(group: Any, template_id: str | None, version: int | None, count: int) -> list[InstanceState]:
    """Launch `count` instances into `group` for an instance refresh, from a template version (None:
    the group's own). Raises `encrypted_launches.LaunchFailed` when new instances could not start."""
    if count <= 0:
        return []
    if template_id is None or version is None:
        before = list(group.instance_states)
        group.replace_autoscaling_group_instances(count, group.get_propagated_tags())
        return [state for state in group.instance_states if state not in before]
    template = group.ec2_backend.get_launch_template(template_id)
    started = _run(group, template, template.get_version(version), count, group.get_propagated_tags(), activities.refresh_cause())
    if len(started) < count:
        raise launches.LaunchFailed(launches.GROUP_FAILURE)
    return started


def terminate(group: Any, states: list[InstanceState]) -> None:
    """Terminate instances of `group` and take them out of it."""
    if not states:
        return
    group.ec2_backend.terminate_instances([state.instance.id for state in states])
    group.instance_states = [state for state in group.instance_states if state not in states]


def _settled(group: Any, launched: list[InstanceState], cause: str) -> list[InstanceState]:
    """Record each launch as a scaling activity; the instances that could not start are terminated and
    leave the group. Returns the ones that started."""
    failed = launches.failed(launched)
    for state in launched:
        activities.launched(group, state.instance.id, cause, launches.GROUP_FAILURE if state in failed else None)
    if failed:
        launches.terminate(group.ec2_backend, [state.instance.id for state in failed])
        group.instance_states = [state for state in group.instance_states if state not in failed]
    return [state for state in launched if state not in failed]


def _run(group: Any, template: Any, version: Any, count: int, tags: dict[str, str], cause: str) -> list[InstanceState]:
    """Moto's group launch, with every launch parameter taken from one template version."""
    tags = {**tags, ASG_NAME_TAG: group.name, **version.instance_tags}
    with launches.as_service_linked_role(group):
        reservation = group.autoscaling_backend.ec2_backend.run_instances(
            version.image_id,
            count,
            version.user_data,
            version.security_groups,
            instance_type=version.instance_type,
            tags={"instance": tags},
            placement=random.choice(group.availability_zones),
            launch_config=None,
            launch_template={"LaunchTemplateId": template.id, "Version": str(version.number)},
            is_instance_type_default=False,
            associate_public_ip=None,
            # Moto puts every instance of a group in its first subnet.
            subnet_id=group.vpc_zone_identifier.split(",")[0] if group.vpc_zone_identifier else None,
        )
    launched = []
    for instance in reservation.instances:
        instance.autoscaling_group = group
        instance.localcloud_launched_from = (template.id, version.number)
        launched.append(InstanceState(instance, protected_from_scale_in=group.new_instances_protected_from_scale_in))
    group.instance_states.extend(launched)
    return _settled(group, launched, cause)


def _replace_autoscaling_group_instances(self: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
    """Moto's launch, from the group's version resolved to a number (moto launched the default)."""
    cause = activities.capacity_cause(len(self.instance_states), len(self.instance_states) + count_needed)
    if self.ec2_launch_template is None:
        before = list(self.instance_states)
        with launches.as_service_linked_role(self):
            _moto_replace(self, count_needed, propagated_tags)
        _settled(self, [state for state in self.instance_states if state not in before], cause)
        return
    template = self.ec2_launch_template
    _run(self, template, template.get_version(self.launch_template_version), count_needed, propagated_tags, cause)


def _instance_launch_template(self: InstanceState) -> dict[str, Any] | None:
    """`LaunchTemplate` of an Auto Scaling instance: the template and version it was launched from."""
    launched = launched_from(self)
    if launched is None:
        return None
    template_id, version = launched
    template = self.auto_scaling_group.ec2_backend.get_launch_template(template_id)
    return {"LaunchTemplateId": template_id, "LaunchTemplateName": template.name, "Version": str(version)}


def _instance_image_id(self: InstanceState) -> str:
    """`ImageId` of an Auto Scaling instance: the AMI it runs."""
    return self.instance.image_id


def _create_auto_scaling_group(self: Any, *args: Any, **kwargs: Any) -> Any:
    """Moto's CreateAutoScalingGroup with AWS's default grace period of 0 seconds."""
    launches.ensure_service_linked_role(self.account_id, "autoscaling.amazonaws.com")
    group = _moto_create_group(self, *args, **kwargs)
    if kwargs.get("health_check_period") is None:
        group.health_check_grace_period = 0
    return group


def install() -> None:
    """Patch moto's Auto Scaling instances; idempotent."""
    FakeAutoScalingGroup.replace_autoscaling_group_instances = _replace_autoscaling_group_instances
    InstanceState.launch_template = property(_instance_launch_template)
    InstanceState.image_id = property(_instance_image_id)
    AutoScalingBackend.create_auto_scaling_group = _create_auto_scaling_group
