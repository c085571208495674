"""RAM resource shares: their life cycle, associations, listings, tags, pagination and errors,
as plain boto3 sees them."""

from __future__ import annotations

import uuid

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import MANAGEMENT, ORG_ARN, SHARED, WORKLOAD, wait_until
from ram_support import OUTSIDER, client_cache, component, enable_org_sharing, share_name


@pytest.fixture(scope="module")
def client(session_for):
    cache = client_cache(session_for)
    enable_org_sharing(cache)
    return cache


@pytest.fixture
def ram(client):
    return client(SHARED)


@pytest.fixture(scope="module")
def parts(session_for):
    """Two components of the Shared account to share."""
    session = session_for(SHARED)
    return [component(session), component(session)]


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def _statuses(ram, share: str, kind: str) -> dict[str, str]:
    associations = ram.get_resource_share_associations(associationType=kind, resourceShareArns=[share])
    return {a["associatedEntity"]: a["status"] for a in associations["resourceShareAssociations"]}


def test_associations_settle_after_the_call_that_starts_them(ram, parts):
    share = ram.create_resource_share(name=share_name())["resourceShare"]

    added = ram.associate_resource_share(
        resourceShareArn=share["resourceShareArn"], principals=[WORKLOAD], resourceArns=parts
    )["resourceShareAssociations"]
    settled = _statuses(ram, share["resourceShareArn"], "RESOURCE")
    removed = ram.disassociate_resource_share(resourceShareArn=share["resourceShareArn"], resourceArns=[parts[0]])

    assert share["status"] == "ACTIVE" and share["owningAccountId"] == SHARED and share["featureSet"] == "STANDARD"
    assert share["allowExternalPrincipals"] is True
    assert {(a["associatedEntity"], a["associationType"], a["status"]) for a in added} == {
        (WORKLOAD, "PRINCIPAL", "ASSOCIATING"),
        (parts[0], "RESOURCE", "ASSOCIATING"),
        (parts[1], "RESOURCE", "ASSOCIATING"),
    }
    assert settled == {parts[0]: "ASSOCIATED", parts[1]: "ASSOCIATED"}
    assert [a["status"] for a in removed["resourceShareAssociations"]] == ["DISASSOCIATING"]
    assert _statuses(ram, share["resourceShareArn"], "RESOURCE") == {parts[0]: "DISASSOCIATED", parts[1]: "ASSOCIATED"}
    assert _statuses(ram, share["resourceShareArn"], "PRINCIPAL") == {WORKLOAD: "ASSOCIATED"}


def test_with_propagation_associations_stay_associating_for_that_long(client, ram, parts, config):
    share = ram.create_resource_share(name=share_name(), principals=[WORKLOAD])["resourceShare"]["resourceShareArn"]
    config(propagation_seconds=2)

    ram.associate_resource_share(resourceShareArn=share, resourceArns=[parts[0]])
    during = _statuses(ram, share, "RESOURCE")
    seen_by_workload = client(WORKLOAD).list_resources(resourceOwner="OTHER-ACCOUNTS", resourceArns=[parts[0]])
    wait_until(lambda: _statuses(ram, share, "RESOURCE") == {parts[0]: "ASSOCIATED"}, "the association to settle")

    assert during == {parts[0]: "ASSOCIATING"}
    assert seen_by_workload["resources"] == []
    assert [r["arn"] for r in client(WORKLOAD).list_resources(resourceOwner="OTHER-ACCOUNTS", resourceArns=[parts[0]])["resources"]] == [parts[0]]


