"""Images and their builds: starting, cancelling, reading and deleting them, the pipelines'
run status, and the workflow and step executions of each build.

Facts from the Image Builder API reference:
- an image build version ARN is `image/<recipe name>/<recipe version>/<build number>`, the
  build number counting every build of that recipe version in the account (`1.0.0/5`);
- GetImage takes a build version ARN or a version ARN (then the newest build);
- CancelImageCreation works on builds that have not finished (else ResourceInUseException);
- StartImagePipelineExecution on a missing pipeline is ResourceNotFoundException;
- GetImage carries `scanState` and `imageScanningConfiguration` (ImageSummary, which the list
  operations answer with, has neither); the scan findings are the caller account's own
  (`scanning`).
"""

from __future__ import annotations

from localcloud import encrypted_launches
from localcloud.control import CONFIG

from . import arns, parents, scanning, sharing
from .arns import make_arn, parse_arn, version_key
from .builds import TERMINAL, Build, now
from .distribute import DistributionError, build_launch_refusal, check_launch_prerequisites, distribute
from .protocol import ServiceError, project
from .resources import (
    component_document,
    distribution,
    infrastructure,
    not_found,
    pipeline,
    public,
    recipe,
    select,
)
from .store import State, apply_filters, idempotent, paginate, timestamp

_FAIL_STEP = {"build": "ApplyBuildComponents", "validate": "ApplyBuildComponents", "test": "ApplyTestComponents"}


def refresh(state: State, build: Build) -> dict:
    """Bring an image's record up to the wall clock, distributing it when its time has come."""
    moment = now()
    record = build.record
    if build.due_for_distribution(moment):
        try:
            amis = distribute(
                record["arn"], state.account, state.region, record, build.started, record["_build"], build.parent.ami
            )
            record["outputResources"] = {"amis": amis}
            build.final = ("AVAILABLE", None)
            scanning.plant(build, state.account)
        except DistributionError as error:
            build.final = ("FAILED", error.reason or f"Distribution failed: {error}")
        build.finished = True
    status, reason = build.status(moment)
    record["state"] = {"status": status, "reason": reason}
    context = build.failure_context() if status == "FAILED" else None
    if context:
        record["state"]["failureContext"] = context
    record["scanState"] = build.scan_state(moment)
    return record


