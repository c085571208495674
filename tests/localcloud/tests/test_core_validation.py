"""The models' limits: every request checked against botocore's model, refused in each protocol's words.

Clients do not check most of these (botocore checks required members and minimum lengths, the Rust
SDK only required members), so each test sends what a client would send and expects the service's
own answer. `parameter_validation=False` lets boto3 send what it would otherwise refuse itself.
"""

from __future__ import annotations

import json
import uuid
from typing import Any, Callable

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

pytestmark = pytest.mark.usefixtures("localcloud")

UNCHECKED = Config(parameter_validation=False)
TRUST = json.dumps({"Version": "2012-10-17", "Statement": []})


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response


def _framework(value: str, at: str, constraint: str) -> str:
    return f"1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: {constraint}"


@pytest.fixture
def template() -> tuple[Any, dict[str, Any]]:
    ec2 = boto3.client("ec2", config=UNCHECKED)
    made = ec2.create_launch_template(LaunchTemplateName=_name("valid"), LaunchTemplateData={"ImageId": "ami-12c6146b"})
    return ec2, made["LaunchTemplate"]


# --- EC2 words its own ---------------------------------------------------------------------------


def test_ec2_refuses_a_version_description_over_255_characters(template):
    ec2, made = template
    description = "d" * 256

    error = _refused(
        lambda: ec2.create_launch_template_version(
            LaunchTemplateId=made["LaunchTemplateId"], VersionDescription=description, LaunchTemplateData={"ImageId": "ami-12c6146b"}
        )
    )
    kept = ec2.create_launch_template_version(
        LaunchTemplateId=made["LaunchTemplateId"], VersionDescription="d" * 255, LaunchTemplateData={"ImageId": "ami-12c6146b"}
    )

    assert error["Error"]["Code"] == "InvalidParameterValue"
    assert error["Error"]["Message"] == f"Value ({description}) for parameter versionDescription is invalid. It exceeds 255 characters"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert kept["LaunchTemplateVersion"]["VersionNumber"] == 2


def test_ec2_refuses_both_a_template_id_and_a_name(template):
    ec2, made = template
    both = {"LaunchTemplateId": made["LaunchTemplateId"], "LaunchTemplateName": made["LaunchTemplateName"]}

    described = _refused(lambda: ec2.describe_launch_template_versions(**both))
    modified = _refused(lambda: ec2.modify_launch_template(DefaultVersion="1", **both))
    created = _refused(lambda: ec2.create_launch_template_version(LaunchTemplateData={"ImageId": "ami-12c6146b"}, **both))

    assert [e["Error"]["Code"] for e in (described, modified, created)] == ["InvalidParameterCombination"] * 3
    assert modified["Error"]["Message"] == "Either provide launch template ID or launch template name to modify the template."
    assert "not both" in described["Error"]["Message"]


def test_ec2_names_a_missing_required_parameter(template):
    ec2, _ = template
    ami = ec2.register_image(Name=_name("sample"))["ImageId"]

    error = _refused(lambda: ec2.enable_image_deprecation(ImageId=ami))

    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "MissingParameter",
        "The request must contain the parameter DeprecateAt",
    )


def test_ec2_uses_its_own_code_for_a_malformed_launch_template_name():
    error = _refused(
        lambda: boto3.client("ec2", config=UNCHECKED).create_launch_template_version(
            LaunchTemplateName="lt", LaunchTemplateData={"ImageId": "ami-12c6146b"}
        )
    )

    assert error["Error"]["Code"] == "InvalidLaunchTemplateName.MalformedException"


def test_ec2_checks_the_ami_and_ebs_operations_localcloud_answers_itself():
    ec2 = boto3.client("ec2", config=UNCHECKED)

    protection = _refused(lambda: ec2.enable_image_deregistration_protection())
    default_key = _refused(lambda: ec2.modify_ebs_default_kms_key_id())
    references = _refused(
        lambda: ec2.describe_image_references(ImageIds=[f"ami-{n:08x}" for n in range(11)], IncludeAllResourceTypes=True)
    )
    reports = _refused(lambda: ec2.describe_image_usage_reports(MaxResults=0))

    assert (protection["Error"]["Code"], protection["Error"]["Message"]) == (
        "MissingParameter",
        "The request must contain the parameter ImageId",
    )
    assert default_key["Error"]["Message"] == "The request must contain the parameter KmsKeyId"
    assert references["Error"]["Code"] == "InvalidParameterValue"
    assert "imageId" in references["Error"]["Message"] and "10" in references["Error"]["Message"]
    assert reports["Error"]["Message"] == "Value ( 0 ) for parameter maxResults is invalid. Expecting a value greater than or equal to 1."


def test_ec2_ranges_are_expected_values(template):
    ec2, _ = template

    error = _refused(lambda: ec2.describe_launch_templates(MaxResults=500))

    assert error["Error"]["Message"] == "Value ( 500 ) for parameter maxResults is invalid. Expecting a value between 1 and 200."


