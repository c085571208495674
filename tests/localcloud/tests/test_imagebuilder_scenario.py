"""The origin scenario end to end: the Shared account builds an AMI with Image Builder and
shares it with the organization; the Workload account finds it."""

from __future__ import annotations

import re

import pytest

from imagebuilder_support import (
    PRODUCER,
    REGION,
    WORKLOAD,
    clients,
    producer_resources,
    unique,
    wait_for_image,
    workflow_steps,
)


@pytest.fixture
def fast_builds(config):
    config(build_seconds=1, fail_build_step=None)


def test_seed_build_reaches_available_and_is_shared_with_the_organization(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)

    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    assert re.fullmatch(rf"arn:aws:imagebuilder:{REGION}:{PRODUCER}:image/{resources['name']}/1\.0\.0/1", arn)

    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    assert image["_seen"][-1] == "AVAILABLE"
    assert image["version"] == "1.0.0"
    assert image["sourcePipelineArn"] == resources["pipeline"]
    assert image["imageRecipe"]["parentImage"].endswith(":aws:image/amazon-linux-2-x86/x.x.x")
    assert image["osVersion"] == "Amazon Linux 2"
    [output] = image["outputResources"]["amis"]
    assert output["region"] == REGION and output["accountId"] == PRODUCER
    assert re.fullmatch(rf"{resources['name']}_v1_\d{{4}}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{{3}}Z", output["name"]), output[
        "name"
    ]

    [ami] = ec2.describe_images(ImageIds=[output["image"]])["Images"]
    assert ami["Name"] == output["name"]
    assert ami["OwnerId"] == PRODUCER
    assert ami["RootDeviceType"] == "ebs"
    tags = {tag["Key"]: tag["Value"] for tag in ami["Tags"]}
    assert tags == {"ImageBuilder": "true", "CreatedBy": "EC2 Image Builder", "Ec2ImageBuilderArn": arn}
    devices = {m["DeviceName"]: m for m in ami["BlockDeviceMappings"]}
    assert devices["/dev/xvdb"]["Ebs"]["VolumeSize"] == 100
    assert devices["/dev/xvdb"]["Ebs"]["VolumeType"] == "gp3"

    workload = session_for(WORKLOAD).client("ec2", endpoint_url=localcloud, region_name=REGION)
    by_owner = workload.describe_images(
        Owners=[PRODUCER], Filters=[{"Name": "name", "Values": [f"{resources['name']}*"]}]
    )
    assert [i["ImageId"] for i in by_owner["Images"]] == [output["image"]]
    executable = workload.describe_images(ExecutableUsers=["self"])["Images"]
    [shared] = [i for i in executable if i["ImageId"] == output["image"]]
    assert not shared.get("Tags"), "tags of a shared AMI are visible only to its owner"


def test_second_build_gets_the_next_build_number_and_pipeline_tracks_runs(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False)
    first = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    wait_for_image(imagebuilder, first)
    second = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    assert second.endswith("/1.0.0/2")
    image = wait_for_image(imagebuilder, second)
    assert "TESTING" not in image["_seen"]
    assert image["outputResources"]["amis"][0]["name"].startswith(f"{resources['name']}_v2_")

    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert pipeline["lastRunStatus"] == "AVAILABLE"
    assert pipeline["platform"] == "Linux"
    listed = imagebuilder.list_image_pipeline_images(imagePipelineArn=resources["pipeline"])["imageSummaryList"]
    assert [summary["arn"] for summary in listed] == [first, second]
    versions = imagebuilder.list_image_build_versions(imageVersionArn=first.rsplit("/", 1)[0])["imageSummaryList"]
    assert {summary["arn"] for summary in versions} == {first, second}
    latest = imagebuilder.get_image(imageBuildVersionArn=first.rsplit("/", 1)[0])["image"]
    assert latest["arn"] == second
    names = [
        v["name"]
        for v in imagebuilder.list_images(filters=[{"name": "name", "values": [resources["name"]]}])["imageVersionList"]
    ]
    assert names == [resources["name"]]


def test_status_walks_the_state_machine_in_order(localcloud, session_for, config):
    config(build_seconds=3, fail_build_step=None)
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    order = ["PENDING", "CREATING", "BUILDING", "TESTING", "DISTRIBUTING", "INTEGRATING", "AVAILABLE"]
    seen = image["_seen"]
    assert seen == sorted(seen, key=order.index), seen
    assert {"BUILDING", "TESTING", "AVAILABLE"} <= set(seen), seen


