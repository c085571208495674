"""Amazon EBS encryption: encryption by default, the default KMS key, encrypted volumes and
snapshots, and the AMIs and snapshots that cannot be shared because of their key.

AWS facts relied on (Amazon EBS User Guide, "Amazon EBS encryption", "Encryption by default",
"Encryption outcomes"; EC2 User Guide, "Use encryption with EBS-backed AMIs", "Share an AMI
with specific AWS accounts"; EC2 API Reference, Enable/Disable/GetEbsEncryptionByDefault,
Get/Modify/ResetEbsDefaultKmsKeyId, CreateVolume, CopySnapshot):
- Encryption by default and the default KMS key are settings of an account in one Region.
  Until ModifyEbsDefaultKmsKeyId names another key (customer managed, possibly another
  account's by ARN), the default key is the account's AWS managed key `alias/aws/ebs`, which
  EBS creates when first needed; GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId answer its
  key ARN. ModifyEbsDefaultKmsKeyId answers the key ARN of the key it is given (EBS checks the
  key asynchronously, so a key that does not exist is only found out when it is used).
- A new volume (CreateVolume, a launch) is encrypted when asked (`Encrypted`, with `KmsKeyId`
  or the default key), when its snapshot is encrypted (with the snapshot's key unless another
  is given), or when encryption by default is on (with the default key). A snapshot of an
  encrypted volume is encrypted with the volume's key; a copy of an unencrypted snapshot is
  encrypted with the default key when encryption by default is on, a copy of an encrypted
  one keeps its key unless another is given. Encryption by default changes no existing volume.
- DescribeImages reports `Encrypted` for each EBS mapping of an AMI (not the key; the key is
  the snapshot's, which DescribeSnapshots reports to the snapshot's owner).
- An AMI whose snapshots are encrypted with an AWS managed key cannot be shared:
  ModifyImageAttribute adding a launch permission for another account, an organization or an
  OU answers `InvalidParameter` "Snapshots encrypted with the AWS Managed CMK can't be shared.
  Specify another snapshot." (the message EC2 answers, as reported with Packer's
  ModifyImageAttribute calls); an AMI with encrypted snapshots cannot be made public
  (`UnsupportedOperation` "Encrypted snapshots can't be shared publicly. Specify another
  snapshot."). ModifySnapshotAttribute sharing such a snapshot answers `OperationNotPermitted`
  "Encrypted snapshots with EBS default key cannot be shared".

Moto created `alias/aws/ebs` as an ordinary customer managed key, had no
GetEbsDefaultKmsKeyId or ResetEbsDefaultKmsKeyId (500), failed ModifyEbsDefaultKmsKeyId with a
500 for a key it could not find, ignored encryption by default, gave volumes made from an
encrypted snapshot and snapshots of encrypted volumes no key, and reported no `Encrypted` for
AMI mappings.
"""

from __future__ import annotations

from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.models.elastic_block_store import EBSBackend
from moto.ec2.responses.elastic_block_store import ElasticBlockStore
from moto.ec2.responses.settings import Settings

from localcloud import kms_keys
from localcloud.patching import wrap_once

EBS_ALIAS = "alias/aws/ebs"


def default_key_arn(account: str, region: str) -> str:
    """The ARN of the key EBS encrypts with by default in an account and Region."""
    chosen = ec2_backends[account][region].default_kms_key_id
    if chosen:
        return chosen
    return kms_keys.aws_managed_key(kms_keys.backend(account, region), EBS_ALIAS).arn


def encrypts_by_default(account: str, region: str) -> bool:
    """Whether encryption by default is on in an account and Region."""
    return _on(ec2_backends[account][region])


def _on(backend: Any) -> bool:
    # The backend's volumes and AMIs are made (the public catalogue) before its settings exist.
    return bool(getattr(backend, "ebs_encryption_by_default", False))


def key_arn(key_id: str, account: str, region: str) -> str:
    """The key ARN a KmsKeyId (id, alias, key or alias ARN) names, or the id as an ARN when no such key exists."""
    key = kms_keys.find(key_id, account, region)
    return key.arn if key is not None else kms_keys.arn_of(key_id, account, region)


# --- the settings API -----------------------------------------------------------------------------


