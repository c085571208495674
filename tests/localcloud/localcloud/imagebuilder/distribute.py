"""What a finished build leaves in moto: AMIs, launch permissions, SSM parameters and new
launch template versions, as the distribution configuration asks.

Facts from the Image Builder user guide ("Manage distribution settings", "Create and update
AMI distribution configurations") and the workflow step reference (ApplyImageConfigurations):
- each distribution region gets an AMI named by `amiDistributionConfiguration.name`, where
  `{{imagebuilder:buildVersion}}` is the build number and `{{imagebuilder:buildDate}}` the
  build date (`2022-08-24T04-13-00.262Z`);
- with `targetAccountIds` the AMI is copied to (and owned by) each of those accounts;
- the AMI carries the recipe's and the distribution's `amiTags`, plus `CreatedBy` and
  `Ec2ImageBuilderArn` (the image build version ARN);
- `launchTemplateConfigurations` add a launch template version (in `accountId`, else the
  producer) with the new image id, made default when `setDefaultVersion` is true;
- `ssmParameterConfigurations` write the AMI id into Parameter Store (in `amiAccountId`);
- the AMI made from the build instance (CreateImage) names the parent AMI as its
  SourceImageId and the build Region as SourceImageRegion; every other AMI is a copy of it
  (CopyImage) and names it (EC2 User Guide, "Identify the source AMI used to create a new AMI");
- work in another account goes through a role there, so an account localcloud's topology
  does not know fails the distribution, as an unreachable account would;
- encryption (AmiDistributionConfiguration `kmsKeyId`: "The KMS key identifier used to encrypt
  the distributed image"): with a key, the distributed AMI's snapshots are encrypted with it;
  without one they are encrypted with the account's default EBS key when encryption by default
  is on (the build instance's volumes are, and copies follow the destination's setting), else
  not. Image Builder encrypts through EC2 as the producer's service-linked role
  `AWSServiceRoleForImageBuilder` (localcloud checks that role, not the instance profile or
  a target account's distribution role, against the key: localcloud.kms_access);
- an AMI encrypted with an AWS managed key cannot be shared (localcloud.ebs_encryption): a
  `launchPermission` for other accounts, an organization or an OU fails the distribution the
  way Image Builder reports EC2 errors: "Not all distribution jobs are completed. 1) EC2 Client
  Error: '<EC2's message>' when distributing the image from the source account (ID: …) to the
  destination account (ID: …) in Region …".
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, UTC

from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ec2.utils import random_ami_id
from moto.iam.models import iam_backends
from moto.core.exceptions import ServiceException
from moto.ssm.models import ssm_backends
from werkzeug.exceptions import HTTPException

from localcloud import ebs_encryption, encrypted_launches, kms_access, kms_keys
from localcloud.amis import add_launch_permissions
from localcloud.topology import TOPOLOGY

CREATED_BY = "EC2 Image Builder"


class DistributionError(Exception):
    """A distribution step the service would fail the image on; `reason` is the image's whole
    state reason when Image Builder words it itself (else "Distribution failed: …")."""

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


def _jobs_failed(message: str, source: str, destination: str, region: str) -> DistributionError:
    """An EC2 error in a distribution job, as Image Builder reports it."""
    reason = (
        f"Not all distribution jobs are completed. 1) EC2 Client Error: '{message}' when distributing the image "
        f"from the source account (ID: {source}) to the destination account (ID: {destination}) in Region {region}."
    )
    return DistributionError(message, reason)


class BuiltAmi(Ami):
    """An AMI whose block device mappings come from the image recipe and whose source (the AMI
    it was made or copied from) DescribeImages reports as SourceImageId/SourceImageRegion."""

    def __init__(self, *args, recipe_mappings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.recipe_mappings = list(recipe_mappings)
        self.source_image_id: str | None = None
        self.source_image_region: str | None = None

    @property
    def block_device_mappings(self):
        # The recipe's volumes are snapshots of the build instance too: encrypted as its root is.
        encrypted = bool(self.ebs_snapshot.encrypted)
        extra = [_ec2_mapping(m) for m in self.recipe_mappings]
        for mapping in extra:
            if "Ebs" in mapping:
                mapping["Ebs"]["Encrypted"] = encrypted or mapping["Ebs"].get("Encrypted") is True
        return super().block_device_mappings + extra


def _ec2_mapping(mapping: dict) -> dict:
    result: dict = {"DeviceName": mapping.get("deviceName")}
    ebs = mapping.get("ebs")
    if ebs:
        names = {
            "encrypted": "Encrypted",
            "deleteOnTermination": "DeleteOnTermination",
            "iops": "Iops",
            "kmsKeyId": "KmsKeyId",
            "snapshotId": "SnapshotId",
            "volumeSize": "VolumeSize",
            "volumeType": "VolumeType",
            "throughput": "Throughput",
        }
        result["Ebs"] = {names[key]: value for key, value in ebs.items() if key in names}
    if mapping.get("virtualName"):
        result["VirtualName"] = mapping["virtualName"]
    if "noDevice" in mapping:
        result["NoDevice"] = mapping["noDevice"]
    return result


def build_date(epoch: float) -> str:
    """`{{imagebuilder:buildDate}}`: the build's start in UTC, with dashes for colons."""
    moment = datetime.fromtimestamp(epoch, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H-%M-%S.") + f"{moment.microsecond // 1000:03d}Z"


def render_name(template: str, build_number: int, epoch: float) -> str:
    """An AMI name with the Image Builder variables filled in."""
    rendered = re.sub(r"\{\{\s*imagebuilder:buildVersion\s*\}\}", str(build_number), template)
    return re.sub(r"\{\{\s*imagebuilder:buildDate\s*\}\}", build_date(epoch), rendered)


def check_launch_prerequisites(account: str, region: str, infrastructure: dict) -> str | None:
    """Why the build instance could not be launched, if it could not."""
    profile = infrastructure.get("instanceProfileName")
    try:
        iam_backends[account]["aws"].get_instance_profile(profile)
    except Exception:
        return f"The instance profile '{profile}' does not exist in account {account}."
    ec2 = ec2_backends[account][region]
    subnet = infrastructure.get("subnetId")
    if subnet:
        try:
            ec2.get_subnet(subnet)
        except Exception:
            return f"The subnet ID '{subnet}' does not exist (InvalidSubnetID.NotFound)."
    for group in infrastructure.get("securityGroupIds") or []:
        if ec2.get_security_group_from_id(group) is None:
            return f"The security group '{group}' does not exist (InvalidGroup.NotFound)."
    return None


def distribute(
    build_arn: str, account: str, region: str, image: dict, epoch: float, build_number: int, parent: Ami | None
) -> list[dict]:
    """Create the distributed AMIs and apply the distribution's configurations; the image's
    `outputResources.amis`. `parent` is the AMI the build started from (None: an Amazon AMI
    stands in). Raises DistributionError when a configuration cannot be applied."""
    try:
        return _distribute(build_arn, account, region, image, epoch, build_number, parent)
    except ServiceException as error:
        raise DistributionError(f"{error.code}: {error.message}") from error
    except HTTPException as error:
        raise DistributionError(str(error.description)) from error


def _reachable(producer: str, account: str, what: str) -> None:
    if account != producer and account not in TOPOLOGY.accounts:
        raise DistributionError(
            f"Could not assume role EC2ImageBuilderDistributionCrossAccountRole in account {account} for {what}."
        )


def _distribute(
    build_arn: str, account: str, region: str, image: dict, epoch: float, build_number: int, parent: Ami | None
) -> list[dict]:
    recipe = image["imageRecipe"]
    configuration = image.get("distributionConfiguration") or {"distributions": [{"region": region}]}
    outputs: list[dict] = []
    produced: list[tuple[dict, dict[str, str]]] = []
    parent = parent or _stand_in(ec2_backends[account][region])
    registered: list[BuiltAmi] = []
    for distribution in configuration["distributions"]:
        target_region = distribution["region"]
        ami_settings = distribution.get("amiDistributionConfiguration") or {}
        name = render_name(
            ami_settings.get("name") or f"{recipe['name']} {{{{imagebuilder:buildDate}}}}", build_number, epoch
        )
        description = ami_settings.get("description") or recipe.get("description")
        tags = {**(recipe.get("amiTags") or {}), **(ami_settings.get("amiTags") or {})}
        tags.update({"CreatedBy": CREATED_BY, "Ec2ImageBuilderArn": build_arn})
        owners = ami_settings.get("targetAccountIds") or [account]
        amis: dict[str, str] = {}
        for owner in owners:
            _reachable(account, owner, "the AMI copy")
            ami = _register(owner, target_region, name, description, tags, recipe, parent)
            registered.append(ami)
            amis[owner] = ami.id
            _encrypt(ami, account, region, ami_settings.get("kmsKeyId"))
            permission = ami_settings.get("launchPermission") or {}
            if permission:
                _refuse_unshareable(ami, permission, account)
                add_launch_permissions(
                    owner,
                    target_region,
                    ami.id,
                    user_ids=permission.get("userIds") or (),
                    groups=permission.get("userGroups") or (),
                    organization_arns=permission.get("organizationArns") or (),
                    ou_arns=permission.get("organizationalUnitArns") or (),
                )
            output = {"region": target_region, "image": ami.id, "name": name, "accountId": owner}
            if description:
                output["description"] = description
            output["state"] = {"status": "AVAILABLE"}
            outputs.append(output)
        produced.append((distribution, amis))
    _trace_sources(registered, account, region, parent)
    for distribution, amis in produced:
        _integrate(account, distribution, amis)
    return outputs


def _encrypt(ami: "BuiltAmi", producer: str, build_region: str, kms_key_id: str | None) -> None:
    """Encrypt a distributed AMI's snapshot as Image Builder would, or fail the distribution when its
    service-linked role may not use the key."""
    owner, region = ami.owner_id, ami.ec2_backend.region_name
    if kms_key_id:
        key = ebs_encryption.key_arn(kms_key_id, producer, region)
    elif ebs_encryption.encrypts_by_default(producer, build_region) or ebs_encryption.encrypts_by_default(owner, region):
        key = ebs_encryption.default_key_arn(owner, region)
    else:
        return
    if owner == producer:
        role = kms_access.service_linked_principal(producer, "imagebuilder.amazonaws.com")
        refused = kms_access.refusal(role, kms_keys.find(key, producer, region), region, ami.ebs_snapshot.volume.id)
        if refused is not None:
            raise _jobs_failed(refused, producer, owner, region)
    ami.ebs_snapshot.encrypted, ami.ebs_snapshot.kms_key_id = True, key


def _refuse_unshareable(ami: "BuiltAmi", permission: dict, producer: str) -> None:
    permissions = (
        [{"UserId": u} for u in permission.get("userIds") or ()]
        + [{"Group": g} for g in permission.get("userGroups") or ()]
        + [{"OrganizationArn": a} for a in permission.get("organizationArns") or ()]
        + [{"OrganizationalUnitArn": a} for a in permission.get("organizationalUnitArns") or ()]
    )
    refused = ebs_encryption.sharing_refusal(ami, permissions)
    if refused is not None:
        raise _jobs_failed(refused.message, producer, ami.owner_id, ami.ec2_backend.region_name)


def build_launch_refusal(account: str, region: str, parent: Ami | None) -> str | None:
    """Why the build instance would be terminated at launch: a KMS key (of the parent's snapshots, or
    the default EBS key) that Image Builder's service-linked role may not use."""
    role = kms_access.service_linked_principal(account, "imagebuilder.amazonaws.com")
    backend = ec2_backends[account][region]
    refused = encrypted_launches.launch_refusal(role, backend, parent or _stand_in(backend))
    if refused is None:
        return None
    return f"The build instance was terminated: {encrypted_launches.STATE_MESSAGE}. {refused}"


def _trace_sources(registered: list["BuiltAmi"], account: str, region: str, parent: Ami | None) -> None:
    """The build's own AMI (the producer's, in the build Region) was made from the parent; the
    others are copies of it (or of the parent, when the producer keeps no AMI there)."""
    origin = next(
        (ami for ami in registered if ami.owner_id == account and ami.ec2_backend.region_name == region), None
    )
    for ami in registered:
        source = parent if ami is origin or origin is None else origin
        ami.source_image_id, ami.source_image_region = (source.id, region) if source is not None else (None, None)


def _register(
    owner: str, region: str, name: str, description: str | None, tags: dict, recipe: dict, source: Ami | None
) -> "BuiltAmi":
    backend = ec2_backends[owner][region]
    ami_id = random_ami_id()
    # Image Builder snapshots an EBS-backed build instance, so its AMIs are EBS-backed.
    ami = BuiltAmi(
        backend,
        ami_id,
        source_ami=source,
        name=name,
        description=description,
        owner_id=owner,
        root_device_type="ebs",
        root_device_name=source.root_device_name if source is not None else "/dev/xvda",
        region_name=f"{region}a",
        tags=tags,
        recipe_mappings=recipe.get("blockDeviceMappings") or [],
    )
    if recipe.get("platform") != "Windows":
        ami.platform = None
    backend.amis[ami_id] = ami
    return ami


def _stand_in(backend) -> Ami | None:
    """Any Amazon-owned Linux AMI moto holds, so architecture and virtualization look like a
    real image's when the parent is not an AMI moto has."""
    for ami in backend.amis.values():
        if ami.owner_alias == "amazon" and ami.platform != "windows":
            return ami
    return None


def _integrate(producer: str, distribution: dict, amis: dict[str, str]) -> None:
    region = distribution["region"]
    default_image = amis.get(producer) or next(iter(amis.values()))
    for parameter in distribution.get("ssmParameterConfigurations") or []:
        account = parameter.get("amiAccountId") or producer
        _reachable(producer, account, f"SSM parameter {parameter['parameterName']}")
        ssm_backends[account][region].put_parameter(
            name=parameter["parameterName"],
            description=None,
            value=amis.get(account, default_image),
            parameter_type="String",
            allowed_pattern=None,
            keyid=None,
            overwrite=True,
            tags=None,
            data_type=parameter.get("dataType") or "text",
            tier=None,
            policies=None,
        )
    for launch in distribution.get("launchTemplateConfigurations") or []:
        account = launch.get("accountId") or producer
        _reachable(producer, account, f"launch template {launch['launchTemplateId']}")
        backend = ec2_backends[account][region]
        template = backend.launch_templates.get(launch["launchTemplateId"])
        if template is None:
            raise DistributionError(
                f"Launch template '{launch['launchTemplateId']}' was not found in account {account} in region {region}."
            )
        data = copy.deepcopy(template.default_version().data)
        data["ImageId"] = amis.get(account, default_image)
        version = template.create_version(data, None)
        if launch.get("setDefaultVersion"):
            template.default_version_number = version.number
