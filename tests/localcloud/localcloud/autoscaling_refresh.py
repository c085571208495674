"""Auto Scaling instance refresh (Start/Describe/Cancel/RollbackInstanceRefresh), which moto lacks.

How AWS runs one (Amazon EC2 Auto Scaling User Guide: "How an instance refresh works",
"Instance maintenance policies", "Add checkpoints to an instance refresh", "Undo changes with a
manual or auto rollback", "Check the status of an instance refresh"; API Reference:
StartInstanceRefresh, RefreshPreferences, DescribeInstanceRefreshes, RollbackDetails):
- Pending, then InProgress: instances are replaced in batches. Each batch's new instances launch
  from the template version fixed when the refresh started (`$Latest`/`$Default` resolved then),
  come InService, warm up for InstanceWarmup seconds, and only then count as replaced.
- Batch size (percentages of the group's desired capacity D): at least ceil(D * Min / 100)
  instances stay healthy, at most floor(D * Max / 100) exist; a batch replaces
  max(1, floor(D * Max / 100) - ceil(D * Min / 100)) instances. MinHealthyPercentage is "rounded
  up"; 100 replaces "one instance at a time", 0 "all instances at the same time". Without
  MaxHealthyPercentage (Max = 100) a batch terminates its old instances and launches the new
  ones together; with it, new ones launch first and old ones are terminated while at least the
  minimum stays healthy, the rest once the new ones are warm ("when it is mathematically
  impossible ... Auto Scaling launches a new instance before terminating an old one").
  Example: D = 4, Min 50: two instances at a time; D = 10, Min 80: two at a time.
- Checkpoints: "A checkpoint is reached when the number of instances replaced reaches the
  percentage threshold" (replacing no more than that checkpoint needs), then the refresh waits
  CheckpointDelay. A batch that passes several checkpoints reports the highest. Reaching the
  last checkpoint ends the refresh, so a last checkpoint below 100 is a partial refresh.
- PercentageComplete counts replaced and warmed-up instances (and, with SkipMatching, those
  already on the desired launch template and version) among the group's instances;
  InstancesToUpdate counts those not yet taken up. "After a checkpoint is reached, the overall
  percentage complete doesn't display the latest status until after the instances finish
  warming up." StatusReason while warming is AWS's: "Waiting for instances to warm up before
  continuing. For example: i-... is warming up."
- BakeTime: the refresh stays `Baking` that long after the last replacement.
- CloudWatch alarms in AlarmSpecification in ALARM fail the refresh; with AutoRollback a failed
  refresh rolls back: the instances it launched are replaced, in batches, by instances of the
  configuration the group kept (it takes a DesiredConfiguration only on success), and it ends
  RollbackSuccessful with RollbackDetails (reason, start time, progress when it began).
- Only one active refresh per group (`InstanceRefreshInProgress`); cancel and rollback need an
  active one (`ActiveInstanceRefreshNotFound`); rollback needs a DesiredConfiguration and a group
  on a numbered version whose image id is not a `resolve:ssm:` parameter
  (`IrreversibleInstanceRefresh`, whose model documentation names all three). Cancelling lets the batch in flight
  finish and starts no other; nothing is rolled back. Listed newest first.
- ScaleInProtectedInstances / StandbyInstances: `Refresh`/`Terminate` replace such instances,
  `Ignore` leaves them, `Wait` (the default) waits up to an hour for them, then fails.

The clock: one AWS minute lasts `CONFIG.refresh_seconds` (captured at start), an instance takes
a minute from launch to InService, Pending lasts 6 s and Cancelling 12 s, and InstanceWarmup,
CheckpointDelay and BakeTime are AWS seconds on that scale. Every request first calls
`advance()`, which applies at most one due step of each refresh, so a client polling sees every
intermediate state in order and tests need no sleeps; steps are timed from when they applied.
`CONFIG.fail_instance_refresh` makes a group's refresh fail: its first new instances fail their
health checks (are terminated and replaced from the group's own configuration), or, with
nothing to replace, it fails where it would have succeeded. `CONFIG.hold_instance_refresh` makes
a group's refresh slow: while the group is listed its refresh takes no step (it stays in the state
it reached, as a refresh of a large group with a long warm-up does for hours on AWS; alarms still
fail it); once the group is no longer listed, the refresh goes on from there.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.models import autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.cloudwatch.models import cloudwatch_backends
from moto.ec2.exceptions import EC2ClientError
from moto.core.responses import ActionResult

from localcloud import autoscaling_instances as instances
from localcloud.encrypted_launches import LaunchFailed
from localcloud.autoscaling_preferences import Preferences, uses_ssm_parameter, validated
from localcloud.control import CONFIG

_ACTIVE = ("Pending", "InProgress", "Baking", "Cancelling", "RollbackInProgress")
_WATCHED = ("Pending", "InProgress", "Baking")
# AWS seconds: Pending, launch to InService, Cancelling, how long `Wait` waits, its re-check period.
_PENDING_S = 6
_LAUNCH_S = 60
_CANCEL_S = 12
_WAIT_LIMIT_S = 3600
_WAIT_CHECK_S = 6


@dataclass
class Run:
    """Replacing some instances of a group in batches: the refresh itself, or its rollback."""

    todo: list[str]
    source: tuple[str, int] | None
    total: int
    done: int = 0
    new: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)
    launched: list[str] = field(default_factory=list)

    def percentage(self) -> int:
        return 100 if self.total == 0 else min(100, 100 * self.done // self.total)


@dataclass
class Refresh:
    """One instance refresh, its clock, and the step it takes next."""

    id: str
    account: str
    region: str
    group_name: str
    strategy: str
    prefs: Preferences
    desired: dict[str, Any] | None
    previous_version: str | None
    scale: float
    fail: bool
    run: Run
    waiting: list[str]
    due: float
    next_step: Callable[[Refresh, Any, float], None]
    start_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    status: str = "Pending"
    status_reason: str | None = None
    end_time: datetime | None = None
    checkpoints_passed: int = 0
    waiting_since: float | None = None
    rollback: dict[str, Any] | None = None

    def after(self, aws_seconds: float, now: float, step: Callable[[Refresh, Any, float], None]) -> None:
        """Take `step` once `aws_seconds` of AWS time have passed on this refresh's clock."""
        self.due = now + aws_seconds * self.scale
        self.next_step = step

    def to_update(self) -> int:
        return len(self.run.todo) + (len(self.waiting) if self.rollback is None else 0)

    def describe(self) -> dict[str, Any]:
        """The InstanceRefresh structure of DescribeInstanceRefreshes."""
        progress = {"PercentageComplete": self.run.percentage(), "InstancesToUpdate": self.to_update()}
        result: dict[str, Any] = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group_name,
            "Status": self.status,
            "StartTime": self.start_time,
            **progress,
            "ProgressDetails": {"LivePoolProgress": progress},
            "Preferences": self.prefs.echo,
            "Strategy": self.strategy,
        }
        if self.status_reason:
            result["StatusReason"] = self.status_reason
        if self.end_time:
            result["EndTime"] = self.end_time
        if self.desired is not None:
            result["DesiredConfiguration"] = self.desired
        if self.rollback is not None:
            result["RollbackDetails"] = self.rollback
        return result