def _get_ebs_default_kms_key_id(self: Any) -> ActionResult:
    self.error_on_dryrun()
    return ActionResult({"KmsKeyId": default_key_arn(self.current_account, self.region)})


def _modify_ebs_default_kms_key_id(self: Any) -> ActionResult:
    key_id = self._get_param("KmsKeyId")
    self.error_on_dryrun()
    chosen = key_arn(str(key_id), self.current_account, self.region)
    self.ec2_backend.default_kms_key_id = chosen
    return ActionResult({"KmsKeyId": chosen})


def _reset_ebs_default_kms_key_id(self: Any) -> ActionResult:
    self.error_on_dryrun()
    self.ec2_backend.default_kms_key_id = ""
    return ActionResult({"KmsKeyId": default_key_arn(self.current_account, self.region)})


# --- volumes and snapshots ----------------------------------------------------------------------


def _encrypting_volumes(create: Callable[..., Any]) -> Callable[..., Any]:
    def create_volume(
        self: Any,
        size: int,
        zone_name: str,
        snapshot_id: str | None = None,
        encrypted: bool = False,
        kms_key_id: str | None = None,
        **kwargs: Any,
    ) -> Any:
        snapshot = self.snapshots.get(snapshot_id) if snapshot_id else None
        if kms_key_id and encrypted:
            kms_key_id = key_arn(kms_key_id, self.account_id, self.region_name)
        elif not kms_key_id and snapshot is not None and snapshot.encrypted:
            encrypted, kms_key_id = True, snapshot.kms_key_id
        elif not kms_key_id and (encrypted or _on(self)):
            encrypted, kms_key_id = True, default_key_arn(self.account_id, self.region_name)
        return create(self, size, zone_name, snapshot_id=snapshot_id, encrypted=encrypted, kms_key_id=kms_key_id, **kwargs)

    return create_volume


def _keeping_volume_keys(create: Callable[..., Any]) -> Callable[..., Any]:
    def create_snapshot(self: Any, volume_id: str, description: str, *args: Any, **kwargs: Any) -> Any:
        snapshot = create(self, volume_id, description, *args, **kwargs)
        volume = self.volumes.get(volume_id)
        if volume is not None and volume.encrypted:
            snapshot.encrypted, snapshot.kms_key_id = True, volume.kms_key_id
        return snapshot

    return create_snapshot


def _encrypting_copies(copy: Callable[..., Any]) -> Callable[..., Any]:
    def copy_snapshot(self: Any, source_snapshot_id: str, source_region: str, description: str, kms_key_id: str | None) -> Any:
        snapshot = copy(self, source_snapshot_id, source_region, description, kms_key_id)
        source = ec2_backends[self.account_id][source_region].snapshots.get(source_snapshot_id)
        if kms_key_id:
            snapshot.encrypted, snapshot.kms_key_id = True, key_arn(kms_key_id, self.account_id, self.region_name)
        elif source is not None and source.encrypted:
            snapshot.encrypted, snapshot.kms_key_id = True, source.kms_key_id
        elif _on(self):
            snapshot.encrypted, snapshot.kms_key_id = True, default_key_arn(self.account_id, self.region_name)
        return snapshot

    return copy_snapshot


def _copy_snapshot_response(original: Callable[..., Any]) -> Callable[..., Any]:
    """CopySnapshot honouring `Encrypted` without `KmsKeyId` (the default key)."""

    def copy_snapshot(self: Any) -> Any:
        answer = original(self)
        if self._get_bool_param("Encrypted", False) and not self._get_param("KmsKeyId"):
            snapshot = self.ec2_backend.snapshots[answer.result["SnapshotId"]]
            if not snapshot.encrypted:
                snapshot.encrypted, snapshot.kms_key_id = True, default_key_arn(self.current_account, self.region)
        return answer

    return copy_snapshot


# --- AMIs -----------------------------------------------------------------------------------------


def snapshots_of(ami: Any) -> list[Any]:
    """The snapshots an AMI's EBS mappings use, where its owner keeps them."""
    store = ami.ec2_backend.snapshots
    found = []
    for mapping in ami.block_device_mappings:
        snapshot_id = (mapping.get("Ebs") or {}).get("SnapshotId")
        snapshot = store.get(snapshot_id) if snapshot_id else None
        if snapshot is not None and snapshot not in found:
            found.append(snapshot)
    return found


