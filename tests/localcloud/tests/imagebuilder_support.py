"""Shared setup for the Image Builder tests: the origin scenario's producer resources,
created with plain boto3 calls the way Terraform would, and polling helpers."""

from __future__ import annotations

import json
import time
import uuid

PRODUCER = "111122223333"
WORKLOAD = "444455556666"
REGION = "us-east-1"
ORGANIZATION_ARN = "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx"

BUILD_DOCUMENT = """\
name: build
description: update the OS and install jq
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: UpdateOS
        action: UpdateOS
      - name: yum_update
        action: ExecuteBash
        inputs:
          commands:
            - yum update -y
      - name: jq_install
        action: ExecuteBash
        inputs:
          commands:
            - yum install jq -y
      - name: kernel_ng_install
        action: ExecuteBash
        inputs:
          commands:
            - amazon-linux-extras install -y kernel-ng
  - name: validate
    steps:
      - name: jq_install
        action: ExecuteBash
        inputs:
          commands:
            - rpm -qi jq
"""

TEST_DOCUMENT = """\
name: smoke
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: jq_works
        action: ExecuteBash
        inputs:
          commands:
            - jq --version
"""


def unique(prefix: str) -> str:
    """A resource name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def clients(session_for, endpoint: str, account: str = PRODUCER, region: str = REGION):
    """Image Builder, EC2, IAM and SSM clients acting in `account`."""
    session = session_for(account)
    make = lambda service: session.client(service, endpoint_url=endpoint, region_name=region)  # noqa: E731
    return make("imagebuilder"), make("ec2"), make("iam"), make("ssm")


def build_instance_network(ec2, iam, name: str) -> dict:
    """The instance profile, subnet and egress-only security group a build instance needs."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    # moto loads AWS managed policies only on request, so an inline policy stands in for
    # EC2InstanceProfileForImageBuilder and AmazonSSMManagedInstanceCore.
    permissions = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["imagebuilder:GetComponent", "ssm:*"], "Resource": "*"}],
    }
    iam.put_role_policy(RoleName=name, PolicyName="image-builder", PolicyDocument=json.dumps(permissions))
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName=name, Description="egress only", VpcId=vpc)["GroupId"]
    return {"instanceProfileName": name, "subnetId": subnet, "securityGroupIds": [group]}


def producer_resources(
    imagebuilder, ec2, iam, *, tests_enabled=True, distributions=None, document=BUILD_DOCUMENT, scanning=None
):
    """The origin scenario's component, recipe, infrastructure, distribution and pipeline
    (with `scanning` as its imageScanningConfiguration); returns their ARNs and names."""
    name = unique("sample")
    network = build_instance_network(ec2, iam, name)
    component = imagebuilder.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=document)[
        "componentBuildVersionArn"
    ]
    recipe = imagebuilder.create_image_recipe(
        name=name,
        semanticVersion="1.0.0",
        parentImage=f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x",
        components=[{"componentArn": component}],
        blockDeviceMappings=[
            {"deviceName": "/dev/xvdb", "ebs": {"volumeSize": 100, "volumeType": "gp3", "deleteOnTermination": True}}
        ],
    )["imageRecipeArn"]
    infrastructure = imagebuilder.create_infrastructure_configuration(
        name=name, instanceTypes=["t3.small"], terminateInstanceOnFailure=True, **network
    )["infrastructureConfigurationArn"]
    if distributions is None:
        distributions = [
            {
                "region": REGION,
                "amiDistributionConfiguration": {
                    "name": f"{name}_v{{{{imagebuilder:buildVersion}}}}_{{{{imagebuilder:buildDate}}}}",
                    "amiTags": {"ImageBuilder": "true"},
                    "launchPermission": {"organizationArns": [ORGANIZATION_ARN]},
                },
            }
        ]
    distribution = imagebuilder.create_distribution_configuration(name=name, distributions=distributions)[
        "distributionConfigurationArn"
    ]
    pipeline = imagebuilder.create_image_pipeline(
        name=name,
        imageRecipeArn=recipe,
        infrastructureConfigurationArn=infrastructure,
        distributionConfigurationArn=distribution,
        imageTestsConfiguration={"imageTestsEnabled": tests_enabled},
        **({"imageScanningConfiguration": scanning} if scanning is not None else {}),
    )["imagePipelineArn"]
    return {
        "name": name,
        "component": component,
        "recipe": recipe,
        "infrastructure": infrastructure,
        "distribution": distribution,
        "pipeline": pipeline,
        **network,
    }


def wait_for_image(
    imagebuilder, arn: str, statuses=("AVAILABLE", "FAILED", "CANCELLED"), deadline_seconds=30.0
) -> dict:
    """Poll GetImage until the image reaches one of `statuses`; fail past the deadline."""
    deadline = time.monotonic() + deadline_seconds
    seen = []
    while True:
        image = imagebuilder.get_image(imageBuildVersionArn=arn)["image"]
        status = image["state"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in statuses:
            image["_seen"] = seen
            return image
        assert time.monotonic() < deadline, f"image {arn} still {status} after {deadline_seconds}s (seen {seen})"
        time.sleep(0.05)


def workflow_steps(imagebuilder, image_arn: str) -> dict[str, dict]:
    """Every step of every workflow execution of an image, by step name."""
    steps = {}
    executions = imagebuilder.list_workflow_executions(imageBuildVersionArn=image_arn)["workflowExecutions"]
    for execution in executions:
        listing = imagebuilder.list_workflow_step_executions(workflowExecutionId=execution["workflowExecutionId"])
        for step in listing["steps"]:
            steps[step["name"]] = {**step, "_workflow": execution}
    return steps
