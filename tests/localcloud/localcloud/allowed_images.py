"""Allowed AMIs: per account and Region, criteria that decide which AMIs of other owners the
account may discover and launch (moto has none of it and answered 500).

AWS facts relied on:
- EnableAllowedImagesSettings / DisableAllowedImagesSettings / GetAllowedImagesSettings /
  ReplaceImageCriteriaInAllowedImagesSettings (EC2 API Reference; EC2 User Guide, "Control the
  discovery and use of AMIs in Amazon EC2 with Allowed AMIs" and "Manage the settings for Allowed
  AMIs"): the settings are per account and Region; the state is `disabled` (the default),
  `enabled` or `audit-mode`; ReplaceImageCriteria sets the whole list of criteria (none clears
  it); GetAllowedImagesSettings answers the state, the criteria and `ManagedBy` (`account`
  unless a declarative policy manages the settings, which localcloud does not model).
- ImageCriterionRequest (API Reference): up to 10 criteria; each with up to 200 ImageProviders
  (`amazon`, `aws-marketplace`, `aws-backup-vault`, a 12-digit account id, or `none` alone),
  50 ImageNames (1-128 characters of letters, digits, spaces and `( ) [ ] . / - ' @ _ * ?`, at
  least 3 with `?`; `*` and `?` are wildcards), 50 MarketplaceProductCodes (1-25 letters and
  digits), 50 ImageWatermarks, CreationDateCondition.MaximumDaysSinceCreated and
  DeprecationTimeCondition.MaximumDaysSinceDeprecated (0 to 2147483647; 0 allows no deprecated
  AMI) and a ScanResultCondition ("AMIs that Amazon Inspector has not scanned are not allowed").
  How Allowed AMIs works: an AMI is allowed when it meets every parameter of at least one
  criterion; `amazon`, `aws-marketplace` and `aws-backup-vault` are owner aliases
  (ImageOwnerAlias).
- "The Allowed AMIs feature does not restrict the AMIs owned by your account": they are always
  allowed. `enabled`: "only AMIs matching these criteria are discoverable and can be used by
  your account to launch instances" (DescribeImages returns only allowed images, each with
  `ImageAllowed` true); `audit-mode`: nothing is restricted and DescribeImages reports
  `ImageAllowed` true or false; `disabled`: no `ImageAllowed` (the field describes the criteria).
  DescribeImages' `image-allowed` filter matches that field.

Simplified: AWS does not document the error RunInstances answers for an AMI the criteria do
not allow; as the AMI "can't be discovered or used", localcloud answers what it answers for an
AMI the account cannot see (`InvalidAMIID.NotFound`, `localcloud.ec2_lifecycle`). AMIs here
carry no watermarks and no Inspector scans, so a criterion with ImageWatermarks or a
ScanResultCondition allows none. The errors for criteria outside the documented limits are
`InvalidParameterValue` in localcloud's words (AWS documents the limits, not the answers).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Iterable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.responses.amis import AmisResponse

from localcloud import ami_times

STATES = ("enabled", "audit-mode")
_ALIASES = ("amazon", "aws-marketplace", "aws-backup-vault")
_MAX_CRITERIA = 10
_MAX_PROVIDERS = 200
_MAX_VALUES = 50
_MAX_DAYS = 2147483647
_ACCOUNT = re.compile(r"\d{12}")
_NAME = re.compile(r"[A-Za-z0-9()\[\]./\-'@_*? ]{1,128}")
_PRODUCT_CODE = re.compile(r"[A-Za-z0-9]{1,25}")


@dataclass
class Settings:
    """One account's Allowed AMIs settings in one Region."""

    state: str = "disabled"
    criteria: list[dict[str, Any]] = field(default_factory=list)


# (account, region) -> settings; an absent key is the default (disabled, no criteria).
_SETTINGS: dict[tuple[str, str], Settings] = {}
_LOCK = threading.Lock()


def _settings(account: str, region: str) -> Settings:
    return _SETTINGS.get((account, region)) or Settings()


