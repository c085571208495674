"""Image Builder configuration resources: components, image recipes, infrastructure and
distribution configurations, image pipelines, and tags.

Facts from the Image Builder API reference and user guide:
- components and recipes are immutable: there is no Update operation for them;
- creating a component with a name and version that exist gives it the next build number
  ("EC2 Image Builder now supports auto-versioning", 2025-11), while a recipe name and
  version that exist is ResourceAlreadyExistsException ("The following resource
  'ImageRecipe' already exists: 'ARN'."); a recipe version may be a wildcard (`1.0.x`),
  which takes the next free version;
- a recipe's parent image is an AMI id, an Image Builder image ARN (AWS-managed ones like
  `arn:aws:imagebuilder:REGION:aws:image/amazon-linux-2-x86/x.x.x` included), an SSM
  parameter prefixed `ssm:`, or a Marketplace product id; recipes need a build component;
- deleting a resource something still uses is ResourceDependencyException;
- an infrastructure configuration's instance profile must exist where Image Builder looks:
  one that does not, or that IAM made less than `propagation_seconds` ago (IAM is eventually
  consistent, see `localcloud.propagation`), is InvalidParameterValueException "The value
  supplied for parameter 'instanceProfileName' is not valid. The provided instance profile does
  not exist. Please specify a different instance profile and try again." (aws-cdk#11441);
- the account's first pipeline creates Image Builder's service-linked role
  AWSServiceRoleForImageBuilder (the Service Authorization Reference lists
  `iam:CreateServiceLinkedRole` as a dependent action of CreateImagePipeline).
"""

from __future__ import annotations

import re

from localcloud import encrypted_launches, propagation

from . import arns, scanning, sharing
from .arns import Arn, make_arn, parse_arn, version_key
from .builds import now
from .documents import parse_document
from .protocol import ServiceError, invalid_value, project
from .store import State, apply_filters, idempotent, paginate, timestamp

_MANAGED_OS = (
    ("amazon-linux-2023", "Amazon Linux 2023"),
    ("amazon-linux-2", "Amazon Linux 2"),
    ("ubuntu-server-24", "Ubuntu 24"),
    ("ubuntu-server-22", "Ubuntu 22"),
    ("ubuntu-server-20", "Ubuntu 20"),
    ("windows-server-2022", "Microsoft Windows Server 2022"),
    ("windows-server-2019", "Microsoft Windows Server 2019"),
)


def not_found(kind: str, arn: str) -> ServiceError:
    """The service's answer for a resource that does not exist."""
    return ServiceError("ResourceNotFoundException", f"The {kind} '{arn}' does not exist.")


def _already_exists(kind: str, arn: str) -> ServiceError:
    return ServiceError("ResourceAlreadyExistsException", f"The following resource '{kind}' already exists: '{arn}'.")


def _in_use(arn: str, users: list[str]) -> ServiceError:
    return ServiceError(
        "ResourceDependencyException",
        f"Resource dependency error: the resource '{arn}' is used by {', '.join(sorted(users))}.",
    )


def _own(arn: Arn, member: str, kind: str) -> None:
    if arn.kind != kind:
        raise invalid_value(member, f"The ARN must be of an Image Builder {kind}.")


def select(records: dict[str, dict], arn: Arn) -> dict | None:
    """The newest record (by version, then build) that a possibly-wildcard ARN selects."""
    candidates = [
        record
        for record in records.values()
        if arns.arn_name(record["name"]) == arn.name and arn.matches(record["version"], record.get("_build", 0))
    ]
    return max(candidates, key=lambda r: (version_key(r["version"]), r.get("_build", 0)), default=None)


def public(record: dict) -> dict:
    """A record without localcloud's own bookkeeping."""
    return {key: value for key, value in record.items() if not key.startswith("_")}


def _listing(params: dict, records: list[dict], shape: str, key: str, filters: tuple[str, ...]) -> dict:
    items = apply_filters([public(r) for r in records], params.get("filters"), filters)
    items.sort(key=lambda r: (r["name"], version_key(r["version"]) if "version" in r else ()))
    page, token = paginate([project(item, shape) for item in items], params)
    return {key: page, "nextToken": token}


