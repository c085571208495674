"""IAM evaluation behind the `enforce_iam` knob: identity policies, trust policies and AWS's denials.

Every principal here is a real IAM role or user made through the API; requests are plain boto3
calls signed with the principal's credentials. The dummy credentials act as the root of
111122223333 (not evaluated), so they create the roles a test needs, with the knob on or off.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Callable

import boto3
import pytest
from botocore.exceptions import ClientError
from conftest import REGION, SHARED, WORKLOAD, checked_session

NEXT_YEAR = datetime.now(UTC) + timedelta(days=365)
OUTSIDER = "999988887777"  # an account outside the organization
TRUST_SHARED_ROOT = {"AWS": f"arn:aws:iam::{SHARED}:root"}
PROFILE_ROLE_TRUST = {"Service": "ec2.amazonaws.com"}
COMPONENT = (
    "name: probe\nschemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: hello\n"
    "        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n"
)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def _deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _trust(principal: Any = None, conditions: Any = None) -> str:
    """A trust policy letting `principal` (default: 111122223333's root) assume the role."""
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole"}
    statement["Principal"] = principal or TRUST_SHARED_ROOT
    if conditions:
        statement["Condition"] = conditions
    return _policy(statement)


def _role(
    iam: Any, statements: list[dict[str, Any]], trust: Any = None, name: str | None = None, trust_conditions: Any = None
) -> str:
    """A role whose inline policy holds `statements`; returns its ARN."""
    name = name or _name("probe")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust(trust, trust_conditions))["Role"]["Arn"]
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=_policy(*statements))
    return arn


def _managed(iam: Any, statement: dict[str, Any]) -> str:
    """A customer managed policy holding `statement`; returns its ARN."""
    return iam.create_policy(PolicyName=_name("managed"), PolicyDocument=_policy(statement))["Policy"]["Arn"]


def _session(credentials: dict[str, str], region: str = REGION) -> boto3.Session:
    return checked_session(
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
    )


def _assume(role_arn: str, sts: Any = None, region: str = REGION, **extra: Any) -> boto3.Session:
    sts = sts or boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="probe", **extra)["Credentials"]
    return _session(credentials, region)


def _as(statements: list[dict[str, Any]], region: str = REGION) -> boto3.Session:
    """A session of a new role in 111122223333 that holds `statements`."""
    return _assume(_role(boto3.client("iam"), statements), region=region)


def _refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


@pytest.fixture
def enforced(config):
    """IAM evaluation on for the test; every knob goes back to its default afterwards."""
    config(enforce_iam=True)


@pytest.fixture
def template_ids():
    """Two launch templates in 111122223333: the first tagged `gold:managed=true`, the second untagged."""
    ec2 = boto3.client("ec2")
    data = {"ImageId": "ami-12c6146b", "InstanceType": "t3.small"}
    tagged = ec2.create_launch_template(
        LaunchTemplateName=_name("managed"),
        LaunchTemplateData=data,
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "gold:managed", "Value": "true"}]}],
    )["LaunchTemplate"]["LaunchTemplateId"]
    plain = ec2.create_launch_template(LaunchTemplateName=_name("plain"), LaunchTemplateData=data)["LaunchTemplate"][
        "LaunchTemplateId"
    ]
    return tagged, plain


def _component(name: str) -> str:
    """A component in 111122223333; returns its build version ARN."""
    created = boto3.client("imagebuilder").create_component(
        name=name, semanticVersion="1.0.0", platform="Linux", data=COMPONENT
    )
    return created["componentBuildVersionArn"]


def _new_version(session: boto3.Session, template_id: str) -> Any:
    return lambda: session.client("ec2").create_launch_template_version(
        LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"ImageId": "ami-12c6146b"}
    )


def _lt_arn(template_id: str) -> str:
    return f"arn:aws:ec2:{REGION}:{SHARED}:launch-template/{template_id}"


# --- the knob ------------------------------------------------------------------------------------


