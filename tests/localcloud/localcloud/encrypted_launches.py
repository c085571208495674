"""Launching from encrypted snapshots: the key each new volume gets, whether the launching
principal may use the keys involved, and what happens when it may not.

AWS facts relied on:
- EC2 User Guide, "Use encryption with EBS-backed AMIs" (instance-launching scenarios): with no
  encryption parameters an unencrypted snapshot gives an unencrypted volume unless encryption
  by default is on (then the default KMS key); an encrypted snapshot the launching account owns
  gives a volume encrypted with the same key; an encrypted snapshot of an AMI shared with it
  gives a volume encrypted with the launching account's default key. `Encrypted` with
  `KmsKeyId` in a block device mapping (of the request or the launch template) encrypts with
  that key instead.
- Amazon EBS User Guide, "Requirements for Amazon EBS encryption": to use a key EBS needs the
  principal to be able to call kms:CreateGrant, kms:Decrypt, kms:DescribeKey and
  kms:GenerateDataKeyWithoutPlaintext, which EC2 calls on its behalf (`kms:ViaService`
  `ec2.REGION.amazonaws.com`); here for the snapshot's key and for the volume's.
- EC2 User Guide, "Troubleshoot instance launch issues: Instance terminates immediately": when
  the principal may not use a key, RunInstances succeeds and the instance goes from `pending`
  to `terminated`; its StateReason is `Client.InternalError`, "Client.InternalError: Client
  error on launch".
- Amazon EC2 Auto Scaling User Guide, "Service-linked roles", "Required AWS KMS key policy for
  use with encrypted volumes" and "Troubleshoot … instance launch failures" (Client.InternalError:
  Client error on launch): a group launches as the account's `AWSServiceRoleForAutoScaling`,
  which Auto Scaling creates with the account's first group and whose AWS managed policy has no
  KMS permission. It may use a customer managed key of its own account only where the key
  policy names it, one of another account only through a grant (created from its account); the
  launched instance is terminated and the scaling activity ends `Cancelled` with "Instance
  became unhealthy while waiting for instance to be in InService state. Termination Reason:
  Client.InternalError: Client error on launch".

Instances a RunInstances call launches are terminated at the start of the next request (the
answer shows them launched, as AWS's shows them pending); a group's are terminated before
the group's call answers.
"""

from __future__ import annotations

import contextlib
import json
import threading
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from moto.ec2.models import ec2_backends
from moto.ec2.models.instances import InstanceBackend, StateReason

from localcloud import ebs_encryption, ec2_lifecycle, iam_enforce, kms_access, kms_keys
from localcloud.iam_enforce import ROOT, Principal
from localcloud.patching import wrap_once

STATE_CODE = "Client.InternalError"
STATE_MESSAGE = "Client.InternalError: Client error on launch"
GROUP_FAILURE = (
    "Instance became unhealthy while waiting for instance to be in InService state. "
    f"Termination Reason: {STATE_MESSAGE}"
)
_ROOT_DEVICE = "/dev/sda1"  # where moto puts an instance's root volume

# The service-linked role a group launches as, while its launch runs.
_LAUNCHER: ContextVar[Principal | None] = ContextVar("localcloud_launcher", default=None)
_PENDING_LOCK = threading.Lock()
# (account, region, instance id) launched by RunInstances and due to be terminated.
_PENDING: list[tuple[str, str, str]] = []


