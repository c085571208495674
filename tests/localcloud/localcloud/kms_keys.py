"""KMS keys as AWS keeps them: found across accounts, AWS managed keys, key policies.

Grants are `localcloud.kms_grants`; who may use a key is `localcloud.kms_access`.

AWS facts relied on (AWS KMS Developer Guide and API Reference):
- "Key identifiers": a key ID or key ARN names a key; an alias name or alias ARN names the key
  the alias points to. Operations whose reference says "Cross-account use: Yes" (CreateGrant,
  DescribeKey, ListGrants, RevokeGrant, RetireGrant and the cryptographic operations) take a key
  ARN (or, for the cryptographic ones, an alias ARN) of another account; the others (PutKeyPolicy,
  GetKeyPolicy, EnableKey, …) only act on the caller's own keys. KMS is regional: a key is used
  in its own Region.
- "AWS managed keys": `alias/aws/<service>` keys are created by AWS in the account when first
  needed (DescribeKey on a predefined alias creates it, as the DescribeKey reference says),
  `KeyManager` is `AWS`, and their key policy is fixed. Amazon EBS's (`auto-ebs-2`) lets every
  principal of the account use the key only through EC2 in that Region (`kms:CallerAccount`,
  `kms:ViaService`) and the account read its metadata and revoke grants; nothing else, so it
  cannot be used from another account and its policy cannot be changed. ListAliases lists the
  predefined aliases of keys not created yet without a `TargetKeyId`.
- "Default key policy": a key created through the API without a policy gets
  `{"Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions", … root … kms:*}]}`.
- PutKeyPolicy / CreateKey `Policy`: `PolicyName` defaults to `default`; the principals must
  exist ("Policy contains a statement with one or more invalid principals", AWS Knowledge
  Center "kms-policy-error-invalid-principals"); unless `BypassPolicyLockoutSafetyCheck`, the
  new policy must let the caller call PutKeyPolicy again ("The new key policy will not allow you
  to update the key policy in the future"); both are `MalformedPolicyDocumentException`.

Moto keeps each account's keys in its own backend and looked a key ARN up in the caller's
backend only, created predefined aliases as customer managed "Default key"s, listed invented
TargetKeyIds for predefined aliases, refused GetKeyPolicy without PolicyName and left KeyUsage
unset when CreateKey omitted it. Key lookups here use `dict.get` on the owner's backends,
so the cost of a request does not grow with the number of accounts.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms.models import Key, KmsBackend, kms_backends
from moto.kms.responses import KmsResponse
from moto.kms.utils import RESERVED_ALIASES

# Operations on a key's material; they take another account's key (by key or alias ARN) and aliases.
_CRYPTOGRAPHIC = frozenset(
    {
        "Encrypt",
        "Decrypt",
        "ReEncrypt",
        "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext",
        "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac",
        "VerifyMac",
        "GetPublicKey",
        "Sign",
        "Verify",
    }
)
# Operations whose reference says "Cross-account use: Yes".
CROSS_ACCOUNT = _CRYPTOGRAPHIC | {"CreateGrant", "DescribeKey", "ListGrants", "RevokeGrant", "RetireGrant"}
# Operations whose KeyId may be an alias name or alias ARN; the others take a key id or key ARN.
ALIASES_ACCEPTED = _CRYPTOGRAPHIC | {"DescribeKey"}
_AWS_MANAGED_DESCRIPTION = {
    "alias/aws/ebs": "Default master key that protects my EBS volumes when no other key is defined",
}


class KmsError(JsonRESTError):
    """An error in KMS's JSON protocol (HTTP 400, `__type` and `message`)."""

    code = 400


# --- finding keys ------------------------------------------------------------------------------


def backend(account: str, region: str, create: bool = True) -> KmsBackend | None:
    """The KMS backend of an account and Region (None when absent and `create` is false)."""
    if create:
        return kms_backends[account][region]
    regions = dict.get(kms_backends, account)
    return dict.get(regions, region) if regions is not None else None


