"""Requests to the services moto answers, checked against botocore's model first, in each service's words.

SDKs do not enforce a model's limits (botocore checks types and required members, the Rust SDK
only required members), so the services do, before anything runs. What is checked, for every
operation of the services in `_WORDINGS`, from the operation's input shape: required members,
string lengths (`min`/`max`), numeric ranges, list and map sizes, and enums (not for EC2, whose
enums — instance types — grow faster than any model; nor patterns, whose Java syntax Python does
not share). "Either … or …, but not both" rules are read from the members' documentation: two
members of an operation whose documentation says "not both" may not be given together. A required
structure member of a query or EC2 request is not checked: the form has nothing for an empty
structure (`LaunchTemplateData={}`), so a missing one can't be told from an empty one.

AWS facts relied on, per protocol:
- JSON and query services answer with their framework's message, one entry per violation:
  "1 validation error detected: Value '255…' at 'versionDescription' failed to satisfy
  constraint: Member must have length less than or equal to 255" ("N validation errors
  detected: …; …"); "Value null at 'roleName' failed to satisfy constraint: Member must not be
  null"; "Member must satisfy enum value set: [a, b]"; "Member must have value less than or
  equal to 100"; a list of scalars "Member must satisfy constraint: [Member must …]"; a list of
  structures names the element, "at 'tags.1.member.key'"; a sensitive member's value is not
  shown ("Value at 'value'"). Codes: `ValidationException` for JSON (SSM, KMS), `ValidationError`
  for query (IAM, STS, Auto Scaling, CloudFormation), HTTP 400. (Messages quoted in
  hashicorp/terraform-provider-aws, aws-cdk and NixOS/nixops issues, KMS's "1 validation error
  detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater
  than or equal to 1" in stelligent/mu#382; Auto Scaling's in `autoscaling_preferences`.)
- AWS Organizations answers `InvalidInputException` with a `Reason` and the sentence its API
  reference gives for it (MAX_LENGTH_EXCEEDED "You provided a string parameter that is longer
  than allowed.", INPUT_REQUIRED, INVALID_ENUM, INVALID_LIST_MEMBER, MIN/MAX_VALUE_EXCEEDED, …).
- EC2 words each error itself and reports the first: a missing member is `MissingParameter`
  "The request must contain the parameter X"; a value out of bounds `InvalidParameterValue`
  "Value (…) for parameter description is invalid. It exceeds 255 characters" (CreateSnapshot,
  aws-samples/bottlerocket-images-cache#8) or "Value ( 500 ) for parameter maxResults is invalid.
  Expecting a value between 5 and 1000."; a launch template name `InvalidLaunchTemplateName.
  MalformedException` "A launch template name must be between 3 and 128 characters, and may
  contain letters, numbers, and the following characters: - ( ) . / _." (github-aws-runners
  #932), an AMI name `InvalidAMIName.Malformed`; two exclusive members `InvalidParameterCombination`
  ("Either provide launch template ID or launch template name to modify the template." for
  ModifyLaunchTemplate, moto's AWS-verified test; the model's sentence for the others).

The wording of EC2 errors for bounds other than those quoted, and the rendering of structured
values inside a message, are localcloud's. A request's parameters are read once per call: query
forms through a parser compiled per operation from the model (moto's own parser walks every
member of EC2's large shapes, ~150 µs a call), JSON bodies as they are; both validators are built
once per operation and walk only what the request holds.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from localcloud import protocols

_SKIPPED_FORM_KEYS = ("Action", "Version")


@dataclass(frozen=True)
class Violation:
    """One broken constraint: where (model member names), the value given, the constraint."""

    path: tuple[str | int, ...]  # member names and 1-based list positions
    value: Any
    constraint: str  # the framework's "Member must …" sentence
    kind: str  # required | length | range | enum | members | exclusive
    shape: Any
    bounds: tuple[Any, Any] = (None, None)


# --- reading a request ----------------------------------------------------------------------------


def _wire_name(protocol: str, name: str, member: Any) -> str:
    serialization = member.serialization
    if protocol == "ec2":
        if "queryName" in serialization:
            return serialization["queryName"]
        if "name" in serialization:
            return serialization["name"][0].upper() + serialization["name"][1:]
        return name
    return serialization.get("name", name)


class _Indexed(dict):
    """List or map elements by their 1-based position while a form is read."""


@functools.lru_cache(maxsize=None)
def _members_by_wire_name(protocol: str, shape: Any) -> dict[str, tuple[str, Any]]:
    return {_wire_name(protocol, name, member): (name, member) for name, member in shape.members.items()}


def _insert(protocol: str, shape: Any, held: Any, parts: list[str], value: str) -> Any:
    """`held` with the form value at `parts` put where the shape says it goes."""
    kind = shape.type_name
    if not parts:
        if kind in ("list", "map"):
            return _Indexed() if held is None else held  # `Prefix=`: an empty list
        return value
    if kind == "structure":
        found = _members_by_wire_name(protocol, shape).get(parts[0])
        if found is None:
            return held
        name, member = found
        held = {} if held is None else held
        held[name] = _insert(protocol, member, held.get(name), parts[1:], value)
        return held
    if kind == "list":
        if protocol != "ec2" and not shape.serialization.get("flattened"):
            if parts[0] != shape.member.serialization.get("name", "member"):
                return held
            parts = parts[1:]
        if not parts or not parts[0].isdigit():
            return held
        held = _Indexed() if held is None else held
        position = int(parts[0])
        held[position] = _insert(protocol, shape.member, held.get(position), parts[1:], value)
        return held
    if kind == "map":
        if not shape.serialization.get("flattened"):
            if parts[0] != "entry":
                return held
            parts = parts[1:]
        if len(parts) < 2 or not parts[0].isdigit():
            return held
        held = _Indexed() if held is None else held
        entry = held.setdefault(int(parts[0]), {})
        key_name = shape.key.serialization.get("name", "key")
        if parts[1] == key_name:
            entry["key"] = value
        else:
            entry["value"] = _insert(protocol, shape.value, entry.get("value"), parts[2:], value)
        return held
    return held


def _finished(shape: Any, held: Any) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(held, dict):
        return {name: _finished(shape.members[name], value) for name, value in held.items()}
    if kind == "list" and isinstance(held, _Indexed):
        return [_finished(shape.member, held[i]) for i in sorted(held)]
    if kind == "map" and isinstance(held, _Indexed):
        return {entry.get("key"): _finished(shape.value, entry.get("value")) for _, entry in sorted(held.items())}
    return held


def _form_params(protocol: str, shape: Any, form: dict[str, list[str]]) -> dict[str, Any]:
    held: dict[str, Any] = {}
    for key, values in form.items():
        if key in _SKIPPED_FORM_KEYS or not values:
            continue
        held = _insert(protocol, shape, held, key.split("."), values[0])
    return _finished(shape, held)


def params_of(call: protocols.Call, environ: dict[str, Any], protocol: str, shape: Any) -> dict[str, Any]:
    """The request's input as the model's structure (query values stay strings)."""
    if protocol in ("ec2", "query"):
        return _form_params(protocol, shape, call.form)
    raw = protocols.read_body(environ) if environ.get("CONTENT_LENGTH") else b""
    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# --- checking it ----------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _scalar_problem(shape: Any, value: Any, enums: bool) -> tuple[str, str, tuple[Any, Any]] | None:
    """(kind, constraint, bounds) of a scalar that breaks its shape, or None."""
    minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
    kind = shape.type_name
    if kind == "string" and isinstance(value, str):
        if enums and shape.enum and value not in shape.enum:
            return "enum", f"Member must satisfy enum value set: [{', '.join(shape.enum)}]", (None, None)
        if maximum is not None and len(value) > maximum:
            return "length", f"Member must have length less than or equal to {maximum}", (minimum, maximum)
        if minimum is not None and len(value) < minimum:
            return "length", f"Member must have length greater than or equal to {minimum}", (minimum, maximum)
    elif kind in ("integer", "long", "float", "double"):
        number = _number(value)
        if number is None:
            return None
        if maximum is not None and number > maximum:
            return "range", f"Member must have value less than or equal to {_plain(maximum)}", (minimum, maximum)
        if minimum is not None and number < minimum:
            return "range", f"Member must have value greater than or equal to {_plain(minimum)}", (minimum, maximum)
    return None


def _plain(number: Any) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _walk(shape: Any, value: Any, path: tuple[str | int, ...], rules: _Rules, found: list[Violation]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            member = shape.members[name]
            # A form carries nothing for an empty structure, so "missing" can't be told from "{}".
            if value.get(name) is None and not (rules.form and member.type_name == "structure"):
                found.append(Violation(path + (name,), None, "Member must not be null", "required", member))
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _walk(member, value[name], path + (name,), rules, found)
        return
    if kind in ("list", "map"):
        if not isinstance(value, (list, dict)):
            return
        minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
        bounds = (minimum, maximum)
        if maximum is not None and len(value) > maximum:
            constraint = f"Member must have length less than or equal to {maximum}"
            found.append(Violation(path, value, constraint, "length", shape, bounds))
        elif minimum is not None and len(value) < minimum:
            constraint = f"Member must have length greater than or equal to {minimum}"
            found.append(Violation(path, value, constraint, "length", shape, bounds))
        if kind == "map":
            _walk_map(shape, value, path, rules, found)
            return
        if shape.member.type_name in ("structure", "list", "map"):
            for position, item in enumerate(value, 1):
                _walk(shape.member, item, path + (position,), rules, found)
            return
        problems = [p for p in (_scalar_problem(shape.member, item, rules.enums) for item in value) if p]
        if problems:
            found.append(Violation(path, value, f"Member must satisfy constraint: [{problems[0][1]}]", "members", shape))
        return
    problem = _scalar_problem(shape, value, rules.enums)
    if problem is not None:
        found.append(Violation(path, value, problem[1], problem[0], shape, problem[2]))


def _walk_map(shape: Any, value: Any, path: tuple[str | int, ...], rules: _Rules, found: list[Violation]) -> None:
    if not isinstance(value, dict):
        return
    for label, shapes, items in (("Map keys", shape.key, list(value)), ("Map value", shape.value, list(value.values()))):
        problems = [p for p in (_scalar_problem(shapes, item, rules.enums) for item in items) if p]
        if problems:
            found.append(Violation(path, value, f"{label} must satisfy constraint: [{problems[0][1]}]", "members", shape))


_NOT_BOTH = re.compile(r"not both", re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def exclusive_members(service: str, action: str) -> tuple[str, str, str] | None:
    """The two members of an operation whose documentation says "…, but not both", and the
    documentation's sentence; None when the operation has no such pair."""
    operation = _operation(service, action)
    shape = operation.input_shape if operation is not None else None
    if shape is None:
        return None
    marked = [
        (name, member) for name, member in shape.members.items() if _NOT_BOTH.search(member.documentation or "")
    ]
    if len(marked) != 2:
        return None
    text = re.sub(r"<[^>]+>", "", marked[0][1].documentation)
    sentence = next((s.strip() for s in re.split(r"(?<=\.)\s+", text) if _NOT_BOTH.search(s)), text.strip())
    return marked[0][0], marked[1][0], sentence


