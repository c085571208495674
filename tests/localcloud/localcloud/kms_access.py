"""Who may use a KMS key: its key policy, its grants and the caller's IAM policies, together.

Used for every KMS call that names a key (`check`, before moto answers), for AWS services that
use a key on a principal's behalf (`refusal`: EC2 launching from an encrypted snapshot, Image
Builder encrypting an AMI), and for the key policies PutKeyPolicy and CreateKey accept
(`validate_policy`).

AWS facts relied on (AWS KMS Developer Guide: "Determining access to AWS KMS keys", "Key policies
in AWS KMS", "Default key policy", "Allowing users in other accounts to use a KMS key", "Grants in
AWS KMS", "Retiring and revoking grants", "AWS KMS condition keys"; IAM User Guide, "Cross-account
policy evaluation logic"; Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use
with encrypted volumes"; AWS managed policies AutoScalingServiceRolePolicy and
AWSServiceRoleForImageBuilder):
- No principal, the account root included, may use a key unless its key policy allows it. A
  statement naming the account (`arn:aws:iam::ACCOUNT:root`) delegates to that account's IAM
  policies; in the key's own account a statement naming the principal itself (its ARN, its
  role's ARN, or `*`) is enough on its own.
- A principal of another account needs both: the key policy allows it (its account, itself or
  `*` under conditions) and its own IAM policies allow the action on the key.
- An explicit Deny in the key policy or the IAM policies wins. A grant allows its operations to
  its grantee principal without the key policy or IAM; a grant to an account root still needs
  that account's IAM policies. Encryption context constraints of a grant apply to every
  operation but DescribeKey and RetireGrant.
- Condition keys: `kms:CallerAccount`, `kms:ViaService` (`ec2.REGION.amazonaws.com` when EC2
  uses the key for the principal; absent on direct calls), `kms:GrantIsForAWSResource` (`true`
  only when an AWS service creates the grant), `kms:GranteePrincipal`, `kms:RetiringPrincipal`,
  `kms:GrantOperations`, `kms:EncryptionContextKeys`, `kms:EncryptionContext:K`, and the global
  keys of localcloud.iam_enforce (`aws:PrincipalOrgID`, `aws:PrincipalArn`, …).
- Service-linked roles hold permissions AWS fixes: AutoScalingServiceRolePolicy has no KMS
  permission, so the Auto Scaling role may use a customer managed key only where the key policy
  names it in the key's account or through a grant; AWSServiceRoleForImageBuilder allows the
  KMS operations EBS needs through EC2. Their policies (moto ships AWS's documents) are
  evaluated whatever `enforce_iam` says; other principals' IAM policies only under `enforce_iam`.
- RetireGrant is authorized by the grant: its retiring principal, its grantee when the grant
  allows RetireGrant, and the account that created the grant; IAM may only deny. PutKeyPolicy
  and CreateKey refuse principals that do not exist and, without
  BypassPolicyLockoutSafetyCheck, a policy that would not let the caller change it again
  (`MalformedPolicyDocumentException`). IAM is eventually consistent: a role or user made
  moments ago is not there yet for KMS (Terraform's provider retries this refusal for two
  minutes, hashicorp/terraform#11509, terraform-provider-aws#24697), so under
  `propagation_seconds` KMS sees IAM as other services do (`localcloud.propagation`), identity
  policies included.
- Denials are `AccessDeniedException` (HTTP 400, KMS's JSON protocol): "User: ARN is not authorized
  to perform: kms:X on resource: KEY because no resource-based policy allows the kms:X action"
  (or "… no identity-based policy …", "with an explicit deny in a resource-based policy", "with an
  explicit deny in an identity-based policy").
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from moto.kms.models import Key

from localcloud import iam_actions, iam_enforce, kms_grants, kms_keys, propagation, protocols
from localcloud.control import CONFIG
from localcloud.iam_enforce import ROOT, SESSION, Principal
from localcloud.iam_policy import ALLOW, DENY, PolicyError, Statement, compile_policy, decide
from localcloud.kms_keys import KmsError

# Service-linked roles a launch or build acts as: service principal -> (role name, session name, AWS managed policy).
_SERVICE_ROLES = {
    "autoscaling.amazonaws.com": ("AWSServiceRoleForAutoScaling", "AutoScaling", "AutoScalingServiceRolePolicy"),
    "imagebuilder.amazonaws.com": ("AWSServiceRoleForImageBuilder", "ImageBuilder", "AWSServiceRoleForImageBuilder"),
}
_SERVICE_ROLE_ARN = re.compile(r"arn:aws:iam::\d{12}:role/aws-service-role/([^/]+)/[^/]+")
# Grant operations on which encryption context constraints are not enforced.
_UNCONSTRAINED = {"DescribeKey", "RetireGrant"}
_PRINCIPAL_ARN = re.compile(r"arn:aws:(?:iam::(\d{12}):(root|role/.+|user/.+)|sts::(\d{12}):assumed-role/.+)")


def service_linked_principal(account: str, service: str) -> Principal:
    """The session an AWS service acts as in `account` through its service-linked role."""
    role, session, _ = _SERVICE_ROLES[service]
    role_arn = f"arn:aws:iam::{account}:role/aws-service-role/{service}/{role}"
    return Principal(SESSION, account, f"arn:aws:sts::{account}:assumed-role/{role}/{session}", role_arn, role, f"{role}:{session}")


def service_role_policy_arn(service: str) -> str:
    """The ARN of the AWS managed policy a service's service-linked role holds."""
    return f"arn:aws:iam::aws:policy/aws-service-role/{_SERVICE_ROLES[service][2]}"