def parse_arn(text: str) -> tuple[str, str, str, str] | None:
    """(region, account, kind, name) of a KMS key or alias ARN; kind is `key` or `alias`."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "kms":
        return None
    kind, _, name = parts[5].partition("/")
    if kind not in ("key", "alias") or not name:
        return None
    return parts[3], parts[4], kind, name


def find(key_id: str, account: str, region: str, cross_account: bool = True, aliases: bool = True) -> Key | None:
    """The key `key_id` (id, key ARN, alias name or alias ARN) names for a caller in `account`
    and `region`; another account's key only by ARN and when `cross_account`, aliases only
    when `aliases`. Creates a predefined AWS managed key of the caller's account that an
    alias names, as KMS does."""
    arn = parse_arn(key_id)
    if arn is not None:
        key_region, owner, kind, name = arn
        if key_region != region or (owner != account and not cross_account) or (kind == "alias" and not aliases):
            return None
        store = backend(owner, region, create=owner == account)
        if store is None:
            return None
        return _alias_target(store, f"alias/{name}") if kind == "alias" else store.keys.get(name)
    store = backend(account, region)
    if key_id.startswith("alias/"):
        return _alias_target(store, key_id) if aliases else None
    return store.keys.get(key_id)


def _alias_target(store: KmsBackend, alias: str) -> Key | None:
    for key in list(store.keys.values()):
        if alias in key.aliases:
            return key
    if alias in RESERVED_ALIASES:
        return aws_managed_key(store, alias)
    return None


def arn_of(key_id: str, account: str, region: str) -> str:
    """The ARN a KeyId would name (for keys that do not exist: how denials name them)."""
    if key_id.startswith("arn:"):
        return key_id
    if key_id.startswith("alias/"):
        return f"arn:aws:kms:{region}:{account}:{key_id}"
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def tags_of(key: Key) -> dict[str, str]:
    """A key's tags (for `aws:ResourceTag/…`)."""
    store = backend(key.account_id, key.region, create=False)
    return dict(store.tagger.get_tag_dict_for_resource(key.id)) if store is not None else {}


# --- AWS managed keys --------------------------------------------------------------------------


def _service_of(alias: str) -> str:
    return alias.rsplit("/", 1)[-1]


def managed_key_policy(alias: str, account: str, region: str) -> str:
    """The fixed key policy of an AWS managed key (EBS's `auto-ebs-2`; other services' keys follow its pattern)."""
    service = _service_of(alias)
    via = "ec2" if service == "ebs" else service
    label = "EBS" if service == "ebs" else service
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": f"auto-{service}-2",
            "Statement": [
                {
                    "Sid": f"Allow access through {label} for all principals in the account that are authorized to use {label}",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "kms:Encrypt",
                        "kms:Decrypt",
                        "kms:ReEncrypt*",
                        "kms:GenerateDataKey*",
                        "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"{via}.{region}.amazonaws.com"}
                    },
                },
                {
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant"],
                    "Resource": "*",
                },
            ],
        }
    )


_MANAGED_LOCK = threading.Lock()


def aws_managed_key(store: KmsBackend, alias: str) -> Key:
    """The AWS managed key `alias` names in a backend's account and Region, created on first use."""
    with _MANAGED_LOCK:
        for key in list(store.keys.values()):
            if alias in key.aliases:
                return key
        description = _AWS_MANAGED_DESCRIPTION.get(alias, f"Default key that protects my {_service_of(alias)} resources")
        key = store.create_key(
            managed_key_policy(alias, store.account_id, store.region_name),
            "ENCRYPT_DECRYPT",
            "SYMMETRIC_DEFAULT",
            description,
            None,
        )
        key.key_manager = "AWS"
        store.create_alias(key.id, alias)
        return key


def is_aws_managed(key: Key) -> bool:
    """Whether AWS manages `key` (an `alias/aws/…` key)."""
    return key.key_manager == "AWS"


def _generate_default_keys(self: KmsBackend, alias_name: str) -> str | None:
    if alias_name not in RESERVED_ALIASES:
        return None
    return aws_managed_key(self, alias_name).id


