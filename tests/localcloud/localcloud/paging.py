"""Opaque NextTokens for the list calls localcloud answers itself.

A token carries the question it answers (`scope`: operation, parent, filters…) and where the
next page starts; one presented with another question is invalid, as AWS's are. Each service
spells the rejection its own way, so callers raise their own error when `offset` says None.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def token(scope: str, offset: int) -> str:
    """The NextToken for the page of `scope` that starts at `offset`."""
    return base64.urlsafe_b64encode(json.dumps({"scope": scope, "offset": offset}).encode()).decode()


def offset(value: Any, scope: str) -> int | None:
    """Where the page `value` asks for starts, or None when it is no token of ours for `scope`."""
    try:
        body = json.loads(base64.urlsafe_b64decode(str(value).encode()))
        if body["scope"] == scope and isinstance(body["offset"], int) and body["offset"] >= 0:
            return body["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        pass
    return None
