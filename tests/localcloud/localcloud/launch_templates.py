"""Launch templates and their versions as EC2 keeps them: deletable, never renumbered, found by
filter, listed page by page.

AWS facts relied on:
- DeleteLaunchTemplateVersions (EC2 API Reference; User Guide, "Delete a launch template
  version"): up to 200 version numbers per call; the default version can't be deleted; each
  version is reported in `SuccessfullyDeletedLaunchTemplateVersions` or in
  `UnsuccessfullyDeletedLaunchTemplateVersions` with a `ResponseError` whose code is one of the
  model's LaunchTemplateErrorCode values. A deleted version's number is never given again.
- DescribeLaunchTemplateVersions (EC2 API Reference): `Versions` takes numbers, `$Latest` and
  `$Default` for one template, or only `$Latest`/`$Default` for every template of the account;
  `MinVersion`/`MaxVersion` bound the numbers; `MaxResults` is 1–200 with `NextToken`; the
  filters are create-time, ebs-optimized, http-endpoint, http-protocol-ipv4,
  host-resource-group-arn, http-tokens, iam-instance-profile, image-id, instance-type,
  is-default-version, kernel-id, license-configuration-arn, network-card-index and ram-disk-id
  (EC2 filter values take `*` and `?` wildcards). An unknown filter is `InvalidParameterValue`.
- DescribeLaunchTemplates (EC2 API Reference): filters `create-time`, `launch-template-name`,
  `tag:<key>` and `tag-key` (another name is `InvalidParameterValue` "The filter '…' is
  invalid"); `MaxResults` 1–200 with `NextToken`, every match without it; an id that names no
  template is `InvalidLaunchTemplateId.NotFound`; tags added later with CreateTags are the
  template's tags (what a consumer team's "opt in by tag" relies on).
- A NextToken from another question is `InvalidPaginationToken` (EC2 API Reference, "Error codes").

Moto numbers versions by their position in a list, ignores version Filters, cuts both answers at
15 without a NextToken, has no DeleteLaunchTemplateVersions, answered 500 for an unknown
template filter, ignored unknown ids and reported the tags a template had at creation; this
module keeps moto's list (ascending, only versions that exist) but finds versions by number.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidLaunchTemplateVersionNotFound,
    MissingParameterError,
)
from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateVersion
from moto.ec2.responses.launch_templates import LaunchTemplates

from localcloud import ec2_fixes, paging

_MAX_DELETE = 200
_MAX_RESULTS = 200
_TEMPLATE_FILTERS = ("create-time", "launch-template-name", "tag-key")
_NAME = re.compile(r"[a-zA-Z0-9().\-/_]{3,128}")
# AWS's answer when DescribeLaunchTemplateVersions names no template and no (or other than alias)
# versions, as moto's AWS-verified tests (tests/test_ec2/test_launch_templates.py) record it.
_WHICH_VERSIONS = (
    "To describe the launch template data for all your launch templates, for ‘--versions’ specify ‘$Latest’, "
    "‘$Default’, or both, and omit ‘--launch-template-id’, ‘--launch-template-name’, and version numbers. To "
    "describe the launch template data for a specific launch template, specify ‘--launch-template-id’ or "
    "‘--launch-template-name’, and for ‘--versions’ specify one or more of the following values: ‘$Latest’, "
    "‘$Default’, or one or more version numbers."
)


# --- versions by number --------------------------------------------------------------------


def _by_number(template: Any, number: int) -> Any:
    return next((v for v in template.versions if v.number == number), None)


def _get_version(self: Any, num: Any) -> Any:
    text = str(num)
    if text.lower() == "$latest":
        return self.versions[-1]
    if text.lower() == "$default":
        return self.default_version()
    found = _by_number(self, int(text)) if text.isdigit() else None
    if found is None:
        raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=text)
    return found


def _default_version(self: Any) -> Any:
    return _by_number(self, self.default_version_number)


def _create_version(self: Any, data: dict[str, Any], description: str) -> Any:
    number = max(getattr(self, "localcloud_last_number", 0), self.versions[-1].number if self.versions else 0) + 1
    self.localcloud_last_number = number
    version = LaunchTemplateVersion(self, number, data, description)
    self.versions.append(version)
    return version


# --- DeleteLaunchTemplateVersions ----------------------------------------------------------


Problem = tuple[str, str]  # a ResponseError's code and message


def _named_template(backend: Any, template_id: str | None, name: str | None) -> tuple[Any, Problem | None]:
    """The template the request names, or None and the problem every version is reported with."""
    if template_id is not None:
        if not template_id.startswith("lt-"):
            return None, ("launchTemplateIdMalformed", f"The launch template ID '{template_id}' is malformed.")
        template = backend.launch_templates.get(template_id)
        missing = f"The specified launch template, with template ID {template_id}, does not exist."
        return template, None if template else ("launchTemplateIdDoesNotExist", missing)
    if not _NAME.fullmatch(name or ""):
        return None, ("launchTemplateNameMalformed", f"The launch template name '{name}' is malformed.")
    template = backend.launch_templates.get(backend.launch_template_name_to_ids.get(name, ""))
    missing = f"The specified launch template, with template name {name}, does not exist."
    return template, None if template else ("launchTemplateNameDoesNotExist", missing)


def _undeletable(template: Any, number: int) -> Problem | None:
    """Why version `number` of `template` can't be deleted, if it can't."""
    version = _by_number(template, number)
    if version is None:
        return "launchTemplateVersionDoesNotExist", "The specified launch template version does not exist."
    if template.is_default(version):
        # The model's LaunchTemplateErrorCode has no code of its own for the default version.
        return "unexpectedError", (
            "Cannot delete the default version of a launch template. "
            "Make another version the default, or delete the launch template."
        )
    return None


def _delete_launch_template_versions_response(self: Any) -> Any:
    template_id = self._get_param("LaunchTemplateId")
    name = self._get_param("LaunchTemplateName")
    requested = [str(v) for v in self._get_param("Versions", [])]
    # Both a template id and a name, or no versions, are refused against the model first
    # (localcloud.validation); neither an id nor a name is not a model rule.
    if not template_id and not name:
        raise MissingParameterError("launch template ID or launch template name")
    if len(requested) > _MAX_DELETE:
        message = f"You can delete up to {_MAX_DELETE} launch template versions at a time."
        raise EC2ClientError("InvalidParameterValue", message)
    bad = [v for v in requested if not v.isdigit()]
    if bad:
        raise EC2ClientError("InvalidParameterValue", f"Invalid launch template version number: {bad[0]}")
    self.error_on_dryrun()

    template, template_problem = _named_template(self.ec2_backend, template_id, name)
    identity = (
        {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name}
        if template is not None
        else {k: v for k, v in (("LaunchTemplateId", template_id), ("LaunchTemplateName", name)) if v}
    )
    deleted: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    for number in dict.fromkeys(int(v) for v in requested):
        problem = template_problem or _undeletable(template, number)
        if problem is None:
            template.versions.remove(_by_number(template, number))
            deleted.append({**identity, "VersionNumber": number})
        else:
            code, message = problem
            refused.append({**identity, "VersionNumber": number, "ResponseError": {"Code": code, "Message": message}})
    return ActionResult(
        {"SuccessfullyDeletedLaunchTemplateVersions": deleted, "UnsuccessfullyDeletedLaunchTemplateVersions": refused}
    )


# --- DescribeLaunchTemplateVersions --------------------------------------------------------


def _nested(data: dict[str, Any], *path: str) -> list[Any]:
    value: Any = data
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return [] if value is None else [value]


def _each(data: dict[str, Any], listing: str, key: str) -> list[Any]:
    return [item[key] for item in data.get(listing) or [] if isinstance(item, dict) and key in item]


def _profile(data: dict[str, Any]) -> list[Any]:
    return _nested(data, "IamInstanceProfile", "Arn") + _nested(data, "IamInstanceProfile", "Name")


_FILTERS: dict[str, Callable[[Any, Any], list[Any]]] = {
    "create-time": lambda template, version: [version.create_time.strftime("%Y-%m-%dT%H:%M:%S.000Z")],
    "ebs-optimized": lambda template, version: _nested(version.data, "EbsOptimized"),
    "http-endpoint": lambda template, version: _nested(version.data, "MetadataOptions", "HttpEndpoint"),
    "http-protocol-ipv4": lambda template, version: _nested(version.data, "MetadataOptions", "HttpProtocolIpv4"),
    "host-resource-group-arn": lambda template, version: _nested(version.data, "Placement", "HostResourceGroupArn"),
    "http-tokens": lambda template, version: _nested(version.data, "MetadataOptions", "HttpTokens"),
    "iam-instance-profile": lambda template, version: _profile(version.data),
    "image-id": lambda template, version: _nested(version.data, "ImageId"),
    "instance-type": lambda template, version: _nested(version.data, "InstanceType"),
    "is-default-version": lambda template, version: [template.is_default(version)],
    "kernel-id": lambda template, version: _nested(version.data, "KernelId"),
    "license-configuration-arn": lambda template, version: _each(
        version.data, "LicenseSpecifications", "LicenseConfigurationArn"
    ),
    "network-card-index": lambda template, version: _each(version.data, "NetworkInterfaces", "NetworkCardIndex"),
    "ram-disk-id": lambda template, version: _nested(version.data, "RamDiskId"),
}


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _matches(template: Any, version: Any, filters: dict[str, list[str]]) -> bool:
    for name, patterns in filters.items():
        values = [_text(v) for v in _FILTERS[name](template, version)]
        if not any(fnmatch.fnmatchcase(value, pattern) for value in values for pattern in patterns):
            return False
    return True


def _selected(backend: Any, template_id: str | None, name: str | None, versions: list[str]) -> list[tuple[Any, Any]]:
    """(template, version) pairs the request names, before MinVersion/MaxVersion and filters."""
    if template_id or name:
        if template_id:
            template = backend.get_launch_template(template_id)
        else:
            template = backend.get_launch_template_by_name(name)
        if not versions:
            return [(template, v) for v in template.versions]
        chosen = [template.get_version(v) for v in versions]
        return [(template, v) for v in dict.fromkeys(chosen)]
    aliases = {"$Latest", "$Default"}
    if not versions:
        raise EC2ClientError("MissingParameter", _WHICH_VERSIONS)
    if not set(versions) <= aliases:
        raise EC2ClientError("InvalidParameterValue", _WHICH_VERSIONS)
    pairs = []
    for template in backend.launch_templates.values():
        chosen = [template.get_version(v) for v in ("$Latest", "$Default") if v in versions]
        pairs += [(template, v) for v in dict.fromkeys(chosen)]
    return pairs


def _page(response: Any, items: list[Any], scope: str) -> tuple[list[Any], str | None]:
    """The page of `items` the request's MaxResults and NextToken ask for, and the next token."""
    max_results = response._get_int_param("MaxResults")
    token = response._get_param("NextToken")
    if max_results is not None and not 1 <= max_results <= _MAX_RESULTS:
        raise EC2ClientError(
            "InvalidParameterValue",
            f"Value ( {max_results} ) for parameter maxResults is invalid. Expecting a value between 1 and 200.",
        )
    start = 0 if token is None else paging.offset(token, scope)
    if start is None:
        raise EC2ClientError("InvalidPaginationToken", f"Invalid pagination token: {token}")
    end = len(items) if max_results is None else start + max_results
    return items[start:end], (paging.token(scope, end) if end < len(items) else None)