def test_knob_off_evaluates_nothing(config):
    session = _as([])

    vpcs = session.client("ec2").describe_vpcs()

    assert vpcs["Vpcs"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_enforce_iam_takes_only_a_boolean(control, config, value):
    status, answer = control("POST", "config", {"enforce_iam": value})

    assert status == 400
    assert "enforce_iam" in answer["error"]
    assert control("GET", "config")[1]["enforce_iam"] is False


def test_root_credentials_are_not_evaluated(enforced):
    iam = boto3.client("iam")

    name = _name("by-root")
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust())

    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name


def test_get_caller_identity_needs_no_permission(enforced):
    session = _as([_deny("*")])

    identity = session.client("sts").get_caller_identity()

    assert identity["Account"] == SHARED


# --- actions, resources, denials -----------------------------------------------------------------


def test_an_action_no_statement_allows_is_unauthorized_with_an_encoded_message(enforced, control):
    session = _as([_allow("ec2:Describe*")])
    ec2 = session.client("ec2")
    control("POST", "reset")

    ec2.describe_images(Owners=["self"])
    error = _refused(lambda: ec2.create_launch_template(LaunchTemplateName=_name("lt"), LaunchTemplateData={}))

    assert error["Error"]["Code"] == "UnauthorizedOperation"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    message = error["Error"]["Message"]
    assert message.startswith(
        f"You are not authorized to perform this operation. User: arn:aws:sts::{SHARED}:assumed-role/probe-"
    )
    assert (
        "is not authorized to perform: ec2:CreateLaunchTemplate on resource: "
        f"arn:aws:ec2:{REGION}:{SHARED}:launch-template/* because no identity-based policy allows the "
        "ec2:CreateLaunchTemplate action. Encoded authorization failure message: "
    ) in message
    _, log = control("GET", "requests")
    assert [(e["action"], e["status"]) for e in log] == [("DescribeImages", 200), ("CreateLaunchTemplate", 403)]


def test_decode_authorization_message_reveals_the_denied_request(enforced):
    session = _as([_allow(["ec2:Describe*", "sts:DecodeAuthorizationMessage"])])
    error = _refused(lambda: session.client("ec2").delete_launch_template(LaunchTemplateId="lt-0123456789abcdef0"))
    encoded = error["Error"]["Message"].rsplit("Encoded authorization failure message: ", 1)[1]

    decoded = json.loads(session.client("sts").decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])

    assert decoded["allowed"] is False
    assert decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "ec2:DeleteLaunchTemplate"
    assert decoded["context"]["resource"] == _lt_arn("lt-0123456789abcdef0")
    assert decoded["context"]["principal"]["arn"].startswith(f"arn:aws:sts::{SHARED}:assumed-role/probe-")