def service_linked_role_arn(account: str, service: str) -> str:
    """The ARN of a service's service-linked role in `account`."""
    return service_linked_principal(account, service).principal_arn


@functools.lru_cache(maxsize=None)
def _managed_policy(name: str) -> tuple[Statement, ...]:
    """A service-linked role's AWS managed policy, from the copy of AWS's documents moto ships."""
    document = _service_role_documents()[name]
    return compile_policy(document, f"arn:aws:iam::aws:policy/aws-service-role/{name}")


@functools.lru_cache(maxsize=1)
def _service_role_documents() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    every = json.loads(aws_managed_policies_data)
    return {policy: every[policy]["Document"] for _, _, policy in _SERVICE_ROLES.values()}


def _identity(principal: Principal) -> tuple[Statement, ...] | None:
    """The principal's IAM policies, or None when IAM does not restrict it (the root, or no `enforce_iam`)."""
    linked = _SERVICE_ROLE_ARN.fullmatch(principal.principal_arn)
    if linked is not None and linked.group(1) in _SERVICE_ROLES:
        return _managed_policy(_SERVICE_ROLES[linked.group(1)][2])
    if principal.kind == ROOT or not CONFIG.enforce_iam:
        return None
    return iam_enforce.identity_statements(principal)


def _key_statements(key: Key) -> tuple[Statement, ...]:
    return iam_enforce.compiled(f"{key.arn} key policy", key.policy)


@dataclass(frozen=True)
class _Via:
    """The request an AWS service makes of KMS on a principal's behalf, as RequestContext reads it."""

    service: str
    region: str


def _decide(
    principal: Principal,
    owner: str,
    resource: str,
    statements: tuple[Statement, ...],
    grants: list[kms_grants.Grant],
    action: str,
    context: iam_enforce.RequestContext,
    encryption_context: dict[str, str],
) -> str | None:
    """None when `principal` may take `action` on the key; else why not, in IAM's words."""
    names = iam_enforce.principal_names(principal)
    by_key, matched = decide(statements, action, resource, context, lambda p: bool(names & set(p)))
    if by_key == DENY:
        return "with an explicit deny in a resource-based policy"
    identity_statements = _identity(principal)
    identity = ALLOW if identity_statements is None else decide(identity_statements, action, resource, context)[0]
    if identity == DENY:
        return "with an explicit deny in an identity-based policy"
    if by_key == ALLOW:
        itself = names - {f"AWS:arn:aws:iam::{principal.account}:root"}
        names_itself = any(set(s.principals or ()) & itself for s in matched)
        if identity == ALLOW or (names_itself and principal.account == owner):
            return None
    granted = _granted(grants, principal, action, encryption_context)
    if granted == "itself" or (granted == "account" and identity == ALLOW):
        return None
    if by_key != ALLOW:
        return f"because no resource-based policy allows the {action} action"
    return f"because no identity-based policy allows the {action} action"


def _granted(grants: list[kms_grants.Grant], principal: Principal, action: str, encryption_context: dict[str, str]) -> str | None:
    """`itself` when a grant names the principal, `account` when one names its account, else None."""
    operation = action.split(":", 1)[1]
    found = None
    for grant in grants:
        if operation not in grant.operations or not _constraints_hold(grant, operation, encryption_context):
            continue
        if grant.grantee in (principal.arn, principal.principal_arn):
            return "itself"
        if grant.grantee == f"arn:aws:iam::{principal.account}:root":
            found = "account"
    return found