def _scope(operation: str, *parts: Any) -> str:
    """What a token answers: the operation and its question (a token is good for that only)."""
    return json.dumps([operation, *parts], sort_keys=True, default=str)


def _live_tags(self: LaunchTemplate) -> list[dict[str, str]]:
    return self.get_tags()


def _ignore_snapshot(self: LaunchTemplate, _value: Any) -> None:
    """moto's constructor stores a copy of the tags; the property reads the tag store instead."""


def _describe_launch_templates_response(self: Any) -> Any:
    names = self._get_param("LaunchTemplateNames", [])
    ids = self._get_param("LaunchTemplateIds", [])
    filters = self._filters_from_querystring() or {}
    self.error_on_dryrun()
    for name in filters:
        if name not in _TEMPLATE_FILTERS and not (name.startswith("tag:") and len(name) > 4):
            raise EC2ClientError("InvalidParameterValue", f"The filter '{name}' is invalid")
    for template_id in ids:
        if template_id not in self.ec2_backend.launch_templates:
            raise EC2ClientError(
                "InvalidLaunchTemplateId.NotFound",
                f"The specified launch template, with template ID {template_id}, does not exist.",
            )
    templates = self.ec2_backend.describe_launch_templates(template_names=names, template_ids=ids, filters=filters)
    page, token = _page(self, templates, _scope("DescribeLaunchTemplates", sorted(names), sorted(ids), filters))
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
            for template in page
        ]
    }
    if token is not None:
        result["NextToken"] = token
    return ActionResult(result)