class LaunchFailed(Exception):
    """A group's new instances were terminated at launch; `message` is the activity's status message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the volumes of a launch and their keys -------------------------------------------------------


def _requested(overrides: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """Block device mappings of the request or launch template, by device name."""
    found = {}
    for mapping in overrides or []:
        if mapping.get("DeviceName"):
            found[mapping["DeviceName"]] = mapping
    return found


def _plan(backend: Any, ami: Any, overrides: list[dict[str, Any]] | None) -> dict[str, tuple[Any, str | None]]:
    """device -> (source snapshot or None, key ARN of the new volume or None), as EBS decides."""
    account, region = backend.account_id, backend.region_name
    requested = _requested(overrides)
    devices: dict[str, tuple[Any, dict[str, Any]]] = {}
    for mapping in ami.block_device_mappings if ami is not None else []:
        ebs = mapping.get("Ebs")
        if ebs is not None and mapping.get("DeviceName"):
            snapshot = ami.ec2_backend.snapshots.get(ebs.get("SnapshotId")) if ebs.get("SnapshotId") else None
            devices[mapping["DeviceName"]] = (snapshot, {})
    for device, mapping in requested.items():
        if "NoDevice" in mapping:
            devices.pop(device, None)
        elif mapping.get("Ebs") is not None:
            snapshot = devices.get(device, (None, {}))[0]
            devices[device] = (snapshot, mapping["Ebs"])
    plan = {}
    for device, (snapshot, asked) in devices.items():
        encrypted = asked.get("Encrypted") in (True, "true")
        if asked.get("KmsKeyId") and encrypted:
            key = ebs_encryption.key_arn(asked["KmsKeyId"], account, region)
        elif snapshot is not None and snapshot.encrypted:
            own = snapshot.ec2_backend.account_id == account
            key = snapshot.kms_key_id if own else ebs_encryption.default_key_arn(account, region)
        elif encrypted or ebs_encryption.encrypts_by_default(account, region):
            key = ebs_encryption.default_key_arn(account, region)
        else:
            key = None
        plan[device] = (snapshot, key)
    return plan


def _keys_needed(snapshot: Any, key: str | None) -> list[str]:
    needed = []
    if snapshot is not None and snapshot.encrypted and snapshot.kms_key_id:
        needed.append(snapshot.kms_key_id)
    if key is not None and key not in needed:
        needed.append(key)
    return needed


def _apply(instance: Any, plan: dict[str, tuple[Any, str | None]], root_device: str | None) -> list[tuple[str, str]]:
    """Give the instance's volumes the plan's encryption; returns (key ARN, volume id) pairs to check."""
    volumes = dict(instance.get_block_device_mapping)
    uses = []
    for device, (snapshot, key) in plan.items():
        target = device if device in volumes else _ROOT_DEVICE if device == root_device else None
        attached = volumes.get(target) if target is not None else None
        volume = instance.ec2_backend.volumes.get(attached.volume_id) if attached is not None else None
        volume_id = volume.id if volume is not None else "vol-pending"
        if volume is not None:
            volume.encrypted, volume.kms_key_id = key is not None, key
            volume.snapshot_id = snapshot.id if snapshot is not None else volume.snapshot_id
        uses += [(needed, volume_id) for needed in _keys_needed(snapshot, key)]
    return uses


def _refusal(principal: Principal, region: str, uses: list[tuple[str, str]], account: str) -> str | None:
    """Why `principal` may not use the keys a launch needs, or None."""
    for arn, volume_id in uses:
        key = kms_keys.find(arn, account, region)
        reason = kms_access.refusal(principal, key, region, volume_id)
        if reason is not None:
            return reason
    return None


def launch_refusal(principal: Principal, backend: Any, ami: Any) -> str | None:
    """Why an instance `principal` launches from `ami` (with its own mappings) would be terminated, or None."""
    uses = [
        (needed, "vol-pending")
        for snapshot, key in _plan(backend, ami, None).values()
        for needed in _keys_needed(snapshot, key)
    ]
    return _refusal(principal, backend.region_name, uses, backend.account_id)


# --- RunInstances -----------------------------------------------------------------------------------


def _launching_principal(account: str) -> Principal:
    launcher = _LAUNCHER.get()
    if launcher is not None:
        return launcher
    caller = iam_enforce.caller()
    if caller is not None and caller.account == account:
        return caller
    root = f"arn:aws:iam::{account}:root"
    return Principal(ROOT, account, root, root, "", account)


def _checking_keys(run: Callable[..., Any]) -> Callable[..., Any]:
    def run_instances(
        self: Any, image_id: str, count: int, user_data: Any, security_group_names: list[str], **kwargs: Any
    ) -> Any:
        reservation = run(self, image_id, count, user_data, security_group_names, **kwargs)
        template = kwargs.get("launch_template")
        image = ec2_lifecycle.launched_image(self, image_id, template)
        ami = ec2_lifecycle.image_in_region(self.account_id, self.region_name, image) if image else None
        overrides = kwargs.get("block_device_mappings")
        if overrides is None and template:
            overrides = self._get_template_from_args(template).data.get("BlockDeviceMappings")
        principal = _launching_principal(self.account_id)
        root_device = ami.root_device_name if ami is not None else None
        for instance in reservation.instances:
            uses = _apply(instance, _plan(self, ami, overrides), root_device)
            reason = _refusal(principal, self.region_name, uses, self.account_id)
            if reason is None:
                continue
            instance.localcloud_launch_failure = reason
            if _LAUNCHER.get() is None:
                with _PENDING_LOCK:
                    _PENDING.append((self.account_id, self.region_name, instance.id))
        return reservation

    return run_instances


def terminate(backend: Any, instance_ids: list[str]) -> None:
    """Terminate instances EBS could not give their volumes, with EC2's state reason."""
    for instance, _ in backend.terminate_instances(instance_ids):
        instance.state_reason = StateReason(STATE_MESSAGE, STATE_CODE)
        instance._reason = STATE_MESSAGE


def settle() -> None:
    """Terminate the instances RunInstances launched that could not start (called on every request)."""
    if not _PENDING:
        return
    with _PENDING_LOCK:
        due = list(_PENDING)
        _PENDING.clear()
    for account, region, instance_id in due:
        terminate(ec2_backends[account][region], [instance_id])


# --- Auto Scaling ------------------------------------------------------------------------------------


@contextlib.contextmanager
def as_service_linked_role(group: Any) -> Iterator[None]:
    """Launch as the group's account's Auto Scaling service-linked role while inside."""
    token = _LAUNCHER.set(kms_access.service_linked_principal(group.account_id, "autoscaling.amazonaws.com"))
    try:
        yield
    finally:
        _LAUNCHER.reset(token)


def failed(states: list[Any]) -> list[Any]:
    """The instance states among `states` whose instances could not be launched."""
    return [s for s in states if getattr(s.instance, "localcloud_launch_failure", None) is not None]


def ensure_service_linked_role(account: str, service: str) -> None:
    """Create a service's service-linked role in `account` the first time the service needs it, as AWS does."""
    from moto.iam.models import iam_backends

    iam = iam_backends[account]["aws"]
    principal = kms_access.service_linked_principal(account, service)
    if any(role.arn == principal.principal_arn for role in list(iam.roles.values())):
        return
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": [service]}, "Action": "sts:AssumeRole"}]}
    # Moto's create_service_linked_role spells some names its own way (AWSServiceRoleForimagebuilder).
    role = iam.create_role(
        principal.name,
        json.dumps(trust),
        f"/aws-service-role/{service}/",
        permissions_boundary=None,
        description=f"Service-linked role for {service}",
        tags=[],
        max_session_duration="3600",
        linked_service=service,
    )
    policy = kms_access.service_role_policy_arn(service)
    if policy in iam.managed_policies:
        iam.attach_role_policy(policy, role.name)


def install() -> None:
    """Check the keys of every launch; call after ec2_lifecycle.install, before ec2_resolve.install."""
    wrap_once(InstanceBackend, "run_instances", _checking_keys)