# Components


def create_component(state: State, params: dict) -> dict:
    def create():
        if params.get("uri"):
            raise invalid_value(
                "uri", "localcloud reads component documents from 'data' only; pass the YAML document inline."
            )
        if not params.get("data"):
            raise ServiceError("InvalidRequestException", "Either 'data' or 'uri' must be specified.")
        document = parse_document(params["data"])
        name, version = params["name"], params["semanticVersion"]
        arns.check_wildcards(version, "semanticVersion")
        if params.get("dryRun"):
            raise ServiceError("DryRunOperationException", "The request would have succeeded, but dryRun was set.")
        builds = [r["_build"] for r in state.components.values() if r["name"] == name and r["version"] == version]
        build = max(builds, default=0) + 1
        arn = make_arn(state.region, state.account, "component", name, version, build)
        record = {
            "arn": arn,
            "name": name,
            "version": version,
            "description": params.get("description"),
            "changeDescription": params.get("changeDescription"),
            "type": document.component_type,
            "platform": params["platform"],
            "supportedOsVersions": params.get("supportedOsVersions"),
            "state": {"status": "ACTIVE"},
            "parameters": list(document.parameters) or None,
            "owner": state.account,
            "data": params["data"],
            "kmsKeyId": params.get("kmsKeyId"),
            "encrypted": True,
            "dateCreated": timestamp(now()),
            "tags": params.get("tags") or {},
            "obfuscate": False,
            "_build": build,
        }
        state.components[arn] = record
        state.documents[arn] = document
        return {
            "clientToken": params["clientToken"],
            "componentBuildVersionArn": arn,
            "latestVersionReferences": arns.latest_version_references(
                state.region, state.account, "component", name, version
            ),
        }

    return idempotent(state, "CreateComponent", params, create)


def _component(state: State, text: str, member: str, action: str = "GetComponent") -> dict:
    arn = parse_arn(text, member)
    _own(arn, member, "component")
    if sharing.is_foreign(state, arn):
        shared = {a: record for a, (_, record) in sharing.components(state, arn.account).items()}
        record = select(shared, arn) if arn.region == state.region else None
        if record is None:
            raise sharing.forbidden(state, action, text)
        return record
    record = select(state.components, arn) if arn.account == state.account and arn.region == state.region else None
    if record is None:
        raise not_found("component", text)
    return record


def component_document(state: State, text: str) -> tuple[dict | None, object]:
    """The component build version a reference selects (own or shared) and its document;
    (None, None) for an AWS-managed component, whose document localcloud does not hold."""
    if not parse_arn(text, "componentArn").account[0].isdigit():
        return None, None
    record = _component(state, text, "componentArn")
    owner = sharing.owner_state(record["arn"]) or state
    return record, owner.documents[record["arn"]]


def get_component(state: State, params: dict) -> dict:
    record = _component(state, params["componentBuildVersionArn"], "componentBuildVersionArn")
    return {
        "component": project(public(record), "Component"),
        "latestVersionReferences": arns.latest_version_references(
            state.region, record["owner"], "component", record["name"], record["version"]
        ),
    }


def list_components(state: State, params: dict) -> dict:
    records = sharing.by_owner(
        params, state.components.values(), lambda: [record for _, record in sharing.components(state).values()]
    )
    newest: dict[tuple, dict] = {}
    for record in records:
        key = (record["owner"], record["name"]) + (() if params.get("byName") else (record["version"],))
        if key not in newest or version_key(record["version"]) > version_key(newest[key]["version"]):
            newest[key] = record
    versions = [
        {
            **record,
            "arn": make_arn(state.region, record["owner"], "component", record["name"], record["version"]),
            "status": record["state"]["status"],
        }
        for record in newest.values()
    ]
    filters = ("name", "platform", "supportedOsVersion", "type", "version")
    return _listing(params, versions, "ComponentVersion", "componentVersionList", filters)


