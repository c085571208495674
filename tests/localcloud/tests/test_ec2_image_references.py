"""DescribeImageReferences: the caller's instances, launch template versions, SSM parameters and
Image Builder recipes that reference up to 10 AMIs, with the options, paging and errors of the
API reference."""

from __future__ import annotations

import uuid

import boto3
import pytest
from ami_support import code, launch, recipe, role_ec2, shared_ami, template  # noqa: F401 (fixture)
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, SHARED, WORKLOAD, WORKLOAD_PROD

ALL = {"IncludeAllResourceTypes": True}


@pytest.fixture(scope="module")
def workload(session_for):
    """EC2, SSM and Image Builder clients acting in the workload account."""
    session = session_for(WORKLOAD)
    return session.client("ec2"), session.client("ssm"), session.client("imagebuilder")


def _references(ec2, image_ids: list[str], **request) -> list[tuple[str, str, str]]:
    """Every reference over all pages, as (image id, resource type, ARN)."""
    pages = ec2.get_paginator("describe_image_references").paginate(ImageIds=image_ids, **request)
    return [(r["ImageId"], r["ResourceType"], r["Arn"]) for page in pages for r in page["ImageReferences"]]


def _instance_arn(account: str, instance: str) -> str:
    return f"arn:aws:ec2:{REGION}:{account}:instance/{instance}"


def _template_arn(template_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{WORKLOAD}:launch-template/{template_id}"


def test_all_resource_types_find_the_callers_instances_templates_parameters_and_recipes(
    workload, shared_ami, ec2_of
):
    ec2, ssm, imagebuilder = workload
    [instance] = launch(ec2, shared_ami)
    template_id = template(ec2, shared_ami)
    parameter = f"/golden/{uuid.uuid4().hex[:8]}"
    ssm.put_parameter(Name=parameter, Value=shared_ami, Type="String", DataType="aws:ec2:image")
    ssm.put_parameter(Name=f"{parameter}-text", Value=shared_ami, Type="String")
    recipe_arn = recipe(imagebuilder, shared_ami)
    launch(ec2_of(WORKLOAD_PROD), shared_ami)  # another account's: not the caller's resource

    found = _references(ec2, [shared_ami], **ALL)

    assert found == [
        (shared_ami, "ec2:Instance", _instance_arn(WORKLOAD, instance)),
        (shared_ami, "ec2:LaunchTemplate", _template_arn(template_id)),
        (shared_ami, "ssm:Parameter", f"arn:aws:ssm:{REGION}:{WORKLOAD}:parameter{parameter}"),
        (shared_ami, "imagebuilder:ImageRecipe", recipe_arn),
    ]


def test_references_follow_the_order_of_the_image_ids_asked_for(workload, ec2_of):
    ec2 = workload[0]
    first, second = (ec2.register_image(Name=f"own-{uuid.uuid4().hex[:8]}")["ImageId"] for _ in range(2))
    [on_first] = launch(ec2, first)
    [on_second] = launch(ec2, second)

    found = _references(ec2, [second, first], ResourceTypes=[{"ResourceType": "ec2:Instance"}])

    assert found == [
        (second, "ec2:Instance", _instance_arn(WORKLOAD, on_second)),
        (first, "ec2:Instance", _instance_arn(WORKLOAD, on_first)),
    ]


def test_an_ami_nobody_references_or_that_never_existed_has_no_references(workload, shared_ami):
    assert _references(workload[0], [shared_ami, "ami-00000000000000000"], **ALL) == []


def test_a_deregistered_ami_is_still_referenced_by_what_uses_it(workload, ec2_of, shared_ami):
    [instance] = launch(workload[0], shared_ami)
    ec2_of(SHARED).deregister_image(ImageId=shared_ami)

    found = _references(workload[0], [shared_ami], ResourceTypes=[{"ResourceType": "ec2:Instance"}])

    assert found == [(shared_ami, "ec2:Instance", _instance_arn(WORKLOAD, instance))]


def test_instances_in_every_state_by_default_and_state_name_narrows_them(workload, shared_ami):
    ec2 = workload[0]
    running, gone = launch(ec2, shared_ami, count=2)
    ec2.terminate_instances(InstanceIds=[gone])

    by_default = _references(ec2, [shared_ami], ResourceTypes=[{"ResourceType": "ec2:Instance"}])
    only_running = _references(
        ec2,
        [shared_ami],
        ResourceTypes=[
            {
                "ResourceType": "ec2:Instance",
                "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["running", "stopped"]}],
            }
        ],
    )

    assert {arn for _, _, arn in by_default} == {_instance_arn(WORKLOAD, running), _instance_arn(WORKLOAD, gone)}
    assert only_running == [(shared_ami, "ec2:Instance", _instance_arn(WORKLOAD, running))]


def _depth(depth: int) -> dict:
    return {
        "ResourceType": "ec2:LaunchTemplate",
        "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": [str(depth)]}],
    }


