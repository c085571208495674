"""Auto Scaling scaling activities: DescribeScalingActivities, which moto answers with nothing.

AWS facts relied on (Amazon EC2 Auto Scaling API Reference, DescribeScalingActivities and
Activity; User Guide, "Verify a scaling activity for an Auto Scaling group" and "Retrieve an
error message from scaling activities"):
- Each launch by a group is an activity: `Description` "Launching a new EC2 instance: i-…",
  `Cause` ("At 2021-01-11T00:35:53Z an instance was started in response to a difference between
  desired and actual capacity, increasing the capacity from 0 to 1."), `StatusCode`
  (`Successful`, `Failed`, `Cancelled`, …), `StatusMessage` for a failure, which the
  Description repeats after "Status Reason:", `Progress`, `Details` (subnet and Availability
  Zone as JSON), `AutoScalingGroupARN`.
- Activities are listed newest first, for one group (`AutoScalingGroupName`) or every group of
  the account and Region, optionally only `ActivityIds`; `MaxRecords` 1-100 (default 100) with
  `NextToken` (`InvalidNextToken` for one it did not issue); activities of deleted groups only
  with `IncludeDeletedGroups` (then with `AutoScalingGroupState` `Deleted`).

localcloud records the launches groups make (scaling to the desired capacity and instance
refreshes), not terminations.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

_PAGE = 100


@dataclass
class Activity:
    """One scaling activity of a group."""

    group: Any
    description: str
    cause: str
    status: str
    message: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    start: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def view(self, deleted: bool) -> dict[str, Any]:
        """The Activity structure."""
        zone = self.group.availability_zones[0] if self.group.availability_zones else None
        subnet = self.group.vpc_zone_identifier.split(",")[0] if self.group.vpc_zone_identifier else None
        answer: dict[str, Any] = {
            "ActivityId": self.id,
            "AutoScalingGroupName": self.group.name,
            "AutoScalingGroupARN": self.group.arn,
            "Description": self.description,
            "Cause": self.cause,
            "StartTime": self.start,
            "EndTime": self.start,
            "StatusCode": self.status,
            "Progress": 100,
            "Details": json.dumps({"Subnet ID": subnet, "Availability Zone": zone}),
        }
        if self.message is not None:
            answer["StatusMessage"] = self.message
        if deleted:
            answer["AutoScalingGroupState"] = "Deleted"
        return answer


_LOCK = threading.Lock()
# (account, region) -> activities, oldest first
_ACTIVITIES: dict[tuple[str, str], list[Activity]] = {}


def _moment(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def capacity_cause(before: int, after: int) -> str:
    """The Cause of a launch that brings a group towards its desired capacity."""
    return (
        f"At {_moment(datetime.now(timezone.utc))} an instance was started in response to a difference between "
        f"desired and actual capacity, increasing the capacity from {before} to {after}."
    )


def refresh_cause() -> str:
    """The Cause of a launch that replaces instances in an instance refresh."""
    return f"At {_moment(datetime.now(timezone.utc))} an instance was launched in response to an instance refresh."


def launched(group: Any, instance_id: str, cause: str, failure: str | None = None) -> None:
    """Record a group's launch of `instance_id`; `failure` is why Auto Scaling cancelled it."""
    description = f"Launching a new EC2 instance: {instance_id}"
    if failure is not None:
        description += f".  Status Reason: {failure}"
    activity = Activity(group, description, cause, "Cancelled" if failure else "Successful", failure)
    key = (group.account_id, group.region)
    with _LOCK:
        _ACTIVITIES.setdefault(key, []).append(activity)


def describe_scaling_activities(self: Any) -> Any:
    """DescribeScalingActivities."""
    name = self._get_param("AutoScalingGroupName")
    wanted = set(self._get_param("ActivityIds", []) or [])
    include_deleted = self._get_bool_param("IncludeDeletedGroups", False)
    limit = self._get_int_param("MaxRecords")
    limit = _PAGE if limit is None else limit
    if not 1 <= limit <= _PAGE:
        # The model sets no bounds (so localcloud.validation does not check them); the reference does.
        bound = f"less than or equal to {_PAGE}" if limit > _PAGE else "greater than or equal to 1"
        raise AutoscalingClientError(
            "ValidationError",
            f"1 validation error detected: Value '{limit}' at 'maxRecords' failed to satisfy constraint: "
            f"Member must have value {bound}",
        )
    groups = self.autoscaling_backend.autoscaling_groups
    with _LOCK:
        activities = list(_ACTIVITIES.get((self.current_account, self.region), []))
    selected = [
        a
        for a in reversed(activities)
        if (name is None or a.group.name == name)
        and (not wanted or a.id in wanted)
        and (include_deleted or groups.get(a.group.name) is a.group)
    ]
    token = self._get_param("NextToken")
    start = 0
    if token is not None:
        if not str(token).isdigit() or int(token) > len(selected):
            raise AutoscalingClientError("InvalidNextToken", "The token is invalid.")
        start = int(token)
    page = selected[start : start + limit]
    result: dict[str, Any] = {"Activities": [a.view(groups.get(a.group.name) is not a.group) for a in page]}
    if start + limit < len(selected):
        result["NextToken"] = str(start + limit)
    return ActionResult(result)


def install() -> None:
    """Answer DescribeScalingActivities; idempotent."""
    AutoScalingResponse.describe_scaling_activities = describe_scaling_activities