def _start(state: State, params: dict, source: dict | None, build_type: str) -> str:
    """Plan a new build from a pipeline (`source`) or from CreateImage's parameters."""
    settings = source or params
    selected = recipe(state, settings["imageRecipeArn"], "imageRecipeArn")
    infra = infrastructure(state, settings["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    dist = None
    if settings.get("distributionConfigurationArn"):
        dist = distribution(state, settings["distributionConfigurationArn"], "distributionConfigurationArn")
    resolved = [component_document(state, c["componentArn"]) for c in selected.get("components") or []]
    resolved = [(record["arn"], document) for record, document in resolved if record is not None]
    parent = parents.resolve(state, selected["parentImage"], refresh)
    tests = settings.get("imageTestsConfiguration") or {}
    tests_enabled = tests.get("imageTestsEnabled", True) is not False
    key = (arns.arn_name(selected["name"]), selected["version"])
    number = state.build_numbers.get(key, 0) + 1
    state.build_numbers[key] = number
    arn = make_arn(state.region, state.account, "image", selected["name"], selected["version"], number)
    started = now()
    metadata = settings.get("enhancedImageMetadataEnabled")
    tags = {**((source or {}).get("imageTags") or {}), **(params.get("tags") or {})}
    record = {
        "arn": arn,
        "type": "AMI",
        "name": selected["name"],
        "version": selected["version"],
        "platform": selected["platform"],
        "enhancedImageMetadataEnabled": True if metadata is None else metadata,
        "osVersion": selected.get("_osVersion"),
        "state": {"status": "PENDING"},
        "imageRecipe": project(public(selected), "ImageRecipe"),
        "sourcePipelineName": source["name"] if source else None,
        "sourcePipelineArn": source["arn"] if source else None,
        "infrastructureConfiguration": project(infra, "InfrastructureConfiguration"),
        "distributionConfiguration": project(dist, "DistributionConfiguration") if dist else None,
        "imageTestsConfiguration": {
            "imageTestsEnabled": tests_enabled,
            "timeoutMinutes": tests.get("timeoutMinutes", 720),
        },
        "dateCreated": timestamp(started),
        "outputResources": {"amis": []},
        "tags": tags,
        "buildType": build_type,
        "imageSource": "CUSTOM",
        "imageScanningConfiguration": settings.get("imageScanningConfiguration"),
        "executionRole": settings.get("executionRole"),
        "owner": state.account,
        "_build": number,
    }
    build = Build(record, started, float(CONFIG.build_seconds), tests_enabled, selected["platform"], state.region)
    build.parent = parent
    _plan_failures(state, build, infra, resolved, tests_enabled)
    state.images[arn] = build
    for workflow in build.workflows:
        state.workflow_executions[workflow.id] = arn
        for step in workflow.steps:
            state.step_executions[step.id] = (arn, workflow.id)
    return arn


def _plan_failures(state: State, build: Build, infra: dict, resolved: list, tests_enabled: bool) -> None:
    # CreateImage without a pipeline also creates Image Builder's service-linked role.
    encrypted_launches.ensure_service_linked_role(state.account, "imagebuilder.amazonaws.com")
    problem = (
        check_launch_prerequisites(state.account, state.region, infra)
        or build.parent.problem
        or build_launch_refusal(state.account, state.region, build.parent.ami)
    )
    if problem:
        build.plan_failure("LaunchBuildInstance", lambda w, s: _reason(w, s, problem))
        return
    wanted = CONFIG.fail_build_step
    if not wanted or "/" not in wanted:
        return
    phase, step_name = wanted.split("/", 1)
    workflow_step = _FAIL_STEP.get(phase)
    if workflow_step is None or (phase == "test" and not tests_enabled):
        return
    for component_arn, document in resolved:
        for step in document.phase_steps(phase):
            if step.name == step_name:
                detail = (
                    f"Document {component_arn} failed! Phase '{phase}' failed. "
                    f"Step failed: '{step.name}' (action {step.action}) exited with status code 1."
                )
                component_failure = {
                    "componentArn": component_arn,
                    "phaseName": phase,
                    "stepName": step.name,
                    "action": step.action,
                    "errorMessage": f"Step failed: '{step.name}' (action {step.action}) exited with status code 1.",
                }
                build.plan_failure(workflow_step, lambda w, s, d=detail: _reason(w, s, d), component_failure)
                return


def _reason(workflow, step, detail: str) -> str:
    return (
        f"Workflow Execution ID: '{workflow.id}' failed with reason: Step Execution ID: '{step.id}' "
        f"({step.name}) failed with reason: {detail}"
    )


def start_image_pipeline_execution(state: State, params: dict) -> dict:
    def start():
        source = state.pipelines.get(params["imagePipelineArn"])
        if source is None:
            raise not_found("image pipeline", params["imagePipelineArn"])
        arn = _start(state, params, source, "USER_INITIATED")
        return {"clientToken": params["clientToken"], "imageBuildVersionArn": arn}

    return idempotent(state, "StartImagePipelineExecution", params, start)


def create_image(state: State, params: dict) -> dict:
    def create():
        if params.get("containerRecipeArn") or not params.get("imageRecipeArn"):
            raise ServiceError("InvalidRequestException", "localcloud builds AMIs only: pass an 'imageRecipeArn'.")
        if params.get("workflows"):
            raise ServiceError(
                "InvalidRequestException", "localcloud runs the AWS-managed build and test workflows only."
            )
        scanning.check_configuration(params.get("imageScanningConfiguration"))
        arn = _start(state, params, None, "USER_INITIATED")
        record = state.images[arn].record
        return {
            "clientToken": params["clientToken"],
            "imageBuildVersionArn": arn,
            "latestVersionReferences": arns.latest_version_references(
                state.region, state.account, "image", record["name"], record["version"]
            ),
        }

    return idempotent(state, "CreateImage", params, create)


def _find_build(state: State, text: str, member: str, action: str) -> tuple[State, Build]:
    """The build an ARN selects and the state of the account that owns it (own or shared)."""
    arn = parse_arn(text, member)
    if arn.kind != "image":
        raise ServiceError(
            "InvalidParameterValueException", f"The value supplied for parameter '{member}' is not valid."
        )
    if sharing.is_foreign(state, arn):
        shared = sharing.builds(state, arn.account) if arn.region == state.region else {}
        record = select({a: b.record for a, (_, b) in shared.items()}, arn)
        if record is None:
            raise sharing.forbidden(state, action, text)
        return shared[record["arn"]]
    records = {a: b.record for a, b in state.images.items()}
    record = select(records, arn) if arn.account == state.account and arn.region == state.region else None
    if record is None:
        raise not_found("image", text)
    return state, state.images[record["arn"]]


def cancel_image_creation(state: State, params: dict) -> dict:
    def cancel():
        text = params["imageBuildVersionArn"]
        if sharing.is_foreign(state, parse_arn(text, "imageBuildVersionArn")):
            raise sharing.forbidden(state, "CancelImageCreation", text)
        _, build = _find_build(state, text, "imageBuildVersionArn", "CancelImageCreation")
        status = refresh(state, build)["state"]["status"]
        if status in TERMINAL:
            raise ServiceError(
                "ResourceInUseException", f"The image '{text}' cannot be cancelled because its status is {status}."
            )
        build.cancelled_at = now()
        refresh(state, build)
        return {"clientToken": params["clientToken"], "imageBuildVersionArn": text}

    return idempotent(state, "CancelImageCreation", params, cancel)


def get_image(state: State, params: dict) -> dict:
    owner, build = _find_build(state, params["imageBuildVersionArn"], "imageBuildVersionArn", "GetImage")
    record = refresh(owner, build)
    return {
        "image": project(public(record), "Image"),
        "latestVersionReferences": arns.latest_version_references(
            state.region, owner.account, "image", record["name"], record["version"]
        ),
    }


def _summaries(builds: list[tuple[State, Build]], params: dict, filters: tuple[str, ...]) -> dict:
    records = sorted(
        (refresh(owner, build) for owner, build in builds),
        key=lambda r: (r["owner"], r["name"], version_key(r["version"]), r["_build"]),
    )
    records = apply_filters([public(r) for r in records], params.get("filters"), filters)
    page, token = paginate([project(r, "ImageSummary") for r in records], params)
    return {"imageSummaryList": page, "nextToken": token}


def list_images(state: State, params: dict) -> dict:
    own = [(state, build) for build in state.images.values()]
    builds = sharing.by_owner(params, own, lambda: sharing.builds(state).values())
    newest: dict[tuple, dict] = {}
    for _, build in builds:
        record = build.record
        key = (record["owner"], record["name"]) + (() if params.get("byName") else (record["version"],))
        if key not in newest or version_key(record["version"]) > version_key(newest[key]["version"]):
            newest[key] = record
    versions = [
        {**public(r), "arn": make_arn(state.region, r["owner"], "image", r["name"], r["version"])}
        for r in newest.values()
    ]
    versions = apply_filters(versions, params.get("filters"), ("name", "osVersion", "platform", "type", "version"))
    versions.sort(key=lambda r: (r["name"], version_key(r["version"])))
    page, token = paginate([project(r, "ImageVersion") for r in versions], params)
    return {"imageVersionList": page, "nextToken": token}


def list_image_build_versions(state: State, params: dict) -> dict:
    builds = [(state, build) for build in state.images.values()]
    if params.get("imageVersionArn"):
        arn = parse_arn(params["imageVersionArn"], "imageVersionArn")
        if sharing.is_foreign(state, arn):
            builds = list(sharing.builds(state, arn.account).values())
        builds = [
            (owner, b)
            for owner, b in builds
            if arns.arn_name(b.record["name"]) == arn.name and b.record["version"] == arn.version
        ]
    return _summaries(builds, params, ("name", "osVersion", "platform", "type", "version"))


def list_image_pipeline_images(state: State, params: dict) -> dict:
    source = pipeline(state, params["imagePipelineArn"], "imagePipelineArn")
    builds = [(state, b) for b in state.images.values() if b.record.get("sourcePipelineArn") == source["arn"]]
    return _summaries(builds, params, ("name", "version"))


def delete_image(state: State, params: dict) -> dict:
    text = params["imageBuildVersionArn"]
    if sharing.is_foreign(state, parse_arn(text, "imageBuildVersionArn")):
        raise sharing.forbidden(state, "DeleteImage", text)
    if text not in state.images:
        raise not_found("image", text)
    status = refresh(state, state.images[text])["state"]["status"]
    if status not in TERMINAL:
        raise ServiceError(
            "ResourceDependencyException",
            f"Resource dependency error: the image '{text}' is still being built (status {status}).",
        )
    build = state.images.pop(text)
    for workflow in build.workflows:
        state.workflow_executions.pop(workflow.id, None)
        for step in workflow.steps:
            state.step_executions.pop(step.id, None)
    return {"imageBuildVersionArn": text}


def _pipeline_view(state: State, record: dict) -> dict:
    runs = [refresh(state, b) for b in state.images.values() if b.record.get("sourcePipelineArn") == record["arn"]]
    view = dict(record)
    if runs:
        runs.sort(key=lambda r: (r["dateCreated"], r["_build"]))
        view["dateLastRun"] = runs[-1]["dateCreated"]
        view["lastRunStatus"] = runs[-1]["state"]["status"]
        failures = 0
        for run in reversed(runs):
            if run["state"]["status"] != "FAILED":
                break
            failures += 1
        view["consecutiveFailures"] = failures
    return project(view, "ImagePipeline")


def get_image_pipeline(state: State, params: dict) -> dict:
    record = pipeline(state, params["imagePipelineArn"], "imagePipelineArn")
    return {"imagePipeline": _pipeline_view(state, record)}


def list_image_pipelines(state: State, params: dict) -> dict:
    views = [_pipeline_view(state, record) for record in state.pipelines.values()]
    allowed = (
        "description",
        "distributionConfigurationArn",
        "imageRecipeArn",
        "infrastructureConfigurationArn",
        "name",
        "status",
    )
    views = apply_filters(views, params.get("filters"), allowed)
    views.sort(key=lambda v: v["name"])
    page, token = paginate(views, params)
    return {"imagePipelineList": page, "nextToken": token}


def delete_image_pipeline(state: State, params: dict) -> dict:
    text = params["imagePipelineArn"]
    pipeline(state, text, "imagePipelineArn")
    running = [
        arn
        for arn, build in state.images.items()
        if build.record.get("sourcePipelineArn") == text and refresh(state, build)["state"]["status"] not in TERMINAL
    ]
    if running:
        raise ServiceError(
            "ResourceDependencyException",
            f"Resource dependency error: the image pipeline '{text}' has images being built: {', '.join(running)}.",
        )
    del state.pipelines[text]
    return {"imagePipelineArn": text}


def list_workflow_executions(state: State, params: dict) -> dict:
    text = params["imageBuildVersionArn"]
    if text not in state.images:
        raise not_found("image", text)
    build = state.images[text]
    refresh(state, build)
    moment = now()
    views = [
        project(build.workflow_view(w, moment), "WorkflowExecutionMetadata") for w in build.visible_workflows(moment)
    ]
    page, token = paginate(views, params)
    return {"workflowExecutions": page, "imageBuildVersionArn": text, "nextToken": token}


def _workflow(state: State, workflow_id: str):
    image_arn = state.workflow_executions.get(workflow_id)
    build = state.images.get(image_arn) if image_arn else None
    moment = now()
    if build is not None:
        refresh(state, build)
        for workflow in build.visible_workflows(moment):
            if workflow.id == workflow_id:
                return build, workflow, moment
    raise not_found("workflow execution", workflow_id)


def get_workflow_execution(state: State, params: dict) -> dict:
    build, workflow, moment = _workflow(state, params["workflowExecutionId"])
    view = {**build.workflow_view(workflow, moment), "imageBuildVersionArn": build.record["arn"]}
    return project(view, "GetWorkflowExecutionResponse")


def list_workflow_step_executions(state: State, params: dict) -> dict:
    build, workflow, moment = _workflow(state, params["workflowExecutionId"])
    steps = [project(build.step_view(step, moment), "WorkflowStepMetadata") for step in workflow.steps]
    page, token = paginate(steps, params)
    return {
        "steps": page,
        "workflowBuildVersionArn": workflow.arn,
        "workflowExecutionId": workflow.id,
        "imageBuildVersionArn": build.record["arn"],
        "nextToken": token,
    }


def get_workflow_step_execution(state: State, params: dict) -> dict:
    located = state.step_executions.get(params["stepExecutionId"])
    if located is None:
        raise not_found("workflow step execution", params["stepExecutionId"])
    build, workflow, moment = _workflow(state, located[1])
    step = next(s for s in workflow.steps if s.id == params["stepExecutionId"])
    view = {
        **build.step_view(step, moment),
        "workflowBuildVersionArn": workflow.arn,
        "workflowExecutionId": workflow.id,
        "imageBuildVersionArn": build.record["arn"],
    }
    return project(view, "GetWorkflowStepExecutionResponse")


def _collected_findings(state: State) -> list[dict]:
    """The findings of every build of the account whose scan has COMPLETED, oldest build first."""
    findings = []
    for build in state.images.values():
        if build.scanning:
            refresh(state, build)
            if build.scan_completed(now()):
                findings += build.findings
    return findings


def list_image_scan_findings(state: State, params: dict) -> dict:
    return scanning.findings_page(_collected_findings(state), params)


def list_image_scan_finding_aggregations(state: State, params: dict) -> dict:
    return scanning.aggregations_page(_collected_findings(state), state.account, params)


OPERATIONS = {
    "StartImagePipelineExecution": start_image_pipeline_execution,
    "CreateImage": create_image,
    "CancelImageCreation": cancel_image_creation,
    "GetImage": get_image,
    "ListImages": list_images,
    "ListImageBuildVersions": list_image_build_versions,
    "ListImagePipelineImages": list_image_pipeline_images,
    "DeleteImage": delete_image,
    "GetImagePipeline": get_image_pipeline,
    "ListImagePipelines": list_image_pipelines,
    "DeleteImagePipeline": delete_image_pipeline,
    "ListWorkflowExecutions": list_workflow_executions,
    "GetWorkflowExecution": get_workflow_execution,
    "ListWorkflowStepExecutions": list_workflow_step_executions,
    "GetWorkflowStepExecution": get_workflow_step_execution,
    "ListImageScanFindings": list_image_scan_findings,
    "ListImageScanFindingAggregations": list_image_scan_finding_aggregations,
}
