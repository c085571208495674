"""AWSTOE component documents: the checks CreateComponent makes on `data`.

Facts from the Image Builder user guide ("Use the AWSTOE component document framework",
"Action modules supported by AWSTOE component manager"):
- a document is YAML (JSON is YAML) with `schemaVersion: 1.0` and a list of `phases`;
- "Rules for phases": each phase name is unique, a document may define many phases (of any
  name), and "You must include at least one of the following phases in your document: build,
  validate, test"; Image Builder runs `build` and `validate` in the build stage and `test` in
  the test stage (`container-host-test` for container builds) and no other phase. The code of
  the refusal is Image Builder's InvalidParameterValueException for `data`; its wording is
  localcloud's (not documented);
- step names are unique within a phase; each step names an action module and passes it
  `inputs` (UpdateOS and Reboot take none);
- a document whose only phase is `test` is a TEST component, anything else is BUILD.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from .protocol import invalid_value

# At least one of these must be in a document.
_REQUIRED_PHASES = ("build", "validate", "test")

ACTIONS = frozenset(
    {
        "AppendFile",
        "Assert",
        "CopyFile",
        "CopyFolder",
        "CreateFile",
        "CreateFolder",
        "CreateSymlink",
        "DeleteFile",
        "DeleteFolder",
        "ExecuteBash",
        "ExecuteBinary",
        "ExecuteDocument",
        "ExecutePowerShell",
        "InstallMSI",
        "ListFiles",
        "MoveFile",
        "MoveFolder",
        "ReadFile",
        "Reboot",
        "S3Download",
        "S3Upload",
        "SetFileEncoding",
        "SetFileOwner",
        "SetFilePermissions",
        "SetFolderOwner",
        "SetFolderPermissions",
        "SetRegistry",
        "UninstallMSI",
        "UpdateOS",
        "WebDownload",
    }
)
_INPUTS_OPTIONAL = frozenset({"UpdateOS", "Reboot"})
_SCRIPT_ACTIONS = frozenset({"ExecuteBash", "ExecutePowerShell"})
_ON_FAILURE = ("Abort", "Continue", "Ignore")
_PARAMETER_TYPES = {"string": "String", "integer": "Integer", "boolean": "Boolean", "stringlist": "StringList"}


@dataclass(frozen=True)
class Step:
    """One step of a phase: its name and action module."""

    phase: str
    name: str
    action: str


@dataclass(frozen=True)
class Document:
    """A checked component document."""

    steps: tuple[Step, ...]
    component_type: str
    parameters: tuple[dict, ...]

    def phase_steps(self, phase: str) -> list[Step]:
        """The steps of one phase, in order."""
        return [step for step in self.steps if step.phase == phase]


def parse_document(data: str) -> Document:
    """Parse and check a component document; `InvalidParameterValueException` names the fault."""
    try:
        document = yaml.safe_load(data)
    except yaml.YAMLError as error:
        raise invalid_value("data", f"The document is not valid YAML: {error}") from error
    if not isinstance(document, dict):
        raise invalid_value("data", "The document must be a YAML mapping.")
    if str(document.get("schemaVersion")) != "1.0":
        raise invalid_value("data", "The document must declare 'schemaVersion: 1.0'.")
    phases = document.get("phases")
    if not isinstance(phases, list) or not phases:
        raise invalid_value("data", "The document must contain a non-empty 'phases' list.")
    steps: list[Step] = []
    seen_phases: set[str] = set()
    for phase in phases:
        name = phase.get("name") if isinstance(phase, dict) else None
        if not isinstance(name, str) or not name:
            raise invalid_value("data", "Every phase needs a 'name'.")
        if name in seen_phases:
            raise invalid_value("data", f"Phase '{name}' is defined more than once.")
        seen_phases.add(name)
        steps.extend(_phase_steps(name, phase.get("steps")))
    if not seen_phases & set(_REQUIRED_PHASES):
        raise invalid_value(
            "data",
            f"The document must include at least one of the phases {', '.join(_REQUIRED_PHASES)}; "
            f"it has {', '.join(sorted(seen_phases))}.",
        )
    component_type = "TEST" if seen_phases == {"test"} else "BUILD"
    return Document(tuple(steps), component_type, tuple(_parameters(document.get("parameters"))))


def _phase_steps(phase: str, raw_steps) -> list[Step]:
    if not isinstance(raw_steps, list) or not raw_steps:
        raise invalid_value("data", f"Phase '{phase}' must contain a non-empty 'steps' list.")
    steps = []
    names: set[str] = set()
    for raw in raw_steps:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
            raise invalid_value("data", f"Every step in phase '{phase}' needs a 'name'.")
        name = raw["name"]
        if name in names:
            raise invalid_value("data", f"Step name '{name}' is used more than once in phase '{phase}'.")
        names.add(name)
        action = raw.get("action")
        if action not in ACTIONS:
            raise invalid_value("data", f"Step '{name}' in phase '{phase}' uses unknown action module '{action}'.")
        _check_inputs(phase, name, action, raw.get("inputs"))
        on_failure = raw.get("onFailure", "Abort")
        if on_failure not in _ON_FAILURE:
            raise invalid_value(
                "data", f"Step '{name}' in phase '{phase}': onFailure must be one of {', '.join(_ON_FAILURE)}."
            )
        steps.append(Step(phase, name, action))
    return steps


def _check_inputs(phase: str, name: str, action: str, inputs) -> None:
    if inputs is None:
        if action not in _INPUTS_OPTIONAL:
            raise invalid_value("data", f"Step '{name}' in phase '{phase}' requires 'inputs' for action {action}.")
        return
    if action in _SCRIPT_ACTIONS:
        if not isinstance(inputs, dict) or not (inputs.get("commands") or inputs.get("file")):
            raise invalid_value(
                "data", f"Step '{name}' in phase '{phase}': {action} needs 'commands' or 'file' in its inputs."
            )
        commands = inputs.get("commands")
        if commands is not None and not isinstance(commands, list):
            raise invalid_value("data", f"Step '{name}' in phase '{phase}': 'commands' must be a list.")


def _parameters(raw) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise invalid_value("data", "'parameters' must be a list.")
    parameters = []
    for entry in raw:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise invalid_value("data", "Each parameter must be a single-key mapping of its name to its definition.")
        ((name, definition),) = entry.items()
        definition = definition or {}
        kind = _PARAMETER_TYPES.get(str(definition.get("type", "string")).lower())
        if kind is None:
            raise invalid_value("data", f"Parameter '{name}' has an unsupported type '{definition.get('type')}'.")
        detail = {"name": name, "type": kind}
        if "default" in definition:
            detail["defaultValue"] = [str(definition["default"])]
        if definition.get("description"):
            detail["description"] = str(definition["description"])
        parameters.append(detail)
    return parameters