def _update(account: str, region: str, **changes: Any) -> Settings:
    with _LOCK:
        current = _settings(account, region)
        updated = Settings(changes.get("state", current.state), changes.get("criteria", current.criteria))
        _SETTINGS[(account, region)] = updated
        return updated


# --- which AMIs the criteria allow ---------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str]:
    """An image name pattern: `*` any run of characters, `?` one; everything else literal."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def _meets(criterion: dict[str, Any], ami: Any, now: datetime) -> bool:
    """Whether `ami` meets every parameter `criterion` specifies."""
    providers = criterion.get("ImageProviders")
    if providers and not any(p == ami.owner_id or (p in _ALIASES and p == ami.owner_alias) for p in providers):
        return False
    names = criterion.get("ImageNames")
    if names and not any(_wildcard(n).fullmatch(ami.name or "") for n in names):
        return False
    codes = criterion.get("MarketplaceProductCodes")
    if codes and not set(codes) & set(ami.product_codes or ()):
        return False
    if criterion.get("ImageWatermarks") or criterion.get("ScanResultCondition"):
        return False  # nothing here is watermarked or scanned by Amazon Inspector
    created = (criterion.get("CreationDateCondition") or {}).get("MaximumDaysSinceCreated")
    if created is not None and now - ami_times.moment(ami.creation_date) > timedelta(days=created):
        return False
    deprecated = (criterion.get("DeprecationTimeCondition") or {}).get("MaximumDaysSinceDeprecated")
    since = ami_times.deprecation_time(ami)
    if deprecated is None or since is None or since > now:
        return True
    # 0 allows no deprecated AMI, however recently deprecated.
    return deprecated > 0 and now - since <= timedelta(days=deprecated)


def _allowed(settings: Settings, account: str, ami: Any, now: datetime) -> bool:
    return ami.owner_id == account or any(_meets(c, ami, now) for c in settings.criteria)


def refuses_launch(account: str, region: str, ami: Any) -> bool:
    """Whether Allowed AMIs keep `account` from launching `ami` in `region` (only when enabled)."""
    settings = _settings(account, region)
    return settings.state == "enabled" and not _allowed(settings, account, ami, datetime.now(UTC))


class _Judged:
    """An AMI as DescribeImages shows it under Allowed AMIs: itself, plus `ImageAllowed`."""

    def __init__(self, ami: Any, allowed: bool) -> None:
        self._ami = ami
        self.image_allowed = allowed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ami, name)


def as_listed(account: str, region: str, images: Iterable[Any], allowed_filter: list[str] | None) -> list[Any]:
    """What DescribeImages lists of `images` to `account`: without the AMIs `enabled` criteria do
    not allow, each with `ImageAllowed` unless the settings are disabled, and kept by the
    `image-allowed` filter (`true`/`false`) when one was given."""
    settings = _settings(account, region)
    if settings.state == "disabled":
        return [] if allowed_filter else list(images)
    now = datetime.now(UTC)
    judged = [_Judged(ami, _allowed(settings, account, ami, now)) for ami in images]
    if settings.state == "enabled":
        judged = [ami for ami in judged if ami.image_allowed]
    if allowed_filter:
        wanted = {value.lower() for value in allowed_filter}
        judged = [ami for ami in judged if str(ami.image_allowed).lower() in wanted]
    return judged


# --- validation ----------------------------------------------------------------------------


def _invalid(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def _at_most(values: list[Any] | None, limit: int, what: str, index: int) -> list[Any]:
    values = list(values or [])
    if len(values) > limit:
        raise _invalid(f"ImageCriterion {index} has {len(values)} {what}; the maximum is {limit}.")
    return values


def _days(condition: dict[str, Any] | None, member: str, index: int) -> dict[str, int] | None:
    if condition is None:
        return None
    value = condition.get(member)
    if value is None:
        return {}
    if not 0 <= int(value) <= _MAX_DAYS:
        raise _invalid(f"ImageCriterion {index}: {member} must be between 0 and {_MAX_DAYS}, not {value}.")
    return {member: int(value)}


def _criterion(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """One ImageCriterionRequest checked against the documented limits, kept as EC2 returns it."""
    providers = _at_most(raw.get("ImageProviders"), _MAX_PROVIDERS, "ImageProviders", index)
    for provider in providers:
        if provider not in (*_ALIASES, "none") and not _ACCOUNT.fullmatch(provider):
            raise _invalid(
                f"The image provider '{provider}' is not valid. Specify amazon, aws-marketplace, "
                "aws-backup-vault, none or a 12-digit account ID."
            )
    if "none" in providers and len(providers) > 1:
        raise _invalid("When the image provider 'none' is specified, no other image providers can be specified.")
    names = _at_most(raw.get("ImageNames"), _MAX_VALUES, "ImageNames", index)
    for name in names:
        if not _NAME.fullmatch(name) or ("?" in name and len(name) < 3):
            raise _invalid(f"The image name '{name}' is not valid.")
    codes = _at_most(raw.get("MarketplaceProductCodes"), _MAX_VALUES, "MarketplaceProductCodes", index)
    for code in codes:
        if not _PRODUCT_CODE.fullmatch(code):
            raise _invalid(f"The marketplace product code '{code}' is not valid.")
    watermarks = _at_most(raw.get("ImageWatermarks"), _MAX_VALUES, "ImageWatermarks", index)
    kept: dict[str, Any] = {
        "ImageProviders": providers,
        "ImageNames": names,
        "MarketplaceProductCodes": codes,
        "ImageWatermarks": watermarks,
        "CreationDateCondition": _days(raw.get("CreationDateCondition"), "MaximumDaysSinceCreated", index),
        "DeprecationTimeCondition": _days(raw.get("DeprecationTimeCondition"), "MaximumDaysSinceDeprecated", index),
        "ScanResultCondition": raw.get("ScanResultCondition"),
    }
    return {key: value for key, value in kept.items() if value not in (None, [])}


# --- the API -------------------------------------------------------------------------------


def _where(response: Any) -> tuple[str, str]:
    return response.ec2_backend.account_id, response.ec2_backend.region_name


def _enable_allowed_images_settings(self: Any) -> ActionResult:
    state = self._get_param("AllowedImagesSettingsState")
    if state not in STATES:
        raise _invalid(
            f"The value '{state}' for AllowedImagesSettingsState is not valid. Valid values: enabled, audit-mode."
        )
    self.error_on_dryrun()
    return ActionResult({"AllowedImagesSettingsState": _update(*_where(self), state=state).state})


def _disable_allowed_images_settings(self: Any) -> ActionResult:
    self.error_on_dryrun()
    return ActionResult({"AllowedImagesSettingsState": _update(*_where(self), state="disabled").state})


def _get_allowed_images_settings(self: Any) -> ActionResult:
    self.error_on_dryrun()
    settings = _settings(*_where(self))
    result: dict[str, Any] = {"State": settings.state, "ManagedBy": "account"}
    if settings.criteria:
        result["ImageCriteria"] = settings.criteria
    return ActionResult(result)


def _replace_image_criteria_in_allowed_images_settings(self: Any) -> ActionResult:
    raw = self._get_param("ImageCriteria") or []
    if len(raw) > _MAX_CRITERIA:
        raise _invalid(f"You can specify up to {_MAX_CRITERIA} ImageCriterion; you specified {len(raw)}.")
    criteria = [_criterion(c, i) for i, c in enumerate(raw, start=1)]
    self.error_on_dryrun()
    _update(*_where(self), criteria=criteria)
    return ActionResult({"ReturnValue": True})


def install() -> None:
    """Answer the four Allowed AMIs operations in moto's EC2; idempotent."""
    AmisResponse.enable_allowed_images_settings = _enable_allowed_images_settings
    AmisResponse.disable_allowed_images_settings = _disable_allowed_images_settings
    AmisResponse.get_allowed_images_settings = _get_allowed_images_settings
    AmisResponse.replace_image_criteria_in_allowed_images_settings = _replace_image_criteria_in_allowed_images_settings
