"""An AMI's life after it is built: deprecated, disabled, deregistered, and who may still launch it.

AWS facts relied on:
- EnableImageDeprecation / DisableImageDeprecation (EC2 API Reference; EC2 User Guide,
  "Deprecate an AMI"): only the owner may set or cancel a deprecation time; seconds are rounded
  to the nearest minute; the time can't be in the past, nor more than 10 years from now (2 years
  from creation for a public AMI); localcloud refuses a time when neither it nor its rounded
  minute is now or later (`_deprecate_at`). An AMI is deprecated once its time has passed. Owners always
  see their deprecated AMIs in DescribeImages; other accounts see them only with
  `IncludeDeprecated` or when they name the image id, and see its `DeprecationTime`.
  Deprecated AMIs still launch.
- DisableImage / EnableImage (EC2 API Reference; User Guide, "Disable an AMI"): only the owner
  may disable or re-enable; disabling sets the state `disabled`, removes every launch permission
  and hides the AMI from DescribeImages unless `IncludeDisabled`; a disabled AMI can't be shared
  or launched, and its snapshots can't be deleted. Re-enabling makes it `available` again but
  does not restore the launch permissions.
- RunInstances (EC2 API error codes): `InvalidAMIID.Malformed` for an id not shaped `ami-…`,
  `InvalidAMIID.NotFound` for an AMI that does not exist or that the caller has no permission
  to launch, `InvalidAMIID.Unavailable` for one that "has been deregistered and is no longer
  available, or is not in a state from which you can launch an instance or modify attributes".
  An AMI the account's enabled Allowed AMIs criteria do not allow can't be discovered or used
  (`localcloud.allowed_images`), so it is answered like one the account cannot see.
  Auto Scaling validates the launch template's AMI when a group is created or scaled and answers
  `ValidationError` ("You must use a valid fully-formed launch template. The image id … does not
  exist").
- DeregisterImage with `DeleteAssociatedSnapshots` deletes the AMI's snapshots unless another
  AMI uses them (`skipped`); DeleteSnapshot refuses a snapshot a registered AMI uses
  (`InvalidSnapshot.InUse`, API Reference: "You cannot delete a snapshot of the root device of
  an EBS volume used by a registered AMI").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.models import FakeAutoScalingGroup
from moto.core.responses import ActionResult
from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidAMIIdError,
    InvalidSnapshotIdError,
    InvalidSnapshotInUse,
    MalformedAMIIdError,
    UnvailableAMIIdError,
)
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import AmiBackend
from moto.ec2.models.elastic_block_store import EBSBackend
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.responses.amis import AmisResponse

from localcloud import allowed_images, ami_times, amis, ec2_fixes

_DEPRECATION_LIMIT = timedelta(days=10 * 365)
_PUBLIC_DEPRECATION_LIMIT = timedelta(days=2 * 365)



# --- deprecation ---------------------------------------------------------------------------


def _is_deprecated(ami: Any, now: datetime) -> bool:
    """Whether `ami`'s deprecation time has passed."""
    moment = ami_times.deprecation_time(ami)
    return moment is not None and moment <= now


def _to_minute(moment: datetime) -> datetime:
    """`moment` rounded to the nearest minute, half a minute up."""
    floor = moment.replace(second=0, microsecond=0)
    return floor + timedelta(minutes=1) if moment - floor >= timedelta(seconds=30) else floor


