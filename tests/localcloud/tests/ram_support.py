"""Shared setup for the RAM and Image Builder sharing tests: RAM's organization sharing switched
the way AWS switches it, and a resource to share."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

from conftest import MANAGEMENT

ORG_SHARING = "ram.amazonaws.com"
OUTSIDER = "999988887777"

DOCUMENT = """\
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: hello
        action: ExecuteBash
        inputs:
          commands:
            - echo hello
"""


def enable_org_sharing(client) -> None:
    """EnableSharingWithAwsOrganization from the management account (idempotent); `client`
    is a `client_cache`."""
    assert client(MANAGEMENT).enable_sharing_with_aws_organization()["returnValue"]


@contextmanager
def org_sharing_disabled(client) -> Iterator[None]:
    """RAM's organization sharing off (Organizations trusted access for RAM disabled), then on again."""
    client(MANAGEMENT, "organizations").disable_aws_service_access(ServicePrincipal=ORG_SHARING)
    try:
        yield
    finally:
        enable_org_sharing(client)


def client_cache(session_for):
    """`client(account, service)`: one boto3 client per account and service (AssumeRole once)."""
    clients: dict[tuple[str, str], object] = {}

    def client(account: str, service: str = "ram"):
        if (account, service) not in clients:
            clients[(account, service)] = session_for(account).client(service)
        return clients[(account, service)]

    return client


def component(session, name: str | None = None) -> str:
    """A new Image Builder component build version ARN owned by the session's account."""
    imagebuilder = session.client("imagebuilder")
    return imagebuilder.create_component(
        name=name or f"shared-{uuid.uuid4().hex[:8]}", semanticVersion="1.0.0", platform="Linux", data=DOCUMENT
    )["componentBuildVersionArn"]


def share_name() -> str:
    """A resource share name no other test uses."""
    return f"share-{uuid.uuid4().hex[:8]}"