def list_component_build_versions(state: State, params: dict) -> dict:
    text = params.get("componentVersionArn")
    records = list(state.components.values())
    if text:
        arn = parse_arn(text, "componentVersionArn")
        if sharing.is_foreign(state, arn):
            records = [record for _, record in sharing.components(state, arn.account).values()]
        records = [r for r in records if arns.arn_name(r["name"]) == arn.name and r["version"] == arn.version]
    records.sort(key=lambda r: r["_build"])
    page, token = paginate([project(public(r), "ComponentSummary") for r in records], params)
    return {"componentSummaryList": page, "nextToken": token}


def delete_component(state: State, params: dict) -> dict:
    text = params["componentBuildVersionArn"]
    if sharing.is_foreign(state, parse_arn(text, "componentBuildVersionArn")):
        raise sharing.forbidden(state, "DeleteComponent", text)
    record = _component(state, text, "componentBuildVersionArn")
    if record["arn"] != text:
        raise not_found("component", text)
    users = [
        recipe["arn"]
        for recipe in state.recipes.values()
        for reference in recipe.get("components") or []
        if _references(reference["componentArn"], record)
    ]
    if users:
        raise _in_use(text, users)
    del state.components[text]
    del state.documents[text]
    return {"componentBuildVersionArn": text}


def _references(text: str, record: dict) -> bool:
    arn = parse_arn(text, "componentArn")
    return (
        arn.account == record["owner"]
        and arn.name == arns.arn_name(record["name"])
        and arn.matches(record["version"], record["_build"])
    )


# Image recipes


def parent_platform(state: State, parent: str) -> tuple[str, str | None]:
    """The platform and OS version a parent image gives a recipe; rejects what the service rejects."""
    if re.fullmatch(r"ami-[0-9a-f]{8,17}", parent):
        from moto.ec2.models import ec2_backends

        ami = ec2_backends[state.account][state.region].amis.get(parent)
        return ("Windows" if ami is not None and ami.platform == "windows" else "Linux"), None
    if parent.startswith("ssm:") and len(parent) > 4:
        return "Linux", None
    if parent.startswith("arn:"):
        arn = parse_arn(parent, "parentImage")
        if arn.kind != "image" or arn.region != state.region:
            raise invalid_value("parentImage", f"'{parent}' is not an image ARN in {state.region}.")
        if arn.account == state.account:
            own = [r for r in state.images.values() if arns.arn_name(r.record["name"]) == arn.name]
            if not own:
                raise not_found("image", parent)
            return own[0].record["platform"], own[0].record.get("osVersion")
        if sharing.is_foreign(state, arn):
            shared = [
                build.record
                for _, build in sharing.builds(state, arn.account).values()
                if arns.arn_name(build.record["name"]) == arn.name
                and arn.matches(build.record["version"], build.record["_build"])
            ]
            if not shared:
                raise sharing.forbidden(state, "GetImage", parent)
            return shared[0]["platform"], shared[0].get("osVersion")
        platform = "Windows" if "windows" in arn.name else "macOS" if "mac" in arn.name else "Linux"
        os_version = next((label for prefix, label in _MANAGED_OS if arn.name.startswith(prefix)), None)
        return platform, os_version
    if re.fullmatch(r"prod-[a-z0-9]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", parent):
        return "Linux", None
    raise invalid_value(
        "parentImage",
        "Specify an AMI ID, an Image Builder image ARN, an SSM parameter prefixed with 'ssm:', "
        "or an AWS Marketplace product ID.",
    )