def test_decoding_needs_its_own_permission_and_a_real_message(enforced):
    session = _as([_allow("ec2:Describe*")])

    refused = _refused(lambda: session.client("sts").decode_authorization_message(EncodedMessage="abc"))
    invalid = _refused(lambda: boto3.client("sts").decode_authorization_message(EncodedMessage="not-a-message"))

    assert refused["Error"]["Code"] == "AccessDenied"
    assert "sts:DecodeAuthorizationMessage" in refused["Error"]["Message"]
    assert invalid["Error"]["Code"] == "InvalidAuthorizationMessageException"
    assert invalid["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_actions_match_case_insensitively_with_wildcards(enforced, template_ids):
    session = _as([_allow("EC2:createlaunchtemplate?ersion")])

    version = _new_version(session, template_ids[0])()

    assert version["LaunchTemplateVersion"]["VersionNumber"] == 2


def test_resource_arns_scope_an_action_to_one_launch_template(enforced, template_ids):
    chosen, other = template_ids
    session = _as([_allow("ec2:CreateLaunchTemplateVersion", _lt_arn(chosen))])

    _new_version(session, chosen)()
    error = _refused(_new_version(session, other))

    assert error["Error"]["Code"] == "UnauthorizedOperation"
    assert f"on resource: {_lt_arn(other)} because" in error["Error"]["Message"]


def test_a_launch_template_named_instead_of_identified_is_authorized_by_its_id(enforced, template_ids):
    chosen, _ = template_ids
    described = boto3.client("ec2").describe_launch_templates(LaunchTemplateIds=[chosen])["LaunchTemplates"]
    name = described[0]["LaunchTemplateName"]
    session = _as([_allow("ec2:ModifyLaunchTemplate", _lt_arn(chosen))])

    modified = session.client("ec2").modify_launch_template(LaunchTemplateName=name, DefaultVersion="1")

    assert modified["LaunchTemplate"]["LaunchTemplateId"] == chosen


@pytest.mark.parametrize(
    "key", ["ec2:ResourceTag/gold:managed", "aws:ResourceTag/gold:managed", "aws:resourcetag/GOLD:MANAGED"]
)
def test_resource_tag_conditions_read_the_target_templates_tags(enforced, template_ids, key):
    tagged, untagged = template_ids
    session = _as([_allow("ec2:CreateLaunchTemplateVersion", Condition={"StringEquals": {key: "true"}})])

    _new_version(session, tagged)()
    error = _refused(_new_version(session, untagged))

    assert error["Error"]["Code"] == "UnauthorizedOperation"


def test_tagging_on_create_needs_create_tags_with_the_create_action(enforced):
    create = _allow(
        "ec2:CreateLaunchTemplate",
        Condition={
            "StringEquals": {"aws:RequestTag/gold:managed": "true"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["gold:managed", "gold:manifest"]},
        },
    )
    tag_on_create = _allow("ec2:CreateTags", Condition={"StringEquals": {"ec2:CreateAction": "CreateLaunchTemplate"}})

    def tagged(**tags: str) -> list[dict[str, Any]]:
        return [{"ResourceType": "launch-template", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]

    tags = tagged(**{"gold:managed": "true"})

    def create_with(session: boto3.Session, tag_specs: list[dict[str, Any]]) -> Callable[[], Any]:
        return lambda: session.client("ec2").create_launch_template(
            LaunchTemplateName=_name("lt"), LaunchTemplateData={}, TagSpecifications=tag_specs
        )

    without_create_tags = _refused(create_with(_as([create]), tags))
    created = create_with(_as([create, tag_on_create]), tags)()
    wrong_value = _refused(create_with(_as([create, tag_on_create]), tagged(**{"gold:managed": "no"})))
    extra_key = _refused(create_with(_as([create, tag_on_create]), tagged(**{"gold:managed": "true", "team": "x"})))

    assert "perform: ec2:CreateTags on resource" in without_create_tags["Error"]["Message"]
    assert created["LaunchTemplate"]["LaunchTemplateId"].startswith("lt-")
    assert "perform: ec2:CreateLaunchTemplate on resource" in wrong_value["Error"]["Message"]
    assert "perform: ec2:CreateLaunchTemplate on resource" in extra_key["Error"]["Message"]


def test_an_explicit_deny_wins_over_an_allow(enforced, template_ids):
    session = _as([_allow("ec2:*"), _deny("ec2:DeleteLaunchTemplate", _lt_arn(template_ids[1]))])

    error = _refused(lambda: session.client("ec2").delete_launch_template(LaunchTemplateId=template_ids[1]))

    assert error["Error"]["Code"] == "UnauthorizedOperation"
    assert "with an explicit deny in an identity-based policy" in error["Error"]["Message"]


def test_not_action_and_not_resource(enforced, template_ids):
    chosen, other = template_ids
    session = _as(
        [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "ec2:CreateLaunchTemplateVersion", "NotResource": _lt_arn(chosen)},
        ]
    )

    _new_version(session, chosen)()
    other_template = _refused(_new_version(session, other))
    iam = _refused(lambda: session.client("iam").list_roles())

    assert "explicit deny" in other_template["Error"]["Message"]
    assert iam["Error"]["Code"] == "AccessDenied"


def test_requested_region_conditions(enforced):
    statements = [_allow("ec2:DescribeImages", Condition={"StringEquals": {"aws:RequestedRegion": REGION}})]
    role = _role(boto3.client("iam"), statements)

    home = _assume(role).client("ec2").describe_images(Owners=["self"])
    away = _refused(lambda: _assume(role, region="eu-west-1").client("ec2").describe_images(Owners=["self"]))

    assert isinstance(home["Images"], list)
    assert away["Error"]["Code"] == "UnauthorizedOperation"
    # Describe actions have no resource-level permissions: no resource, no encoded message.
    assert away["Error"]["Message"].endswith("because no identity-based policy allows the ec2:DescribeImages action")


def test_policy_changes_take_effect_on_the_next_call(enforced):
    iam = boto3.client("iam")
    role = _role(iam, [_allow("ec2:DescribeVpcs")])
    ec2 = _assume(role).client("ec2")
    name = role.rsplit("/", 1)[1]

    ec2.describe_vpcs()
    iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=_policy(_allow("ec2:DescribeSubnets")))
    refused = _refused(ec2.describe_vpcs)
    managed = _managed(iam, _allow("ec2:DescribeVpcs"))
    iam.attach_role_policy(RoleName=name, PolicyArn=managed)

    assert refused["Error"]["Code"] == "UnauthorizedOperation"
    assert ec2.describe_vpcs()["Vpcs"]


