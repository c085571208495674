"""An AMI's lifecycle across accounts: deprecation, disabling, who may launch, deregistration and
snapshots, launch template versions found by filter and deleted, instances found by image."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, SHARED, WORKLOAD, wait_until
from imagebuilder_support import clients, producer_resources, wait_for_image

OUTSIDER = "999900001111"  # not in the organization


@pytest.fixture
def shared_ami(ec2_of) -> str:
    """A fresh AMI the Shared account owns and shares with the organization."""
    ami = ec2_of(SHARED).register_image(Name=f"sample_{uuid.uuid4().hex[:8]}")["ImageId"]
    ec2_of(SHARED).modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    return ami


def _code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


def _ids(images) -> set[str]:
    return {image["ImageId"] for image in images}


def _listed(ec2, ami: str, **flags) -> bool:
    return ami in _ids(ec2.describe_images(Owners=[SHARED], **flags)["Images"])


def _deprecate_now(ec2, ami: str) -> datetime:
    """Deprecate `ami` as of now; returns the minute EC2 stored (the nearest one, which may be
    the next)."""
    ec2.enable_image_deprecation(ImageId=ami, DeprecateAt=datetime.now(UTC))
    shown = ec2.describe_images(ImageIds=[ami])["Images"][0]["DeprecationTime"]
    return datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def deprecated_ami(ec2_of) -> tuple[str, datetime]:
    """An AMI of the Shared account, shared with the organization, deprecated now (once the
    minute EC2 rounded "now" to has come): its id and deprecation time."""
    ami = ec2_of(SHARED).register_image(Name=f"sample_{uuid.uuid4().hex[:8]}")["ImageId"]
    ec2_of(SHARED).modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    minute = _deprecate_now(ec2_of(SHARED), ami)
    wait_until(lambda: datetime.now(UTC) >= minute, "the deprecation time to come", deadline_s=61)
    return ami, minute


def _launch(ec2, ami: str) -> dict:
    return ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.small")["Instances"][0]


# --- deprecation ---------------------------------------------------------------------------


@pytest.mark.parametrize(("second", "expected_minute"), [(29, 17), (30, 18)])
def test_deprecation_time_is_rounded_to_the_nearest_minute(ec2_of, shared_ami, second, expected_minute):
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    at = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 13, 17, second, tzinfo=UTC)

    assert ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=at)["Return"] is True

    [image] = ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"]
    assert image["DeprecationTime"] == f"{tomorrow.isoformat()}T13:{expected_minute}:00.000Z"


def _start_of_this_minute_a_while_ago() -> datetime:
    """A time of the current minute's first half, at least two seconds ago: it rounds down."""
    ago = datetime.now(UTC) - timedelta(seconds=2)
    return ago.replace(second=min(ago.second, 20), microsecond=0)


def test_the_start_of_the_current_minute_is_in_the_past(ec2_of, shared_ami):
    with pytest.raises(ClientError) as raised:
        ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=_start_of_this_minute_a_while_ago())

    assert _code(raised) == "InvalidParameterValue"
    assert "in the past" in raised.value.response["Error"]["Message"]
    assert "DeprecationTime" not in ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"][0]


@pytest.mark.parametrize("offset", [timedelta(days=-1), timedelta(minutes=-2), timedelta(days=11 * 365)])
def test_a_deprecation_time_in_the_past_or_beyond_ten_years_is_refused(ec2_of, shared_ami, offset):
    with pytest.raises(ClientError) as raised:
        ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=datetime.now(UTC) + offset)

    assert _code(raised) == "InvalidParameterValue"
    assert "DeprecationTime" not in ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"][0]


def test_a_public_ami_cannot_be_deprecated_later_than_two_years_after_creation(ec2_of, shared_ami):
    ec2_of(SHARED).modify_image_attribute(ImageId=shared_ami, LaunchPermission={"Add": [{"Group": "all"}]})

    with pytest.raises(ClientError) as raised:
        ec2_of(SHARED).enable_image_deprecation(
            ImageId=shared_ami, DeprecateAt=datetime.now(UTC) + timedelta(days=3 * 365)
        )

    assert _code(raised) == "InvalidParameterValue"


