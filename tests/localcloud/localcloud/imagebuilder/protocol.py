"""REST-JSON wire format of EC2 Image Builder, driven by botocore's service model.

Requests are matched to an operation by HTTP method and path (`PUT /CreateComponent`,
`GET /tags/{resourceArn}`, ...), their members read from the query string, the URI or the
JSON body exactly where the model's `location` puts them, and checked against the model's
`required`, `enum`, `pattern`, `min` and `max` the way the service does (it answers
`InvalidParameterValueException` with "The value supplied for parameter 'X' is not valid.").
Responses are shaped by the operation's output shape: a member the model does not know is
a bug in localcloud and raises, so every response stays true to the model.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session

_MODEL = botocore.session.get_session().get_service_model("imagebuilder")


class ServiceError(Exception):
    """An error the service answers with: a modeled error code and its message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid_value(member: str, reason: str = "") -> ServiceError:
    """The service's wording for a parameter whose value it rejects."""
    text = f"The value supplied for parameter '{member}' is not valid."
    return ServiceError("InvalidParameterValueException", f"{text} {reason}".strip())


def _routes() -> dict[tuple[str, str], str]:
    routes = {}
    for name in _MODEL.operation_names:
        http = _MODEL.operation_model(name).http
        routes[(http["method"], http["requestUri"])] = name
    return routes


_ROUTES = _routes()


def match_operation(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    """The operation a request is for and the URI labels in its path, if any."""
    if path.startswith("/tags/"):
        operation = _ROUTES.get((method, "/tags/{resourceArn}"))
        if operation:
            return operation, {"resourceArn": unquote(path[len("/tags/") :])}
        return None
    operation = _ROUTES.get((method, path))
    return (operation, {}) if operation else None


def parse_request(operation: str, query_string: str, labels: dict[str, str], body: bytes) -> dict:
    """The operation's input as a dict, validated against the model."""
    shape = _MODEL.operation_model(operation).input_shape
    query = parse_qs(query_string, keep_blank_values=True)
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError as error:
        raise ServiceError("InvalidRequestException", f"The request body is not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise ServiceError("InvalidRequestException", "The request body must be a JSON object.")
    params: dict[str, Any] = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire_name = member.serialization.get("name", name)
        if location == "querystring":
            if wire_name in query:
                values = query[wire_name]
                params[name] = values if member.type_name == "list" else _scalar(member, values[0], name)
        elif location == "uri":
            if wire_name in labels:
                params[name] = labels[wire_name]
        elif name in document:
            params[name] = document[name]
    _validate(shape, params, "")
    return params


def _scalar(shape, text: str, name: str) -> Any:
    if shape.type_name == "integer":
        try:
            return int(text)
        except ValueError:
            raise invalid_value(name, "It must be an integer.") from None
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def _validate(shape, value: Any, path: str) -> None:
    kind = shape.type_name
    label = path or shape.name
    if kind == "structure":
        if not isinstance(value, dict):
            raise invalid_value(label, "It must be an object.")
        for required in shape.required_members:
            if value.get(required) is None:
                raise ServiceError(
                    "InvalidRequestException",
                    f"The request is missing the required parameter '{_join(path, required)}'.",
                )
        for name, item in value.items():
            if name in shape.members and item is not None:
                _validate(shape.members[name], item, _join(path, name))
    elif kind == "list":
        if not isinstance(value, list):
            raise invalid_value(label, "It must be a list.")
        _check_length(shape, len(value), label)
        for index, item in enumerate(value):
            _validate(shape.member, item, f"{label}[{index}]")
    elif kind == "map":
        if not isinstance(value, dict):
            raise invalid_value(label, "It must be a map.")
        for key, item in value.items():
            _validate(shape.key, key, f"{label}.key")
            _validate(shape.value, item, f"{label}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            raise invalid_value(label, "It must be a string.")
        _check_length(shape, len(value), label)
        if shape.enum and value not in shape.enum:
            raise invalid_value(label, f"'{label}' must be one of {shape.enum}.")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.search(pattern, value):
            raise invalid_value(label, f"'{label}' must match pattern {pattern}")
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_value(label, "It must be an integer.")
        minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise invalid_value(label, f"'{label}' must be between {minimum} and {maximum}.")
    elif kind == "boolean" and not isinstance(value, bool):
        raise invalid_value(label, "It must be a boolean.")


def _check_length(shape, length: int, label: str) -> None:
    minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
    if minimum is not None and length < minimum:
        raise invalid_value(label, f"'{label}' must have length greater than or equal to {minimum}.")
    if maximum is not None and length > maximum:
        raise invalid_value(label, f"'{label}' must have length less than or equal to {maximum}.")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def shape_response(operation: str, result: dict) -> dict:
    """The output members of `result` in the model's shape, with `requestId` where modeled."""
    shape = _MODEL.operation_model(operation).output_shape
    if "requestId" in shape.members:
        result = {"requestId": str(uuid.uuid4()), **result}
    return _shape(shape, result, operation)


def _shape(shape, value: Any, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        unknown = set(value) - set(shape.members)
        if unknown:
            raise AssertionError(f"{path}: members {sorted(unknown)} are not in the model")
        return {
            name: _shape(shape.members[name], item, f"{path}.{name}")
            for name, item in value.items()
            if item is not None
        }
    if kind == "list":
        return [_shape(shape.member, item, f"{path}[]") for item in value]
    if kind == "map":
        return {key: _shape(shape.value, item, f"{path}.{key}") for key, item in value.items()}
    expected = {"string": str, "integer": int, "boolean": bool, "timestamp": (int, float)}.get(kind)
    if expected and not isinstance(value, expected):
        raise AssertionError(f"{path}: {value!r} is not a {kind}")
    return value


def error_status(code: str) -> int:
    """The HTTP status the model gives an error code."""
    for shape in _MODEL.error_shapes:
        if shape.name == code:
            return shape.metadata.get("error", {}).get("httpStatusCode", 400)
    return 400


def project(record: dict, shape_name: str) -> dict:
    """The members of `record` that the model's structure `shape_name` has."""
    members = _MODEL.shape_for(shape_name).members
    return {name: value for name, value in record.items() if name in members and value is not None}