def create_image_recipe(state: State, params: dict) -> dict:
    def create():
        name = params["name"]
        arns.check_wildcards(params["semanticVersion"], "semanticVersion")
        existing = [r["version"] for r in state.recipes.values() if arns.arn_name(r["name"]) == arns.arn_name(name)]
        version = arns.next_version(params["semanticVersion"], existing)
        arn = make_arn(state.region, state.account, "image-recipe", name, version)
        if arn in state.recipes:
            raise _already_exists("ImageRecipe", arn)
        platform, os_version = parent_platform(state, params["parentImage"])
        components = params.get("components") or []
        types = [_component_type(state, c["componentArn"]) for c in components]
        if "BUILD" not in types:
            raise invalid_value("components", "An image recipe needs at least one build component.")
        state.recipes[arn] = {
            "arn": arn,
            "type": "AMI",
            "name": name,
            "description": params.get("description"),
            "platform": platform,
            "owner": state.account,
            "version": version,
            "components": components,
            "parentImage": params["parentImage"],
            "blockDeviceMappings": params.get("blockDeviceMappings"),
            "dateCreated": timestamp(now()),
            "tags": params.get("tags") or {},
            "workingDirectory": params.get("workingDirectory"),
            "additionalInstanceConfiguration": params.get("additionalInstanceConfiguration"),
            "amiTags": params.get("amiTags"),
            "_osVersion": os_version,
        }
        # DescribeImageReferences and AMI usage reports find recipes built on an AMI.
        from localcloud import image_references

        image_references.note(state.account, state.region, params["parentImage"])
        return {
            "clientToken": params["clientToken"],
            "imageRecipeArn": arn,
            "latestVersionReferences": arns.latest_version_references(
                state.region, state.account, "image-recipe", name, version
            ),
        }

    return idempotent(state, "CreateImageRecipe", params, create)


def _component_type(state: State, text: str) -> str:
    arn = parse_arn(text, "componentArn")
    if arn.kind != "component":
        raise invalid_value("componentArn", f"'{text}' is not a component ARN.")
    if arn.account.startswith("aws"):
        return "BUILD"
    return _component(state, text, "componentArn")["type"]


def recipe(state: State, text: str, member: str) -> dict:
    """The recipe an ARN selects (the newest version for wildcards), own or shared."""
    arn = parse_arn(text, member)
    _own(arn, member, "image-recipe")
    if sharing.is_foreign(state, arn):
        shared = {a: record for a, (_, record) in sharing.recipes(state, arn.account).items()}
        record = select(shared, arn) if arn.region == state.region else None
        if record is None:
            raise sharing.forbidden(state, "GetImageRecipe", text)
        return record
    record = select(state.recipes, arn) if arn.account == state.account and arn.region == state.region else None
    if record is None:
        raise not_found("image recipe", text)
    return record


def get_image_recipe(state: State, params: dict) -> dict:
    record = recipe(state, params["imageRecipeArn"], "imageRecipeArn")
    return {
        "imageRecipe": project(public(record), "ImageRecipe"),
        "latestVersionReferences": arns.latest_version_references(
            state.region, record["owner"], "image-recipe", record["name"], record["version"]
        ),
    }


def list_image_recipes(state: State, params: dict) -> dict:
    records = sharing.by_owner(
        params, state.recipes.values(), lambda: [record for _, record in sharing.recipes(state).values()]
    )
    return _listing(
        params, records, "ImageRecipeSummary", "imageRecipeSummaryList", ("name", "parentImage", "platform")
    )


def delete_image_recipe(state: State, params: dict) -> dict:
    text = params["imageRecipeArn"]
    if sharing.is_foreign(state, parse_arn(text, "imageRecipeArn")):
        raise sharing.forbidden(state, "DeleteImageRecipe", text)
    if text not in state.recipes:
        if "x" in (parse_arn(text, "imageRecipeArn").version or ""):
            raise invalid_value("imageRecipeArn", "Specify a recipe version, not a wildcard.")
        raise not_found("image recipe", text)
    record = state.recipes[text]
    users = [
        p["arn"] for p in state.pipelines.values() if p.get("imageRecipeArn") and _selects(p["imageRecipeArn"], record)
    ]
    if users:
        raise _in_use(text, users)
    del state.recipes[text]
    return {"imageRecipeArn": text}


def _selects(text: str, record: dict) -> bool:
    arn = parse_arn(text, "arn")
    return arn.name == arns.arn_name(record["name"]) and arn.matches(record["version"], 0)


# Infrastructure configurations


_INFRASTRUCTURE_MEMBERS = (
    "description",
    "instanceTypes",
    "instanceProfileName",
    "securityGroupIds",
    "subnetId",
    "logging",
    "keyPair",
    "snsTopicArn",
    "resourceTags",
    "instanceMetadataOptions",
    "placement",
)


