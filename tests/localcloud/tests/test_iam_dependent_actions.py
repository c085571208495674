"""Under `enforce_iam`, calls that AWS authorizes for more than the called action.

Service Authorization Reference, "Dependent actions" column (EC2 Image Builder, Amazon EC2,
AWS RAM), and the Amazon EC2 Auto Scaling User Guide, "Control Amazon EC2 launch template usage in
Auto Scaling groups": each test gives a role everything but one dependent action, shows the call
refused naming that action, then adds it and shows the call succeed.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION, SHARED, WORKLOAD, assumed, role_with, wait_until

MANAGED_COMPONENT = f"arn:aws:imagebuilder:{REGION}:aws:component/update-linux/x.x.x"
MANAGED_PARENT = f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x"
DOCUMENT = (
    "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: hello\n"
    "        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n"
)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _as(*statements: dict[str, Any]) -> boto3.Session:
    """A session of a new role in 111122223333 that holds `statements` (made before IAM is enforced)."""
    return assumed(role_with(boto3.client("iam"), list(statements)))


def _refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]


@pytest.fixture
def enforced(config):
    config(enforce_iam=True)


# --- EC2 Image Builder ----------------------------------------------------------------------------


def _component() -> str:
    return boto3.client("imagebuilder").create_component(
        name=_name("part"), semanticVersion="1.0.0", platform="Linux", data=DOCUMENT
    )["componentBuildVersionArn"]


def test_a_recipe_needs_get_component_on_every_component_and_get_image_on_its_parent(config):
    own = _component()
    create = _allow("imagebuilder:CreateImageRecipe")
    read_own = _allow("imagebuilder:GetComponent", own)
    read_managed = _allow("imagebuilder:GetComponent", MANAGED_COMPONENT)
    read_parent = _allow("imagebuilder:GetImage", MANAGED_PARENT)
    sessions = [
        _as(create),
        _as(create, read_own),
        _as(create, read_own, read_managed),
        _as(create, read_own, read_managed, read_parent),
    ]
    config(enforce_iam=True)

    def recipe(session: boto3.Session) -> Callable[[], Any]:
        return lambda: session.client("imagebuilder").create_image_recipe(
            name=_name("recipe"),
            semanticVersion="1.0.0",
            parentImage=MANAGED_PARENT,
            components=[{"componentArn": own}, {"componentArn": MANAGED_COMPONENT}],
        )

    missing = [_refused(recipe(session)) for session in sessions[:3]]
    created = recipe(sessions[3])()

    assert [error["Code"] for error in missing] == ["AccessDeniedException"] * 3
    assert f"imagebuilder:GetComponent on resource: {own} " in missing[0]["Message"]
    assert f"imagebuilder:GetComponent on resource: {MANAGED_COMPONENT} " in missing[1]["Message"]
    assert f"imagebuilder:GetImage on resource: {MANAGED_PARENT} " in missing[2]["Message"]
    assert created["imageRecipeArn"]


def test_starting_a_pipeline_also_reads_it(config):
    pipeline = f"arn:aws:imagebuilder:{REGION}:{SHARED}:image-pipeline/never-made"
    start_only = _as(_allow("imagebuilder:StartImagePipelineExecution"))
    config(enforce_iam=True)

    refused = _refused(lambda: start_only.client("imagebuilder").start_image_pipeline_execution(imagePipelineArn=pipeline))

    assert refused["Code"] == "AccessDeniedException"
    assert f"imagebuilder:GetImagePipeline on resource: {pipeline} " in refused["Message"]


# --- EC2: resolve:ssm: image ids ------------------------------------------------------------------


def test_a_template_naming_a_parameter_needs_ssm_get_parameters_on_it(config):
    name = f"/gold/{_name('dep')}/ami"
    ami = boto3.client("ec2").register_image(Name=_name("sample"))["ImageId"]
    boto3.client("ssm").put_parameter(Name=name, Value=ami, Type="String", DataType="aws:ec2:image")
    parameter = f"arn:aws:ssm:{REGION}:{SHARED}:parameter{name}"
    create = _allow("ec2:CreateLaunchTemplate")
    blind, seeing = _as(create), _as(create, _allow("ssm:GetParameters", parameter))
    config(enforce_iam=True)

    def template(session: boto3.Session) -> Callable[[], Any]:
        return lambda: session.client("ec2").create_launch_template(
            LaunchTemplateName=_name("lt"), LaunchTemplateData={"ImageId": f"resolve:ssm:{name}"}
        )

    refused = _refused(template(blind))

    assert refused["Code"] == "UnauthorizedOperation"
    assert f"ssm:GetParameters on resource: {parameter} " in refused["Message"]
    assert template(seeing)()["LaunchTemplate"]["LaunchTemplateId"]


# --- AWS RAM ---------------------------------------------------------------------------------------


def test_create_resource_share_is_authorized_on_star_by_request_keys_only(config):
    part = _component()
    on_shares = _as(
        _allow("ram:CreateResourceShare", f"arn:aws:ram:{REGION}:{SHARED}:resource-share/*",
               Condition={"StringEquals": {"aws:ResourceTag/gold:managed": "true"}})
    )
    by_request = _as(
        _allow(
            "ram:CreateResourceShare",
            Condition={
                "StringEquals": {
                    "aws:RequestTag/gold:managed": "true",
                    "ram:RequestedResourceType": "imagebuilder:Component",
                },
                "ForAllValues:StringEquals": {"ram:Principal": [WORKLOAD]},
                "ForAllValues:ArnLike": {"ram:ResourceArn": f"arn:aws:imagebuilder:{REGION}:{SHARED}:component/*"},
            },
        )
    )
    config(enforce_iam=True)

    def share(session: boto3.Session, principal: str = WORKLOAD) -> Callable[[], Any]:
        return lambda: session.client("ram").create_resource_share(
            name=_name("share"),
            resourceArns=[part],
            principals=[principal],
            tags=[{"key": "gold:managed", "value": "true"}],
        )

    not_on_a_share = _refused(share(on_shares))
    other_principal = _refused(share(by_request, "999988887777"))
    created = share(by_request)()

    assert not_on_a_share["Code"] == "AccessDeniedException"
    assert "ram:CreateResourceShare because no identity-based policy allows" in not_on_a_share["Message"]
    assert other_principal["Code"] == "AccessDeniedException"
    assert created["resourceShare"]["status"] == "ACTIVE"


def test_associating_with_a_share_is_conditioned_on_its_tags(config):
    ram = boto3.client("ram")
    mine = ram.create_resource_share(name=_name("mine"), tags=[{"key": "gold:managed", "value": "true"}])
    theirs = ram.create_resource_share(name=_name("theirs"))
    session = _as(
        _allow(
            "ram:AssociateResourceShare",
            f"arn:aws:ram:{REGION}:{SHARED}:resource-share/*",
            Condition={"StringEquals": {"aws:ResourceTag/gold:managed": "true"}},
        )
    )
    config(enforce_iam=True)
    client = session.client("ram")

    added = client.associate_resource_share(resourceShareArn=mine["resourceShare"]["resourceShareArn"], principals=[WORKLOAD])
    refused = _refused(
        lambda: client.associate_resource_share(resourceShareArn=theirs["resourceShare"]["resourceShareArn"], principals=[WORKLOAD])
    )

    assert added["resourceShareAssociations"][0]["status"] == "ASSOCIATING"
    assert refused["Code"] == "AccessDeniedException"


# --- Auto Scaling and launch templates -------------------------------------------------------------


def _template(data: dict[str, Any]) -> str:
    return boto3.client("ec2").create_launch_template(
        LaunchTemplateName=_name("lt"), LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.small", **data}
    )["LaunchTemplate"]["LaunchTemplateId"]


def _group(session: boto3.Session, template: str) -> Callable[[], Any]:
    return lambda: session.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=_name("web"),
        LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
        MinSize=0,
        MaxSize=1,
        DesiredCapacity=0,
        AvailabilityZones=[f"{REGION}a"],
    )


def _profile() -> tuple[str, str]:
    iam = boto3.client("iam")
    name = _name("instances")
    trust = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_policy(trust))["Role"]["Arn"]
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name, role


def test_a_group_needs_run_instances_on_its_launch_template(config):
    template = _template({})
    group_only = _as(_allow("autoscaling:CreateAutoScalingGroup"))
    launching = _as(_allow(["autoscaling:CreateAutoScalingGroup", "ec2:RunInstances"]))
    config(enforce_iam=True)

    refused = _refused(_group(group_only, template))

    assert refused["Code"] == "AccessDenied"
    assert refused["Message"] == f"You are not authorized to use launch template: {template}"
    assert _group(launching, template)()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_run_instances_is_asked_on_the_template_and_what_it_launches_with(config):
    template = _template({})
    other = _template({})
    launched_with = [f"arn:aws:ec2:{REGION}::image/*"] + [
        f"arn:aws:ec2:{REGION}:{SHARED}:{kind}/*" for kind in ("instance", "volume", "network-interface", "subnet")
    ]
    scoped = _as(
        _allow("autoscaling:CreateAutoScalingGroup"),
        _allow("ec2:RunInstances", [f"arn:aws:ec2:{REGION}:{SHARED}:launch-template/{other}", *launched_with]),
    )
    no_image = _as(
        _allow("autoscaling:CreateAutoScalingGroup"),
        _allow("ec2:RunInstances", f"arn:aws:ec2:{REGION}:{SHARED}:*"),
    )
    config(enforce_iam=True)

    assert _refused(_group(scoped, template))["Code"] == "AccessDenied"
    assert _group(scoped, other)()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _refused(_group(no_image, other))["Message"] == f"You are not authorized to use launch template: {other}"


def test_a_template_with_an_instance_profile_needs_pass_role_and_one_that_tags_needs_create_tags(config):
    profile, role = _profile()
    with_profile = _template({"IamInstanceProfile": {"Name": profile}})
    tagging = _template({"TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "app", "Value": "web"}]}]})
    launch = _allow(["autoscaling:CreateAutoScalingGroup", "ec2:RunInstances"])
    bare = _as(launch)
    passing = _as(launch, _allow("iam:PassRole", role, Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}))
    tags = _as(launch, _allow("ec2:CreateTags", Condition={"StringEquals": {"ec2:CreateAction": "RunInstances"}}))
    config(enforce_iam=True)

    assert _refused(_group(bare, with_profile))["Message"] == f"You are not authorized to use launch template: {with_profile}"
    assert _group(passing, with_profile)()["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _refused(_group(bare, tagging))["Code"] == "AccessDenied"
    assert _group(tags, tagging)()["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_refresh_to_a_desired_configuration_needs_the_same_launch_template_use(config):
    template = _template({})
    autoscaling = boto3.client("autoscaling")
    name = _name("web")
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateId": template, "Version": "1"},
        MinSize=0,
        MaxSize=1,
        DesiredCapacity=0,
        AvailabilityZones=[f"{REGION}a"],
    )
    newer = boto3.client("ec2").create_launch_template_version(
        LaunchTemplateId=template, SourceVersion="1", LaunchTemplateData={"ImageId": "ami-12c6146b"}
    )["LaunchTemplateVersion"]["VersionNumber"]
    refresh_only = _as(_allow(["autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh"]))
    launching = _as(_allow(["autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh", "ec2:RunInstances"]))
    config(enforce_iam=True)

    def refresh(session: boto3.Session, desired: bool) -> Callable[[], Any]:
        extra = {"DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateId": template, "Version": str(newer)}}}
        return lambda: session.client("autoscaling").start_instance_refresh(AutoScalingGroupName=name, **(extra if desired else {}))

    refused = _refused(refresh(refresh_only, desired=True))
    plain = refresh(refresh_only, desired=False)()
    refresh_only.client("autoscaling").cancel_instance_refresh(AutoScalingGroupName=name)

    assert refused["Message"] == f"You are not authorized to use launch template: {template}"
    assert plain["InstanceRefreshId"]
    assert wait_for_no_active_refresh(autoscaling, name)
    assert refresh(launching, desired=True)()["InstanceRefreshId"]


def wait_for_no_active_refresh(autoscaling: Any, name: str) -> bool:
    """The cancelled refresh has finished cancelling (a new one may start)."""
    active = ("Pending", "InProgress", "Cancelling", "Baking", "RollbackInProgress")
    return wait_until(
        lambda: all(
            r["Status"] not in active
            for r in autoscaling.describe_instance_refreshes(AutoScalingGroupName=name)["InstanceRefreshes"]
        ),
        "the refresh to be cancelled",
    )
