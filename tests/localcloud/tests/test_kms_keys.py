"""KMS keys: the default key policy, AWS managed keys, key policies evaluated for every call that
names a key (cross-account use by ARN, `aws:PrincipalOrgID`, `kms:ViaService`, IAM under
`enforce_iam`), and the key policies PutKeyPolicy accepts.

Accounts are the default topology's: 111122223333 owns the keys, 444455556666 is a member of the
organization, 999900001111 is outside it. Everything runs in ca-central-1, which no other test
file uses, so the AWS managed keys there are created by these tests.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import ORG_ID, SHARED, WORKLOAD, assumed, role_with
from kms_support import KMS_REGION, administrator, kms_in, policy  # noqa: F401 (kms_in)

REGION = KMS_REGION
OUTSIDER = "999900001111"


def _error(raised: pytest.ExceptionInfo) -> tuple[str, str]:
    error = raised.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.fixture
def key(kms_in) -> dict[str, Any]:
    """A new customer managed key of 111122223333 with the default key policy."""
    return kms_in(SHARED).create_key(Description=f"probe-{uuid.uuid4().hex[:6]}")["KeyMetadata"]


# --- the default key policy and AWS managed keys ---------------------------------------------------


def test_a_new_key_gets_the_default_key_policy_that_delegates_to_the_account(kms_in, key):
    answer = kms_in(SHARED).get_key_policy(KeyId=key["KeyId"])

    assert answer["PolicyName"] == "default"
    assert json.loads(answer["Policy"]) == {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [administrator()],
    }
    assert key["KeyManager"] == "CUSTOMER"
    assert key["KeyUsage"] == "ENCRYPT_DECRYPT"


def test_the_ebs_aws_managed_key_is_listed_before_it_exists_and_created_on_first_use(session_for):
    kms = session_for(WORKLOAD, region=REGION).client("kms")
    [listed] = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/ebs"]
    assert "TargetKeyId" not in listed

    metadata = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]

    assert metadata["KeyManager"] == "AWS"
    assert metadata["Description"] == "Default master key that protects my EBS volumes when no other key is defined"
    [listed] = [a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == "alias/aws/ebs"]
    assert listed["TargetKeyId"] == metadata["KeyId"]
    document = json.loads(kms.get_key_policy(KeyId=metadata["KeyId"])["Policy"])
    assert document["Id"] == "auto-ebs-2"
    use, metadata_access = document["Statement"]
    assert use["Principal"] == {"AWS": "*"}
    assert use["Condition"] == {
        "StringEquals": {"kms:CallerAccount": WORKLOAD, "kms:ViaService": f"ec2.{REGION}.amazonaws.com"}
    }
    assert metadata_access["Principal"] == {"AWS": f"arn:aws:iam::{WORKLOAD}:root"}
    assert sorted(metadata_access["Action"]) == ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"]


def test_the_policy_of_an_aws_managed_key_cannot_be_changed_nor_the_key_used_directly(kms_in):
    kms = kms_in(SHARED)
    managed = kms.describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["KeyId"]

    with pytest.raises(ClientError) as raised:
        kms.put_key_policy(KeyId=managed, Policy=policy(administrator()))
    code, message = _error(raised)
    assert code == "AccessDeniedException"
    assert "kms:PutKeyPolicy" in message and "because no resource-based policy allows the kms:PutKeyPolicy action" in message

    # Its policy lets the account use it only through EC2 (kms:ViaService), never directly.
    with pytest.raises(ClientError) as raised:
        kms.create_grant(KeyId=managed, GranteePrincipal=f"arn:aws:iam::{SHARED}:root", Operations=["Decrypt"])
    assert _error(raised)[0] == "AccessDeniedException"


def test_another_account_cannot_use_an_aws_managed_key(kms_in):
    arn = kms_in(SHARED).describe_key(KeyId="alias/aws/ebs")["KeyMetadata"]["Arn"]

    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).describe_key(KeyId=arn)

    code, message = _error(raised)
    assert code == "AccessDeniedException"
    assert message.startswith(f"User: arn:aws:sts::{WORKLOAD}:assumed-role/OrganizationAccountAccessRole/")
    assert message.endswith(
        f"is not authorized to perform: kms:DescribeKey on resource: {arn} "
        "because no resource-based policy allows the kms:DescribeKey action"
    )


# --- cross-account use --------------------------------------------------------------------------------


def test_another_account_needs_the_key_arn_and_the_key_policy(kms_in, key):
    consumer = kms_in(WORKLOAD)
    with pytest.raises(ClientError) as raised:
        consumer.describe_key(KeyId=key["KeyId"])
    assert _error(raised)[0] == "NotFoundException"
    with pytest.raises(ClientError) as raised:
        consumer.describe_key(KeyId=key["Arn"])
    assert _error(raised)[0] == "AccessDeniedException"

    allow_consumer = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"},
        "Action": ["kms:DescribeKey"],
        "Resource": "*",
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), allow_consumer))

    assert consumer.describe_key(KeyId=key["Arn"])["KeyMetadata"]["Arn"] == key["Arn"]
    # Key policies are not cross-account operations.
    with pytest.raises(ClientError) as raised:
        consumer.get_key_policy(KeyId=key["Arn"])
    assert _error(raised)[0] == "NotFoundException"


def test_a_key_policy_scoped_to_the_organization_admits_members_only(kms_in, key):
    org = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), org))

    assert kms_in(WORKLOAD).describe_key(KeyId=key["Arn"])["KeyMetadata"]["KeyId"] == key["KeyId"]
    with pytest.raises(ClientError) as raised:
        kms_in(OUTSIDER).describe_key(KeyId=key["Arn"])
    assert _error(raised)[0] == "AccessDeniedException"


def test_a_statement_limited_to_ec2_does_not_allow_direct_calls(kms_in, key):
    via_ec2 = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"},
        "Action": ["kms:DescribeKey", "kms:CreateGrant"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"ec2.{REGION}.amazonaws.com"}},
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), via_ec2))

    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).describe_key(KeyId=key["Arn"])
    assert _error(raised)[0] == "AccessDeniedException"


def test_an_explicit_deny_in_the_key_policy_wins(kms_in, key):
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"kms:CallerAccount": OUTSIDER}},
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), deny))

    with pytest.raises(ClientError) as raised:
        kms_in(SHARED).describe_key(KeyId=key["KeyId"])

    assert _error(raised)[1].endswith("with an explicit deny in a resource-based policy")


# --- IAM policies beside the key policy (enforce_iam) --------------------------------------------------


def _limited_role(session_for, account: str, statements: list[dict[str, Any]]) -> str:
    """A role of `account`, assumable by 111122223333's root, holding `statements`; returns its ARN."""
    return role_with(session_for(account).client("iam"), statements)