@dataclass(frozen=True)
class _Rules:
    """What a walk checks: enums (not EC2's), and whether the request was a form (query, EC2)."""

    enums: bool
    form: bool


def violations(service: str, operation: Any, params: dict[str, Any], enums: bool, form: bool) -> list[Violation]:
    """Every constraint `params` break, in the model's order; an exclusive pair first."""
    found: list[Violation] = []
    pair = exclusive_members(service, operation.name)
    if pair is not None and params.get(pair[0]) is not None and params.get(pair[1]) is not None:
        found.append(Violation((pair[0], pair[1]), None, pair[2], "exclusive", operation.input_shape))
    if operation.input_shape is not None:
        _walk(operation.input_shape, params, (), _Rules(enums, form), found)
    return found


# --- in each service's words ---------------------------------------------------------------------


def _camel(name: str) -> str:
    return name[0].lower() + name[1:]


def framework_label(path: tuple[str | int, ...]) -> str:
    """The JSON/query framework's name for a member: `tags.1.member.key`, `preferences.minHealthyPercentage`."""
    parts = []
    for part in path:
        parts += [str(part), "member"] if isinstance(part, int) else [_camel(part)]
    return ".".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_shown(v)}" for k, v in value.items()) + "}"
    return str(value)


def framework_entry(violation: Violation) -> str:
    """One entry of the JSON/query framework's message."""
    label = framework_label(violation.path)
    if violation.value is None:
        shown = "Value null"
    elif violation.shape.metadata.get("sensitive"):
        shown = "Value"
    else:
        shown = f"Value '{_shown(violation.value)}'"
    return f"{shown} at '{label}' failed to satisfy constraint: {violation.constraint}"


