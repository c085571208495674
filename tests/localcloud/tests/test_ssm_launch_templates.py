"""`resolve:ssm:` image ids in launch templates, RunInstances and Auto Scaling launches."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ARN, REGION, SHARED, WORKLOAD

IMAGE = "aws:ec2:image"


@pytest.fixture(scope="module")
def workload(session_for):
    session = session_for(WORKLOAD)
    return session.client("ec2"), session.client("ssm")


@pytest.fixture(scope="module")
def golden(session_for) -> tuple[str, str]:
    """Two AMIs the Shared account shares with the organization: the current one and the next."""
    ec2 = session_for(SHARED).client("ec2")
    ids = []
    for _ in range(2):
        ami = ec2.register_image(Name=f"sample_{uuid.uuid4().hex[:8]}")["ImageId"]
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
        ids.append(ami)
    return ids[0], ids[1]


@pytest.fixture
def parameter(workload, golden) -> str:
    """A Workload parameter holding the current golden AMI (version 1)."""
    _, ssm = workload
    name = f"/gold/test-{uuid.uuid4().hex[:8]}/ami"
    ssm.put_parameter(Name=name, Value=golden[0], Type="String", DataType=IMAGE)
    return name


def _move(ssm, name: str, ami: str) -> None:
    ssm.put_parameter(Name=name, Value=ami, Type="String", DataType=IMAGE, Overwrite=True)
    assert ssm.get_parameter(Name=name)["Parameter"]["Value"] == ami


def _template(ec2, image_id: str) -> str:
    data = {"ImageId": image_id, "InstanceType": "t3.small"}
    created = ec2.create_launch_template(LaunchTemplateName=f"sample-lt-{uuid.uuid4().hex[:8]}", LaunchTemplateData=data)
    return created["LaunchTemplate"]["LaunchTemplateId"]


def _image_id(ec2, template_id: str, **kwargs) -> str:
    versions = ec2.describe_launch_template_versions(LaunchTemplateId=template_id, **kwargs)["LaunchTemplateVersions"]
    return versions[0]["LaunchTemplateData"]["ImageId"]


def _launch(ec2, **kwargs) -> str:
    instance = ec2.run_instances(MinCount=1, MaxCount=1, **kwargs)["Instances"][0]
    described = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert described["ImageId"] == instance["ImageId"]
    return instance["ImageId"]


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as raised:
        call()
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


def test_a_template_keeps_the_reference_and_resolves_it_on_request(workload, golden, parameter):
    ec2, ssm = workload
    template_id = _template(ec2, f"resolve:ssm:{parameter}")

    stored = _image_id(ec2, template_id)
    resolved = _image_id(ec2, template_id, Versions=["$Latest"], ResolveAlias=True)
    _move(ssm, parameter, golden[1])
    moved = _image_id(ec2, template_id, Versions=["$Latest"], ResolveAlias=True)

    assert stored == f"resolve:ssm:{parameter}"
    assert _image_id(ec2, template_id, ResolveAlias=False) == stored
    assert (resolved, moved) == golden
    assert _image_id(ec2, template_id) == stored
    assert ec2.describe_launch_templates(LaunchTemplateIds=[template_id])["LaunchTemplates"][0]["LatestVersionNumber"] == 1


def test_launches_from_the_template_follow_the_parameter(workload, golden, parameter):
    ec2, ssm = workload
    template_id = _template(ec2, f"resolve:ssm:{parameter}")

    before = _launch(ec2, LaunchTemplate={"LaunchTemplateId": template_id})
    _move(ssm, parameter, golden[1])
    after = _launch(ec2, LaunchTemplate={"LaunchTemplateId": template_id, "Version": "$Latest"})

    assert (before, after) == golden


@pytest.mark.parametrize("selector", ["", ":1", ":previous"])
def test_run_instances_resolves_a_reference_given_as_image_id(workload, golden, parameter, selector):
    ec2, ssm = workload
    ssm.label_parameter_version(Name=parameter, ParameterVersion=1, Labels=["previous"])
    _move(ssm, parameter, golden[1])

    launched = _launch(ec2, ImageId=f"resolve:ssm:{parameter}{selector}")

    assert launched == (golden[1] if selector == "" else golden[0])


def test_an_image_id_given_to_run_instances_overrides_the_template(workload, golden, parameter):
    ec2, _ = workload
    template_id = _template(ec2, golden[1])

    assert _launch(ec2, LaunchTemplate={"LaunchTemplateId": template_id}, ImageId=f"resolve:ssm:{parameter}") == golden[0]


def test_the_parameter_is_read_in_the_launching_account(session_for, workload, golden, parameter):
    """A parameter of the same name in another account is not the one resolved."""
    ec2, _ = workload
    shared_ssm = session_for(SHARED).client("ssm")
    shared_ssm.put_parameter(Name=parameter, Value=golden[1], Type="String", DataType=IMAGE)

    assert _launch(ec2, ImageId=f"resolve:ssm:{parameter}") == golden[0]


def test_a_reference_may_be_the_parameters_arn(workload, golden, parameter):
    ec2, _ = workload
    arn = f"arn:aws:ssm:{REGION}:{WORKLOAD}:parameter{parameter}"
    template_id = _template(ec2, f"resolve:ssm:{arn}")

    assert _launch(ec2, LaunchTemplate={"LaunchTemplateId": template_id}) == golden[0]
    assert _launch(ec2, ImageId=f"resolve:ssm:{arn}:1") == golden[0]


def test_another_accounts_parameter_is_not_shared_with_the_launcher(session_for, workload, golden):
    ec2, _ = workload
    name = f"/gold/test-{uuid.uuid4().hex[:8]}/ami"
    session_for(SHARED).client("ssm").put_parameter(Name=name, Value=golden[0], Type="String", DataType=IMAGE)
    reference = f"arn:aws:ssm:{REGION}:{SHARED}:parameter{name}"

    code, message = _error(lambda: ec2.run_instances(MinCount=1, MaxCount=1, ImageId=f"resolve:ssm:{reference}"))

    assert (code, message) == ("SsmInvalidParameter", f"The following aliases are invalid: {reference}")


def _missing(parameter: str) -> str:
    return f"{parameter}-missing"


@pytest.mark.parametrize(
    "reference, message",
    [
        (_missing, "The following aliases are invalid: {ref}"),
        (lambda p: f"{p}:7", "The following aliases are invalid: {ref}"),
        (lambda p: f"{p}:no-such-label", "The following aliases are invalid: {ref}"),
    ],
)
def test_a_reference_to_nothing_is_refused_everywhere(workload, parameter, reference, message):
    ec2, _ = workload
    ref = reference(parameter)
    image_id = f"resolve:ssm:{ref}"
    name = f"sample-lt-{uuid.uuid4().hex[:8]}"
    existing = _template(ec2, f"resolve:ssm:{parameter}")
    expected = ("SsmInvalidParameter", message.format(ref=ref))

    data = {"ImageId": image_id}

    assert _error(lambda: ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData=data)) == expected
    assert _error(lambda: ec2.create_launch_template_version(LaunchTemplateId=existing, LaunchTemplateData=data)) == expected
    assert _error(lambda: ec2.run_instances(MinCount=1, MaxCount=1, ImageId=image_id)) == expected
    not_created = _error(lambda: ec2.describe_launch_templates(LaunchTemplateNames=[name]))[0]
    assert not_created == "InvalidLaunchTemplateName.NotFoundException"
    assert ec2.describe_launch_templates(LaunchTemplateIds=[existing])["LaunchTemplates"][0]["LatestVersionNumber"] == 1


def test_a_parameter_that_is_not_an_image_is_refused(workload, golden):
    ec2, ssm = workload
    name = f"/gold/test-{uuid.uuid4().hex[:8]}/text"
    ssm.put_parameter(Name=name, Value=golden[0], Type="String")
    expected = ("SsmInvalidParameter", "Unsupported data type. The following parameter data types are supported: aws:ec2:image")

    assert _error(lambda: _template(ec2, f"resolve:ssm:{name}")) == expected
    assert _error(lambda: ec2.run_instances(MinCount=1, MaxCount=1, ImageId=f"resolve:ssm:{name}")) == expected


def test_a_parameter_deleted_after_the_template_fails_the_launch(workload, parameter):
    ec2, ssm = workload
    template_id = _template(ec2, f"resolve:ssm:{parameter}")
    ssm.delete_parameter(Name=parameter)

    code, _ = _error(lambda: ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateId": template_id}))

    assert code == "SsmInvalidParameter"
    assert _image_id(ec2, template_id) == f"resolve:ssm:{parameter}"


def test_auto_scaling_launches_resolve_the_parameter_when_they_happen(session_for, workload, golden, parameter):
    ec2, ssm = workload
    autoscaling = session_for(WORKLOAD).client("autoscaling")
    template_id = _template(ec2, f"resolve:ssm:{parameter}")
    name = f"web-{uuid.uuid4().hex[:8]}"
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "1"},
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnet,
    )

    def members() -> list[str]:
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        return [i["InstanceId"] for i in group["Instances"]]

    first = set(members())
    _move(ssm, parameter, golden[1])
    autoscaling.set_desired_capacity(AutoScalingGroupName=name, DesiredCapacity=2)
    reservations = ec2.describe_instances(InstanceIds=members())["Reservations"]
    images = {i["InstanceId"]: i["ImageId"] for r in reservations for i in r["Instances"]}

    assert len(images) == 2
    assert {images[i] for i in first} == {golden[0]}
    assert {image for i, image in images.items() if i not in first} == {golden[1]}
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


def test_a_refresh_of_a_template_that_uses_a_parameter_cannot_be_rolled_back(
    session_for, workload, golden, parameter, config
):
    """RefreshPreferences.AutoRollback and RollbackInstanceRefresh: "A rollback is not supported
    ... [when] the Auto Scaling group has a launch template that uses an Amazon Web Services
    Systems Manager parameter instead of an AMI ID for the ImageId property"."""
    config(refresh_seconds=60)
    ec2, _ = workload
    autoscaling = session_for(WORKLOAD).client("autoscaling")
    template_id = _template(ec2, f"resolve:ssm:{parameter}")
    ec2.create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.medium"}
    )
    name = f"web-{uuid.uuid4().hex[:8]}"
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "1"},
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnet,
    )
    desired = {"LaunchTemplate": {"LaunchTemplateId": template_id, "Version": "2"}}

    code, message = _error(
        lambda: autoscaling.start_instance_refresh(
            AutoScalingGroupName=name, DesiredConfiguration=desired, Preferences={"AutoRollback": True}
        )
    )
    assert code == "ValidationError"
    assert "Systems Manager parameter" in message
    assert autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"] == []

    autoscaling.start_instance_refresh(AutoScalingGroupName=name, DesiredConfiguration=desired)
    code, _ = _error(lambda: autoscaling.rollback_instance_refresh(AutoScalingGroupName=name))
    assert code == "IrreversibleInstanceRefresh"
    autoscaling.cancel_instance_refresh(AutoScalingGroupName=name)
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)