def _with_encryption(mappings_property: property) -> property:
    def block_device_mappings(self: Any) -> list[dict[str, Any]]:
        store = self.ec2_backend.snapshots
        reported = []
        for mapping in mappings_property.fget(self):  # type: ignore[misc]
            ebs = mapping.get("Ebs")
            if ebs is not None:
                snapshot = store.get(ebs.get("SnapshotId")) if ebs.get("SnapshotId") else None
                encrypted = snapshot.encrypted if snapshot is not None else ebs.get("Encrypted") in (True, "true")
                mapping = {**mapping, "Ebs": {**ebs, "Encrypted": bool(encrypted)}}
            reported.append(mapping)
        return reported

    return property(block_device_mappings)


def _is_aws_managed(snapshot: Any) -> bool:
    if not snapshot.encrypted or not snapshot.kms_key_id:
        return False
    key = kms_keys.find(snapshot.kms_key_id, snapshot.ec2_backend.account_id, snapshot.ec2_backend.region_name)
    return key is not None and kms_keys.is_aws_managed(key)


def sharing_refusal(ami: Any, permissions: list[dict[str, str]]) -> EC2ClientError | None:
    """The error EC2 answers for adding `permissions` to `ami` when its snapshots' encryption forbids them."""
    others = [
        p for p in permissions if "Group" in p or "OrganizationArn" in p or "OrganizationalUnitArn" in p
        or p.get("UserId") not in (None, ami.owner_id)
    ]
    if not others:
        return None
    snapshots = snapshots_of(ami)
    if any(p.get("Group") == "all" for p in others) and any(s.encrypted for s in snapshots):
        return EC2ClientError("UnsupportedOperation", "Encrypted snapshots can't be shared publicly. Specify another snapshot.")
    if any(_is_aws_managed(s) for s in snapshots):
        return EC2ClientError("InvalidParameter", "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.")
    return None


def _refusing_to_share(modify: Callable[..., None]) -> Callable[..., None]:
    def modify_image_attribute(
        self: Any,
        ami_id: str,
        launch_permissions_to_add: list[dict[str, str]],
        launch_permissions_to_remove: list[dict[str, str]],
    ) -> None:
        ami = self.amis.get(ami_id)
        refused = sharing_refusal(ami, launch_permissions_to_add) if ami is not None and ami.owner_id == self.account_id else None
        if refused is not None:
            raise refused
        modify(self, ami_id, launch_permissions_to_add, launch_permissions_to_remove)

    return modify_image_attribute


def _refusing_to_share_snapshots(add: Callable[..., None]) -> Callable[..., None]:
    def add_create_volume_permission(self: Any, snapshot_id: str, user_ids: list[str], groups: list[str]) -> None:
        snapshot = self.snapshots.get(snapshot_id)
        if snapshot is not None and (user_ids or groups) and _is_aws_managed(snapshot):
            raise EC2ClientError("OperationNotPermitted", "Encrypted snapshots with EBS default key cannot be shared")
        add(self, snapshot_id, user_ids, groups)

    return add_create_volume_permission


def install() -> None:
    """Patch moto's EC2 backend and responses; call after ec2_fixes and ec2_lifecycle. Idempotent."""
    Settings.get_ebs_default_kms_key_id = _get_ebs_default_kms_key_id
    Settings.reset_ebs_default_kms_key_id = _reset_ebs_default_kms_key_id
    ElasticBlockStore.modify_ebs_default_kms_key_id = _modify_ebs_default_kms_key_id
    # Moto's own "default key" made `alias/aws/ebs` an ordinary customer managed key.
    EBSBackend._create_default_encryption_key = lambda self: default_key_arn(self.account_id, self.region_name)
    wrap_once(EBSBackend, "create_volume", _encrypting_volumes)
    wrap_once(EBSBackend, "create_snapshot", _keeping_volume_keys)
    wrap_once(EBSBackend, "copy_snapshot", _encrypting_copies)
    wrap_once(EBSBackend, "add_create_volume_permission", _refusing_to_share_snapshots)
    wrap_once(ElasticBlockStore, "copy_snapshot", _copy_snapshot_response)
    wrap_once(AmiBackend, "modify_image_attribute", _refusing_to_share)
    wrap_once(Ami, "block_device_mappings", _with_encryption)