def test_launch_templates_are_checked_to_ten_versions_by_default_and_to_version_depth(workload, shared_ami):
    ec2 = workload[0]
    shallow = template(ec2, shared_ami, later_versions=2)  # the AMI in the 3rd newest version
    deep = template(ec2, shared_ami, later_versions=10)  # in the 11th newest

    templates = [{"ResourceType": "ec2:LaunchTemplate"}]
    default = {arn for _, _, arn in _references(ec2, [shared_ami], ResourceTypes=templates)}
    two = {arn for _, _, arn in _references(ec2, [shared_ami], ResourceTypes=[_depth(2)])}
    eleven = {arn for _, _, arn in _references(ec2, [shared_ami], ResourceTypes=[_depth(11)])}

    assert default == {_template_arn(shallow)}
    assert two == set()
    assert eleven == {_template_arn(shallow), _template_arn(deep)}


def test_a_template_is_one_reference_however_many_versions_name_the_ami(workload, shared_ami):
    ec2 = workload[0]
    template_id = template(ec2, shared_ami)
    ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={})

    found = _references(ec2, [shared_ami], ResourceTypes=[{"ResourceType": "ec2:LaunchTemplate"}])

    assert found == [(shared_ami, "ec2:LaunchTemplate", _template_arn(template_id))]


def test_options_given_with_include_all_override_the_defaults(workload, shared_ami):
    ec2 = workload[0]
    [instance] = launch(ec2, shared_ami)
    template(ec2, shared_ami, later_versions=1)

    found = _references(ec2, [shared_ami], IncludeAllResourceTypes=True, ResourceTypes=[_depth(1)])

    assert found == [(shared_ami, "ec2:Instance", _instance_arn(WORKLOAD, instance))]


def test_references_come_in_pages_of_max_results(workload, shared_ami):
    ec2 = workload[0]
    instances = launch(ec2, shared_ami, count=7)
    request = {"ImageIds": [shared_ami], "ResourceTypes": [{"ResourceType": "ec2:Instance"}]}

    first = ec2.describe_image_references(MaxResults=5, **request)
    second = ec2.describe_image_references(MaxResults=5, NextToken=first["NextToken"], **request)

    assert len(first["ImageReferences"]) == 5
    assert len(second["ImageReferences"]) == 2 and "NextToken" not in second
    arns = {r["Arn"] for r in first["ImageReferences"] + second["ImageReferences"]}
    assert arns == {_instance_arn(WORKLOAD, i) for i in instances}
    with pytest.raises(ClientError) as raised:
        ec2.describe_image_references(ImageIds=[shared_ami], **ALL, MaxResults=5, NextToken=first["NextToken"])
    assert code(raised) == "InvalidPaginationToken"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        ({"ImageIds": ["ami-12345678"]}, "MissingParameter"),
        ({"ImageIds": [f"ami-{n:08x}" for n in range(11)], **ALL}, "InvalidParameterValue"),
        ({"ImageIds": ["i-12345678"], **ALL}, "InvalidAMIID.Malformed"),
        ({"ImageIds": ["ami-12345678"], "ResourceTypes": [{"ResourceType": "ec2:Volume"}]}, "InvalidParameterValue"),
        (
            {
                "ImageIds": ["ami-12345678"],
                "ResourceTypes": [
                    {
                        "ResourceType": "ssm:Parameter",
                        "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["1"]}],
                    }
                ],
            },
            "InvalidParameterValue",
        ),
        ({"ImageIds": ["ami-12345678"], "ResourceTypes": [_depth(0)]}, "InvalidParameterValue"),
        ({"ImageIds": ["ami-12345678"], "ResourceTypes": [_depth(10001)]}, "InvalidParameterValue"),
        (
            {
                "ImageIds": ["ami-12345678"],
                "ResourceTypes": [
                    {
                        "ResourceType": "ec2:Instance",
                        "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["sleeping"]}],
                    }
                ],
            },
            "InvalidParameterValue",
        ),
        ({"ImageIds": ["ami-12345678"], **ALL, "MaxResults": 4}, "InvalidParameterValue"),
    ],
    ids=[
        "no-resource-type",
        "eleven-images",
        "malformed-image-id",
        "unknown-resource-type",
        "option-of-another-type",
        "version-depth-0",
        "version-depth-10001",
        "unknown-state",
        "max-results-below-5",
    ],
)
def test_requests_outside_the_api_reference_are_refused(localcloud, request_, expected):
    # Without botocore's own checks, so that what localcloud answers is what is tested.
    ec2 = boto3.client("ec2", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as raised:
        ec2.describe_image_references(**request_)

    assert code(raised) == expected


def test_the_action_is_authorized_on_any_resource(config, shared_ami):
    ec2 = role_ec2([{"Effect": "Allow", "Action": "ec2:DescribeImageReferences", "Resource": "*"}])
    config(enforce_iam=True)

    assert ec2.describe_image_references(ImageIds=[shared_ami], **ALL)["ImageReferences"] == []
    with pytest.raises(ClientError) as raised:
        ec2.describe_images(ImageIds=[shared_ami])
    assert code(raised) == "UnauthorizedOperation"
