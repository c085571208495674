"""EBS encryption by default and the default KMS key, encrypted volumes, snapshots and AMIs, the
AMIs whose key forbids sharing them, and launches from encrypted AMIs.

111122223333 produces AMIs, 444455556666 (a member of the organization) launches them. Everything
runs in eu-west-3, which only this file uses; a test that turns encryption by default on or
changes the default key has it reset afterwards.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, SHARED, WORKLOAD, assumed, role_with
from kms_support import ORGANIZATION_USE, administrator, policy, regional_clients

REGION = "eu-west-3"
ZONE = f"{REGION}a"


def _code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


@pytest.fixture(scope="module")
def clients(session_for) -> Callable[[str, str], Any]:
    """`clients(account, service)`: a client acting in `account` in eu-west-3."""
    return regional_clients(session_for, REGION)


@pytest.fixture
def encrypting(clients) -> Iterator[Callable[..., None]]:
    """`encrypting(account, key=None)`: encryption by default on (with `key` as the default key) until the test ends."""
    touched: list[str] = []

    def enable(account: str, key: str | None = None) -> None:
        ec2 = clients(account, "ec2")
        ec2.enable_ebs_encryption_by_default()
        if key is not None:
            ec2.modify_ebs_default_kms_key_id(KmsKeyId=key)
        touched.append(account)

    yield enable
    for account in touched:
        clients(account, "ec2").disable_ebs_encryption_by_default()
        clients(account, "ec2").reset_ebs_default_kms_key_id()


def _key(clients, *statements: dict[str, Any]) -> dict[str, Any]:
    """A customer managed key of 111122223333, with `statements` beside the owner's."""
    kms = clients(SHARED, "kms")
    metadata = kms.create_key(Description=f"ebs-{uuid.uuid4().hex[:6]}")["KeyMetadata"]
    if statements:
        kms.put_key_policy(KeyId=metadata["KeyId"], Policy=policy(administrator(), *statements))
    return metadata


def _managed_key_arn(clients, account: str) -> str:
    return clients(account, "kms").describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]


def _snapshot_of(clients, account: str, ami: str) -> dict[str, Any]:
    ec2 = clients(account, "ec2")
    [image] = ec2.describe_images(ImageIds=[ami])["Images"]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    return ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]


def _volumes_of(ec2, instance_id: str) -> list[dict[str, Any]]:
    return ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]


def _instance(ec2, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


# --- the settings ---------------------------------------------------------------------------------


def test_encryption_by_default_starts_off_with_the_aws_managed_key_as_default_key(clients):
    ec2 = clients(WORKLOAD, "ec2")

    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    default = ec2.get_ebs_default_kms_key_id()["KmsKeyId"]

    assert default.startswith(f"arn:aws:kms:{REGION}:{WORKLOAD}:key/")
    metadata = clients(WORKLOAD, "kms").describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]
    assert metadata["Arn"] == default
    assert metadata["KeyManager"] == "AWS"


def test_enable_and_disable_answer_the_setting_they_made(clients):
    ec2 = clients(WORKLOAD, "ec2")
    try:
        assert ec2.enable_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
        assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    finally:
        assert ec2.disable_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False


def test_the_default_key_is_changed_by_alias_and_reset_to_the_aws_managed_key(clients):
    key = _key(clients)
    alias = f"alias/ebs-default-{uuid.uuid4().hex[:6]}"
    clients(SHARED, "kms").create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    ec2 = clients(SHARED, "ec2")
    try:
        assert ec2.modify_ebs_default_kms_key_id(KmsKeyId=alias)["KmsKeyId"] == key["Arn"]
        assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == key["Arn"]
    finally:
        reset = ec2.reset_ebs_default_kms_key_id()["KmsKeyId"]
    assert reset == _managed_key_arn(clients, SHARED)
    assert ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == reset


# --- volumes and snapshots ------------------------------------------------------------------------


def test_new_volumes_are_encrypted_by_default_and_existing_ones_are_not_changed(clients, encrypting):
    ec2 = clients(WORKLOAD, "ec2")
    before = ec2.create_volume(Size=8, AvailabilityZone=ZONE)
    assert before["Encrypted"] is False

    encrypting(WORKLOAD)
    after = ec2.create_volume(Size=8, AvailabilityZone=ZONE)

    assert after["Encrypted"] is True
    assert after["KmsKeyId"] == _managed_key_arn(clients, WORKLOAD)
    [unchanged] = ec2.describe_volumes(VolumeIds=[before["VolumeId"]])["Volumes"]
    assert unchanged["Encrypted"] is False