_LOCK = threading.RLock()
# (account, region, group name) -> refreshes, newest first
_REFRESHES: dict[tuple[str, str, str], list[Refresh]] = {}


class InstanceRefreshInProgress(AutoscalingClientError):
    """Another refresh of the group is still active."""

    code = "InstanceRefreshInProgress"


class ActiveInstanceRefreshNotFound(AutoscalingClientError):
    """Cancel or rollback without an active refresh."""

    code = "ActiveInstanceRefreshNotFound"


class IrreversibleInstanceRefresh(AutoscalingClientError):
    """Rollback of a refresh that has nothing to roll back to."""

    code = "IrreversibleInstanceRefresh"


def _group(refresh: Refresh) -> Any:
    return autoscaling_backends[refresh.account][refresh.region].autoscaling_groups.get(refresh.group_name)


def _states(group: Any, ids: list[str]) -> list[Any]:
    return [state for state in group.instance_states if state.instance.id in ids]


def _active(key: tuple[str, str, str]) -> Refresh | None:
    return next((r for r in _REFRESHES.get(key, []) if r.status in _ACTIVE), None)


def advance() -> None:
    """Apply at most one due step of every active refresh (alarms are checked on every call)."""
    now = time.monotonic()
    with _LOCK:
        for refreshes in _REFRESHES.values():
            for refresh in refreshes:
                if refresh.status in _ACTIVE:
                    _advance(refresh, now)