def test_deprecating_at_the_current_moment_is_accepted(ec2_of, shared_ami):
    now = datetime.now(UTC)

    ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=now)

    shown = ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"][0]["DeprecationTime"]
    moment = datetime.strptime(shown, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
    assert abs(moment - now) <= timedelta(seconds=30)


def test_a_deprecated_ami_is_hidden_from_other_accounts_unless_asked_for(ec2_of, deprecated_ami):
    shared_ami, minute = deprecated_ami
    consumer, owner = ec2_of(WORKLOAD), ec2_of(SHARED)

    assert not _listed(consumer, shared_ami)
    assert not _listed(consumer, shared_ami, IncludeDeprecated=False)
    assert not _listed(consumer, shared_ami, ExecutableUsers=["self"])
    assert _listed(consumer, shared_ami, IncludeDeprecated=True)
    by_id = consumer.describe_images(ImageIds=[shared_ami], IncludeDeprecated=False)["Images"]
    assert [image["DeprecationTime"] for image in by_id] == [minute.strftime("%Y-%m-%dT%H:%M:00.000Z")]
    assert _listed(owner, shared_ami)
    assert _listed(owner, shared_ami, IncludeDeprecated=False)


def test_a_future_deprecation_time_hides_nothing_yet(ec2_of, shared_ami):
    ec2_of(SHARED).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=datetime.now(UTC) + timedelta(days=1))

    [image] = [i for i in ec2_of(WORKLOAD).describe_images(Owners=[SHARED])["Images"] if i["ImageId"] == shared_ami]
    assert "DeprecationTime" in image


def test_a_deprecated_ami_still_launches(ec2_of, deprecated_ami):
    shared_ami, _ = deprecated_ami

    assert _launch(ec2_of(WORKLOAD), shared_ami)["ImageId"] == shared_ami


def test_cancelling_the_deprecation_shows_the_ami_again(ec2_of, shared_ami):
    _deprecate_now(ec2_of(SHARED), shared_ami)

    assert ec2_of(SHARED).disable_image_deprecation(ImageId=shared_ami)["Return"] is True

    assert _listed(ec2_of(WORKLOAD), shared_ami)
    assert "DeprecationTime" not in ec2_of(WORKLOAD).describe_images(ImageIds=[shared_ami])["Images"][0]


@pytest.mark.parametrize(
    ("account", "code"), [(WORKLOAD, "AuthFailure"), (OUTSIDER, "InvalidAMIID.NotFound")]
)
def test_only_the_owner_may_deprecate_or_cancel(ec2_of, shared_ami, account, code):
    later = datetime.now(UTC) + timedelta(days=1)

    with pytest.raises(ClientError) as enable:
        ec2_of(account).enable_image_deprecation(ImageId=shared_ami, DeprecateAt=later)
    with pytest.raises(ClientError) as cancel:
        ec2_of(account).disable_image_deprecation(ImageId=shared_ami)

    assert (_code(enable), _code(cancel)) == (code, code)