def test_list_resources_from_both_sides(client, ram, parts):
    share = ram.create_resource_share(name=share_name(), principals=[ORG_ARN], resourceArns=parts)["resourceShare"]
    arn = share["resourceShareArn"]

    mine = ram.list_resources(resourceOwner="SELF", resourceShareArns=[arn])["resources"]
    theirs = client(WORKLOAD).list_resources(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])["resources"]
    typed = ram.list_resources(resourceOwner="SELF", resourceType="imagebuilder:component", resourceShareArns=[arn])
    other = ram.list_resources(resourceOwner="SELF", resourceType="imagebuilder:Image", resourceShareArns=[arn])
    with pytest.raises(ClientError) as bad_type:
        ram.list_resources(resourceOwner="SELF", resourceType="imagebuilder:Nothing")
    outsider = client(OUTSIDER).list_resources(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])

    assert sorted(r["arn"] for r in mine) == sorted(parts) == sorted(r["arn"] for r in theirs)
    assert {(r["type"], r["status"], r["resourceRegionScope"]) for r in mine} == {
        ("imagebuilder:Component", "AVAILABLE", "REGIONAL")
    }
    assert len(typed["resources"]) == 2 and other["resources"] == []
    assert _code(bad_type) == "InvalidResourceTypeException"
    assert outsider["resources"] == []


def test_list_principals_from_both_sides(client, ram):
    share = ram.create_resource_share(name=share_name(), principals=[ORG_ARN, OUTSIDER])["resourceShare"]
    arn = share["resourceShareArn"]

    mine = ram.list_principals(resourceOwner="SELF", resourceShareArns=[arn])["principals"]
    theirs = client(MANAGEMENT).list_principals(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])["principals"]

    assert {(p["id"], p["external"]) for p in mine} == {(ORG_ARN, False), (OUTSIDER, True)}
    assert [(p["id"], p["resourceShareArn"]) for p in theirs] == [(SHARED, arn)]


def test_a_deleted_share_stays_listed_and_reaches_no_one(client, ram, parts):
    arn = ram.create_resource_share(name=share_name(), principals=[WORKLOAD], resourceArns=parts)["resourceShare"][
        "resourceShareArn"
    ]

    deleted = ram.delete_resource_share(resourceShareArn=arn, clientToken=str(uuid.uuid4()))
    listed = ram.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"]
    with pytest.raises(ClientError) as again:
        ram.associate_resource_share(resourceShareArn=arn, principals=[MANAGEMENT])
    theirs = client(WORKLOAD).get_resource_shares(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])

    assert deleted["returnValue"] is True
    assert [s["status"] for s in listed] == ["DELETED"]
    assert set(_statuses(ram, arn, "PRINCIPAL").values()) == {"DISASSOCIATED"}
    assert set(_statuses(ram, arn, "RESOURCE").values()) == {"DISASSOCIATED"}
    assert _code(again) == "UnknownResourceException"
    assert theirs["resourceShares"] == []


def test_tags_belong_to_the_owner(client, ram):
    arn = ram.create_resource_share(
        name=share_name(), principals=[WORKLOAD], tags=[{"key": "gold:manifest", "value": "base"}]
    )["resourceShare"]["resourceShareArn"]

    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "team", "value": "platform"}])
    ram.untag_resource(resourceShareArn=arn, tagKeys=["team"])
    ram.tag_resource(resourceShareArn=arn, tags=[{"key": "cost", "value": "shared"}])
    found = ram.get_resource_shares(
        resourceOwner="SELF", tagFilters=[{"tagKey": "gold:manifest", "tagValues": ["base"]}]
    )["resourceShares"]
    theirs = client(WORKLOAD).get_resource_shares(resourceOwner="OTHER-ACCOUNTS", resourceShareArns=[arn])
    with pytest.raises(ClientError) as too_many:
        ram.tag_resource(resourceShareArn=arn, tags=[{"key": f"k{i}", "value": "v"} for i in range(50)])

    share = next(s for s in found if s["resourceShareArn"] == arn)
    assert {(t["key"], t["value"]) for t in share["tags"]} == {("gold:manifest", "base"), ("cost", "shared")}
    assert "tags" not in theirs["resourceShares"][0]
    assert _code(too_many) == "TagLimitExceededException"


