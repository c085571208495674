"""DescribeAutoScalingGroups paging as the Amazon EC2 Auto Scaling API Reference documents it.

Facts relied on (DescribeAutoScalingGroups; the model gives MaxRecords no bounds, so
`localcloud.validation` does not check it): `MaxRecords` defaults to 50 and is at most 100; a
`NextToken` that no previous call returned is `InvalidNextToken` "The NextToken value is not
valid."; `Filters` take `tag-key`, `tag-value` and `tag:<key>` (moto
matches those already) and are combined with `AutoScalingGroupNames`. Every group reports its
`LaunchTemplate` or its `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification`, which
is how "every group that uses this template" is found (moto does this already).
Moto answered 500 for MaxRecords above 100 and for a token it had not issued.
"""

from __future__ import annotations

from typing import Any

from moto.autoscaling.exceptions import AutoscalingClientError, ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import ActionResult

DEFAULT_RECORDS = 50
MAX_RECORDS = 100


def describe_auto_scaling_groups(self: Any) -> ActionResult:
    names = self._get_param("AutoScalingGroupNames", [])
    token = self._get_param("NextToken")
    filters = self._get_param("Filters", [])
    max_records = self._get_int_param("MaxRecords", DEFAULT_RECORDS)
    if max_records < 1 or max_records > MAX_RECORDS:
        raise ValidationError(
            f"1 validation error detected: Value '{max_records}' at 'maxRecords' failed to satisfy constraint: "
            f"Member must have value {'less than or equal to 100' if max_records > MAX_RECORDS else 'greater than or equal to 1'}"
        )
    groups = self.autoscaling_backend.describe_auto_scaling_groups(names, filters=filters)
    start = 0
    if token is not None:
        # The token names the last group of the previous page, as moto issues it.
        position = next((i for i, group in enumerate(groups) if group.name == token), None)
        if position is None:
            raise AutoscalingClientError("InvalidNextToken", "The NextToken value is not valid.")
        start = position + 1
    page = groups[start : start + max_records]
    next_token = page[-1].name if start + max_records < len(groups) else None
    return ActionResult({"AutoScalingGroups": page, "NextToken": next_token})


def install() -> None:
    """Patch moto's DescribeAutoScalingGroups; idempotent."""
    AutoScalingResponse.describe_auto_scaling_groups = describe_auto_scaling_groups