def _deprecate_at(ami: Any, requested: datetime, now: datetime) -> datetime:
    """The deprecation time EC2 stores for `requested`, or the InvalidParameterValue it answers.

    "You can't specify a date in the past": the API reference does not say whether the time is
    compared before or after rounding, so a time is refused only when both the time asked for
    and its rounded minute are before the current second (a second of slack for the request in
    flight). "Now" is accepted; the start of the current minute is not, once its first second has
    passed (it rounds to itself), nor is a time in its first half-minute.
    """
    moment = _to_minute(requested)
    if max(requested, moment) < now.replace(microsecond=0) - timedelta(seconds=1):
        raise EC2ClientError(
            "InvalidParameterValue",
            f"The deprecation time {requested.strftime('%Y-%m-%dT%H:%M:%S.000Z')} is in the past; "
            "you can't specify a date in the past.",
        )
    if moment > now + _DEPRECATION_LIMIT:
        raise EC2ClientError("InvalidParameterValue", "The deprecation time can't be more than 10 years from now.")
    created = ami_times.moment(ami.creation_date)
    if ami.is_public and moment > created + _PUBLIC_DEPRECATION_LIMIT:
        raise EC2ClientError(
            "InvalidParameterValue",
            "The deprecation time of a public AMI can't be more than 2 years after its creation date.",
        )
    return moment


def _enable_image_deprecation_response(self: Any) -> Any:
    image_id = self._get_param("ImageId")
    requested = self._get_param("DeprecateAt")  # required: refused when missing by localcloud.validation
    self.error_on_dryrun()
    ami = owned(self.ec2_backend, image_id)
    moment = _deprecate_at(ami, ami_times.moment(requested), datetime.now(UTC))
    ami.deprecation_time = moment.strftime("%Y-%m-%dT%H:%M:00.000Z")
    return ActionResult({"Return": True})


def _disable_image_deprecation_response(self: Any) -> Any:
    image_id = self._get_param("ImageId")
    self.error_on_dryrun()
    ami = owned(self.ec2_backend, image_id)
    ami.deprecation_time = None
    return ActionResult({"Return": True})


# --- disabling -----------------------------------------------------------------------------


def owned(backend: Any, image_id: str) -> Any:
    """The AMI `image_id` if the backend's account owns it; AWS's error otherwise (only the owner
    deprecates, disables, deregisters or protects an AMI)."""
    if not image_id.startswith("ami-"):
        raise MalformedAMIIdError([image_id])
    if image_id in backend.deleted_amis:
        raise UnvailableAMIIdError(image_id)
    ami = ec2_fixes.owned_image(backend, image_id)
    # Every backend also holds moto's copy of Amazon's public AMIs, which no account here owns.
    if ami.owner_id != backend.account_id:
        raise EC2ClientError("AuthFailure", f"Not authorized for image:{image_id}")
    return ami


def _disable_image(self: Any, ami_id: str) -> None:
    ami = owned(self, ami_id)
    # In place: other modules hold on to this list (localcloud.amis never copies it).
    ami.launch_permissions.clear()
    ami.state = "disabled"


def _enable_image(self: Any, ami_id: str) -> None:
    owned(self, ami_id).state = "available"


def _refusing_to_share_disabled(modify: Callable[..., None]) -> Callable[..., None]:
    def modify_image_attribute(
        self: Any,
        ami_id: str,
        launch_permissions_to_add: list[dict[str, str]],
        launch_permissions_to_remove: list[dict[str, str]],
    ) -> None:
        ami = self.amis.get(ami_id)
        if launch_permissions_to_add and ami is not None and ami.state == "disabled":
            message = f"The image id '[{ami_id}]' is disabled and can't be shared"
            raise EC2ClientError("InvalidAMIID.Unavailable", message)
        modify(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)

    modify_image_attribute._localcloud_lifecycle = True  # type: ignore[attr-defined]
    return modify_image_attribute


# --- DescribeImages ------------------------------------------------------------------------


def _listed(ami: Any, account: str, now: datetime, include_deprecated: bool, include_disabled: bool) -> bool:
    """Whether DescribeImages lists `ami` to `account` given the Include* flags.

    `include_deprecated` is also true when the caller named image ids.
    """
    if ami.state == "disabled" and not include_disabled:
        return False
    return ami.owner_id == account or include_deprecated or not _is_deprecated(ami, now)


