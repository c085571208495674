"""An AMI's dates as moto keeps them, read as aware UTC datetimes.

Moto keeps `Ami.creation_date` (and other timestamps, such as an instance's launch time) as a
naive UTC datetime or, for its catalogue, an ISO 8601 string; localcloud keeps an AMI's
deprecation time as EC2 shows DeprecationTime, `YYYY-MM-DDTHH:MM:00.000Z`
(`localcloud.ec2_lifecycle`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def moment(value: Any) -> datetime:
    """A timestamp moto keeps as a datetime or an ISO 8601 string, as an aware UTC datetime."""
    if isinstance(value, datetime):
        found = value
    else:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def deprecation_time(ami: Any) -> datetime | None:
    """When `ami` is (or was) deprecated, or None."""
    text = getattr(ami, "deprecation_time", None)
    return None if text is None else datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.000Z").replace(tzinfo=UTC)