# --- JSON and query services: the framework's message ------------------------------------------------


def test_ssm_refuses_a_description_over_1024_characters():
    ssm = boto3.client("ssm")
    description = "d" * 1025

    error = _refused(lambda: ssm.put_parameter(Name=f"/{_name('p')}", Value="v", Type="String", Description=description))

    assert error["Error"]["Code"] == "ValidationException"
    assert error["Error"]["Message"] == _framework(description, "description", "Member must have length less than or equal to 1024")


def test_ssm_refuses_a_type_outside_its_enum():
    error = _refused(lambda: boto3.client("ssm").put_parameter(Name=f"/{_name('p')}", Value="v", Type="Text"))

    assert error["Error"]["Message"] == _framework(
        "Text", "type", "Member must satisfy enum value set: [String, StringList, SecureString]"
    )


def test_kms_answers_in_the_framework_words_too():
    kms = boto3.client("kms", config=UNCHECKED)
    description = "d" * 8193

    too_long = _refused(lambda: kms.create_key(Description=description))
    too_many = _refused(lambda: kms.list_grants(KeyId=str(uuid.uuid4()), Limit=1001))
    both = _refused(lambda: kms.generate_data_key(KeyId="alias/aws/ebs", NumberOfBytes=32, KeySpec="AES_256"))

    assert too_long["Error"]["Code"] == "ValidationException"
    assert too_long["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert too_long["Error"]["Message"] == _framework(description, "description", "Member must have length less than or equal to 8192")
    assert too_many["Error"]["Message"] == _framework("1001", "limit", "Member must have value less than or equal to 1000")
    assert both["Error"]["Code"] == "ValidationException"
    assert "but not both" in both["Error"]["Message"]


def test_query_services_answer_validation_error_naming_nested_members():
    iam = boto3.client("iam")
    long_key = "k" * 129

    error = _refused(
        lambda: iam.create_role(RoleName=_name("tagged"), AssumeRolePolicyDocument=TRUST, Tags=[{"Key": long_key, "Value": "v"}])
    )

    assert error["Error"]["Code"] == "ValidationError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Message"] == _framework(long_key, "tags.1.member.key", "Member must have length less than or equal to 128")


def test_every_violation_is_listed():
    name, description = "r" * 65, "d" * 1001

    error = _refused(lambda: boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST, Description=description))

    assert error["Error"]["Message"] == (
        "2 validation errors detected: "
        f"Value '{name}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64; "
        f"Value '{description}' at 'description' failed to satisfy constraint: "
        "Member must have length less than or equal to 1000"
    )


def test_a_missing_member_is_null_and_a_sensitive_value_is_not_shown():
    iam = boto3.client("iam", config=UNCHECKED)
    user = _name("user")
    iam.create_user(UserName=user)

    missing = _refused(lambda: iam.create_role(RoleName=_name("untrusting")))
    too_long = _refused(lambda: iam.create_login_profile(UserName=user, Password="p" * 129))

    assert missing["Error"]["Message"] == (
        "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert too_long["Error"]["Message"] == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_sts_checks_what_botocore_does_not():
    error = _refused(
        lambda: boto3.client("sts").assume_role(
            RoleArn="arn:aws:iam::111122223333:role/OrganizationAccountAccessRole", RoleSessionName="s" * 65
        )
    )

    assert error["Error"]["Code"] == "ValidationError"
    assert "at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64" in (
        error["Error"]["Message"]
    )


def test_organizations_answers_invalid_input_with_a_reason(session_for):
    organizations = session_for("000000000000").client("organizations")

    error = _refused(lambda: organizations.list_accounts(MaxResults=21))

    assert error["Error"]["Code"] == "InvalidInputException"
    assert error["Reason"] == "MAX_VALUE_EXCEEDED"
    assert error["Error"]["Message"] == "You provided a numeric parameter that has a larger value than allowed."


# --- REST-JSON services (Image Builder, RAM) -------------------------------------------------------


def test_image_builder_takes_at_most_50_tags():
    tags = {f"k{i}": "v" for i in range(51)}

    error = _refused(
        lambda: boto3.client("imagebuilder").create_infrastructure_configuration(
            name=_name("infra"), instanceProfileName="any", tags=tags
        )
    )

    assert error["Error"]["Code"] == "InvalidParameterValueException"
    assert error["Error"]["Message"] == (
        "The value supplied for parameter 'tags' is not valid. tags must have length less than or equal to 50."
    )


def test_ram_refuses_a_share_arn_and_a_resource_arn_together():
    ram = boto3.client("ram")
    share = ram.create_resource_share(name=_name("share"))["resourceShare"]["resourceShareArn"]

    error = _refused(
        lambda: ram.tag_resource(resourceShareArn=share, resourceArn=share, tags=[{"key": "k", "value": "v"}])
    )

    assert error["Error"]["Code"] == "InvalidParameterException"
    assert "not both" in error["Error"]["Message"]
