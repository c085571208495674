"""Allowed AMIs: settings per account and Region, criteria and their limits, what `enabled` hides
and refuses (RunInstances, Auto Scaling launches and refreshes), what `audit-mode` reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from ami_support import code, deprecate_now, launch, new_shared_ami, shared_ami  # noqa: F401 (fixture)
from autoscaling_support import TERMINAL
from botocore.exceptions import ClientError
from conftest import SHARED, WORKLOAD, WORKLOAD_PROD, wait_until

OTHER_REGION = "eu-west-3"
# Amazon's AL2023 AMIs and the AMIs made here: moto's Windows catalogue entries carry a Platform
# value outside botocore's enum, which the response check would refuse.
SOME_IMAGES = [{"Name": "name", "Values": ["al2023-*", "golden-*"]}]


@pytest.fixture
def consumer(ec2_of):
    """The workload account's EC2 client; its Allowed AMIs are disabled and cleared afterwards."""
    ec2 = ec2_of(WORKLOAD)
    yield ec2
    ec2.disable_allowed_images_settings()
    ec2.replace_image_criteria_in_allowed_images_settings(ImageCriteria=[])


def _allow(ec2, state: str, *criteria: dict) -> None:
    ec2.enable_allowed_images_settings(AllowedImagesSettingsState=state)
    ec2.replace_image_criteria_in_allowed_images_settings(ImageCriteria=list(criteria))


def _judged(ec2, ami: str) -> bool | None:
    """ImageAllowed as DescribeImages reports it for `ami` (named, so deprecation hides nothing)."""
    [image] = ec2.describe_images(ImageIds=[ami], IncludeDeprecated=True)["Images"]
    return image.get("ImageAllowed")


# --- the settings --------------------------------------------------------------------------


def test_settings_start_disabled_without_criteria_and_managed_by_the_account(session_for):
    settings = session_for(WORKLOAD_PROD, region=OTHER_REGION).client("ec2").get_allowed_images_settings()

    assert settings["State"] == "disabled"
    assert settings["ManagedBy"] == "account"
    assert "ImageCriteria" not in settings


def test_criteria_are_kept_as_given_and_survive_the_state_changing(consumer):
    criteria = [
        {"ImageProviders": ["amazon", SHARED], "ImageNames": ["golden-*", "base ?? (x86)"]},
        {
            "MarketplaceProductCodes": ["abc123XYZ"],
            "CreationDateCondition": {"MaximumDaysSinceCreated": 300},
            "DeprecationTimeCondition": {"MaximumDaysSinceDeprecated": 0},
        },
    ]

    assert consumer.enable_allowed_images_settings(AllowedImagesSettingsState="audit-mode")[
        "AllowedImagesSettingsState"
    ] == "audit-mode"
    assert consumer.replace_image_criteria_in_allowed_images_settings(ImageCriteria=criteria)["ReturnValue"] is True
    audit = consumer.get_allowed_images_settings()
    consumer.enable_allowed_images_settings(AllowedImagesSettingsState="enabled")
    enabled = consumer.get_allowed_images_settings()
    assert consumer.disable_allowed_images_settings()["AllowedImagesSettingsState"] == "disabled"
    disabled = consumer.get_allowed_images_settings()

    assert (audit["State"], enabled["State"], disabled["State"]) == ("audit-mode", "enabled", "disabled")
    assert audit["ImageCriteria"] == enabled["ImageCriteria"] == disabled["ImageCriteria"] == criteria


def test_replacing_with_no_criteria_clears_them(consumer):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    consumer.replace_image_criteria_in_allowed_images_settings(ImageCriteria=[])

    assert "ImageCriteria" not in consumer.get_allowed_images_settings()


def test_settings_belong_to_one_account_in_one_region(consumer, session_for, ec2_of):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    assert consumer.get_allowed_images_settings()["State"] == "enabled"
    assert ec2_of(WORKLOAD_PROD).get_allowed_images_settings()["State"] == "disabled"
    assert session_for(WORKLOAD, region=OTHER_REGION).client("ec2").get_allowed_images_settings()["State"] == "disabled"


def test_enable_takes_only_enabled_or_audit_mode(consumer):
    with pytest.raises(ClientError) as raised:
        consumer.enable_allowed_images_settings(AllowedImagesSettingsState="disabled")

    assert code(raised) == "InvalidParameterValue"
    assert consumer.get_allowed_images_settings()["State"] == "disabled"


def test_a_dry_run_changes_nothing(consumer):
    with pytest.raises(ClientError) as raised:
        consumer.enable_allowed_images_settings(AllowedImagesSettingsState="enabled", DryRun=True)

    assert code(raised) == "DryRunOperation"
    assert consumer.get_allowed_images_settings()["State"] == "disabled"


