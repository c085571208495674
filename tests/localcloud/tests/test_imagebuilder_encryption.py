"""Image Builder builds that encrypt: a distribution's `kmsKeyId`, or the producer's default EBS key
when encryption by default is on; an AMI encrypted with the AWS managed key cannot be distributed
to the organization; a key Image Builder's service-linked role may not use fails the build.

The producer is 111122223333, building in us-west-2 (only this file builds there); every test
that turns encryption by default on or changes the default key has it reset afterwards.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable, Iterator

import pytest
from conftest import ORG_ARN, SHARED, WORKLOAD
from imagebuilder_support import BUILD_DOCUMENT, build_instance_network, wait_for_image
from kms_support import policy, regional_clients

REGION = "us-west-2"


@pytest.fixture(autouse=True)
def fast_builds(config) -> None:
    config(build_seconds=1, fail_build_step=None)


@pytest.fixture(scope="module")
def clients(localcloud, session_for) -> Callable[[str, str], Any]:
    """`clients(account, service)`: a client acting in `account` in us-west-2."""
    return regional_clients(session_for, REGION, localcloud)


@pytest.fixture
def encrypting(clients) -> Iterator[Callable[[str | None], None]]:
    """`encrypting(key=None)`: encryption by default on in the producer (with `key` as default key) for the test."""
    ec2 = clients(SHARED, "ec2")

    def enable(key: str | None = None) -> None:
        ec2.enable_ebs_encryption_by_default()
        if key is not None:
            ec2.modify_ebs_default_kms_key_id(KmsKeyId=key)

    yield enable
    ec2.disable_ebs_encryption_by_default()
    ec2.reset_ebs_default_kms_key_id()


def _key(clients, *statements: dict[str, Any]) -> dict[str, Any]:
    kms = clients(SHARED, "kms")
    metadata = kms.create_key(Description=f"golden-{uuid.uuid4().hex[:6]}")["KeyMetadata"]
    if statements:
        kms.put_key_policy(
            KeyId=metadata["KeyId"],
            Policy=policy(*statements),
            BypassPolicyLockoutSafetyCheck=True,
        )
    return metadata


def _build(clients, kms_key_id: str | None = None) -> dict[str, Any]:
    """Build once with a distribution to us-west-2 shared with the organization; returns the image when it ends."""
    imagebuilder, ec2, iam = clients(SHARED, "imagebuilder"), clients(SHARED, "ec2"), clients(SHARED, "iam")
    name = f"golden-{uuid.uuid4().hex[:8]}"
    network = build_instance_network(ec2, iam, name)
    component = imagebuilder.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=BUILD_DOCUMENT)
    recipe = imagebuilder.create_image_recipe(
        name=name,
        semanticVersion="1.0.0",
        parentImage=f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": component["componentBuildVersionArn"]}],
    )["imageRecipeArn"]
    infrastructure = imagebuilder.create_infrastructure_configuration(
        name=name, instanceTypes=["t3.small"], terminateInstanceOnFailure=True, **network
    )["infrastructureConfigurationArn"]
    ami_settings: dict[str, Any] = {
        "name": f"{name}_{{{{imagebuilder:buildDate}}}}",
        "launchPermission": {"organizationArns": [ORG_ARN]},
    }
    if kms_key_id is not None:
        ami_settings["kmsKeyId"] = kms_key_id
    distribution = imagebuilder.create_distribution_configuration(
        name=name, distributions=[{"region": REGION, "amiDistributionConfiguration": ami_settings}]
    )["distributionConfigurationArn"]
    arn = imagebuilder.create_image(
        imageRecipeArn=recipe,
        infrastructureConfigurationArn=infrastructure,
        distributionConfigurationArn=distribution,
        imageTestsConfiguration={"imageTestsEnabled": False},
    )["imageBuildVersionArn"]
    return wait_for_image(imagebuilder, arn)


def _ami(image: dict[str, Any]) -> str:
    [output] = image["outputResources"]["amis"]
    return output["image"]


def _root_snapshot(clients, ami: str) -> dict[str, Any]:
    ec2 = clients(SHARED, "ec2")
    [image] = ec2.describe_images(ImageIds=[ami])["Images"]
    root = next(m for m in image["BlockDeviceMappings"] if m["DeviceName"] == image["RootDeviceName"])
    assert root["Ebs"]["Encrypted"] is True
    return ec2.describe_snapshots(SnapshotIds=[root["Ebs"]["SnapshotId"]])["Snapshots"][0]


def test_a_distributions_kms_key_encrypts_the_ami_the_organization_launches(clients):
    key = _key(clients)  # the default key policy: Image Builder's role may use it through EC2

    image = _build(clients, key["Arn"])

    assert image["state"]["status"] == "AVAILABLE", image["state"]
    snapshot = _root_snapshot(clients, _ami(image))
    assert (snapshot["Encrypted"], snapshot["KmsKeyId"]) == (True, key["Arn"])
    consumer = clients(WORKLOAD, "ec2").describe_images(ImageIds=[_ami(image)])["Images"]
    assert [i["ImageId"] for i in consumer] == [_ami(image)]


def test_encryption_by_default_with_the_aws_managed_key_makes_the_org_distribution_fail(clients, encrypting):
    encrypting()

    image = _build(clients)

    assert image["state"] == {
        "status": "FAILED",
        "reason": (
            "Not all distribution jobs are completed. 1) EC2 Client Error: 'Snapshots encrypted with the AWS "
            "Managed CMK can't be shared. Specify another snapshot.' when distributing the image from the source "
            f"account (ID: {SHARED}) to the destination account (ID: {SHARED}) in Region {REGION}."
        ),
    }


def test_encryption_by_default_with_a_customer_managed_default_key_is_distributed(clients, encrypting):
    key = _key(clients)
    encrypting(key["Arn"])

    image = _build(clients)

    assert image["state"]["status"] == "AVAILABLE", image["state"]
    assert _root_snapshot(clients, _ami(image))["KmsKeyId"] == key["Arn"]
    assert clients(WORKLOAD, "ec2").describe_images(ImageIds=[_ami(image)])["Images"]


def _only_the_administrator() -> dict[str, Any]:
    """A key policy statement for the tests' administrator role alone: not the account, so not Image Builder's role."""
    return {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{SHARED}:role/OrganizationAccountAccessRole"},
        "Action": "kms:*",
        "Resource": "*",
    }


def test_a_distribution_key_the_image_builder_role_may_not_use_fails_the_distribution(clients):
    key = _key(clients, _only_the_administrator())

    image = _build(clients, key["Arn"])

    assert image["state"]["status"] == "FAILED"
    reason = image["state"]["reason"]
    assert reason.startswith("Not all distribution jobs are completed. 1) EC2 Client Error: ")
    assert "AWSServiceRoleForImageBuilder" in reason and key["Arn"] in reason


def test_a_default_key_the_image_builder_role_may_not_use_fails_the_build_instance(clients, encrypting):
    encrypting(_key(clients, _only_the_administrator())["Arn"])

    image = _build(clients)

    assert image["state"]["status"] == "FAILED"
    assert image["state"]["failureContext"]["failedStep"] == "LaunchBuildInstance"
    assert "Client.InternalError: Client error on launch" in image["state"]["reason"]


def test_the_first_build_creates_the_image_builder_service_linked_role(clients):
    image = _build(clients)

    assert image["state"]["status"] == "AVAILABLE", image["state"]
    role = clients(SHARED, "iam").get_role(RoleName="AWSServiceRoleForImageBuilder")["Role"]
    assert role["Path"] == "/aws-service-role/imagebuilder.amazonaws.com/"
