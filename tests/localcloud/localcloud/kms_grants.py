"""KMS grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and RevokeGrant.

AWS facts relied on (AWS KMS Developer Guide, "Grants in AWS KMS", "Retiring and revoking
grants"; API Reference for the five operations):
- A grant lives on its key. It may be created on another account's key by naming the key's
  ARN ("Cross-account use: Yes"); it records the account that created it (`IssuingAccount`,
  `arn:aws:iam::ACCOUNT:root`) and its `CreationDate`, and the key's ListGrants lists it.
- `Name` makes CreateGrant idempotent: a request repeating a named grant's parameters returns
  the original GrantId (with a new grant token); without a name every request adds a grant.
  Names match `^[a-zA-Z0-9:/_-]+$`. The grantee and retiring principals are principal ARNs.
  A disabled key refuses new grants (`DisabledException`), one pending deletion too
  (`KMSInvalidStateException`). `DryRun` answers `DryRunOperationException`.
- ListGrants filters by GrantId and GranteePrincipal and pages with Limit (default 50, at
  most 100 are returned) and Marker/NextMarker/Truncated (`InvalidMarkerException` for a
  marker it did not issue). ListRetirableGrants lists the grants on keys of any account whose
  retiring principal is the one given.
- RetireGrant takes a grant token, or the key ARN and the grant id; RevokeGrant the key and
  the grant id. An unknown grant is `NotFoundException`, an unknown token
  `InvalidGrantTokenException`. Who may retire is decided by the grant (localcloud.kms_access).

Who may call these operations (key policies, IAM, the grant's retiring principal) is checked
before the request gets here, by `localcloud.kms_access.check`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from moto.kms.models import Key
from moto.kms.responses import KmsResponse

from localcloud import kms_keys
from localcloud.kms_keys import KmsError

_NAME = re.compile(r"[a-zA-Z0-9:/_-]+")
_PRINCIPAL = re.compile(r"arn:aws:(iam|sts)::\d{12}:.+")
_PAGE = 100
_DEFAULT_PAGE = 50


@dataclass
class Grant:
    """One grant on a key."""

    key_arn: str
    grantee: str
    operations: list[str]
    issuing_account: str
    name: str | None = None
    retiring: str | None = None
    constraints: dict[str, dict[str, str]] | None = None
    id: str = field(default_factory=lambda: secrets.token_hex(32))
    created: float = field(default_factory=time.time)

    def entry(self) -> dict[str, Any]:
        """The GrantListEntry of ListGrants and ListRetirableGrants."""
        listed: dict[str, Any] = {
            "KeyId": self.key_arn,
            "GrantId": self.id,
            "CreationDate": self.created,
            "GranteePrincipal": self.grantee,
            "IssuingAccount": f"arn:aws:iam::{self.issuing_account}:root",
            "Operations": list(self.operations),
        }
        if self.name is not None:
            listed["Name"] = self.name
        if self.retiring is not None:
            listed["RetiringPrincipal"] = self.retiring
        if self.constraints:
            listed["Constraints"] = self.constraints
        return listed

    def repeats(self, other: Grant) -> bool:
        """Whether `other`, a named CreateGrant, repeats this grant's parameters."""
        return (
            self.name == other.name
            and self.grantee == other.grantee
            and sorted(self.operations) == sorted(other.operations)
            and self.retiring == other.retiring
            and (self.constraints or None) == (other.constraints or None)
        )


_LOCK = threading.RLock()
# grant token -> (key ARN, grant id); retiring principal -> {(key ARN, grant id)}
_BY_TOKEN: dict[str, tuple[str, str]] = {}
_BY_RETIRING: dict[str, set[tuple[str, str]]] = {}


def grants_of(key: Key) -> dict[str, Grant]:
    """A key's grants by id, kept on moto's Key object."""
    grants = getattr(key, "localcloud_grants", None)
    if grants is None:
        grants = key.localcloud_grants = {}
    return grants