def test_listings_page_with_next_token(ram):
    name = share_name()
    created = [ram.create_resource_share(name=name)["resourceShare"]["resourceShareArn"] for _ in range(3)]

    pages, token = [], None
    while True:
        page = ram.get_resource_shares(resourceOwner="SELF", name=name, maxResults=2, **({"nextToken": token} if token else {}))
        pages.append([s["resourceShareArn"] for s in page["resourceShares"]])
        token = page.get("nextToken")
        if not token:
            break
    with pytest.raises(ClientError) as bad_token:
        ram.get_resource_shares(resourceOwner="SELF", nextToken="not-a-token")

    assert pages == [created[:2], created[2:]]
    assert _code(bad_token) == "InvalidNextTokenException"


def test_a_client_token_makes_a_create_safe_to_retry(ram):
    token, name = str(uuid.uuid4()), share_name()

    first = ram.create_resource_share(name=name, clientToken=token)
    retried = ram.create_resource_share(name=name, clientToken=token)
    with pytest.raises(ClientError) as reused:
        ram.create_resource_share(name=share_name(), clientToken=token)

    assert first["resourceShare"]["resourceShareArn"] == retried["resourceShare"]["resourceShareArn"]
    assert first["clientToken"] == token
    assert _code(reused) == "IdempotentParameterMismatchException"


def test_shares_are_regional_and_owned(client, session_for, ram):
    arn = ram.create_resource_share(name=share_name(), principals=[ORG_ARN])["resourceShare"]["resourceShareArn"]

    elsewhere = session_for(SHARED, "eu-west-1").client("ram")
    with pytest.raises(ClientError) as other_region:
        elsewhere.update_resource_share(resourceShareArn=arn, name="renamed")
    with pytest.raises(ClientError) as not_owner:
        client(WORKLOAD).delete_resource_share(resourceShareArn=arn)
    with pytest.raises(ClientError) as malformed:
        ram.get_resource_share_associations(associationType="PRINCIPAL", resourceShareArns=["share-1"])
    renamed = ram.update_resource_share(resourceShareArn=arn, name="renamed")

    assert elsewhere.get_resource_shares(resourceOwner="SELF", resourceShareArns=[arn])["resourceShares"] == []
    assert _code(other_region) == "UnknownResourceException"
    assert _code(not_owner) == "UnknownResourceException"
    assert _code(malformed) == "MalformedArnException"
    assert renamed["resourceShare"]["name"] == "renamed"


def test_resources_must_be_shareable_and_the_callers(session_for, ram, parts):
    arn = ram.create_resource_share(name=share_name())["resourceShare"]["resourceShareArn"]
    workload_part = component(session_for(WORKLOAD))

    def refused(resource: str) -> str:
        with pytest.raises(ClientError) as error:
            ram.associate_resource_share(resourceShareArn=arn, resourceArns=[resource])
        return _code(error)

    assert refused("not-an-arn") == "MalformedArnException"
    assert refused(f"arn:aws:s3:::bucket-{uuid.uuid4().hex[:6]}") == "MalformedArnException"
    assert refused(workload_part) == "UnknownResourceException"
    assert refused(parts[0].replace("/1.0.0/1", "/9.9.9/1")) == "UnknownResourceException"


def test_resource_types_and_default_permissions(ram, parts):
    arn = ram.create_resource_share(name=share_name(), resourceArns=parts[:1])["resourceShare"]["resourceShareArn"]

    types = ram.list_resource_types()["resourceTypes"]
    permissions = ram.list_resource_share_permissions(resourceShareArn=arn)["permissions"]

    assert {"imagebuilder:Image", "imagebuilder:Component", "imagebuilder:ImageRecipe"} <= {
        t["resourceType"] for t in types
    }
    assert [p["name"] for p in permissions] == ["AWSRAMDefaultPermissionImageBuilderComponent"]


def test_injected_faults_use_rams_own_error_codes(config, session_for):
    ram = session_for(SHARED).client("ram", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))

    config(throttle_rate=1.0)
    with pytest.raises(ClientError) as throttled:
        ram.list_resource_types()
    config(throttle_rate=0.0, error_rate=1.0)
    with pytest.raises(ClientError) as failed:
        ram.list_resource_types()

    assert (throttled.value.response["Error"]["Code"], throttled.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ThrottlingException",
        429,
    )
    assert failed.value.response["Error"]["Code"] in {"ServerInternalException", "ServiceUnavailableException"}