def framework_message(found: list[Violation]) -> str:
    """'N validation error(s) detected: …; …' over every violation."""
    entries = [framework_entry(v) for v in found]
    return f"{len(entries)} validation error{'s' if len(entries) > 1 else ''} detected: {'; '.join(entries)}"


@dataclass(frozen=True)
class Wording:
    """How one service answers the violations of a request."""

    enums: bool
    answer: Callable[[str, Any, list[Violation], dict[str, Any]], protocols.Response]


def _framework(code: str) -> Wording:
    def answer(service: str, operation: Any, found: list[Violation], environ: dict[str, Any]) -> protocols.Response:
        exclusive = [v for v in found if v.kind == "exclusive"]
        message = exclusive[0].constraint if exclusive else framework_message(found)
        return protocols.error_response(service, environ, code, message, 400)

    return Wording(enums=True, answer=answer)


_ORGANIZATIONS_REASONS = {
    "required": ("INPUT_REQUIRED", "You must include a value for all required parameters."),
    "enum": ("INVALID_ENUM", "You specified an invalid value."),
    "members": ("INVALID_LIST_MEMBER", "You provided a list to a parameter that contains at least one invalid value."),
}


def _organizations_answer(service: str, operation: Any, found: list[Violation], environ: dict[str, Any]) -> protocols.Response:
    first = found[0]
    if first.kind in ("length", "range"):
        larger = "less than" in first.constraint
        if first.kind == "length":
            reason = "MAX_LENGTH_EXCEEDED" if larger else "MIN_LENGTH_EXCEEDED"
            text = f"You provided a string parameter that is {'longer' if larger else 'shorter'} than allowed."
        else:
            reason = "MAX_VALUE_EXCEEDED" if larger else "MIN_VALUE_EXCEEDED"
            text = f"You provided a numeric parameter that has a {'larger' if larger else 'smaller'} value than allowed."
    else:
        reason, text = _ORGANIZATIONS_REASONS.get(first.kind, ("INVALID_INPUT", first.constraint))
    return protocols.error_response(service, environ, "InvalidInputException", text, 400, {"Reason": reason})