def test_amazon_amis_are_not_the_callers_to_deprecate_or_disable(ec2_of):
    by_name = [{"Name": "name", "Values": ["amzn-ami-hvm-2017.09.1.20171103-x86_64-gp2"]}]
    amazon = ec2_of(SHARED).describe_images(Owners=["amazon"], Filters=by_name)["Images"][0]["ImageId"]

    with pytest.raises(ClientError) as deprecate:
        ec2_of(SHARED).enable_image_deprecation(ImageId=amazon, DeprecateAt=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(ClientError) as disable:
        ec2_of(SHARED).disable_image(ImageId=amazon)

    assert (_code(deprecate), _code(disable)) == ("AuthFailure", "AuthFailure")


# --- disabling -----------------------------------------------------------------------------


def test_disabling_hides_the_ami_and_removes_every_launch_permission(ec2_of, shared_ami):
    owner, consumer = ec2_of(SHARED), ec2_of(WORKLOAD)

    assert owner.disable_image(ImageId=shared_ami)["Return"] is True

    assert not _listed(owner, shared_ami)
    assert owner.describe_images(ImageIds=[shared_ami])["Images"] == []
    [image] = owner.describe_images(ImageIds=[shared_ami], IncludeDisabled=True)["Images"]
    assert (image["State"], image["Public"]) == ("disabled", False)
    assert owner.describe_image_attribute(ImageId=shared_ami, Attribute="launchPermission")["LaunchPermissions"] == []
    assert not _listed(consumer, shared_ami, IncludeDisabled=True, IncludeDeprecated=True)
    with pytest.raises(ClientError) as by_id:
        consumer.describe_images(ImageIds=[shared_ami], IncludeDisabled=True)
    assert _code(by_id) == "InvalidAMIID.NotFound"


def test_a_disabled_ami_cannot_be_launched_by_anyone(ec2_of, shared_ami):
    ec2_of(SHARED).disable_image(ImageId=shared_ami)

    with pytest.raises(ClientError) as owner:
        _launch(ec2_of(SHARED), shared_ami)
    with pytest.raises(ClientError) as consumer:
        _launch(ec2_of(WORKLOAD), shared_ami)

    assert _code(owner) == "InvalidAMIID.Unavailable"
    assert _code(consumer) == "InvalidAMIID.NotFound"


def test_a_disabled_ami_cannot_be_shared(ec2_of, shared_ami):
    ec2_of(SHARED).disable_image(ImageId=shared_ami)

    with pytest.raises(ClientError) as raised:
        ec2_of(SHARED).modify_image_attribute(ImageId=shared_ami, LaunchPermission={"Add": [{"UserId": WORKLOAD}]})

    assert _code(raised) == "InvalidAMIID.Unavailable"


def test_enabling_makes_the_ami_available_without_its_old_launch_permissions(ec2_of, shared_ami):
    owner, consumer = ec2_of(SHARED), ec2_of(WORKLOAD)
    owner.disable_image(ImageId=shared_ami)

    assert owner.enable_image(ImageId=shared_ami)["Return"] is True

    assert owner.describe_images(ImageIds=[shared_ami])["Images"][0]["State"] == "available"
    assert _launch(owner, shared_ami)["ImageId"] == shared_ami
    assert not _listed(consumer, shared_ami)
    owner.modify_image_attribute(ImageId=shared_ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
    assert _listed(consumer, shared_ami)


@pytest.mark.parametrize(("account", "code"), [(WORKLOAD, "AuthFailure"), (OUTSIDER, "InvalidAMIID.NotFound")])
def test_only_the_owner_may_disable_or_enable(ec2_of, shared_ami, account, code):
    with pytest.raises(ClientError) as disable:
        ec2_of(account).disable_image(ImageId=shared_ami)
    with pytest.raises(ClientError) as enable:
        ec2_of(account).enable_image(ImageId=shared_ami)

    assert (_code(disable), _code(enable)) == (code, code)
    assert _listed(ec2_of(WORKLOAD), shared_ami)


# --- who may launch ------------------------------------------------------------------------


def _unshared(ec2_of) -> str:
    return ec2_of(SHARED).register_image(Name=f"private_{uuid.uuid4().hex[:8]}")["ImageId"]


def _deregistered(ec2_of) -> str:
    ami = _unshared(ec2_of)
    ec2_of(SHARED).deregister_image(ImageId=ami)
    return ami


@pytest.mark.parametrize(
    ("make", "account", "code"),
    [
        (lambda ec2_of: "ami-0123456789abcdef0", WORKLOAD, "InvalidAMIID.NotFound"),
        (lambda ec2_of: "image-1", WORKLOAD, "InvalidAMIID.Malformed"),
        (_unshared, WORKLOAD, "InvalidAMIID.NotFound"),
        (_deregistered, SHARED, "InvalidAMIID.Unavailable"),
        (_deregistered, WORKLOAD, "InvalidAMIID.NotFound"),
    ],
    ids=["made-up", "malformed", "not-shared", "deregistered-by-owner", "deregistered-unshared"],
)
def test_run_instances_refuses_an_ami_the_account_cannot_launch(ec2_of, make, account, code):
    ami = make(ec2_of)

    with pytest.raises(ClientError) as raised:
        _launch(ec2_of(account), ami)

    assert _code(raised) == code


def test_a_shared_ami_that_was_deregistered_is_unavailable_to_its_users(ec2_of, shared_ami):
    ec2_of(SHARED).deregister_image(ImageId=shared_ami)

    with pytest.raises(ClientError) as raised:
        _launch(ec2_of(WORKLOAD), shared_ami)

    assert _code(raised) == "InvalidAMIID.Unavailable"


def test_with_propagation_a_deregistered_ami_still_lists_for_that_long(ec2_of, shared_ami, config):
    config(propagation_seconds=2)
    ec2_of(SHARED).deregister_image(ImageId=shared_ami)

    by_owner = ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"]
    by_member = ec2_of(WORKLOAD).describe_images(Owners=[SHARED], IncludeDeprecated=True)["Images"]
    with pytest.raises(ClientError) as raised:
        _launch(ec2_of(WORKLOAD), shared_ami)
    wait_until(lambda: not _listed(ec2_of(WORKLOAD), shared_ami), "the deregistration to propagate")

    assert [(i["ImageId"], i["State"]) for i in by_owner] == [(shared_ami, "deregistered")]
    assert (shared_ami, "deregistered") in {(i["ImageId"], i["State"]) for i in by_member}
    assert _code(raised) == "InvalidAMIID.Unavailable"
    assert ec2_of(SHARED).describe_images(ImageIds=[shared_ami])["Images"] == []


def test_a_launch_template_launch_checks_the_template_image(ec2_of):
    ami = _unshared(ec2_of)
    ec2 = ec2_of(WORKLOAD)
    template = ec2.create_launch_template(
        LaunchTemplateName=f"lt-{uuid.uuid4().hex[:8]}", LaunchTemplateData={"ImageId": ami, "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]

    with pytest.raises(ClientError) as raised:
        ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template}, MinCount=1, MaxCount=1)

    assert _code(raised) == "InvalidAMIID.NotFound"


def test_auto_scaling_refuses_a_group_whose_template_image_cannot_launch(session_for, ec2_of, shared_ami):
    session = session_for(WORKLOAD)
    ec2, autoscaling = session.client("ec2"), session.client("autoscaling")
    ec2_of(SHARED).disable_image(ImageId=shared_ami)
    template = ec2.create_launch_template(
        LaunchTemplateName=f"lt-{uuid.uuid4().hex[:8]}",
        LaunchTemplateData={"ImageId": shared_ami, "InstanceType": "t3.small"},
    )["LaunchTemplate"]["LaunchTemplateId"]
    name = f"web-{uuid.uuid4().hex[:8]}"

    with pytest.raises(ClientError) as raised:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Latest"},
            MinSize=1,
            MaxSize=1,
            DesiredCapacity=1,
            VPCZoneIdentifier=ec2.describe_subnets()["Subnets"][0]["SubnetId"],
        )

    assert _code(raised) == "ValidationError"
    assert shared_ami in raised.value.response["Error"]["Message"]
    assert autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"] == []


# --- deregistering and snapshots ------------------------------------------------------------


def _snapshot_of(ec2, ami: str) -> str:
    [image] = ec2.describe_images(ImageIds=[ami], IncludeDisabled=True)["Images"]
    return image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]


