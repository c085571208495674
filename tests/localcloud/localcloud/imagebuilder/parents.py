"""The AMI a build starts from: what its recipe's parent image names when the build starts.

AWS facts (Image Builder User Guide, "Semantic versioning in Image Builder", "Share Image
Builder resources with AWS RAM"; EC2 User Guide, "Identify the source AMI used to create a new
AMI"; EC2 API Reference, DescribeImages `SourceImageId`/`SourceImageRegion`):
- a parent given as an Image Builder image ARN (build version, version, or with `x`
  wildcards) resolves when the build starts to the newest AVAILABLE build version it selects
  among those the building account owns or that are shared with it;
- the build instance is launched from that build's AMI in the build's Region, so the building
  account must be allowed to launch it (the parent's distribution grants it launch
  permission); otherwise the launch fails with EC2's AuthFailure "Not authorized for images";
- the output AMI is made from the build instance with CreateImage, so its SourceImageId is the
  parent AMI and its SourceImageRegion the build's Region.

A parent given as an AMI id, an SSM parameter, a Marketplace product or an AWS-managed image
starts from that AMI when moto has it and the account may launch it, else from any Amazon AMI
moto holds (localcloud has no Amazon catalogue to resolve them against).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from localcloud import amis

from . import arns, sharing
from .arns import version_key
from .builds import Build
from .store import State


@dataclass(frozen=True)
class Parent:
    """What a build starts from."""

    ami: Any | None
    """The moto AMI the build instance launches from; None lets distribution pick a stand-in."""
    image: str | None = None
    """The parent's image build version ARN, when the parent is an Image Builder image."""
    problem: str | None = None
    """Why the build instance cannot be launched, when it cannot."""


def resolve(state: State, parent: str, refresh) -> Parent:
    """The parent of a build starting now in `state`'s account and Region. `refresh(state,
    build)` brings an image up to date (the caller's, so parents finish their own builds)."""
    from moto.ec2.models import ec2_backends

    if re.fullmatch(r"ami-[0-9a-f]{8,17}", parent):
        own = ec2_backends[state.account][state.region].amis.get(parent)
        shared = [ami for ami in amis.shared_amis(state.account, state.region) if ami.id == parent]
        return Parent(own or next(iter(shared), None))
    if not parent.startswith("arn:"):
        return Parent(None)
    arn = arns.parse_arn(parent, "parentImage")
    if arn.account == state.account:
        candidates = [(state, build) for build in state.images.values()]
    elif sharing.is_foreign(state, arn):
        candidates = list(sharing.builds(state, arn.account).values())
    else:
        return Parent(None)
    available = [
        (owner_state, build)
        for owner_state, build in candidates
        if arns.arn_name(build.record["name"]) == arn.name
        and arn.matches(build.record["version"], build.record["_build"])
        and refresh(owner_state, build)["state"]["status"] == "AVAILABLE"
    ]
    if not available:
        return Parent(None, problem=f"The parent image '{parent}' has no AVAILABLE image version that "
                      f"account {state.account} owns or that is shared with it.")
    _, build = max(available, key=lambda pair: (version_key(pair[1].record["version"]), pair[1].record["_build"]))
    return _launchable(state, build)


def _launchable(state: State, build: Build) -> Parent:
    from moto.ec2.models import ec2_backends

    image = build.record["arn"]
    outputs = [o for o in build.record.get("outputResources", {}).get("amis", []) if o.get("region") == state.region]
    if not outputs:
        return Parent(None, image, f"The parent image '{image}' has no AMI in {state.region}.")
    for output in outputs:
        ami = ec2_backends[output.get("accountId") or state.account][state.region].amis.get(output["image"])
        if ami is not None and amis.visible_to(ami, state.account):
            return Parent(ami, image)
    denied = ", ".join(o["image"] for o in outputs)
    return Parent(None, image, f"Not authorized for images: [{denied}] (AuthFailure).")