# EC2 names a parameter by its wire name with a lower-case first letter: `maxResults`.
def _ec2_label(operation: Any, path: tuple[str | int, ...]) -> str:
    parts: list[str] = []
    shape = operation.input_shape
    for part in path:
        if isinstance(part, int):
            parts.append(str(part))
            shape = shape.member
            continue
        member = shape.members[part]
        parts.append(_wire_name("ec2", part, member))
        shape = member
    return ".".join(parts)


# Shapes for which EC2 has an error code of its own (EC2 API Reference, "Error codes").
_EC2_MALFORMED = {
    "LaunchTemplateName": (
        "InvalidLaunchTemplateName.MalformedException",
        "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the "
        "following characters: - ( ) . / _.",
    ),
    "ImageNameRequest": (
        "InvalidAMIName.Malformed",
        "AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', "
        "'/' and '_'",
    ),
}
_EC2_EXCLUSIVE = {
    "ModifyLaunchTemplate": "Either provide launch template ID or launch template name to modify the template.",
}


def _ec2_answer(service: str, operation: Any, found: list[Violation], environ: dict[str, Any]) -> protocols.Response:
    first = found[0]
    label = _ec2_label(operation, first.path) if first.kind != "exclusive" else ""
    lowered = label[:1].lower() + label[1:]
    minimum, maximum = first.bounds
    if first.kind == "exclusive":
        code, message = "InvalidParameterCombination", _EC2_EXCLUSIVE.get(operation.name, first.constraint)
    elif first.kind == "required":
        code, message = "MissingParameter", f"The request must contain the parameter {label}"
    elif first.shape.name in _EC2_MALFORMED:
        code, message = _EC2_MALFORMED[first.shape.name]
    elif first.kind == "length" and isinstance(first.value, str):
        code = "InvalidParameterValue"
        limit = f"It exceeds {maximum} characters" if "less than" in first.constraint else f"It is shorter than {minimum} characters"
        message = f"Value ({first.value}) for parameter {lowered} is invalid. {limit}"
    elif first.kind == "range":
        code = "InvalidParameterValue"
        if minimum is not None and maximum is not None:
            expected = f"between {_plain(minimum)} and {_plain(maximum)}"
        elif minimum is not None:
            expected = f"greater than or equal to {_plain(minimum)}"
        else:
            expected = f"less than or equal to {_plain(maximum)}"
        message = f"Value ( {first.value} ) for parameter {lowered} is invalid. Expecting a value {expected}."
    else:
        code = "InvalidParameterValue"
        message = f"The value for parameter {lowered} is invalid: {first.constraint[0].lower()}{first.constraint[1:]}."
    return protocols.error_response(service, environ, code, message, 400)


_WORDINGS: dict[str, Wording] = {
    "autoscaling": _framework("ValidationError"),
    "cloudformation": _framework("ValidationError"),
    "iam": _framework("ValidationError"),
    "sts": _framework("ValidationError"),
    "ssm": _framework("ValidationException"),
    "kms": _framework("ValidationException"),
    "organizations": Wording(enums=True, answer=_organizations_answer),
    "ec2": Wording(enums=False, answer=_ec2_answer),
}


@functools.lru_cache(maxsize=None)
def _operation(service: str, action: str) -> Any:
    model = protocols.service_model(service)
    if model is None or action not in model.operation_names:
        return None
    return model.operation_model(action)


def check(call: protocols.Call, environ: dict[str, Any]) -> protocols.Response | None:
    """The error that answers `call` when its parameters break its operation's model, else None."""
    wording = _WORDINGS.get(call.service)
    if wording is None:
        return None
    operation = _operation(call.service, call.action)
    if operation is None or operation.input_shape is None:
        return None
    protocol = protocols.protocol_of(call.service, environ)
    params = params_of(call, environ, protocol, operation.input_shape)
    found = violations(call.service, operation, params, wording.enums, protocol in ("ec2", "query"))
    return wording.answer(call.service, operation, found, environ) if found else None
