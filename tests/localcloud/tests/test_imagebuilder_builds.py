"""Image Builder builds: workflow and step executions, injected step failures, and
cancellation."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from imagebuilder_support import (
    BUILD_DOCUMENT,
    PRODUCER,
    REGION,
    TEST_DOCUMENT,
    clients,
    producer_resources,
    unique,
    wait_for_image,
    workflow_steps,
)

BUILD_STEPS = [
    "LaunchBuildInstance",
    "ApplyBuildComponents",
    "InventoryCollection",
    "RunSanitizeScript",
    "RunSysPrepScript",
    "CreateOutputAMI",
    "TerminateBuildInstance",
    "WaitForActionAtEnd",
]
TEST_STEPS = ["LaunchTestInstance", "CollectImageScanFindings", "ApplyTestComponents", "TerminateTestInstance"]


@pytest.fixture
def producer(localcloud, session_for):
    return clients(session_for, localcloud)


def start(imagebuilder, resources) -> str:
    return imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]


def amis_named(ec2, name: str) -> list[dict]:
    return ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [f"{name}*"]}])["Images"]


def test_successful_build_runs_the_managed_build_and_test_workflows(producer, config):
    config(build_seconds=1, fail_build_step=None)
    imagebuilder, ec2, iam, _ = producer
    arn = start(imagebuilder, producer_resources(imagebuilder, ec2, iam))
    wait_for_image(imagebuilder, arn)

    executions = imagebuilder.list_workflow_executions(imageBuildVersionArn=arn)
    assert executions["imageBuildVersionArn"] == arn
    by_type = {e["type"]: e for e in executions["workflowExecutions"]}
    assert set(by_type) == {"BUILD", "TEST"}
    build = by_type["BUILD"]
    assert build["workflowBuildVersionArn"] == f"arn:aws:imagebuilder:{REGION}:aws:workflow/build/build-image/1.0.2/1"
    assert build["status"] == "COMPLETED"
    assert (build["totalStepCount"], build["totalStepsSucceeded"], build["totalStepsSkipped"]) == (8, 6, 2)

    steps = imagebuilder.list_workflow_step_executions(workflowExecutionId=build["workflowExecutionId"])["steps"]
    assert [s["name"] for s in steps] == BUILD_STEPS
    statuses = {s["name"]: s["status"] for s in steps}
    assert statuses["RunSysPrepScript"] == "SKIPPED" and statuses["WaitForActionAtEnd"] == "SKIPPED"
    assert statuses["ApplyBuildComponents"] == "COMPLETED"
    test_steps = imagebuilder.list_workflow_step_executions(workflowExecutionId=by_type["TEST"]["workflowExecutionId"])[
        "steps"
    ]
    assert [s["name"] for s in test_steps] == TEST_STEPS

    launch = next(s for s in steps if s["name"] == "LaunchBuildInstance")
    detail = imagebuilder.get_workflow_step_execution(stepExecutionId=launch["stepExecutionId"])
    assert detail["action"] == "LaunchInstance" and detail["onFailure"] == "Abort"
    assert detail["workflowExecutionId"] == build["workflowExecutionId"] and detail["imageBuildVersionArn"] == arn
    assert '"instanceId": "i-' in detail["outputs"]
    execution = imagebuilder.get_workflow_execution(workflowExecutionId=build["workflowExecutionId"])
    assert execution["status"] == "COMPLETED" and execution["imageBuildVersionArn"] == arn


def test_step_executions_follow_the_build_while_it_runs(producer, config):
    config(build_seconds=20, fail_build_step=None)
    imagebuilder, ec2, iam, _ = producer
    arn = start(imagebuilder, producer_resources(imagebuilder, ec2, iam))
    assert imagebuilder.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"] in ("PENDING", "CREATING")
    deadline = time.monotonic() + 15
    while True:
        steps = workflow_steps(imagebuilder, arn)
        if steps and steps["LaunchBuildInstance"]["status"] == "COMPLETED":
            break
        assert time.monotonic() < deadline, steps
        time.sleep(0.1)
    assert steps["ApplyBuildComponents"]["status"] in ("RUNNING", "COMPLETED")
    assert steps["CreateOutputAMI"]["status"] in ("PENDING", "RUNNING")
    assert steps["LaunchBuildInstance"]["_workflow"]["status"] == "RUNNING"
    assert "LaunchTestInstance" not in steps, "the test workflow starts only after the build workflow"
    assert imagebuilder.get_image(imageBuildVersionArn=arn)["image"]["state"]["status"] == "BUILDING"
    imagebuilder.cancel_image_creation(imageBuildVersionArn=arn)


def test_failing_build_step_fails_the_image_with_the_step_named(producer, config):
    config(build_seconds=1, fail_build_step="build/jq_install")
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam)
    arn = start(imagebuilder, resources)
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "FAILED"
    reason = image["state"]["reason"]
    assert "Step failed: 'jq_install'" in reason and resources["component"] in reason and "'build'" in reason
    assert "outputResources" not in image or not image["outputResources"].get("amis")
    steps = workflow_steps(imagebuilder, arn)
    assert steps["ApplyBuildComponents"]["status"] == "FAILED"
    assert "jq_install" in steps["ApplyBuildComponents"]["message"]
    assert steps["LaunchBuildInstance"]["status"] == "COMPLETED"
    assert steps["CreateOutputAMI"]["status"] == "SKIPPED"
    assert steps["ApplyBuildComponents"]["_workflow"]["status"] == "FAILED"
    assert "LaunchTestInstance" not in steps
    assert amis_named(ec2, resources["name"]) == []
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert (pipeline["lastRunStatus"], pipeline["consecutiveFailures"]) == ("FAILED", 1)


def test_failing_validate_step_fails_in_the_build_workflow(producer, config):
    config(build_seconds=1, fail_build_step="validate/jq_install")
    imagebuilder, ec2, iam, _ = producer
    arn = start(imagebuilder, producer_resources(imagebuilder, ec2, iam))
    image = wait_for_image(imagebuilder, arn)
    assert image["state"]["status"] == "FAILED" and "'validate'" in image["state"]["reason"]
    assert "TESTING" not in image["_seen"]
    context = image["state"]["failureContext"]
    assert (context["imageStatus"], context["failedStep"]) == ("BUILDING", "ApplyBuildComponents")
    failure = context["componentFailure"]
    assert (failure["phaseName"], failure["stepName"], failure["action"]) == ("validate", "jq_install", "ExecuteBash")
    assert context["workflowExecutionId"].startswith("wf-") and context["stepExecutionId"].startswith("step-")


def test_failing_test_step_fails_in_the_test_workflow_only_when_tests_run(localcloud, session_for, producer, config):
    imagebuilder, ec2, iam, _ = producer
    test_component = imagebuilder.create_component(
        name=unique("smoke"), semanticVersion="1.0.0", platform="Linux", data=TEST_DOCUMENT
    )["componentBuildVersionArn"]
    assert imagebuilder.get_component(componentBuildVersionArn=test_component)["component"]["type"] == "TEST"
    config(build_seconds=1, fail_build_step="test/jq_works")
    outcomes = {}
    for tests_enabled in (True, False):
        resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=tests_enabled)
        recipe = imagebuilder.create_image_recipe(
            name=unique("tested"),
            semanticVersion="1.0.0",
            parentImage=f"arn:aws:imagebuilder:{REGION}:aws:image/amazon-linux-2-x86/x.x.x",
            components=[{"componentArn": resources["component"]}, {"componentArn": test_component}],
        )["imageRecipeArn"]
        imagebuilder.update_image_pipeline(
            imagePipelineArn=resources["pipeline"],
            imageRecipeArn=recipe,
            infrastructureConfigurationArn=resources["infrastructure"],
            imageTestsConfiguration={"imageTestsEnabled": tests_enabled},
        )
        arn = start(imagebuilder, resources)
        outcomes[tests_enabled] = (wait_for_image(imagebuilder, arn), workflow_steps(imagebuilder, arn))
    failed, failed_steps = outcomes[True]
    assert failed["state"]["status"] == "FAILED" and "jq_works" in failed["state"]["reason"]
    assert failed_steps["ApplyBuildComponents"]["status"] == "COMPLETED"
    assert failed_steps["ApplyTestComponents"]["status"] == "FAILED"
    assert failed_steps["ApplyTestComponents"]["_workflow"]["type"] == "TEST"
    skipped, skipped_steps = outcomes[False]
    assert skipped["state"]["status"] == "AVAILABLE"
    assert "ApplyTestComponents" not in skipped_steps


def test_failure_injection_follows_the_component_version_the_recipe_selects(producer, config):
    imagebuilder, ec2, iam, _ = producer
    name = unique("selected")
    old = BUILD_DOCUMENT.replace("kernel_ng_install", "old_only_step")
    imagebuilder.create_component(name=name, semanticVersion="1.0.0", platform="Linux", data=old)
    imagebuilder.create_component(name=name, semanticVersion="1.1.0", platform="Linux", data=BUILD_DOCUMENT)
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False)
    recipe = imagebuilder.create_image_recipe(
        name=unique("wildcard"),
        semanticVersion="1.0.0",
        parentImage="ami-0123456789abcdef0",
        components=[{"componentArn": f"arn:aws:imagebuilder:{REGION}:{PRODUCER}:component/{name}/1.x.x"}],
    )["imageRecipeArn"]
    imagebuilder.update_image_pipeline(
        imagePipelineArn=resources["pipeline"],
        imageRecipeArn=recipe,
        infrastructureConfigurationArn=resources["infrastructure"],
        imageTestsConfiguration={"imageTestsEnabled": False},
    )
    config(build_seconds=1, fail_build_step="build/old_only_step")
    assert wait_for_image(imagebuilder, start(imagebuilder, resources))["state"]["status"] == "AVAILABLE"
    config(fail_build_step="build/kernel_ng_install")
    failed = wait_for_image(imagebuilder, start(imagebuilder, resources))
    assert failed["state"]["status"] == "FAILED" and f"component/{name}/1.1.0/1" in failed["state"]["reason"]


def test_cancel_stops_the_build_and_cannot_be_repeated(producer, config):
    config(build_seconds=20, fail_build_step=None)
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam)
    arn = start(imagebuilder, resources)
    running = wait_for_image(imagebuilder, arn, statuses=("CREATING", "BUILDING"), deadline_seconds=10)
    assert running["state"]["status"] in ("CREATING", "BUILDING")
    cancelled = imagebuilder.cancel_image_creation(imageBuildVersionArn=arn, clientToken="cancel-once")
    assert cancelled["imageBuildVersionArn"] == arn
    again = imagebuilder.cancel_image_creation(imageBuildVersionArn=arn, clientToken="cancel-once")
    assert again["imageBuildVersionArn"] == arn, "a retry with the same token gets the same answer"
    image = imagebuilder.get_image(imageBuildVersionArn=arn)["image"]
    assert image["state"]["status"] == "CANCELLED"
    with pytest.raises(ClientError) as raised:
        imagebuilder.cancel_image_creation(imageBuildVersionArn=arn)
    assert raised.value.response["Error"]["Code"] == "ResourceInUseException"
    steps = workflow_steps(imagebuilder, arn)
    assert [s["name"] for s in steps.values() if s["status"] == "CANCELLED"] in (
        ["LaunchBuildInstance"],
        ["ApplyBuildComponents"],
    )
    for step in steps.values():
        assert step["status"] in ("COMPLETED", "CANCELLED", "SKIPPED"), step
        assert step["_workflow"]["status"] == "CANCELLED"
    assert amis_named(ec2, resources["name"]) == []
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]
    assert pipeline["lastRunStatus"] == "CANCELLED"


def test_start_with_the_same_client_token_starts_one_build(producer, config):
    config(build_seconds=1, fail_build_step=None)
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=False)
    first = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"], clientToken="run-1")
    second = imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"], clientToken="run-1")
    assert first["imageBuildVersionArn"] == second["imageBuildVersionArn"]
    images = imagebuilder.list_image_pipeline_images(imagePipelineArn=resources["pipeline"])["imageSummaryList"]
    assert len(images) == 1
    wait_for_image(imagebuilder, first["imageBuildVersionArn"])