def test_distribution_copies_to_accounts_writes_ssm_and_updates_launch_templates(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, ssm = clients(session_for, localcloud)
    workload_session = session_for(WORKLOAD)
    workload_ec2 = workload_session.client("ec2", endpoint_url=localcloud, region_name=REGION)
    workload_ssm = workload_session.client("ssm", endpoint_url=localcloud, region_name=REGION)
    template = workload_ec2.create_launch_template(
        LaunchTemplateName=unique("web"),
        LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.small", "EbsOptimized": True},
    )["LaunchTemplate"]
    own_template = ec2.create_launch_template(
        LaunchTemplateName=unique("own"), LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}
    )["LaunchTemplate"]
    parameter = f"/golden/{unique('ami')}"
    name = unique("dist")
    distributions = [
        {
            "region": REGION,
            "amiDistributionConfiguration": {
                "name": f"{name}-{{{{imagebuilder:buildVersion}}}}",
                "description": "golden image",
                "targetAccountIds": [PRODUCER, WORKLOAD],
                "launchPermission": {"userIds": [WORKLOAD]},
            },
            "launchTemplateConfigurations": [
                {"launchTemplateId": template["LaunchTemplateId"], "accountId": WORKLOAD, "setDefaultVersion": True},
                {"launchTemplateId": own_template["LaunchTemplateId"]},
            ],
            "ssmParameterConfigurations": [
                {"parameterName": parameter, "dataType": "aws:ec2:image"},
                {"parameterName": parameter, "amiAccountId": WORKLOAD},
            ],
        },
        {"region": "us-west-2", "amiDistributionConfiguration": {"name": f"{name}-west"}},
    ]
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False, distributions=distributions)
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    outputs = {(o["region"], o["accountId"]): o for o in image["outputResources"]["amis"]}
    assert set(outputs) == {(REGION, PRODUCER), (REGION, WORKLOAD), ("us-west-2", PRODUCER)}
    assert outputs[(REGION, WORKLOAD)]["name"] == f"{name}-1"
    assert outputs[(REGION, WORKLOAD)]["description"] == "golden image"

    [copy] = workload_ec2.describe_images(ImageIds=[outputs[(REGION, WORKLOAD)]["image"]])["Images"]
    assert copy["OwnerId"] == WORKLOAD
    west = session_for(PRODUCER).client("ec2", endpoint_url=localcloud, region_name="us-west-2")
    assert (
        west.describe_images(ImageIds=[outputs[("us-west-2", PRODUCER)]["image"]])["Images"][0]["Name"]
        == f"{name}-west"
    )

    producer_ami = outputs[(REGION, PRODUCER)]["image"]
    assert ssm.get_parameter(Name=parameter)["Parameter"]["Value"] == producer_ami
    assert workload_ssm.get_parameter(Name=parameter)["Parameter"]["Value"] == outputs[(REGION, WORKLOAD)]["image"]

    versions = workload_ec2.describe_launch_template_versions(LaunchTemplateId=template["LaunchTemplateId"])
    newest = max(versions["LaunchTemplateVersions"], key=lambda v: v["VersionNumber"])
    assert newest["VersionNumber"] == 2 and newest["DefaultVersion"]
    assert newest["LaunchTemplateData"]["ImageId"] == outputs[(REGION, WORKLOAD)]["image"]
    assert newest["LaunchTemplateData"]["InstanceType"] == "t3.small"
    own = ec2.describe_launch_template_versions(LaunchTemplateId=own_template["LaunchTemplateId"])
    by_number = {v["VersionNumber"]: v for v in own["LaunchTemplateVersions"]}
    assert by_number[2]["LaunchTemplateData"]["ImageId"] == producer_ami
    assert by_number[1]["DefaultVersion"] and not by_number[2]["DefaultVersion"]


def test_missing_launch_template_fails_the_image(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    distributions = [
        {
            "region": REGION,
            "launchTemplateConfigurations": [{"launchTemplateId": "lt-0123456789abcdef0", "accountId": WORKLOAD}],
        }
    ]
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False, distributions=distributions)
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "FAILED"
    assert "lt-0123456789abcdef0" in image["state"]["reason"] and WORKLOAD in image["state"]["reason"]


def test_missing_instance_profile_fails_the_launch_step(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    iam.remove_role_from_instance_profile(InstanceProfileName=resources["name"], RoleName=resources["name"])
    iam.delete_instance_profile(InstanceProfileName=resources["name"])
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "FAILED"
    assert resources["name"] in image["state"]["reason"]
    steps = workflow_steps(imagebuilder, arn)
    assert steps["LaunchBuildInstance"]["status"] == "FAILED"
    assert steps["ApplyBuildComponents"]["status"] == "SKIPPED"
    assert "LaunchTestInstance" not in steps


def test_distribution_to_an_account_outside_the_topology_fails_the_image(localcloud, session_for, fast_builds):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    distributions = [{"region": REGION, "amiDistributionConfiguration": {"targetAccountIds": ["999999999999"]}}]
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False, distributions=distributions)
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "FAILED"
    assert "999999999999" in image["state"]["reason"]
