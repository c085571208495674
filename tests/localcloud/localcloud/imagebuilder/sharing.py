"""Image Builder resources that other accounts share with the caller through AWS RAM.

AWS facts (Image Builder User Guide, "Share Image Builder resources with AWS RAM"; API
Reference, PutImagePolicy / PutComponentPolicy / PutImageRecipePolicy; the aws-samples
"Image Sharing via RAM for Dynamic Versioning" sample):
- components, images and image recipes can be shared, in the Region they live in;
- RAM shares an image or a component by its build version ARN (`image/name/1.0.0/3`, the only
  form their resource policies take; the sample associates each new build with the share
  after it finishes), and a recipe by its version ARN (`image-recipe/name/1.0.0`);
- consumers list what is shared with them with `owner=Shared`, read it with Get* and use it:
  a shared image as a recipe's parent (a version or `x.x.x` ARN selects the newest build
  version shared with them), shared components in their recipes, a shared recipe in their
  pipelines;
- what another account did not share is refused like any IAM denial of a cross-account
  request, HTTP 403 "User: … is not authorized to perform: imagebuilder:GetImage on resource:
  ARN" (a recipe naming another account's unshared image as its parent fails so,
  aws-samples/immutable-server-pipeline#4); the model's only 403 error is
  `ForbiddenException`, so that is the code localcloud answers with.
"""

from __future__ import annotations

from typing import Callable, Iterable

from localcloud import ram

from . import arns
from .arns import Arn
from .builds import Build
from .protocol import ServiceError
from .store import State, existing_state


def install() -> None:
    """Let RAM check the Image Builder ARNs it is asked to share."""
    ram.register_resource_check("imagebuilder", _shareable)


def _shareable(account: str, region: str, text: str) -> str | None:
    """None when `account` owns the resource in `region`; else "malformed" or "missing"."""
    try:
        arn = arns.parse_arn(text, "resourceArn")
    except ServiceError:
        return "malformed"
    concrete = arn.version is not None and "x" not in arn.version
    if arn.kind in ("image", "component"):
        if not concrete or arn.build is None:
            return "malformed"
    elif arn.kind != "image-recipe" or not concrete or arn.build is not None:
        return "malformed"
    # No Image Builder lock here: RAM holds its own while it asks, and Image Builder requests
    # take RAM's lock under theirs (`shared_with`), so taking both here could deadlock. A
    # membership test needs no lock.
    state = existing_state(account, region)
    if state is None:
        return "missing"
    tables = {"image": state.images, "component": state.components, "image-recipe": state.recipes}
    return None if text in tables[arn.kind] else "missing"


def is_foreign(state: State, arn: Arn) -> bool:
    """Whether an ARN names a resource of another customer account (not AWS-managed)."""
    return arn.account != state.account and arn.account[0].isdigit()


def owner_state(text: str) -> State | None:
    """The state that holds the resource an ARN names, if its account used Image Builder there."""
    arn = arns.parse_arn(text, "arn")
    return existing_state(arn.account, arn.region)


def forbidden(state: State, action: str, text: str) -> ServiceError:
    """The answer to a request for another account's resource that is not shared with the caller."""
    return ServiceError(
        "ForbiddenException",
        f"User: arn:aws:iam::{state.account}:root is not authorized to perform: imagebuilder:{action} on "
        f"resource: {text} because no resource-based policy allows the imagebuilder:{action} action",
    )


def by_owner(params: dict, own: Iterable, shared: Callable[[], Iterable]) -> list:
    """What a List* call's `owner` covers: `Self` (the default) the caller's own, `Shared` what
    other accounts share with it; Amazon, ThirdParty and AWSMarketplace nothing localcloud holds."""
    owner = params.get("owner", "Self")
    if owner == "Self":
        return list(own)
    return list(shared()) if owner == "Shared" else []


def _shared(state: State, kind: str, owner: str | None) -> list[tuple[State, Arn, str]]:
    found = []
    for text in ram.shared_with(state.account, state.region, "imagebuilder"):
        arn = arns.parse_arn(text, "resourceArn")
        if arn.kind != kind or (owner is not None and arn.account != owner):
            continue
        owner_state = existing_state(arn.account, arn.region)
        if owner_state is not None:
            found.append((owner_state, arn, text))
    return found


def components(state: State, owner: str | None = None) -> dict[str, tuple[State, dict]]:
    """Component build versions shared with the caller: ARN -> (owner's state, record)."""
    return {
        text: (owner_state, owner_state.components[text])
        for owner_state, _, text in _shared(state, "component", owner)
        if text in owner_state.components
    }


def recipes(state: State, owner: str | None = None) -> dict[str, tuple[State, dict]]:
    """Image recipe versions shared with the caller: ARN -> (owner's state, record)."""
    return {
        text: (owner_state, owner_state.recipes[text])
        for owner_state, _, text in _shared(state, "image-recipe", owner)
        if text in owner_state.recipes
    }


def builds(state: State, owner: str | None = None) -> dict[str, tuple[State, Build]]:
    """Image build versions shared with the caller: ARN -> (owner's state, build)."""
    return {
        text: (owner_state, owner_state.images[text])
        for owner_state, _, text in _shared(state, "image", owner)
        if text in owner_state.images
    }