def _list_aliases_response(self: KmsResponse) -> str:
    """ListAliases: the account's aliases, and predefined aliases of keys not created yet without a TargetKeyId."""
    key_id = self._get_param("KeyId")
    store = self.kms_backend
    wanted = None
    if key_id is not None:
        key = find(key_id, self.current_account, self.region, cross_account=False)
        if key is None:
            raise KmsError("NotFoundException", f"Key '{arn_of(key_id, self.current_account, self.region)}' does not exist")
        wanted = key.id
    listed = [
        {"AliasName": alias.alias_name, "AliasArn": alias.alias_arn, "TargetKeyId": alias.target_key_id}
        for alias in store.list_aliases(key_id=wanted)
    ]
    if wanted is None:
        present = {entry["AliasName"] for entry in listed}
        listed += [
            {"AliasName": alias, "AliasArn": f"arn:aws:kms:{self.region}:{self.current_account}:{alias}"}
            for alias in RESERVED_ALIASES
            if alias not in present
        ]
    return json.dumps({"Aliases": listed, "Truncated": False})


# --- key policies ------------------------------------------------------------------------------


def _policy_name(name: Any) -> None:
    if name not in (None, "default"):
        raise KmsError("NotFoundException", "No such policy exists")


def _get_key_policy_response(self: KmsResponse) -> str:
    _policy_name(self._get_param("PolicyName"))
    key = _own_key(self, self._get_param("KeyId"))
    return json.dumps({"Policy": key.policy, "PolicyName": "default"})


def _put_key_policy_response(self: KmsResponse) -> str:
    from localcloud import kms_access

    _policy_name(self._get_param("PolicyName"))
    key = _own_key(self, self._get_param("KeyId"))
    policy = self._get_param("Policy")
    kms_access.validate_policy(policy, self.current_account, bool(self._get_param("BypassPolicyLockoutSafetyCheck")), key.arn)
    key.policy = policy
    return json.dumps(None)


def _own_key(response: KmsResponse, key_id: Any) -> Key:
    key = find(str(key_id), response.current_account, response.region, cross_account=False, aliases=False)
    if key is None:
        raise KmsError("NotFoundException", f"Key '{arn_of(str(key_id), response.current_account, response.region)}' does not exist")
    return key


def _creating_keys(create: Any) -> Any:
    def create_key(self: KmsResponse) -> str:
        from localcloud import kms_access

        policy = self._get_param("Policy")
        if policy is not None:
            bypass = bool(self._get_param("BypassPolicyLockoutSafetyCheck"))
            arn = f"arn:aws:kms:{self.region}:{self.current_account}:key/*"
            kms_access.validate_policy(policy, self.current_account, bypass, arn)
        answer = json.loads(create(self))
        metadata = answer["KeyMetadata"]
        # Moto leaves KeyUsage unset when the request omits it; the API's default is ENCRYPT_DECRYPT.
        key = self.kms_backend.keys[metadata["KeyId"]]
        key.key_usage = key.key_usage or "ENCRYPT_DECRYPT"
        key.multi_region = bool(key.multi_region)
        return json.dumps(key.to_dict())

    create_key._localcloud = True  # type: ignore[attr-defined]
    return create_key


def install() -> None:
    """Patch moto's KMS backend and responses; idempotent."""
    KmsBackend._generate_default_keys = _generate_default_keys
    KmsResponse.list_aliases = _list_aliases_response
    KmsResponse.get_key_policy = _get_key_policy_response
    KmsResponse.put_key_policy = _put_key_policy_response
    if not getattr(KmsResponse.create_key, "_localcloud", False):
        KmsResponse.create_key = _creating_keys(KmsResponse.create_key)
    # Key policies are evaluated by localcloud.kms_access before moto sees the request; moto's
    # own check denied DescribeKey for any Deny statement, whatever its principal and conditions.
    KmsResponse._validate_key_policy = lambda self, key_id, action: None
    KmsResponse.kms_backend = property(_routed_backend)


def _routed_backend(self: KmsResponse) -> KmsBackend:
    """The backend holding the key a cross-account operation names by ARN; else the caller's."""
    key_id = self._get_param("KeyId")
    if isinstance(key_id, str) and self._get_action() in CROSS_ACCOUNT:
        parsed = parse_arn(key_id)
        if parsed is not None and parsed[0] == self.region and parsed[1] != self.current_account:
            owner = backend(parsed[1], self.region, create=False)
            if owner is not None:
                return owner
    return kms_backends[self.current_account][self.region]