@pytest.mark.parametrize("disabled", [False, True], ids=["available", "disabled"])
def test_a_registered_amis_snapshot_is_in_use_until_the_ami_is_deregistered(ec2_of, shared_ami, disabled):
    ec2 = ec2_of(SHARED)
    snapshot = _snapshot_of(ec2, shared_ami)
    if disabled:
        ec2.disable_image(ImageId=shared_ami)

    with pytest.raises(ClientError) as raised:
        ec2.delete_snapshot(SnapshotId=snapshot)
    ec2.deregister_image(ImageId=shared_ami)
    ec2.delete_snapshot(SnapshotId=snapshot)

    assert _code(raised) == "InvalidSnapshot.InUse"
    assert ec2.describe_images(ImageIds=[shared_ami])["Images"] == []
    with pytest.raises(ClientError) as gone:
        ec2.describe_snapshots(SnapshotIds=[snapshot])
    assert _code(gone) == "InvalidSnapshot.NotFound"


def test_a_snapshot_two_amis_use_stays_in_use_until_both_are_deregistered(ec2_of, shared_ami):
    ec2 = ec2_of(SHARED)
    snapshot = _snapshot_of(ec2, shared_ami)
    second = ec2.register_image(
        Name=f"second_{uuid.uuid4().hex[:8]}",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot, "VolumeSize": 8}}],
    )["ImageId"]

    first_results = ec2.deregister_image(ImageId=shared_ami, DeleteAssociatedSnapshots=True)["DeleteSnapshotResults"]
    with pytest.raises(ClientError) as raised:
        ec2.delete_snapshot(SnapshotId=snapshot)
    second_results = ec2.deregister_image(ImageId=second, DeleteAssociatedSnapshots=True)["DeleteSnapshotResults"]

    assert first_results == [{"SnapshotId": snapshot, "ReturnCode": "skipped"}]
    assert (_code(raised), raised.value.response["Error"]["Message"]) == (
        "InvalidSnapshot.InUse",
        f"The snapshot {snapshot} is currently in use by {second}",
    )
    assert second_results == [{"SnapshotId": snapshot, "ReturnCode": "success"}]


