"""Image builds: the state machine of an image and the workflow executions behind it.

An image goes PENDING → CREATING → BUILDING → TESTING → DISTRIBUTING → INTEGRATING →
AVAILABLE (TESTING is left out when the pipeline disables image tests), or ends FAILED or
CANCELLED. Nothing runs in the background: the whole timeline is planned when the build
starts, spread over `CONFIG.build_seconds` as read at that moment, and every read evaluates
it against the wall clock. The distribution into moto happens on the first read after the
timeline's end.

The workflow executions and their steps mirror the AWS-managed `build-image` and
`test-image` workflows (step names and actions as in their documents in the Image Builder
user guide, "Manage build and test workflows"): steps whose `if` condition is false are
SKIPPED. A component step failure (`CONFIG.fail_build_step = "phase/step"`) fails
`ApplyBuildComponents` (phases build and validate) or `ApplyTestComponents` (phase test).

With image scanning enabled, the image's `scanState` (API Reference, ImageScanState: "The scan
starts as PENDING and moves through SCANNING and COLLECTING to COMPLETED. Image Builder sets the
status to ABANDONED if the image reaches a terminal state before the scan finding collection
completes") follows the test instance Amazon Inspector scans (the default TEST_INSTANCE_CVE
scan type): PENDING until the test instance runs, SCANNING during the test workflow's
`CollectImageScanFindings` step, then COLLECTING until a quarter of the build's duration after
the image is AVAILABLE, then COMPLETED. AWS does not say how long collection takes; here it
outlasts the build so that a client reading findings must wait for COMPLETED, not AVAILABLE.
A build that fails or is cancelled first, or that has no test instance (image tests disabled),
ends ABANDONED.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field

from .store import timestamp

BUILD_WORKFLOW = "arn:aws:imagebuilder:{region}:aws:workflow/build/build-image/1.0.2/1"
TEST_WORKFLOW = "arn:aws:imagebuilder:{region}:aws:workflow/test/test-image/1.0.2/1"

_PHASE_WEIGHTS = (
    ("PENDING", 0.05),
    ("CREATING", 0.10),
    ("BUILDING", 0.35),
    ("TESTING", 0.20),
    ("DISTRIBUTING", 0.20),
    ("INTEGRATING", 0.10),
)
TERMINAL = frozenset({"AVAILABLE", "FAILED", "CANCELLED", "DELETED", "DEPRECATED", "DISABLED"})
# How long finding collection outlasts the build, as a share of the build's duration.
_COLLECTION_TAIL = 0.25


def _execution_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


@dataclass
class StepRun:
    """One planned workflow step."""

    name: str
    action: str
    on_failure: str
    weight: int
    skipped: bool
    id: str = field(default_factory=lambda: _execution_id("step"))
    start: float = 0.0
    end: float = 0.0
    inputs: dict | None = None
    outputs: dict | None = None


@dataclass
class WorkflowRun:
    """One planned workflow execution."""

    type: str
    arn: str
    steps: list[StepRun]
    start: float
    end: float
    id: str = field(default_factory=lambda: _execution_id("wf"))


@dataclass
class Failure:
    """A planned failure: when, in which step, and the image's reason."""

    at: float
    step: StepRun
    reason: str
    workflow: WorkflowRun
    component_failure: dict | None = None