def _kms_as(role_arn: str) -> Any:
    return assumed(role_arn, REGION).client("kms")


def test_cross_account_use_needs_the_callers_iam_policy_too(session_for, kms_in, key, config):
    allow_consumer = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"},
        "Action": "kms:DescribeKey",
        "Resource": "*",
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), allow_consumer))
    without = _limited_role(session_for, WORKLOAD, [])
    with_permission = _limited_role(
        session_for, WORKLOAD, [{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": key["Arn"]}]
    )
    config(enforce_iam=True)

    with pytest.raises(ClientError) as raised:
        _kms_as(without).describe_key(KeyId=key["Arn"])
    assert _error(raised)[1].endswith("because no identity-based policy allows the kms:DescribeKey action")
    assert _kms_as(with_permission).describe_key(KeyId=key["Arn"])["KeyMetadata"]["Arn"] == key["Arn"]


def test_in_its_own_account_a_key_policy_naming_the_role_needs_no_iampolicy(session_for, kms_in, key, config):
    role = _limited_role(session_for, SHARED, [])
    named = {"Effect": "Allow", "Principal": {"AWS": role}, "Action": "kms:DescribeKey", "Resource": "*"}
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), named))
    delegated_only = kms_in(SHARED).create_key()["KeyMetadata"]
    config(enforce_iam=True)
    kms = _kms_as(role)

    assert kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeyId"] == key["KeyId"]
    # The default policy names only the account: the role's (empty) IAM policy decides.
    with pytest.raises(ClientError) as raised:
        kms.describe_key(KeyId=delegated_only["KeyId"])
    assert _error(raised)[1].endswith("because no identity-based policy allows the kms:DescribeKey action")


def test_operations_on_no_key_are_decided_by_iam_alone(session_for, config):
    role = _limited_role(session_for, SHARED, [{"Effect": "Allow", "Action": "kms:ListAliases", "Resource": "*"}])
    config(enforce_iam=True)
    kms = _kms_as(role)

    assert kms.list_aliases()["Aliases"]
    with pytest.raises(ClientError) as raised:
        kms.create_key()
    code, message = _error(raised)
    assert code == "AccessDeniedException"
    assert message.endswith("is not authorized to perform: kms:CreateKey because no identity-based policy allows the kms:CreateKey action")


# --- key policies PutKeyPolicy accepts -----------------------------------------------------------------


def test_a_key_policy_naming_a_role_that_does_not_exist_is_refused(kms_in, key):
    ghost = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SHARED}:role/no-such-role"}, "Action": "kms:*", "Resource": "*"}

    with pytest.raises(ClientError) as raised:
        kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), ghost))

    assert _error(raised) == (
        "MalformedPolicyDocumentException",
        "Policy contains a statement with one or more invalid principals.",
    )


def test_a_key_policy_that_would_lock_the_caller_out_needs_the_bypass(kms_in, key):
    others_only = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"}, "Action": "kms:*", "Resource": "*"}
    kms = kms_in(SHARED)

    with pytest.raises(ClientError) as raised:
        kms.put_key_policy(KeyId=key["KeyId"], Policy=policy(others_only))
    assert _error(raised) == (
        "MalformedPolicyDocumentException",
        "The new key policy will not allow you to update the key policy in the future.",
    )

    kms.put_key_policy(KeyId=key["KeyId"], Policy=policy(others_only), BypassPolicyLockoutSafetyCheck=True)
    with pytest.raises(ClientError) as raised:
        kms.describe_key(KeyId=key["KeyId"])
    assert _error(raised)[0] == "AccessDeniedException"