def _describe_launch_template_versions_response(self: Any) -> Any:
    template_id = self._get_param("LaunchTemplateId")
    name = self._get_param("LaunchTemplateName")
    versions = [str(v) for v in self._get_param("Versions", [])]
    lowest = self._get_int_param("MinVersion")
    highest = self._get_int_param("MaxVersion")
    filters = self._filters_from_querystring() or {}
    unknown = [f for f in filters if f not in _FILTERS]
    if unknown:
        raise EC2ClientError("InvalidParameterValue", f"The filter '{unknown[0]}' is invalid.")
    self.error_on_dryrun()

    pairs = [
        (template, version)
        for template, version in _selected(self.ec2_backend, template_id, name, versions)
        if (lowest is None or version.number >= lowest)
        and (highest is None or version.number <= highest)
        and _matches(template, version, filters)
    ]
    scope = _scope("DescribeLaunchTemplateVersions", template_id, name, versions, lowest, highest, filters)
    page, token = _page(self, pairs, scope)
    result: dict[str, Any] = {
        "LaunchTemplateVersions": [ec2_fixes.version_view(self, template, version) for template, version in page]
    }
    if token is not None:
        result["NextToken"] = token
    return ActionResult(result)


def install() -> None:
    """Patch moto's launch templates and their EC2 responses; idempotent."""
    if not isinstance(LaunchTemplate.__dict__.get("tags"), property):
        LaunchTemplate.tags = property(_live_tags, _ignore_snapshot)
    LaunchTemplate.get_version = _get_version
    LaunchTemplate.default_version = _default_version
    LaunchTemplate.create_version = _create_version
    LaunchTemplates.delete_launch_template_versions = _delete_launch_template_versions_response
    LaunchTemplates.describe_launch_templates = _describe_launch_templates_response
    LaunchTemplates.describe_launch_template_versions = _describe_launch_template_versions_response