def test_users_get_their_own_and_their_groups_policies(enforced):
    iam = boto3.client("iam")
    user, group = _name("user"), _name("group")
    iam.create_user(UserName=user)
    iam.create_group(GroupName=group)
    iam.put_user_policy(UserName=user, PolicyName="own", PolicyDocument=_policy(_allow("ec2:DescribeVpcs")))
    managed = _managed(iam, _allow("ec2:DescribeSubnets"))
    iam.attach_group_policy(GroupName=group, PolicyArn=managed)
    iam.add_user_to_group(UserName=user, GroupName=group)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    ec2 = _session(key).client("ec2")

    ec2.describe_vpcs()
    ec2.describe_subnets()
    iam.remove_user_from_group(UserName=user, GroupName=group)
    error = _refused(ec2.describe_subnets)

    assert error["Error"]["Code"] == "UnauthorizedOperation"
    assert f"User: arn:aws:iam::{SHARED}:user/{user} is not authorized" in error["Error"]["Message"]


# --- iam:PassRole ---------------------------------------------------------------------------------


@pytest.fixture
def instance_profile():
    """A role for EC2 instances and an instance profile holding it: (profile name, role ARN)."""
    iam = boto3.client("iam")
    name = _name("builder")
    role = _role(iam, [], trust=PROFILE_ROLE_TRUST, name=name)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name, role


def _infrastructure(session: boto3.Session, profile: str) -> Callable[[], Any]:
    return lambda: session.client("imagebuilder").create_infrastructure_configuration(
        name=_name("infra"), instanceProfileName=profile, instanceTypes=["t3.small"]
    )


def test_image_builder_infrastructure_needs_pass_role_to_ec2(enforced, instance_profile):
    profile, role = instance_profile
    builder = _allow("imagebuilder:*")

    def pass_role(service: str) -> dict[str, Any]:
        return _allow("iam:PassRole", role, Condition={"StringEquals": {"iam:PassedToService": service}})

    missing = _refused(_infrastructure(_as([builder]), profile))
    wrong_service = _refused(_infrastructure(_as([builder, pass_role("imagebuilder.amazonaws.com")]), profile))
    created = _infrastructure(_as([builder, pass_role("ec2.amazonaws.com")]), profile)()

    assert missing["Error"]["Code"] == "AccessDeniedException"
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"is not authorized to perform: iam:PassRole on resource: {role} because" in missing["Error"]["Message"]
    assert wrong_service["Error"]["Code"] == "AccessDeniedException"
    assert created["infrastructureConfigurationArn"].startswith(
        f"arn:aws:imagebuilder:{REGION}:{SHARED}:infrastructure-configuration/infra-"
    )


