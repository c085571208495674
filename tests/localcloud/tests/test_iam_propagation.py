"""IAM is eventually consistent: with `propagation_seconds` on, other services see an IAM change late.

IAM User Guide, "Changes that I make are not always immediately visible". Each test makes a change
through IAM with the knob on, shows the other service still answering from before the change, and
then polls (with a deadline, never a sleep) until the change is seen.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import SHARED, assumed, role_with, wait_until

pytestmark = pytest.mark.usefixtures("localcloud")

WINDOW = 2  # seconds: long enough to observe, short enough for the suite
PROFILE_MISSING = (
    "The value supplied for parameter 'instanceProfileName' is not valid. The provided instance profile does not "
    "exist. Please specify a different instance profile and try again."
)
EC2_TRUST = {"Service": "ec2.amazonaws.com"}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(principal: dict[str, str]) -> str:
    return _policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})


def _allow(action: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def _refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def _succeeds(call: Callable[[], Any]) -> Callable[[], Any]:
    """`call` as a wait_until check: its answer once it stops failing, else None."""

    def attempt() -> Any:
        try:
            return call() or True
        except ClientError:
            return None

    return attempt


def _trusting_role(iam: Any, name: str) -> str:
    """A role 111122223333 may assume; returns its ARN."""
    return role_with(iam, [], name)


def _profile(iam: Any) -> str:
    name = _name("builder")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(EC2_TRUST))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def _infrastructure(profile: str, name: str | None = None) -> Callable[[], Any]:
    return lambda: boto3.client("imagebuilder").create_infrastructure_configuration(
        name=name or _name("infra"), instanceProfileName=profile, instanceTypes=["t3.small"]
    )


def test_image_builder_refuses_an_instance_profile_that_does_not_exist():
    refused = _refused(_infrastructure(_name("never-made")))

    assert refused["Error"]["Code"] == "InvalidParameterValueException"
    assert refused["Error"]["Message"] == PROFILE_MISSING
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_new_instance_profile_is_seen_by_image_builder_only_once_it_propagated(config):
    config(propagation_seconds=WINDOW)
    iam = boto3.client("iam")
    profile = _profile(iam)
    name = _name("infra")

    refused = _refused(_infrastructure(profile, name))
    listed = iam.get_instance_profile(InstanceProfileName=profile)["InstanceProfile"]["Roles"]
    created = wait_until(_succeeds(_infrastructure(profile, name)), "the instance profile to propagate")

    assert refused["Error"]["Code"] == "InvalidParameterValueException"
    assert refused["Error"]["Message"] == PROFILE_MISSING
    assert [role["RoleName"] for role in listed] == [profile]  # IAM itself answers at once
    assert created["infrastructureConfigurationArn"].endswith(f"infrastructure-configuration/{name}")


def test_updating_to_a_new_instance_profile_waits_for_it_too(config):
    iam = boto3.client("iam")
    arn = _infrastructure(_profile(iam))()["infrastructureConfigurationArn"]
    config(propagation_seconds=WINDOW)
    newer = _profile(iam)
    imagebuilder = boto3.client("imagebuilder")

    def update() -> Any:
        return imagebuilder.update_infrastructure_configuration(
            infrastructureConfigurationArn=arn, instanceProfileName=newer, instanceTypes=["t3.small"]
        )

    refused = _refused(update)
    wait_until(_succeeds(update), "the new instance profile to propagate")

    assert refused["Error"]["Message"] == PROFILE_MISSING
    seen = imagebuilder.get_infrastructure_configuration(infrastructureConfigurationArn=arn)
    assert seen["infrastructureConfiguration"]["instanceProfileName"] == newer


def test_a_profile_made_before_the_knob_is_seen_at_once(config):
    profile = _profile(boto3.client("iam"))
    config(propagation_seconds=60)

    created = _infrastructure(profile)()

    assert created["infrastructureConfigurationArn"]


def test_a_new_role_cannot_be_assumed_until_it_propagated(config):
    config(propagation_seconds=WINDOW)
    iam = boto3.client("iam")
    arn = _trusting_role(iam, _name("fresh"))

    refused = _refused(lambda: assumed(arn))
    session = wait_until(_succeeds(lambda: assumed(arn)), "the role to propagate to STS")

    assert refused["Error"]["Code"] == "AccessDenied"
    assert refused["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"sts:AssumeRole on resource: {arn}" in refused["Error"]["Message"]
    assert session.client("sts").get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{SHARED}:assumed-role/")


def test_a_changed_trust_policy_is_evaluated_as_it_was_until_it_propagated(config):
    iam = boto3.client("iam")
    name = _name("trusting")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust({"AWS": "arn:aws:iam::999988887777:root"}))[
        "Role"
    ]["Arn"]
    config(enforce_iam=True, propagation_seconds=WINDOW)

    iam.update_assume_role_policy(RoleName=name, PolicyDocument=_trust({"AWS": f"arn:aws:iam::{SHARED}:root"}))
    refused = _refused(lambda: assumed(arn))
    session = wait_until(_succeeds(lambda: assumed(arn)), "the new trust policy to propagate")

    assert refused["Error"]["Code"] == "AccessDenied"
    assert session.client("sts").get_caller_identity()["Account"] == SHARED


def test_a_changed_identity_policy_is_evaluated_as_it_was_until_it_propagated(config):
    iam = boto3.client("iam")
    name = _name("grown")
    arn = _trusting_role(iam, name)
    iam.put_role_policy(RoleName=name, PolicyName="vpcs", PolicyDocument=_policy(_allow("ec2:DescribeVpcs")))
    config(enforce_iam=True, propagation_seconds=WINDOW)
    ec2 = assumed(arn).client("ec2")

    iam.put_role_policy(RoleName=name, PolicyName="subnets", PolicyDocument=_policy(_allow("ec2:DescribeSubnets")))
    iam.delete_role_policy(RoleName=name, PolicyName="vpcs")
    still_allowed = ec2.describe_vpcs()
    not_yet = _refused(ec2.describe_subnets)
    wait_until(_succeeds(ec2.describe_subnets), "the new policy to propagate")
    wait_until(lambda: _succeeds(ec2.describe_vpcs)() is None, "the removed policy to propagate")

    assert still_allowed["Vpcs"]
    assert not_yet["Error"]["Code"] == "UnauthorizedOperation"


def test_a_key_policy_naming_a_new_role_is_refused_by_kms_until_the_role_propagated(config):
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    config(propagation_seconds=WINDOW)
    arn = _trusting_role(boto3.client("iam"), _name("key-user"))
    administrator = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SHARED}:root"}, "Action": "kms:*", "Resource": "*"}
    user = {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "kms:Decrypt", "Resource": "*"}
    document = _policy(administrator, user)

    refused = _refused(lambda: kms.put_key_policy(KeyId=key, Policy=document))
    wait_until(_succeeds(lambda: kms.put_key_policy(KeyId=key, Policy=document)), "the role to propagate to KMS")

    assert refused["Error"]["Code"] == "MalformedPolicyDocumentException"
    assert refused["Error"]["Message"] == "Policy contains a statement with one or more invalid principals."
    assert arn in kms.get_key_policy(KeyId=key)["Policy"]


def test_without_the_knob_a_change_is_seen_at_once(config):
    config(enforce_iam=True)
    iam = boto3.client("iam")
    arn = _trusting_role(iam, _name("instant"))

    assert assumed(arn).client("sts").get_caller_identity()["Account"] == SHARED
    assert _infrastructure(_profile(iam))()["infrastructureConfigurationArn"]
