"""Image Builder ARNs and semantic versions.

Facts from the Image Builder user guide ("Semantic versioning in Image Builder"):
- versioned resources have `<major>.<minor>.<patch>` and a build number the service assigns:
  `arn:aws:imagebuilder:REGION:ACCOUNT:component/NAME/1.0.0/1`;
- a reference may put `x` in place of nodes, and every node right of the first `x` must be `x`
  too (`1.x.x` picks the newest 1.*.*, `x.2.x` is an error);
- the name in an ARN is the resource name lower-cased with spaces and underscores turned
  into hyphens (the AWS CDK's `fromComponentName` documents the same normalisation);
- `latestVersionReferences` hold the version ARN with `x.x.x`, `1.x.x`, `1.0.x` and `1.0.0`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .protocol import ServiceError, invalid_value

_ARN = re.compile(
    r"^arn:aws[^:]*:imagebuilder:(?P<region>[^:]+):(?P<account>[0-9]{12}|aws(?:-[a-z-]+)?):"
    r"(?P<kind>[a-z-]+(?:/(?:build|test|distribution))?)/(?P<name>[a-z0-9-_]+)"
    r"(?:/(?P<version>(?:[0-9]+|x)\.(?:[0-9]+|x)\.(?:[0-9]+|x))(?:/(?P<build>[0-9]+))?)?$"
)
_MAX_NODE = 2**30 - 1


@dataclass(frozen=True)
class Arn:
    """A parsed Image Builder ARN; `version` may hold wildcards, `build` may be absent."""

    region: str
    account: str
    kind: str
    name: str
    version: str | None
    build: int | None

    def matches(self, version: str, build: int) -> bool:
        """Whether this reference selects the given version and build."""
        if self.version is None:
            return True
        for wanted, actual in zip(self.version.split("."), version.split("."), strict=True):
            if wanted != "x" and int(wanted) != int(actual):
                return False
        return self.build is None or self.build == build


def parse_arn(text: str, member: str) -> Arn:
    """Parse an ARN supplied in `member`, rejecting malformed wildcards the way the service does."""
    found = _ARN.match(text)
    if not found:
        raise invalid_value(member, f"'{text}' is not a valid Image Builder ARN.")
    version = found["version"]
    if version is not None:
        check_wildcards(version, member)
    build = found["build"]
    if build is not None and "x" in (version or ""):
        raise invalid_value(member, "A build version ARN cannot contain wildcards.")
    return Arn(
        found["region"],
        found["account"],
        found["kind"],
        found["name"],
        version,
        int(build) if build is not None else None,
    )


def check_wildcards(version: str, member: str) -> None:
    """Reject `x.2.x`-style versions: every node right of the first `x` must be `x`."""
    nodes = version.split(".")
    if "x" in nodes and any(node != "x" for node in nodes[nodes.index("x") :]):
        raise ServiceError(
            "InvalidVersionNumberException",
            f"The version '{version}' supplied for '{member}' is not valid: "
            "every node after the first wildcard must also be a wildcard.",
        )
    for node in nodes:
        if node != "x" and int(node) > _MAX_NODE:
            raise ServiceError(
                "InvalidVersionNumberException",
                f"The version '{version}' supplied for '{member}' is not valid: each node must be at most {_MAX_NODE}.",
            )


def arn_name(name: str) -> str:
    """The form a resource name takes inside its ARN."""
    return re.sub(r"[ _]", "-", name.lower())


def make_arn(
    region: str, account: str, kind: str, name: str, version: str | None = None, build: int | None = None
) -> str:
    """Build an Image Builder ARN."""
    arn = f"arn:aws:imagebuilder:{region}:{account}:{kind}/{arn_name(name)}"
    if version is not None:
        arn += f"/{version}"
    if build is not None:
        arn += f"/{build}"
    return arn


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a concrete semantic version."""
    return tuple(int(node) for node in version.split("."))


def latest_version_references(region: str, account: str, kind: str, name: str, version: str) -> dict:
    """The `latestVersionReferences` structure for a resource version."""
    major, minor, patch = version.split(".")
    base = make_arn(region, account, kind, name)
    return {
        "latestVersionArn": f"{base}/x.x.x",
        "latestMajorVersionArn": f"{base}/{major}.x.x",
        "latestMinorVersionArn": f"{base}/{major}.{minor}.x",
        "latestPatchVersionArn": f"{base}/{major}.{minor}.{patch}",
    }


def next_version(pattern: str, existing: list[str]) -> str:
    """The version a wildcard recipe version (`1.0.x`) resolves to: one past the newest match."""
    nodes = pattern.split(".")
    if "x" not in nodes:
        return pattern
    first = nodes.index("x")
    fixed = nodes[:first]
    matching = [v for v in existing if v.split(".")[:first] == fixed]
    if not matching:
        return ".".join(fixed + ["0"] * (3 - first))
    newest = max(matching, key=version_key).split(".")
    bumped = int(newest[first]) + 1
    return ".".join(fixed + [str(bumped)] + ["0"] * (2 - first))
