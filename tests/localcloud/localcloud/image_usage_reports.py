"""AMI usage reports: an AMI's owner learns which accounts use it, without a role in them (moto
has none of it and answered 500).

AWS facts relied on (EC2 API Reference, CreateImageUsageReport, DescribeImageUsageReports,
DescribeImageUsageReportEntries, DeleteImageUsageReport, ImageUsageReport and
ImageUsageReportEntry; EC2 User Guide, "View your AMI usage"):
- a report covers one AMI of the caller, in the caller's Region, across other accounts: the
  `AccountIds` given (at most 200) or, without them, all accounts; `ResourceTypes` are
  `ec2:Instance`, `ec2:LaunchTemplate`, `imagebuilder:ImageRecipe`,
  `imagebuilder:ContainerRecipe`; only launch templates take an option, `version-depth` (the
  newest 1 to 10000 versions, default 20); tags come with `TagSpecifications` of resource type
  `image-usage-report` ("any other value will cause the report creation to fail") or later
  with CreateTags;
- a report is `pending` while it is made, then `available` (or `error`); the
  `ImageUsageReportAvailable` waiter polls DescribeImageUsageReports for that; EC2 deletes a
  report 30 days after its creation (`ExpirationTime`);
- entries, per account and resource type, count the resources referencing the AMI; a launch
  template counts once however many of its versions reference it; only accounts that use the
  AMI have entries;
- the report "might not contain the most recent activity. Instance activity from the past 24
  hours and launch template activity from the past few days might not appear";
- DescribeImageUsageReports filters: `creation-time` (`*` wildcards), `state`, `tag:<key>`,
  `tag-key`; DescribeImageUsageReportEntries filters: `account-id`, `creation-time`,
  `resource-type`; up to 200 ImageIds and ReportIds each; `MaxResults` at least 1, with
  `NextToken`.

How it is made here: the entries are worked out once, when the report is created, from the
index of accounts that ever referenced the AMI (`localcloud.image_references`), so a report
costs the accounts that use the AMI, never a search of every account. The report stays
`pending` for the knob `image_usage_report_seconds` (default 3) after its creation and is
`available` from the first call after that (0: from the next call on); entries of a pending
report are not shown. Resources younger than `image_usage_report_lag_seconds` (default 0) when
the report is created are left out, as AWS may leave out recent activity.

Simplified: instances count in every state but `terminated`; reports never end in `error`;
report ids are `amiur-` and 17 hex digits; where the reference names no error, localcloud
answers `InvalidParameterValue` for requests outside the documented limits (the model's own —
the required ImageId and ResourceTypes, 200 AccountIds, ImageIds and ReportIds, MaxResults at
least 1 — are checked before, by `localcloud.validation`) and
`InvalidImageUsageReportId.NotFound` for a report the caller does not have. Only the AMI's
owner may create a report: another account's AMI is `AuthFailure`, as for the owner-only AMI
operations (`localcloud.ec2_lifecycle`). No quota on the number of reports.
"""

from __future__ import annotations

import fnmatch
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult
from moto.ec2 import utils as ec2_utils
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse

from localcloud import ec2_lifecycle, image_references, paging
from localcloud.control import CONFIG
from localcloud.image_references import CONTAINER_RECIPE, IMAGE_RECIPE, INSTANCE, LAUNCH_TEMPLATE

RESOURCE_TYPES = (INSTANCE, LAUNCH_TEMPLATE, IMAGE_RECIPE, CONTAINER_RECIPE)
TAG_RESOURCE_TYPE = "image-usage-report"
ID_PREFIX = "amiur"
LIFETIME = timedelta(days=30)
_DEFAULT_VERSION_DEPTH = 20
_REPORT_FILTERS = ("creation-time", "state", "tag-key")
_ENTRY_FILTERS = ("account-id", "creation-time", "resource-type")


