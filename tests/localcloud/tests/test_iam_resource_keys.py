"""The resource's own condition keys under `enforce_iam`: `aws:ResourceOrgID` and
`aws:ResourceAccount` (IAM User Guide, "AWS global condition context keys": the account that
owns the resource and, when it is a member, its organization), and EC2's `ec2:Owner` of an AMI
(Service Authorization Reference, Amazon EC2: the owner of the `image` resource)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION, SHARED, WORKLOAD, checked_session

OUTSIDER = "999988887777"  # outside the organization


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _session(credentials: dict[str, str]) -> boto3.Session:
    return checked_session(
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
    )


def _assume(role_arn: str, sts: Any = None) -> boto3.Session:
    sts = sts or boto3.client("sts")
    return _session(sts.assume_role(RoleArn=role_arn, RoleSessionName="probe")["Credentials"])


def _role(iam: Any, trust: dict[str, Any], statements: list[dict[str, Any]]) -> str:
    name = f"probe-{uuid.uuid4().hex[:8]}"
    statement = {"Effect": "Allow", "Principal": trust, "Action": "sts:AssumeRole"}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_policy(statement))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=_policy(*statements))
    return arn


def _trusting_shared(account: str) -> str:
    """A role in `account` trusting 111122223333, made through a role there."""
    admin = _assume(f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole")
    return _role(admin.client("iam"), {"AWS": f"arn:aws:iam::{SHARED}:root"}, [])


def test_resource_org_id_limits_assume_role_to_the_organizations_accounts(config):
    member = _trusting_shared(WORKLOAD)
    outsider = _trusting_shared(OUTSIDER)
    only_inside = {
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": "arn:aws:iam::*:role/*",
        "Condition": {"StringEquals": {"aws:ResourceOrgID": "o-xxxxxxxxxx"}},
    }
    caller = _role(boto3.client("iam"), {"AWS": f"arn:aws:iam::{SHARED}:root"}, [only_inside])
    config(enforce_iam=True)
    sts = _assume(caller).client("sts")

    assert _assume(member, sts).client("sts").get_caller_identity()["Account"] == WORKLOAD
    with pytest.raises(ClientError) as refused:
        _assume(outsider, sts)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_ec2_owner_names_the_account_that_owns_an_image(config):
    ec2 = boto3.client("ec2")
    image = ec2.register_image(Name=f"probe-{uuid.uuid4().hex[:8]}", RootDeviceName="/dev/xvda")["ImageId"]
    def owned_by(owner: str) -> dict[str, Any]:
        return {
            "Effect": "Allow",
            "Action": "ec2:DeregisterImage",
            "Resource": f"arn:aws:ec2:{REGION}::image/*",
            "Condition": {"StringEquals": {"ec2:Owner": owner}},
        }

    other = _role(boto3.client("iam"), {"AWS": f"arn:aws:iam::{SHARED}:root"}, [owned_by(WORKLOAD)])
    owner = _role(boto3.client("iam"), {"AWS": f"arn:aws:iam::{SHARED}:root"}, [owned_by(SHARED)])
    config(enforce_iam=True)

    with pytest.raises(ClientError) as refused:
        _assume(other).client("ec2").deregister_image(ImageId=image)
    assert refused.value.response["Error"]["Code"] == "UnauthorizedOperation"
    _assume(owner).client("ec2").deregister_image(ImageId=image)