def _advance(refresh: Refresh, now: float) -> None:
    group = _group(refresh)
    if group is None:
        refresh.status = "Failed"
        refresh.status_reason = f"The Auto Scaling group {refresh.group_name} was deleted during the instance refresh."
        refresh.end_time = datetime.now(timezone.utc)
        return
    if refresh.status in _WATCHED:
        alarm = _alarm_in_alarm(refresh)
        if alarm is not None:
            _fail(refresh, group, now, f"Instance refresh failed: CloudWatch alarm {alarm} went into the ALARM state.")
            return
        if refresh.group_name in CONFIG.hold_instance_refresh:
            return
    if now >= refresh.due:
        refresh.next_step(refresh, group, now)


def _alarm_in_alarm(refresh: Refresh) -> str | None:
    if not refresh.prefs.alarms:
        return None
    alarms = cloudwatch_backends[refresh.account][refresh.region].alarms
    return next((name for name in refresh.prefs.alarms if name in alarms and alarms[name].state_value == "ALARM"), None)


# Steps. Each is applied once it is due and schedules the next one.


def _begin(refresh: Refresh, group: Any, now: float) -> None:
    refresh.status = "InProgress"
    refresh.after(0, now, _next_batch)


def _bounds(refresh: Refresh, group: Any) -> tuple[int, int]:
    """How many instances must stay healthy, and how many may exist, during a batch."""
    desired = group.desired_capacity or 0
    keep = math.ceil(desired * refresh.prefs.min_healthy / 100)
    return keep, desired * (refresh.prefs.max_healthy or 100) // 100


def _batch_size(refresh: Refresh, group: Any) -> int:
    keep, most = _bounds(refresh, group)
    size = min(max(1, most - keep), len(refresh.run.todo))
    if refresh.rollback is None and refresh.checkpoints_passed < len(refresh.prefs.checkpoints):
        checkpoint = refresh.prefs.checkpoints[refresh.checkpoints_passed]
        size = min(size, max(1, math.ceil(refresh.run.total * checkpoint / 100) - refresh.run.done))
    return size


def _next_batch(refresh: Refresh, group: Any, now: float) -> None:
    run = refresh.run
    run.todo = [state.instance.id for state in _states(group, run.todo)]
    if not run.todo:
        if refresh.rollback is None and refresh.waiting:
            _wait_for_protected(refresh, group, now)
        else:
            _complete(refresh, group, now)
        return
    size = _batch_size(refresh, group)
    old = _states(group, run.todo[:size])
    run.todo = run.todo[size:]
    if refresh.prefs.max_healthy is None:
        now_terminated = len(old)
    else:
        keep, most = _bounds(refresh, group)
        room = most - len(group.instance_states)
        now_terminated = max(0, min(len(old) - room, len(group.instance_states) - keep))
    try:
        launched = instances.launch(group, *(run.source or (None, None)), len(old))
    except (ValidationError, EC2ClientError, LaunchFailed) as error:
        # AWS fails the refresh when the group cannot launch replacements (an AMI disabled or
        # unshared meanwhile, a KMS key its role may not use); the old instances of the batch
        # stay, as nothing replaced them.
        run.todo = [state.instance.id for state in old] + run.todo
        _fail(refresh, group, now, f"Instance refresh failed: launching a new instance failed. {error.message}")
        return
    instances.terminate(group, old[:now_terminated])
    for state in launched:
        state.lifecycle_state = "Pending"
    run.new = [state.instance.id for state in launched]
    run.deferred = [state.instance.id for state in old[now_terminated:]]
    run.launched += run.new
    refresh.status_reason = None
    refresh.after(_LAUNCH_S, now, _in_service)


