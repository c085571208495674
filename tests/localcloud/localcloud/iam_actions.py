"""Which IAM actions a request needs, on which resource ARNs, with which request condition keys.

`checks(request)` turns one API call into the authorizations AWS makes for it. The table
`OPERATIONS` maps (signing name, operation) to a rule; an operation not in it needs
`<prefix>:<Operation>` on `*`, which is right for every action without resource-level
permissions (the Describe/List/Get-everything kind). Extending the table is adding one line.

AWS facts relied on (Service Authorization Reference, "Actions, resources, and condition keys
for" Amazon EC2, Amazon EC2 Auto Scaling, EC2 Image Builder, IAM, AWS STS, AWS Organizations,
AWS RAM, AWS Systems Manager and AWS KMS):
- ARN formats: EC2 `arn:aws:ec2:REGION:ACCOUNT:launch-template/lt-…` (and `security-group/`,
  `instance/`, `subnet/`, `vpc/`, `volume/`, `network-interface/`, `image-usage-report/`), images and snapshots
  without an account (`arn:aws:ec2:REGION::image/ami-…`); Auto Scaling
  `arn:aws:autoscaling:REGION:ACCOUNT:autoScalingGroup:UUID:autoScalingGroupName/NAME`;
  Image Builder `arn:aws:imagebuilder:REGION:ACCOUNT:component/NAME/VERSION/BUILD` and kin
  (the ARNs the API takes); IAM `arn:aws:iam::ACCOUNT:role/PATH/NAME`, `instance-profile/`,
  `policy/`, `user/`; Organizations `arn:aws:organizations::MGMT:account/o-…/ID`, `ou/o-…/ou-…`,
  `root/o-…/r-…`; SSM `arn:aws:ssm:REGION:ACCOUNT:parameter/NAME` (public parameters under
  `/aws/` have no account); RAM `arn:aws:ram:REGION:ACCOUNT:resource-share/…`; KMS
  `arn:aws:kms:REGION:ACCOUNT:key/ID` (an alias names the key it points to; Create/Update/
  DeleteAlias also need the action on `…:alias/NAME`; ReEncrypt is `kms:ReEncryptFrom` on the
  source key and `kms:ReEncryptTo` on the destination).
- Image Builder's ListImageScanFindings and ListImageScanFindingAggregations have the optional
  resource types image and imagePipeline: the build version or pipeline their filter names,
  else `*`.
- EBS encryption by default (Enable/Disable/GetEbsEncryptionByDefault, Get/Modify/Reset
  EbsDefaultKmsKeyId) has no resource-level permissions: `ec2:<Operation>` on `*`.
- A create is authorized on the ARN of the resource to be, with `*` for the id AWS has not
  assigned yet (`launch-template/*`), and carries `aws:RequestTag/…` and `aws:TagKeys`.
- EC2 tag-on-create (EC2 User Guide, "Grant permission to tag resources during creation"):
  a create with TagSpecifications also needs `ec2:CreateTags` on the new resource, with
  `ec2:CreateAction` naming the create operation.
- Image Builder creates with `tags` also authorize `imagebuilder:TagResource` (the Service
  Authorization Reference lists it under each Create operation).
- `iam:PassRole` (IAM User Guide, "Grant a user permissions to pass a role"): needed by
  RunInstances with an instance profile, by Image Builder's Create/Update
  InfrastructureConfiguration (a dependent action in the reference) and by IAM's
  AddRoleToInstanceProfile (its API reference); `iam:PassedToService` is
  `ec2.amazonaws.com` for all three (AWS's own AWSImageBuilderFullAccess policy passes the
  instance-profile role under that condition).
- Resource tags: `aws:ResourceTag/K` everywhere, with the service spellings `ec2:`,
  `autoscaling:`, `iam:` and `ram:ResourceTag/K` beside it.
- Dependent actions (the reference's "Dependent actions" column), each asked only when the
  request uses what it is for: Image Builder's CreateImageRecipe reads every component it names
  (`imagebuilder:GetComponent`, AWS-managed and shared ones too) and its parent
  (`imagebuilder:GetImage`, `ec2:DescribeImages` for an AMI, `ssm:GetParameter` for `ssm:`);
  Create/UpdateInfrastructureConfiguration pass the profile's role, publish to its topic and
  read its placement; Create/UpdateDistributionConfiguration use the launch templates and
  parameters they name; Create/UpdateImagePipeline and CreateImage read the recipe and
  configurations they name and pass their execution role; StartImagePipelineExecution reads
  the pipeline. EC2 creates and RunInstances read a `resolve:ssm:` image id's parameter
  (`ssm:GetParameters`), as DescribeLaunchTemplateVersions does with `ResolveAlias`; creates that
  tag need `ec2:CreateTags`. RAM's EnableSharingWithAwsOrganization reads the organization and
  enables trusted access. Not modelled: `iam:CreateServiceLinkedRole` (the service-linked roles
  Auto Scaling and Image Builder create on first use, `localcloud.encrypted_launches`, are made
  without asking the caller), KMS permissions as dependent actions (the keys EC2 uses for a
  launching principal are decided by `localcloud.kms_access`), and S3 dependents.
- Auto Scaling (User Guide, "Control Amazon EC2 launch template usage in Auto Scaling groups",
  "Amazon EC2 Auto Scaling API permissions"): Create/UpdateAutoScalingGroup naming a launch
  template, and StartInstanceRefresh with a DesiredConfiguration naming one, need
  `ec2:RunInstances` on the template and what it launches with, `iam:PassRole` for its instance
  profile's role, `ec2:CreateTags` (with `ec2:CreateAction` RunInstances) when it tags instances
  or volumes and `ssm:GetParameters` for a `resolve:ssm:` image; a refusal is Auto Scaling's
  AccessDenied "You are not authorized to use launch template: ID" (the id or name the request
  gave; aws-cli users report it verbatim).
- `ram:CreateResourceShare` has no resource type: it is asked on `*` with the request's keys
  (`aws:RequestTag`, `aws:TagKeys`, `ram:RequestedResourceType`, `ram:ResourceArn`,
  `ram:Principal`, `ram:RequestedAllowsExternalPrincipals`); AssociateResourceShare carries the
  same `ram:` keys on the share's ARN.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, replace
from typing import Any, Callable
from urllib.parse import parse_qs

from localcloud import protocols
from localcloud.topology import TOPOLOGY

STAR = "*"
# Signing names whose IAM prefix differs (only the ones localcloud serves).
_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "events": "events"}


@dataclass(frozen=True)
class Target:
    """A resource a request acts on: its ARN and, lazily, its tags (None: no tags to show)."""

    arn: str
    tags: Callable[[], dict[str, str] | None] = lambda: None
    tag_prefixes: tuple[str, ...] = ("aws",)


@dataclass(frozen=True)
class Check:
    """One authorization: `action` on `target`, with the request's own condition keys."""

    action: str
    target: Target
    keys: dict[str, list[str]] = field(default_factory=dict)
    denial: str | None = None  # the message a refusal carries when the service words its own


