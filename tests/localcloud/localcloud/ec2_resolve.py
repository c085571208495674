"""`resolve:ssm:` image ids: launch templates and RunInstances that name a Parameter Store
parameter instead of an AMI.

AWS facts relied on:
- EC2 API Reference, RequestLaunchTemplateData.ImageId: the AMI id, or `resolve:ssm:name`,
  `resolve:ssm:name:version-number`, `resolve:ssm:name:label` (or a parameter ARN in place of
  the name); "The Systems Manager parameter will resolve to an AMI ID on launch". The SSM User
  Guide ("Native parameter support for Amazon Machine Image IDs") runs
  `aws ec2 run-instances --image-id resolve:ssm:/golden-ami`, so RunInstances takes it too.
- EC2 User Guide, "Use a Systems Manager parameter instead of an AMI ID": the parameter must
  exist and have the data type `aws:ec2:image` when the template (version) is created; EC2
  answers `SsmInvalidParameter` otherwise: "The following aliases are invalid: ..." for a
  parameter (or version, or label) that does not exist, "Unsupported data type. The following
  parameter data types are supported: aws:ec2:image" for any other data type. The same holds at
  launch time.
- DescribeLaunchTemplateVersions returns the `resolve:ssm:` string as the ImageId; with
  `ResolveAlias=true` it returns the AMI id the parameter holds now.

Resolution happens in the launching account and region, when the instance is launched, so an
Auto Scaling group (moto launches through `run_instances`) picks up a moved parameter without a
new template version. `resolve_image_id` is the whole rule; other RunInstances checks (can this
account launch that AMI) apply to what it returns.
"""

from __future__ import annotations

from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend
from moto.ec2.responses.launch_templates import LaunchTemplates
from moto.ssm.exceptions import ParameterVersionNotFound
from moto.ssm.models import ssm_backends

from localcloud.ssm_fixes import IMAGE_DATA_TYPE

PREFIX = "resolve:ssm:"


def resolve_image_id(account: str, region: str, image_id: str) -> str:
    """The AMI id `image_id` stands for in `account` and `region`: itself unless it is a
    `resolve:ssm:` reference, else the referenced parameter version's value.

    Raises `SsmInvalidParameter` (EC2ClientError) when the parameter, version or label does not
    exist, or the parameter's data type is not `aws:ec2:image`.
    """
    if not image_id.startswith(PREFIX):
        return image_id
    reference = image_id[len(PREFIX):]
    try:
        parameter = ssm_backends[account][region].get_parameter(reference)
    except ParameterVersionNotFound:
        parameter = None
    if parameter is None:
        raise EC2ClientError("SsmInvalidParameter", f"The following aliases are invalid: {reference}")
    if parameter.data_type != IMAGE_DATA_TYPE:
        raise EC2ClientError(
            "SsmInvalidParameter",
            f"Unsupported data type. The following parameter data types are supported: {IMAGE_DATA_TYPE}",
        )
    return parameter.value


def _check_template_data(backend: Any, data: dict[str, Any]) -> None:
    image_id = data.get("ImageId")
    if isinstance(image_id, str):
        resolve_image_id(backend.account_id, backend.region_name, image_id)


def _create_launch_template(original: Callable[..., LaunchTemplate]) -> Callable[..., LaunchTemplate]:
    # Checked before moto builds the template: its constructor tags the new id in the backend,
    # which would leave tags of a template that was never created.
    def create_launch_template(
        self: Any, name: str, description: str, template_data: dict[str, Any], tag_spec: Any
    ) -> LaunchTemplate:
        _check_template_data(self, template_data)
        return original(self, name, description, template_data, tag_spec)

    return create_launch_template


def _create_version(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_version(self: LaunchTemplate, data: dict[str, Any], description: str) -> Any:
        _check_template_data(self.ec2_backend, data)
        return original(self, data, description)

    return create_version


def _run_instances(original: Callable[..., Any]) -> Callable[..., Any]:
    def run_instances(self: Any, image_id: str | None, count: int, *args: Any, **kwargs: Any) -> Any:
        # Without an ImageId the launch template's applies; passing the resolved id makes moto
        # launch that instead of reading the template's reference again.
        template = kwargs.get("launch_template")
        effective = image_id or (self._get_template_from_args(template).image_id if template else None)
        if effective:
            image_id = resolve_image_id(self.account_id, self.region_name, effective)
        return original(self, image_id, count, *args, **kwargs)

    return run_instances


def _describe_launch_template_versions(original: Callable[..., ActionResult]) -> Callable[..., ActionResult]:
    def describe_launch_template_versions(self: Any) -> ActionResult:
        answer = original(self)
        if not self._get_bool_param("ResolveAlias", False):
            return answer
        result = answer.result
        assert isinstance(result, dict)
        backend = self.ec2_backend
        versions = []
        for version in result["LaunchTemplateVersions"]:
            data = version["LaunchTemplateData"]
            image_id = data.get("ImageId")
            if isinstance(image_id, str) and image_id.startswith(PREFIX):
                # A copy: moto hands out the stored template data itself.
                data = {**data, "ImageId": resolve_image_id(backend.account_id, backend.region_name, image_id)}
            versions.append({**version, "LaunchTemplateData": data})
        return ActionResult({**result, "LaunchTemplateVersions": versions})

    return describe_launch_template_versions


def install() -> None:
    """Patch moto's EC2 launch templates and RunInstances; call once per process, after any
    other patch of `run_instances`, so that resolution comes first."""
    LaunchTemplateBackend.create_launch_template = _create_launch_template(LaunchTemplateBackend.create_launch_template)
    LaunchTemplate.create_version = _create_version(LaunchTemplate.create_version)
    InstanceBackend.run_instances = _run_instances(InstanceBackend.run_instances)
    LaunchTemplates.describe_launch_template_versions = _describe_launch_template_versions(
        LaunchTemplates.describe_launch_template_versions
    )