def listed(key: Key) -> list[Grant]:
    """A key's grants, oldest first."""
    with _LOCK:
        return sorted(grants_of(key).values(), key=lambda g: g.created)


def _key_by_arn(arn: str) -> Key | None:
    parsed = kms_keys.parse_arn(arn)
    if parsed is None:
        return None
    region, account, _, key_id = parsed
    store = kms_keys.backend(account, region, create=False)
    return store.keys.get(key_id) if store is not None else None


def _new_token(grant: Grant) -> str:
    token = base64.urlsafe_b64encode(secrets.token_bytes(96)).decode().rstrip("=")
    _BY_TOKEN[token] = (grant.key_arn, grant.id)
    return token


def add(key: Key, grant: Grant) -> tuple[Grant, str]:
    """Add `grant` to `key`, or find the named grant it repeats; returns the grant and a new token."""
    with _LOCK:
        grants = grants_of(key)
        if grant.name is not None:
            existing = next((g for g in grants.values() if g.repeats(grant)), None)
            if existing is not None:
                return existing, _new_token(existing)
        grants[grant.id] = grant
        if grant.retiring is not None:
            _BY_RETIRING.setdefault(grant.retiring, set()).add((grant.key_arn, grant.id))
        return grant, _new_token(grant)


def remove(key: Key, grant_id: str) -> None:
    """Delete a grant (retired or revoked)."""
    with _LOCK:
        grant = grants_of(key).pop(grant_id, None)
        if grant is not None and grant.retiring is not None:
            _BY_RETIRING.get(grant.retiring, set()).discard((grant.key_arn, grant.id))


def by_token(token: str) -> tuple[Key, Grant] | None:
    """The key and grant a grant token names, while the grant exists."""
    found = _BY_TOKEN.get(token)
    key = _key_by_arn(found[0]) if found is not None else None
    grant = grants_of(key).get(found[1]) if key is not None and found is not None else None
    return (key, grant) if key is not None and grant is not None else None


def retirable(principal: str) -> list[Grant]:
    """Grants on keys of any account whose retiring principal is `principal`, oldest first."""
    with _LOCK:
        found = []
        for key_arn, grant_id in list(_BY_RETIRING.get(principal, ())):
            key = _key_by_arn(key_arn)
            grant = grants_of(key).get(grant_id) if key is not None else None
            if grant is not None:
                found.append(grant)
    return sorted(found, key=lambda g: g.created)


def named_key(response: KmsResponse, key_id: Any) -> Key:
    """The key a grant operation names (another account's by ARN), or NotFoundException."""
    key = kms_keys.find(str(key_id), response.current_account, response.region) if key_id else None
    if key is None:
        raise KmsError(
            "NotFoundException", f"Key '{kms_keys.arn_of(str(key_id), response.current_account, response.region)}' does not exist"
        )
    return key


def named_grant(key: Key, grant_id: Any) -> Grant:
    """A grant of `key` by id, or NotFoundException."""
    grant = grants_of(key).get(str(grant_id))
    if grant is None:
        raise KmsError("NotFoundException", f"Grant ID {grant_id} not found")
    return grant


def _dry_run(response: KmsResponse) -> None:
    if response._get_param("DryRun"):
        raise KmsError("DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")


def _page(entries: list[dict[str, Any]], limit: Any, marker: Any) -> dict[str, Any]:
    size = min(int(limit), _PAGE) if limit is not None else _DEFAULT_PAGE
    start = 0
    if marker is not None:
        if not str(marker).isdigit() or int(marker) > len(entries):
            raise KmsError(
                "InvalidMarkerException",
                "The request was rejected because the marker that specifies where pagination should next begin is not valid.",
            )
        start = int(marker)
    answer: dict[str, Any] = {"Grants": entries[start : start + size], "Truncated": start + size < len(entries)}
    if answer["Truncated"]:
        answer["NextMarker"] = str(start + size)
    return answer


