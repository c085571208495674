"""RAM and AWS Organizations: enabling organization sharing, organization and OU principals
(nested OUs included), and invitations for accounts RAM treats as external."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import MANAGEMENT, ORG_ARN, ORG_ID, SHARED, WORKLOAD
from ram_support import OUTSIDER, client_cache, component, enable_org_sharing, org_sharing_disabled, share_name


@pytest.fixture(scope="module")
def client(session_for):
    return client_cache(session_for)


@pytest.fixture
def owner(session_for, client):
    enable_org_sharing(client)
    return session_for(SHARED)


def _code(error: pytest.ExceptionInfo) -> str:
    return error.value.response["Error"]["Code"]


def _reached(client, account: str, share: str) -> bool:
    ram = client(account)
    return share in [s["resourceShareArn"] for s in ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]]


def _principal(ram, share: str, principal: str) -> dict:
    associations = ram.get_resource_share_associations(
        associationType="PRINCIPAL", resourceShareArns=[share], principal=principal
    )["resourceShareAssociations"]
    assert len(associations) == 1, associations
    return associations[0]


def _ou_arn(client, account: str) -> tuple[str, str]:
    organizations = client(MANAGEMENT, "organizations")
    ou = organizations.list_parents(ChildId=account)["Parents"][0]["Id"]
    return ou, f"arn:aws:organizations::{MANAGEMENT}:ou/{ORG_ID}/{ou}"


def test_only_the_management_account_enables_sharing_with_the_organization(client):
    with pytest.raises(ClientError) as member:
        client(WORKLOAD).enable_sharing_with_aws_organization()

    enabled = client(MANAGEMENT).enable_sharing_with_aws_organization()
    services = client(MANAGEMENT, "organizations").list_aws_service_access_for_organization()

    assert _code(member) == "OperationNotPermittedException"
    assert "Unable to enable sharing with AWS Organizations" in member.value.response["Error"]["Message"]
    assert enabled["returnValue"] is True
    assert "ram.amazonaws.com" in [s["ServicePrincipal"] for s in services["EnabledServicePrincipals"]]


def test_organization_and_ou_principals_need_organization_sharing(client, owner):
    _, workloads = _ou_arn(client, WORKLOAD)
    ram = client(SHARED)

    with org_sharing_disabled(client):
        with pytest.raises(ClientError) as organization:
            ram.create_resource_share(name=share_name(), principals=[ORG_ARN])
        with pytest.raises(ClientError) as ou:
            ram.create_resource_share(name=share_name(), principals=[workloads])

    assert _code(organization) == "UnknownResourceException"
    assert organization.value.response["Error"]["Message"] == f"Organization {ORG_ID} could not be found."
    assert _code(ou) == "UnknownResourceException"
    assert ram.create_resource_share(name=share_name(), principals=[ORG_ARN, workloads])["resourceShare"]["status"] == "ACTIVE"


def test_an_organization_principal_reaches_every_member_and_no_one_else(client, owner):
    ram = client(SHARED)
    share = ram.create_resource_share(
        name=share_name(), principals=[ORG_ARN], resourceArns=[component(owner)]
    )["resourceShare"]["resourceShareArn"]

    association = _principal(ram, share, ORG_ARN)

    assert association["status"] == "ASSOCIATED" and association["external"] is False
    assert _reached(client, WORKLOAD, share) and _reached(client, MANAGEMENT, share)
    assert not _reached(client, OUTSIDER, share)
    assert not _reached(client, SHARED, share)


def test_an_ou_principal_reaches_its_accounts_and_nested_ous(client, owner):
    organizations = client(MANAGEMENT, "organizations")
    workloads_id, workloads = _ou_arn(client, WORKLOAD)
    _, infrastructure = _ou_arn(client, SHARED)
    nested = organizations.create_organizational_unit(ParentId=workloads_id, Name=share_name())["OrganizationalUnit"]
    ram = client(SHARED)
    to_workloads = ram.create_resource_share(name=share_name(), principals=[workloads])["resourceShare"]
    to_nested = ram.create_resource_share(name=share_name(), principals=[nested["Arn"]])["resourceShare"]
    to_infrastructure = ram.create_resource_share(name=share_name(), principals=[infrastructure])["resourceShare"]

    directly = [_reached(client, WORKLOAD, s["resourceShareArn"]) for s in (to_workloads, to_nested, to_infrastructure)]
    organizations.move_account(AccountId=WORKLOAD, SourceParentId=workloads_id, DestinationParentId=nested["Id"])
    try:
        nested_in = [_reached(client, WORKLOAD, s["resourceShareArn"]) for s in (to_workloads, to_nested)]
    finally:
        organizations.move_account(AccountId=WORKLOAD, SourceParentId=nested["Id"], DestinationParentId=workloads_id)

    assert directly == [True, False, False]
    assert nested_in == [True, True]


def test_member_accounts_are_reached_at_once_while_organization_sharing_is_enabled(client, owner):
    ram = client(SHARED)
    share = ram.create_resource_share(name=share_name(), principals=[WORKLOAD])["resourceShare"]["resourceShareArn"]

    association = _principal(ram, share, WORKLOAD)
    invitations = client(WORKLOAD).get_resource_share_invitations(resourceShareArns=[share])

    assert (association["status"], association["external"]) == ("ASSOCIATED", False)
    assert invitations["resourceShareInvitations"] == []
    assert _reached(client, WORKLOAD, share)


def test_an_outside_account_is_invited_and_reached_once_it_accepts(client, owner):
    ram = client(SHARED)
    share = ram.create_resource_share(
        name=share_name(), principals=[OUTSIDER], resourceArns=[component(owner)]
    )["resourceShare"]["resourceShareArn"]
    guest = client(OUTSIDER)

    pending = _principal(ram, share, OUTSIDER)
    invitation = guest.get_resource_share_invitations(resourceShareArns=[share])["resourceShareInvitations"][0]
    waiting = guest.list_pending_invitation_resources(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    reached_before = _reached(client, OUTSIDER, share)
    accepted = guest.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    with pytest.raises(ClientError) as again:
        guest.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])

    assert (pending["status"], pending["external"]) == ("ASSOCIATING", True)
    assert (invitation["status"], invitation["senderAccountId"], invitation["receiverAccountId"]) == (
        "PENDING",
        SHARED,
        OUTSIDER,
    )
    assert [r["type"] for r in waiting["resources"]] == ["imagebuilder:Component"]
    assert reached_before is False
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"
    assert _principal(ram, share, OUTSIDER)["status"] == "ASSOCIATED"
    assert _reached(client, OUTSIDER, share)
    assert _code(again) == "ResourceShareInvitationAlreadyAcceptedException"


def test_a_rejected_invitation_reaches_no_one(client, owner):
    ram = client(SHARED)
    share = ram.create_resource_share(name=share_name(), principals=[OUTSIDER])["resourceShare"]["resourceShareArn"]
    guest = client(OUTSIDER)
    invitation = guest.get_resource_share_invitations(resourceShareArns=[share])["resourceShareInvitations"][0]

    rejected = guest.reject_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    with pytest.raises(ClientError) as stranger:
        client(WORKLOAD).accept_resource_share_invitation(
            resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
        )

    assert rejected["resourceShareInvitation"]["status"] == "REJECTED"
    assert _principal(ram, share, OUTSIDER)["status"] == "FAILED"
    assert not _reached(client, OUTSIDER, share)
    assert _code(stranger) == "ResourceShareInvitationArnNotFoundException"


def test_without_organization_sharing_member_accounts_are_invited_too(client, owner):
    ram = client(SHARED)
    with org_sharing_disabled(client):
        share = ram.create_resource_share(name=share_name(), principals=[WORKLOAD])["resourceShare"]["resourceShareArn"]
        association = _principal(ram, share, WORKLOAD)
        invitations = client(WORKLOAD).get_resource_share_invitations(resourceShareArns=[share])

    assert (association["status"], association["external"]) == ("ASSOCIATING", False)
    assert [i["status"] for i in invitations["resourceShareInvitations"]] == ["PENDING"]


def test_allow_external_principals_false_keeps_the_share_in_the_organization(client, owner):
    ram = client(SHARED)

    with pytest.raises(ClientError) as outside:
        ram.create_resource_share(name=share_name(), principals=[OUTSIDER], allowExternalPrincipals=False)
    inside = ram.create_resource_share(name=share_name(), principals=[WORKLOAD], allowExternalPrincipals=False)
    with org_sharing_disabled(client):
        with pytest.raises(ClientError) as disabled:
            ram.create_resource_share(name=share_name(), principals=[WORKLOAD], allowExternalPrincipals=False)

    assert _code(outside) == "InvalidParameterException"
    assert f"Principal {OUTSIDER} is not in your AWS organization" in outside.value.response["Error"]["Message"]
    assert inside["resourceShare"]["allowExternalPrincipals"] is False
    assert _code(disabled) == "OperationNotPermittedException"
    assert "can only be shared within your AWS Organization" in disabled.value.response["Error"]["Message"]


@pytest.mark.parametrize("principal", ["o-xxxxxxxxxx", "ou-abcd-12345678", "12345", "arn:aws:s3:::bucket"])
def test_malformed_principals_are_refused(client, owner, principal):
    with pytest.raises(ClientError) as error:
        client(SHARED).create_resource_share(name=share_name(), principals=[principal])

    assert _code(error) == "InvalidParameterException"
    assert error.value.response["Error"]["Message"] == f"Principal ID {principal} is malformed. Verify the ID and try again."


def test_a_member_account_can_leave_a_share(client, owner):
    ram = client(SHARED)
    share = ram.create_resource_share(name=share_name(), principals=[WORKLOAD])["resourceShare"]["resourceShareArn"]

    left = client(WORKLOAD).disassociate_resource_share(resourceShareArn=share, principals=[WORKLOAD])

    assert [a["status"] for a in left["resourceShareAssociations"]] == ["DISASSOCIATING"]
    assert _principal(ram, share, WORKLOAD)["status"] == "DISASSOCIATED"
    assert not _reached(client, WORKLOAD, share)
