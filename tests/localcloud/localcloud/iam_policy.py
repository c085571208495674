"""The IAM policy language: parse a JSON policy once, then decide requests against it.

AWS facts relied on (IAM User Guide):
- "Policy evaluation logic": a matching `Deny` statement wins over every `Allow`; without a
  matching `Allow` the request is implicitly denied.
- "IAM JSON policy elements: Action / NotAction / Resource / NotResource": action names are
  case-insensitive, ARNs case-sensitive; both take `*` (any run of characters) and `?` (one
  character). `NotAction`/`NotResource` apply a statement to everything they do not name. An
  action without resource-level permissions is requested on `*`, which only `*` matches.
- "IAM JSON policy elements: Condition operators": all operators of a `Condition` block must
  hold, all keys under one operator must hold, any one value of a key satisfies it. A key
  absent from the request context makes a condition false, except negated operators
  (`StringNotEquals`, `ArnNotLike`, ...) which are then true; `...IfExists` is true when the
  key is absent and `Null` tests presence. `ForAnyValue:` holds when some request value
  matches (false for an absent key), `ForAllValues:` when every one does (true for an absent
  key). `ArnLike`/`ArnEquals` compare the six colon-separated parts, each with wildcards.
  Condition key names are case-insensitive.
- "IAM JSON policy elements: Principal" (trust policies): an account id or
  `arn:aws:iam::ACCOUNT:root` names every principal of the account, a role ARN names its
  sessions, `*` names everyone.

moto's `moto/iam/access_control.py` is not reused for evaluation: it matches actions
case-sensitively with unescaped regexes (a `.` in an ARN matches anything), ignores
`NotResource` and every operator but `StringEquals`, and turns an `Allow` whose condition
fails into a deny. Operators localcloud does not model (dates, IP addresses, binary) fail
closed: an `Allow` using one never applies, a `Deny` using one always does.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

ALLOW = "allow"
DENY = "deny"


class PolicyError(ValueError):
    """A policy document that is not JSON or does not have the policy grammar's shape."""


class Context(Protocol):
    """The request context: values of condition keys (lower-cased names) for one request."""

    def get(self, key: str) -> list[str] | None:
        """The key's values, or None when the request does not carry the key."""


