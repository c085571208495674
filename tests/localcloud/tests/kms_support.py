"""Shared pieces of the KMS and EBS encryption tests: key policy statements as AWS's guides write
them, the grant the Auto Scaling User Guide gives a group's service-linked role and clients per
account in one Region (roles with chosen IAM policies are conftest's `role_with` and `assumed`)."""

from __future__ import annotations

import json
from typing import Any, Callable

import pytest
from conftest import ORG_ID, SHARED

# The Region of the KMS tests (test_kms_keys.py, test_kms_grants.py), which no other test uses.
KMS_REGION = "ca-central-1"

# What EBS asks of a key (the AWS managed EBS key's policy, the Auto Scaling User Guide's examples).
EBS_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"]
# The operations the Auto Scaling User Guide's `aws kms create-grant` gives the service-linked role.
GRANT_OPERATIONS = [
    "Encrypt",
    "Decrypt",
    "ReEncryptFrom",
    "ReEncryptTo",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "DescribeKey",
    "CreateGrant",
]
# The organization's accounts use the key through EBS and create grants on it.
ORGANIZATION_USE = {
    "Sid": "Organization accounts use the key",
    "Effect": "Allow",
    "Principal": {"AWS": "*"},
    "Action": EBS_USE,
    "Resource": "*",
    "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
}


def policy(*statements: dict[str, Any]) -> str:
    """A policy document holding `statements`."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def administrator(account: str = SHARED) -> dict[str, Any]:
    """The default key policy's statement: the account's IAM policies decide."""
    return {
        "Sid": "Enable IAM User Permissions",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def autoscaling_role(account: str) -> str:
    """The ARN of an account's Auto Scaling service-linked role."""
    return f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


def regional_clients(session_for: Callable[..., Any], region: str, endpoint_url: str | None = None) -> Callable[[str, str], Any]:
    """`clients(account, service)`: a client acting in `account` in `region`, made once."""
    made: dict[tuple[str, str], Any] = {}

    def client(account: str, service: str) -> Any:
        if (account, service) not in made:
            session = session_for(account, region=region)
            made[(account, service)] = session.client(service, endpoint_url=endpoint_url) if endpoint_url else session.client(service)
        return made[(account, service)]

    return client


@pytest.fixture(scope="module")
def kms_in(session_for: Callable[..., Any]) -> Callable[[str], Any]:
    """`kms_in(account)`: a KMS client acting in `account` in the KMS tests' Region."""
    clients = regional_clients(session_for, KMS_REGION)
    return lambda account: clients(account, "kms")
