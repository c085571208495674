"""Parameter Store as gold uses it: `aws:ec2:image` parameters validated the way AWS does.

AWS facts relied on:
- PutParameter (API Reference, `DataType`): "If you call PutParameter with aws:ec2:image data
  type, a successful HTTP 200 response does not guarantee that your parameter was successfully
  created or updated. The aws:ec2:image value is validated asynchronously, and the PutParameter
  call returns before the validation is complete. If you submit an invalid AMI value, the
  PutParameter operation will return success, but the asynchronous validation will fail and the
  parameter will not be created or updated."
- Systems Manager User Guide, "Native parameter support for Amazon Machine Image IDs": the
  asynchronous validation checks "that the parameter value meets the formatting requirements
  for an AMI ID, and that the specified AMI is available in your AWS account"; a version number
  is generated before the validation completes; until then GetParameter answers
  ParameterNotFound for a new parameter and the previous version for an updated one. The outcome
  is reported as an EventBridge "Parameter Store Change" event from `aws.ssm`; a failure carries
  `"exception": "Unable to Describe Resource"` (the AMI does not exist, or the account may not
  describe it).
- API Reference: ParameterHistory.Labels, GetParameters.InvalidParameters and the label lists
  of (Un)LabelParameterVersion hold at least one item, so an empty one is left out (the AWS CLI
  shows `"InvalidParameters": []`; SDKs read an absent list as an empty one);
  Parameter.Selector is the `:version` or `:label` a GetParameter/GetParameters name asked for.

- The validation needs `ec2:DescribeImages` of whoever puts the value: without it the
  validation fails ("Unable to Describe Resource": User Guide, "Troubleshooting `aws:ec2:image`
  parameter creation"; aws-sdk-java#2919 and boto3#3588 report PutParameter answering 200 and
  the parameter never changing). Under `enforce_iam` the caller's policies are asked.
- "If you attempt to create or update the parameter again before the validation process
  completes, the system reports that validation is still in process" (same page). The code is
  not documented; localcloud answers PutParameter's modelled `TooManyUpdates` ("There are
  concurrent updates for a resource that supports one update at a time.").
- User Guide, "Parameter data types in Parameter Store": "You can change an existing parameter
  from one data type to another ... The exceptions are `aws:ec2:image` and
  `aws:ssm:integration`. You can't change a parameter to or from either of these data types."
  The code is not documented (hashicorp/terraform-provider-aws#35959 reports the update
  failing); localcloud answers `ValidationException` naming both types. An overwrite without
  `DataType` keeps the parameter's data type (moto made it `text`).

Moto 5.2.5 stores an `aws:ec2:image` parameter whatever its value. Here the validation runs
inside the PutParameter call but after moto stored the new version, and its outcome is never
reflected in the answer: the caller gets 200 with the new Version either way. With
`propagation_seconds` at 0 any request that arrives after the answer sees the outcome (the
parameter created or updated, or left as it was). With it at N, the new version is taken out of
sight at once and appears N seconds later if it was valid (never if not), and another put of the
parameter meanwhile is refused, AWS's window while its validation runs.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ssm.exceptions import ParameterNotFound, SSMException, ValidationException
from moto.ssm.models import Parameter, SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.ssm.utils import parameter_arn

from localcloud import amis, iam_enforce, propagation

IMAGE_DATA_TYPE = "aws:ec2:image"
# Data types a parameter can't be changed to or from.
_FIXED_DATA_TYPES = (IMAGE_DATA_TYPE, "aws:ssm:integration")
# AMI ids are `ami-` and 8 (older) or 17 hexadecimal digits.
_AMI_ID = re.compile(r"^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_VALIDATION_FAILURE = "Unable to Describe Resource"
# One put (store, validate, maybe undo) at a time, so an undo never removes someone else's version.
_PUT_LOCK = threading.RLock()


def usable_image(account: str, region: str, image_id: str) -> bool:
    """Whether `account` may use AMI `image_id` in `region`: well formed, existing, available, and
    owned by the account, public, or shared with it (`amis.visible_to`)."""
    from moto.ec2.models import ec2_backends

    if not _AMI_ID.match(image_id):
        return False
    ami = ec2_backends[account][region].amis.get(image_id)
    if ami is None:
        ami = next((a for a in amis.shared_amis(account, region) if a.id == image_id), None)
    return ami is not None and ami.state == "available" and amis.visible_to(ami, account)


@dataclass
class _Pending:
    """A put whose `aws:ec2:image` validation is still running: the version it made, out of sight."""

    started: float
    parameter: Parameter
    tags: dict[str, str] | None  # the tags a new parameter was created with
    valid: bool
    detail: dict[str, Any]


# (account, region, normalized name) -> the put being validated.
_PENDING: dict[tuple[str, str, str], _Pending] = {}


# Where moto's put_parameter(self, name, ...) takes `data_type` among the arguments after `name`.
_DATA_TYPE_AT = list(inspect.signature(SimpleSystemManagerBackend.put_parameter).parameters).index("data_type") - 2


def _put_parameter(original: Callable[..., Parameter]) -> Callable[..., Parameter]:
    def put_parameter(self: SimpleSystemManagerBackend, name: str, *args: Any, **kwargs: Any) -> Parameter:
        key = self._parameters.normalize_name(name)
        with _PUT_LOCK:
            _settle(self)
            if (self.account_id, self.region_name, key) in _PENDING:
                raise SSMException(
                    "TooManyUpdates",
                    f"The validation of the last {IMAGE_DATA_TYPE} value of parameter {name} is still in progress.",
                )
            versions_before = list(dict.get(self._parameters, key) or [])
            given = args[_DATA_TYPE_AT] if len(args) > _DATA_TYPE_AT else None
            _refuse_data_type_change(name, versions_before, kwargs.get("data_type", given))
            stored = original(self, name, *args, **kwargs)
            operation = "Update" if versions_before else "Create"
            detail: dict[str, Any] = {"operation": operation, "name": stored.name, "type": stored.parameter_type}
            if stored.data_type != IMAGE_DATA_TYPE:
                if stored.description:
                    detail["description"] = stored.description
                _notify(self.account_id, self.region_name, stored.name, detail)
                return stored
            valid = usable_image(self.account_id, self.region_name, stored.value) and iam_enforce.caller_may(
                "ec2:DescribeImages"
            )
            if valid and stored.description:
                detail["description"] = stored.description
            elif not valid:
                detail.update(exception=_VALIDATION_FAILURE, dataType=IMAGE_DATA_TYPE)
            if propagation.window():
                tags = None if versions_before else dict(self._resource_tags["Parameter"].get(key) or {})
                _undo_put(self, key, versions_before)
                _PENDING[(self.account_id, self.region_name, key)] = _Pending(
                    time.monotonic(), stored, tags, valid, detail
                )
                return stored
            if not valid:
                _undo_put(self, key, versions_before)
        _notify(self.account_id, self.region_name, stored.name, detail)
        return stored

    return put_parameter


def _refuse_data_type_change(name: str, versions: list[Parameter], requested: str | None) -> None:
    if not versions or requested is None:
        return
    current = versions[-1].data_type
    if requested != current and (requested in _FIXED_DATA_TYPES or current in _FIXED_DATA_TYPES):
        raise ValidationException(
            f"Parameter {name} has data type {current}: it can't be changed to {requested}. A parameter can't be "
            f"changed to or from the data types {' or '.join(_FIXED_DATA_TYPES)}; delete it and create it again."
        )


def _settle(backend: SimpleSystemManagerBackend) -> None:
    """Finish the validations of this account and region that have run their time: a valid
    version appears (with a new parameter's tags), an invalid one never does."""
    done = [
        (key, pending)
        for key, pending in list(_PENDING.items())
        if key[:2] == (backend.account_id, backend.region_name) and propagation.settled(pending.started)
    ]
    for key, pending in done:
        del _PENDING[key]
        if pending.valid:
            backend._parameters[key[2]].append(pending.parameter)
            if pending.tags:
                backend.add_tags_to_resource("Parameter", key[2], pending.tags)
        _notify(backend.account_id, backend.region_name, pending.parameter.name, pending.detail)


def _settling(read: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(read)
    def settled_first(self: SimpleSystemManagerBackend, *args: Any, **kwargs: Any) -> Any:
        if _PENDING:
            with _PUT_LOCK:
                _settle(self)
        return read(self, *args, **kwargs)

    return settled_first


# Every backend method that reads or changes a parameter sees the validations that finished.
_SETTLED_FIRST = (
    "get_parameter",
    "get_parameters",
    "get_parameters_by_path",
    "get_parameter_history",
    "describe_parameters",
    "delete_parameter",
    "delete_parameters",
    "label_parameter_version",
    "unlabel_parameter_version",
    "add_tags_to_resource",
    "remove_tags_from_resource",
    "list_tags_for_resource",
)


def _undo_put(backend: SimpleSystemManagerBackend, key: str, versions_before: list[Parameter]) -> None:
    """Leave the parameter as it was before the put: absent (with the tags the put gave it) if
    it was new, else with its old versions (an overwrite cannot carry tags)."""
    if not versions_before:
        dict.pop(backend._parameters, key, None)
        backend._resource_tags["Parameter"].pop(key, None)
        return
    # Moto drops the oldest version at the 100-version limit, so the whole list is restored.
    backend._parameters[key][:] = versions_before


def _notify(account: str, region: str, name: str, detail: dict[str, Any]) -> None:
    """Send the "Parameter Store Change" event to the account's default event bus in `region`.

    Only an EventBridge backend that already exists can hold a rule, so none is created here.
    """
    from moto.events.models import events_backends

    regional = dict.get(events_backends, account)
    backend = dict.get(regional, region) if regional is not None else None
    if backend is None:
        return
    event = {
        "Source": "aws.ssm",
        "DetailType": "Parameter Store Change",
        "Detail": json.dumps(detail),
        "Resources": [parameter_arn(account, region, name)],
    }
    backend.put_events([event])


def _existing_parameter_only(original: Callable[..., Any]) -> Callable[..., Any]:
    # Moto looks the name up in a defaultdict, which leaves an empty entry behind for an unknown
    # name; later GetParameter calls on that name then fail with a 500.
    def labelling(self: SimpleSystemManagerBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        if not dict.get(self._parameters, self._parameters.normalize_name(name)):
            raise ParameterNotFound(f"Parameter {name} not found.")
        return original(self, name, *args, **kwargs)

    return labelling


def _selector(backend: SimpleSystemManagerBackend, requested: str) -> str | None:
    """The `:version` or `:label` part of a requested name (or ARN), if any."""
    parts = backend._strip_parameter_arn(requested).split(":")
    return f":{parts[1]}" if len(parts) == 2 else None


def _with_selector(backend: SimpleSystemManagerBackend, requested: str, answer: dict[str, Any]) -> dict[str, Any]:
    selector = _selector(backend, requested)
    return {**answer, "Selector": selector} if selector else answer


def _get_parameter_response(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def get_parameter(self: SimpleSystemManagerResponse) -> ActionResult:
        result = original(self).result
        assert isinstance(result, dict)
        parameter = _with_selector(self.ssm_backend, self._get_param("Name"), result["Parameter"])
        return ActionResult({**result, "Parameter": parameter})

    return get_parameter


def _get_parameters_response(self: SimpleSystemManagerResponse) -> ActionResult:
    """GetParameters as moto answers it, each parameter with the Selector its name asked for."""
    names = self._get_param("Names")
    decrypt = self._get_param("WithDecryption")
    found = self.ssm_backend.get_parameters(names)
    parameters = [
        _with_selector(self.ssm_backend, requested, parameter.response_object(decrypt, self.region))
        for requested, parameter in found.items()
    ]
    invalid = [name for name in names if name not in found]
    return ActionResult(_without_empty({"Parameters": parameters, "InvalidParameters": invalid}, "InvalidParameters"))


def _without_empty(result: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in result.items() if not (k in keys and v == [])}


def _get_parameter_history_response(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def get_parameter_history(self: SimpleSystemManagerResponse) -> ActionResult:
        result = original(self).result
        assert isinstance(result, dict)
        versions = [_without_empty(version, "Labels") for version in result["Parameters"]]
        return ActionResult({**result, "Parameters": versions})

    return get_parameter_history


def _dropping_empty_lists(original: Callable[..., ActionResult], *keys: str) -> Callable[..., ActionResult]:
    def answer(self: SimpleSystemManagerResponse) -> ActionResult:
        result = original(self).result
        assert isinstance(result, dict)
        return ActionResult(_without_empty(result, *keys))

    return answer


def _put_parameter_response(self: SimpleSystemManagerResponse) -> ActionResult:
    """PutParameter as moto answers it, except that an overwrite without DataType keeps the
    parameter's data type (moto sent `text`, converting an `aws:ec2:image` parameter)."""
    name = self._get_param("Name")
    data_type = self._get_param("DataType")
    if data_type is None:
        existing = dict.get(self.ssm_backend._parameters, self.ssm_backend._parameters.normalize_name(name))
        data_type = existing[-1].data_type if existing else "text"
    param = self.ssm_backend.put_parameter(
        name,
        self._get_param("Description"),
        self._get_param("Value"),
        self._get_param("Type"),
        self._get_param("AllowedPattern"),
        self._get_param("KeyId"),
        self._get_param("Overwrite", False),
        self._get_param("Tags"),
        data_type=data_type,
        tier=self._get_param("Tier"),
        policies=self._get_param("Policies"),
    )
    return ActionResult({"Version": param.version, "Tier": param.tier})


def install() -> None:
    """Patch moto's SSM backend and responses; call once per process."""
    backend, response = SimpleSystemManagerBackend, SimpleSystemManagerResponse
    for name in _SETTLED_FIRST:
        setattr(backend, name, _settling(getattr(backend, name)))
    backend.put_parameter = _put_parameter(backend.put_parameter)
    backend.label_parameter_version = _existing_parameter_only(backend.label_parameter_version)
    backend.unlabel_parameter_version = _existing_parameter_only(backend.unlabel_parameter_version)
    response.put_parameter = _put_parameter_response
    response.get_parameter = _get_parameter_response(response.get_parameter)
    response.get_parameters = _get_parameters_response
    response.get_parameter_history = _get_parameter_history_response(response.get_parameter_history)
    response.label_parameter_version = _dropping_empty_lists(response.label_parameter_version, "InvalidLabels")
    response.unlabel_parameter_version = _dropping_empty_lists(
        response.unlabel_parameter_version, "RemovedLabels", "InvalidLabels"
    )
