"""StartInstanceRefresh's Strategy and Preferences: AWS's validation and the defaults it fills in.

Facts (Amazon EC2 Auto Scaling API Reference, RefreshPreferences and StartInstanceRefresh;
User Guide, "Understand the default values for an instance refresh"):
- Ranges come from botocore's model: MinHealthyPercentage 0-100, MaxHealthyPercentage 100-200,
  CheckpointPercentages members 1-100, CheckpointDelay and BakeTime 0-172800, InstanceWarmup >= 0,
  enums for Strategy, ScaleInProtectedInstances and StandbyInstances. SDKs do not check maxima or
  enums, so AWS answers `ValidationError` with its framework's message, e.g. "1 validation error
  detected: Value '150' at 'preferences.minHealthyPercentage' failed to satisfy constraint:
  Member must have value less than or equal to 100"; `localcloud.validation` answers those
  before the request gets here, for every operation of the model.
- "If you specify MaxHealthyPercentage, you must also specify MinHealthyPercentage, and the
  difference between them cannot be greater than 100."
- CheckpointDelay needs CheckpointPercentages; CheckpointPercentages are ascending and unique.
  The last one need not be 100: a smaller one is a partial refresh (User Guide, "Add
  checkpoints to an instance refresh": `[1,20]` "refreshes the next 19 percent before
  concluding the operation").
- AutoRollback needs a DesiredConfiguration (AWS's message, quoted in
  hashicorp/terraform-provider-aws#32428) and a group on a numbered launch template version,
  not `$Latest` or `$Default` (User Guide, "Undo changes with a rollback"), whose image id is
  an AMI id, not a Systems Manager parameter (`resolve:ssm:`; RefreshPreferences.AutoRollback:
  "A rollback is not supported ... The Auto Scaling group has a launch template that uses an
  Amazon Web Services Systems Manager parameter instead of an AMI ID for the ImageId property").
- Defaults returned by DescribeInstanceRefreshes: MinHealthyPercentage 90, InstanceWarmup the
  group's DefaultInstanceWarmup or else its HealthCheckGracePeriod, SkipMatching and
  AutoRollback false, ScaleInProtectedInstances and StandbyInstances `Wait`, CheckpointDelay 3600
  when CheckpointPercentages are given. MaxHealthyPercentage stays unset: omitting it is not the
  same as 100 (omitted: terminate and launch together; set: launch before terminating).
The wording of the messages for the cross-field rules above (other than AutoRollback's) is
localcloud's: their code is AWS's, their exact text is not documented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from moto.autoscaling.exceptions import ValidationError
from moto.cloudwatch.models import cloudwatch_backends

_NO_DESIRED_ROLLBACK = (
    "The request isn't valid. The AutoRollback parameter cannot be set to true when the DesiredConfiguration "
    "parameter is empty. Set AutoRollback to false or specify a desired configuration and try again."
)


@dataclass
class Preferences:
    """The preferences a refresh runs with, and the structure DescribeInstanceRefreshes returns."""

    min_healthy: int
    max_healthy: int | None
    warmup: int
    checkpoints: list[int]
    checkpoint_delay: int
    skip_matching: bool
    auto_rollback: bool
    protected: str
    standby: str
    alarms: list[str]
    bake_time: int
    echo: dict[str, Any] = field(default_factory=dict)


def _typed(raw: dict[str, Any]) -> dict[str, Any]:
    """The query parameters with integers and booleans as such."""
    ints = ("MinHealthyPercentage", "MaxHealthyPercentage", "InstanceWarmup", "CheckpointDelay", "BakeTime")
    typed = dict(raw)
    for name in ints:
        if typed.get(name) is not None:
            typed[name] = int(typed[name])
    if typed.get("CheckpointPercentages") is not None:
        typed["CheckpointPercentages"] = [int(v) for v in typed["CheckpointPercentages"]]
    for name in ("SkipMatching", "AutoRollback"):
        if typed.get(name) is not None and not isinstance(typed[name], bool):
            typed[name] = str(typed[name]).lower() == "true"
    return typed


def _rule_errors(given: dict[str, Any]) -> str | None:
    if given.get("MaxHealthyPercentage") is not None:
        if given.get("MinHealthyPercentage") is None:
            return "MinHealthyPercentage must be specified when MaxHealthyPercentage is specified."
        if given["MaxHealthyPercentage"] - given["MinHealthyPercentage"] > 100:
            return "The difference between MaxHealthyPercentage and MinHealthyPercentage must be less than or equal to 100."
    checkpoints = given.get("CheckpointPercentages") or []
    if given.get("CheckpointDelay") is not None and not checkpoints:
        return "CheckpointPercentages must be specified when CheckpointDelay is specified."
    if any(later <= earlier for earlier, later in zip(checkpoints, checkpoints[1:])):
        return "CheckpointPercentages must be unique and in ascending order."
    return None


def uses_ssm_parameter(group: Any) -> bool:
    """Whether the launch template version the group names takes its image from a `resolve:ssm:`
    parameter (a rollback, which returns the group to that version, is then not supported)."""
    template = group.ec2_launch_template
    if template is None:
        return False
    image_id = template.get_version(group.launch_template_version or "$Default").image_id
    return isinstance(image_id, str) and image_id.startswith("resolve:ssm:")


def validated(group: Any, strategy: str | None, raw: dict[str, Any] | None, desired: dict[str, Any] | None,
              account: str, region: str) -> Preferences:
    """The preferences of a StartInstanceRefresh request, or the ValidationError AWS answers."""
    given = _typed(raw or {})
    problem = _rule_errors(given)
    if problem:
        raise ValidationError(problem)
    if given.get("AutoRollback"):
        if not desired:
            raise ValidationError(_NO_DESIRED_ROLLBACK)
        if (group.launch_template_version or "$Default").lower() in ("$latest", "$default"):
            raise ValidationError(
                "AutoRollback cannot be enabled: the Auto Scaling group uses the $Latest or $Default version of "
                "its launch template, so there is no specific version to roll back to."
            )
        if uses_ssm_parameter(group):
            raise ValidationError(
                "AutoRollback cannot be enabled: the Auto Scaling group's launch template uses a Systems Manager "
                "parameter instead of an AMI ID for the ImageId property."
            )
    alarms = list((given.get("AlarmSpecification") or {}).get("Alarms") or [])
    known = cloudwatch_backends[account][region].alarms
    missing = [name for name in alarms if name not in known]
    if missing:
        raise ValidationError(f"The CloudWatch alarm(s) {', '.join(missing)} do not exist in {region}.")

    checkpoints = list(given.get("CheckpointPercentages") or [])
    echo: dict[str, Any] = {
        "MinHealthyPercentage": given.get("MinHealthyPercentage", 90),
        "InstanceWarmup": given.get("InstanceWarmup", group.health_check_grace_period or 0),
        "SkipMatching": given.get("SkipMatching", False),
        "AutoRollback": given.get("AutoRollback", False),
        "ScaleInProtectedInstances": given.get("ScaleInProtectedInstances", "Wait"),
        "StandbyInstances": given.get("StandbyInstances", "Wait"),
    }
    if checkpoints:
        echo["CheckpointPercentages"] = checkpoints
        echo["CheckpointDelay"] = given.get("CheckpointDelay", 3600)
    for name in ("MaxHealthyPercentage", "BakeTime"):
        if given.get(name) is not None:
            echo[name] = given[name]
    if alarms:
        echo["AlarmSpecification"] = {"Alarms": alarms}
    return Preferences(
        min_healthy=echo["MinHealthyPercentage"],
        max_healthy=echo.get("MaxHealthyPercentage"),
        warmup=echo["InstanceWarmup"],
        checkpoints=checkpoints,
        checkpoint_delay=echo.get("CheckpointDelay", 0),
        skip_matching=echo["SkipMatching"],
        auto_rollback=echo["AutoRollback"],
        protected=echo["ScaleInProtectedInstances"],
        standby=echo["StandbyInstances"],
        alarms=alarms,
        bake_time=echo.get("BakeTime", 0),
        echo=echo,
    )