def test_an_encrypted_volumes_snapshots_and_their_volumes_keep_its_key(clients):
    key = _key(clients)
    ec2 = clients(SHARED, "ec2")
    volume = ec2.create_volume(Size=8, AvailabilityZone=ZONE, Encrypted=True, KmsKeyId=key["KeyId"])
    assert volume["KmsKeyId"] == key["Arn"]

    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"])
    restored = ec2.create_volume(AvailabilityZone=ZONE, SnapshotId=snapshot["SnapshotId"])

    assert (snapshot["Encrypted"], snapshot["KmsKeyId"]) == (True, key["Arn"])
    assert (restored["Encrypted"], restored["KmsKeyId"]) == (True, key["Arn"])


def test_a_copy_of_an_unencrypted_snapshot_follows_encryption_by_default(clients, encrypting):
    ec2 = clients(WORKLOAD, "ec2")
    volume = ec2.create_volume(Size=8, AvailabilityZone=ZONE)
    plain = ec2.create_snapshot(VolumeId=volume["VolumeId"])["SnapshotId"]
    copied = ec2.copy_snapshot(SourceSnapshotId=plain, SourceRegion=REGION)["SnapshotId"]
    encrypting(WORKLOAD)
    encrypted = ec2.copy_snapshot(SourceSnapshotId=plain, SourceRegion=REGION)["SnapshotId"]

    found = {s["SnapshotId"]: s for s in ec2.describe_snapshots(SnapshotIds=[copied, encrypted])["Snapshots"]}

    assert found[copied]["Encrypted"] is False
    assert (found[encrypted]["Encrypted"], found[encrypted]["KmsKeyId"]) == (True, _managed_key_arn(clients, WORKLOAD))


def test_describe_images_reports_encrypted_mappings_and_the_snapshot_its_key(clients, encrypting):
    key = _key(clients)
    encrypting(SHARED, key["Arn"])
    ec2 = clients(SHARED, "ec2")

    ami = ec2.register_image(Name=f"encrypted-{uuid.uuid4().hex[:6]}")["ImageId"]

    [mapping] = ec2.describe_images(ImageIds=[ami])["Images"][0]["BlockDeviceMappings"]
    assert mapping["Ebs"]["Encrypted"] is True
    assert "KmsKeyId" not in mapping["Ebs"]
    snapshot = _snapshot_of(clients, SHARED, ami)
    assert (snapshot["Encrypted"], snapshot["KmsKeyId"]) == (True, key["Arn"])


# --- sharing --------------------------------------------------------------------------------------


def test_an_ami_encrypted_with_the_aws_managed_key_cannot_be_shared(clients, encrypting):
    encrypting(SHARED)
    ec2 = clients(SHARED, "ec2")
    ami = ec2.register_image(Name=f"managed-key-{uuid.uuid4().hex[:6]}")["ImageId"]

    for permission in ({"UserId": WORKLOAD}, {"OrganizationArn": ORG_ARN}):
        with pytest.raises(ClientError) as raised:
            ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [permission]})
        assert raised.value.response["Error"] == {
            "Code": "InvalidParameter",
            "Message": "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.",
        }
    assert ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")["LaunchPermissions"] == []
    snapshot = _snapshot_of(clients, SHARED, ami)["SnapshotId"]
    with pytest.raises(ClientError) as raised:
        ec2.modify_snapshot_attribute(
            SnapshotId=snapshot, Attribute="createVolumePermission", OperationType="add", UserIds=[WORKLOAD]
        )
    assert _code(raised) == "OperationNotPermitted"


def test_an_ami_encrypted_with_a_customer_managed_key_is_shared_but_never_made_public(clients, encrypting):
    encrypting(SHARED, _key(clients)["Arn"])
    ec2 = clients(SHARED, "ec2")
    ami = ec2.register_image(Name=f"cmk-{uuid.uuid4().hex[:6]}")["ImageId"]

    ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    with pytest.raises(ClientError) as raised:
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"Group": "all"}]})

    assert raised.value.response["Error"]["Code"] == "UnsupportedOperation"
    permissions = ec2.describe_image_attribute(ImageId=ami, Attribute="launchPermission")["LaunchPermissions"]
    assert permissions == [{"OrganizationArn": ORG_ARN}]


