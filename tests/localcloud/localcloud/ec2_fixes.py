"""EC2 behaviour moto lacks and gold relies on, patched into moto's classes at start-up.

- DescribeImages sees AMIs other accounts share by launch permission (user id, organization,
  OU, `all`), whether asked by ImageIds, Owners or ExecutableUsers (EC2 API Reference,
  DescribeImages: "images for which you have launch permissions"; ExecutableUsers `self`
  includes AMIs shared with the caller's organization or OU). Moto only searches the caller's
  own account.
- Tags of an AMI are returned only to its owner ("tags are not shared with other accounts",
  EC2 User Guide, "Share an AMI"), so tag filters from another account match nothing.
- ModifyImageAttribute keeps every OrganizationArns / OrganizationalUnitArns / UserGroups
  value (moto keeps the first) and only the owner may change or read launch permissions.
- Amazon's public AMIs exist once per region and every account sees them (EC2 User Guide,
  "Find an AMI"). Moto builds its own copy of that catalogue (about 1,350 AMIs, each with a
  snapshot and a volume) in every account's backend: half a second and 4 MB per account and
  region, minutes and gigabytes for a thousand accounts. Here the first backend of a region
  builds it and every later one lists the same AMI objects. Their snapshots therefore live in
  that first account only (on AWS they are Amazon's, in no consumer account), and only their
  owner may change them: ModifyImageAttribute answers `AuthFailure` here, as for any AMI the
  caller does not own (DisableImage, EnableImage, DeregisterImage: `localcloud.ec2_lifecycle`).
- AMIs moto registers default to root device type `standard`, which is not a value of
  DeviceType (`ebs` | `instance-store`); they become `ebs`, as every AMI gold makes is.
- CreateLaunchTemplateVersion with SourceVersion starts from that version's data; the given
  LaunchTemplateData replaces matching top-level parameters (EC2 API Reference,
  CreateLaunchTemplateVersion: "inherits the same launch parameters, except for parameters
  that you specify in LaunchTemplateData"), and "Snapshots applied to the block device mapping
  are ignored when creating a new version unless they are explicitly included" (SourceVersion):
  inherited block device mappings lose their `SnapshotId`.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import (
    EC2ClientError,
    InvalidAMIIdError,
    InvalidLaunchTemplateVersionNotFound,
    MalformedAMIIdError,
)
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.responses.amis import AmisResponse
from moto.ec2.responses.launch_templates import LaunchTemplates
from moto.ec2.utils import generic_filter

from localcloud import amis


class ForeignAmi:
    """An AMI as seen from an account that does not own it: every attribute but the tags."""

    def __init__(self, ami: Any) -> None:
        self._ami = ami

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ami, name)

    # None, not [], so the response omits Tags as AWS does for an AMI without visible tags.
    tags = None
    Tags = None
    tag_set = None
    tag_list = None

    def get_tags(self) -> list[Any]:
        """No tags: they are private to the owner."""
        return []

    def get_filter_value(self, filter_name: str, method_name: str | None = None) -> Any:
        """Tag filters see no tags; every other filter sees the AMI itself."""
        if filter_name.startswith("tag:"):
            return None
        if filter_name in ("tag-key", "tag-value"):
            return []
        return self._ami.get_filter_value(filter_name, method_name)


def _describe_images(
    self: Any,
    ami_ids: list[str] | None = None,
    filters: dict[str, Any] | None = None,
    exec_users: list[str] | None = None,
    owners: list[str] | None = None,
) -> list[Any]:
    account = self.account_id
    # list() of a dict's values is taken at once, so a concurrent RegisterImage cannot break it.
    images: list[Any] = list(self.amis.values())
    images += [ForeignAmi(ami) for ami in amis.shared_amis(account, self.region_name)]
    gone = amis.recently_deregistered(account, self.region_name)
    images += [ami if ami.owner_id == account else ForeignAmi(ami) for ami in gone]

    if ami_ids:
        malformed = [ami_id for ami_id in ami_ids if not ami_id.startswith("ami-")]
        if malformed:
            raise MalformedAMIIdError(malformed)
        images = [ami for ami in images if ami.id in ami_ids]
        # Like moto and AWS, a deregistered id is not an error, only an id never seen is.
        if not images and not [i for i in ami_ids if i in self.deleted_amis]:
            raise InvalidAMIIdError(ami_ids)
    if exec_users:
        users = {account if user == "self" else user for user in exec_users}
        images = [ami for ami in images if any(amis.executable_by(_unwrap(ami), user) for user in users)]
    if owners:
        wanted = {account if owner == "self" else owner for owner in owners}
        images = [ami for ami in images if ami.owner_id in wanted or ami.owner_alias in wanted]
    if filters:
        images = generic_filter(filters, images)
    return images


def _unwrap(ami: Any) -> Any:
    return ami._ami if isinstance(ami, ForeignAmi) else ami


def owned_image(backend: Any, ami_id: str) -> Any:
    """The AMI `ami_id` if the backend's account owns it; AuthFailure if it is only shared with it."""
    ami = backend.amis.get(ami_id)
    if ami is not None:
        return ami
    if any(shared.id == ami_id for shared in amis.shared_amis(backend.account_id, backend.region_name)):
        raise _not_authorized(ami_id)
    raise InvalidAMIIdError([ami_id])