def _in_service(refresh: Refresh, group: Any, now: float) -> None:
    new = _states(group, refresh.run.new)
    for state in new:
        state.lifecycle_state = "InService"
    if refresh.fail and refresh.rollback is None:
        victim = new[0].instance.id if new else "(none)"
        instances.terminate(group, new)
        # The old instances still waiting for this batch stay: they are the healthy ones.
        refresh.run.new, refresh.run.deferred = [], []
        _fail(refresh, group, now, f"Instance refresh failed: new instance {victim} failed its health checks "
                                   "during the instance warmup and was terminated.")
        return
    if refresh.prefs.warmup > 0 and new:
        refresh.status_reason = (
            "Waiting for instances to warm up before continuing. "
            f"For example: {new[0].instance.id} is warming up."
        )
        refresh.after(refresh.prefs.warmup, now, _batch_done)
    else:
        _batch_done(refresh, group, now)


def _finish_batch(refresh: Refresh, group: Any) -> None:
    """The batch in flight completes: its new instances count, its remaining old ones go."""
    run = refresh.run
    new = _states(group, run.new)
    for state in new:
        state.lifecycle_state = "InService"
    instances.terminate(group, _states(group, run.deferred))
    run.done += len(new)
    run.new, run.deferred = [], []


def _batch_done(refresh: Refresh, group: Any, now: float) -> None:
    _finish_batch(refresh, group)
    refresh.status_reason = None
    if refresh.rollback is None:
        checkpoints = refresh.prefs.checkpoints
        reached = [c for c in checkpoints[refresh.checkpoints_passed:] if refresh.run.percentage() >= c]
        if reached:
            refresh.checkpoints_passed += len(reached)
            if refresh.checkpoints_passed == len(checkpoints):
                _complete(refresh, group, now)
                return
            refresh.status_reason = (
                f"Instance refresh reached the checkpoint at {reached[-1]}% and waits "
                f"{refresh.prefs.checkpoint_delay} seconds before it continues."
            )
            refresh.after(refresh.prefs.checkpoint_delay, now, _next_batch)
            return
    _next_batch(refresh, group, now)


def _wait_for_protected(refresh: Refresh, group: Any, now: float) -> None:
    prefs = refresh.prefs
    ready = [
        s.instance.id for s in _states(group, refresh.waiting)
        if (prefs.protected != "Wait" or not s.protected_from_scale_in)
        and (prefs.standby != "Wait" or s.lifecycle_state != "Standby")
    ]
    refresh.waiting = [s.instance.id for s in _states(group, refresh.waiting) if s.instance.id not in ready]
    if ready:
        refresh.waiting_since = None
        refresh.run.todo = ready
        _next_batch(refresh, group, now)
        return
    if not refresh.waiting:
        _complete(refresh, group, now)
        return
    if refresh.waiting_since is None:
        refresh.waiting_since = now
    if now - refresh.waiting_since >= _WAIT_LIMIT_S * refresh.scale:
        _fail(refresh, group, now, "Instance refresh failed: instances that are protected from scale in or in "
                                   "Standby could not be replaced within one hour.")
        return
    refresh.status_reason = (
        f"Waiting for {len(refresh.waiting)} instance(s) that are protected from scale in or in Standby "
        "before it can replace them."
    )
    refresh.after(_WAIT_CHECK_S, now, _next_batch)


def _complete(refresh: Refresh, group: Any, now: float) -> None:
    if refresh.rollback is not None:
        refresh.status = "RollbackSuccessful"
        refresh.status_reason = "The instance refresh was rolled back successfully."
        refresh.end_time = datetime.now(timezone.utc)
        return
    if refresh.fail:
        _fail(refresh, group, now, "Instance refresh failed: new instances failed their health checks.")
        return
    if refresh.prefs.bake_time > 0 and refresh.status != "Baking":
        refresh.status = "Baking"
        refresh.status_reason = None
        refresh.after(refresh.prefs.bake_time, now, _complete)
        return
    if refresh.desired is not None:
        spec = _desired_template(refresh.desired)
        if spec:
            group.ec2_launch_template = _template_of(group, spec)
            group.launch_template_version = spec.get("Version") or "$Default"
            group.provided_launch_template_version = spec.get("Version")
    refresh.status = "Successful"
    refresh.status_reason = None
    refresh.end_time = datetime.now(timezone.utc)