def test_adding_a_role_to_an_instance_profile_passes_the_role(enforced):
    iam = boto3.client("iam")
    name = _name("profile")
    role = _role(iam, [], trust=PROFILE_ROLE_TRUST, name=name)
    iam.create_instance_profile(InstanceProfileName=name)
    profile_arn = f"arn:aws:iam::{SHARED}:instance-profile/{name}"
    add = _allow("iam:AddRoleToInstanceProfile", profile_arn)

    def add_role(session: boto3.Session) -> Callable[[], Any]:
        return lambda: session.client("iam").add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)

    error = _refused(add_role(_as([add])))
    to_ec2 = {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
    add_role(_as([add, _allow("iam:PassRole", role, Condition=to_ec2)]))()

    assert error["Error"]["Code"] == "AccessDenied"
    assert f"perform: iam:PassRole on resource: {role}" in error["Error"]["Message"]
    assert iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"][0]["Arn"] == role


# --- trust policies ----------------------------------------------------------------------------------


def test_a_trust_policy_naming_the_caller_needs_no_identity_permission(enforced):
    iam = boto3.client("iam")
    caller_role = _role(iam, [])
    target = _role(iam, [_allow("ec2:DescribeVpcs")], trust={"AWS": caller_role})
    account_trusting = _role(iam, [_allow("ec2:DescribeVpcs")])
    caller = _assume(caller_role)

    assumed = _assume(target, caller.client("sts"))
    via_account = _refused(lambda: _assume(account_trusting, caller.client("sts")))

    assert assumed.client("sts").get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{SHARED}:assumed-role/")
    assert via_account["Error"]["Code"] == "AccessDenied"
    assert via_account["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert via_account["Error"]["Message"] == (
        f"User: {caller.client('sts').get_caller_identity()['Arn']} is not authorized to perform: "
        f"sts:AssumeRole on resource: {account_trusting}"
    )


def test_a_trust_policy_naming_the_account_needs_the_callers_assume_role_permission(enforced):
    iam = boto3.client("iam")
    target = _role(iam, [])
    caller = _assume(_role(iam, [_allow("sts:AssumeRole", target)]))

    assumed = _assume(target, caller.client("sts"))

    identity = assumed.client("sts").get_caller_identity()["Arn"]
    assert identity.startswith(f"arn:aws:sts::{SHARED}:assumed-role/{target.rsplit('/', 1)[1]}/")


@pytest.fixture
def workload_role(config, session_for):
    """`make(trust, conditions)` creates a role in 444455556666 (before the knob goes on) and returns its ARN."""
    iam = session_for(WORKLOAD).client("iam")

    def make(trust: Any = None, conditions: Any = None) -> str:
        return _role(iam, [_allow("ec2:DescribeVpcs")], trust=trust, trust_conditions=conditions)

    return make


def test_cross_account_both_the_trust_and_the_callers_policy_must_allow(config, workload_role):
    target = workload_role()
    untrusting = workload_role(trust={"AWS": f"arn:aws:iam::{OUTSIDER}:root"})
    iam = boto3.client("iam")
    allowed_caller = _role(iam, [_allow("sts:AssumeRole", f"arn:aws:iam::{WORKLOAD}:role/*")])
    bare_caller = _role(iam, [])
    config(enforce_iam=True)

    assumed = _assume(target, _assume(allowed_caller).client("sts"))
    no_permission = _refused(lambda: _assume(target, _assume(bare_caller).client("sts")))
    not_trusted = _refused(lambda: _assume(untrusting, _assume(allowed_caller).client("sts")))

    assert assumed.client("sts").get_caller_identity()["Account"] == WORKLOAD
    assert assumed.client("ec2").describe_vpcs()["Vpcs"]
    assert no_permission["Error"]["Code"] == "AccessDenied"
    assert not_trusted["Error"]["Code"] == "AccessDenied"


def test_principal_org_id_admits_only_the_organizations_accounts(config, workload_role):
    target = workload_role(trust={"AWS": "*"}, conditions={"StringEquals": {"aws:PrincipalOrgID": "o-xxxxxxxxxx"}})
    member_caller = _assume(_role(boto3.client("iam"), [_allow("sts:AssumeRole")]))
    outsider = _outsider_with_assume_role_permission()
    config(enforce_iam=True)

    assumed = _assume(target, member_caller.client("sts"))
    refused = _refused(lambda: _assume(target, outsider.client("sts")))

    assert assumed.client("sts").get_caller_identity()["Account"] == WORKLOAD
    assert refused["Error"]["Code"] == "AccessDenied"
    assert f"assumed-role/outsider-" in refused["Error"]["Message"]


def _outsider_with_assume_role_permission() -> boto3.Session:
    """A role session in 999988887777, outside the organization, allowed to call sts:AssumeRole."""
    foothold = _assume(f"arn:aws:iam::{OUTSIDER}:role/Anything")
    role = _role(foothold.client("iam"), [_allow("sts:AssumeRole")], name=_name("outsider"))
    return _assume(role, foothold.client("sts"))


def test_external_id_must_match_the_trust_condition(config, workload_role):
    target = workload_role(conditions={"StringEquals": {"sts:ExternalId": "gold-123"}})
    caller = _assume(_role(boto3.client("iam"), [_allow("sts:AssumeRole")]))
    config(enforce_iam=True)
    sts = caller.client("sts")

    missing = _refused(lambda: _assume(target, sts))
    wrong = _refused(lambda: _assume(target, sts, ExternalId="gold-999"))
    assumed = _assume(target, sts, ExternalId="gold-123")

    assert missing["Error"]["Code"] == wrong["Error"]["Code"] == "AccessDenied"
    assert assumed.client("sts").get_caller_identity()["Account"] == WORKLOAD


def test_root_credentials_still_need_the_roles_trust(config, workload_role):
    trusting = workload_role()
    untrusting = workload_role(trust={"AWS": f"arn:aws:iam::{OUTSIDER}:root"})
    config(enforce_iam=True)

    assumed = _assume(trusting)
    refused = _refused(lambda: _assume(untrusting))
    missing = _refused(lambda: _assume(f"arn:aws:iam::{WORKLOAD}:role/NoSuchRole"))

    assert assumed.client("sts").get_caller_identity()["Account"] == WORKLOAD
    assert refused["Error"]["Message"] == (
        f"User: arn:aws:iam::{SHARED}:root is not authorized to perform: sts:AssumeRole on resource: {untrusting}"
    )
    assert missing["Error"]["Code"] == "AccessDenied"


def test_deny_accounts_still_refuses_with_evaluation_on(config, workload_role):
    target = workload_role()
    config(enforce_iam=True, deny_accounts=[WORKLOAD])

    refused = _refused(lambda: _assume(target))

    assert refused["Error"]["Code"] == "AccessDenied"


# --- each protocol's denial ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "call", "code", "status", "action"),
    [
        ("iam", lambda c: c.list_roles(), "AccessDenied", 403, "iam:ListRoles"),
        (
            "autoscaling",
            lambda c: c.describe_auto_scaling_groups(),
            "AccessDenied",
            403,
            "autoscaling:DescribeAutoScalingGroups",
        ),
        ("sts", lambda c: c.get_session_token(), "AccessDenied", 403, "sts:GetSessionToken"),
        ("imagebuilder", lambda c: c.list_components(), "AccessDeniedException", 403, "imagebuilder:ListComponents"),
        (
            "organizations",
            lambda c: c.describe_organization(),
            "AccessDeniedException",
            400,
            "organizations:DescribeOrganization",
        ),
        ("ssm", lambda c: c.describe_parameters(), "AccessDeniedException", 400, "ssm:DescribeParameters"),
    ],
)
def test_each_service_denies_in_its_own_protocol(enforced, service, call, code, status, action):
    session = _as([_allow("ec2:DescribeVpcs")])

    error = _refused(lambda: call(session.client(service)))

    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == status
    assert error["Error"]["Message"].endswith(
        f"is not authorized to perform: {action} because no identity-based policy allows the {action} action"
    )