class Build:
    """One image build version and its planned timeline."""

    def __init__(self, record: dict, started: float, seconds: float, tests_enabled: bool, platform: str, region: str):
        self.record = record
        self.started = started
        self.tests_enabled = tests_enabled
        self.instance_id = "i-" + "".join(random.choice("0123456789abcdef") for _ in range(17))
        weights = [(status, weight) for status, weight in _PHASE_WEIGHTS if tests_enabled or status != "TESTING"]
        total = sum(weight for _, weight in weights)
        self.phases: list[tuple[str, float, float]] = []
        moment = started
        for status, weight in weights:
            length = seconds * weight / total
            self.phases.append((status, moment, moment + length))
            moment += length
        self.end = moment
        self.failure: Failure | None = None
        self.cancelled_at: float | None = None
        self.finished = False
        self.final: tuple[str, str | None] = ("AVAILABLE", None)
        self.parent = None  # what the build starts from (parents.Parent), set when it starts
        self.scanning = bool((record.get("imageScanningConfiguration") or {}).get("imageScanningEnabled"))
        self.scan_completes = self.end + seconds * _COLLECTION_TAIL
        self.findings: list[dict] = []  # Amazon Inspector's findings, fixed when the build finishes
        self.workflows = [self._build_workflow(platform, region)]
        if tests_enabled:
            self.workflows.append(self._test_workflow(region))

    def window(self, status: str) -> tuple[float, float]:
        """Start and end of one phase."""
        for name, start, end in self.phases:
            if name == status:
                return start, end
        raise KeyError(status)

    def _build_workflow(self, platform: str, region: str) -> WorkflowRun:
        metadata = self.record.get("enhancedImageMetadataEnabled") is not False
        windows = platform == "Windows"
        launch = StepRun("LaunchBuildInstance", "LaunchInstance", "Abort", 1, False)
        later = [
            StepRun("ApplyBuildComponents", "ExecuteComponents", "Abort", 3, False),
            StepRun("InventoryCollection", "CollectImageMetadata", "Abort", 1, not metadata),
            StepRun("RunSanitizeScript", "SanitizeInstance", "Abort", 1, windows),
            StepRun("RunSysPrepScript", "RunSysPrep", "Abort", 1, not windows),
            StepRun("CreateOutputAMI", "CreateImage", "Abort", 2, False),
            StepRun("TerminateBuildInstance", "TerminateInstance", "Continue", 1, False),
            StepRun("WaitForActionAtEnd", "WaitForAction", "Abort", 1, True),
        ]
        creating, building = self.window("CREATING"), self.window("BUILDING")
        launch.start, launch.end = creating
        _spread(later, *building)
        steps = [launch, *later]
        self._wire_instance(steps, "LaunchBuildInstance")
        return WorkflowRun("BUILD", BUILD_WORKFLOW.format(region=region), steps, creating[0], building[1])

    def _test_workflow(self, region: str) -> WorkflowRun:
        steps = [
            StepRun("LaunchTestInstance", "LaunchInstance", "Abort", 1, False),
            StepRun("CollectImageScanFindings", "CollectImageScanFindings", "Continue", 1, not self.scanning),
            StepRun("ApplyTestComponents", "ExecuteComponents", "Abort", 3, False),
            StepRun("TerminateTestInstance", "TerminateInstance", "Continue", 1, False),
        ]
        testing = self.window("TESTING")
        _spread(steps, *testing)
        self._wire_instance(steps, "LaunchTestInstance")
        return WorkflowRun("TEST", TEST_WORKFLOW.format(region=region), steps, *testing)

    def _wire_instance(self, steps: list[StepRun], launch: str) -> None:
        for step in steps:
            if step.skipped or step.action == "WaitForAction":
                continue
            if step.name == launch:
                step.inputs = {"waitFor": "ssmAgent"}
                step.outputs = {"instanceId": self.instance_id}
            else:
                step.inputs = {"instanceId": self.instance_id}

    def step(self, name: str) -> StepRun:
        """A planned step by name."""
        for workflow in self.workflows:
            for step in workflow.steps:
                if step.name == name:
                    return step
        raise KeyError(name)

    def plan_failure(self, step_name: str, reason_of, component_failure: dict | None = None) -> None:
        """Fail the build at the end of `step_name`; `reason_of(workflow, step)` words the reason."""
        step = self.step(step_name)
        workflow = next(w for w in self.workflows if step in w.steps)
        self.failure = Failure(step.end, step, reason_of(workflow, step), workflow, component_failure)

    def failure_context(self) -> dict | None:
        """`state.failureContext`, which GetImage carries only for FAILED images."""
        failure = self.failure
        if failure is None or self.status(failure.at)[0] != "FAILED":
            return None
        phase = next((status for status, start, end in self.phases if start <= failure.step.start < end), "BUILDING")
        context = {
            "imageStatus": phase,
            "workflowExecutionId": failure.workflow.id,
            "workflowArn": failure.workflow.arn,
            "stepExecutionId": failure.step.id,
            "failedStep": failure.step.name,
        }
        if failure.component_failure:
            context["componentFailure"] = failure.component_failure
        return context

    def cutoff(self) -> float | None:
        """When the build stopped early (failure or cancellation), if it did."""
        moments = [m for m in (self.failure.at if self.failure else None, self.cancelled_at) if m is not None]
        return min(moments) if moments else None

    def status(self, now: float) -> tuple[str, str | None]:
        """The image status and reason at `now` (the distribution outcome once finished)."""
        cut = self.cutoff()
        if cut is not None and now >= cut:
            if self.cancelled_at is not None and (self.failure is None or self.cancelled_at <= self.failure.at):
                return "CANCELLED", "The image build was cancelled."
            return "FAILED", self.failure.reason
        if self.finished:
            return self.final
        for status, start, end in self.phases:
            if start <= now < end:
                return status, None
        return ("PENDING", None) if now < self.started else ("INTEGRATING", None)

    def scan_state(self, now: float) -> dict | None:
        """`scanState` at `now` (None without image scanning), after `status` has been brought up to date."""
        if not self.scanning:
            return None
        cut = self.cutoff()
        if (cut is not None and now >= cut) or (self.finished and self.final[0] != "AVAILABLE"):
            return {"status": "ABANDONED", "reason": "The image build ended before the scan findings were collected."}
        if not self.tests_enabled:
            if self.finished:
                reason = "Image tests are disabled, so there was no test instance for Amazon Inspector to scan."
                return {"status": "ABANDONED", "reason": reason}
            return {"status": "PENDING"}
        if self.finished and now >= self.scan_completes:
            return {"status": "COMPLETED"}
        collect = self.step("CollectImageScanFindings")
        if now >= collect.end:
            return {"status": "COLLECTING"}
        if now >= collect.start:
            return {"status": "SCANNING"}
        return {"status": "PENDING"}

    def scan_completed(self, now: float) -> bool:
        """Whether the findings are collected (COMPLETED) by `now`."""
        state = self.scan_state(now)
        return state is not None and state["status"] == "COMPLETED"

    def due_for_distribution(self, now: float) -> bool:
        """Whether the timeline is over and the distribution has not happened yet."""
        return not self.finished and now >= self.end and self.cutoff() is None

    def visible_workflows(self, now: float) -> list[WorkflowRun]:
        """Workflow executions that have started by `now`."""
        cut = self.cutoff()
        failing = self.failure.step if self.failure is not None and self.failure.at == cut else None
        return [
            w
            for w in self.workflows
            if w.start <= now and (cut is None or w.start < cut or any(s is failing for s in w.steps))
        ]

    def step_view(self, step: StepRun, now: float) -> dict:
        """A step's status, times and message at `now`."""
        view = {"stepExecutionId": step.id, "name": step.name, "action": step.action, "onFailure": step.on_failure}
        if step.skipped:
            return {**view, "status": "SKIPPED", "rollbackStatus": "SKIPPED"}
        cut = self.cutoff()
        stopped = cut is not None and now >= cut
        if stopped and self._never_ran(step, cut):
            return {**view, "status": "SKIPPED", "rollbackStatus": "SKIPPED"}
        if now < step.start:
            return {**view, "status": "PENDING"}
        view["startTime"] = timestamp(step.start)
        if step.inputs is not None:
            view["inputs"] = json.dumps(step.inputs)
        if stopped and self.failure is not None and self.failure.step is step and self.failure.at == cut:
            return {**view, "status": "FAILED", "endTime": timestamp(cut), "message": self.failure.reason[:500]}
        if stopped and step.start <= cut < step.end:
            return {
                **view,
                "status": "CANCELLED",
                "endTime": timestamp(cut),
                "message": "The image build was cancelled.",
            }
        if now < step.end:
            return {**view, "status": "RUNNING"}
        view["endTime"] = timestamp(step.end)
        if step.outputs is not None:
            view["outputs"] = json.dumps(step.outputs)
        return {**view, "status": "COMPLETED"}

    def _never_ran(self, step: StepRun, cut: float) -> bool:
        """Whether a step was still to come when the build stopped at `cut`."""
        if self.failure is not None and self.failure.at == cut:
            order = [s for w in self.workflows for s in w.steps]
            return order.index(step) > order.index(self.failure.step)
        return step.start > cut or (step.start == cut and step.end > cut)

    def workflow_view(self, workflow: WorkflowRun, now: float) -> dict:
        """A workflow execution's status and step counts at `now`."""
        steps = [self.step_view(step, now) for step in workflow.steps]
        statuses = [step["status"] for step in steps]
        view = {
            "workflowBuildVersionArn": workflow.arn,
            "workflowExecutionId": workflow.id,
            "type": workflow.type,
            "totalStepCount": len(steps),
            "totalStepsSucceeded": statuses.count("COMPLETED"),
            "totalStepsFailed": statuses.count("FAILED"),
            "totalStepsSkipped": statuses.count("SKIPPED"),
            "startTime": timestamp(workflow.start),
        }
        if "FAILED" in statuses:
            failed = next(step for step in steps if step["status"] == "FAILED")
            return {**view, "status": "FAILED", "message": failed.get("message", ""), "endTime": failed["endTime"]}
        if "CANCELLED" in statuses:
            cancelled = next(step for step in steps if step["status"] == "CANCELLED")
            return {**view, "status": "CANCELLED", "endTime": cancelled["endTime"]}
        if any(status in ("RUNNING", "PENDING") for status in statuses):
            return {**view, "status": "RUNNING"}
        return {**view, "status": "COMPLETED", "endTime": timestamp(workflow.end)}


def _spread(steps: list[StepRun], start: float, end: float) -> None:
    """Share [start, end) among the steps that run, in proportion to their weights."""
    running = [step for step in steps if not step.skipped]
    total = sum(step.weight for step in running)
    moment = start
    for step in running:
        step.start = moment
        moment += (end - start) * step.weight / total
        step.end = moment


def now() -> float:
    """The wall clock builds advance on."""
    return time.time()