def _fail(refresh: Refresh, group: Any, now: float, reason: str) -> None:
    """The refresh fails: replaces lost capacity from the group's own configuration, then ends or rolls back."""
    _finish_batch(refresh, group)
    missing = (group.desired_capacity or 0) - len(group.instance_states)
    try:
        instances.launch(group, None, None, missing)
    except (ValidationError, EC2ClientError, LaunchFailed):
        # The group's own configuration cannot launch either; AWS's scaling activities would
        # fail the same way and the group stays below its desired capacity.
        pass
    if refresh.prefs.auto_rollback:
        _start_rollback(refresh, group, now, f"The instance refresh failed and AutoRollback is enabled. {reason}")
        return
    refresh.status = "Failed"
    refresh.status_reason = reason
    refresh.end_time = datetime.now(timezone.utc)


def _start_rollback(refresh: Refresh, group: Any, now: float, reason: str) -> None:
    """Replace the instances this refresh launched by ones of the group's own configuration."""
    percentage, to_update = refresh.run.percentage(), refresh.to_update()
    refresh.rollback = {
        "RollbackReason": reason,
        "RollbackStartTime": datetime.now(timezone.utc),
        "PercentageCompleteOnRollback": percentage,
        "InstancesToUpdateOnRollback": to_update,
        "ProgressDetailsOnRollback": {
            "LivePoolProgress": {"PercentageComplete": percentage, "InstancesToUpdate": to_update}
        },
    }
    _finish_batch(refresh, group)
    launched = _states(group, refresh.run.launched)
    surplus = max(0, len(group.instance_states) - (group.desired_capacity or 0))
    instances.terminate(group, launched[:surplus])
    todo = [state.instance.id for state in launched[surplus:]]
    refresh.run = Run(todo=todo, source=None, total=len(todo))
    refresh.status = "RollbackInProgress"
    refresh.status_reason = reason
    refresh.after(0, now, _next_batch)


def _cancelled(refresh: Refresh, group: Any, now: float) -> None:
    _finish_batch(refresh, group)
    refresh.status = "Cancelled"
    refresh.status_reason = "The instance refresh was cancelled by a user request."
    refresh.end_time = datetime.now(timezone.utc)


# Requests.


def _desired_template(desired: dict[str, Any]) -> dict[str, Any] | None:
    spec = desired.get("LaunchTemplate")
    if spec is None and desired.get("MixedInstancesPolicy"):
        spec = desired["MixedInstancesPolicy"].get("LaunchTemplate", {}).get("LaunchTemplateSpecification")
    return spec


def _template_of(group: Any, spec: dict[str, Any]) -> Any:
    if spec.get("LaunchTemplateId"):
        return group.ec2_backend.get_launch_template(spec["LaunchTemplateId"])
    return group.ec2_backend.get_launch_template_by_name(spec.get("LaunchTemplateName"))


def _resolve_target(group: Any, desired: dict[str, Any] | None) -> tuple[str, int] | None:
    """The template id and version number the refresh launches, fixed now."""
    spec = _desired_template(desired or {})
    if spec:
        template, version = _template_of(group, spec), spec.get("Version") or "$Default"
    elif group.ec2_launch_template is not None:
        template, version = group.ec2_launch_template, group.launch_template_version or "$Default"
    else:
        return None
    return template.id, template.get_version(version).number


def _select(group: Any, prefs: Preferences, target: tuple[str, int] | None) -> tuple[list[str], list[str], int]:
    """Instances to replace, to wait for, and how many already match (SkipMatching)."""
    todo, waiting, matching = [], [], 0
    for state in group.instance_states:
        if prefs.skip_matching and target is not None and instances.launched_from(state) == target:
            matching += 1
            continue
        rule = (
            prefs.standby if state.lifecycle_state == "Standby"
            else prefs.protected if state.protected_from_scale_in
            else "Refresh"
        )
        if rule == "Wait":
            waiting.append(state.instance.id)
        elif rule != "Ignore":
            todo.append(state.instance.id)
    return todo, waiting, matching


def _group_or_error(response: Any, name: str) -> Any:
    group = response.autoscaling_backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")
    return group