def _not_authorized(ami_id: str) -> EC2ClientError:
    return EC2ClientError("AuthFailure", f"Not authorized for image:{ami_id}")


def _changed_by_owner(ami: Any, account: str) -> Any:
    """`ami` when `account` owns it; the public catalogue is shared, so nobody else may change it."""
    if ami.owner_id != account:
        raise _not_authorized(ami.id)
    return ami


def _modify_image_attribute(
    self: Any,
    ami_id: str,
    launch_permissions_to_add: list[dict[str, str]],
    launch_permissions_to_remove: list[dict[str, str]],
) -> None:
    ami = _changed_by_owner(owned_image(self, ami_id), self.account_id)
    self.validate_permission_targets(launch_permissions_to_add)
    self.validate_permission_targets(launch_permissions_to_remove)
    for permission in launch_permissions_to_add:
        if permission not in ami.launch_permissions:
            ami.launch_permissions.append(permission)
    for permission in launch_permissions_to_remove:
        if permission in ami.launch_permissions:
            ami.launch_permissions.remove(permission)


def _describe_image_attribute(self: Any, ami_id: str, attribute_name: str) -> Any:
    return getattr(owned_image(self, ami_id), attribute_name)


def _modify_image_attribute_response(self: Any) -> Any:
    ami_id = self._get_param("ImageId")
    to_add = list(self._get_param("LaunchPermission", {}).get("Add", []))
    to_remove = list(self._get_param("LaunchPermission", {}).get("Remove", []))
    operation = self._get_param("OperationType")
    if operation in ("add", "remove"):
        target = to_add if operation == "add" else to_remove
        target += [{"Group": g} for g in self._get_param("UserGroups", [])]
        target += [{"UserId": u} for u in self._get_param("UserIds", [])]
        target += [{"OrganizationArn": a} for a in self._get_param("OrganizationArns", [])]
        target += [{"OrganizationalUnitArn": a} for a in self._get_param("OrganizationalUnitArns", [])]
    self.error_on_dryrun()
    self.ec2_backend.modify_image_attribute(
        ami_id=ami_id,
        launch_permissions_to_add=to_add,
        launch_permissions_to_remove=to_remove,
    )
    return EmptyResult()


def _register_image_response(self: Any) -> Any:
    """RegisterImage keeping the root device, block device mappings and architecture it was
    given (moto keeps only the name and reports /dev/sda1 with a 15 GiB standard volume)."""
    self.error_on_dryrun()
    image = self.ec2_backend.register_image(self._get_param("Name"), self._get_param("Description", ""))
    image.root_device_name = self._get_param("RootDeviceName") or image.root_device_name
    image.architecture = self._get_param("Architecture") or image.architecture
    mappings = self._get_param("BlockDeviceMappings") or []
    if mappings:
        image.registered_mappings = [_registered_mapping(m, image) for m in mappings]
    return ActionResult({"ImageId": image.id})


def _registered_mapping(mapping: dict[str, Any], image: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"DeviceName": mapping.get("DeviceName")}
    if mapping.get("VirtualName"):
        result["VirtualName"] = mapping["VirtualName"]
    if "NoDevice" in mapping:
        result["NoDevice"] = mapping["NoDevice"]
    ebs = mapping.get("Ebs")
    if ebs is not None:
        result["Ebs"] = {
            # AWS snapshots the root volume at registration; moto's AMI snapshot stands in for it.
            "SnapshotId": ebs.get("SnapshotId") or image.ebs_snapshot.id,
            "VolumeSize": int(ebs.get("VolumeSize") or 8),
            "DeleteOnTermination": ebs.get("DeleteOnTermination", True) in (True, "true"),
            "VolumeType": ebs.get("VolumeType") or "gp2",
            **{k: ebs[k] for k in ("Iops", "Throughput", "Encrypted", "KmsKeyId") if k in ebs},
        }
    return result


