"""Image Builder's words for the REST-JSON wire format in `localcloud.restjson`.

The service rejects a member it does not allow with `InvalidParameterValueException` ("The
value supplied for parameter 'X' is not valid."), a missing member or a body that is not JSON
with `InvalidRequestException`, two members it documents as exclusive with
`InvalidParameterCombinationException` (its modelled code for "mutually exclusive parameters"),
and fails with `ServiceException` (HTTP 500).
"""

from __future__ import annotations

from localcloud import restjson
from localcloud.restjson import ServiceError, Wording

__all__ = ["MODEL", "ServiceError", "WORDING", "invalid_value", "project"]

MODEL = restjson.model("imagebuilder")


def invalid_value(member: str, reason: str = "") -> ServiceError:
    """The service's wording for a parameter whose value it rejects."""
    text = f"The value supplied for parameter '{member}' is not valid."
    return ServiceError("InvalidParameterValueException", f"{text} {reason}".strip())


def _missing(member: str) -> ServiceError:
    return ServiceError("InvalidRequestException", f"The request is missing the required parameter '{member}'.")


WORDING = Wording(
    invalid=invalid_value,
    missing=_missing,
    malformed=lambda detail: ServiceError("InvalidRequestException", detail),
    internal="ServiceException",
    exclusive=lambda sentence: ServiceError("InvalidParameterCombinationException", sentence),
)


def project(record: dict, shape_name: str) -> dict:
    """The members of `record` that the model's structure `shape_name` has."""
    return restjson.project(MODEL, record, shape_name)