# --- launches -------------------------------------------------------------------------------------


def _shared_encrypted_ami(clients, encrypting, *statements: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """An AMI of 111122223333 encrypted with a new customer managed key and shared with the organization."""
    key = _key(clients, *statements)
    encrypting(SHARED, key["Arn"])
    ec2 = clients(SHARED, "ec2")
    ami = ec2.register_image(Name=f"shared-{uuid.uuid4().hex[:6]}")["ImageId"]
    ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    return ami, key


def test_the_owner_launches_its_encrypted_ami_onto_volumes_with_the_same_key(clients, encrypting):
    ami, key = _shared_encrypted_ami(clients, encrypting)
    ec2 = clients(SHARED, "ec2")
    ec2.disable_ebs_encryption_by_default()

    instance = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.small")["Instances"][0]["InstanceId"]

    assert _instance(ec2, instance)["State"]["Name"] == "running"
    [root] = _volumes_of(ec2, instance)
    assert (root["Encrypted"], root["KmsKeyId"]) == (True, key["Arn"])
    assert root["SnapshotId"] == _snapshot_of(clients, SHARED, ami)["SnapshotId"]


def test_a_shared_encrypted_ami_launches_onto_the_launching_accounts_default_key(clients, encrypting):
    ami, _ = _shared_encrypted_ami(clients, encrypting, ORGANIZATION_USE)
    ec2 = clients(WORKLOAD, "ec2")

    instance = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.small")["Instances"][0]["InstanceId"]

    assert _instance(ec2, instance)["State"]["Name"] == "running"
    [root] = _volumes_of(ec2, instance)
    assert (root["Encrypted"], root["KmsKeyId"]) == (True, _managed_key_arn(clients, WORKLOAD))


def test_a_launch_whose_key_the_caller_may_not_use_ends_terminated_with_client_error_on_launch(clients, encrypting):
    ami, _ = _shared_encrypted_ami(clients, encrypting)  # the default key policy: the owner only
    ec2 = clients(WORKLOAD, "ec2")

    launched = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.small")["Instances"][0]

    assert launched["State"]["Name"] in ("pending", "running")
    described = _instance(ec2, launched["InstanceId"])
    assert described["State"]["Name"] == "terminated"
    assert described["StateReason"] == {
        "Code": "Client.InternalError",
        "Message": "Client.InternalError: Client error on launch",
    }


def test_a_launch_template_mapping_with_a_key_encrypts_that_volume_with_it(clients):
    key = _key(clients)
    ec2 = clients(SHARED, "ec2")
    ami = ec2.register_image(Name=f"plain-{uuid.uuid4().hex[:6]}")["ImageId"]
    data = {
        "ImageId": ami,
        "InstanceType": "t3.small",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 20, "Encrypted": True, "KmsKeyId": key["KeyId"]}}
        ],
    }
    template = ec2.create_launch_template(LaunchTemplateName=f"encrypted-{uuid.uuid4().hex[:6]}", LaunchTemplateData=data)

    instance = ec2.run_instances(
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"]}, MinCount=1, MaxCount=1
    )["Instances"][0]["InstanceId"]

    volumes = {v["Attachments"][0]["Device"]: v for v in _volumes_of(ec2, instance)}
    assert (volumes["/dev/sdf"]["Encrypted"], volumes["/dev/sdf"]["KmsKeyId"]) == (True, key["Arn"])
    assert volumes["/dev/sda1"]["Encrypted"] is False


def test_the_settings_need_their_ec2_actions_on_any_resource(config):
    role = role_with(boto3.client("iam"), [{"Effect": "Allow", "Action": "ec2:GetEbsEncryptionByDefault", "Resource": "*"}])
    config(enforce_iam=True)
    ec2 = assumed(role, REGION).client("ec2")

    assert ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    with pytest.raises(ClientError) as raised:
        ec2.enable_ebs_encryption_by_default()
    assert _code(raised) == "UnauthorizedOperation"
    assert "ec2:EnableEbsEncryptionByDefault" in raised.value.response["Error"]["Message"]
