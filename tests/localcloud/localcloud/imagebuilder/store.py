"""In-memory Image Builder state, one `State` per account and region.

The server is threaded and a build's distribution writes into other accounts and regions
of moto, so one re-entrant lock guards all of Image Builder: every request runs under it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import Any

from localcloud import restjson

from .protocol import ServiceError

LOCK = threading.RLock()


@dataclass
class State:
    """Everything Image Builder holds for one account in one region."""

    account: str
    region: str
    components: dict[str, dict] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    recipes: dict[str, dict] = field(default_factory=dict)
    infrastructure: dict[str, dict] = field(default_factory=dict)
    distribution: dict[str, dict] = field(default_factory=dict)
    pipelines: dict[str, dict] = field(default_factory=dict)
    images: dict[str, Any] = field(default_factory=dict)
    workflow_executions: dict[str, Any] = field(default_factory=dict)
    step_executions: dict[str, Any] = field(default_factory=dict)
    client_tokens: dict[tuple[str, str], tuple[str, dict]] = field(default_factory=dict)
    build_numbers: dict[tuple[str, str], int] = field(default_factory=dict)

    def tagged(self, arn: str) -> dict | None:
        """The record of any taggable resource by ARN (images by their build version ARN)."""
        for table in (self.components, self.recipes, self.infrastructure, self.distribution, self.pipelines):
            if arn in table:
                return table[arn]
        image = self.images.get(arn)
        return image.record if image is not None else None


_STATES: dict[tuple[str, str], State] = {}


def state_for(account: str, region: str) -> State:
    """The state of one account and region, created on first use."""
    key = (account, region)
    if key not in _STATES:
        _STATES[key] = State(account, region)
    return _STATES[key]


def existing_state(account: str, region: str) -> State | None:
    """The state of one account and region if that account ever used Image Builder there."""
    return _STATES.get((account, region))


def timestamp(epoch: float) -> str:
    """Image Builder's DateTime string: ISO 8601 with milliseconds, in UTC."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def idempotent(state: State, operation: str, params: dict, create) -> dict:
    """Run `create` once per client token (see `localcloud.restjson.idempotent`)."""
    return restjson.idempotent(state.client_tokens, operation, params, create)


def paginate(items: list, params: dict) -> tuple[list, str | None]:
    """One page of `items` under `maxResults` (default 25) and an opaque `nextToken`."""
    invalid = ServiceError("InvalidPaginationTokenException", "The nextToken is not valid.")
    return restjson.paginate(items, params, 25, invalid)


def apply_filters(items: list[dict], filters: list[dict] | None, allowed: tuple[str, ...]) -> list[dict]:
    """Keep items whose named attributes equal one of each filter's values."""
    for entry in filters or []:
        name = entry.get("name")
        if name not in allowed:
            raise ServiceError(
                "InvalidParameterValueException",
                f"The value supplied for parameter 'filters' is not valid. Filter name '{name}' is not "
                f"supported; use one of {', '.join(allowed)}.",
            )
        values = set(entry.get("values") or [])
        items = [item for item in items if _filter_value(item, name) in values]
    return items


def _filter_value(item: dict, name: str) -> Any:
    if name == "supportedOsVersion":
        return next(iter(item.get("supportedOsVersions") or []), None)
    return item.get(name)