def test_auto_scaling_group_arns_scope_instance_refreshes(enforced):
    autoscaling = boto3.client("autoscaling")
    template = boto3.client("ec2").create_launch_template(
        LaunchTemplateName=_name("asg"), LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    names = [_name("web"), _name("db")]
    for name in names:
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateId": template, "Version": "$Default"},
            MinSize=0,
            MaxSize=1,
            DesiredCapacity=0,
            AvailabilityZones=[f"{REGION}a"],
        )
    scoped = f"arn:aws:autoscaling:{REGION}:{SHARED}:autoScalingGroup:*:autoScalingGroupName/{names[0]}"
    session = _as([_allow(["autoscaling:StartInstanceRefresh", "autoscaling:CancelInstanceRefresh"], scoped)])

    started = session.client("autoscaling").start_instance_refresh(AutoScalingGroupName=names[0])
    refused = _refused(lambda: session.client("autoscaling").start_instance_refresh(AutoScalingGroupName=names[1]))
    session.client("autoscaling").cancel_instance_refresh(AutoScalingGroupName=names[0])

    assert started["InstanceRefreshId"]
    assert refused["Error"]["Code"] == "AccessDenied"
    assert f":autoScalingGroupName/{names[1]} because" in refused["Error"]["Message"]


def test_image_builder_arns_scope_component_reads(enforced):
    arns = [_component(_name("gold")), _component(_name("other"))]
    pattern = f"arn:aws:imagebuilder:{REGION}:{SHARED}:component/gold-*"
    session = _as([_allow("imagebuilder:GetComponent", pattern)])

    mine = session.client("imagebuilder").get_component(componentBuildVersionArn=arns[0])
    refused = _refused(lambda: session.client("imagebuilder").get_component(componentBuildVersionArn=arns[1]))

    assert mine["component"]["arn"] == arns[0]
    assert refused["Error"]["Code"] == "AccessDeniedException"
    assert f"imagebuilder:GetComponent on resource: {arns[1]} because" in refused["Error"]["Message"]