class Request:
    """One AWS call as the table sees it: who acts where, and its parameters."""

    def __init__(self, call: protocols.Call, account: str, environ: dict[str, Any]) -> None:
        self.service = call.service
        self.operation = call.action
        self.account = account
        self.region = call.region
        self.form = call.form
        self._environ = environ

    def value(self, name: str) -> str | None:
        """A query/EC2-protocol parameter (`LaunchTemplateId`, `Tags.member.1.Key`)."""
        values = self.form.get(name)
        return values[0] if values else None

    def numbered(self, prefix: str, suffix: str = "") -> list[str]:
        """`prefix.1suffix`, `prefix.2suffix`, … until one is missing (EC2/query lists)."""
        found = []
        index = 1
        while (item := self.value(f"{prefix}.{index}{suffix}")) is not None:
            found.append(item)
            index += 1
        return found

    def pairs(self, prefix: str) -> dict[str, str]:
        """Tags written as `prefix.N.Key` / `prefix.N.Value` (EC2 `Tag`, query `Tags.member`)."""
        found = {}
        index = 1
        while (key := self.value(f"{prefix}.{index}.Key")) is not None:
            found[key] = self.value(f"{prefix}.{index}.Value") or ""
            index += 1
        return found

    @functools.cached_property
    def params(self) -> dict[str, Any]:
        """JSON body merged over the query string (JSON and REST-JSON protocols)."""
        merged: dict[str, Any] = {k: v[0] for k, v in parse_qs(self._environ.get("QUERY_STRING", "")).items()}
        if not self._environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            raw = protocols.read_body(self._environ) if self._environ.get("CONTENT_LENGTH") else b""
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                body = {}
            if isinstance(body, dict):
                merged.update(body)
        return merged

    @property
    def path(self) -> str:
        """The request path, decoded (REST routes carry ARNs in it)."""
        return self._environ.get("PATH_INFO", "/")

    def query(self, name: str) -> list[str]:
        """Every value of a query-string parameter (REST lists such as `tagKeys`)."""
        return parse_qs(self._environ.get("QUERY_STRING", "")).get(name, [])


Rule = Callable[[Request], list[Check]]


def checks(request: Request) -> list[Check]:
    """Every authorization `request` needs, primary action first."""
    rule = OPERATIONS.get((request.service, request.operation))
    if rule is not None:
        return rule(request)
    return [Check(f"{_PREFIX.get(request.service, request.service)}:{request.operation}", Target(STAR))]


# --- shared pieces ---------------------------------------------------------------------


def tag_keys(tags: dict[str, str]) -> dict[str, list[str]]:
    """`aws:RequestTag/K` and `aws:TagKeys` for tags a request sets (key names lower-cased)."""
    if not tags:
        return {}
    keys = {f"aws:requesttag/{k.lower()}": [v] for k, v in tags.items()}
    keys["aws:tagkeys"] = list(tags)
    return keys


def _tagging_keys(tags: dict[str, str], adding: bool) -> dict[str, list[str]]:
    """Keys of a tag or untag call: an untag names only keys, so it carries no RequestTag."""
    if adding:
        return tag_keys(tags)
    return {"aws:tagkeys": list(tags)} if tags else {}


