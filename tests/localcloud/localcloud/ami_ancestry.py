"""EC2 GetImageAncestry, which moto lacks: the chain from an AMI back to its root AMI.

AWS facts (EC2 API Reference, GetImageAncestry and ImageAncestryEntry; EC2 User Guide, "AMI
ancestry" and "Identify the source AMI used to create a new AMI"):
- the entries run from the given AMI to the root, each with its creation date, owner alias
  (amazon, aws-marketplace, aws-backup-vault, else absent) and source (parent) AMI and Region;
- an AMI records its source when CreateImage, CopyImage or CreateRestoreImageTask made it
  (DescribeImages' SourceImageId/SourceImageRegion); one without a source is the root;
- an AMI the caller can neither own nor launch is InvalidAMIID.NotFound.

Here the AMIs Image Builder builds record their source (`localcloud.imagebuilder.distribute`);
other moto AMIs are roots.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.ec2.exceptions import InvalidAMIIdError
from moto.ec2.responses.amis import AmisResponse

from localcloud import amis


def _find(account: str, image_id: str, region: str) -> Any:
    """An AMI by id: the caller's own (or moto's Amazon catalogue, which every backend holds),
    else the one another account owns."""
    from moto.ec2.models import ec2_backends

    own = ec2_backends[account][region].amis.get(image_id)
    if own is not None:
        return own
    for regional in list(dict.values(ec2_backends)):
        backend = dict.get(regional, region)
        ami = backend.amis.get(image_id) if backend is not None else None
        if ami is not None and ami.owner_id == backend.account_id:
            return ami
    return None


def ancestry(account: str, region: str, image_id: str) -> list[dict]:
    """The ancestry entries of an AMI `account` can see in `region`, nearest first."""
    ami = _find(account, image_id, region)
    if ami is None or not amis.visible_to(ami, account):
        raise InvalidAMIIdError([image_id])
    entries: list[dict] = []
    seen: set[str] = set()
    while ami is not None and ami.id not in seen:
        seen.add(ami.id)
        source_id = getattr(ami, "source_image_id", None)
        source_region = getattr(ami, "source_image_region", None)
        entry = {"ImageId": ami.id, "CreationDate": ami.creation_date}
        if ami.owner_alias:
            entry["ImageOwnerAlias"] = ami.owner_alias
        if source_id:
            entry["SourceImageId"], entry["SourceImageRegion"] = source_id, source_region
        entries.append(entry)
        ami = _find(account, source_id, source_region) if source_id else None
    return entries


def _get_image_ancestry(self: Any) -> ActionResult:
    image_id = self._get_param("ImageId")
    self.error_on_dryrun()
    return ActionResult(
        {"ImageAncestryEntries": ancestry(self.ec2_backend.account_id, self.ec2_backend.region_name, image_id)}
    )


def install() -> None:
    """Answer GetImageAncestry in moto's EC2."""
    AmisResponse.get_image_ancestry = _get_image_ancestry
