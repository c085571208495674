"""Which resources reference an AMI: EC2 DescribeImageReferences (moto has none), and the index
of accounts that ever referenced an AMI, which AMI usage reports read
(`localcloud.image_usage_reports`).

AWS facts relied on (EC2 API Reference, DescribeImageReferences, ImageReference and
ResourceTypeRequest; EC2 User Guide, "Identify your resources referencing specified AMIs"):
- the caller's own resources in the Region that reference any of 1 to 10 AMIs, whoever owns the
  AMIs and whether or not they still exist; each reference is `ImageId`, `ResourceType`, `Arn`;
- resource types `ec2:Instance`, `ec2:LaunchTemplate`, `ssm:Parameter`,
  `imagebuilder:ImageRecipe`, `imagebuilder:ContainerRecipe`; `IncludeAllResourceTypes` checks
  all of them with the default options, `ResourceTypes` names some, and one of the two is
  required; options given in `ResourceTypes` override the defaults;
- options: `state-name` for instances (pending, running, shutting-down, terminated, stopping,
  stopped; default all states) and `version-depth` for launch templates (the newest 1 to 10000
  versions; default 10); options are valid only for those two types;
- `MaxResults` at least 5, with `NextToken`.
ARNs (Service Authorization Reference): `arn:aws:ec2:REGION:ACCOUNT:instance/i-…`,
`…:launch-template/lt-…`, `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME`, and the recipe's own
Image Builder ARN.

Simplified: a launch template is one reference however many of its checked versions name the
AMI; an SSM parameter references an AMI when its current version has the data type
`aws:ec2:image` and the AMI id as value (public `/aws/` parameters are not the caller's);
`resolve:ssm:` image ids in launch templates are not followed; localcloud has no container
recipes, so `imagebuilder:ContainerRecipe` finds nothing. Error codes for requests outside
these rules are localcloud's choice where the reference names none: `MissingParameter`
without a resource type, else `InvalidParameterValue`. The model's own limits (1 to 10
ImageIds, MaxResults at least 5) are checked before, by `localcloud.validation`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError, MalformedAMIIdError
from moto.ec2.models.instances import Instance
from moto.ec2.models.launch_templates import LaunchTemplateVersion
from moto.ec2.responses.amis import AmisResponse

from localcloud import ami_times, paging
from localcloud.patching import wrap_once
from localcloud.ssm_fixes import IMAGE_DATA_TYPE

INSTANCE = "ec2:Instance"
LAUNCH_TEMPLATE = "ec2:LaunchTemplate"
PARAMETER = "ssm:Parameter"
IMAGE_RECIPE = "imagebuilder:ImageRecipe"
CONTAINER_RECIPE = "imagebuilder:ContainerRecipe"
RESOURCE_TYPES = (INSTANCE, LAUNCH_TEMPLATE, PARAMETER, IMAGE_RECIPE, CONTAINER_RECIPE)
INSTANCE_STATES = ("pending", "running", "shutting-down", "terminated", "stopping", "stopped")
MAX_VERSION_DEPTH = 10000
_DEFAULT_VERSION_DEPTH = 10


@dataclass(frozen=True)
class Scope:
    """What to check: resource types, the instance states counted and the launch template
    versions checked (the newest `version_depth`)."""

    types: tuple[str, ...]
    instance_states: tuple[str, ...] = INSTANCE_STATES
    version_depth: int = _DEFAULT_VERSION_DEPTH


# --- the index: who ever referenced an AMI ---------------------------------------------------

# region -> AMI id -> accounts that created a resource referencing it there. Entries are never
# removed: a reader checks the account's live resources, so a stale entry costs one look.
_USERS: dict[str, dict[str, set[str]]] = {}
_USERS_LOCK = threading.Lock()


def note(account: str, region: str, image_id: Any) -> None:
    """Remember that `account` made a resource referencing `image_id` in `region`."""
    if isinstance(image_id, str) and image_id.startswith("ami-"):
        with _USERS_LOCK:
            _USERS.setdefault(region, {}).setdefault(image_id, set()).add(account)


def users(region: str, image_id: str) -> set[str]:
    """Every account that may reference `image_id` in `region` (a superset; no account is searched)."""
    with _USERS_LOCK:
        return set(_USERS.get(region, {}).get(image_id, ()))


def _noting_instances(init: Any) -> Any:
    def __init__(self: Any, ec2_backend: Any, *args: Any, **kwargs: Any) -> None:
        init(self, ec2_backend, *args, **kwargs)
        note(ec2_backend.account_id, ec2_backend.region_name, self.image_id)

    return __init__


def _noting_versions(init: Any) -> Any:
    def __init__(self: Any, template: Any, *args: Any, **kwargs: Any) -> None:
        init(self, template, *args, **kwargs)
        backend = template.ec2_backend
        note(backend.account_id, backend.region_name, self.image_id)

    return __init__


# --- finding one account's references ------------------------------------------------------


def _before(created: Any, cutoff: datetime | None) -> bool:
    return cutoff is None or ami_times.moment(created) <= cutoff


Found = list[tuple[str, str]]  # (AMI id, ARN of the resource referencing it)


def _instances(account: str, region: str, ids: set[str], scope: Scope, cutoff: datetime | None) -> Found:
    backend = _ec2(account, region)
    if backend is None:
        return []
    found = []
    for reservation in list(backend.reservations.values()):
        for instance in list(reservation.instances):
            referencing = instance.image_id in ids and instance.state in scope.instance_states
            if referencing and _before(instance.launch_time, cutoff):
                found.append((instance.image_id, f"arn:aws:ec2:{region}:{account}:instance/{instance.id}"))
    return found


def _launch_templates(account: str, region: str, ids: set[str], scope: Scope, cutoff: datetime | None) -> Found:
    backend = _ec2(account, region)
    if backend is None:
        return []
    found = []
    for template in list(backend.launch_templates.values()):
        # Versions are kept in ascending order of their numbers.
        versions = [v for v in list(template.versions) if _before(v.create_time, cutoff)][-scope.version_depth :]
        arn = f"arn:aws:ec2:{region}:{account}:launch-template/{template.id}"
        found += [(image_id, arn) for image_id in dict.fromkeys(v.image_id for v in versions) if image_id in ids]
    return found


def _parameters(account: str, region: str, ids: set[str], _scope: Scope, cutoff: datetime | None) -> Found:
    from moto.ssm.models import ssm_backends
    from moto.ssm.utils import parameter_arn

    regional = dict.get(ssm_backends, account)
    backend = dict.get(regional, region) if regional is not None else None
    if backend is None:
        return []
    found = []
    # dict.items: moto's parameter dict loads public parameters when a name is looked up.
    for name, versions in list(dict.items(backend._parameters)):
        current = versions[-1] if versions else None
        if current is None or name.startswith("/aws/") or current.data_type != IMAGE_DATA_TYPE:
            continue
        if current.value in ids and _before(current.last_modified_date, cutoff):
            found.append((current.value, parameter_arn(account, region, current.name)))
    return found


def _image_recipes(account: str, region: str, ids: set[str], _scope: Scope, cutoff: datetime | None) -> Found:
    from localcloud.imagebuilder.store import existing_state

    state = existing_state(account, region)
    if state is None:
        return []
    return [
        (recipe["parentImage"], recipe["arn"])
        for recipe in list(state.recipes.values())
        if recipe["parentImage"] in ids and _before(recipe["dateCreated"], cutoff)
    ]


def _container_recipes(*_: Any) -> Found:
    return []  # localcloud's Image Builder builds AMIs only


_FINDERS = {
    INSTANCE: _instances,
    LAUNCH_TEMPLATE: _launch_templates,
    PARAMETER: _parameters,
    IMAGE_RECIPE: _image_recipes,
    CONTAINER_RECIPE: _container_recipes,
}


def _ec2(account: str, region: str) -> Any:
    from moto.ec2.models import ec2_backends

    regional = dict.get(ec2_backends, account)
    return dict.get(regional, region) if regional is not None else None


def find(
    account: str, region: str, image_ids: Iterable[str], scope: Scope, cutoff: datetime | None = None
) -> list[dict[str, str]]:
    """The references `account`'s resources in `region` make to `image_ids`, as ImageReference
    dicts ordered by image (as given), resource type, then ARN; with `cutoff`, only resources
    made (or last changed) by then."""
    order = list(dict.fromkeys(image_ids))
    wanted = set(order)
    found = [
        {"ImageId": image_id, "ResourceType": kind, "Arn": arn}
        for kind in RESOURCE_TYPES
        if kind in scope.types
        for image_id, arn in _FINDERS[kind](account, region, wanted, scope, cutoff)
    ]
    kinds = {kind: i for i, kind in enumerate(RESOURCE_TYPES)}
    return sorted(found, key=lambda r: (order.index(r["ImageId"]), kinds[r["ResourceType"]], r["Arn"]))


# --- DescribeImageReferences ----------------------------------------------------------------


def _invalid(message: str) -> EC2ClientError:
    return EC2ClientError("InvalidParameterValue", message)


def version_depth(values: list[str]) -> int:
    """The number of launch template versions a `version-depth` option asks to check (one value, 1-10000)."""
    if len(values) != 1 or not str(values[0]).isdigit() or not 1 <= int(values[0]) <= MAX_VERSION_DEPTH:
        raise _invalid(f"The value for version-depth must be one integer between 1 and {MAX_VERSION_DEPTH}.")
    return int(values[0])


def _scope(include_all: bool, requested: list[dict[str, Any]]) -> Scope:
    types = list(RESOURCE_TYPES) if include_all else []
    options: dict[str, Any] = {}
    for entry in requested:
        kind = entry.get("ResourceType")
        if kind not in RESOURCE_TYPES:
            raise _invalid(f"The resource type '{kind}' is not valid. Valid values: {', '.join(RESOURCE_TYPES)}.")
        types.append(kind)
        for option in entry.get("ResourceTypeOptions") or []:
            name, values = option.get("OptionName"), list(option.get("OptionValues") or [])
            if (kind, name) == (INSTANCE, "state-name"):
                unknown = [v for v in values if v not in INSTANCE_STATES]
                if unknown or not values:
                    raise _invalid(f"The state-name values {unknown or values} are not valid.")
                options["instance_states"] = tuple(values)
            elif (kind, name) == (LAUNCH_TEMPLATE, "version-depth"):
                options["version_depth"] = version_depth(values)
            else:
                raise _invalid(f"The option '{name}' is not valid for the resource type '{kind}'.")
    if not types:
        raise EC2ClientError("MissingParameter", "Either IncludeAllResourceTypes or ResourceTypes must be specified.")
    return Scope(tuple(dict.fromkeys(types)), **options)


def _describe_image_references(self: Any) -> ActionResult:
    image_ids = list(self._get_param("ImageIds") or [])
    malformed = [i for i in image_ids if not str(i).startswith("ami-")]
    if malformed:
        raise MalformedAMIIdError(malformed)
    include_all = bool(self._get_param("IncludeAllResourceTypes", False))
    requested = list(self._get_param("ResourceTypes") or [])
    scope = _scope(include_all, requested)
    limit = self._get_param("MaxResults")
    question = json.dumps(["DescribeImageReferences", image_ids, include_all, requested], sort_keys=True, default=str)
    token = self._get_param("NextToken")
    start = 0 if token is None else paging.offset(token, question)
    if start is None:
        raise EC2ClientError("InvalidPaginationToken", f"The pagination token '{token}' is invalid.")
    self.error_on_dryrun()
    backend = self.ec2_backend
    found = find(backend.account_id, backend.region_name, image_ids, scope)
    end = len(found) if limit is None else start + int(limit)
    result: dict[str, Any] = {"ImageReferences": found[start:end]}
    if end < len(found):
        result["NextToken"] = paging.token(question, end)
    return ActionResult(result)


def install() -> None:
    """Answer DescribeImageReferences and keep the index of referencing accounts; idempotent."""
    AmisResponse.describe_image_references = _describe_image_references
    wrap_once(Instance, "__init__", _noting_instances)
    wrap_once(LaunchTemplateVersion, "__init__", _noting_versions)
