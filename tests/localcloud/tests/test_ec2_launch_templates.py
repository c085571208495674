"""CreateLaunchTemplateVersion with SourceVersion: inherit that version, override what is given."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import WORKLOAD

BASE_DATA = {
    "ImageId": "ami-0aaaaaaaaaaaaaaa1",
    "InstanceType": "t3.small",
    "EbsOptimized": True,
    "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 50, "VolumeType": "gp3"}}],
    "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "web"}]}],
}


@pytest.fixture
def template(session_for):
    ec2 = session_for(WORKLOAD).client("ec2")
    created = ec2.create_launch_template(LaunchTemplateName=f"sample-lt-{uuid.uuid4().hex[:8]}", LaunchTemplateData=BASE_DATA)
    return ec2, created["LaunchTemplate"]["LaunchTemplateId"]


def _data(ec2, template_id: str, version: str) -> dict:
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=[version])
    return versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]


@pytest.mark.parametrize("source", ["1", "$Latest", "$Default"])
def test_source_version_inherits_everything_not_given(template, source):
    ec2, template_id = template

    created = ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion=source, LaunchTemplateData={"ImageId": "ami-0bbbbbbbbbbbbbbb2"}
    )["LaunchTemplateVersion"]
    stored = _data(ec2, template_id, "2")

    assert created["VersionNumber"] == 2
    for data in (created["LaunchTemplateData"], stored):
        assert data["ImageId"] == "ami-0bbbbbbbbbbbbbbb2"
        assert data["InstanceType"] == "t3.small"
        assert data["EbsOptimized"] is True
        assert data["BlockDeviceMappings"] == BASE_DATA["BlockDeviceMappings"]
        assert data["TagSpecifications"] == BASE_DATA["TagSpecifications"]


def test_a_given_list_replaces_the_inherited_list_whole(template):
    ec2, template_id = template
    new_disks = [{"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 100, "VolumeType": "gp3"}}]

    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"BlockDeviceMappings": new_disks}
    )
    stored = _data(ec2, template_id, "2")

    assert stored["BlockDeviceMappings"] == new_disks
    assert stored["ImageId"] == BASE_DATA["ImageId"]


def test_source_version_is_the_named_version_not_the_latest(template):
    ec2, template_id = template
    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={"InstanceType": "m5.large"})

    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"ImageId": "ami-0ccccccccccccccc3"}
    )
    stored = _data(ec2, template_id, "3")

    assert stored["InstanceType"] == "t3.small"
    assert stored["ImageId"] == "ami-0ccccccccccccccc3"


def test_without_source_version_only_the_given_data_is_kept(template):
    ec2, template_id = template

    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={"ImageId": "ami-0ddddddddddddddd4"})
    stored = _data(ec2, template_id, "2")

    assert stored == {"ImageId": "ami-0ddddddddddddddd4"}


@pytest.mark.parametrize("source", ["7", "0", "latest"])
def test_an_unknown_source_version_is_an_error(template, source):
    ec2, template_id = template

    with pytest.raises(ClientError) as raised:
        ec2.create_launch_template_version(
            LaunchTemplateId=template_id, SourceVersion=source, LaunchTemplateData={"ImageId": "ami-0eeeeeeeeeeeeeee5"}
        )

    assert raised.value.response["Error"]["Code"] == "InvalidLaunchTemplateId.VersionNotFound"


def test_inherited_block_device_mappings_lose_their_snapshots(template):
    ec2, template_id = template
    with_snapshot = [
        {"DeviceName": "/dev/xvdb", "Ebs": {"SnapshotId": "snap-0123456789abcdef0", "VolumeSize": 100, "VolumeType": "gp3"}}
    ]
    ec2.create_launch_template_version(LaunchTemplateId=template_id, LaunchTemplateData={"BlockDeviceMappings": with_snapshot})

    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="2", LaunchTemplateData={"ImageId": "ami-0fffffffffffffff6"}
    )
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="2", LaunchTemplateData={"BlockDeviceMappings": with_snapshot}
    )
    inherited, explicit = _data(ec2, template_id, "3"), _data(ec2, template_id, "4")

    assert inherited["BlockDeviceMappings"] == [
        {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 100, "VolumeType": "gp3"}}
    ]
    assert inherited["ImageId"] == "ami-0fffffffffffffff6"
    assert explicit["BlockDeviceMappings"] == with_snapshot
    assert _data(ec2, template_id, "2")["BlockDeviceMappings"] == with_snapshot