def _json_tags(raw: Any, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """Tags in a JSON body: a map (Image Builder) or a list of key/value objects (SSM, RAM)."""
    if isinstance(raw, dict):
        return {str(k): str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {str(t.get(key, "")): str(t.get(value, "")) for t in raw if isinstance(t, dict)}
    return {}


def _on(
    action: str,
    targets: Callable[[Request], list[Target]],
    keys: Callable[[Request], dict[str, list[str]]] | None = None,
) -> Rule:
    """`action` on each target `targets` finds, every one with the same request keys."""

    def rule(request: Request) -> list[Check]:
        extra = keys(request) if keys else {}
        found = targets(request) or [Target(STAR)]
        return [Check(action, target, extra) for target in found]

    return rule


def _same(prefix: str, targets: Callable[[Request], list[Target]], *operations: str) -> dict[str, Rule]:
    """Operations that each need `prefix:<Operation>` on the same kind of target."""
    return {op: _on(f"{prefix}:{op}", targets) for op in operations}


def _named_by(
    prefix: str, finder: Callable[[str], Callable[[Request], list[Target]]], table: tuple[tuple[str, str], ...]
) -> dict[str, Rule]:
    """Operations whose target the request names in a member: `(operation, member)` pairs."""
    return {op: _on(f"{prefix}:{op}", finder(member)) for op, member in table}


def _pass_role(role_arn: str | None, service: str) -> list[Check]:
    if role_arn is None:
        return []
    target = Target(role_arn, _iam_role_tags_by_arn(role_arn), ("aws", "iam"))
    return [Check("iam:PassRole", target, {"iam:passedtoservice": [service]})]


# --- EC2 ----------------------------------------------------------------------------------

# Resource id prefix -> ARN resource type (EC2 API ids are typed by their prefix).
_EC2_KINDS = {
    "ami": "image",
    "snap": "snapshot",
    "lt": "launch-template",
    "sg": "security-group",
    "i": "instance",
    "subnet": "subnet",
    "vpc": "vpc",
    "vol": "volume",
    "eni": "network-interface",
    "key": "key-pair",
    "igw": "internet-gateway",
    "rtb": "route-table",
    "acl": "network-acl",
    "amiur": "image-usage-report",
}
_ACCOUNTLESS = {"image", "snapshot"}


def _ec2_backend(request: Request) -> Any:
    from moto.ec2.models import ec2_backends

    return ec2_backends[request.account][request.region]


def _ec2_target(request: Request, kind: str, resource_id: str) -> Target:
    account = "" if kind in _ACCOUNTLESS else request.account
    arn = f"arn:aws:ec2:{request.region}:{account}:{kind}/{resource_id}"
    if resource_id == STAR:
        return Target(arn, tag_prefixes=("aws", "ec2"))
    return Target(arn, lambda: dict(_ec2_backend(request).tags.get(resource_id) or {}), ("aws", "ec2"))


def _ec2_by_id(request: Request, resource_id: str) -> Target:
    kind = _EC2_KINDS.get(resource_id.split("-", 1)[0], "resource")
    return _ec2_target(request, kind, resource_id)


def _ec2_param(kind: str, *names: str) -> Callable[[Request], list[Target]]:
    """Targets named by a parameter (`ImageId`) or a numbered list of them (`InstanceId.N`)."""

    def targets(request: Request) -> list[Target]:
        ids: list[str] = []
        for name in names:
            single = request.value(name)
            ids += [single] if single is not None else request.numbered(name)
        return [_ec2_target(request, kind, i) for i in ids]

    return targets


def _launch_template(request: Request) -> list[Target]:
    template_id = request.value("LaunchTemplateId")
    name = request.value("LaunchTemplateName")
    if template_id is None and name is not None:
        template_id = _ec2_backend(request).launch_template_name_to_ids.get(name)
    return [_ec2_target(request, "launch-template", template_id or STAR)]


def _tag_specifications(request: Request, kind: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    index = 1
    while (resource_type := request.value(f"TagSpecification.{index}.ResourceType")) is not None:
        if resource_type == kind:
            tags.update(request.pairs(f"TagSpecification.{index}.Tag"))
        index += 1
    return tags


def _ec2_create(kind: str, also: Callable[[Request], list[Check]] | None = None) -> Rule:
    """A create on `kind/*`, plus `ec2:CreateTags` with `ec2:CreateAction` when it tags."""

    def rule(request: Request) -> list[Check]:
        tags = _tag_specifications(request, kind)
        target = _ec2_target(request, kind, STAR)
        found = [Check(f"ec2:{request.operation}", target, tag_keys(tags))]
        found += also(request) if also else []
        if tags:
            keys = {**tag_keys(tags), "ec2:createaction": [request.operation]}
            found.append(Check("ec2:CreateTags", target, keys))
        return found

    return rule


def _security_group_vpc(request: Request) -> list[Check]:
    vpc_id = request.value("VpcId")
    if vpc_id is None:
        default = [v for v in _ec2_backend(request).vpcs.values() if getattr(v, "is_default", False)]
        vpc_id = default[0].id if default else None
    return [Check("ec2:CreateSecurityGroup", _ec2_target(request, "vpc", vpc_id))] if vpc_id else []


def _ec2_tagging(request: Request) -> list[Check]:
    extra = _tagging_keys(request.pairs("Tag"), adding=request.operation == "CreateTags")
    ids = request.numbered("ResourceId")
    return [Check(f"ec2:{request.operation}", _ec2_by_id(request, i), extra) for i in ids] or [
        Check(f"ec2:{request.operation}", Target(STAR), extra)
    ]


def _usage_report_image(request: Request) -> list[Check]:
    """CreateImageUsageReport is authorized on the AMI it reports on as well as on the report."""
    return [Check("ec2:CreateImageUsageReport", _ec2_target(request, "image", request.value("ImageId") or STAR))]


def _run_instances(request: Request) -> list[Check]:
    """RunInstances' resources beside the instance itself, and the instance profile's role."""
    found = [Check("ec2:RunInstances", _ec2_target(request, kind, STAR)) for kind in ("network-interface", "volume")]
    if (image := request.value("ImageId")) is not None:
        found.append(Check("ec2:RunInstances", _ec2_target(request, "image", image)))
    found += [Check("ec2:RunInstances", t) for t in _launch_template_spec(request)]
    groups = request.numbered("SecurityGroupId")
    found += [Check("ec2:RunInstances", _ec2_target(request, "security-group", g)) for g in groups]
    found.append(Check("ec2:RunInstances", _ec2_target(request, "subnet", request.value("SubnetId") or STAR)))
    profile = request.value("IamInstanceProfile.Name") or _profile_name(request.value("IamInstanceProfile.Arn"))
    if profile is not None:
        found += _pass_role(_profile_role_arn(request.account, profile), "ec2.amazonaws.com")
    return found + _template_parameter(request)


def _launch_template_spec(request: Request) -> list[Target]:
    template_id = request.value("LaunchTemplate.LaunchTemplateId")
    name = request.value("LaunchTemplate.LaunchTemplateName")
    if template_id is None and name is None:
        return []
    if template_id is None:
        template_id = _ec2_backend(request).launch_template_name_to_ids.get(name)
    return [_ec2_target(request, "launch-template", template_id or STAR)]


def _template_parameter(request: Request) -> list[Check]:
    """`ssm:GetParameters` on the parameter a `resolve:ssm:` ImageId names (a dependent action of
    CreateLaunchTemplate, CreateLaunchTemplateVersion and RunInstances)."""
    from localcloud.ec2_resolve import PREFIX

    image = request.value("LaunchTemplateData.ImageId") or request.value("ImageId")
    if image is None or not image.startswith(PREFIX):
        return []
    return [Check("ssm:GetParameters", _ssm_target(request, _parameter_name(image[len(PREFIX):])))]


def _new_template_version(request: Request) -> list[Check]:
    found = [Check("ec2:CreateLaunchTemplateVersion", t) for t in _launch_template(request)]
    return found + _template_parameter(request)


def _template_versions(request: Request) -> list[Check]:
    """DescribeLaunchTemplateVersions with `ResolveAlias=true` reads the parameters the versions
    asked for name (`ssm:GetParameters`); it has no resource type of its own."""
    from moto.ec2.exceptions import EC2ClientError

    from localcloud.ec2_resolve import PREFIX

    found = [Check("ec2:DescribeLaunchTemplateVersions", Target(STAR))]
    if (request.value("ResolveAlias") or "").lower() != "true":
        return found
    backend = _ec2_backend(request)
    name = request.value("LaunchTemplateName")
    template = backend.launch_templates.get(
        request.value("LaunchTemplateId") or backend.launch_template_name_to_ids.get(name, "")
    )
    if template is None:
        return found
    try:
        versions = [template.get_version(v) for v in request.numbered("LaunchTemplateVersion")] or template.versions
    except EC2ClientError:
        return found
    images = {version.data.get("ImageId") for version in versions}
    return found + [
        Check("ssm:GetParameters", _ssm_target(request, _parameter_name(image[len(PREFIX):])))
        for image in sorted(i for i in images if isinstance(i, str) and i.startswith(PREFIX))
    ]


def _authorize_rules(request: Request) -> list[Check]:
    """Authorize rules on a group; tagging the new rules needs `ec2:CreateTags` (dependent action)."""
    found = [Check(f"ec2:{request.operation}", t) for t in _ec2_param("security-group", "GroupId")(request)]
    tags = _tag_specifications(request, "security-group-rule")
    if tags:
        keys = {**tag_keys(tags), "ec2:createaction": [request.operation]}
        found.append(Check("ec2:CreateTags", _ec2_target(request, "security-group-rule", STAR), keys))
    return found


_EC2: dict[str, Rule] = {
    "CreateLaunchTemplate": _ec2_create("launch-template", _template_parameter),
    "RegisterImage": _ec2_create("image"),
    "CreateImage": _ec2_create("image"),
    "CopyImage": _ec2_create("image"),
    "CreateLaunchTemplateVersion": _new_template_version,
    "DescribeLaunchTemplateVersions": _template_versions,
    "CreateSecurityGroup": _ec2_create("security-group", _security_group_vpc),
    "RunInstances": _ec2_create("instance", _run_instances),
    "CreateTags": _ec2_tagging,
    "DeleteTags": _ec2_tagging,
    **_same(
        "ec2",
        _launch_template,
        "ModifyLaunchTemplate",
        "DeleteLaunchTemplate",
        "DeleteLaunchTemplateVersions",
        "GetLaunchTemplateData",
    ),
    "AuthorizeSecurityGroupEgress": _authorize_rules,
    "AuthorizeSecurityGroupIngress": _authorize_rules,
    **_same(
        "ec2",
        _ec2_param("security-group", "GroupId"),
        "RevokeSecurityGroupEgress",
        "RevokeSecurityGroupIngress",
        "DeleteSecurityGroup",
        "ModifySecurityGroupRules",
        "UpdateSecurityGroupRuleDescriptionsEgress",
        "UpdateSecurityGroupRuleDescriptionsIngress",
    ),
    **_same(
        "ec2",
        _ec2_param("image", "ImageId"),
        "ModifyImageAttribute",
        "ResetImageAttribute",
        "DeregisterImage",
        "EnableImageDeprecation",
        "DisableImageDeprecation",
        "EnableImage",
        "DisableImage",
        "EnableImageDeregistrationProtection",
        "DisableImageDeregistrationProtection",
    ),
    **_same(
        "ec2",
        _ec2_param("snapshot", "SnapshotId"),
        "DeleteSnapshot",
        "ModifySnapshotAttribute",
        "ResetSnapshotAttribute",
    ),
    **_same(
        "ec2",
        _ec2_param("instance", "InstanceId"),
        "TerminateInstances",
        "StopInstances",
        "StartInstances",
        "RebootInstances",
        "ModifyInstanceAttribute",
    ),
    "CreateImageUsageReport": _ec2_create("image-usage-report", _usage_report_image),
    "DeleteImageUsageReport": _on("ec2:DeleteImageUsageReport", _ec2_param("image-usage-report", "ReportId")),
}


# --- Auto Scaling ---------------------------------------------------------------------------


def _asg_target(request: Request, name: str | None) -> Target:
    from moto.autoscaling.models import autoscaling_backends

    if name is None:
        return Target(STAR)
    group = autoscaling_backends[request.account][request.region].autoscaling_groups.get(name)
    if group is None:
        arn = f"arn:aws:autoscaling:{request.region}:{request.account}:autoScalingGroup:*:autoScalingGroupName/{name}"
        return Target(arn, tag_prefixes=("aws", "autoscaling"))
    return Target(group.arn, lambda: {t["Key"]: t.get("Value", "") for t in group.tags}, ("aws", "autoscaling"))


def _asg_named(request: Request) -> list[Target]:
    return [_asg_target(request, request.value("AutoScalingGroupName"))]


def _asg_create(request: Request) -> list[Check]:
    tags = tag_keys(request.pairs("Tags.member"))
    found = [Check("autoscaling:CreateAutoScalingGroup", _asg_named(request)[0], tags)]
    found += _pass_role(request.value("ServiceLinkedRoleARN"), "autoscaling.amazonaws.com")
    return found + _launch_template_use(request, "")


def _lifecycle_hook(request: Request) -> list[Check]:
    """PutLifecycleHook passes its notification role to Auto Scaling (`iam:PassRole`)."""
    found = [Check("autoscaling:PutLifecycleHook", _asg_named(request)[0])]
    return found + _pass_role(request.value("RoleARN"), "autoscaling.amazonaws.com")


def _asg_update(request: Request) -> list[Check]:
    found = [Check("autoscaling:UpdateAutoScalingGroup", _asg_named(request)[0])]
    return found + _launch_template_use(request, "")


def _instance_refresh(request: Request) -> list[Check]:
    found = [Check("autoscaling:StartInstanceRefresh", _asg_named(request)[0])]
    return found + _launch_template_use(request, "DesiredConfiguration.")


def _launch_template_named(request: Request, prefix: str) -> tuple[str | None, str | None, str]:
    """(id, name, version) of the launch template an Auto Scaling request names under `prefix`
    (`LaunchTemplate.…` or `MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.…`)."""
    for where in ("LaunchTemplate.", "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification."):
        template_id = request.value(f"{prefix}{where}LaunchTemplateId")
        name = request.value(f"{prefix}{where}LaunchTemplateName")
        if template_id or name:
            return template_id, name, request.value(f"{prefix}{where}Version") or "$Default"
    return None, None, "$Default"


def _launch_template_use(request: Request, prefix: str) -> list[Check]:
    """What Auto Scaling checks when a request names a launch template (User Guide, "Control
    Amazon EC2 launch template usage in Auto Scaling groups" and "Amazon EC2 Auto Scaling API
    permissions"): `ec2:RunInstances` on the template and what it launches with (its image,
    security groups, the group's subnets, a new instance, volumes and network interfaces),
    `iam:PassRole` for its instance profile's role, `ec2:CreateTags` when it tags instances or
    volumes, `ssm:GetParameters` when its image is a `resolve:ssm:` parameter. A refusal of any
    of them is AccessDenied "You are not authorized to use launch template: …"."""
    from localcloud.ec2_resolve import PREFIX

    from moto.ec2.exceptions import EC2ClientError

    given_id, given_name, version = _launch_template_named(request, prefix)
    if given_id is None and given_name is None:
        return []
    backend = _ec2_backend(request)
    template = backend.launch_templates.get(given_id or backend.launch_template_name_to_ids.get(given_name, ""))
    if template is None:
        # A template that does not exist is Auto Scaling's own ValidationError, not a denial.
        return []
    try:
        data = template.get_version(version).data
    except EC2ClientError:  # so is an unknown version
        return []
    denial = f"You are not authorized to use launch template: {given_id or given_name}"

    def run(kind: str, resource_id: str) -> Check:
        return Check("ec2:RunInstances", _ec2_target(request, kind, resource_id), denial=denial)

    found = [run("launch-template", template.id)]
    image = data.get("ImageId")
    if isinstance(image, str) and image.startswith(PREFIX):
        parameter = _ssm_target(request, _parameter_name(image[len(PREFIX):]))
        found.append(Check("ssm:GetParameters", parameter, denial=denial))
        image = _resolved(request, image)
    if isinstance(image, str) and image:
        found.append(run("image", image))
    found += [run(kind, STAR) for kind in ("instance", "volume", "network-interface")]
    found += [run("security-group", group) for group in data.get("SecurityGroupIds") or []]
    found += [run("subnet", subnet) for subnet in _group_subnets(request)]
    profile = data.get("IamInstanceProfile") or {}
    role = _profile_role_arn(request.account, profile.get("Name") or _profile_name(profile.get("Arn")))
    found += [replace(check, denial=denial) for check in _pass_role(role, "ec2.amazonaws.com")]
    for spec in data.get("TagSpecifications") or []:
        tags = {t.get("Key", ""): t.get("Value", "") for t in spec.get("Tags") or []}
        kind = spec.get("ResourceType")
        if tags and kind in ("instance", "volume", "network-interface"):
            keys = {**tag_keys(tags), "ec2:createaction": ["RunInstances"]}
            found.append(Check("ec2:CreateTags", _ec2_target(request, kind, STAR), keys, denial))
    return found


def _parameter_name(reference: str) -> str:
    """The parameter a `resolve:ssm:` reference names, without its `:version` or `:label`."""
    if reference.startswith("arn:"):
        return ":".join(reference.split(":")[:6])
    return reference.split(":", 1)[0]


def _resolved(request: Request, image: str) -> str | None:
    from moto.ec2.exceptions import EC2ClientError

    from localcloud.ec2_resolve import resolve_image_id

    try:
        return resolve_image_id(request.account, request.region, image)
    except EC2ClientError:  # an alias that does not resolve is EC2's own error at launch
        return None


def _group_subnets(request: Request) -> list[str]:
    """The subnets a group launches into: the request's VPCZoneIdentifier, else the group's."""
    from moto.autoscaling.models import autoscaling_backends

    zones = request.value("VPCZoneIdentifier")
    if zones is None:
        group = autoscaling_backends[request.account][request.region].autoscaling_groups.get(
            request.value("AutoScalingGroupName") or ""
        )
        zones = getattr(group, "vpc_zone_identifier", None)
    subnets = [z.strip() for z in (zones or "").split(",") if z.strip()]
    return subnets or [STAR]


def _asg_tagging(request: Request) -> list[Check]:
    extra = _tagging_keys(request.pairs("Tags.member"), adding=request.operation == "CreateOrUpdateTags")
    names = dict.fromkeys(request.numbered("Tags.member", ".ResourceId"))
    return [Check(f"autoscaling:{request.operation}", _asg_target(request, n), extra) for n in names]


_AUTOSCALING: dict[str, Rule] = {
    "CreateAutoScalingGroup": _asg_create,
    "UpdateAutoScalingGroup": _asg_update,
    "StartInstanceRefresh": _instance_refresh,
    "PutLifecycleHook": _lifecycle_hook,
    "CreateOrUpdateTags": _asg_tagging,
    "DeleteTags": _asg_tagging,
    **_same(
        "autoscaling",
        _asg_named,
        "DeleteAutoScalingGroup",
        "CancelInstanceRefresh",
        "RollbackInstanceRefresh",
        "SetDesiredCapacity",
        "SuspendProcesses",
        "ResumeProcesses",
        "AttachInstances",
        "DetachInstances",
        "SetInstanceProtection",
        "EnterStandby",
        "ExitStandby",
        "PutScalingPolicy",
        "DeleteLifecycleHook",
        "CompleteLifecycleAction",
        "PutWarmPool",
        "DeleteWarmPool",
        "PutScheduledUpdateGroupAction",
        "DeleteScheduledAction",
        "EnableMetricsCollection",
        "DisableMetricsCollection",
    ),
}


# --- Image Builder --------------------------------------------------------------------------


def _imagebuilder_tags(arn: str) -> Callable[[], dict[str, str] | None]:
    def load() -> dict[str, str] | None:
        from localcloud.imagebuilder.store import state_for

        parts = arn.split(":", 5)
        if len(parts) < 6:
            return None
        record = state_for(parts[4], parts[3]).tagged(arn)
        return dict(record.get("tags") or {}) if record else None

    return load


def _imagebuilder_arn(*members: str) -> Callable[[Request], list[Target]]:
    def targets(request: Request) -> list[Target]:
        for member in members:
            arn = request.params.get(member)
            if isinstance(arn, str) and arn:
                return [Target(arn, _imagebuilder_tags(arn))]
        return []

    return targets


def _imagebuilder_new(kind: str, version: bool = False, build: bool = False) -> Callable[[Request], Target]:
    """The ARN a create will give: `kind/NAME[/VERSION[/*]]`, the name as Image Builder spells it in ARNs.

    The build number is the service's to assign, so a new component's ARN ends in `/*`.
    """

    def target(request: Request) -> Target:
        from localcloud.imagebuilder.arns import arn_name

        name = request.params.get("name")
        resource = arn_name(name) if isinstance(name, str) else STAR
        arn = f"arn:aws:imagebuilder:{request.region}:{request.account}:{kind}/{resource}"
        if version:
            arn += f"/{request.params.get('semanticVersion') or STAR}"
        if build:
            arn += f"/{STAR}"
        return Target(arn)

    return target


def _instance_profile_pass_role(request: Request) -> list[Check]:
    profile = request.params.get("instanceProfileName")
    if not isinstance(profile, str):
        return []
    return _pass_role(_profile_role_arn(request.account, profile), "ec2.amazonaws.com")


def _imagebuilder_create(new: Callable[[Request], Target], also: Rule | None = None) -> Rule:
    def rule(request: Request) -> list[Check]:
        tags = _json_tags(request.params.get("tags"))
        target = new(request)
        found = [Check(f"imagebuilder:{request.operation}", target, tag_keys(tags))]
        found += also(request) if also else []
        if tags:
            found.append(Check("imagebuilder:TagResource", target, tag_keys(tags)))
        return found

    return rule


def _imagebuilder_tagging(request: Request) -> list[Check]:
    # PATH_INFO is already decoded: the ARN's own slashes are back in place.
    arn = request.path[len("/tags/"):] if request.path.startswith("/tags/") else STAR
    target = Target(arn, _imagebuilder_tags(arn)) if arn != STAR else Target(STAR)
    if request.operation == "TagResource":
        keys = tag_keys(_json_tags(request.params.get("tags")))
    elif request.operation == "UntagResource":
        keys = _tagging_keys(dict.fromkeys(request.query("tagKeys"), ""), adding=False)
    else:
        keys = {}
    return [Check(f"imagebuilder:{request.operation}", target, keys)]


def _scan_filtered(request: Request) -> list[Target]:
    """The images or pipelines a scan-findings request filters on (`filters`, or `filter` for aggregations)."""
    filters = request.params.get("filters")
    if not isinstance(filters, list):
        single = request.params.get("filter")
        filters = [single] if isinstance(single, dict) else []
    for entry in filters:
        if isinstance(entry, dict) and entry.get("name") in ("imageBuildVersionArn", "imagePipelineArn"):
            return [Target(v, _imagebuilder_tags(v)) for v in entry.get("values") or [] if isinstance(v, str)]
    return []


def _infrastructure_update(request: Request) -> list[Check]:
    targets = _imagebuilder_arn("infrastructureConfigurationArn")(request)
    found = [Check("imagebuilder:UpdateInfrastructureConfiguration", t) for t in targets]
    return found + _infrastructure_uses(request)


# --- Image Builder's dependent actions (Service Authorization Reference, EC2 Image Builder,
# column "Dependent actions"), each asked only when the request uses what it is for.


def _recipe_uses(request: Request) -> list[Check]:
    """CreateImageRecipe: `imagebuilder:GetComponent` on every component it names (AWS-managed
    and shared ones too), `imagebuilder:GetImage` on an Image Builder parent, `ec2:DescribeImages`
    for an AMI parent, `ssm:GetParameter` for an `ssm:` parent."""
    found = []
    for component in request.params.get("components") or []:
        arn = component.get("componentArn") if isinstance(component, dict) else None
        if isinstance(arn, str):
            found.append(Check("imagebuilder:GetComponent", Target(arn, _imagebuilder_tags(arn))))
    parent = request.params.get("parentImage")
    if isinstance(parent, str) and parent.startswith("arn:"):
        found.append(Check("imagebuilder:GetImage", Target(parent, _imagebuilder_tags(parent))))
    elif isinstance(parent, str) and parent.startswith("ami-"):
        found.append(Check("ec2:DescribeImages", Target(STAR)))
    elif isinstance(parent, str) and parent.startswith("ssm:"):
        found.append(Check("ssm:GetParameter", _ssm_target(request, parent[len("ssm:"):])))
    return found


def _infrastructure_uses(request: Request) -> list[Check]:
    """Create/UpdateInfrastructureConfiguration: `iam:PassRole` on the instance profile's role,
    `sns:Publish` on its topic, `ec2:DescribeHosts` / `resource-groups:GetGroup` for a placement
    on a host or host resource group, `ec2:DescribeAvailabilityZones` for one in a zone."""
    found = _instance_profile_pass_role(request)
    topic = request.params.get("snsTopicArn")
    if isinstance(topic, str):
        found.append(Check("sns:Publish", Target(topic)))
    placement = request.params.get("placement") if isinstance(request.params.get("placement"), dict) else {}
    if placement.get("availabilityZone"):
        found.append(Check("ec2:DescribeAvailabilityZones", Target(STAR)))
    if placement.get("hostId"):
        found.append(Check("ec2:DescribeHosts", Target(STAR)))
    if isinstance(placement.get("hostResourceGroupArn"), str):
        found.append(Check("resource-groups:GetGroup", Target(placement["hostResourceGroupArn"])))
    return found


def _distribution_uses(request: Request) -> list[Check]:
    """Create/UpdateDistributionConfiguration: for launch template configurations,
    `ec2:CreateLaunchTemplateVersion`, `ec2:DescribeLaunchTemplates` and (with
    `setDefaultVersion`) `ec2:ModifyLaunchTemplate`; `ssm:GetParameter` for SSM parameter
    outputs; `s3:ListBucket` for an S3 export."""
    found = []
    for distribution in request.params.get("distributions") or []:
        if not isinstance(distribution, dict):
            continue
        region = distribution.get("region") or request.region
        for config in distribution.get("launchTemplateConfigurations") or []:
            account = config.get("accountId") or request.account
            arn = f"arn:aws:ec2:{region}:{account}:launch-template/{config.get('launchTemplateId')}"
            found.append(Check("ec2:CreateLaunchTemplateVersion", Target(arn)))
            found.append(Check("ec2:DescribeLaunchTemplates", Target(STAR)))
            if config.get("setDefaultVersion"):
                found.append(Check("ec2:ModifyLaunchTemplate", Target(arn)))
        for config in distribution.get("ssmParameterConfigurations") or []:
            account = config.get("amiAccountId") or request.account
            name = str(config.get("parameterName", "")).lstrip("/")
            found.append(Check("ssm:GetParameter", Target(f"arn:aws:ssm:{region}:{account}:parameter/{name}")))
        bucket = (distribution.get("s3ExportConfiguration") or {}).get("s3Bucket")
        if isinstance(bucket, str):
            found.append(Check("s3:ListBucket", Target(f"arn:aws:s3:::{bucket}")))
    return found


def _pipeline_uses(request: Request) -> list[Check]:
    """CreateImagePipeline, UpdateImagePipeline, CreateImage: `imagebuilder:Get…` on the recipe,
    infrastructure and distribution configurations they name, `iam:PassRole` for an execution
    role, `inspector2:BatchGetAccountStatus` when image scanning is on."""
    found = []
    for member, action in (
        ("imageRecipeArn", "imagebuilder:GetImageRecipe"),
        ("containerRecipeArn", "imagebuilder:GetContainerRecipe"),
        ("infrastructureConfigurationArn", "imagebuilder:GetInfrastructureConfiguration"),
        ("distributionConfigurationArn", "imagebuilder:GetDistributionConfiguration"),
    ):
        arn = request.params.get(member)
        if isinstance(arn, str):
            found.append(Check(action, Target(arn, _imagebuilder_tags(arn))))
    for workflow in request.params.get("workflows") or []:
        arn = workflow.get("workflowArn") if isinstance(workflow, dict) else None
        if isinstance(arn, str):
            found.append(Check("imagebuilder:GetWorkflow", Target(arn)))
    role = request.params.get("executionRole")
    if isinstance(role, str):
        arn = role if role.startswith("arn:") else f"arn:aws:iam::{request.account}:role/{role}"
        found += _pass_role(arn, "imagebuilder.amazonaws.com")
    scanning = request.params.get("imageScanningConfiguration")
    if isinstance(scanning, dict) and scanning.get("imageScanningEnabled"):
        found.append(Check("inspector2:BatchGetAccountStatus", Target(STAR)))
    return found


def _pipeline_update(request: Request) -> list[Check]:
    found = [Check("imagebuilder:UpdateImagePipeline", t) for t in _imagebuilder_arn("imagePipelineArn")(request)]
    return found + _pipeline_uses(request)


def _distribution_update(request: Request) -> list[Check]:
    targets = _imagebuilder_arn("distributionConfigurationArn")(request)
    found = [Check("imagebuilder:UpdateDistributionConfiguration", t) for t in targets]
    return found + _distribution_uses(request)


def _pipeline_execution(request: Request) -> list[Check]:
    """StartImagePipelineExecution also reads the pipeline (`imagebuilder:GetImagePipeline`)."""
    targets = _imagebuilder_arn("imagePipelineArn")(request)
    found = [Check("imagebuilder:StartImagePipelineExecution", t) for t in targets]
    tags = _json_tags(request.params.get("tags"))
    found += [Check("imagebuilder:TagResource", t, tag_keys(tags)) for t in targets if tags]
    return found + [Check("imagebuilder:GetImagePipeline", t) for t in targets]


def _image_create(request: Request) -> list[Check]:
    tags = _json_tags(request.params.get("tags"))
    found = [Check("imagebuilder:CreateImage", Target(STAR), tag_keys(tags))] + _pipeline_uses(request)
    if tags:
        found.append(Check("imagebuilder:TagResource", Target(STAR), tag_keys(tags)))
    return found


_IMAGEBUILDER: dict[str, Rule] = {
    "CreateComponent": _imagebuilder_create(_imagebuilder_new("component", version=True, build=True)),
    "CreateImageRecipe": _imagebuilder_create(_imagebuilder_new("image-recipe", version=True), _recipe_uses),
    "CreateInfrastructureConfiguration": _imagebuilder_create(
        _imagebuilder_new("infrastructure-configuration"), _infrastructure_uses
    ),
    "CreateDistributionConfiguration": _imagebuilder_create(
        _imagebuilder_new("distribution-configuration"), _distribution_uses
    ),
    "CreateImagePipeline": _imagebuilder_create(_imagebuilder_new("image-pipeline"), _pipeline_uses),
    "CreateImage": _image_create,
    "UpdateInfrastructureConfiguration": _infrastructure_update,
    "UpdateDistributionConfiguration": _distribution_update,
    "UpdateImagePipeline": _pipeline_update,
    "StartImagePipelineExecution": _pipeline_execution,
    "TagResource": _imagebuilder_tagging,
    "UntagResource": _imagebuilder_tagging,
    "ListTagsForResource": _imagebuilder_tagging,
    **_same("imagebuilder", _scan_filtered, "ListImageScanFindings", "ListImageScanFindingAggregations"),
    **_named_by(
        "imagebuilder",
        _imagebuilder_arn,
        (
            ("GetComponent", "componentBuildVersionArn"),
            ("DeleteComponent", "componentBuildVersionArn"),
            ("ListComponentBuildVersions", "componentVersionArn"),
            ("GetImageRecipe", "imageRecipeArn"),
            ("DeleteImageRecipe", "imageRecipeArn"),
            ("GetInfrastructureConfiguration", "infrastructureConfigurationArn"),
            ("DeleteInfrastructureConfiguration", "infrastructureConfigurationArn"),
            ("GetDistributionConfiguration", "distributionConfigurationArn"),
            ("DeleteDistributionConfiguration", "distributionConfigurationArn"),
            ("GetImagePipeline", "imagePipelineArn"),
            ("DeleteImagePipeline", "imagePipelineArn"),
            ("ListImagePipelineImages", "imagePipelineArn"),
            ("GetImage", "imageBuildVersionArn"),
            ("DeleteImage", "imageBuildVersionArn"),
            ("CancelImageCreation", "imageBuildVersionArn"),
            ("ListImageBuildVersions", "imageVersionArn"),
            ("ListWorkflowExecutions", "imageBuildVersionArn"),
        )
    ),
}

# --- IAM and STS --------------------------------------------------------------------------------


def _iam_backend(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _iam_role(account: str, name: str) -> Any:
    return next((r for r in _iam_backend(account).roles.values() if r.name == name), None)


def _iam_role_tags_by_arn(arn: str) -> Callable[[], dict[str, str] | None]:
    def load() -> dict[str, str] | None:
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return None
        role = _iam_role(parts[4], parts[5].rsplit("/", 1)[-1])
        return {t["Key"]: t["Value"] for t in role.tags} if role is not None else None

    return load


def _iam_path(path: str | None) -> str:
    path = path or "/"
    return path if path.endswith("/") else path + "/"


def _iam_entity(request: Request, kind: str, member: str, find: Callable[[str, str], Any]) -> list[Target]:
    """The role, instance profile or user `member` names: its ARN with its path (a create's `Path`) and tags."""
    name = request.value(member)
    if name is None:
        return []
    entity = find(request.account, name)
    path = entity.path if entity is not None else request.value("Path")

    def tags() -> dict[str, str] | None:
        listed = getattr(entity, "tags", None)
        return {t["Key"]: t["Value"] for t in listed} if isinstance(listed, list) else None

    return [Target(f"arn:aws:iam::{request.account}:{kind}{_iam_path(path)}{name}", tags, ("aws", "iam"))]


def _role_target(request: Request) -> list[Target]:
    return _iam_entity(request, "role", "RoleName", _iam_role)


def _profile(account: str, name: str) -> Any:
    return next((p for p in _iam_backend(account).instance_profiles.values() if p.name == name), None)


def _profile_name(arn: str | None) -> str | None:
    return arn.rsplit("/", 1)[-1] if arn else None


def _profile_role_arn(account: str, profile_name: str | None) -> str | None:
    profile = _profile(account, profile_name) if profile_name else None
    return profile.roles[0].arn if profile is not None and profile.roles else None


def _profile_target(request: Request) -> list[Target]:
    return _iam_entity(request, "instance-profile", "InstanceProfileName", _profile)


def _policy_target(request: Request) -> list[Target]:
    arn = request.value("PolicyArn")
    if arn is None and (name := request.value("PolicyName")) is not None:
        arn = f"arn:aws:iam::{request.account}:policy{_iam_path(request.value('Path'))}{name}"
    return [Target(arn)] if arn else []


def _user_target(request: Request) -> list[Target]:
    return _iam_entity(request, "user", "UserName", lambda account, name: _iam_backend(account).users.get(name))


def _iam_tags(request: Request) -> dict[str, list[str]]:
    return tag_keys(request.pairs("Tags.member"))


def _policy_arn_key(request: Request) -> dict[str, list[str]]:
    arn = request.value("PolicyArn")
    return {"iam:policyarn": [arn]} if arn else {}


def _add_role_to_profile(request: Request) -> list[Check]:
    found = [Check("iam:AddRoleToInstanceProfile", t) for t in _profile_target(request)]
    roles = _role_target(request)
    return found + (_pass_role(roles[0].arn, "ec2.amazonaws.com") if roles else [])


_IAM: dict[str, Rule] = {
    "CreateRole": _on("iam:CreateRole", _role_target, _iam_tags),
    "TagRole": _on("iam:TagRole", _role_target, _iam_tags),
    "AttachRolePolicy": _on("iam:AttachRolePolicy", _role_target, _policy_arn_key),
    "DetachRolePolicy": _on("iam:DetachRolePolicy", _role_target, _policy_arn_key),
    "CreateInstanceProfile": _on("iam:CreateInstanceProfile", _profile_target, _iam_tags),
    "AddRoleToInstanceProfile": _add_role_to_profile,
    "CreatePolicy": _on("iam:CreatePolicy", _policy_target, _iam_tags),
    "CreateUser": _on("iam:CreateUser", _user_target, _iam_tags),
    **_same(
        "iam",
        _role_target,
        "GetRole",
        "DeleteRole",
        "UpdateRole",
        "UpdateRoleDescription",
        "UpdateAssumeRolePolicy",
        "PutRolePolicy",
        "GetRolePolicy",
        "DeleteRolePolicy",
        "ListRolePolicies",
        "ListAttachedRolePolicies",
        "ListInstanceProfilesForRole",
        "UntagRole",
        "ListRoleTags",
        "PutRolePermissionsBoundary",
        "DeleteRolePermissionsBoundary",
    ),
    **_same(
        "iam",
        _profile_target,
        "GetInstanceProfile",
        "DeleteInstanceProfile",
        "RemoveRoleFromInstanceProfile",
        "TagInstanceProfile",
        "UntagInstanceProfile",
        "ListInstanceProfileTags",
    ),
    **_same(
        "iam",
        _policy_target,
        "GetPolicy",
        "DeletePolicy",
        "GetPolicyVersion",
        "CreatePolicyVersion",
        "DeletePolicyVersion",
        "ListPolicyVersions",
        "SetDefaultPolicyVersion",
        "ListEntitiesForPolicy",
        "TagPolicy",
        "UntagPolicy",
    ),
    **_same(
        "iam",
        _user_target,
        "GetUser",
        "DeleteUser",
        "CreateAccessKey",
        "DeleteAccessKey",
        "ListAccessKeys",
        "PutUserPolicy",
        "DeleteUserPolicy",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "ListAttachedUserPolicies",
        "ListUserPolicies",
        "ListGroupsForUser",
    ),
}


def _assume_role(request: Request) -> list[Check]:
    arn = request.value("RoleArn") or STAR
    keys: dict[str, list[str]] = {}
    if (external_id := request.value("ExternalId")) is not None:
        keys["sts:externalid"] = [external_id]
    if (session := request.value("RoleSessionName")) is not None:
        keys["sts:rolesessionname"] = [session]
    return [Check("sts:AssumeRole", Target(arn, _iam_role_tags_by_arn(arn), ("aws", "iam")), keys)]


_STS: dict[str, Rule] = {"AssumeRole": _assume_role}


# --- Organizations ------------------------------------------------------------------------------


def _org_arn(kind: str, resource_id: str) -> str:
    return f"arn:aws:organizations::{TOPOLOGY.management_account}:{kind}/{TOPOLOGY.organization_id}/{resource_id}"


def _org_target(resource_id: Any) -> Target:
    if not isinstance(resource_id, str):
        return Target(STAR)
    if resource_id.startswith("ou-"):
        return Target(_org_arn("ou", resource_id))
    if resource_id.startswith("r-"):
        return Target(_org_arn("root", resource_id))
    if resource_id.startswith("p-"):
        return Target(STAR)
    return Target(_org_arn("account", resource_id))


def _org_param(member: str) -> Callable[[Request], list[Target]]:
    return lambda request: [_org_target(request.params.get(member))]


def _org_tagging(request: Request) -> list[Check]:
    tags = _json_tags(request.params.get("Tags"))
    if request.operation == "UntagResource":
        tags = dict.fromkeys(request.params.get("TagKeys") or [], "")
    keys = _tagging_keys(tags, adding=request.operation == "TagResource")
    return [Check(f"organizations:{request.operation}", _org_target(request.params.get("ResourceId")), keys)]


_ORGANIZATIONS: dict[str, Rule] = {
    # MoveAccount names three resources: the account, where it leaves and where it goes.
    "MoveAccount": _on(
        "organizations:MoveAccount",
        lambda request: [
            _org_target(request.params.get(member)) for member in ("AccountId", "SourceParentId", "DestinationParentId")
        ],
    ),
    "TagResource": _org_tagging,
    "UntagResource": _org_tagging,
    **_named_by(
        "organizations",
        _org_param,
        (
            ("DescribeAccount", "AccountId"),
            ("DescribeOrganizationalUnit", "OrganizationalUnitId"),
            ("ListParents", "ChildId"),
            ("ListChildren", "ParentId"),
            ("ListAccountsForParent", "ParentId"),
            ("ListOrganizationalUnitsForParent", "ParentId"),
            ("ListTagsForResource", "ResourceId"),
            ("ListPoliciesForTarget", "TargetId"),
            ("CreateOrganizationalUnit", "ParentId"),
            ("UpdateOrganizationalUnit", "OrganizationalUnitId"),
            ("DeleteOrganizationalUnit", "OrganizationalUnitId"),
            ("RegisterDelegatedAdministrator", "AccountId"),
            ("DeregisterDelegatedAdministrator", "AccountId"),
            ("ListDelegatedServicesForAccount", "AccountId"),
            ("CloseAccount", "AccountId"),
            ("RemoveAccountFromOrganization", "AccountId"),
        ),
    ),
}


# --- SSM and RAM --------------------------------------------------------------------------------


def _ssm_target(request: Request, name: Any) -> Target:
    if not isinstance(name, str):
        return Target(STAR)
    if name.startswith("arn:"):
        return Target(name)
    bare = name.lstrip("/")
    account = "" if bare.startswith("aws/") else request.account

    def tags() -> dict[str, str] | None:
        from moto.ssm.models import ssm_backends

        stored = ssm_backends[request.account][request.region]._resource_tags.get("Parameter", {})
        found = stored.get(name) or stored.get("/" + bare)
        return dict(found) if found else None

    return Target(f"arn:aws:ssm:{request.region}:{account}:parameter/{bare}", tags)


def _ssm_names(member: str) -> Callable[[Request], list[Target]]:
    """Parameters named by `member`: one name (`Name`, `Path`) or a list (`Names`)."""

    def targets(request: Request) -> list[Target]:
        value = request.params.get(member)
        names = value if isinstance(value, list) else [value] if value is not None else []
        return [_ssm_target(request, name) for name in names]

    return targets


def _ssm_put(request: Request) -> list[Check]:
    tags = _json_tags(request.params.get("Tags"))
    return [Check("ssm:PutParameter", t, tag_keys(tags)) for t in _ssm_names("Name")(request)]


_SSM: dict[str, Rule] = {
    "PutParameter": _ssm_put,
    **_named_by(
        "ssm",
        _ssm_names,
        (
            ("GetParameter", "Name"),
            ("GetParameters", "Names"),
            ("DeleteParameter", "Name"),
            ("DeleteParameters", "Names"),
            ("GetParameterHistory", "Name"),
            ("LabelParameterVersion", "Name"),
            ("UnlabelParameterVersion", "Name"),
            ("GetParametersByPath", "Path"),
        ),
    ),
}


def _ram_share(request: Request) -> list[Target]:
    arn = request.params.get("resourceShareArn") or request.params.get("resourceArn")
    return [Target(arn, _ram_share_tags(arn), ("aws", "ram"))] if isinstance(arn, str) else []


def _ram_share_tags(arn: str) -> Callable[[], dict[str, str] | None]:
    """A resource share's tags (`aws:ResourceTag`, `ram:ResourceTag`)."""

    def load() -> dict[str, str] | None:
        from localcloud.ram.shares import SHARES

        share = SHARES.get(arn)
        return dict(share.tags) if share is not None else None

    return load


def _ram_request_keys(request: Request) -> dict[str, list[str]]:
    """The request condition keys of a create or associate (Service Authorization Reference, AWS
    RAM): `ram:RequestedResourceType` and `ram:ResourceArn` of the resources, `ram:Principal` of
    the principals, `ram:RequestedAllowsExternalPrincipals` when the request sets it."""
    from localcloud.ram.shares import resource_type

    resources = [r for r in request.params.get("resourceArns") or [] if isinstance(r, str)]
    principals = [p for p in request.params.get("principals") or [] if isinstance(p, str)]
    keys: dict[str, list[str]] = {}
    if resources:
        keys["ram:resourcearn"] = resources
        kinds = [kind for kind in (resource_type(arn) for arn in resources) if kind]
        if kinds:
            keys["ram:requestedresourcetype"] = list(dict.fromkeys(kinds))
    if principals:
        keys["ram:principal"] = principals
    external = request.params.get("allowExternalPrincipals")
    if isinstance(external, bool):
        keys["ram:requestedallowsexternalprincipals"] = ["true" if external else "false"]
    return keys


def _ram_create(request: Request) -> list[Check]:
    """CreateResourceShare has no resource type: it is authorized on `*`, by the request's tags
    and its `ram:` request keys; a share that does not exist yet has no `aws:ResourceTag`."""
    tags = _json_tags(request.params.get("tags"), "key", "value")
    keys = {**tag_keys(tags), **_ram_request_keys(request)}
    return [Check("ram:CreateResourceShare", Target(STAR), keys)]


def _ram_associate(request: Request) -> list[Check]:
    return [Check("ram:AssociateResourceShare", target, _ram_request_keys(request)) for target in _ram_share(request)]


def _ram_organization_sharing(request: Request) -> list[Check]:
    """EnableSharingWithAwsOrganization also reads the organization and enables RAM's trusted
    access in it (its dependent actions; the service-linked role it may create is not modelled)."""
    return [
        Check("ram:EnableSharingWithAwsOrganization", Target(STAR)),
        Check("organizations:DescribeOrganization", Target(STAR)),
        Check("organizations:EnableAWSServiceAccess", Target(STAR)),
    ]


_RAM: dict[str, Rule] = {
    "CreateResourceShare": _ram_create,
    "EnableSharingWithAwsOrganization": _ram_organization_sharing,
    "AssociateResourceShare": _ram_associate,
    **_same(
        "ram",
        _ram_share,
        "DisassociateResourceShare",
        "DeleteResourceShare",
        "UpdateResourceShare",
        "ListResourceSharePermissions",
        "AssociateResourceSharePermission",
        "DisassociateResourceSharePermission",
        "TagResource",
        "UntagResource",
    ),
}


# --- KMS ------------------------------------------------------------------------------------------


def _kms_key_target(request: Request, key_id: Any) -> Target:
    """The key a KeyId names (id, key ARN, alias name or alias ARN) as its key ARN."""
    from localcloud import kms_keys

    text = str(key_id)
    operation = request.operation
    key = kms_keys.find(
        text,
        request.account,
        request.region,
        cross_account=operation in kms_keys.CROSS_ACCOUNT,
        aliases=operation in kms_keys.ALIASES_ACCEPTED or operation.endswith("Alias"),
    )
    if key is None:
        return Target(kms_keys.arn_of(text, request.account, request.region))
    return Target(key.arn, lambda: kms_keys.tags_of(key))


def _ciphertext_key(request: Request) -> Any:
    """Decrypt without KeyId: the key id moto writes at the head of its ciphertexts."""
    import base64
    import binascii

    blob = request.params.get("CiphertextBlob")
    try:
        return base64.b64decode(str(blob))[:36].decode() if blob else None
    except (binascii.Error, UnicodeDecodeError):
        return None


def _kms_keys(request: Request) -> dict[str, list[str]]:
    """Condition keys of a KMS request (AWS KMS Developer Guide, "AWS KMS condition keys")."""
    params = request.params
    keys: dict[str, list[str]] = {"kms:calleraccount": [request.account]}
    context = params.get("EncryptionContext") or params.get("DestinationEncryptionContext")
    if isinstance(context, dict):
        keys["kms:encryptioncontextkeys"] = list(context)
        keys.update({f"kms:encryptioncontext:{k.lower()}": [str(v)] for k, v in context.items()})
    if request.operation == "CreateGrant":
        for member, key in (("GranteePrincipal", "kms:granteeprincipal"), ("RetiringPrincipal", "kms:retiringprincipal")):
            if isinstance(params.get(member), str):
                keys[key] = [params[member]]
        if isinstance(params.get("Operations"), list):
            keys["kms:grantoperations"] = [str(op) for op in params["Operations"]]
        if isinstance(params.get("Constraints"), dict):
            keys["kms:grantconstrainttype"] = list(params["Constraints"])
    return keys


def _kms_on_key(request: Request) -> list[Check]:
    key_id = request.params.get("KeyId")
    if key_id is None and request.operation == "Decrypt":
        key_id = _ciphertext_key(request)
    target = _kms_key_target(request, key_id) if key_id is not None else Target(STAR)
    return [Check(f"kms:{request.operation}", target, _kms_keys(request))]


def _kms_alias(request: Request) -> list[Check]:
    """Create/Update/DeleteAlias: the alias and the key it points to (Service Authorization Reference)."""
    name = str(request.params.get("AliasName") or "")
    alias = Target(f"arn:aws:kms:{request.region}:{request.account}:{name}")
    key_id = request.params.get("TargetKeyId") or (name if request.operation == "DeleteAlias" else None)
    found = [Check(f"kms:{request.operation}", alias, _kms_keys(request))]
    if key_id is not None:
        found.append(Check(f"kms:{request.operation}", _kms_key_target(request, key_id), _kms_keys(request)))
    return found


def _kms_re_encrypt(request: Request) -> list[Check]:
    source = request.params.get("SourceKeyId") or _ciphertext_key(request)
    found = [Check("kms:ReEncryptTo", _kms_key_target(request, request.params.get("DestinationKeyId")), _kms_keys(request))]
    if source is not None:
        found.insert(0, Check("kms:ReEncryptFrom", _kms_key_target(request, source), _kms_keys(request)))
    return found


def _kms_create_key(request: Request) -> list[Check]:
    tags = _json_tags(request.params.get("Tags"), "TagKey", "TagValue")
    keys = {**tag_keys(tags), "kms:calleraccount": [request.account]}
    for member, key in (("KeySpec", "kms:keyspec"), ("KeyUsage", "kms:keyusage"), ("Origin", "kms:keyorigin")):
        if isinstance(request.params.get(member), str):
            keys[key] = [request.params[member]]
    found = [Check("kms:CreateKey", Target(STAR), keys)]
    if tags:
        found.append(Check("kms:TagResource", Target(STAR), keys))
    return found


def _kms_tagging(request: Request) -> list[Check]:
    if request.operation == "TagResource":
        keys = tag_keys(_json_tags(request.params.get("Tags"), "TagKey", "TagValue"))
    else:
        keys = _tagging_keys(dict.fromkeys(request.params.get("TagKeys") or [], ""), adding=False)
    target = _kms_key_target(request, request.params.get("KeyId"))
    return [Check(f"kms:{request.operation}", target, {**keys, "kms:calleraccount": [request.account]})]


# KMS operations that act on the key their KeyId names (the Service Authorization Reference's
# "key" resource); ListKeys, ListAliases, ListRetirableGrants and GenerateRandom act on `*`.
_KMS_KEY_OPERATIONS = (
    "CancelKeyDeletion",
    "CreateGrant",
    "Decrypt",
    "DescribeKey",
    "DisableKey",
    "DisableKeyRotation",
    "EnableKey",
    "EnableKeyRotation",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateMac",
    "GetKeyPolicy",
    "GetKeyRotationStatus",
    "GetPublicKey",
    "ListGrants",
    "ListKeyPolicies",
    "ListKeyRotations",
    "ListResourceTags",
    "PutKeyPolicy",
    "ReplicateKey",
    "RevokeGrant",
    "RotateKeyOnDemand",
    "ScheduleKeyDeletion",
    "Sign",
    "UpdateKeyDescription",
    "Verify",
    "VerifyMac",
)

_KMS: dict[str, Rule] = {
    **{op: _kms_on_key for op in _KMS_KEY_OPERATIONS},
    "CreateAlias": _kms_alias,
    "UpdateAlias": _kms_alias,
    "DeleteAlias": _kms_alias,
    "ReEncrypt": _kms_re_encrypt,
    "CreateKey": _kms_create_key,
    "TagResource": _kms_tagging,
    "UntagResource": _kms_tagging,
}


OPERATIONS: dict[tuple[str, str], Rule] = {
    **{("ec2", op): rule for op, rule in _EC2.items()},
    **{("autoscaling", op): rule for op, rule in _AUTOSCALING.items()},
    **{("imagebuilder", op): rule for op, rule in _IMAGEBUILDER.items()},
    **{("iam", op): rule for op, rule in _IAM.items()},
    **{("sts", op): rule for op, rule in _STS.items()},
    **{("organizations", op): rule for op, rule in _ORGANIZATIONS.items()},
    **{("ssm", op): rule for op, rule in _SSM.items()},
    **{("ram", op): rule for op, rule in _RAM.items()},
    **{("kms", op): rule for op, rule in _KMS.items()},
}