@pytest.mark.parametrize(
    "criteria",
    [
        [{"ImageProviders": ["amazon"]}] * 11,
        [{"ImageProviders": [f"{n:012d}" for n in range(201)]}],
        [{"ImageNames": [f"name-{n}" for n in range(51)]}],
        [{"MarketplaceProductCodes": [f"code{n}" for n in range(51)]}],
        [{"ImageProviders": ["none", "amazon"]}],
        [{"ImageProviders": ["amazn"]}],
        [{"ImageProviders": ["12345678901"]}],
        [{"ImageNames": ["x" * 129]}],
        [{"ImageNames": ["a?"]}],
        [{"ImageNames": ["golden#1"]}],
        [{"MarketplaceProductCodes": ["a" * 26]}],
        [{"MarketplaceProductCodes": ["not-alnum"]}],
        [{"CreationDateCondition": {"MaximumDaysSinceCreated": 2147483648}}],
    ],
    ids=[
        "11-criteria",
        "201-providers",
        "51-names",
        "51-product-codes",
        "none-with-others",
        "unknown-provider",
        "short-account-id",
        "long-name",
        "short-name-with-question-mark",
        "name-with-invalid-character",
        "long-product-code",
        "product-code-with-dash",
        "days-beyond-int32",
    ],
)
def test_criteria_outside_the_documented_limits_are_refused_and_change_nothing(consumer, criteria):
    _allow(consumer, "audit-mode", {"ImageProviders": ["amazon"]})

    with pytest.raises(ClientError) as raised:
        consumer.replace_image_criteria_in_allowed_images_settings(ImageCriteria=criteria)

    assert code(raised) == "InvalidParameterValue"
    assert consumer.get_allowed_images_settings()["ImageCriteria"] == [{"ImageProviders": ["amazon"]}]


def test_ten_criteria_and_two_hundred_providers_are_accepted(consumer):
    providers = [f"{n:012d}" for n in range(200)]

    consumer.replace_image_criteria_in_allowed_images_settings(
        ImageCriteria=[{"ImageProviders": providers}] + [{"ImageProviders": ["amazon"]}] * 9
    )

    assert len(consumer.get_allowed_images_settings()["ImageCriteria"]) == 10


# --- enabled ---------------------------------------------------------------------------------


def test_enabled_hides_and_refuses_an_ami_the_criteria_do_not_allow(consumer, shared_ami):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    listed = consumer.describe_images(Owners=[SHARED])["Images"]
    named = consumer.describe_images(ImageIds=[shared_ami])["Images"]
    with pytest.raises(ClientError) as raised:
        launch(consumer, shared_ami)

    assert shared_ami not in {image["ImageId"] for image in listed}
    assert named == []
    assert code(raised) == "InvalidAMIID.NotFound"
    assert shared_ami in raised.value.response["Error"]["Message"]


def test_enabled_lists_allowed_images_marked_allowed(consumer):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    images = consumer.describe_images(Owners=["amazon", SHARED], Filters=SOME_IMAGES)["Images"]

    assert {image["ImageOwnerAlias"] for image in images} == {"amazon"}
    assert {image["ImageAllowed"] for image in images} == {True}


def test_the_producers_account_id_in_image_providers_admits_its_amis(consumer, shared_ami):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})
    with pytest.raises(ClientError):
        launch(consumer, shared_ami)

    consumer.replace_image_criteria_in_allowed_images_settings(ImageCriteria=[{"ImageProviders": ["amazon", SHARED]}])

    assert _judged(consumer, shared_ami) is True
    assert launch(consumer, shared_ami)


def test_the_accounts_own_amis_are_always_allowed(consumer, shared_ami):
    own = consumer.register_image(Name=f"own-{uuid.uuid4().hex[:8]}")["ImageId"]

    _allow(consumer, "enabled", {"ImageProviders": ["none"]})

    assert _judged(consumer, own) is True
    assert launch(consumer, own)
    assert consumer.describe_images(ImageIds=[shared_ami])["Images"] == []


def test_disabling_lifts_the_restriction(consumer, shared_ami):
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    consumer.disable_allowed_images_settings()

    [image] = consumer.describe_images(ImageIds=[shared_ami])["Images"]
    assert "ImageAllowed" not in image
    assert launch(consumer, shared_ami)


# --- audit mode -----------------------------------------------------------------------------


def test_audit_mode_reports_image_allowed_and_restricts_nothing(consumer, shared_ami):
    _allow(consumer, "audit-mode", {"ImageProviders": ["amazon"]})

    def listed(value: str) -> list[dict]:
        filters = SOME_IMAGES + [{"Name": "image-allowed", "Values": [value]}]
        return consumer.describe_images(Owners=["amazon", SHARED], Filters=filters)["Images"]

    not_allowed, allowed = listed("false"), listed("true")

    assert _judged(consumer, shared_ami) is False
    assert shared_ami in {image["ImageId"] for image in not_allowed}
    assert {image["OwnerId"] for image in not_allowed} == {SHARED}
    assert allowed and {image["ImageOwnerAlias"] for image in allowed} == {"amazon"}
    assert launch(consumer, shared_ami)


# --- what each criterion checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "allowed"),
    [("golden-*", True), ("golden-????????", True), ("golden-???", False), ("GOLDEN-*", False), ("*-x", False)],
)
def test_image_names_match_with_wildcards(consumer, shared_ami, pattern, allowed):
    _allow(consumer, "audit-mode", {"ImageNames": [pattern]})

    assert _judged(consumer, shared_ami) is allowed


