"""AMI deregistration protection, which moto lacks: EnableImageDeregistrationProtection,
DisableImageDeregistrationProtection, DeregisterImage refused while protected, and
`DeregistrationProtection` in DescribeImages and DescribeImageAttribute.

AWS facts relied on (EC2 API Reference, EnableImageDeregistrationProtection,
DisableImageDeregistrationProtection, Image; EC2 User Guide, "Protect an Amazon EC2 AMI from
deregistration"; the AWS CLI's examples for both commands):
- every AMI, old or new, starts with protection off; while it is on, nobody can deregister the
  AMI, whatever their IAM permissions, until it is turned off;
- `WithCooldown=true` keeps the protection for 24 hours after it is turned off: the AMI can't be
  deregistered during that cooldown, and can be once it has passed;
- both calls name one AMI, which only its owner may change (as for the AMI's other attributes);
  DryRun answers DryRunOperation;
- `Return` is a string, not a boolean: the CLI's examples show `enabled-without-cooldown` for
  Enable and `disabled` for Disable; DescribeImages' `DeregistrationProtection` says the same
  (`disabled`, `enabled-without-cooldown`, `enabled-with-cooldown`), as does
  DescribeImageAttribute's `deregistrationProtection` attribute (ImageAttributeName).

Not documented, so localcloud's choices: during a cooldown the state reads
`disabled-until <ISO 8601 time>`, and re-enabling (with or without cooldown) then disabling
again never ends a running cooldown early; DeregisterImage on a protected AMI answers
`OperationNotPermitted` (EC2's code for an operation a protection forbids, as for termination
protection) with localcloud's wording; every account that can see the AMI sees its state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Callable

from moto.core.responses import ActionResult
from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models.amis import Ami, AmiBackend
from moto.ec2.responses.amis import AmisResponse

from localcloud.ec2_lifecycle import owned
from localcloud.patching import wrap_once

_COOLDOWN = timedelta(hours=24)


def protection(ami: Any) -> str:
    """The AMI's `DeregistrationProtection` as DescribeImages shows it now."""
    enabled = getattr(ami, "_localcloud_protection", None)
    if enabled is not None:
        return enabled
    until = getattr(ami, "_localcloud_protected_until", None)
    if until is not None and datetime.now(UTC) < until:
        return f"disabled-until {until.strftime('%Y-%m-%dT%H:%M:%S.000Z')}"
    return "disabled"


def _protected(ami: Any) -> bool:
    return protection(ami) != "disabled"


def _enable_response(self: Any) -> Any:
    image_id = self._get_param("ImageId")
    with_cooldown = self._get_bool_param("WithCooldown", False)
    self.error_on_dryrun()
    ami = owned(self.ec2_backend, image_id)
    ami._localcloud_protection = "enabled-with-cooldown" if with_cooldown else "enabled-without-cooldown"
    return ActionResult({"Return": protection(ami)})


def _disable_response(self: Any) -> Any:
    image_id = self._get_param("ImageId")
    self.error_on_dryrun()
    ami = owned(self.ec2_backend, image_id)
    if getattr(ami, "_localcloud_protection", None) == "enabled-with-cooldown":
        ends = datetime.now(UTC).replace(microsecond=0) + _COOLDOWN
        # A cooldown already running is not cut short by enabling and disabling again.
        ami._localcloud_protected_until = max(ends, getattr(ami, "_localcloud_protected_until", None) or ends)
    ami._localcloud_protection = None
    return ActionResult({"Return": protection(ami)})


def _describing_protection(describe: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def describe_image_attribute(self: Any) -> Any:
        if self._get_param("Attribute") != "deregistrationProtection":
            return describe(self)
        image_id = self._get_param("ImageId")
        self.error_on_dryrun()
        # Like the AMI's other attributes here, only its owner reads it.
        ami = owned(self.ec2_backend, image_id)
        return ActionResult({"ImageId": image_id, "DeregistrationProtection": {"Value": protection(ami)}})

    return describe_image_attribute


def _refusing_protected(deregister: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
    def deregister_image(self: Any, ami_id: str) -> None:
        ami = self.amis.get(ami_id)
        # Another account's AMI is refused by the ownership check further in.
        if ami is not None and ami.owner_id == self.account_id and _protected(ami):
            state = protection(ami)
            raise EC2ClientError(
                "OperationNotPermitted",
                f"The image {ami_id} can't be deregistered while deregistration protection is on ({state}). "
                "Disable deregistration protection first; with a cooldown it stays on for 24 hours after that.",
            )
        deregister(self, ami_id)

    return deregister_image


def install() -> None:
    """Answer the protection calls in moto's EC2 and guard DeregisterImage; idempotent.

    Call after `ec2_lifecycle.install()`, whose DeregisterImage this wraps.
    """
    AmisResponse.enable_image_deregistration_protection = _enable_response
    AmisResponse.disable_image_deregistration_protection = _disable_response
    Ami.deregistration_protection = property(protection)
    wrap_once(AmisResponse, "describe_image_attribute", _describing_protection)
    wrap_once(AmiBackend, "deregister_image", _refusing_protected)
