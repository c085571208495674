"""Auto Scaling groups launching from encrypted AMIs: the service-linked role the group launches as,
the grant it needs on another account's key, the failed scaling activity and the failed instance
refresh without it, the key policy it needs in its own account, and DescribeScalingActivities.

111122223333 produces AMIs encrypted with its customer managed keys and shares them with the
organization; 444455556666 runs the groups. Everything runs in eu-north-1, which only this file
uses.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, SHARED, WORKLOAD, wait_until
from kms_support import GRANT_OPERATIONS, ORGANIZATION_USE, administrator, autoscaling_role, policy, regional_clients

REGION = "eu-north-1"
ZONE = f"{REGION}a"
FRESH = "777766665555"  # an account no other test uses (outside the organization)
TERMINAL = ("Successful", "Failed", "Cancelled")
GROUP_FAILURE = (
    "Instance became unhealthy while waiting for instance to be in InService state. "
    "Termination Reason: Client.InternalError: Client error on launch"
)


@pytest.fixture(scope="module")
def clients(session_for) -> Callable[[str, str], Any]:
    """`clients(account, service)`: a client acting in `account` in eu-north-1."""
    return regional_clients(session_for, REGION)


def _encrypted_ami(clients, *statements: dict[str, Any], owner: str = SHARED) -> tuple[str, dict[str, Any]]:
    """An AMI of `owner` whose root snapshot is encrypted with a new key of its own (with `statements`
    beside its administrator's), shared with the organization."""
    kms = clients(owner, "kms")
    key = kms.create_key(Description=f"asg-{uuid.uuid4().hex[:6]}")["KeyMetadata"]
    if statements:
        kms.put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(owner), *statements))
    return _ami_on(clients, owner, key["KeyId"]), key


def _ami_on(clients, owner: str, key_id: str | None) -> str:
    """An AMI of `owner` whose root snapshot is encrypted with `key_id` (None: unencrypted), shared with the organization."""
    ec2 = clients(owner, "ec2")
    encryption = {"Encrypted": True, "KmsKeyId": key_id} if key_id else {}
    volume = ec2.create_volume(Size=8, AvailabilityZone=ZONE, **encryption)["VolumeId"]
    snapshot = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ami = ec2.register_image(
        Name=f"golden-{uuid.uuid4().hex[:6]}",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot}}],
    )["ImageId"]
    if owner == SHARED:
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    return ami


def _group(clients, account: str, ami: str, capacity: int) -> tuple[str, str]:
    """A group of `account` on a new launch template running `ami`; returns its name and the template id."""
    ec2, autoscaling = clients(account, "ec2"), clients(account, "autoscaling")
    name = f"web-{uuid.uuid4().hex[:8]}"
    template = ec2.create_launch_template(
        LaunchTemplateName=f"lt-{name}", LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "$Default"},
        MinSize=0,
        MaxSize=6,
        DesiredCapacity=capacity,
        VPCZoneIdentifier=subnet,
    )
    return name, template


def _instances(clients, account: str, name: str) -> list[dict[str, Any]]:
    return clients(account, "autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0][
        "Instances"
    ]


def _activities(clients, account: str, name: str) -> list[dict[str, Any]]:
    return clients(account, "autoscaling").describe_scaling_activities(AutoScalingGroupName=name)["Activities"]


def _grant(clients, key: dict[str, Any], account: str = WORKLOAD) -> str:
    return clients(account, "kms").create_grant(
        KeyId=key["Arn"], GranteePrincipal=autoscaling_role(account), Operations=GRANT_OPERATIONS
    )["GrantId"]


def test_the_first_group_of_an_account_creates_its_auto_scaling_service_linked_role(clients):
    iam = clients(FRESH, "iam")
    with pytest.raises(ClientError) as raised:
        iam.get_role(RoleName="AWSServiceRoleForAutoScaling")
    assert raised.value.response["Error"]["Code"] == "NoSuchEntity"

    _group(clients, FRESH, _ami_on(clients, FRESH, None), capacity=0)

    role = iam.get_role(RoleName="AWSServiceRoleForAutoScaling")["Role"]
    assert role["Arn"] == autoscaling_role(FRESH)
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    attached = iam.list_attached_role_policies(RoleName="AWSServiceRoleForAutoScaling")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AutoScalingServiceRolePolicy"]


def test_without_a_grant_a_group_cannot_launch_from_an_ami_encrypted_with_another_accounts_key(clients):
    ami, _ = _encrypted_ami(clients, ORGANIZATION_USE)

    name, _ = _group(clients, WORKLOAD, ami, capacity=1)

    assert _instances(clients, WORKLOAD, name) == []
    [activity] = _activities(clients, WORKLOAD, name)
    assert activity["StatusCode"] == "Cancelled"
    assert activity["StatusMessage"] == GROUP_FAILURE
    instance = activity["Description"].split(": ", 1)[1].split(".", 1)[0]
    assert activity["Description"] == f"Launching a new EC2 instance: {instance}.  Status Reason: {GROUP_FAILURE}"
    assert "increasing the capacity from 0 to 1" in activity["Cause"]
    described = clients(WORKLOAD, "ec2").describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert described["State"]["Name"] == "terminated"
    assert described["StateReason"] == {"Code": "Client.InternalError", "Message": "Client.InternalError: Client error on launch"}