def _principal(value: Any, member: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _PRINCIPAL.fullmatch(value):
        raise KmsError("InvalidArnException", f"{member} {value!r} is not the ARN of an AWS principal.")
    return value


# --- responses ----------------------------------------------------------------------------------


def create_grant(self: KmsResponse) -> str:
    """CreateGrant."""
    key = named_key(self, self._get_param("KeyId"))
    name = self._get_param("Name")
    if name is not None and not _NAME.fullmatch(str(name)):
        raise KmsError(
            "ValidationException",
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        )
    grantee = _principal(self._get_param("GranteePrincipal"), "GranteePrincipal")
    if grantee is None:
        raise KmsError("ValidationException", "You must specify either GranteePrincipal or GranteeServicePrincipal.")
    if key.key_state == "Disabled":
        raise KmsError("DisabledException", f"{key.arn} is disabled.")
    if key.key_state != "Enabled":
        raise KmsError("KMSInvalidStateException", f"{key.arn} is pending deletion.")
    _dry_run(self)
    wanted = Grant(
        key_arn=key.arn,
        grantee=grantee,
        operations=list(self._get_param("Operations") or []),
        issuing_account=self.current_account,
        name=name,
        retiring=_principal(self._get_param("RetiringPrincipal"), "RetiringPrincipal"),
        constraints=self._get_param("Constraints") or None,
    )
    grant, token = add(key, wanted)
    return json.dumps({"GrantToken": token, "GrantId": grant.id})


def list_grants(self: KmsResponse) -> str:
    """ListGrants."""
    key = named_key(self, self._get_param("KeyId"))
    grant_id = self._get_param("GrantId")
    grantee = self._get_param("GranteePrincipal")
    entries = [
        g.entry() for g in listed(key) if (grant_id is None or g.id == grant_id) and (grantee is None or g.grantee == grantee)
    ]
    return json.dumps(_page(entries, self._get_param("Limit"), self._get_param("Marker")))


def list_retirable_grants(self: KmsResponse) -> str:
    """ListRetirableGrants."""
    principal = self._get_param("RetiringPrincipal")
    if principal is None:
        raise KmsError("ValidationException", "You must specify either RetiringPrincipal or RetiringServicePrincipal.")
    entries = [g.entry() for g in retirable(str(principal))]
    return json.dumps(_page(entries, self._get_param("Limit"), self._get_param("Marker")))


def target_of_retire(response: KmsResponse) -> tuple[Key, Grant]:
    """The key and grant a RetireGrant request names (by token, or key ARN and grant id)."""
    token = response._get_param("GrantToken")
    if token is not None:
        found = by_token(str(token))
        if found is None:
            raise KmsError("InvalidGrantTokenException", "The request was rejected because the specified grant token is not valid.")
        return found
    key_id, grant_id = response._get_param("KeyId"), response._get_param("GrantId")
    if key_id is None or grant_id is None:
        raise KmsError("ValidationException", "Either GrantToken, or GrantId and KeyId, must be specified.")
    key = named_key(response, key_id)
    return key, named_grant(key, grant_id)


def retire_grant(self: KmsResponse) -> str:
    """RetireGrant."""
    key, grant = target_of_retire(self)
    _dry_run(self)
    remove(key, grant.id)
    return "{}"


def revoke_grant(self: KmsResponse) -> str:
    """RevokeGrant."""
    key = named_key(self, self._get_param("KeyId"))
    grant = named_grant(key, self._get_param("GrantId"))
    _dry_run(self)
    remove(key, grant.id)
    return "{}"


def install() -> None:
    """Replace moto's grant operations; idempotent."""
    KmsResponse.create_grant = create_grant
    KmsResponse.list_grants = list_grants
    KmsResponse.list_retirable_grants = list_retirable_grants
    KmsResponse.retire_grant = retire_grant
    KmsResponse.revoke_grant = revoke_grant