def _block_device_mappings(original: Any) -> Any:
    def block_device_mappings(self: Any) -> list[dict[str, Any]]:
        registered = getattr(self, "registered_mappings", None)
        return registered if registered is not None else original.fget(self)

    return property(block_device_mappings)


def _source_version(template: Any, requested: str) -> Any:
    if requested.lower() in ("$latest", "$default"):
        return template.get_version(requested)
    # Numbers, not positions: deleted versions leave gaps (localcloud.launch_templates).
    if not requested.isdigit() or int(requested) not in {v.number for v in template.versions}:
        raise InvalidLaunchTemplateVersionNotFound(template_id=template.id, version=requested)
    return template.get_version(int(requested))


def _create_launch_template_version_response(self: Any) -> Any:
    name = self._get_param("LaunchTemplateName")
    template_id = self._get_param("LaunchTemplateId")
    if template_id:
        template = self.ec2_backend.get_launch_template(template_id)
    else:
        template = self.ec2_backend.get_launch_template_by_name(name)
    description = self._get_param("VersionDescription")
    given = self._get_param("LaunchTemplateData", {})
    source = self._get_param("SourceVersion")
    self.error_on_dryrun()

    data = given
    if source is not None:
        data = copy.deepcopy(_source_version(template, str(source)).data)
        if "BlockDeviceMappings" not in given:
            for mapping in data.get("BlockDeviceMappings") or []:
                (mapping.get("Ebs") or {}).pop("SnapshotId", None)
        data.update(given)
    version = template.create_version(data, description)
    return ActionResult({"LaunchTemplateVersion": version_view(self, template, version)})


def version_view(response: Any, template: Any, version: Any) -> dict[str, Any]:
    """A LaunchTemplateVersion as EC2 answers it to the caller of `response`."""
    return {
        "CreateTime": version.create_time,
        "CreatedBy": f"arn:{response.partition}:iam::{response.current_account}:root",
        "DefaultVersion": template.is_default(version),
        "LaunchTemplateData": version.data,
        "LaunchTemplateId": template.id,
        "LaunchTemplateName": template.name,
        "VersionDescription": version.description,
        "VersionNumber": version.number,
    }


def _ebs_backed(init: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if self.root_device_type == "standard":
            self.root_device_type = "ebs"
        amis.track(self)

    __init__._localcloud = True  # type: ignore[attr-defined]
    return __init__


# region -> the public catalogue as the first backend of that region built it.
_CATALOGUE: dict[str, dict[str, Ami]] = {}


def _shared_catalogue(load: Any) -> Any:
    def _load_amis(self: Any) -> None:
        # Backends are built under moto's backend_lock, so two never race here.
        from moto.ec2.models import ec2_backends

        catalogue = _CATALOGUE.get(self.region_name)
        builder = next(iter(catalogue.values())).ec2_backend if catalogue else None
        live = dict.get(ec2_backends, builder.account_id) if builder is not None else None
        if catalogue and live is not None and dict.get(live, self.region_name) is builder:
            self.amis.update(catalogue)
            return
        # First backend of the region, or the builder was dropped by a moto reset.
        load(self)
        _CATALOGUE[self.region_name] = dict(self.amis)

    _load_amis._localcloud = True  # type: ignore[attr-defined]
    return _load_amis


def install() -> None:
    """Patch moto's EC2 backend and responses; idempotent."""
    if not getattr(Ami.__init__, "_localcloud", False):
        Ami.__init__ = _ebs_backed(Ami.__init__)
    if not getattr(AmiBackend._load_amis, "_localcloud", False):
        AmiBackend._load_amis = _shared_catalogue(AmiBackend._load_amis)
    AmiBackend.describe_images = _describe_images
    AmiBackend.modify_image_attribute = _modify_image_attribute
    AmiBackend.describe_image_attribute = _describe_image_attribute
    AmisResponse.modify_image_attribute = _modify_image_attribute_response
    AmisResponse.register_image = _register_image_response
    if not hasattr(Ami, "_localcloud_mappings"):
        Ami._localcloud_mappings = True
        Ami.block_device_mappings = _block_device_mappings(Ami.block_device_mappings)
    LaunchTemplates.create_launch_template_version = _create_launch_template_version_response