@dataclass(frozen=True)
class Condition:
    """One `"Operator": {"key": values}` entry of a Condition block."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    """One compiled statement; `None` for an element the statement does not have."""

    allow: bool
    sid: str
    source: str
    actions: tuple[re.Pattern[str], ...] | None
    not_actions: tuple[re.Pattern[str], ...] | None
    resources: tuple[re.Pattern[str], ...] | None
    not_resources: tuple[re.Pattern[str], ...] | None
    principals: tuple[str, ...] | None
    conditions: tuple[Condition, ...]

    def applies_to(self, action: str, resource: str) -> bool:
        """Whether Action/NotAction and Resource/NotResource cover this request."""
        if self.actions is not None and not any(p.fullmatch(action) for p in self.actions):
            return False
        if self.not_actions is not None and any(p.fullmatch(action) for p in self.not_actions):
            return False
        if self.resources is not None and not any(p.fullmatch(resource) for p in self.resources):
            return False
        if self.not_resources is not None and any(p.fullmatch(resource) for p in self.not_resources):
            return False
        return True

    def conditions_hold(self, context: Context) -> bool:
        """Whether every condition holds in `context`; an unmodelled operator fails closed."""
        try:
            return all(_evaluate(condition, context) for condition in self.conditions)
        except _Unmodelled:
            return not self.allow


@functools.lru_cache(maxsize=4096)
def _wildcard(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, bool, int, float)) for v in value):
        return tuple(_text(v) for v in value)
    if isinstance(value, (bool, int, float)):
        return (_text(value),)
    raise PolicyError(f"{where}: expected a string or a list of strings, got {value!r}")


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _principals(value: Any) -> tuple[str, ...]:
    """Principal element as strings: `*`, `AWS:<arn or account>`, `Service:<name>`, `Federated:<id>`."""
    if value == "*":
        return ("*",)
    if not isinstance(value, dict):
        raise PolicyError(f"Principal: expected \"*\" or an object, got {value!r}")
    found = []
    for kind, names in value.items():
        for name in _strings(names, f"Principal.{kind}"):
            if kind == "AWS" and re.fullmatch(r"\d{12}", name):
                name = f"arn:aws:iam::{name}:root"
            found.append("*" if kind == "AWS" and name == "*" else f"{kind}:{name}")
    return tuple(found)


def compile_policy(document: str | dict[str, Any], source: str) -> tuple[Statement, ...]:
    """Parse a policy document (JSON text or object) into statements; `source` names it in reports."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError as err:
            raise PolicyError(f"{source}: not JSON: {err}") from err
    if not isinstance(document, dict) or "Statement" not in document:
        raise PolicyError(f"{source}: expected an object with a Statement")
    raw = document["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    return tuple(_statement(s, source, i) for i, s in enumerate(statements))


def _statement(raw: Any, source: str, index: int) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(f"{source}: Statement[{index}] is not an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{source}: Statement[{index}].Effect must be Allow or Deny, got {effect!r}")

    def patterns(element: str, ignore_case: bool) -> tuple[re.Pattern[str], ...] | None:
        if element not in raw:
            return None
        return tuple(_wildcard(p, ignore_case) for p in _strings(raw[element], f"{source}: {element}"))

    conditions = []
    for operator, keys in (raw.get("Condition") or {}).items():
        if not isinstance(keys, dict):
            raise PolicyError(f"{source}: Condition.{operator} must be an object of keys")
        for key, values in keys.items():
            conditions.append(Condition(operator, key.lower(), _strings(values, f"{source}: {operator}.{key}")))
    principals = raw.get("Principal")
    return Statement(
        allow=effect == "Allow",
        sid=str(raw.get("Sid", "")),
        source=source,
        actions=patterns("Action", True),
        not_actions=patterns("NotAction", True),
        resources=patterns("Resource", False),
        not_resources=patterns("NotResource", False),
        principals=_principals(principals) if principals is not None else None,
        conditions=tuple(conditions),
    )


def decide(
    statements: Iterable[Statement],
    action: str,
    resource: str,
    context: Context,
    principal_matches: Callable[[tuple[str, ...]], bool] | None = None,
) -> tuple[str | None, list[Statement]]:
    """ALLOW, DENY or None (no statement applies), and the statements that decided it.

    `principal_matches` is given for resource-based policies (trust policies): a statement
    applies only when its Principal names the caller.
    """
    allowed: list[Statement] = []
    for statement in statements:
        if not statement.applies_to(action, resource):
            continue
        if principal_matches is not None and not principal_matches(statement.principals or ()):
            continue
        if not statement.conditions_hold(context):
            continue
        if not statement.allow:
            return DENY, [statement]
        allowed.append(statement)
    return (ALLOW if allowed else None), allowed


# --- conditions -------------------------------------------------------------------------

_NEGATED = {
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "ArnNotEquals",
    "ArnNotLike",
    "NumericNotEquals",
}


def _string_equals(actual: str, wanted: str) -> bool:
    return actual == wanted


def _string_equals_ignore_case(actual: str, wanted: str) -> bool:
    return actual.lower() == wanted.lower()


def _string_like(actual: str, wanted: str) -> bool:
    return _wildcard(wanted, False).fullmatch(actual) is not None


def _arn_like(actual: str, wanted: str) -> bool:
    have, want = actual.split(":", 5), wanted.split(":", 5)
    return len(have) == len(want) == 6 and all(_string_like(h, w) for h, w in zip(have, want))


def _bool(actual: str, wanted: str) -> bool:
    return actual.lower() == wanted.lower()


def _numeric(compare: Callable[[float, float], bool]) -> Callable[[str, str], bool]:
    def test(actual: str, wanted: str) -> bool:
        try:
            return compare(float(actual), float(wanted))
        except ValueError:
            return False

    return test


# The positive test of each operator; a negated operator is true when its positive test fails.
_TESTS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": _string_equals,
    "StringNotEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ignore_case,
    "StringNotEqualsIgnoreCase": _string_equals_ignore_case,
    "StringLike": _string_like,
    "StringNotLike": _string_like,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "ArnNotEquals": _arn_like,
    "ArnNotLike": _arn_like,
    "Bool": _bool,
    "NumericEquals": _numeric(lambda a, b: a == b),
    "NumericNotEquals": _numeric(lambda a, b: a == b),
    "NumericLessThan": _numeric(lambda a, b: a < b),
    "NumericLessThanEquals": _numeric(lambda a, b: a <= b),
    "NumericGreaterThan": _numeric(lambda a, b: a > b),
    "NumericGreaterThanEquals": _numeric(lambda a, b: a >= b),
}


class _Unmodelled(Exception):
    """A condition operator localcloud does not evaluate."""


def _evaluate(condition: Condition, context: Context) -> bool:
    operator = condition.operator
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
        if qualifier not in ("ForAnyValue", "ForAllValues"):
            raise _Unmodelled(condition.operator)
    actual = context.get(condition.key)
    if operator == "Null":
        absent = not actual
        return any(absent == (wanted.lower() == "true") for wanted in condition.values)
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    test = _TESTS.get(base)
    if test is None:
        raise _Unmodelled(condition.operator)
    if not actual:
        if if_exists or qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return base in _NEGATED

    def value_holds(value: str) -> bool:
        matched = any(test(value, wanted) for wanted in condition.values)
        return not matched if base in _NEGATED else matched

    if qualifier == "ForAllValues":
        return all(value_holds(v) for v in actual)
    if base in _NEGATED and not qualifier:
        # A single-valued negation over a multi-valued key: no value may match.
        return all(value_holds(v) for v in actual)
    return any(value_holds(v) for v in actual)