def test_deregistering_without_deleting_snapshots_keeps_them(ec2_of, shared_ami):
    ec2 = ec2_of(SHARED)
    snapshot = _snapshot_of(ec2, shared_ami)

    answer = ec2.deregister_image(ImageId=shared_ami)

    assert "DeleteSnapshotResults" not in answer
    assert [s["SnapshotId"] for s in ec2.describe_snapshots(SnapshotIds=[snapshot])["Snapshots"]] == [snapshot]


def test_only_the_owner_may_deregister(ec2_of, shared_ami):
    with pytest.raises(ClientError) as raised:
        ec2_of(WORKLOAD).deregister_image(ImageId=shared_ami)

    assert _code(raised) == "AuthFailure"
    assert _listed(ec2_of(WORKLOAD), shared_ami)


# --- launch template versions ----------------------------------------------------------------


@pytest.fixture
def template(ec2_of):
    """A workload template with versions 1-5: images a, b, a, c, a; version 2 is the default."""
    ec2 = ec2_of(WORKLOAD)
    images = ["ami-0aaaaaaaaaaaaaaa1", "ami-0bbbbbbbbbbbbbbb2", "ami-0aaaaaaaaaaaaaaa1", "ami-0ccccccccccccccc3"]
    created = ec2.create_launch_template(
        LaunchTemplateName=f"sample-lt-{uuid.uuid4().hex[:8]}",
        LaunchTemplateData={"ImageId": images[0], "InstanceType": "t3.small", "EbsOptimized": True},
    )["LaunchTemplate"]
    for image in images[1:] + images[:1]:
        ec2.create_launch_template_version(
            LaunchTemplateId=created["LaunchTemplateId"], SourceVersion="1", LaunchTemplateData={"ImageId": image}
        )
    ec2.modify_launch_template(LaunchTemplateId=created["LaunchTemplateId"], DefaultVersion="2")
    return ec2, created["LaunchTemplateId"], created["LaunchTemplateName"]


def _numbers(answer) -> list[int]:
    return [v["VersionNumber"] for v in answer["LaunchTemplateVersions"]]


def _filtered(ec2, template_id: str, name: str, values: list[str]) -> list[int]:
    answer = ec2.describe_launch_template_versions(
        LaunchTemplateId=template_id, Filters=[{"Name": name, "Values": values}]
    )
    return _numbers(answer)


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("image-id", ["ami-0aaaaaaaaaaaaaaa1"], [1, 3, 5]),
        ("image-id", ["ami-0bbbbbbbbbbbbbbb2", "ami-0ccccccccccccccc3"], [2, 4]),
        ("image-id", ["ami-0c*"], [4]),
        ("is-default-version", ["true"], [2]),
        ("is-default-version", ["false"], [1, 3, 4, 5]),
        ("instance-type", ["t3.small"], [1, 2, 3, 4, 5]),
        ("ebs-optimized", ["false"], []),
        ("kernel-id", ["*"], []),
    ],
)
def test_describe_launch_template_versions_honours_filters(template, name, values, expected):
    ec2, template_id, _ = template

    assert _filtered(ec2, template_id, name, values) == expected


def test_the_create_time_filter_matches_the_iso_time_with_wildcards(template):
    ec2, template_id, _ = template
    answer = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["1"])
    [first] = answer["LaunchTemplateVersions"]
    day = first["CreateTime"].astimezone(UTC).strftime("%Y-%m-%d")

    assert _filtered(ec2, template_id, "create-time", [f"{day}T*"]) == [1, 2, 3, 4, 5]
    assert _filtered(ec2, template_id, "create-time", ["1999-01-01T*"]) == []


def test_an_unknown_filter_is_refused(template):
    ec2, template_id, _ = template

    with pytest.raises(ClientError) as raised:
        _filtered(ec2, template_id, "image", ["ami-0aaaaaaaaaaaaaaa1"])

    assert _code(raised) == "InvalidParameterValue"


