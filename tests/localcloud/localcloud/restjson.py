"""The REST-JSON wire format of the services localcloud answers itself (Image Builder, RAM),
driven by botocore's service model.

A request is matched to an operation by HTTP method and path (`PUT /CreateComponent`,
`GET /tags/{resourceArn}`, `DELETE /deleteresourceshare`), its members are read from the query
string, the URI or the JSON body exactly where the model's `location` puts them, and checked
against the model's `required`, `enum`, `pattern`, `min` and `max` (string lengths, list and
map sizes, numbers) and its "either … or …, but not both" members the way the service does, in
the service's own words (`Wording`): Image Builder's are "The value supplied for parameter
'semanticVersion' is not valid. semanticVersion must match pattern …" (quoted from
aws-cloudformation/cloudformation-coverage-roadmap#2439). Responses are shaped by the operation's output shape: a
member the model does not know is a bug in localcloud and raises, so every response stays true
to the model. Errors carry the `x-amzn-ErrorType` header and `{"message": …}` with the HTTP
status the model gives the error code (botocore reads the code from that header).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

import botocore.session

from localcloud import validation

_LOG = logging.getLogger(__name__)


class ServiceError(Exception):
    """An error the service answers with: a modeled error code and its message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Wording:
    """How a service rejects a request before any operation runs."""

    invalid: Callable[[str, str], ServiceError]
    """(member, reason) -> the error for a value the model does not allow."""
    missing: Callable[[str], ServiceError]
    """member -> the error for a required member that is absent."""
    malformed: Callable[[str], ServiceError]
    """detail -> the error for a body that is not a JSON object."""
    internal: str
    """The error code of an unexpected failure (HTTP 500)."""
    exclusive: Callable[[str], ServiceError]
    """sentence -> the error for two members the model documents as "not both"."""


class Service:
    """One REST-JSON service: its botocore model, its operations and how it words rejections.

    `bind(account, region)` makes what every handler receives first (the caller's state);
    handlers run under `lock` when one is given.
    """

    def __init__(
        self,
        model: Any,
        wording: Wording,
        operations: dict[str, Callable[[Any, dict], dict]],
        bind: Callable[[str, str], Any],
        lock: threading.RLock | None = None,
    ) -> None:
        self.model = model
        self.wording = wording
        self.operations = operations
        self._bind = bind
        self._lock = lock
        self._routes = [_route(self.model, op) for op in self.model.operation_names]
        self._title = self.model.metadata.get("serviceFullName", self.model.service_name)

    def app(self, environ: dict, start_response: Callable[..., Any], account: str, region: str) -> list[bytes]:
        """WSGI entry point for one request made by `account` in `region`."""
        request_id = str(uuid.uuid4())
        error_code = None
        try:
            status, body = 200, self._handle(environ, account, region)
        except ServiceError as error:
            status, body, error_code = self.error_status(error.code), {"message": error.message}, error.code
        except Exception:
            _LOG.exception(
                "%s failed on %s %s",
                self.model.service_name,
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
            )
            message = f"localcloud {self.model.service_name} hit an internal error."
            status, body, error_code = 500, {"message": message}, self.wording.internal
        headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)]
        if error_code:
            headers.append(("x-amzn-ErrorType", error_code))
        payload = json.dumps(body).encode()
        headers.append(("Content-Length", str(len(payload))))
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [payload]

    def _handle(self, environ: dict, account: str, region: str) -> dict:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        matched = self.match_operation(method, path)
        if matched is None:
            raise self.wording.malformed(f"No {self._title} operation is served at {method} {path}.")
        operation, labels = matched
        handler = self.operations.get(operation)
        if handler is None:
            raise self.wording.malformed(f"localcloud does not implement {self._title} {operation}.")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        params = self.parse_request(operation, environ.get("QUERY_STRING", ""), labels, body)
        with self._lock if self._lock is not None else nullcontext():
            result = handler(self._bind(account, region), params)
        return self.shape_response(operation, result)

    def match_operation(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        """The operation a request is for and the URI labels in its path, if any."""
        for op_method, pattern, name in self._routes:
            found = pattern.fullmatch(path) if op_method == method else None
            if found:
                return name, {label: unquote(value) for label, value in found.groupdict().items()}
        return None

    def parse_request(self, operation: str, query_string: str, labels: dict[str, str], body: bytes) -> dict:
        """The operation's input as a dict, validated against the model."""
        shape = self.model.operation_model(operation).input_shape
        if shape is None:
            return {}
        query = parse_qs(query_string, keep_blank_values=True)
        try:
            document = json.loads(body) if body.strip() else {}
        except ValueError as error:
            raise self.wording.malformed(f"The request body is not valid JSON: {error}") from error
        if not isinstance(document, dict):
            raise self.wording.malformed("The request body must be a JSON object.")
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            location = member.serialization.get("location")
            wire_name = member.serialization.get("name", name)
            if location == "querystring":
                if wire_name in query:
                    values = query[wire_name]
                    params[name] = values if member.type_name == "list" else self._scalar(member, values[0], name)
            elif location == "uri":
                if wire_name in labels:
                    params[name] = labels[wire_name]
            elif name in document:
                params[name] = document[name]
        self._validate(shape, params, "")
        pair = validation.exclusive_members(self.model.service_name, operation)
        if pair is not None and params.get(pair[0]) is not None and params.get(pair[1]) is not None:
            raise self.wording.exclusive(pair[2])
        return params

    def _scalar(self, shape, text: str, name: str) -> Any:
        if shape.type_name == "integer":
            try:
                return int(text)
            except ValueError:
                raise self.wording.invalid(name, "It must be an integer.") from None
        if shape.type_name == "boolean":
            return text.lower() == "true"
        return text

    def _validate(self, shape, value: Any, path: str) -> None:
        kind = shape.type_name
        label = path or shape.name
        invalid = self.wording.invalid
        if kind == "structure":
            if not isinstance(value, dict):
                raise invalid(label, "It must be an object.")
            for required in shape.required_members:
                if value.get(required) is None:
                    raise self.wording.missing(_join(path, required))
            for name, item in value.items():
                if name in shape.members and item is not None:
                    self._validate(shape.members[name], item, _join(path, name))
        elif kind == "list":
            if not isinstance(value, list):
                raise invalid(label, "It must be a list.")
            self._check_length(shape, len(value), label)
            for index, item in enumerate(value):
                self._validate(shape.member, item, f"{label}[{index}]")
        elif kind == "map":
            if not isinstance(value, dict):
                raise invalid(label, "It must be a map.")
            self._check_length(shape, len(value), label)
            for key, item in value.items():
                self._validate(shape.key, key, f"{label}.key")
                self._validate(shape.value, item, f"{label}.{key}")
        elif kind == "string":
            if not isinstance(value, str):
                raise invalid(label, "It must be a string.")
            self._check_length(shape, len(value), label)
            if shape.enum and value not in shape.enum:
                raise invalid(label, f"{label} must be one of {shape.enum}.")
            pattern = shape.metadata.get("pattern")
            if pattern and not re.search(pattern, value):
                # Image Builder's words: "semanticVersion must match pattern ^[0-9]+\.[0-9]+\.[0-9]+$".
                raise invalid(label, f"{label} must match pattern {pattern}")
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):
                raise invalid(label, "It must be an integer.")
            minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
            if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
                raise invalid(label, f"{label} must be between {minimum} and {maximum}.")
        elif kind == "boolean" and not isinstance(value, bool):
            raise invalid(label, "It must be a boolean.")

    def _check_length(self, shape, length: int, label: str) -> None:
        minimum, maximum = shape.metadata.get("min"), shape.metadata.get("max")
        if minimum is not None and length < minimum:
            raise self.wording.invalid(label, f"{label} must have length greater than or equal to {minimum}.")
        if maximum is not None and length > maximum:
            raise self.wording.invalid(label, f"{label} must have length less than or equal to {maximum}.")

    def shape_response(self, operation: str, result: dict) -> dict:
        """The output members of `result` in the model's shape, with `requestId` where modeled."""
        shape = self.model.operation_model(operation).output_shape
        if shape is None:
            return {}
        if "requestId" in shape.members:
            result = {"requestId": str(uuid.uuid4()), **result}
        return _shape(shape, result, operation)

    def error_status(self, code: str) -> int:
        """The HTTP status the model gives an error code."""
        for shape in self.model.error_shapes:
            if shape.name == code:
                return shape.metadata.get("error", {}).get("httpStatusCode", 400)
        return 400