def test_a_grant_for_the_service_linked_role_lets_the_group_launch(clients):
    ami, key = _encrypted_ami(clients, ORGANIZATION_USE)
    name, _ = _group(clients, WORKLOAD, ami, capacity=1)
    assert _instances(clients, WORKLOAD, name) == []

    _grant(clients, key)
    clients(WORKLOAD, "autoscaling").set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=2)

    instances = _instances(clients, WORKLOAD, name)
    assert len(instances) == 2
    statuses = [a["StatusCode"] for a in _activities(clients, WORKLOAD, name)]
    assert statuses == ["Successful", "Successful", "Cancelled"]
    ec2 = clients(WORKLOAD, "ec2")
    volumes = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instances[0]["InstanceId"]]}])
    managed = clients(WORKLOAD, "kms").describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]
    assert [(v["Encrypted"], v["KmsKeyId"]) for v in volumes["Volumes"]] == [(True, managed)]


def test_an_instance_refresh_onto_an_ami_the_role_cannot_use_fails_and_keeps_the_old_instances(clients, config):
    config(refresh_seconds=0.5)
    ami, key = _encrypted_ami(clients, ORGANIZATION_USE)
    name, template = _group(clients, WORKLOAD, _ami_on(clients, SHARED, None), capacity=2)
    autoscaling, ec2 = clients(WORKLOAD, "autoscaling"), clients(WORKLOAD, "ec2")
    before = {i["InstanceId"] for i in _instances(clients, WORKLOAD, name)}
    ec2.create_launch_template_version(LaunchTemplateId=template, SourceVersion="1", LaunchTemplateData={"ImageId": ami})
    ec2.modify_launch_template(LaunchTemplateId=template, DefaultVersion="2")
    preferences = {"MinHealthyPercentage": 50, "InstanceWarmup": 0}

    def finished(refresh_id: str) -> dict[str, Any]:
        def state() -> dict[str, Any] | None:
            [found] = autoscaling.describe_instance_refreshes(AutoScalingGroupName=name, InstanceRefreshIds=[refresh_id])[
                "InstanceRefreshes"
            ]
            return found if found["Status"] in TERMINAL else None

        return wait_until(state, f"instance refresh of {name}", 60)

    failed = finished(autoscaling.start_instance_refresh(AutoScalingGroupName=name, Preferences=preferences)["InstanceRefreshId"])

    assert failed["Status"] == "Failed"
    assert GROUP_FAILURE in failed["StatusReason"]
    assert {i["InstanceId"] for i in _instances(clients, WORKLOAD, name)} == before
    assert _activities(clients, WORKLOAD, name)[0]["StatusCode"] == "Cancelled"

    _grant(clients, key)
    done = finished(autoscaling.start_instance_refresh(AutoScalingGroupName=name, Preferences=preferences)["InstanceRefreshId"])

    assert done["Status"] == "Successful"
    after = _instances(clients, WORKLOAD, name)
    assert len(after) == 2 and not {i["InstanceId"] for i in after} & before
    assert {i["ImageId"] for i in after} == {ami}


def test_in_its_own_account_the_role_needs_a_key_policy_naming_it(clients):
    delegated_ami, _ = _encrypted_ami(clients)  # the default key policy: the account's IAM policies decide
    first, _ = _group(clients, SHARED, delegated_ami, capacity=1)
    assert _instances(clients, SHARED, first) == []

    naming = {
        "Effect": "Allow",
        "Principal": {"AWS": autoscaling_role(SHARED)},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": "*",
    }
    attachment = {
        "Effect": "Allow",
        "Principal": {"AWS": autoscaling_role(SHARED)},
        "Action": "kms:CreateGrant",
        "Resource": "*",
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    named_ami, _ = _encrypted_ami(clients, naming, attachment)
    second, _ = _group(clients, SHARED, named_ami, capacity=1)

    assert len(_instances(clients, SHARED, second)) == 1


def test_the_aws_managed_key_serves_every_group_of_its_account(clients):
    ec2 = clients(SHARED, "ec2")
    ec2.enable_ebs_encryption_by_default()
    try:
        ami = ec2.register_image(Name=f"managed-{uuid.uuid4().hex[:6]}")["ImageId"]
    finally:
        ec2.disable_ebs_encryption_by_default()

    name, _ = _group(clients, SHARED, ami, capacity=1)

    assert len(_instances(clients, SHARED, name)) == 1
    assert [a["StatusCode"] for a in _activities(clients, SHARED, name)] == ["Successful"]


def test_scaling_activities_page_newest_first_and_validate_their_parameters(clients):
    name, _ = _group(clients, WORKLOAD, _ami_on(clients, SHARED, None), capacity=1)
    autoscaling = clients(WORKLOAD, "autoscaling")
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=3)

    first = autoscaling.describe_scaling_activities(AutoScalingGroupName=name, MaxRecords=2)
    rest = autoscaling.describe_scaling_activities(AutoScalingGroupName=name, MaxRecords=2, NextToken=first["NextToken"])

    activities = first["Activities"] + rest["Activities"]
    assert "NextToken" not in rest
    assert len(activities) == 3
    assert [a["StartTime"] for a in activities] == sorted((a["StartTime"] for a in activities), reverse=True)
    assert "increasing the capacity from 0 to 1" in activities[-1]["Cause"]
    assert [a["ActivityId"] for a in autoscaling.describe_scaling_activities(ActivityIds=[activities[0]["ActivityId"]])["Activities"]] == [
        activities[0]["ActivityId"]
    ]
    with pytest.raises(ClientError) as raised:
        autoscaling.describe_scaling_activities(AutoScalingGroupName=name, NextToken="not-a-token")
    assert raised.value.response["Error"]["Code"] == "InvalidNextToken"
    for records, bound in ((0, "greater than or equal to 1"), (101, "less than or equal to 100")):
        with pytest.raises(ClientError) as raised:
            autoscaling.describe_scaling_activities(AutoScalingGroupName=name, MaxRecords=records)
        assert raised.value.response["Error"]["Code"] == "ValidationError"
        assert raised.value.response["Error"]["Message"].endswith(f"Member must have value {bound}")