def test_versions_aliases_and_bounds_select_versions(template):
    ec2, template_id, name = template

    def numbers(**selection) -> list[int]:
        return _numbers(ec2.describe_launch_template_versions(**selection))

    assert numbers(LaunchTemplateId=template_id, Versions=["$Latest", "$Default"]) == [5, 2]
    assert numbers(LaunchTemplateName=name, Versions=["4", "1"]) == [4, 1]
    assert numbers(LaunchTemplateId=template_id, MinVersion="2", MaxVersion="4") == [2, 3, 4]
    filtered_default = ec2.describe_launch_template_versions(
        LaunchTemplateId=template_id,
        Versions=["$Default"],
        Filters=[{"Name": "image-id", "Values": ["ami-0aaaaaaaaaaaaaaa1"]}],
    )
    assert _numbers(filtered_default) == []


def test_every_templates_default_and_latest_versions_can_be_filtered_by_image(template):
    ec2, template_id, _ = template
    image = f"ami-0{uuid.uuid4().hex[:16]}"  # no other test's template uses it
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"ImageId": image}
    )
    ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="6")
    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={})

    answer = ec2.describe_launch_template_versions(
        Versions=["$Latest", "$Default"], Filters=[{"Name": "image-id", "Values": [image]}]
    )

    assert [(v["LaunchTemplateId"], v["VersionNumber"]) for v in answer["LaunchTemplateVersions"]] == [(template_id, 6)]
    with pytest.raises(ClientError) as raised:
        ec2.describe_launch_template_versions(Versions=["1"])
    assert _code(raised) == "InvalidParameterValue"
    with pytest.raises(ClientError) as missing:
        ec2.describe_launch_template_versions()
    assert _code(missing) == "MissingParameter"
    # AWS's own text, as moto's AWS-verified test records it.
    assert missing.value.response["Error"]["Message"] == raised.value.response["Error"]["Message"]
    assert missing.value.response["Error"]["Message"].startswith(
        "To describe the launch template data for all your launch templates, for ‘--versions’ specify ‘$Latest’"
    )


def test_versions_are_paged_with_next_token_and_all_returned_without_max_results(template):
    ec2, template_id, _ = template
    for _ in range(15):
        ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={})

    everything = _numbers(ec2.describe_launch_template_versions(LaunchTemplateId=template_id))
    paginator = ec2.get_paginator("describe_launch_template_versions")
    paged = paginator.paginate(LaunchTemplateId=template_id, PaginationConfig={"PageSize": 8})
    pages = [_numbers(page) for page in paged]

    assert everything == list(range(1, 21))
    assert pages == [list(range(1, 9)), list(range(9, 17)), list(range(17, 21))]


def test_launch_templates_are_paged_with_next_token_and_all_returned_without_max_results(ec2_of):
    ec2 = ec2_of(WORKLOAD)
    prefix = f"paged-{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}-{i:02d}" for i in range(17)]
    for name in names:
        ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"InstanceType": "t3.small"})
    mine = [{"Name": "launch-template-name", "Values": [f"{prefix}-*"]}]

    everything = ec2.describe_launch_templates(Filters=mine)["LaunchTemplates"]
    paginator = ec2.get_paginator("describe_launch_templates")
    pages = [
        [t["LaunchTemplateName"] for t in page["LaunchTemplates"]]
        for page in paginator.paginate(Filters=mine, PaginationConfig={"PageSize": 10})
    ]

    assert [t["LaunchTemplateName"] for t in everything] == names
    assert pages == [names[:10], names[10:]]


def test_deleting_versions_reports_each_version(template):
    ec2, template_id, name = template

    answer = ec2.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=["3", "2", "9", "4"])

    assert answer["SuccessfullyDeletedLaunchTemplateVersions"] == [
        {"LaunchTemplateId": template_id, "LaunchTemplateName": name, "VersionNumber": 3},
        {"LaunchTemplateId": template_id, "LaunchTemplateName": name, "VersionNumber": 4},
    ]
    refused = {v["VersionNumber"]: v for v in answer["UnsuccessfullyDeletedLaunchTemplateVersions"]}
    assert set(refused) == {2, 9}
    assert refused[2]["ResponseError"]["Code"] == "unexpectedError"
    assert "default version" in refused[2]["ResponseError"]["Message"]
    assert refused[9]["ResponseError"]["Code"] == "launchTemplateVersionDoesNotExist"
    assert (refused[2]["LaunchTemplateId"], refused[2]["LaunchTemplateName"]) == (template_id, name)
    assert _numbers(ec2.describe_launch_template_versions(LaunchTemplateId=template_id)) == [1, 2, 5]
    with pytest.raises(ClientError) as raised:
        ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["3"])
    assert _code(raised) == "InvalidLaunchTemplateId.VersionNotFound"


