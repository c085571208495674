"""Naming a request (service, action, account, region) and spelling errors the way each AWS protocol does.

Injected faults must be classified by SDKs exactly like real ones, so the body shape, status code
and error code follow the service's protocol in botocore's model (`metadata.protocol`):
- `ec2`: `<Response><Errors><Error><Code>…` (EC2 API Reference, "Error codes");
- `query` (IAM, STS, Auto Scaling): `<ErrorResponse><Error><Type><Code><Message>`;
- `json`: `{"__type": code, "message": …}` with `x-amzn-ErrorType`;
- `rest-json` (Image Builder): `x-amzn-ErrorType` header and `{"message": …}`.
The request's service and region come from the SigV4 credential scope
(`Credential=AKID/DATE/REGION/SERVICE/aws4_request`), as AWS itself routes them.
"""

from __future__ import annotations

import functools
import io
import itertools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


@dataclass
class Call:
    """One AWS request as the request log and the fault injector see it."""

    service: str
    action: str
    access_key: str | None
    region: str
    form: dict[str, list[str]]


@functools.lru_cache(maxsize=None)
def service_model(service: str) -> Any:
    """botocore's model for a signing name, or None when no model has that name."""
    import botocore.session
    from botocore.exceptions import UnknownServiceError

    try:
        return botocore.session.get_session().get_service_model(service)
    except UnknownServiceError:
        return None


def protocol_of(service: str, environ: dict[str, Any]) -> str:
    """The wire protocol of `service`; guessed from the request when botocore has no model."""
    model = service_model(service)
    if model is not None:
        return model.protocol
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return "query"
    return "rest-json"


def read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back so the next WSGI app can read it again."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ["wsgi.input"]
    body = stream.read(int(length)) if length else stream.read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def identify(environ: dict[str, Any]) -> Call:
    """Service, action, access key and region of a request, from its signature and body."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if scope:
        access_key, region, service = scope.group(1), scope.group(2), scope.group(3)
    else:
        access_key, region, service = None, "us-east-1", "unknown"

    form: dict[str, list[str]] = parse_qs(environ.get("QUERY_STRING", ""))
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        form.update(parse_qs(read_body(environ).decode("utf-8", "replace")))

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        action = target.rsplit(".", 1)[-1]
    elif "Action" in form:
        action = form["Action"][0]
    else:
        action = _rest_action(service, environ.get("REQUEST_METHOD", "GET"), _raw_path(environ))
    return Call(service, action, access_key, region, form)


def _raw_path(environ: dict[str, Any]) -> str:
    """The path as the client sent it: SDKs percent-encode `/` inside a URI label (an ARN in
    `/tags/{resourceArn}`), which PATH_INFO has already decoded into extra segments."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return raw.split("?", 1)[0] if raw else environ.get("PATH_INFO", "/")


def _rest_action(service: str, method: str, path: str) -> str:
    for op_method, pattern, name in _rest_routes(service):
        if op_method == method and pattern.fullmatch(path):
            return name
    return f"{method} {path}"


@functools.lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    model = service_model(service)
    if model is None:
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/").split("?", 1)[0]
        regex = re.sub(r"\\\{[^}]+\\\+\\\}", ".+", re.escape(uri))
        regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", regex)
        routes.append((http.get("method", "POST"), re.compile(regex + "/?"), name))
    return routes


Response = tuple[int, list[tuple[str, str]], bytes]


def error_response(
    service: str, environ: dict[str, Any], code: str, message: str, status: int, fields: dict[str, str] | None = None
) -> Response:
    """An error reply in `service`'s protocol, as AWS would send it; `fields` are the error's
    other modelled members (Organizations' `Reason`), sent by JSON protocols."""
    request_id = str(uuid.uuid4())
    protocol = protocol_of(service, environ)
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"</Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body.encode()
    if protocol == "query":
        fault = "Sender" if status < 500 else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{fault}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
    if protocol == "json":
        version = getattr(service_model(service), "metadata", {}).get("jsonVersion", "1.1")
        body = json.dumps({"__type": code, "message": message, **(fields or {})})
        headers = [
            ("Content-Type", f"application/x-amz-json-{version}"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
        return status, headers, body.encode()
    body = json.dumps({"message": message})
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
    return status, headers, body.encode()


# (code, HTTP status, message) of each protocol's request-rate error. Organizations spells it
# differently from other JSON services; EC2 answers 503 (EC2 API Reference, RequestLimitExceeded).
_THROTTLING = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "query": ("Throttling", 400, "Rate exceeded"),
    "json": ("ThrottlingException", 400, "Rate exceeded"),
    "rest-json": ("ThrottlingException", 429, "Rate exceeded"),
    "rest-xml": ("SlowDown", 503, "Please reduce your request rate."),
}
_THROTTLING_BY_SERVICE = {"organizations": ("TooManyRequestsException", 400, "AWS Organizations can't complete your request because another request is already in progress. Try again later.")}


# Image Builder models its own rate error (CallRateLimitExceededException, HTTP 429) beside the
# front door's generic ThrottlingException; clients meet both, and an SDK's default retry
# classifier only knows the second, so localcloud answers with each in turn.
_IMAGEBUILDER_THROTTLING = (
    ("ThrottlingException", 429, "Rate exceeded"),
    ("CallRateLimitExceededException", 429, "You have exceeded the permitted request rate for the specific operation."),
)
_imagebuilder_turn = itertools.count()


def throttling(service: str, environ: dict[str, Any]) -> Response:
    """The service's own "slow down" error, one that SDKs retry with backoff."""
    if service == "imagebuilder":
        code, status, message = _IMAGEBUILDER_THROTTLING[next(_imagebuilder_turn) % 2]
        return error_response(service, environ, code, message, status)
    code, status, message = _THROTTLING_BY_SERVICE.get(service) or _THROTTLING[protocol_of(service, environ)]
    return error_response(service, environ, code, message, status)


# (code for 500, code for 503) per protocol or service, as each documents its server errors.
_SERVER_ERRORS = {
    "ec2": ("InternalError", "Unavailable"),
    "imagebuilder": ("ServiceException", "ServiceUnavailableException"),
    "ram": ("ServerInternalException", "ServiceUnavailableException"),
}


def server_error(service: str, environ: dict[str, Any], unavailable: bool) -> Response:
    """A 500 InternalError or 503 ServiceUnavailable in the service's own spelling."""
    protocol = protocol_of(service, environ)
    internal, busy = _SERVER_ERRORS.get(service) or _SERVER_ERRORS.get(protocol) or ("InternalFailure", "ServiceUnavailable")
    if unavailable:
        return error_response(service, environ, busy, "Service is unavailable. Please try again later.", 503)
    return error_response(service, environ, internal, "An internal error has occurred. Please try again later.", 500)
