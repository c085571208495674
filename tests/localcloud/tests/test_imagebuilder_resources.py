"""Image Builder configuration resources: errors, immutability, versions, idempotency,
dependencies, updates, tags and paging, checked through boto3 against localcloud."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from imagebuilder_support import (
    BUILD_DOCUMENT,
    PRODUCER,
    REGION,
    clients,
    producer_resources,
    unique,
    wait_for_image,
)

PARENT = f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x"


@pytest.fixture
def imagebuilder(localcloud, session_for, config):
    config(build_seconds=1, fail_build_step=None)
    return clients(session_for, localcloud)[0]


def error_of(call, **params) -> tuple[str, int, str]:
    """The error code, HTTP status and message a call fails with (and that it fails)."""
    with pytest.raises(ClientError) as raised:
        call(**params)
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == response["Error"]["Code"]
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def component(imagebuilder, name, version="1.0.0", document=BUILD_DOCUMENT, **extra) -> str:
    return imagebuilder.create_component(name=name, semanticVersion=version, platform="Linux", data=document, **extra)[
        "componentBuildVersionArn"
    ]


def test_component_arn_is_lower_cased_and_recreating_a_version_adds_a_build(imagebuilder):
    name = "My_Golden Build-" + uuid.uuid4().hex[:6]
    first = component(imagebuilder, name, description="first")
    expected = f"arn:aws:imagebuilder:{REGION}:{PRODUCER}:component/{name.lower().replace('_', '-').replace(' ', '-')}"
    assert first == f"{expected}/1.0.0/1"
    second = component(imagebuilder, name, description="second")
    assert second == f"{expected}/1.0.0/2"
    assert imagebuilder.get_component(componentBuildVersionArn=first)["component"]["description"] == "first"
    got = imagebuilder.get_component(componentBuildVersionArn=f"{expected}/1.0.0")
    assert got["component"]["arn"] == second
    assert got["component"]["name"] == name and got["component"]["type"] == "BUILD"
    assert got["latestVersionReferences"] == {
        "latestVersionArn": f"{expected}/x.x.x",
        "latestMajorVersionArn": f"{expected}/1.x.x",
        "latestMinorVersionArn": f"{expected}/1.0.x",
        "latestPatchVersionArn": f"{expected}/1.0.0",
    }
    builds = imagebuilder.list_component_build_versions(componentVersionArn=f"{expected}/1.0.0")
    assert [c["arn"] for c in builds["componentSummaryList"]] == [first, second]


def test_version_selection_with_wildcards(imagebuilder):
    name = unique("versions")
    for version in ("1.0.0", "1.2.0", "1.10.1", "2.0.0"):
        component(imagebuilder, name, version)
    base = f"arn:aws:imagebuilder:{REGION}:{PRODUCER}:component/{name}"
    selected = {
        pattern: imagebuilder.get_component(componentBuildVersionArn=f"{base}/{pattern}")["component"]["version"]
        for pattern in ("x.x.x", "1.x.x", "1.2.x", "1.10.1")
    }
    assert selected == {"x.x.x": "2.0.0", "1.x.x": "1.10.1", "1.2.x": "1.2.0", "1.10.1": "1.10.1"}
    assert (
        error_of(imagebuilder.get_component, componentBuildVersionArn=f"{base}/x.2.x")[0]
        == "InvalidVersionNumberException"
    )
    assert error_of(imagebuilder.get_component, componentBuildVersionArn=f"{base}/3.x.x")[:2] == (
        "ResourceNotFoundException",
        404,
    )
    listed = imagebuilder.list_components(filters=[{"name": "name", "values": [name]}])["componentVersionList"]
    assert [c["arn"] for c in listed] == [f"{base}/{v}" for v in ("1.0.0", "1.2.0", "1.10.1", "2.0.0")]
    by_name = imagebuilder.list_components(byName=True, filters=[{"name": "name", "values": [name]}])
    assert [c["version"] for c in by_name["componentVersionList"]] == ["2.0.0"]


def test_recipes_are_immutable_and_wildcard_versions_take_the_next_patch(imagebuilder):
    name = unique("recipe")
    build = component(imagebuilder, unique("part"))
    first = imagebuilder.create_image_recipe(
        name=name, semanticVersion="1.0.0", parentImage=PARENT, components=[{"componentArn": build}]
    )["imageRecipeArn"]
    assert first == f"arn:aws:imagebuilder:{REGION}:{PRODUCER}:image-recipe/{name}/1.0.0"
    code, status, message = error_of(
        imagebuilder.create_image_recipe,
        name=name,
        semanticVersion="1.0.0",
        parentImage=PARENT,
        components=[{"componentArn": build}],
    )
    assert (code, status) == ("ResourceAlreadyExistsException", 400)
    assert first in message
    bumped = imagebuilder.create_image_recipe(
        name=name, semanticVersion="1.0.x", parentImage=PARENT, components=[{"componentArn": build}]
    )["imageRecipeArn"]
    assert bumped.endswith("/1.0.1")
    assert not hasattr(imagebuilder, "update_image_recipe") and not hasattr(imagebuilder, "update_component")
    recipe = imagebuilder.get_image_recipe(imageRecipeArn=bumped.replace("/1.0.1", "/x.x.x"))["imageRecipe"]
    assert recipe["version"] == "1.0.1" and recipe["platform"] == "Linux"


@pytest.mark.parametrize(
    "parent, accepted",
    [
        (PARENT, True),
        (f"arn:aws:imagebuilder:{REGION}:aws:image/windows-server-2022-english-full-base-x86/2024.1.10", True),
        ("ami-0123456789abcdef0", True),
        ("ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", True),
        ("amazon-linux-2-x86", False),
        ("arn:aws:imagebuilder:us-west-2:aws:image/amazon-linux-2-x86/x.x.x", False),
    ],
)
def test_parent_image_forms(imagebuilder, parent, accepted):
    build = component(imagebuilder, unique("part"))
    create = lambda: imagebuilder.create_image_recipe(  # noqa: E731
        name=unique("parent"), semanticVersion="1.0.0", parentImage=parent, components=[{"componentArn": build}]
    )
    if accepted:
        arn = create()["imageRecipeArn"]
        platform = imagebuilder.get_image_recipe(imageRecipeArn=arn)["imageRecipe"]["platform"]
        assert platform == ("Windows" if "windows" in parent else "Linux")
    else:
        assert error_of(create)[:2] == ("InvalidParameterValueException", 400)


@pytest.mark.parametrize(
    "document, fault",
    [
        ("phases: [\n  - name: build\n", "not valid YAML"),
        (
            "schemaVersion: 2.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: Reboot\n",
            "schemaVersion",
        ),
        (
            "schemaVersion: 1.0\nphases:\n  - name: deploy\n    steps:\n      - name: a\n        action: Reboot\n",
            "deploy",
        ),
        (
            "schemaVersion: 1.0\nphases:\n  - name: container-host-test\n    steps:\n      - name: a\n"
            "        action: Reboot\n",
            "build, validate, test",
        ),
        (
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: Reboot\n"
            "      - name: a\n        action: Reboot\n",
            "more than once",
        ),
        (
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: RunScript\n",
            "RunScript",
        ),
        (
            "schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: a\n        action: ExecuteBash\n",
            "inputs",
        ),
    ],
)
def test_invalid_component_documents_are_rejected_at_create(imagebuilder, document, fault):
    code, status, message = error_of(
        imagebuilder.create_component, name=unique("bad"), semanticVersion="1.0.0", platform="Linux", data=document
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "'data'" in message and fault in message


def test_a_document_may_have_phases_of_other_names_beside_build_validate_or_test(imagebuilder):
    document = (
        "schemaVersion: 1.0\nphases:\n  - name: deploy\n    steps:\n      - name: a\n        action: Reboot\n"
        "  - name: validate\n    steps:\n      - name: b\n        action: Reboot\n"
    )

    arn = imagebuilder.create_component(name=unique("custom"), semanticVersion="1.0.0", platform="Linux", data=document)[
        "componentBuildVersionArn"
    ]

    assert imagebuilder.get_component(componentBuildVersionArn=arn)["component"]["type"] == "BUILD"


def test_component_dry_run_checks_without_creating(imagebuilder):
    name = unique("dry")
    code, status, _ = error_of(
        imagebuilder.create_component,
        name=name,
        semanticVersion="1.0.0",
        platform="Linux",
        data=BUILD_DOCUMENT,
        dryRun=True,
    )
    assert (code, status) == ("DryRunOperationException", 412)
    listed = imagebuilder.list_components(filters=[{"name": "name", "values": [name]}])
    assert listed["componentVersionList"] == []


def test_component_from_uri_is_refused_with_a_clear_message(imagebuilder):
    code, _, message = error_of(
        imagebuilder.create_component,
        name=unique("uri"),
        semanticVersion="1.0.0",
        platform="Linux",
        uri="s3://bucket/build.yml",
    )
    assert code == "InvalidParameterValueException" and "data" in message


def test_version_numbers_are_checked(imagebuilder):
    too_big = error_of(
        imagebuilder.create_component,
        name=unique("big"),
        semanticVersion="1073741824.0.0",
        platform="Linux",
        data=BUILD_DOCUMENT,
    )
    assert too_big[0] == "InvalidVersionNumberException"
    wildcard_component = error_of(
        imagebuilder.create_component,
        name=unique("wild"),
        semanticVersion="1.0.x",
        platform="Linux",
        data=BUILD_DOCUMENT,
    )
    assert wildcard_component[0] == "InvalidParameterValueException" and "semanticVersion" in wildcard_component[2]
    build = component(imagebuilder, unique("part"))
    misplaced = error_of(
        imagebuilder.create_image_recipe,
        name=unique("recipe"),
        semanticVersion="1.x.0",
        parentImage=PARENT,
        components=[{"componentArn": build}],
    )
    assert misplaced[0] == "InvalidVersionNumberException"


def test_client_token_reuse(imagebuilder):
    name, token = unique("token"), str(uuid.uuid4())
    first = imagebuilder.create_component(
        name=name, semanticVersion="1.0.0", platform="Linux", data=BUILD_DOCUMENT, clientToken=token
    )
    again = imagebuilder.create_component(
        name=name, semanticVersion="1.0.0", platform="Linux", data=BUILD_DOCUMENT, clientToken=token
    )
    assert again["componentBuildVersionArn"] == first["componentBuildVersionArn"]
    assert again["clientToken"] == token
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    listed = imagebuilder.list_component_build_versions(
        componentVersionArn=first["componentBuildVersionArn"].rsplit("/", 1)[0]
    )["componentSummaryList"]
    assert len(listed) == 1
    code, status, _ = error_of(
        imagebuilder.create_component,
        name=name,
        semanticVersion="2.0.0",
        platform="Linux",
        data=BUILD_DOCUMENT,
        clientToken=token,
    )
    assert (code, status) == ("IdempotentParameterMismatchException", 400)


def test_missing_resources_are_not_found(imagebuilder):
    base = f"arn:aws:imagebuilder:{REGION}:{PRODUCER}"
    calls = [
        (imagebuilder.get_component, {"componentBuildVersionArn": f"{base}:component/nothing/1.0.0/1"}),
        (imagebuilder.get_image_recipe, {"imageRecipeArn": f"{base}:image-recipe/nothing/1.0.0"}),
        (
            imagebuilder.get_infrastructure_configuration,
            {"infrastructureConfigurationArn": f"{base}:infrastructure-configuration/nothing"},
        ),
        (
            imagebuilder.get_distribution_configuration,
            {"distributionConfigurationArn": f"{base}:distribution-configuration/nothing"},
        ),
        (imagebuilder.get_image_pipeline, {"imagePipelineArn": f"{base}:image-pipeline/nothing"}),
        (imagebuilder.get_image, {"imageBuildVersionArn": f"{base}:image/nothing/1.0.0/1"}),
        (imagebuilder.start_image_pipeline_execution, {"imagePipelineArn": f"{base}:image-pipeline/nothing"}),
        (imagebuilder.list_image_pipeline_images, {"imagePipelineArn": f"{base}:image-pipeline/nothing"}),
        (imagebuilder.list_tags_for_resource, {"resourceArn": f"{base}:image-pipeline/nothing"}),
    ]
    for call, params in calls:
        assert error_of(call, **params)[:2] == ("ResourceNotFoundException", 404), call
    malformed = error_of(imagebuilder.get_component, componentBuildVersionArn="arn:aws:imagebuilder:nope")
    assert malformed[:2] == ("InvalidParameterValueException", 400)
    assert "componentBuildVersionArn" in malformed[2]


def test_duplicate_names_already_exist(localcloud, session_for, imagebuilder):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    duplicates = [
        (
            imagebuilder.create_infrastructure_configuration,
            {"name": resources["name"], "instanceProfileName": resources["instanceProfileName"]},
        ),
        (
            imagebuilder.create_distribution_configuration,
            {"name": resources["name"], "distributions": [{"region": REGION}]},
        ),
        (
            imagebuilder.create_image_pipeline,
            {
                "name": resources["name"],
                "imageRecipeArn": resources["recipe"],
                "infrastructureConfigurationArn": resources["infrastructure"],
            },
        ),
    ]
    for call, params in duplicates:
        assert error_of(call, **params)[:2] == ("ResourceAlreadyExistsException", 400), call


def test_deleting_what_is_still_used_is_a_dependency_error(localcloud, session_for, config):
    config(build_seconds=30, fail_build_step=None)
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    in_use = [
        (imagebuilder.delete_component, {"componentBuildVersionArn": resources["component"]}),
        (imagebuilder.delete_image_recipe, {"imageRecipeArn": resources["recipe"]}),
        (
            imagebuilder.delete_infrastructure_configuration,
            {"infrastructureConfigurationArn": resources["infrastructure"]},
        ),
        (
            imagebuilder.delete_distribution_configuration,
            {"distributionConfigurationArn": resources["distribution"]},
        ),
    ]
    for call, params in in_use:
        code, status, message = error_of(call, **params)
        assert (code, status) == ("ResourceDependencyException", 400), call
    image = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]
    assert error_of(imagebuilder.delete_image_pipeline, imagePipelineArn=resources["pipeline"])[0] == (
        "ResourceDependencyException"
    )
    assert error_of(imagebuilder.delete_image, imageBuildVersionArn=image)[0] == "ResourceDependencyException"
    imagebuilder.cancel_image_creation(imageBuildVersionArn=image)
    assert (
        imagebuilder.delete_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipelineArn"]
        == (resources["pipeline"])
    )
    for call, params in in_use[1:] + in_use[:1]:
        call(**params)
    assert imagebuilder.delete_image(imageBuildVersionArn=image)["imageBuildVersionArn"] == image
    assert error_of(imagebuilder.get_image, imageBuildVersionArn=image)[0] == "ResourceNotFoundException"


def test_updates_replace_settings(localcloud, session_for, imagebuilder):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    imagebuilder.update_infrastructure_configuration(
        infrastructureConfigurationArn=resources["infrastructure"],
        instanceProfileName=resources["instanceProfileName"],
        instanceTypes=["t3.large"],
        description="bigger",
    )
    infrastructure = imagebuilder.get_infrastructure_configuration(
        infrastructureConfigurationArn=resources["infrastructure"]
    )["infrastructureConfiguration"]
    assert infrastructure["instanceTypes"] == ["t3.large"] and infrastructure["description"] == "bigger"
    assert "subnetId" not in infrastructure and infrastructure["dateUpdated"]
    imagebuilder.update_distribution_configuration(
        distributionConfigurationArn=resources["distribution"], distributions=[{"region": "eu-west-1"}]
    )
    summaries = imagebuilder.list_distribution_configurations(
        filters=[{"name": "name", "values": [resources["name"]]}]
    )["distributionConfigurationSummaryList"]
    assert [s["regions"] for s in summaries] == [["eu-west-1"]]
    imagebuilder.update_image_pipeline(
        imagePipelineArn=resources["pipeline"],
        imageRecipeArn=resources["recipe"],
        infrastructureConfigurationArn=resources["infrastructure"],
        status="DISABLED",
        imageTestsConfiguration={"imageTestsEnabled": False},
    )
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert pipeline["status"] == "DISABLED" and "distributionConfigurationArn" not in pipeline
    assert pipeline["imageTestsConfiguration"]["imageTestsEnabled"] is False
    bad_region = error_of(
        imagebuilder.update_distribution_configuration,
        distributionConfigurationArn=resources["distribution"],
        distributions=[{"region": "moon-1"}],
    )
    assert bad_region[0] == "InvalidParameterValueException"


def test_schedule_time_zone_is_kept_and_checked(localcloud, session_for, imagebuilder):
    """Schedule.timezone (API reference): an IANA name, returned as set; UTC when left out."""
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    resources = producer_resources(imagebuilder, ec2, iam)
    settings = {
        "imagePipelineArn": resources["pipeline"],
        "imageRecipeArn": resources["recipe"],
        "infrastructureConfigurationArn": resources["infrastructure"],
    }
    schedule = {
        "scheduleExpression": "cron(0 4 ? * SUN *)",
        "timezone": "Asia/Tokyo",
        "pipelineExecutionStartCondition": "EXPRESSION_MATCH_ONLY",
    }
    imagebuilder.update_image_pipeline(**settings, schedule=schedule)
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert pipeline["schedule"] == schedule
    listed = imagebuilder.list_image_pipelines(filters=[{"name": "name", "values": [resources["name"]]}])
    assert [p["schedule"]["timezone"] for p in listed["imagePipelineList"]] == ["Asia/Tokyo"]
    for zone in ("Asia Tokyo", "/UTC", "A/b"):
        code, status, _ = error_of(
            imagebuilder.update_image_pipeline, **settings, schedule={**schedule, "timezone": zone}
        )
        assert (code, status) == ("InvalidParameterValueException", 400), zone
    imagebuilder.update_image_pipeline(**settings, schedule={"scheduleExpression": "cron(0 4 ? * SUN *)"})
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert "timezone" not in pipeline["schedule"]


def test_tags_on_resources_and_images(localcloud, session_for, imagebuilder):
    imagebuilder, ec2, iam, _ = clients(session_for, localcloud)
    tagged = component(imagebuilder, unique("tagged"), tags={"team": "platform"})
    assert imagebuilder.list_tags_for_resource(resourceArn=tagged)["tags"] == {"team": "platform"}
    imagebuilder.tag_resource(resourceArn=tagged, tags={"stage": "prod", "team": "images"})
    assert imagebuilder.list_tags_for_resource(resourceArn=tagged)["tags"] == {"team": "images", "stage": "prod"}
    imagebuilder.untag_resource(resourceArn=tagged, tagKeys=["team"])
    assert imagebuilder.list_tags_for_resource(resourceArn=tagged)["tags"] == {"stage": "prod"}
    assert imagebuilder.get_component(componentBuildVersionArn=tagged)["component"]["tags"] == {"stage": "prod"}

    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False)
    imagebuilder.tag_resource(resourceArn=resources["pipeline"], tags={"owner": "gold"})
    image = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"], tags={"run": "manual"})[
        "imageBuildVersionArn"
    ]
    assert imagebuilder.list_tags_for_resource(resourceArn=image)["tags"] == {"run": "manual"}
    assert imagebuilder.list_tags_for_resource(resourceArn=resources["pipeline"])["tags"] == {"owner": "gold"}
    wait_for_image(imagebuilder, image)


def test_lists_page_and_filter(imagebuilder):
    name = unique("page")
    for version in ("1.0.0", "1.1.0", "1.2.0"):
        component(imagebuilder, name, version)
    filters = [{"name": "name", "values": [name]}]
    first = imagebuilder.list_components(filters=filters, maxResults=2)
    assert len(first["componentVersionList"]) == 2 and first["nextToken"]
    rest = imagebuilder.list_components(filters=filters, maxResults=2, nextToken=first["nextToken"])
    assert [c["version"] for c in rest["componentVersionList"]] == ["1.2.0"] and "nextToken" not in rest
    pages = imagebuilder.get_paginator("list_components").paginate(filters=filters, PaginationConfig={"PageSize": 1})
    assert sum(len(page["componentVersionList"]) for page in pages) == 3
    assert error_of(imagebuilder.list_components, nextToken="not-a-token")[0] == "InvalidPaginationTokenException"
    assert error_of(imagebuilder.list_components, filters=[{"name": "colour", "values": ["red"]}])[0] == (
        "InvalidParameterValueException"
    )
    assert imagebuilder.list_components(owner="Amazon")["componentVersionList"] == []