def _instance_profile_seen(state: State, name: str) -> None:
    """Image Builder's refusal of an instance profile it cannot see (yet)."""
    if propagation.instance_profile(state.account, name) is None:
        raise invalid_value(
            "instanceProfileName",
            "The provided instance profile does not exist. Please specify a different instance profile and try again.",
        )


def _infrastructure_settings(params: dict) -> dict:
    settings = {name: params.get(name) for name in _INFRASTRUCTURE_MEMBERS}
    failure = params.get("terminateInstanceOnFailure")
    settings["terminateInstanceOnFailure"] = True if failure is None else failure
    return settings


def create_infrastructure_configuration(state: State, params: dict) -> dict:
    def create():
        arn = make_arn(state.region, state.account, "infrastructure-configuration", params["name"])
        if arn in state.infrastructure:
            raise _already_exists("InfrastructureConfiguration", arn)
        _instance_profile_seen(state, params["instanceProfileName"])
        moment = timestamp(now())
        state.infrastructure[arn] = {
            "arn": arn,
            "name": params["name"],
            **_infrastructure_settings(params),
            "dateCreated": moment,
            "tags": params.get("tags") or {},
        }
        return {"clientToken": params["clientToken"], "infrastructureConfigurationArn": arn}

    return idempotent(state, "CreateInfrastructureConfiguration", params, create)


def infrastructure(state: State, text: str, member: str) -> dict:
    """An infrastructure configuration by ARN."""
    parse_arn(text, member)
    if text not in state.infrastructure:
        raise not_found("infrastructure configuration", text)
    return state.infrastructure[text]


