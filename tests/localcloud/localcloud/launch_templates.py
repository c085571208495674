"""DescribeLaunchTemplates as a consumer team's "opt in by tag" needs it: filters, paging, live tags.

Facts from the EC2 API Reference, DescribeLaunchTemplates, and botocore's model:
- Filters are `create-time`, `launch-template-name`, `tag:<key>` and `tag-key`; values match
  with `*`/`?` wildcards; another filter name is `InvalidParameterValue` "The filter '…' is
  invalid".
- `MaxResults` is 1-200 (`InvalidParameterValue` otherwise); without it every match comes back;
  with it, a page and a `NextToken` until the last page (a token from elsewhere:
  `InvalidPaginationToken`, EC2 API Reference "Error codes").
- An id that names no template is `InvalidLaunchTemplateId.NotFound`.
- Tags added later with CreateTags are the template's tags.
Moto answered at most 15 templates with no NextToken, ignored MaxResults' bounds and unknown
ids, answered 500 for an unknown filter, and reported the tags a template had at creation.
"""

from __future__ import annotations

import json
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.launch_templates import LaunchTemplate
from moto.ec2.responses.launch_templates import LaunchTemplates

from localcloud import paging

MAX_RESULTS = 200
_FILTERS = ("create-time", "launch-template-name", "tag-key")


def _live_tags(self: LaunchTemplate) -> list[dict[str, str]]:
    return self.get_tags()


def _ignore_snapshot(self: LaunchTemplate, _value: Any) -> None:
    """moto's constructor stores a copy of the tags; the property reads the tag store instead."""


def _check_filters(filters: dict[str, Any]) -> None:
    for name in filters:
        if name not in _FILTERS and not (name.startswith("tag:") and len(name) > 4):
            raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")


def _page_bounds(token: str | None, max_results: int | None, total: int, scope: str) -> tuple[int, int]:
    if max_results is not None and not 1 <= max_results <= MAX_RESULTS:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"Value ( {max_results} ) for parameter maxResults is invalid. Parameter must be between 1 and {MAX_RESULTS}.",
        )
    start = 0 if token is None else paging.offset(token, scope)
    if start is None:
        raise EC2ClientError("InvalidPaginationToken", f"Invalid pagination token: {token}")
    return start, total if max_results is None else min(total, start + max_results)


def describe_launch_templates(self: Any) -> ActionResult:
    max_results = self._get_int_param("MaxResults")
    names = self._get_param("LaunchTemplateNames", [])
    ids = self._get_param("LaunchTemplateIds", [])
    filters = self._filters_from_querystring()
    token = self._get_param("NextToken")
    self.error_on_dryrun()
    _check_filters(filters)
    for template_id in ids:
        if template_id not in self.ec2_backend.launch_templates:
            raise EC2ClientError(
                "InvalidLaunchTemplateId.NotFound",
                f"The specified launch template, with template ID {template_id}, does not exist.",
            )
    templates = self.ec2_backend.describe_launch_templates(template_names=names, template_ids=ids, filters=filters)
    # The token is only good for the same question.
    scope = json.dumps([sorted(names), sorted(ids), sorted((k, sorted(v)) for k, v in filters.items())])
    start, end = _page_bounds(token, max_results, len(templates), scope)
    result: dict[str, Any] = {
        "LaunchTemplates": [
            {
                "CreateTime": template.create_time,
                "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
                "DefaultVersionNumber": template.default_version_number,
                "LatestVersionNumber": template.latest_version_number,
                "LaunchTemplateId": template.id,
                "LaunchTemplateName": template.name,
                "Tags": template.tags,
            }
            for template in templates[start:end]
        ]
    }
    if end < len(templates):
        result["NextToken"] = paging.token(scope, end)
    return ActionResult(result)


def install() -> None:
    """Patch moto's launch templates; idempotent."""
    if not isinstance(LaunchTemplate.__dict__.get("tags"), property):
        LaunchTemplate.tags = property(_live_tags, _ignore_snapshot)
    LaunchTemplates.describe_launch_templates = describe_launch_templates