def idempotent(tokens: dict, operation: str, params: dict, create: Callable[[], dict]) -> dict:
    """Run `create` once per client token: a retry with the same token and parameters gets the
    first answer, a reuse with other parameters gets IdempotentParameterMismatchException (the
    code Image Builder and RAM both model). `tokens` is the caller's own token table."""
    token = params.get("clientToken")
    if not token:
        return create()
    fingerprint = json.dumps({k: v for k, v in params.items() if k != "clientToken"}, sort_keys=True)
    previous = tokens.get((operation, token))
    if previous is not None:
        if previous[0] != fingerprint:
            raise ServiceError(
                "IdempotentParameterMismatchException",
                f"The client token '{token}' was already used with different parameters for {operation}.",
            )
        return previous[1]
    result = create()
    tokens[(operation, token)] = (fingerprint, result)
    return result


def paginate(items: list, params: dict, default_size: int, invalid_token: ServiceError) -> tuple[list, str | None]:
    """One page of `items` under `maxResults` (else `default_size`) and an opaque `nextToken`;
    `invalid_token` is raised for a token this function did not make."""
    start = 0
    token = params.get("nextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("page:"))
        except ValueError:
            raise invalid_token from None
    size = params.get("maxResults") or default_size
    end = start + size
    following = base64.urlsafe_b64encode(f"page:{end}".encode()).decode() if end < len(items) else None
    return items[start:end], following


def model(name: str) -> Any:
    """botocore's service model for a service name."""
    return botocore.session.get_session().get_service_model(name)


def project(service_model: Any, record: dict, shape_name: str) -> dict:
    """The members of `record` that the model's structure `shape_name` has."""
    members = service_model.shape_for(shape_name).members
    return {name: value for name, value in record.items() if name in members and value is not None}


def _route(model, name: str) -> tuple[str, re.Pattern[str], str]:
    """(method, path regex, operation); a label at the end of the path takes the rest of it,
    since an ARN in `/tags/{resourceArn}` keeps its slashes on the wire."""
    http = model.operation_model(name).http
    uri = http.get("requestUri", "/").split("?", 1)[0]
    parts = re.split(r"(\{[^}]+\})", uri)
    regex = ""
    for index, part in enumerate(parts):
        label = re.fullmatch(r"\{([^}+]+)\+?\}", part)
        if label is None:
            regex += re.escape(part)
        else:
            last = index == len(parts) - 1 or (index == len(parts) - 2 and parts[-1] == "")
            regex += f"(?P<{label.group(1)}>{'.+' if last else '[^/]+'})"
    return http.get("method", "POST"), re.compile(regex), name


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


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