def _constraints_hold(grant: kms_grants.Grant, operation: str, encryption_context: dict[str, str]) -> bool:
    if not grant.constraints or operation in _UNCONSTRAINED:
        return True
    equals = grant.constraints.get("EncryptionContextEquals")
    if equals is not None and equals != encryption_context:
        return False
    subset = grant.constraints.get("EncryptionContextSubset") or {}
    return all(encryption_context.get(k) == v for k, v in subset.items())


def _key_decision(
    principal: Principal, key: Key, action: str, context: iam_enforce.RequestContext, encryption_context: dict[str, str]
) -> str | None:
    grants = kms_grants.listed(key)
    return _decide(principal, key.account_id, key.arn, _key_statements(key), grants, action, context, encryption_context)


def _message(principal: Principal, action: str, resource: str, reason: str) -> str:
    on = f" on resource: {resource}" if resource != iam_actions.STAR else ""
    return f"User: {principal.arn} is not authorized to perform: {action}{on} {reason}"


# --- KMS calls ---------------------------------------------------------------------------------


def check(call: protocols.Call, account: str, environ: dict[str, Any]) -> protocols.Response | None:
    """The AccessDeniedException answering a KMS call, or None when it may proceed."""
    if call.access_key is None:
        return None
    principal = iam_enforce.principal_of(call.access_key, account)
    request = iam_actions.Request(call, account, environ)
    if call.action == "RetireGrant":
        return _retire_denial(principal, request, environ)
    encryption_context = request.params.get("EncryptionContext") or {}
    for needed in iam_actions.checks(request):
        context = iam_enforce.RequestContext(principal, request, needed)
        key = _key_of(needed.target.arn, request)
        if key is not None:
            reason = _key_decision(principal, key, needed.action, context, encryption_context)
        else:
            reason = _identity_refusal(principal, needed, context)
        if reason is not None:
            message = _message(principal, needed.action, needed.target.arn, reason)
            return protocols.error_response("kms", environ, "AccessDeniedException", message, 400)
    return None


def _key_of(arn: str, request: iam_actions.Request) -> Key | None:
    """The key a check names, if the operation may use it from the caller's account and Region."""
    parsed = kms_keys.parse_arn(arn)
    if parsed is None or parsed[2] != "key" or parsed[0] != request.region:
        return None
    if parsed[1] != request.account and request.operation not in kms_keys.CROSS_ACCOUNT:
        return None
    store = kms_keys.backend(parsed[1], parsed[0], create=False)
    return store.keys.get(parsed[3]) if store is not None else None


def _identity_refusal(principal: Principal, needed: iam_actions.Check, context: iam_enforce.RequestContext) -> str | None:
    statements = _identity(principal)
    if statements is None:
        return None
    decision, _ = decide(statements, needed.action, needed.target.arn, context)
    if decision == DENY:
        return "with an explicit deny in an identity-based policy"
    return None if decision == ALLOW else f"because no identity-based policy allows the {needed.action} action"


def _retire_denial(principal: Principal, request: iam_actions.Request, environ: dict[str, Any]) -> protocols.Response | None:
    """RetireGrant: allowed by the grant itself; IAM can only deny."""
    found = _grant_named(request)
    if found is None:
        # An unknown grant or token: kms_grants answers with KMS's error.
        return None
    key, grant = found
    needed = iam_actions.Check("kms:RetireGrant", iam_actions.Target(key.arn))
    context = iam_enforce.RequestContext(principal, request, needed)
    statements = _identity(principal)
    identity = ALLOW if statements is None else decide(statements, needed.action, key.arn, context)[0]
    itself = {principal.arn, principal.principal_arn}
    root = f"arn:aws:iam::{principal.account}:root"
    allowed = identity != DENY and (
        grant.retiring in itself
        or (grant.grantee in itself and "RetireGrant" in grant.operations)
        or (identity == ALLOW and root in (grant.retiring, grant.grantee))
        or (identity == ALLOW and principal.account in (grant.issuing_account, key.account_id))
    )
    if allowed:
        return None
    reason = "with an explicit deny in an identity-based policy" if identity == DENY else "because the grant does not allow it to retire the grant"
    message = _message(principal, needed.action, key.arn, reason)
    return protocols.error_response("kms", environ, "AccessDeniedException", message, 400)