@dataclass
class Report:
    """One report as its owner sees it; `entries` are worked out when it is created."""

    report_id: str
    image_id: str
    resource_types: list[dict[str, Any]]
    account_ids: list[str]
    created: datetime
    entries: list[dict[str, Any]] = field(default_factory=list)

    def state(self, now: datetime) -> str:
        ready = self.created + timedelta(seconds=float(CONFIG.image_usage_report_seconds))
        return "available" if now >= ready else "pending"

    def creation_text(self) -> str:
        """The creation time as the `creation-time` filter compares it (ISO 8601, milliseconds)."""
        return self.created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{self.created.microsecond // 1000:03d}Z"


# (owner, region) -> report id -> report, in creation order.
_REPORTS: dict[tuple[str, str], dict[str, Report]] = {}
# (owner, region, client token) -> (the request it answered, report id).
_TOKENS: dict[tuple[str, str, str], tuple[str, str]] = {}
_LOCK = threading.Lock()


def _invalid(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def _reports(owner: str, region: str, now: datetime) -> dict[str, Report]:
    """The owner's reports in `region`, without those EC2 has deleted 30 days after creation."""
    with _LOCK:
        held = _REPORTS.setdefault((owner, region), {})
        for report_id in [r.report_id for r in held.values() if now >= r.created + LIFETIME]:
            del held[report_id]
        return dict(held)


# --- making a report -----------------------------------------------------------------------


def _resource_types(raw: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], image_references.Scope]:
    """The requested resource types as the report shows them, and what they make the report check."""
    shown: list[dict[str, Any]] = []
    depth = _DEFAULT_VERSION_DEPTH
    for entry in raw:
        kind = entry.get("ResourceType")
        if kind not in RESOURCE_TYPES:
            raise _invalid(f"The resource type '{kind}' is not valid. Valid values: {', '.join(RESOURCE_TYPES)}.")
        options = []
        for option in entry.get("ResourceTypeOptions") or []:
            name, values = option.get("OptionName"), list(option.get("OptionValues") or [])
            if (kind, name) != (LAUNCH_TEMPLATE, "version-depth"):
                raise _invalid(f"The option '{name}' is not valid for the resource type '{kind}'.")
            depth = image_references.version_depth(values)
            options.append({"OptionName": name, "OptionValues": [str(depth)]})
        shown.append({"ResourceType": kind, **({"ResourceTypeOptions": options} if options else {})})
    # Instances that are gone no longer use the AMI.
    states = tuple(s for s in image_references.INSTANCE_STATES if s != "terminated")
    types = tuple(dict.fromkeys(entry["ResourceType"] for entry in shown))
    return shown, image_references.Scope(types, instance_states=states, version_depth=depth)


def _account_ids(raw: list[str]) -> list[str]:
    for account in raw:
        if not (len(account) == 12 and account.isdigit()):
            raise _invalid(f"The account ID '{account}' is not valid.")
    return list(dict.fromkeys(raw))


def _tags(raw: list[dict[str, Any]]) -> dict[str, str]:
    tags: dict[str, str] = {}
    for spec in raw:
        if spec.get("ResourceType") != TAG_RESOURCE_TYPE:
            raise _invalid(f"'{spec.get('ResourceType')}' is not a valid taggable resource type for this operation.")
        tags.update({t["Key"]: t.get("Value", "") for t in spec.get("Tags") or []})
    return tags


def _entries(report: Report, owner: str, region: str, scope: image_references.Scope) -> list[dict[str, Any]]:
    """Per account and resource type, how many resources reference the AMI, as of creation."""
    accounts = image_references.users(region, report.image_id) - {owner}
    if report.account_ids:
        accounts &= set(report.account_ids)
    cutoff = report.created - timedelta(seconds=float(CONFIG.image_usage_report_lag_seconds))
    entries = []
    for account in sorted(accounts):
        found = image_references.find(account, region, [report.image_id], scope, cutoff)
        for kind in scope.types:
            count = sum(1 for reference in found if reference["ResourceType"] == kind)
            if count:
                entries.append(
                    {
                        "ResourceType": kind,
                        "ReportId": report.report_id,
                        "UsageCount": count,
                        "AccountId": account,
                        "ImageId": report.image_id,
                        "ReportCreationTime": report.created,
                    }
                )
    return entries


def _create_image_usage_report(self: Any) -> ActionResult:
    backend = self.ec2_backend
    owner, region = backend.account_id, backend.region_name
    image_id = self._get_param("ImageId")
    shown, scope = _resource_types(list(self._get_param("ResourceTypes") or []))
    account_ids = _account_ids(list(self._get_param("AccountIds") or []))
    tags = _tags(list(self._get_param("TagSpecifications") or []))
    ec2_lifecycle.owned(backend, image_id)
    self.error_on_dryrun()
    question = json.dumps([image_id, shown, account_ids, tags], sort_keys=True)
    token = self._get_param("ClientToken")
    with _LOCK:
        if token:
            earlier = _TOKENS.get((owner, region, token))
            if earlier is not None:
                if earlier[0] != question:
                    raise EC2ClientError(
                        "IdempotentParameterMismatch",
                        "The client token you have provided is associated with a request with different parameters.",
                    )
                return ActionResult({"ReportId": earlier[1]})
        report = Report(ec2_utils.random_id(ID_PREFIX), image_id, shown, account_ids, datetime.now(UTC))
        if token:
            _TOKENS[(owner, region, token)] = (question, report.report_id)
    report.entries = _entries(report, owner, region, scope)
    if tags:
        backend.create_tags([report.report_id], tags)
    with _LOCK:
        _REPORTS.setdefault((owner, region), {})[report.report_id] = report
    return ActionResult({"ReportId": report.report_id})


# --- reading reports -----------------------------------------------------------------------


def _filters(raw: list[dict[str, Any]], known: tuple[str, ...], tags: bool) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for entry in raw:
        name = entry.get("Name") or ""
        if name not in known and not (tags and name.startswith("tag:")):
            raise _invalid(f"The filter '{name}' is invalid")
        filters.setdefault(name, []).extend(entry.get("Values") or [])
    return filters


def _matches(values: list[str], actual: str | None) -> bool:
    return actual is not None and any(fnmatch.fnmatchcase(actual, value) for value in values)


def _report_matches(report: Report, filters: dict[str, list[str]], tags: dict[str, str], now: datetime) -> bool:
    for name, values in filters.items():
        if name == "creation-time" and not _matches(values, report.creation_text()):
            return False
        if name == "state" and report.state(now) not in values:
            return False
        if name == "tag-key" and not any(_matches(values, key) for key in tags):
            return False
        if name.startswith("tag:") and not _matches(values, tags.get(name[len("tag:") :])):
            return False
    return True


def _selected(self: Any, now: datetime) -> list[Report]:
    """The caller's reports that the request's ImageIds and ReportIds select."""
    image_ids = list(self._get_param("ImageIds") or [])
    report_ids = list(self._get_param("ReportIds") or [])
    backend = self.ec2_backend
    return [
        report
        for report in _reports(backend.account_id, backend.region_name, now).values()
        if (not image_ids or report.image_id in image_ids) and (not report_ids or report.report_id in report_ids)
    ]


def _page(self: Any, operation: str, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of `items` under MaxResults, and the NextToken of the next one."""
    limit = self._get_param("MaxResults")
    question = json.dumps(
        [operation, self._get_param("ImageIds"), self._get_param("ReportIds"), self._get_param("Filters")],
        sort_keys=True,
        default=str,
    )
    token = self._get_param("NextToken")
    start = 0 if token is None else paging.offset(token, question)
    if start is None:
        raise EC2ClientError("InvalidPaginationToken", f"The pagination token '{token}' is invalid.")
    end = len(items) if limit is None else start + int(limit)
    return items[start:end], paging.token(question, end) if end < len(items) else None


def _answer(key: str, page: list[Any], token: str | None) -> ActionResult:
    return ActionResult({key: page, **({"NextToken": token} if token else {})})


def _describe_image_usage_reports(self: Any) -> ActionResult:
    filters = _filters(list(self._get_param("Filters") or []), _REPORT_FILTERS, tags=True)
    self.error_on_dryrun()
    now = datetime.now(UTC)
    tag_store = self.ec2_backend.tags
    shown = []
    for report in _selected(self, now):
        tags = dict(tag_store.get(report.report_id) or {})
        if not _report_matches(report, filters, tags, now):
            continue
        view: dict[str, Any] = {
            "ImageId": report.image_id,
            "ReportId": report.report_id,
            "ResourceTypes": report.resource_types,
            "State": report.state(now),
            "CreationTime": report.created,
            "ExpirationTime": report.created + LIFETIME,
        }
        if report.account_ids:
            view["AccountIds"] = report.account_ids
        if tags:
            view["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        shown.append(view)
    return _answer("ImageUsageReports", *_page(self, "DescribeImageUsageReports", shown))


def _describe_image_usage_report_entries(self: Any) -> ActionResult:
    filters = _filters(list(self._get_param("Filters") or []), _ENTRY_FILTERS, tags=False)
    self.error_on_dryrun()
    now = datetime.now(UTC)
    entries = [
        entry
        for report in _selected(self, now)
        if report.state(now) == "available"
        and ("creation-time" not in filters or _matches(filters["creation-time"], report.creation_text()))
        for entry in report.entries
        if ("account-id" not in filters or entry["AccountId"] in filters["account-id"])
        and ("resource-type" not in filters or entry["ResourceType"] in filters["resource-type"])
    ]
    return _answer("ImageUsageReportEntries", *_page(self, "DescribeImageUsageReportEntries", entries))


def _delete_image_usage_report(self: Any) -> ActionResult:
    report_id = self._get_param("ReportId")
    backend = self.ec2_backend
    key = (backend.account_id, backend.region_name)
    if report_id not in _reports(*key, datetime.now(UTC)):
        message = f"The image usage report ID '{report_id}' does not exist"
        raise EC2ClientError("InvalidImageUsageReportId.NotFound", message)
    self.error_on_dryrun()
    with _LOCK:
        _REPORTS[key].pop(report_id, None)
    backend.tags.pop(report_id, None)
    return ActionResult({"Return": True})


def install() -> None:
    """Answer the four usage report operations in moto's EC2, and let CreateTags, DeleteTags and
    DescribeTags take report ids (moto checks ids by their prefix); idempotent."""
    ec2_utils.EC2_RESOURCE_TO_PREFIX[TAG_RESOURCE_TYPE] = ID_PREFIX
    ec2_utils.EC2_PREFIX_TO_RESOURCE[ID_PREFIX] = TAG_RESOURCE_TYPE
    AmisResponse.create_image_usage_report = _create_image_usage_report
    AmisResponse.describe_image_usage_reports = _describe_image_usage_reports
    AmisResponse.describe_image_usage_report_entries = _describe_image_usage_report_entries
    AmisResponse.delete_image_usage_report = _delete_image_usage_report
