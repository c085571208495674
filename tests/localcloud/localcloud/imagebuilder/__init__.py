"""EC2 Image Builder for localcloud: moto has none, so this package is the service.

The server hands every request signed for `imagebuilder` to `app`, with the account and
Region the caller acts in. Paths, members, shapes and error codes follow botocore's
model `imagebuilder/2019-12-02` (wire format in `localcloud.restjson`, the service's wording
in `protocol`); see `resources` for the configuration resources, `images` and `builds` for
builds, `scanning` for image scanning's findings, `distribute` for what a finished build leaves
in moto's EC2 and SSM, and `sharing` for what other accounts share with the caller through AWS
RAM.
"""

from __future__ import annotations

from localcloud.restjson import Service

from . import images, resources
from .protocol import MODEL, WORDING
from .store import LOCK, state_for

SERVICE = Service(
    MODEL,
    WORDING,
    {**resources.OPERATIONS, **images.OPERATIONS},
    bind=state_for,
    lock=LOCK,
)


def app(environ, start_response, account_id: str, region: str):
    """WSGI entry point for one Image Builder request made by `account_id` in `region`."""
    return SERVICE.app(environ, start_response, account_id, region)
