"""AMI deregistration protection: Enable/DisableImageDeregistrationProtection (with and without
the 24-hour cooldown), DeregisterImage refused while protected, `DeregistrationProtection` in
DescribeImages, and who may change it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, REGION, SHARED, WORKLOAD
from test_iam_evaluation import _allow, _as, _refused


@pytest.fixture
def ami(ec2_of) -> str:
    """A fresh AMI the Shared account owns (with its root snapshot), shared with the organization."""
    ec2 = ec2_of(SHARED)
    image = ec2.register_image(Name=f"protected_{uuid.uuid4().hex[:8]}")["ImageId"]
    ec2.modify_image_attribute(ImageId=image, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    return image


def _code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


def _state(ec2, image: str) -> str:
    return ec2.describe_images(ImageIds=[image])["Images"][0]["DeregistrationProtection"]


def _snapshots(ec2, image: str) -> list[str]:
    [described] = ec2.describe_images(ImageIds=[image])["Images"]
    return [m["Ebs"]["SnapshotId"] for m in described["BlockDeviceMappings"] if "Ebs" in m]


def test_an_ami_starts_unprotected(ec2_of, ami):
    assert _state(ec2_of(SHARED), ami) == "disabled"


def test_protection_refuses_deregistration_until_it_is_disabled(ec2_of, ami):
    ec2 = ec2_of(SHARED)
    snapshots = _snapshots(ec2, ami)

    enabled = ec2.enable_image_deregistration_protection(ImageId=ami)
    with pytest.raises(ClientError) as raised:
        ec2.deregister_image(ImageId=ami, DeleteAssociatedSnapshots=True)
    still = ec2.describe_images(ImageIds=[ami])["Images"]
    kept = ec2.describe_snapshots(SnapshotIds=snapshots)["Snapshots"]
    disabled = ec2.disable_image_deregistration_protection(ImageId=ami)
    deregistered = ec2.deregister_image(ImageId=ami)

    assert enabled["Return"] == "enabled-without-cooldown"
    assert _code(raised) == "OperationNotPermitted"
    assert ami in raised.value.response["Error"]["Message"]
    assert [(i["ImageId"], i["State"], i["DeregistrationProtection"]) for i in still] == [
        (ami, "available", "enabled-without-cooldown")
    ]
    assert [s["SnapshotId"] for s in kept] == snapshots
    assert disabled["Return"] == "disabled"
    assert deregistered["Return"] is True


def test_with_cooldown_the_ami_stays_protected_for_24_hours_after_disabling(ec2_of, ami):
    ec2 = ec2_of(SHARED)

    enabled = ec2.enable_image_deregistration_protection(ImageId=ami, WithCooldown=True)
    shown = _state(ec2, ami)
    before = datetime.now(UTC)
    disabled = ec2.disable_image_deregistration_protection(ImageId=ami)["Return"]
    with pytest.raises(ClientError) as raised:
        ec2.deregister_image(ImageId=ami)

    assert enabled["Return"] == shown == "enabled-with-cooldown"
    assert disabled.startswith("disabled-until ")
    until = datetime.strptime(disabled.removeprefix("disabled-until "), "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    assert before + timedelta(hours=24) - timedelta(seconds=1) <= until <= datetime.now(UTC) + timedelta(hours=24)
    assert _state(ec2, ami) == disabled
    assert _code(raised) == "OperationNotPermitted"


def test_enabling_again_does_not_cut_a_running_cooldown_short(ec2_of, ami):
    ec2 = ec2_of(SHARED)
    ec2.enable_image_deregistration_protection(ImageId=ami, WithCooldown=True)
    cooling = ec2.disable_image_deregistration_protection(ImageId=ami)["Return"]

    again = ec2.enable_image_deregistration_protection(ImageId=ami, WithCooldown=False)["Return"]
    after = ec2.disable_image_deregistration_protection(ImageId=ami)["Return"]
    with pytest.raises(ClientError) as raised:
        ec2.deregister_image(ImageId=ami)

    assert again == "enabled-without-cooldown"
    assert after == cooling
    assert _code(raised) == "OperationNotPermitted"


def test_describe_image_attribute_reads_the_protection(ec2_of, ami):
    ec2 = ec2_of(SHARED)
    ec2.enable_image_deregistration_protection(ImageId=ami, WithCooldown=True)

    attribute = ec2.describe_image_attribute(ImageId=ami, Attribute="deregistrationProtection")
    with pytest.raises(ClientError) as raised:
        ec2_of(WORKLOAD).describe_image_attribute(ImageId=ami, Attribute="deregistrationProtection")

    assert attribute["ImageId"] == ami
    assert attribute["DeregistrationProtection"] == {"Value": "enabled-with-cooldown"}
    assert _code(raised) == "AuthFailure"


def test_only_the_owner_may_change_protection_and_others_see_it(ec2_of, ami):
    ec2_of(SHARED).enable_image_deregistration_protection(ImageId=ami)

    refused = []
    for call in (
        ec2_of(WORKLOAD).enable_image_deregistration_protection,
        ec2_of(WORKLOAD).disable_image_deregistration_protection,
    ):
        with pytest.raises(ClientError) as raised:
            call(ImageId=ami)
        refused.append(_code(raised))
    with pytest.raises(ClientError) as deregistering:
        ec2_of(WORKLOAD).deregister_image(ImageId=ami)

    assert refused == ["AuthFailure", "AuthFailure"]
    assert _code(deregistering) == "AuthFailure"
    assert _state(ec2_of(WORKLOAD), ami) == "enabled-without-cooldown"
    assert _state(ec2_of(SHARED), ami) == "enabled-without-cooldown"


@pytest.mark.parametrize(
    ("image", "code"),
    [("ami-0123456789abcdef0", "InvalidAMIID.NotFound"), ("image-1", "InvalidAMIID.Malformed")],
)
def test_an_unknown_or_malformed_ami_is_refused(ec2_of, image, code):
    with pytest.raises(ClientError) as raised:
        ec2_of(SHARED).enable_image_deregistration_protection(ImageId=image)

    assert _code(raised) == code


def test_a_deregistered_ami_cannot_be_protected(ec2_of, ami):
    ec2 = ec2_of(SHARED)
    ec2.deregister_image(ImageId=ami)

    with pytest.raises(ClientError) as raised:
        ec2.enable_image_deregistration_protection(ImageId=ami)

    assert _code(raised) == "InvalidAMIID.Unavailable"


def test_dry_run_changes_nothing(ec2_of, ami):
    ec2 = ec2_of(SHARED)

    with pytest.raises(ClientError) as raised:
        ec2.enable_image_deregistration_protection(ImageId=ami, DryRun=True)

    assert _code(raised) == "DryRunOperation"
    assert _state(ec2, ami) == "disabled"


def test_protection_actions_are_authorized_on_the_image(config):
    ec2 = boto3.client("ec2")
    mine, theirs = (ec2.register_image(Name=f"iam_{uuid.uuid4().hex[:8]}")["ImageId"] for _ in range(2))
    actions = ["ec2:EnableImageDeregistrationProtection", "ec2:DisableImageDeregistrationProtection"]
    session = _as([_allow(actions, f"arn:aws:ec2:{REGION}::image/{mine}")])
    config(enforce_iam=True)
    client = session.client("ec2")

    enabled = client.enable_image_deregistration_protection(ImageId=mine)["Return"]
    disabled = client.disable_image_deregistration_protection(ImageId=mine)["Return"]
    refused = _refused(lambda: client.enable_image_deregistration_protection(ImageId=theirs))

    assert (enabled, disabled) == ("enabled-without-cooldown", "disabled")
    assert refused["Error"]["Code"] == "UnauthorizedOperation"
    assert (
        f"ec2:EnableImageDeregistrationProtection on resource: arn:aws:ec2:{REGION}::image/{theirs} because"
        in refused["Error"]["Message"]
    )
