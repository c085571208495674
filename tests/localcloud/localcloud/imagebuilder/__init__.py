"""EC2 Image Builder for localcloud: moto has none, so this package is the service.

The server hands every request signed for `imagebuilder` to `app`, with the account and
Region the caller acts in. Paths, members, shapes and error codes follow botocore's
model `imagebuilder/2019-12-02`; see `protocol` for the wire format, `resources` for the
configuration resources, `images` and `builds` for builds, and `distribute` for what a
finished build leaves in moto's EC2 and SSM.
"""

from __future__ import annotations

import json
import logging
import uuid

from . import images, resources
from .protocol import ServiceError, error_status, match_operation, parse_request, shape_response
from .store import LOCK, state_for

_OPERATIONS = {**resources.OPERATIONS, **images.OPERATIONS}
_LOG = logging.getLogger(__name__)


def app(environ, start_response, account_id: str, region: str):
    """WSGI entry point for one Image Builder request made by `account_id` in `region`."""
    request_id = str(uuid.uuid4())
    try:
        status, body, error_code = 200, _handle(environ, account_id, region), None
    except ServiceError as error:
        status = error_status(error.code)
        body = {"message": error.message}
        error_code = error.code
    except Exception:
        _LOG.exception("imagebuilder failed on %s %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"))
        status, body, error_code = (
            500,
            {"message": "localcloud imagebuilder hit an internal error."},
            "ServiceException",
        )
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", request_id)]
    if error_code:
        headers.append(("x-amzn-ErrorType", error_code))
    payload = json.dumps(body).encode()
    headers.append(("Content-Length", str(len(payload))))
    start_response(f"{status} {_REASONS.get(status, 'Error')}", headers)
    return [payload]


def _handle(environ, account_id: str, region: str) -> dict:
    method = environ.get("REQUEST_METHOD", "")
    path = environ.get("PATH_INFO", "")
    matched = match_operation(method, path)
    if matched is None:
        raise ServiceError("InvalidRequestException", f"No Image Builder operation is served at {method} {path}.")
    operation, labels = matched
    handler = _OPERATIONS.get(operation)
    if handler is None:
        raise ServiceError("InvalidRequestException", f"localcloud does not implement Image Builder {operation}.")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    params = parse_request(operation, environ.get("QUERY_STRING", ""), labels, body)
    with LOCK:
        result = handler(state_for(account_id, region), params)
    return shape_response(operation, result)


_REASONS = {
    200: "OK",
    400: "Bad Request",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