def test_deleted_version_numbers_are_never_given_again(template):
    ec2, template_id, name = template

    ec2.delete_launch_template_versions(LaunchTemplateName=name, Versions=["5", "4"])
    latest = _numbers(ec2.describe_launch_template_versions(LaunchTemplateId=template_id, Versions=["$Latest"]))
    created = ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="3", LaunchTemplateData={"InstanceType": "m5.large"}
    )["LaunchTemplateVersion"]
    [described] = ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"]

    assert latest == [3]
    assert created["VersionNumber"] == 6
    assert created["LaunchTemplateData"]["ImageId"] == "ami-0aaaaaaaaaaaaaaa1"
    assert (described["LatestVersionNumber"], described["DefaultVersionNumber"]) == (6, 2)
    ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="6")
    with pytest.raises(ClientError) as raised:
        ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="5")
    assert _code(raised) == "InvalidLaunchTemplateId.VersionNotFound"


@pytest.mark.parametrize(
    ("identity", "code"),
    [
        ({"LaunchTemplateId": "lt-0123456789abcdef0"}, "launchTemplateIdDoesNotExist"),
        ({"LaunchTemplateId": "template-1"}, "launchTemplateIdMalformed"),
        ({"LaunchTemplateName": "no-such-template"}, "launchTemplateNameDoesNotExist"),
    ],
)
def test_deleting_versions_of_an_unknown_template_fails_each_version(ec2_of, identity, code):
    answer = ec2_of(WORKLOAD).delete_launch_template_versions(Versions=["1", "2"], **identity)

    assert answer["SuccessfullyDeletedLaunchTemplateVersions"] == []
    refused = answer["UnsuccessfullyDeletedLaunchTemplateVersions"]
    assert [(v["VersionNumber"], v["ResponseError"]["Code"]) for v in refused] == [(1, code), (2, code)]


# --- instances by image -----------------------------------------------------------------------


def test_describe_instances_filters_by_image_and_state(ec2_of, shared_ami):
    ec2 = ec2_of(WORKLOAD)
    other = ec2_of(SHARED).register_image(Name=f"other_{uuid.uuid4().hex[:8]}")["ImageId"]
    ec2_of(SHARED).modify_image_attribute(ImageId=other, LaunchPermission={"Add": [{"UserId": WORKLOAD}]})
    first, second = (_launch(ec2, shared_ami)["InstanceId"] for _ in range(2))
    _launch(ec2, other)
    ec2.terminate_instances(InstanceIds=[second])

    def found(*filters) -> set[str]:
        reservations = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])["Reservations"]
        return {i["InstanceId"] for r in reservations for i in r["Instances"]}

    assert found(("image-id", [shared_ami])) == {first, second}
    not_terminated = ["pending", "running", "stopping", "stopped"]
    assert found(("image-id", [shared_ami]), ("instance-state-name", not_terminated)) == {first}
    assert found(("image-id", [shared_ami]), ("instance-state-name", ["terminated"])) == {second}


# --- Image Builder's DeleteImage leaves the AMIs -----------------------------------------------


def test_deleting_the_image_builder_image_keeps_its_amis_until_they_are_deregistered(localcloud, session_for, config):
    config(build_seconds=1, fail_build_step=None)
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    [output] = image["outputResources"]["amis"]
    snapshot = _snapshot_of(ec2, output["image"])

    imagebuilder.delete_image(imageBuildVersionArn=arn)

    [ami] = ec2.describe_images(ImageIds=[output["image"]])["Images"]
    assert ami["State"] == "available"
    with pytest.raises(ClientError) as in_use:
        ec2.delete_snapshot(SnapshotId=snapshot)
    assert _code(in_use) == "InvalidSnapshot.InUse"
    results = ec2.deregister_image(ImageId=output["image"], DeleteAssociatedSnapshots=True)["DeleteSnapshotResults"]
    assert results == [{"SnapshotId": snapshot, "ReturnCode": "success"}]
