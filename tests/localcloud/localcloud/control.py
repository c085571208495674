"""Runtime knobs and the request log behind `/_localcloud/config` and `/_localcloud/requests`.

`CONFIG` is read on every request (faults, latency) and by the simulated services (build and
instance refresh clocks, injected failures), so tests can change behaviour without a restart.
"""

from __future__ import annotations

import copy
import threading
from typing import Any


class ConfigError(ValueError):
    """A `/_localcloud/config` body that names an unknown key or has a value of the wrong type."""


def _fraction(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{key}: expected a number between 0 and 1, got {value!r}")
    if not 0.0 <= float(value) <= 1.0:
        raise ConfigError(f"{key}: expected a number between 0 and 1, got {value!r}")
    return float(value)


def _non_negative(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ConfigError(f"{key}: expected a number >= 0, got {value!r}")
    return value


def _phase_step(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.count("/") != 1 or "" in value.split("/"):
        raise ConfigError(f'{key}: expected null or "phase/step", got {value!r}')
    return value


def _flag(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


# Amazon Inspector's severities (Amazon Inspector User Guide, "Severity levels for findings").
_SEVERITIES = ("INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL", "UNTRIAGED")
_FINDING_KEYS = ("severity", "vulnerability_id", "package")


def _scan_findings(key: str, value: Any) -> dict[str, list[dict[str, str]]]:
    """Findings per pipeline name: `{"NAME": [{"severity", "vulnerability_id", "package"}, …]}`."""
    if not isinstance(value, dict):
        raise ConfigError(f"{key}: expected an object of pipeline names to lists of findings, got {value!r}")
    planted: dict[str, list[dict[str, str]]] = {}
    for pipeline, findings in value.items():
        if not pipeline:
            raise ConfigError(f"{key}: expected pipeline names, got an empty one")
        if not isinstance(findings, list):
            raise ConfigError(f"{key}.{pipeline}: expected a list of findings, got {findings!r}")
        for index, finding in enumerate(findings):
            where = f"{key}.{pipeline}[{index}]"
            if not isinstance(finding, dict) or sorted(finding) != sorted(_FINDING_KEYS):
                raise ConfigError(f"{where}: expected exactly the keys {', '.join(_FINDING_KEYS)}, got {finding!r}")
            if finding["severity"] not in _SEVERITIES:
                raise ConfigError(f"{where}.severity: expected one of {', '.join(_SEVERITIES)}, got {finding['severity']!r}")
            for name in ("vulnerability_id", "package"):
                if not isinstance(finding[name], str) or not finding[name].strip():
                    raise ConfigError(f"{where}.{name}: expected a non-empty string, got {finding[name]!r}")
        planted[pipeline] = [dict(finding) for finding in findings]
    return planted


def _string_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    return list(value)


# key -> (default, validator); defaults are what a fresh server starts with.
_KNOBS: dict[str, tuple[Any, Any]] = {
    "latency_ms": (0, _non_negative),
    "throttle_rate": (0.0, _fraction),
    "error_rate": (0.0, _fraction),
    "build_seconds": (8, _non_negative),
    "fail_build_step": (None, _phase_step),
    "scan_findings": ({}, _scan_findings),
    "image_usage_report_seconds": (3, _non_negative),
    "image_usage_report_lag_seconds": (0, _non_negative),
    "fail_instance_refresh": ([], _string_list),
    "hold_instance_refresh": ([], _string_list),
    "deny_accounts": ([], _string_list),
    "refresh_seconds": (3, _non_negative),
    "enforce_iam": (False, _flag),
    "propagation_seconds": (0, _non_negative),
}


class Config:
    """The current knobs; attribute names are the JSON keys of `/_localcloud/config`."""

    latency_ms: float
    throttle_rate: float
    error_rate: float
    build_seconds: float
    fail_build_step: str | None
    scan_findings: dict[str, list[dict[str, str]]]
    image_usage_report_seconds: float
    image_usage_report_lag_seconds: float
    fail_instance_refresh: list[str]
    hold_instance_refresh: list[str]
    deny_accounts: list[str]
    refresh_seconds: float
    enforce_iam: bool
    propagation_seconds: float

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Back to the defaults a fresh server starts with."""
        with self._lock:
            for key, (default, _) in _KNOBS.items():
                setattr(self, key, copy.deepcopy(default))

    def update(self, values: Any) -> None:
        """Apply a JSON object of knobs; all-or-nothing, so a bad key changes nothing."""
        if not isinstance(values, dict):
            raise ConfigError("expected a JSON object of knobs")
        unknown = sorted(set(values) - set(_KNOBS))
        if unknown:
            raise ConfigError(
                f"unknown key(s) {', '.join(unknown)}; known keys: {', '.join(_KNOBS)}"
            )
        checked = {key: _KNOBS[key][1](key, value) for key, value in values.items()}
        with self._lock:
            for key, value in checked.items():
                setattr(self, key, value)

    def as_dict(self) -> dict[str, Any]:
        """The knobs as the JSON object `GET /_localcloud/config` returns."""
        with self._lock:
            return {key: getattr(self, key) for key in _KNOBS}


CONFIG = Config()


class RequestLog:
    """Every AWS call the server answered, in order, for tests to assert on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def append(self, entry: dict[str, Any]) -> None:
        """Record one answered call: service, action, account, region, status, ms."""
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A snapshot of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Forget everything logged so far."""
        with self._lock:
            self._entries.clear()


REQUESTS = RequestLog()