def test_image_builder_tagging_is_named_and_conditioned_on_its_request_tags(enforced, control):
    arn = _component(_name("tagged"))
    managed_only = {"StringEquals": {"aws:RequestTag/gold:managed": "true"}}
    session = _as([_allow("imagebuilder:TagResource", Condition=managed_only)])
    client = session.client("imagebuilder")
    control("POST", "reset")

    client.tag_resource(resourceArn=arn, tags={"gold:managed": "true"})
    refused = _refused(lambda: client.tag_resource(resourceArn=arn, tags={"gold:managed": "no"}))

    assert f"imagebuilder:TagResource on resource: {arn} because" in refused["Error"]["Message"]
    _, log = control("GET", "requests")
    assert [(e["action"], e["status"]) for e in log] == [("TagResource", 200), ("TagResource", 403)]


def test_ssm_parameter_arns_scope_reads(enforced):
    ssm = boto3.client("ssm")
    for name in ("/gold/ami", "/other/ami"):
        ssm.put_parameter(Name=name, Value="ami-12c6146b", Type="String", Overwrite=True)
    session = _as([_allow("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{SHARED}:parameter/gold/*")])
    client = session.client("ssm")

    value = client.get_parameter(Name="/gold/ami")["Parameter"]["Value"]
    other = _refused(lambda: client.get_parameter(Name="/other/ami"))
    latest = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
    public = _refused(lambda: client.get_parameter(Name=latest))

    assert value == "ami-12c6146b"
    assert other["Error"]["Code"] == "AccessDeniedException"
    assert f"on resource: arn:aws:ssm:{REGION}:{SHARED}:parameter/other/ami because" in other["Error"]["Message"]
    # AWS-owned public parameters have no account in their ARN.
    assert f"on resource: arn:aws:ssm:{REGION}::parameter/aws/service/" in public["Error"]["Message"]