def _describe_images_response(self: Any) -> Any:
    self.error_on_dryrun()
    ami_ids = self._get_param("ImageIds", [])
    filters = self._filters_from_querystring()
    # Moto's filters know nothing of Allowed AMIs; localcloud.allowed_images applies this one.
    allowed_filter = filters.pop("image-allowed", None)
    images = self.ec2_backend.describe_images(
        ami_ids=ami_ids,
        filters=filters,
        exec_users=self._get_param("ExecutableUsers", []),
        owners=self._get_param("Owners", []),
    )
    include_deprecated = bool(ami_ids) or self._get_bool_param("IncludeDeprecated", False)
    include_disabled = self._get_bool_param("IncludeDisabled", False)
    now = datetime.now(UTC)
    account = self.ec2_backend.account_id
    listed = [ami for ami in images if _listed(ami, account, now, include_deprecated, include_disabled)]
    return ActionResult(
        {"Images": allowed_images.as_listed(account, self.ec2_backend.region_name, listed, allowed_filter)}
    )


# --- deregistering and snapshots -----------------------------------------------------------


def _remembering_deregistered(deregister: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    def deregister_image(self: Any, ami_id: str) -> None:
        ami = owned(self, ami_id)
        deregister(self, ami_id)
        amis.remember_deregistered(ami, self.region_name)

    deregister_image._localcloud_lifecycle = True  # type: ignore[attr-defined]
    return deregister_image


def _snapshots(ami: Any) -> list[str]:
    found = [m["Ebs"]["SnapshotId"] for m in ami.block_device_mappings if m.get("Ebs", {}).get("SnapshotId")]
    return list(dict.fromkeys(found))


def _user_of(backend: Any, snapshot_id: str) -> str | None:
    """The id of a registered AMI of the backend's account whose mappings use `snapshot_id`."""
    for ami in list(backend.amis.values()):
        if ami.owner_id == backend.account_id and snapshot_id in _snapshots(ami):
            return ami.id
    return None


def _checking_snapshot_users(delete: Callable[[Any, str], Any]) -> Callable[[Any, str], Any]:
    def delete_snapshot(self: Any, snapshot_id: str) -> Any:
        user = _user_of(self, snapshot_id) if snapshot_id in self.snapshots else None
        if user is not None:
            raise InvalidSnapshotInUse(snapshot_id, user)
        return delete(self, snapshot_id)

    delete_snapshot._localcloud_lifecycle = True  # type: ignore[attr-defined]
    return delete_snapshot


def _delete_snapshot_result(backend: Any, snapshot_id: str) -> dict[str, str]:
    if _user_of(backend, snapshot_id) is not None:
        return {"SnapshotId": snapshot_id, "ReturnCode": "skipped"}
    try:
        backend.delete_snapshot(snapshot_id)
    except InvalidSnapshotIdError:
        return {"SnapshotId": snapshot_id, "ReturnCode": "client-error"}
    return {"SnapshotId": snapshot_id, "ReturnCode": "success"}


def _deregister_image_response(self: Any) -> Any:
    ami_id = self._get_param("ImageId")
    delete_snapshots = self._get_bool_param("DeleteAssociatedSnapshots", False)
    self.error_on_dryrun()
    ami = self.ec2_backend.amis.get(ami_id)
    self.ec2_backend.deregister_image(ami_id)
    result: dict[str, Any] = {"Return": True}
    if delete_snapshots:
        result["DeleteSnapshotResults"] = [_delete_snapshot_result(self.ec2_backend, s) for s in _snapshots(ami)]
    return ActionResult(result)


# --- launching -----------------------------------------------------------------------------


def image_in_region(account: str, region: str, image_id: str) -> Any:
    """The registered AMI `image_id` in `region`, whoever owns it, or None."""
    own = ec2_backends[account][region].amis.get(image_id)
    if own is not None:
        return own
    # From the index of account-owned AMIs: a launch must not search every account.
    return amis.owned_ami(region, image_id)


def check_launchable(account: str, region: str, image_id: str) -> None:
    """Raise the error RunInstances answers when `account` may not launch `image_id` in `region`.

    `image_id` must already be an AMI id (a `resolve:ssm:` reference is resolved before this).
    """
    if not image_id.startswith("ami-"):
        raise MalformedAMIIdError([image_id])
    ami = image_in_region(account, region, image_id)
    if ami is None:
        gone = amis.deregistered(region, image_id)
        if gone is not None and amis.visible_to(gone, account):
            raise UnvailableAMIIdError(image_id)
        raise InvalidAMIIdError(image_id)
    if not amis.visible_to(ami, account):
        raise InvalidAMIIdError(image_id)
    if ami.state != "available":
        raise EC2ClientError("InvalidAMIID.Unavailable", f"The image id '[{image_id}]' is {ami.state}")
    if allowed_images.refuses_launch(account, region, ami):
        # Not discoverable under the account's Allowed AMIs, so answered as an AMI it cannot see.
        raise InvalidAMIIdError(image_id)


def launched_image(backend: Any, image_id: str | None, launch_template: dict[str, Any] | None) -> str | None:
    """The image a RunInstances call launches: its ImageId, else its launch template version's."""
    if image_id:
        return image_id
    if launch_template:
        return backend._get_template_from_args(launch_template).image_id or None
    return None


def _checking_launches(run: Callable[..., Any]) -> Callable[..., Any]:
    def run_instances(
        self: Any, image_id: str, count: int, user_data: Any, security_group_names: list[str], **kwargs: Any
    ) -> Any:
        image = launched_image(self, image_id, kwargs.get("launch_template"))
        if image is not None:
            check_launchable(self.account_id, self.region_name, image)
        return run(self, image_id, count, user_data, security_group_names, **kwargs)

    run_instances._localcloud_lifecycle = True  # type: ignore[attr-defined]
    return run_instances


def _validating_group_launches(replace: Callable[..., None]) -> Callable[..., None]:
    def replace_autoscaling_group_instances(self: Any, count_needed: int, propagated_tags: dict[str, str]) -> None:
        try:
            replace(self, count_needed, propagated_tags)
        except EC2ClientError as error:
            if not error.code.startswith("InvalidAMIID."):
                raise
            if self.ec2_launch_template is not None:
                raise ValidationError(f"You must use a valid fully-formed launch template. {error.message}") from error
            raise ValidationError(f"AMI {self.image_id} is invalid: {error.message}") from error

    replace_autoscaling_group_instances._localcloud_lifecycle = True  # type: ignore[attr-defined]
    return replace_autoscaling_group_instances


def _wrap(owner: type, name: str, wrapper: Callable[[Any], Any]) -> None:
    """Replace `owner.name` by `wrapper(original)`, once however often install() runs."""
    current = getattr(owner, name)
    if not getattr(current, "_localcloud_lifecycle", False):
        setattr(owner, name, wrapper(current))


def install() -> None:
    """Patch moto's EC2 and Auto Scaling backends and EC2 responses; idempotent.

    Call after `ec2_fixes.install()`, whose DescribeImages and ModifyImageAttribute this builds on.
    """
    AmisResponse.enable_image_deprecation = _enable_image_deprecation_response
    AmisResponse.disable_image_deprecation = _disable_image_deprecation_response
    AmisResponse.describe_images = _describe_images_response
    AmisResponse.deregister_image = _deregister_image_response
    AmiBackend.disable_image = _disable_image
    AmiBackend.enable_image = _enable_image
    _wrap(AmiBackend, "modify_image_attribute", _refusing_to_share_disabled)
    _wrap(AmiBackend, "deregister_image", _remembering_deregistered)
    _wrap(EBSBackend, "delete_snapshot", _checking_snapshot_users)
    _wrap(InstanceBackend, "run_instances", _checking_launches)
    _wrap(FakeAutoScalingGroup, "replace_autoscaling_group_instances", _validating_group_launches)
