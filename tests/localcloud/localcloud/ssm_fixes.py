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

Moto 5.2.5 stores an `aws:ec2:image` parameter whatever its value. Here the validation runs
inside the PutParameter call but after moto stored the new version, and its outcome is never
reflected in the answer: the caller gets 200 with the new Version either way, and any request
that arrives after the answer sees the outcome (the parameter created or updated, or left as it
was). That is AWS's behaviour once its validation has finished, with no window in which it is
still running.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ssm.exceptions import ParameterNotFound
from moto.ssm.models import Parameter, SimpleSystemManagerBackend
from moto.ssm.responses import SimpleSystemManagerResponse
from moto.ssm.utils import parameter_arn

from localcloud import amis

IMAGE_DATA_TYPE = "aws:ec2:image"
# AMI ids are `ami-` and 8 (older) or 17 hexadecimal digits.
_AMI_ID = re.compile(r"^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
_VALIDATION_FAILURE = "Unable to Describe Resource"
# One put (store, validate, maybe undo) at a time, so an undo never removes someone else's version.
_PUT_LOCK = threading.Lock()


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


def _put_parameter(original: Callable[..., Parameter]) -> Callable[..., Parameter]:
    def put_parameter(self: SimpleSystemManagerBackend, name: str, *args: Any, **kwargs: Any) -> Parameter:
        key = self._parameters.normalize_name(name)
        with _PUT_LOCK:
            versions_before = list(dict.get(self._parameters, key) or [])
            stored = original(self, name, *args, **kwargs)
            operation = "Update" if versions_before else "Create"
            detail: dict[str, Any] = {"operation": operation, "name": stored.name, "type": stored.parameter_type}
            image = stored.data_type == IMAGE_DATA_TYPE
            if image and not usable_image(self.account_id, self.region_name, stored.value):
                _undo_put(self, key, versions_before)
                detail.update(exception=_VALIDATION_FAILURE, dataType=IMAGE_DATA_TYPE)
            elif stored.description:
                detail["description"] = stored.description
        _notify(self.account_id, self.region_name, stored.name, detail)
        return stored

    return put_parameter


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


def install() -> None:
    """Patch moto's SSM backend and responses; call once per process."""
    backend, response = SimpleSystemManagerBackend, SimpleSystemManagerResponse
    backend.put_parameter = _put_parameter(backend.put_parameter)
    backend.label_parameter_version = _existing_parameter_only(backend.label_parameter_version)
    backend.unlabel_parameter_version = _existing_parameter_only(backend.unlabel_parameter_version)
    response.get_parameter = _get_parameter_response(response.get_parameter)
    response.get_parameters = _get_parameters_response
    response.get_parameter_history = _get_parameter_history_response(response.get_parameter_history)
    response.label_parameter_version = _dropping_empty_lists(response.label_parameter_version, "InvalidLabels")
    response.unlabel_parameter_version = _dropping_empty_lists(
        response.unlabel_parameter_version, "RemovedLabels", "InvalidLabels"
    )
