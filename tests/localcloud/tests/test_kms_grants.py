"""KMS grants: created on another account's key by its ARN, listed by the key's owner with the
issuing account, named grants that are not duplicated, paging, retirement and revocation, and the
key policy conditions on CreateGrant (`kms:GrantIsForAWSResource`, `kms:GranteePrincipal`).

111122223333 owns the keys; 444455556666 (a member) creates grants for its Auto Scaling
service-linked role, as the Auto Scaling User Guide's cross-account key policy example does.
All in ca-central-1 (shared with test_kms_keys.py only).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import SHARED, WORKLOAD
from kms_support import GRANT_OPERATIONS, administrator, autoscaling_role, kms_in, policy  # noqa: F401 (kms_in)

OUTSIDER = "999900001111"
SERVICE_ROLE = autoscaling_role(WORKLOAD)
# The Auto Scaling User Guide's "Allow attachment of persistent resources in external account".
CONSUMER_GRANTS = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"},
    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"],
    "Resource": "*",
}


def _code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


@pytest.fixture
def key(kms_in) -> dict[str, Any]:
    """A key of 111122223333 whose policy lets 444455556666 create and list grants."""
    kms = kms_in(SHARED)
    metadata = kms.create_key(Description=f"grants-{uuid.uuid4().hex[:6]}")["KeyMetadata"]
    kms.put_key_policy(KeyId=metadata["KeyId"], Policy=policy(administrator(), CONSUMER_GRANTS))
    return metadata


def test_a_member_creates_a_grant_on_the_producers_key_by_its_arn(kms_in, key):
    created = kms_in(WORKLOAD).create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=GRANT_OPERATIONS)

    [grant] = kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"]
    assert grant["GrantId"] == created["GrantId"]
    assert grant["KeyId"] == key["Arn"]
    assert grant["GranteePrincipal"] == SERVICE_ROLE
    assert grant["IssuingAccount"] == f"arn:aws:iam::{WORKLOAD}:root"
    assert grant["Operations"] == GRANT_OPERATIONS
    assert "CreationDate" in grant
    assert kms_in(WORKLOAD).list_grants(KeyId=key["Arn"])["Grants"] == [grant]


def test_a_named_grant_is_not_duplicated_by_a_repeated_request(kms_in, key):
    consumer = kms_in(WORKLOAD)
    request = {"KeyId": key["Arn"], "GranteePrincipal": SERVICE_ROLE, "Operations": GRANT_OPERATIONS, "Name": "gold-autoscaling"}

    first = consumer.create_grant(**request)
    again = consumer.create_grant(**request)
    other = consumer.create_grant(**{**request, "Operations": ["Decrypt"]})

    assert again["GrantId"] == first["GrantId"]
    assert again["GrantToken"] != first["GrantToken"]
    assert other["GrantId"] != first["GrantId"]
    names = [g["Name"] for g in kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"]]
    assert names == ["gold-autoscaling", "gold-autoscaling"]


def test_list_grants_filters_and_pages(kms_in, key):
    consumer = kms_in(WORKLOAD)
    ids = [
        consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=grantee, Operations=["Decrypt"])["GrantId"]
        for grantee in (SERVICE_ROLE, SERVICE_ROLE, f"arn:aws:iam::{WORKLOAD}:root")
    ]
    owner = kms_in(SHARED)

    first = owner.list_grants(KeyId=key["KeyId"], Limit=2)
    assert first["Truncated"] is True
    rest = owner.list_grants(KeyId=key["KeyId"], Limit=2, Marker=first["NextMarker"])
    assert rest["Truncated"] is False and "NextMarker" not in rest
    assert [g["GrantId"] for g in first["Grants"] + rest["Grants"]] == ids
    by_grantee = owner.list_grants(KeyId=key["KeyId"], GranteePrincipal=SERVICE_ROLE)["Grants"]
    assert [g["GrantId"] for g in by_grantee] == ids[:2]
    assert [g["GrantId"] for g in owner.list_grants(KeyId=key["KeyId"], GrantId=ids[2])["Grants"]] == ids[2:]
    with pytest.raises(ClientError) as raised:
        owner.list_grants(KeyId=key["KeyId"], Marker="not-a-marker")
    assert _code(raised) == "InvalidMarkerException"


def test_retirable_grants_are_listed_across_accounts(kms_in, key):
    retiring = f"arn:aws:iam::{WORKLOAD}:role/gold-{uuid.uuid4().hex[:6]}"
    created = kms_in(WORKLOAD).create_grant(
        KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"], RetiringPrincipal=retiring
    )

    [listed] = kms_in(WORKLOAD).list_retirable_grants(RetiringPrincipal=retiring)["Grants"]

    assert listed["GrantId"] == created["GrantId"]
    assert listed["KeyId"] == key["Arn"]
    assert listed["RetiringPrincipal"] == retiring


def test_the_issuing_account_retires_its_grant_and_others_may_not(kms_in, key):
    created = kms_in(WORKLOAD).create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])

    with pytest.raises(ClientError) as raised:
        kms_in(OUTSIDER).retire_grant(KeyId=key["Arn"], GrantId=created["GrantId"])
    assert _code(raised) == "AccessDeniedException"

    kms_in(WORKLOAD).retire_grant(KeyId=key["Arn"], GrantId=created["GrantId"])
    assert kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).retire_grant(KeyId=key["Arn"], GrantId=created["GrantId"])
    assert _code(raised) == "NotFoundException"


def test_a_grant_token_retires_its_grant_and_an_unknown_one_is_invalid(kms_in, key):
    created = kms_in(WORKLOAD).create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])

    kms_in(WORKLOAD).retire_grant(GrantToken=created["GrantToken"])

    assert kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).retire_grant(GrantToken=created["GrantToken"])
    assert _code(raised) == "InvalidGrantTokenException"


def test_the_key_owner_revokes_a_grant(kms_in, key):
    created = kms_in(WORKLOAD).create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])

    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).revoke_grant(KeyId=key["Arn"], GrantId=created["GrantId"])
    assert _code(raised) == "AccessDeniedException"
    kms_in(SHARED).revoke_grant(KeyId=key["KeyId"], GrantId=created["GrantId"])

    assert kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"] == []
    with pytest.raises(ClientError) as raised:
        kms_in(SHARED).revoke_grant(KeyId=key["KeyId"], GrantId=created["GrantId"])
    assert _code(raised) == "NotFoundException"


def test_create_grant_checks_its_name_the_key_state_and_dry_run(kms_in, key):
    consumer = kms_in(WORKLOAD)
    with pytest.raises(ClientError) as raised:
        consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"], Name="not a name")
    assert _code(raised) == "ValidationException"
    with pytest.raises(ClientError) as raised:
        consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"], DryRun=True)
    assert _code(raised) == "DryRunOperationException"
    assert kms_in(SHARED).list_grants(KeyId=key["KeyId"])["Grants"] == []

    kms_in(SHARED).disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as raised:
        consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])
    assert _code(raised) == "DisabledException"


def test_grants_only_for_aws_resources_refuse_a_direct_create_grant(kms_in, key):
    # The condition AWS's own EBS statements use: true only when a service creates the grant.
    for_resources = {**CONSUMER_GRANTS, "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), for_resources))

    with pytest.raises(ClientError) as raised:
        kms_in(WORKLOAD).create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])

    assert _code(raised) == "AccessDeniedException"


def test_a_key_policy_can_limit_grants_to_the_auto_scaling_role(kms_in, key):
    only_autoscaling = {
        **CONSUMER_GRANTS,
        "Condition": {"StringLike": {"kms:GranteePrincipal": "arn:aws:iam::*:role/aws-service-role/autoscaling.amazonaws.com/*"}},
    }
    kms_in(SHARED).put_key_policy(KeyId=key["KeyId"], Policy=policy(administrator(), only_autoscaling))
    consumer = kms_in(WORKLOAD)

    assert consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=SERVICE_ROLE, Operations=["Decrypt"])["GrantId"]
    with pytest.raises(ClientError) as raised:
        consumer.create_grant(KeyId=key["Arn"], GranteePrincipal=f"arn:aws:iam::{WORKLOAD}:root", Operations=["Decrypt"])
    assert _code(raised) == "AccessDeniedException"
