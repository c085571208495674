"""Shared setup for the tests of who may use an AMI and who does (Allowed AMIs, image references,
usage reports): a fresh AMI shared with the organization, and the instances, launch templates,
recipes and IAM roles that use it, made with plain boto3 calls."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from conftest import ORG_ARN, SHARED, wait_until

COMPONENT = (
    "name: probe\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: hello\n"
    "        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n"
)


def new_shared_ami(producer: Any) -> str:
    """A fresh AMI of `producer`'s account, named `golden-…`, shared with the organization."""
    ami = producer.register_image(Name=f"golden-{uuid.uuid4().hex[:8]}")["ImageId"]
    producer.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    return ami


@pytest.fixture
def shared_ami(ec2_of) -> str:
    """A fresh AMI the Shared account owns, shared with the organization."""
    return new_shared_ami(ec2_of(SHARED))


def code(raised: pytest.ExceptionInfo) -> str:
    """The AWS error code of a ClientError caught by `pytest.raises`."""
    return raised.value.response["Error"]["Code"]


def deprecate_now(ec2: Any, ami: str) -> datetime:
    """Deprecate `ami` as of now and return the deprecation time EC2 stored, once it has come.

    EC2 rounds the time to the nearest minute, which may be the next one: this waits (polling,
    at most a minute) until the AMI is deprecated.
    """
    ec2.enable_image_deprecation(ImageId=ami, DeprecateAt=datetime.now(UTC))
    shown = ec2.describe_images(ImageIds=[ami])["Images"][0]["DeprecationTime"]
    minute = datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    wait_until(lambda: datetime.now(UTC) > minute, "the deprecation time to come", deadline_s=61)
    return minute


def launch(ec2: Any, ami: str, count: int = 1) -> list[str]:
    """Instance ids of `count` instances launched from `ami`."""
    instances = ec2.run_instances(ImageId=ami, MinCount=count, MaxCount=count, InstanceType="t3.small")["Instances"]
    return [i["InstanceId"] for i in instances]


def template(ec2: Any, ami: str, later_versions: int = 0) -> str:
    """A launch template whose version 1 runs `ami`, followed by `later_versions` on another AMI."""
    template_id = ec2.create_launch_template(
        LaunchTemplateName=f"uses-{uuid.uuid4().hex[:8]}", LaunchTemplateData={"ImageId": ami}
    )["LaunchTemplate"]["LaunchTemplateId"]
    for _ in range(later_versions):
        ec2.create_launch_template_version(
            LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"ImageId": "ami-0123456789abcdef0"}
        )
    return template_id


def recipe(imagebuilder: Any, ami: str) -> str:
    """The ARN of a new Image Builder image recipe whose parent image is `ami`."""
    component = imagebuilder.create_component(
        name=f"uses-{uuid.uuid4().hex[:8]}", semanticVersion="1.0.0", platform="Linux", data=COMPONENT
    )["componentBuildVersionArn"]
    return imagebuilder.create_image_recipe(
        name=f"uses-{uuid.uuid4().hex[:8]}",
        semanticVersion="1.0.0",
        parentImage=ami,
        components=[{"componentArn": component}],
    )["imageRecipeArn"]


def role_ec2(statements: list[dict[str, Any]]) -> Any:
    """An EC2 client of a new role in the Shared account whose inline policy holds `statements`."""
    iam = boto3.client("iam")
    name = f"uses-{uuid.uuid4().hex[:8]}"
    trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SHARED}:root"}, "Action": "sts:AssumeRole"}
    document = lambda statements: json.dumps({"Version": "2012-10-17", "Statement": statements})  # noqa: E731
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=document([trust]))
    iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=document(statements))
    role_arn = f"arn:aws:iam::{SHARED}:role/{name}"
    credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="probe")["Credentials"]
    return boto3.client(
        "ec2",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