def start_instance_refresh(self: Any) -> Any:
    """StartInstanceRefresh."""
    name = self._get_param("AutoScalingGroupName")
    group = _group_or_error(self, name)
    key = (self.current_account, self.region, name)
    desired = self._get_param("DesiredConfiguration") or None
    strategy = self._get_param("Strategy")
    with _LOCK:
        if _active(key) is not None:
            raise InstanceRefreshInProgress(
                f"An Instance Refresh is already in progress and blocks the execution of this Instance Refresh "
                f"for Auto Scaling group {name}."
            )
        prefs = validated(group, strategy, self._get_param("Preferences"), desired, self.current_account, self.region)
        target = _resolve_target(group, desired)
        todo, waiting, matching = _select(group, prefs, target)
        now = time.monotonic()
        refresh = Refresh(
            id=str(uuid.uuid4()),
            account=self.current_account,
            region=self.region,
            group_name=name,
            strategy=strategy or "Rolling",
            prefs=prefs,
            desired=desired,
            previous_version=group.launch_template_version,
            scale=float(CONFIG.refresh_seconds) / 60.0,
            fail=name in CONFIG.fail_instance_refresh,
            run=Run(todo=todo, source=target, total=len(todo) + len(waiting) + matching, done=matching),
            waiting=waiting,
            due=now,
            next_step=_begin,
        )
        refresh.after(_PENDING_S, now, _begin)
        _REFRESHES.setdefault(key, []).insert(0, refresh)
    return ActionResult({"InstanceRefreshId": refresh.id})


def describe_instance_refreshes(self: Any) -> Any:
    """DescribeInstanceRefreshes, newest first, paginated by MaxRecords/NextToken."""
    name = self._get_param("AutoScalingGroupName")
    wanted = self._get_param("InstanceRefreshIds") or []
    limit = int(self._get_param("MaxRecords") or 50)
    start = int(self._get_param("NextToken") or 0)
    with _LOCK:
        refreshes = [r for r in _REFRESHES.get((self.current_account, self.region, name), []) if not wanted or r.id in wanted]
        page = [r.describe() for r in refreshes[start : start + limit]]
    result: dict[str, Any] = {"InstanceRefreshes": page}
    if start + limit < len(refreshes):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def _cancellable(self: Any, name: str) -> Refresh:
    refresh = _active((self.current_account, self.region, name))
    if refresh is None or refresh.status not in _WATCHED:
        raise ActiveInstanceRefreshNotFound(f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")
    return refresh


def cancel_instance_refresh(self: Any) -> Any:
    """CancelInstanceRefresh: the active refresh goes Cancelling, then Cancelled."""
    name = self._get_param("AutoScalingGroupName")
    _group_or_error(self, name)
    with _LOCK:
        refresh = _cancellable(self, name)
        refresh.status = "Cancelling"
        refresh.after(_CANCEL_S, time.monotonic(), _cancelled)
    return ActionResult({"InstanceRefreshId": refresh.id})


def rollback_instance_refresh(self: Any) -> Any:
    """RollbackInstanceRefresh: the active refresh goes RollbackInProgress, then RollbackSuccessful."""
    name = self._get_param("AutoScalingGroupName")
    group = _group_or_error(self, name)
    with _LOCK:
        refresh = _cancellable(self, name)
        previous = refresh.previous_version or "$Default"
        if refresh.desired is None or previous.lower() in ("$latest", "$default") or uses_ssm_parameter(group):
            raise IrreversibleInstanceRefresh(
                "The instance refresh cannot be rolled back: it was started without a desired configuration, "
                "or the Auto Scaling group uses the $Latest or $Default launch template version or a launch "
                "template that uses a Systems Manager parameter instead of an AMI ID."
            )
        _start_rollback(refresh, group, time.monotonic(), "Rollback requested by user.")
    return ActionResult({"InstanceRefreshId": refresh.id})


def install() -> None:
    """Add the instance refresh actions to moto's Auto Scaling responses; idempotent."""
    instances.install()
    AutoScalingResponse.start_instance_refresh = start_instance_refresh
    AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
    AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh
    AutoScalingResponse.rollback_instance_refresh = rollback_instance_refresh