def test_a_criterion_allows_only_what_meets_all_its_parameters(consumer, shared_ami):
    _allow(consumer, "audit-mode", {"ImageProviders": [SHARED], "ImageNames": ["other-*"]})
    assert _judged(consumer, shared_ami) is False

    consumer.replace_image_criteria_in_allowed_images_settings(
        ImageCriteria=[{"ImageProviders": [SHARED], "ImageNames": ["other-*"]}, {"ImageNames": ["golden-*"]}]
    )
    assert _judged(consumer, shared_ami) is True


def test_marketplace_product_codes_allow_only_amis_carrying_them(consumer, shared_ami):
    _allow(consumer, "audit-mode", {"MarketplaceProductCodes": ["abc123"]})

    assert _judged(consumer, shared_ami) is False


@pytest.mark.parametrize(("days", "allowed"), [(0, False), (1, True)])
def test_creation_date_condition(consumer, shared_ami, days, allowed):
    condition = {"MaximumDaysSinceCreated": days}
    _allow(consumer, "audit-mode", {"ImageProviders": [SHARED], "CreationDateCondition": condition})

    assert _judged(consumer, shared_ami) is allowed


@pytest.fixture(scope="module")
def deprecated_ami(ec2_of) -> str:
    """An AMI of the Shared account, shared with the organization, deprecated since just now."""
    ami = new_shared_ami(ec2_of(SHARED))
    deprecate_now(ec2_of(SHARED), ami)
    return ami


@pytest.mark.parametrize(("days", "allowed"), [(0, False), (1, True)])
def test_deprecation_time_condition(consumer, deprecated_ami, days, allowed):
    _allow(consumer, "audit-mode", {"DeprecationTimeCondition": {"MaximumDaysSinceDeprecated": days}})

    assert _judged(consumer, deprecated_ami) is allowed


def test_an_ami_deprecated_only_in_the_future_meets_a_zero_day_deprecation_condition(consumer, shared_ami, ec2_of):
    ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=datetime.now(UTC) + timedelta(days=3))

    _allow(consumer, "audit-mode", {"DeprecationTimeCondition": {"MaximumDaysSinceDeprecated": 0}})

    assert _judged(consumer, shared_ami) is True


@pytest.mark.parametrize(
    "condition",
    [
        {"ImageWatermarks": [{"WatermarkKey": f"{SHARED}:*"}]},
        {"ScanResultCondition": {"MaximumSeverityLabel": "critical"}},
    ],
    ids=["watermark", "inspector-scan"],
)
def test_watermark_and_scan_conditions_allow_no_ami_here(consumer, shared_ami, condition):
    _allow(consumer, "audit-mode", {"ImageProviders": [SHARED], **condition})

    assert _judged(consumer, shared_ami) is False


# --- Auto Scaling -----------------------------------------------------------------------------


@pytest.fixture
def group_on(session_for):
    """`group_on(ami)`: a one-instance workload group on a template of `ami`; (autoscaling, name)."""
    session = session_for(WORKLOAD)
    ec2, autoscaling = session.client("ec2"), session.client("autoscaling")

    def make(ami: str) -> tuple:
        name = f"allowed-{uuid.uuid4().hex[:8]}"
        template = ec2.create_launch_template(
            LaunchTemplateName=name, LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.small"}
        )["LaunchTemplate"]["LaunchTemplateId"]
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Default"},
            MinSize=0,
            MaxSize=4,
            DesiredCapacity=1,
            VPCZoneIdentifier=ec2.describe_subnets()["Subnets"][0]["SubnetId"],
        )
        return autoscaling, name

    return make


def test_a_group_cannot_scale_out_onto_a_disallowed_ami(consumer, shared_ami, group_on):
    autoscaling, name = group_on(shared_ami)
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    with pytest.raises(ClientError) as raised:
        autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=2)

    assert code(raised) == "ValidationError"
    assert "You must use a valid fully-formed launch template." in raised.value.response["Error"]["Message"]
    assert shared_ami in raised.value.response["Error"]["Message"]


def test_a_refresh_onto_a_disallowed_ami_fails_with_the_launch_error(consumer, shared_ami, group_on, config):
    config(refresh_seconds=0.5)
    autoscaling, name = group_on(shared_ami)
    _allow(consumer, "enabled", {"ImageProviders": ["amazon"]})

    refresh_id = autoscaling.start_instance_refresh(AutoScalingGroupName=name)["InstanceRefreshId"]

    def ended():
        [refresh] = autoscaling.describe_instance_refreshes(
            AutoScalingGroupName=name, InstanceRefreshIds=[refresh_id]
        )["InstanceRefreshes"]
        return refresh if refresh["Status"] in TERMINAL else None

    final = wait_until(ended, f"instance refresh of {name}")
    assert final["Status"] == "Failed"
    assert "launching a new instance failed" in final["StatusReason"]
    assert shared_ami in final["StatusReason"]