def test_organizations_ou_and_root_arns_scope_tree_reads(config, control, session_for):
    _, topology = control("GET", "topology")
    organization = topology["organization"]
    ou = next(a["ou_id"] for a in topology["accounts"] if a["id"] == WORKLOAD)
    prefix = f"arn:aws:organizations::{organization['management_account']}"
    ou_arn = f"{prefix}:ou/{organization['id']}/{ou}"
    root_arn = f"{prefix}:root/{organization['id']}/{organization['root_id']}"
    iam = session_for(organization["management_account"]).client("iam")
    scoped = _role(iam, [_allow(["organizations:DescribeOrganizationalUnit", "organizations:ListChildren"], ou_arn)])
    config(enforce_iam=True)
    organizations = _assume(scoped).client("organizations")

    described = organizations.describe_organizational_unit(OrganizationalUnitId=ou)
    children = organizations.list_children(ParentId=ou, ChildType="ACCOUNT")
    root = _refused(lambda: organizations.list_children(ParentId=organization["root_id"], ChildType="ACCOUNT"))

    assert described["OrganizationalUnit"]["Id"] == ou
    assert WORKLOAD in [child["Id"] for child in children["Children"]]
    assert root["Error"]["Code"] == "AccessDeniedException"
    assert root["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert f"organizations:ListChildren on resource: {root_arn} because" in root["Error"]["Message"]


def test_ami_lifecycle_actions_are_scoped_by_image_and_template(enforced, template_ids):
    ec2 = boto3.client("ec2")
    mine, theirs = (ec2.register_image(Name=_name("ami"))["ImageId"] for _ in range(2))
    ec2.create_tags(Resources=[mine], Tags=[{"Key": "gold:managed", "Value": "true"}])
    template = template_ids[0]
    _new_version(boto3.Session(region_name=REGION), template)()
    session = _as(
        [
            _allow(
                ["ec2:EnableImageDeprecation", "ec2:DisableImage"],
                f"arn:aws:ec2:{REGION}::image/*",
                Condition={"StringEquals": {"ec2:ResourceTag/gold:managed": "true"}},
            ),
            _allow("ec2:DeleteLaunchTemplateVersions", _lt_arn(template)),
        ]
    )
    client = session.client("ec2")

    client.enable_image_deprecation(ImageId=mine, DeprecateAt=NEXT_YEAR)
    client.disable_image(ImageId=mine)
    refused = _refused(lambda: client.enable_image_deprecation(ImageId=theirs, DeprecateAt=NEXT_YEAR))
    deleted = client.delete_launch_template_versions(LaunchTemplateId=template, Versions=["2"])
    other = _refused(lambda: client.delete_launch_template_versions(LaunchTemplateId=template_ids[1], Versions=["1"]))

    assert f"on resource: arn:aws:ec2:{REGION}::image/{theirs} because" in refused["Error"]["Message"]
    assert deleted["SuccessfullyDeletedLaunchTemplateVersions"][0]["VersionNumber"] == 2
    assert other["Error"]["Code"] == "UnauthorizedOperation"


def test_a_role_cloudformation_made_is_evaluated_like_any_other(enforced):
    template = {
        "Resources": {
            "Reader": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": _name("stacked"),
                    "AssumeRolePolicyDocument": json.loads(_trust()),
                    "Policies": [{"PolicyName": "vpcs", "PolicyDocument": json.loads(_policy(_allow("ec2:DescribeVpcs")))}],
                },
            }
        },
        "Outputs": {"Arn": {"Value": {"Fn::GetAtt": ["Reader", "Arn"]}}},
    }
    cloudformation = boto3.client("cloudformation")
    stack = _name("stack")
    cloudformation.create_stack(StackName=stack, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"])
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
    arn = next(o["OutputValue"] for o in outputs if o["OutputKey"] == "Arn")
    ec2 = _assume(arn).client("ec2")

    allowed = ec2.describe_vpcs()
    refused = _refused(ec2.describe_subnets)
    stored = boto3.client("iam").get_role_policy(RoleName=arn.rsplit("/", 1)[1], PolicyName="vpcs")

    assert allowed["Vpcs"]
    assert refused["Error"]["Code"] == "UnauthorizedOperation"
    assert stored["PolicyDocument"]["Statement"][0]["Action"] == "ec2:DescribeVpcs"