def get_infrastructure_configuration(state: State, params: dict) -> dict:
    record = infrastructure(state, params["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    return {"infrastructureConfiguration": project(record, "InfrastructureConfiguration")}


def update_infrastructure_configuration(state: State, params: dict) -> dict:
    def update():
        arn = params["infrastructureConfigurationArn"]
        record = infrastructure(state, arn, "infrastructureConfigurationArn")
        _instance_profile_seen(state, params["instanceProfileName"])
        record.update(_infrastructure_settings(params))
        record["dateUpdated"] = timestamp(now())
        return {"clientToken": params["clientToken"], "infrastructureConfigurationArn": arn}

    return idempotent(state, "UpdateInfrastructureConfiguration", params, update)


def list_infrastructure_configurations(state: State, params: dict) -> dict:
    return _listing(
        params,
        list(state.infrastructure.values()),
        "InfrastructureConfigurationSummary",
        "infrastructureConfigurationSummaryList",
        ("name",),
    )


def delete_infrastructure_configuration(state: State, params: dict) -> dict:
    arn = params["infrastructureConfigurationArn"]
    infrastructure(state, arn, "infrastructureConfigurationArn")
    users = [p["arn"] for p in state.pipelines.values() if p["infrastructureConfigurationArn"] == arn]
    if users:
        raise _in_use(arn, users)
    del state.infrastructure[arn]
    return {"infrastructureConfigurationArn": arn}


# Distribution configurations


def _check_distributions(state: State, distributions: list[dict]) -> None:
    from moto.ec2.models import ec2_backends

    regions = [d["region"] for d in distributions]
    for region in regions:
        if region not in ec2_backends[state.account].regions:
            raise invalid_value("distributions.region", f"'{region}' is not an AWS Region.")
    if len(set(regions)) != len(regions):
        raise invalid_value("distributions", "Each Region may appear in only one distribution.")
    for distribution in distributions:
        groups = ((distribution.get("amiDistributionConfiguration") or {}).get("launchPermission") or {}).get(
            "userGroups"
        )
        if groups and set(groups) != {"all"}:
            raise invalid_value("launchPermission.userGroups", "The only user group is 'all'.")
        if distribution.get("containerDistributionConfiguration"):
            raise invalid_value("distributions.containerDistributionConfiguration", "localcloud builds AMIs only.")


def create_distribution_configuration(state: State, params: dict) -> dict:
    def create():
        arn = make_arn(state.region, state.account, "distribution-configuration", params["name"])
        if arn in state.distribution:
            raise _already_exists("DistributionConfiguration", arn)
        _check_distributions(state, params["distributions"])
        state.distribution[arn] = {
            "arn": arn,
            "name": params["name"],
            "description": params.get("description"),
            "distributions": params["distributions"],
            "timeoutMinutes": 720,
            "dateCreated": timestamp(now()),
            "tags": params.get("tags") or {},
        }
        return {"clientToken": params["clientToken"], "distributionConfigurationArn": arn}

    return idempotent(state, "CreateDistributionConfiguration", params, create)


def distribution(state: State, text: str, member: str) -> dict:
    """A distribution configuration by ARN."""
    parse_arn(text, member)
    if text not in state.distribution:
        raise not_found("distribution configuration", text)
    return state.distribution[text]


def get_distribution_configuration(state: State, params: dict) -> dict:
    record = distribution(state, params["distributionConfigurationArn"], "distributionConfigurationArn")
    return {"distributionConfiguration": project(record, "DistributionConfiguration")}


def update_distribution_configuration(state: State, params: dict) -> dict:
    def update():
        arn = params["distributionConfigurationArn"]
        record = distribution(state, arn, "distributionConfigurationArn")
        _check_distributions(state, params["distributions"])
        record.update(
            description=params.get("description"),
            distributions=params["distributions"],
            dateUpdated=timestamp(now()),
        )
        return {"clientToken": params["clientToken"], "distributionConfigurationArn": arn}

    return idempotent(state, "UpdateDistributionConfiguration", params, update)


def list_distribution_configurations(state: State, params: dict) -> dict:
    records = [{**r, "regions": [d["region"] for d in r["distributions"]]} for r in state.distribution.values()]
    return _listing(
        params,
        records,
        "DistributionConfigurationSummary",
        "distributionConfigurationSummaryList",
        ("name",),
    )


def delete_distribution_configuration(state: State, params: dict) -> dict:
    arn = params["distributionConfigurationArn"]
    distribution(state, arn, "distributionConfigurationArn")
    users = [p["arn"] for p in state.pipelines.values() if p.get("distributionConfigurationArn") == arn]
    if users:
        raise _in_use(arn, users)
    del state.distribution[arn]
    return {"distributionConfigurationArn": arn}


# Image pipelines

_PIPELINE_MEMBERS = (
    "description",
    "imageRecipeArn",
    "infrastructureConfigurationArn",
    "distributionConfigurationArn",
    "schedule",
    "imageScanningConfiguration",
    "workflows",
    "executionRole",
    "loggingConfiguration",
    "imageTags",
)


def _pipeline_settings(state: State, params: dict) -> dict:
    if params.get("containerRecipeArn"):
        raise invalid_value("containerRecipeArn", "localcloud builds AMIs only; use an image recipe.")
    if not params.get("imageRecipeArn"):
        raise ServiceError("InvalidRequestException", "An image pipeline needs an 'imageRecipeArn'.")
    if params.get("workflows"):
        raise invalid_value("workflows", "localcloud runs the AWS-managed build and test workflows only.")
    selected = recipe(state, params["imageRecipeArn"], "imageRecipeArn")
    infrastructure(state, params["infrastructureConfigurationArn"], "infrastructureConfigurationArn")
    if params.get("distributionConfigurationArn"):
        distribution(state, params["distributionConfigurationArn"], "distributionConfigurationArn")
    _check_schedule(params.get("schedule"))
    scanning.check_configuration(params.get("imageScanningConfiguration"))
    settings = {name: params.get(name) for name in _PIPELINE_MEMBERS}
    tests = params.get("imageTestsConfiguration") or {}
    settings["imageTestsConfiguration"] = {
        "imageTestsEnabled": tests.get("imageTestsEnabled", True) is not False,
        "timeoutMinutes": tests.get("timeoutMinutes", 720),
    }
    metadata = params.get("enhancedImageMetadataEnabled")
    settings["enhancedImageMetadataEnabled"] = True if metadata is None else metadata
    settings["status"] = params.get("status") or "ENABLED"
    settings["platform"] = selected["platform"]
    return settings


# Schedule.timezone in the API reference: 3-100 characters of this pattern, an IANA name.
_TIMEZONE = re.compile(r"[a-zA-Z0-9]{2,}(?:/[a-zA-Z0-9-_+]+)*")


def _check_schedule(schedule: dict | None) -> None:
    """The schedule's time zone is kept and returned as given; one of the wrong shape is refused."""
    zone = (schedule or {}).get("timezone")
    if zone is not None and not (3 <= len(zone) <= 100 and _TIMEZONE.fullmatch(zone)):
        raise invalid_value("schedule.timezone", f"'{zone}' is not an IANA time zone such as 'Etc/UTC'.")


def create_image_pipeline(state: State, params: dict) -> dict:
    def create():
        arn = make_arn(state.region, state.account, "image-pipeline", params["name"])
        if arn in state.pipelines:
            raise _already_exists("ImagePipeline", arn)
        # Image Builder creates its service-linked role with the account's first pipeline.
        encrypted_launches.ensure_service_linked_role(state.account, "imagebuilder.amazonaws.com")
        state.pipelines[arn] = {
            "arn": arn,
            "name": params["name"],
            **_pipeline_settings(state, params),
            "dateCreated": timestamp(now()),
            "tags": params.get("tags") or {},
            "consecutiveFailures": 0,
        }
        return {"clientToken": params["clientToken"], "imagePipelineArn": arn}

    return idempotent(state, "CreateImagePipeline", params, create)


def pipeline(state: State, text: str, member: str) -> dict:
    """An image pipeline by ARN."""
    parse_arn(text, member)
    if text not in state.pipelines:
        raise not_found("image pipeline", text)
    return state.pipelines[text]


def update_image_pipeline(state: State, params: dict) -> dict:
    def update():
        arn = params["imagePipelineArn"]
        record = pipeline(state, arn, "imagePipelineArn")
        record.update(_pipeline_settings(state, params))
        record["dateUpdated"] = timestamp(now())
        return {"clientToken": params["clientToken"], "imagePipelineArn": arn}

    return idempotent(state, "UpdateImagePipeline", params, update)


def tag_resource(state: State, params: dict) -> dict:
    record = _tagged(state, params["resourceArn"])
    record["tags"] = {**(record.get("tags") or {}), **params["tags"]}
    return {}


def untag_resource(state: State, params: dict) -> dict:
    record = _tagged(state, params["resourceArn"])
    record["tags"] = {k: v for k, v in (record.get("tags") or {}).items() if k not in params["tagKeys"]}
    return {}


def list_tags_for_resource(state: State, params: dict) -> dict:
    return {"tags": dict(_tagged(state, params["resourceArn"]).get("tags") or {})}


def _tagged(state: State, arn: str) -> dict:
    record = state.tagged(arn)
    if record is None:
        raise not_found("resource", arn)
    return record


OPERATIONS = {
    "CreateComponent": create_component,
    "GetComponent": get_component,
    "ListComponents": list_components,
    "ListComponentBuildVersions": list_component_build_versions,
    "DeleteComponent": delete_component,
    "CreateImageRecipe": create_image_recipe,
    "GetImageRecipe": get_image_recipe,
    "ListImageRecipes": list_image_recipes,
    "DeleteImageRecipe": delete_image_recipe,
    "CreateInfrastructureConfiguration": create_infrastructure_configuration,
    "GetInfrastructureConfiguration": get_infrastructure_configuration,
    "UpdateInfrastructureConfiguration": update_infrastructure_configuration,
    "ListInfrastructureConfigurations": list_infrastructure_configurations,
    "DeleteInfrastructureConfiguration": delete_infrastructure_configuration,
    "CreateDistributionConfiguration": create_distribution_configuration,
    "GetDistributionConfiguration": get_distribution_configuration,
    "UpdateDistributionConfiguration": update_distribution_configuration,
    "ListDistributionConfigurations": list_distribution_configurations,
    "DeleteDistributionConfiguration": delete_distribution_configuration,
    "CreateImagePipeline": create_image_pipeline,
    "UpdateImagePipeline": update_image_pipeline,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
