"""Auto Scaling instance refresh (Start/Describe/Cancel/RollbackInstanceRefresh), which moto lacks.

A refresh runs on a clock instead of a thread: every request first calls `advance()`, which
moves each active refresh along by the time elapsed since it started (`CONFIG.refresh_seconds`
for the whole run, captured at start). Facts from the Amazon EC2 Auto Scaling API Reference:
- statuses Pending -> InProgress -> Successful | Failed; Cancelling -> Cancelled;
  RollbackInProgress -> RollbackSuccessful;
- only one active refresh per group (`InstanceRefreshInProgress`); cancel and rollback need an
  active one (`ActiveInstanceRefreshNotFound`); rollback needs a DesiredConfiguration and a
  group whose launch template version is not `$Latest`/`$Default` (`IrreversibleInstanceRefresh`);
- the launch template version a refresh launches is fixed when it starts; with a
  DesiredConfiguration the group takes that configuration when the refresh succeeds;
- DescribeInstanceRefreshes lists the newest first.
At the end of a successful refresh every instance of the group is terminated and replaced by a
new instance launched from the refresh's template version (new instance ids). Instances are
replaced all at once at the end, not in batches: a cancel or rollback leaves the old ones.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.models import InstanceState, autoscaling_backends
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

from localcloud.control import CONFIG

_ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress")
# Fractions of the refresh duration spent Pending, Cancelling and rolling back.
_PENDING_SHARE = 0.1
_CANCEL_SHARE = 0.2
_ROLLBACK_SHARE = 0.5
_DEFAULT_PREFERENCES = {
    "MinHealthyPercentage": 90,
    "SkipMatching": False,
    "AutoRollback": False,
    "ScaleInProtectedInstances": "Ignore",
    "StandbyInstances": "Ignore",
}


@dataclass
class Refresh:
    """One instance refresh and the clock it runs on."""

    id: str
    account: str
    region: str
    group_name: str
    strategy: str
    preferences: dict[str, Any]
    desired: dict[str, Any] | None
    template_id: str | None
    template_version: int | None
    previous_version: str | None
    instances_total: int
    duration: float
    fail: bool
    started: float = field(default_factory=time.monotonic)
    start_time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    status: str = "Pending"
    status_reason: str | None = None
    percentage: int = 0
    end_time: datetime | None = None
    phase_started: float = 0.0
    rollback: dict[str, Any] | None = None

    def describe(self) -> dict[str, Any]:
        """The InstanceRefresh structure of DescribeInstanceRefreshes."""
        to_update = self.instances_total - (self.instances_total * self.percentage) // 100
        if self.status in ("Successful", "RollbackSuccessful"):
            to_update = 0
        result: dict[str, Any] = {
            "InstanceRefreshId": self.id,
            "AutoScalingGroupName": self.group_name,
            "Status": self.status,
            "StartTime": self.start_time,
            "PercentageComplete": self.percentage,
            "InstancesToUpdate": to_update,
            "ProgressDetails": {"LivePoolProgress": {"PercentageComplete": self.percentage, "InstancesToUpdate": to_update}},
            "Preferences": self.preferences,
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


def _group(account: str, region: str, name: str) -> Any:
    return autoscaling_backends[account][region].autoscaling_groups.get(name)


def _active(key: tuple[str, str, str]) -> Refresh | None:
    return next((r for r in _REFRESHES.get(key, []) if r.status in _ACTIVE), None)


def advance() -> None:
    """Move every active refresh along its clock; applies the replacement of a finished one."""
    now = time.monotonic()
    with _LOCK:
        for refreshes in _REFRESHES.values():
            for refresh in refreshes:
                if refresh.status in _ACTIVE:
                    _advance(refresh, now)


def _advance(refresh: Refresh, now: float) -> None:
    elapsed = now - refresh.started
    pending = refresh.duration * _PENDING_SHARE
    if refresh.status == "Pending" and elapsed >= pending:
        refresh.status = "InProgress"
    if refresh.status == "InProgress":
        if elapsed >= refresh.duration:
            _finish(refresh)
        else:
            running = max(refresh.duration - pending, 1e-9)
            refresh.percentage = min(99, max(0, int(100 * (elapsed - pending) / running)))
    elif refresh.status == "Cancelling":
        if now - refresh.phase_started >= refresh.duration * _CANCEL_SHARE:
            refresh.status = "Cancelled"
            refresh.status_reason = "The instance refresh was cancelled by a user request."
            refresh.end_time = datetime.now(timezone.utc)
    elif refresh.status == "RollbackInProgress":
        rollback_for = max(refresh.duration * _ROLLBACK_SHARE, 1e-9)
        done = (now - refresh.phase_started) / rollback_for
        if done >= 1:
            refresh.status = "RollbackSuccessful"
            refresh.status_reason = "The instance refresh was rolled back successfully."
            refresh.percentage = 100
            refresh.end_time = datetime.now(timezone.utc)
        else:
            refresh.percentage = int(100 * done)


def _finish(refresh: Refresh) -> None:
    group = _group(refresh.account, refresh.region, refresh.group_name)
    refresh.end_time = datetime.now(timezone.utc)
    if group is None:
        refresh.status = "Failed"
        refresh.status_reason = f"The Auto Scaling group {refresh.group_name} was deleted during the instance refresh."
        return
    if refresh.fail:
        victim = group.instance_states[0].instance.id if group.instance_states else "(none)"
        refresh.status = "Failed"
        refresh.status_reason = (
            f"Instance refresh failed: the replacement for instance {victim} failed its health checks "
            "during the instance warmup period and was terminated."
        )
        return
    if refresh.desired is not None and refresh.template_id is not None:
        spec = refresh.desired.get("LaunchTemplate") or {}
        group.ec2_launch_template = group.ec2_backend.get_launch_template(refresh.template_id)
        group.launch_template_version = spec.get("Version") or "$Default"
        group.provided_launch_template_version = spec.get("Version")
    _replace_instances(group, refresh)
    refresh.status = "Successful"
    refresh.percentage = 100


def _replace_instances(group: Any, refresh: Refresh) -> None:
    old = list(group.instance_states)
    if not old:
        return
    group.ec2_backend.terminate_instances([state.instance.id for state in old])
    group.instance_states = [state for state in group.instance_states if state not in old]
    # The group's own properties (image, type, user data) resolve its template version, so it
    # points at the refresh's fixed version while the new instances are launched.
    saved = (group.ec2_launch_template, group.launch_template_version)
    if refresh.template_id is not None:
        group.ec2_launch_template = group.ec2_backend.get_launch_template(refresh.template_id)
        group.launch_template_version = str(refresh.template_version)
    try:
        before = set(group.instance_states)
        group.replace_autoscaling_group_instances(len(old), group.get_propagated_tags())
    finally:
        group.ec2_launch_template, group.launch_template_version = saved
    for state in group.instance_states:
        if state not in before and refresh.template_version is not None:
            state.localcloud_launch_version = str(refresh.template_version)


def _resolve_template(group: Any, desired: dict[str, Any] | None) -> tuple[str | None, int | None]:
    """The template id and concrete version number the refresh will launch."""
    spec = (desired or {}).get("LaunchTemplate")
    if spec is None and desired is not None and desired.get("MixedInstancesPolicy"):
        spec = desired["MixedInstancesPolicy"].get("LaunchTemplate", {}).get("LaunchTemplateSpecification")
    if spec:
        if spec.get("LaunchTemplateId"):
            template = group.ec2_backend.get_launch_template(spec["LaunchTemplateId"])
        else:
            template = group.ec2_backend.get_launch_template_by_name(spec.get("LaunchTemplateName"))
        version = spec.get("Version") or "$Default"
    elif group.ec2_launch_template is not None:
        template = group.ec2_launch_template
        version = group.launch_template_version or "$Default"
    else:
        return None, None
    return template.id, template.get_version(version).number


def _group_or_error(response: Any, name: str) -> Any:
    backend = response.autoscaling_backend
    group = backend.autoscaling_groups.get(name)
    if group is None:
        raise ValidationError(f"AutoScalingGroup name not found - AutoScalingGroup '{name}' not found")
    return group


def start_instance_refresh(self: Any) -> Any:
    """StartInstanceRefresh."""
    name = self._get_param("AutoScalingGroupName")
    group = _group_or_error(self, name)
    key = (self.current_account, self.region, name)
    desired = self._get_param("DesiredConfiguration")
    with _LOCK:
        if _active(key) is not None:
            raise InstanceRefreshInProgress(
                f"An Instance Refresh is already in progress and blocks the execution of this Instance Refresh "
                f"for Auto Scaling group {name}."
            )
        template_id, version = _resolve_template(group, desired)
        refresh = Refresh(
            id=str(uuid.uuid4()),
            account=self.current_account,
            region=self.region,
            group_name=name,
            strategy=self._get_param("Strategy") or "Rolling",
            preferences={**_DEFAULT_PREFERENCES, **(self._get_param("Preferences") or {})},
            desired=desired or None,
            template_id=template_id,
            template_version=version,
            previous_version=group.launch_template_version,
            instances_total=len(group.instance_states),
            duration=float(CONFIG.refresh_seconds),
            fail=name in CONFIG.fail_instance_refresh,
        )
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


def cancel_instance_refresh(self: Any) -> Any:
    """CancelInstanceRefresh: the active refresh goes Cancelling, then Cancelled."""
    name = self._get_param("AutoScalingGroupName")
    _group_or_error(self, name)
    with _LOCK:
        refresh = _active((self.current_account, self.region, name))
        if refresh is None or refresh.status not in ("Pending", "InProgress"):
            raise ActiveInstanceRefreshNotFound(f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")
        refresh.status = "Cancelling"
        refresh.phase_started = time.monotonic()
    return ActionResult({"InstanceRefreshId": refresh.id})


def rollback_instance_refresh(self: Any) -> Any:
    """RollbackInstanceRefresh: the active refresh goes RollbackInProgress, then RollbackSuccessful."""
    name = self._get_param("AutoScalingGroupName")
    _group_or_error(self, name)
    with _LOCK:
        refresh = _active((self.current_account, self.region, name))
        if refresh is None or refresh.status not in ("Pending", "InProgress"):
            raise ActiveInstanceRefreshNotFound(f"No in progress or pending Instance Refresh found for Auto Scaling group {name}")
        previous = refresh.previous_version or "$Default"
        if refresh.desired is None or previous.lower() in ("$latest", "$default"):
            raise IrreversibleInstanceRefresh(
                "The instance refresh cannot be rolled back: it was started without a desired configuration "
                "or the Auto Scaling group uses the $Latest or $Default launch template version."
            )
        to_update = refresh.instances_total - (refresh.instances_total * refresh.percentage) // 100
        refresh.rollback = {
            "RollbackReason": "Rollback requested by user.",
            "RollbackStartTime": datetime.now(timezone.utc),
            "PercentageCompleteOnRollback": refresh.percentage,
            "InstancesToUpdateOnRollback": to_update,
            "ProgressDetailsOnRollback": {
                "LivePoolProgress": {"PercentageComplete": refresh.percentage, "InstancesToUpdate": to_update}
            },
        }
        refresh.status = "RollbackInProgress"
        refresh.percentage = 0
        refresh.phase_started = time.monotonic()
    return ActionResult({"InstanceRefreshId": refresh.id})


def _instance_launch_template(self: Any) -> dict[str, Any] | None:
    """An instance's LaunchTemplate: the version it was launched from, when a refresh launched it."""
    group = self.auto_scaling_group
    if group is None or group.ec2_launch_template is None:
        return None
    version = getattr(self, "localcloud_launch_version", None) or str(group.ec2_launch_template.default_version_number)
    return {
        "LaunchTemplateId": group.ec2_launch_template.id,
        "LaunchTemplateName": group.ec2_launch_template.name,
        "Version": version,
    }


def install() -> None:
    """Add the instance refresh actions to moto's Auto Scaling responses; idempotent."""
    AutoScalingResponse.start_instance_refresh = start_instance_refresh
    AutoScalingResponse.describe_instance_refreshes = describe_instance_refreshes
    AutoScalingResponse.cancel_instance_refresh = cancel_instance_refresh
    AutoScalingResponse.rollback_instance_refresh = rollback_instance_refresh
    InstanceState.launch_template = property(_instance_launch_template)
