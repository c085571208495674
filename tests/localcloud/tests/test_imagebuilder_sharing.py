"""Image Builder honouring AWS RAM: the Shared account shares its image build, component and
recipe with the organization; the Workload account sees them with `owner=Shared`, builds its
own image on top of the shared one, and an account outside the share is refused."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import ORG_ARN, call_control
from imagebuilder_support import (
    PRODUCER,
    REGION,
    WORKLOAD,
    build_instance_network,
    clients,
    producer_resources,
    unique,
    wait_for_image,
)
from ram_support import DOCUMENT, OUTSIDER, client_cache, enable_org_sharing, share_name


def _build(imagebuilder, pipeline: str) -> dict:
    arn = imagebuilder.start_image_pipeline_execution(imagePipelineArn=pipeline)["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "AVAILABLE", image["state"]
    return image


@pytest.fixture(scope="module")
def base(localcloud, session_for):
    """The Shared account's image (one AVAILABLE build, AMI launchable by the organization),
    its component and recipe, all in one RAM share with the organization."""
    call_control(localcloud, "POST", "config", {"build_seconds": 1, "fail_build_step": None})
    enable_org_sharing(client_cache(session_for))
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False)
    image = _build(imagebuilder, resources["pipeline"])
    ram = session_for(PRODUCER, REGION).client("ram", endpoint_url=localcloud)
    share = ram.create_resource_share(
        name=share_name(),
        principals=[ORG_ARN],
        resourceArns=[image["arn"], resources["component"], resources["recipe"]],
    )["resourceShare"]
    yield {**resources, "image": image, "share": share["resourceShareArn"], "ram": ram, "imagebuilder": imagebuilder}
    call_control(localcloud, "POST", "config/reset")


@pytest.fixture(scope="module")
def workload(localcloud, session_for):
    return clients(session_for, localcloud, WORKLOAD)


@pytest.fixture(scope="module")
def outsider(localcloud, session_for):
    return clients(session_for, localcloud, OUTSIDER)


def _consumer_pipeline(workload, parent: str, components: list[str], name: str | None = None) -> dict:
    imagebuilder, ec2, iam, _ = workload
    name = name or unique("app")
    network = build_instance_network(ec2, iam, name)
    recipe = imagebuilder.create_image_recipe(
        name=name,
        semanticVersion="1.0.0",
        parentImage=parent,
        components=[{"componentArn": c} for c in components],
    )["imageRecipeArn"]
    infrastructure = imagebuilder.create_infrastructure_configuration(
        name=name, instanceTypes=["t3.small"], **network
    )["infrastructureConfigurationArn"]
    pipeline = imagebuilder.create_image_pipeline(
        name=name,
        imageRecipeArn=recipe,
        infrastructureConfigurationArn=infrastructure,
        imageTestsConfiguration={"imageTestsEnabled": False},
        schedule={
            "scheduleExpression": "cron(0 3 * * ? *)",
            "pipelineExecutionStartCondition": "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
        },
    )["imagePipelineArn"]
    return {"recipe": recipe, "pipeline": pipeline, "name": name}


def _version_arn(build_arn: str) -> str:
    return build_arn.rsplit("/", 1)[0]


def _latest(build_arn: str) -> str:
    return build_arn.rsplit("/", 2)[0] + "/x.x.x"


def test_the_share_reaches_the_organization_with_owner_shared(base, workload):
    imagebuilder = workload[0]

    images = imagebuilder.list_images(owner="Shared")["imageVersionList"]
    components = imagebuilder.list_components(owner="Shared")["componentVersionList"]
    recipes = imagebuilder.list_image_recipes(owner="Shared")["imageRecipeSummaryList"]

    image = next(i for i in images if i["arn"] == _version_arn(base["image"]["arn"]))
    assert image["owner"] == PRODUCER and image["version"] == "1.0.0" and image["platform"] == "Linux"
    component = next(c for c in components if c["arn"] == _version_arn(base["component"]))
    assert component["owner"] == PRODUCER and component["type"] == "BUILD"
    assert base["recipe"] in [r["arn"] for r in recipes]
    own = imagebuilder.list_images()["imageVersionList"] + imagebuilder.list_components()["componentVersionList"]
    assert PRODUCER not in {entry["owner"] for entry in own}


def test_shared_resources_read_like_own_ones(base, workload):
    imagebuilder = workload[0]
    build_arn = base["image"]["arn"]

    by_latest = imagebuilder.get_image(imageBuildVersionArn=_latest(build_arn))
    by_build = imagebuilder.get_image(imageBuildVersionArn=build_arn)["image"]
    component = imagebuilder.get_component(componentBuildVersionArn=base["component"])["component"]
    recipe = imagebuilder.get_image_recipe(imageRecipeArn=base["recipe"])["imageRecipe"]
    builds = imagebuilder.list_image_build_versions(imageVersionArn=_version_arn(build_arn))["imageSummaryList"]
    parts = imagebuilder.list_component_build_versions(componentVersionArn=_version_arn(base["component"]))

    assert by_latest["image"]["arn"] == build_arn == by_build["arn"]
    assert by_latest["latestVersionReferences"]["latestVersionArn"] == _latest(build_arn)
    assert by_build["outputResources"]["amis"] == base["image"]["outputResources"]["amis"]
    assert component["arn"] == base["component"] and component["owner"] == PRODUCER
    assert recipe["arn"] == base["recipe"] and recipe["owner"] == PRODUCER
    assert [b["arn"] for b in builds] == [build_arn]
    assert [c["arn"] for c in parts["componentSummaryList"]] == [base["component"]]


def test_an_account_outside_the_share_is_refused(base, outsider):
    imagebuilder = outsider[0]

    with pytest.raises(ClientError) as get:
        imagebuilder.get_image(imageBuildVersionArn=base["image"]["arn"])
    with pytest.raises(ClientError) as parent:
        imagebuilder.create_image_recipe(
            name=unique("outside"),
            semanticVersion="1.0.0",
            parentImage=_latest(base["image"]["arn"]),
            components=[{"componentArn": f"arn:aws:imagebuilder:{REGION}:aws:component/update-linux/x.x.x"}],
        )
    with pytest.raises(ClientError) as part:
        imagebuilder.create_image_recipe(
            name=unique("outside"),
            semanticVersion="1.0.0",
            parentImage="ami-0123456789abcdef0",
            components=[{"componentArn": base["component"]}],
        )

    for refused in (get, parent, part):
        assert refused.value.response["Error"]["Code"] == "ForbiddenException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert f"arn:aws:iam::{OUTSIDER}:root is not authorized" in refused.value.response["Error"]["Message"]
    assert imagebuilder.list_images(owner="Shared")["imageVersionList"] == []


def test_a_build_on_the_shared_parent_starts_from_the_parent_ami(base, workload):
    imagebuilder, ec2, _, _ = workload
    parent_ami = base["image"]["outputResources"]["amis"][0]["image"]
    app = _consumer_pipeline(workload, _latest(base["image"]["arn"]), [base["component"]])

    child = _build(imagebuilder, app["pipeline"])

    assert child["arn"].startswith(f"arn:aws:imagebuilder:{REGION}:{WORKLOAD}:image/{app['name']}/1.0.0/")
    assert child["imageRecipe"]["parentImage"] == _latest(base["image"]["arn"])
    assert child["imageRecipe"]["components"] == [{"componentArn": base["component"]}]
    ami = ec2.describe_images(ImageIds=[child["outputResources"]["amis"][0]["image"]])["Images"][0]
    assert ami["OwnerId"] == WORKLOAD
    assert (ami["SourceImageId"], ami["SourceImageRegion"]) == (parent_ami, REGION)
    ancestry = ec2.get_image_ancestry(ImageId=ami["ImageId"])["ImageAncestryEntries"]
    assert [entry["ImageId"] for entry in ancestry[:2]] == [ami["ImageId"], parent_ami]
    assert ancestry[1]["SourceImageId"] == ancestry[2]["ImageId"] and ancestry[-1].get("ImageOwnerAlias") == "amazon"
    assert "SourceImageId" not in ancestry[-1]
    schedule = imagebuilder.get_image_pipeline(imagePipelineArn=app["pipeline"])["imagePipeline"]["schedule"]
    assert schedule["pipelineExecutionStartCondition"] == "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"


def test_a_new_parent_build_is_used_once_it_is_shared(base, workload):
    imagebuilder = workload[0]
    app = _consumer_pipeline(workload, _latest(base["image"]["arn"]), [base["component"]])
    newer = _build(base["imagebuilder"], base["pipeline"])
    newer_ami = newer["outputResources"]["amis"][0]["image"]

    before = _build(imagebuilder, app["pipeline"])
    base["ram"].associate_resource_share(resourceShareArn=base["share"], resourceArns=[newer["arn"]])
    after = _build(imagebuilder, app["pipeline"])

    ec2 = workload[1]
    sources = [
        ec2.describe_images(ImageIds=[i["outputResources"]["amis"][0]["image"]])["Images"][0]["SourceImageId"]
        for i in (before, after)
    ]
    assert sources == [base["image"]["outputResources"]["amis"][0]["image"], newer_ami]
    shared = imagebuilder.list_image_build_versions(imageVersionArn=_version_arn(newer["arn"]))["imageSummaryList"]
    assert [b["arn"] for b in shared] == [base["image"]["arn"], newer["arn"]]


def test_a_parent_whose_ami_the_consumer_cannot_launch_fails_the_build(localcloud, session_for, base, workload):
    producer = clients(session_for, localcloud)
    private = producer_resources(
        *producer[:3], tests_enabled=False, distributions=[{"region": REGION, "amiDistributionConfiguration": {}}]
    )
    image = _build(producer[0], private["pipeline"])
    base["ram"].associate_resource_share(resourceShareArn=base["share"], resourceArns=[image["arn"]])
    app = _consumer_pipeline(workload, _latest(image["arn"]), [base["component"]])

    arn = workload[0].start_image_pipeline_execution(imagePipelineArn=app["pipeline"])["imageBuildVersionArn"]
    failed = wait_for_image(workload[0], arn)

    assert failed["state"]["status"] == "FAILED"
    assert failed["state"]["failureContext"]["failedStep"] == "LaunchBuildInstance"
    assert f"Not authorized for images: [{image['outputResources']['amis'][0]['image']}]" in failed["state"]["reason"]


def test_a_shared_recipe_builds_in_the_consumer_account(base, workload):
    imagebuilder, ec2, iam, _ = workload
    name = unique("borrowed")
    infrastructure = imagebuilder.create_infrastructure_configuration(
        name=name, instanceTypes=["t3.small"], **build_instance_network(ec2, iam, name)
    )["infrastructureConfigurationArn"]

    arn = imagebuilder.create_image(
        imageRecipeArn=base["recipe"],
        infrastructureConfigurationArn=infrastructure,
        imageTestsConfiguration={"imageTestsEnabled": False},
    )["imageBuildVersionArn"]
    image = wait_for_image(imagebuilder, arn)

    assert image["state"]["status"] == "AVAILABLE", image["state"]
    assert arn.startswith(f"arn:aws:imagebuilder:{REGION}:{WORKLOAD}:image/{base['name']}/1.0.0/")
    assert image["outputResources"]["amis"][0]["accountId"] == WORKLOAD


def test_unsharing_takes_the_resources_away(localcloud, session_for, base, workload):
    component = clients(session_for, localcloud)[0].create_component(
        name=unique("lent"), semanticVersion="1.0.0", platform="Linux", data=DOCUMENT
    )["componentBuildVersionArn"]
    base["ram"].associate_resource_share(resourceShareArn=base["share"], resourceArns=[component])
    assert workload[0].get_component(componentBuildVersionArn=component)["component"]["arn"] == component

    base["ram"].disassociate_resource_share(resourceShareArn=base["share"], resourceArns=[component])

    with pytest.raises(ClientError) as gone:
        workload[0].get_component(componentBuildVersionArn=component)
    assert gone.value.response["Error"]["Code"] == "ForbiddenException"
    assert component not in [c["arn"] for c in workload[0].list_components(owner="Shared")["componentVersionList"]]


def test_ram_shares_image_builder_resources_by_build_version(base):
    ram, image = base["ram"], base["image"]["arn"]

    def refused(arn: str) -> str:
        with pytest.raises(ClientError) as error:
            ram.associate_resource_share(resourceShareArn=base["share"], resourceArns=[arn])
        return error.value.response["Error"]["Code"]

    assert refused(_version_arn(image)) == "MalformedArnException"
    assert refused(_latest(image)) == "MalformedArnException"
    assert refused(image.rsplit("/", 1)[0] + "/99") == "UnknownResourceException"
    assert refused(image.replace(PRODUCER, WORKLOAD)) == "UnknownResourceException"
    assert refused(image.replace(REGION, "eu-west-1")) == "UnknownResourceException"
