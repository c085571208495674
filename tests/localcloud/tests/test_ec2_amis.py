"""Cross-account AMI visibility by launch permission, and AMI tags private to the owner."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import MANAGEMENT, ORG_ARN, SHARED, WORKLOAD, WORKLOAD_PROD

OUTSIDER = "999900001111"  # not in the organization


@pytest.fixture(scope="module")
def workload_ou_arn(session_for) -> str:
    org = session_for(MANAGEMENT).client("organizations")
    parent = org.list_parents(ChildId=WORKLOAD)["Parents"][0]["Id"]
    return org.describe_organizational_unit(OrganizationalUnitId=parent)["OrganizationalUnit"]["Arn"]


def _new_ami(ec2, prefix: str = "sample") -> str:
    return ec2.register_image(Name=f"{prefix}_{uuid.uuid4().hex[:8]}")["ImageId"]


def _ids(images) -> set[str]:
    return {image["ImageId"] for image in images}


def _share(ec2, ami: str, kind: str, ou_arn: str) -> None:
    permission = {
        "user": {"UserId": WORKLOAD},
        "organization": {"OrganizationArn": ORG_ARN},
        "ou": {"OrganizationalUnitArn": ou_arn},
        "all": {"Group": "all"},
    }[kind]
    ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [permission]})


def _visible(ec2, ami: str) -> dict[str, bool]:
    """How `ami` shows up for one account, in every way DescribeImages can be asked."""
    by_owner = ami in _ids(ec2.describe_images(Owners=[SHARED])["Images"])
    by_self = ami in _ids(ec2.describe_images(ExecutableUsers=["self"])["Images"])
    by_all = ami in _ids(ec2.describe_images(ExecutableUsers=["all"], Owners=[SHARED])["Images"])
    try:
        by_id = _ids(ec2.describe_images(ImageIds=[ami])["Images"]) == {ami}
    except ClientError as err:
        assert err.response["Error"]["Code"] == "InvalidAMIID.NotFound"
        by_id = False
    return {"owners": by_owner, "executable_self": by_self, "executable_all": by_all, "image_ids": by_id}


NOTHING = {"owners": False, "executable_self": False, "executable_all": False, "image_ids": False}
EXPLICIT = {"owners": True, "executable_self": True, "executable_all": False, "image_ids": True}
PUBLIC = {"owners": True, "executable_self": False, "executable_all": True, "image_ids": True}


def test_an_unshared_ami_is_invisible_to_other_accounts(ec2_of):
    ami = _new_ami(ec2_of(SHARED))

    assert _visible(ec2_of(WORKLOAD), ami) == NOTHING
    assert _visible(ec2_of(SHARED), ami)["image_ids"]


@pytest.mark.parametrize(
    ("kind", "workload_sees", "management_sees", "outsider_sees"),
    [
        ("user", EXPLICIT, NOTHING, NOTHING),
        ("organization", EXPLICIT, EXPLICIT, NOTHING),
        # The management account sits at the root, not in the Workloads OU.
        ("ou", EXPLICIT, NOTHING, NOTHING),
        ("all", PUBLIC, PUBLIC, PUBLIC),
    ],
)
def test_launch_permission_decides_who_sees_an_ami(
    ec2_of, workload_ou_arn, kind, workload_sees, management_sees, outsider_sees
):
    ami = _new_ami(ec2_of(SHARED))

    _share(ec2_of(SHARED), ami, kind, workload_ou_arn)

    assert _visible(ec2_of(WORKLOAD), ami) == workload_sees
    assert _visible(ec2_of(MANAGEMENT), ami) == management_sees
    assert _visible(ec2_of(OUTSIDER), ami) == outsider_sees


@pytest.mark.parametrize("kind", ["user", "organization", "ou"])
def test_the_owner_finds_amis_executable_by_an_explicit_account(ec2_of, workload_ou_arn, kind):
    shared_ami, private_ami = _new_ami(ec2_of(SHARED)), _new_ami(ec2_of(SHARED))
    _share(ec2_of(SHARED), shared_ami, kind, workload_ou_arn)

    found = _ids(ec2_of(SHARED).describe_images(ExecutableUsers=[WORKLOAD], Owners=["self"])["Images"])

    assert shared_ami in found
    assert private_ami not in found


def test_an_ami_can_be_shared_with_several_organizations_and_ous(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED))
    other_org = "arn:aws:organizations::123456789012:organization/o-otherorg01"
    other_ou = "arn:aws:organizations::123456789012:ou/o-otherorg01/ou-ab12-otherou1"

    ec2_of(SHARED).modify_image_attribute(
        ImageId=ami,
        Attribute="launchPermission",
        OperationType="add",
        OrganizationArns=[other_org, ORG_ARN],
        OrganizationalUnitArns=[other_ou, workload_ou_arn],
    )
    permissions = ec2_of(SHARED).describe_image_attribute(ImageId=ami, Attribute="launchPermission")["LaunchPermissions"]

    assert {"OrganizationArn": other_org} in permissions
    assert {"OrganizationArn": ORG_ARN} in permissions
    assert {"OrganizationalUnitArn": other_ou} in permissions
    assert {"OrganizationalUnitArn": workload_ou_arn} in permissions
    assert _visible(ec2_of(WORKLOAD), ami) == EXPLICIT


def test_an_ou_share_reaches_accounts_in_its_nested_ous_but_not_its_parents(ec2_of, session_for, workload_ou_arn):
    org = session_for(MANAGEMENT).client("organizations")
    prod = org.list_parents(ChildId=WORKLOAD_PROD)["Parents"][0]["Id"]
    prod_arn = org.describe_organizational_unit(OrganizationalUnitId=prod)["OrganizationalUnit"]["Arn"]
    to_workloads, to_prod = _new_ami(ec2_of(SHARED)), _new_ami(ec2_of(SHARED))

    _share(ec2_of(SHARED), to_workloads, "ou", workload_ou_arn)
    _share(ec2_of(SHARED), to_prod, "ou", prod_arn)

    assert _visible(ec2_of(WORKLOAD_PROD), to_workloads) == EXPLICIT
    assert _visible(ec2_of(WORKLOAD_PROD), to_prod) == EXPLICIT
    assert _visible(ec2_of(WORKLOAD), to_prod) == NOTHING


def test_removing_a_launch_permission_hides_the_ami_again(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED))
    _share(ec2_of(SHARED), ami, "organization", workload_ou_arn)

    ec2_of(SHARED).modify_image_attribute(ImageId=ami, LaunchPermission={"Remove": [{"OrganizationArn": ORG_ARN}]})

    assert _visible(ec2_of(WORKLOAD), ami) == NOTHING


def test_only_the_owner_may_read_or_change_launch_permissions(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED))
    _share(ec2_of(SHARED), ami, "organization", workload_ou_arn)

    with pytest.raises(ClientError) as change:
        ec2_of(WORKLOAD).modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"Group": "all"}]})
    with pytest.raises(ClientError) as read:
        ec2_of(WORKLOAD).describe_image_attribute(ImageId=ami, Attribute="launchPermission")

    assert change.value.response["Error"]["Code"] == "AuthFailure"
    assert read.value.response["Error"]["Code"] == "AuthFailure"
    assert _visible(ec2_of(OUTSIDER), ami) == NOTHING


def test_ami_tags_are_visible_only_to_the_owner(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED))
    ec2_of(SHARED).create_tags(Resources=[ami], Tags=[{"Key": "ImageBuilder", "Value": "true"}])
    _share(ec2_of(SHARED), ami, "organization", workload_ou_arn)
    by_tag = [{"Name": "tag:ImageBuilder", "Values": ["true"]}]

    owner_view = ec2_of(SHARED).describe_images(ImageIds=[ami])["Images"][0]
    consumer_view = ec2_of(WORKLOAD).describe_images(ImageIds=[ami])["Images"][0]
    owner_by_tag = _ids(ec2_of(SHARED).describe_images(Owners=[SHARED], Filters=by_tag)["Images"])
    consumer_by_tag = _ids(ec2_of(WORKLOAD).describe_images(Owners=[SHARED], Filters=by_tag)["Images"])

    assert owner_view["Tags"] == [{"Key": "ImageBuilder", "Value": "true"}]
    assert "Tags" not in consumer_view
    assert consumer_view["Name"] == owner_view["Name"]
    assert ami in owner_by_tag
    assert ami not in consumer_by_tag


def test_name_filters_work_across_accounts(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED), prefix="filtered")
    _share(ec2_of(SHARED), ami, "organization", workload_ou_arn)
    name = ec2_of(SHARED).describe_images(ImageIds=[ami])["Images"][0]["Name"]

    found = ec2_of(WORKLOAD).describe_images(Owners=[SHARED], Filters=[{"Name": "name", "Values": [name]}])["Images"]

    assert _ids(found) == {ami}


def test_a_shared_ami_launches_instances_in_the_consumer_account(ec2_of, workload_ou_arn):
    ami = _new_ami(ec2_of(SHARED))
    _share(ec2_of(SHARED), ami, "organization", workload_ou_arn)

    instance = ec2_of(WORKLOAD).run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.small")["Instances"][0]

    assert instance["ImageId"] == ami


def test_register_image_keeps_root_device_mappings_and_architecture(ec2_of):
    ec2 = ec2_of(SHARED)
    image_id = ec2.register_image(
        Name=f"registered_{uuid.uuid4().hex[:8]}",
        Architecture="arm64",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 50, "VolumeType": "gp3", "DeleteOnTermination": True}},
            {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 100, "VolumeType": "gp3", "Iops": 3000}},
        ],
    )["ImageId"]

    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]

    assert (image["RootDeviceName"], image["Architecture"], image["RootDeviceType"]) == ("/dev/xvda", "arm64", "ebs")
    devices = {m["DeviceName"]: m["Ebs"] for m in image["BlockDeviceMappings"]}
    assert set(devices) == {"/dev/xvda", "/dev/xvdb"}
    assert (devices["/dev/xvda"]["VolumeSize"], devices["/dev/xvda"]["VolumeType"]) == (50, "gp3")
    assert devices["/dev/xvda"]["DeleteOnTermination"] is True
    assert (devices["/dev/xvdb"]["VolumeSize"], devices["/dev/xvdb"]["Iops"]) == (100, 3000)
    assert devices["/dev/xvdb"]["SnapshotId"].startswith("snap-")


def test_register_image_without_mappings_still_describes_its_root_volume(ec2_of):
    image_id = ec2_of(SHARED).register_image(Name=f"plain_{uuid.uuid4().hex[:8]}")["ImageId"]

    image = ec2_of(SHARED).describe_images(ImageIds=[image_id])["Images"][0]

    assert [m["DeviceName"] for m in image["BlockDeviceMappings"]] == [image["RootDeviceName"]]