def _grant_named(request: iam_actions.Request) -> tuple[Key, kms_grants.Grant] | None:
    token = request.params.get("GrantToken")
    if isinstance(token, str):
        return kms_grants.by_token(token)
    key_id, grant_id = request.params.get("KeyId"), request.params.get("GrantId")
    if not isinstance(key_id, str) or not isinstance(grant_id, str):
        return None
    key = kms_keys.find(key_id, request.account, request.region)
    grant = kms_grants.grants_of(key).get(grant_id) if key is not None else None
    return (key, grant) if key is not None and grant is not None else None


# --- keys AWS services use on a principal's behalf -----------------------------------------------

# What EBS asks of KMS to create a volume from, or a snapshot into, an encrypted key (EBS User
# Guide, "Permissions for users": CreateGrant, Decrypt, DescribeKey, GenerateDataKeyWithoutPlainText).
EBS_ACTIONS = ("kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt")


def refusal(principal: Principal, key: Key | None, region: str, volume_id: str, actions: tuple[str, ...] = EBS_ACTIONS) -> str | None:
    """Why EC2 (EBS) could not use `key` for `principal` in `region`, or None when it can."""
    if key is None:
        return "the KMS key does not exist"
    if key.key_state != "Enabled":
        return f"{key.arn} is {'disabled' if key.key_state == 'Disabled' else 'pending deletion'}"
    encryption_context = {"aws:ebs:id": volume_id}
    via = _Via("kms", region)
    for action in actions:
        keys: dict[str, list[str]] = {
            "kms:viaservice": [f"ec2.{region}.amazonaws.com"],
            "kms:calleraccount": [principal.account],
        }
        if action == "kms:CreateGrant":
            keys["kms:grantisforawsresource"] = ["true"]
        elif action != "kms:DescribeKey":
            keys["kms:encryptioncontextkeys"] = list(encryption_context)
            keys["kms:encryptioncontext:aws:ebs:id"] = [volume_id]
        needed = iam_actions.Check(action, iam_actions.Target(key.arn), keys)
        reason = _key_decision(principal, key, action, iam_enforce.RequestContext(principal, via, needed), encryption_context)
        if reason is not None:
            return _message(principal, action, key.arn, reason)
    return None


# --- key policies PutKeyPolicy and CreateKey accept ------------------------------------------------


def validate_policy(policy: Any, account: str, bypass_lockout_check: bool, key_arn: str) -> None:
    """Raise MalformedPolicyDocumentException for a key policy KMS would not accept from the caller."""
    try:
        statements = compile_policy(str(policy), f"{key_arn} key policy")
    except PolicyError as err:
        raise KmsError("MalformedPolicyDocumentException", str(err)) from err
    for statement in statements:
        if statement.principals is None or any(_invalid_principal(name) for name in statement.principals):
            raise KmsError("MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.")
    principal = iam_enforce.caller()
    if bypass_lockout_check or principal is None:
        return
    needed = iam_actions.Check("kms:PutKeyPolicy", iam_actions.Target(key_arn), {"kms:calleraccount": [account]})
    context = iam_enforce.RequestContext(principal, _Via("kms", key_arn.split(":")[3]), needed)
    if _decide(principal, account, key_arn, statements, [], "kms:PutKeyPolicy", context, {}) is not None:
        raise KmsError(
            "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future."
        )


def _invalid_principal(name: str) -> bool:
    """Whether a Principal value names nobody KMS can see (wildcards only as a whole `*`): a role
    or user IAM made less than `propagation_seconds` ago is not there yet (`localcloud.propagation`)."""
    if name == "*" or not name.startswith("AWS:"):
        return False
    arn = name[len("AWS:"):]
    parts = _PRINCIPAL_ARN.fullmatch(arn)
    if parts is None or "*" in arn:
        return True
    account, kind = parts.group(1), parts.group(2)
    if account is None or kind == "root":
        return False
    entity = kind.rsplit("/", 1)[-1]
    if kind.startswith("role/"):
        role = propagation.role(account, entity)
        return role is None or role.arn != arn
    from moto.iam.models import iam_backends

    partitions = dict.get(iam_backends, account)
    iam = dict.get(partitions, "aws") if partitions is not None else None
    if iam is None or not any(user.arn == arn for user in list(iam.users.values())):
        return True
    return propagation.user_documents(account, entity) is None
