"""IAM evaluation of every AWS call when `enforce_iam` is on: who calls, what they may do, AWS's denial.

Flow of one request (`check`):
1. The access key names the principal: a key STS issued for AssumeRole is a role session, a
   key of an IAM user is that user, any other key (the dummy `test`) is the account root.
2. The root is not evaluated (IAM User Guide, "Policy evaluation logic": the root user has
   full access to its account) except that its AssumeRole must satisfy the role's trust.
3. `iam_actions.checks` names the authorizations the call needs; each is decided against
   the principal's identity policies (a role's inline and attached managed policies; a
   user's, plus those of its groups) with `iam_policy.decide`. Any that is not allowed
   answers the call with the service's denial.
4. AssumeRole also needs the role's trust policy (IAM User Guide, "Cross-account policy
   evaluation logic" and the AssumeRole API reference): an explicit deny in either policy
   denies; the trust policy must allow; the caller's identity policy must allow too, unless
   the trust policy names the caller itself (not its account) within the same account.
5. Denials answer as each service does: EC2 `UnauthorizedOperation` (403) with "You are not
   authorized to perform this operation." and an encoded authorization message that
   `sts:DecodeAuthorizationMessage` decodes; IAM, STS and Auto Scaling `AccessDenied` (403);
   JSON and REST-JSON services `AccessDeniedException` (the status their model gives, 400
   by default for JSON, 403 for REST-JSON). The message is IAM's: "User: ARN is not
   authorized to perform: ACTION on resource: ARN because no identity-based policy allows the
   ACTION action" ("with an explicit deny in an identity-based policy" for a deny).

Compiled policies are cached per principal and dropped when an IAM write touches the
principal's account (`observe`), so a call costs a dictionary lookup and the statement scan.
Not modelled: service control and resource control policies, permission boundaries, session
policies, resource-based policies other than trust policies and KMS key policies (those are
`localcloud.kms_access`, which uses this module's principals and statements), policy variables.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import json
import uuid
import zlib
from dataclasses import dataclass
from typing import Any, Iterator
from xml.sax.saxutils import escape

from localcloud import iam_actions, propagation, protocols
from localcloud.control import CONFIG
from localcloud.iam_policy import ALLOW, DENY, PolicyError, Statement, compile_policy, decide
from localcloud.topology import TOPOLOGY

ROOT, USER, SESSION = "root", "user", "session"


@dataclass(frozen=True)
class Principal:
    """Who signs a request: the account root, an IAM user or a role session."""

    kind: str
    account: str
    arn: str  # as denials name it: the session ARN for role sessions
    principal_arn: str  # aws:PrincipalArn: the role's ARN for a session
    name: str  # role or user name; "" for the root
    user_id: str


_PRINCIPALS: dict[str, Principal] = {}
# The request the current thread answers (its access key, and the request as the table reads
# it), for services acting on the caller's behalf (`caller`, `caller_may`); set by `answering`.
_CALLER: contextvars.ContextVar[tuple[str | None, iam_actions.Request] | None] = contextvars.ContextVar(
    "localcloud_caller", default=None
)
_POLICIES: dict[tuple[str, str, str], tuple[tuple[int, int], tuple[Statement, ...]]] = {}
_ACCOUNT_GENERATION: dict[str, int] = {}
_GLOBAL_GENERATION = [0]


def check(call: protocols.Call, account: str, environ: dict[str, Any]) -> protocols.Response | None:
    """The denial that answers `call` under IAM evaluation, or None when it may proceed."""
    if call.access_key is None or (call.service == "sts" and call.action == "GetCallerIdentity"):
        # GetCallerIdentity needs no permission (STS API reference); unsigned calls are moto's.
        return None
    principal = principal_of(call.access_key, account)
    request = iam_actions.Request(call, account, environ)
    assuming = call.service == "sts" and call.action == "AssumeRole"
    if principal.kind == ROOT and not assuming:
        return None
    statements = () if principal.kind == ROOT else identity_statements(principal)
    for needed in iam_actions.checks(request):
        context = RequestContext(principal, request, needed)
        if principal.kind == ROOT:
            decision: str | None = ALLOW
        else:
            decision, _ = decide(statements, needed.action, needed.target.arn, context)
        if assuming and needed.action == "sts:AssumeRole":
            denial = _trust_denial(principal, needed, context, decision, environ)
            if denial is not None:
                return denial
            continue
        if decision != ALLOW:
            return _denied(request, principal, needed, context, decision == DENY, environ)
    return None


@contextlib.contextmanager
def answering(call: protocols.Call, account: str, environ: dict[str, Any]) -> Iterator[None]:
    """Keep `call` as the request the current thread answers while inside (localcloud.server
    wraps every request in it; a context variable, so no request ever sees another's caller)."""
    token = _CALLER.set((call.access_key, iam_actions.Request(call, account, environ)))
    try:
        yield
    finally:
        _CALLER.reset(token)


def caller() -> Principal | None:
    """Who signed the request the current thread answers (None outside a signed request): the
    principal a service acts for (EC2 using a KMS key at launch, KMS's key policy lockout check)."""
    current = _CALLER.get()
    if current is None or current[0] is None:
        return None
    return principal_of(current[0], current[1].account)


def caller_may(action: str, resource: str = iam_actions.STAR) -> bool:
    """Whether the principal of the call being answered may do `action` (on `resource`): what a
    service asks when it acts with the caller's permissions after the call was authorized (a
    Parameter Store `aws:ec2:image` validation describing the image). True without `enforce_iam`,
    outside a signed request and for the account root."""
    current = _CALLER.get()
    principal = caller() if CONFIG.enforce_iam else None
    if current is None or principal is None or principal.kind == ROOT:
        return True
    needed = iam_actions.Check(action, iam_actions.Target(resource))
    context = RequestContext(principal, current[1], needed)
    decision, _ = decide(identity_statements(principal), action, resource, context)
    return decision == ALLOW


def observe(call: protocols.Call, account: str) -> None:
    """Forget compiled policies an answered call may have changed (IAM writes, new accounts)."""
    if call.service == "iam" and not call.action.startswith(("Get", "List", "Generate", "Simulate")):
        _ACCOUNT_GENERATION[account] = _ACCOUNT_GENERATION.get(account, 0) + 1
    elif call.service == "organizations" and not call.action.startswith(("Describe", "List")):
        _GLOBAL_GENERATION[0] += 1


# --- principals and their policies -------------------------------------------------------------


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def principal_of(access_key: str, account: str) -> Principal:
    """The principal an access key acts as in `account` (the account the key was issued in)."""
    known = _PRINCIPALS.get(access_key)
    if known is not None:
        return known
    key = _iam(account).access_keys.get(access_key)
    if key is not None and key.role_arn:
        principal = _session(account, access_key, key.role_arn)
    elif key is not None and key.user_name:
        user = _iam(account).users.get(key.user_name)
        arn = user.arn if user is not None else f"arn:aws:iam::{account}:user/{key.user_name}"
        principal = Principal(USER, account, arn, arn, key.user_name, getattr(user, "id", key.user_name))
    else:
        root = f"arn:aws:iam::{account}:root"
        principal = Principal(ROOT, account, root, root, "", account)
    _PRINCIPALS[access_key] = principal
    return principal


def _session(account: str, access_key: str, role_arn: str) -> Principal:
    from moto.sts.models import sts_backends

    assumed = next((r for r in sts_backends[account]["aws"].assumed_roles if r.access_key_id == access_key), None)
    session = assumed.session_name if assumed is not None else "session"
    role_name = role_arn.rsplit("/", 1)[-1]
    role = _role(account, role_name)
    role_id = role.id if role is not None else "AROA" + access_key[4:]
    return Principal(
        SESSION,
        account,
        f"arn:aws:sts::{account}:assumed-role/{role_name}/{session}",
        role.arn if role is not None else role_arn,
        role_name,
        f"{role_id}:{session}",
    )


def _role(account: str, name: str) -> Any:
    return next((r for r in _iam(account).roles.values() if r.name == name), None)


def _generation(account: str) -> tuple[int, int]:
    return _ACCOUNT_GENERATION.get(account, 0), _GLOBAL_GENERATION[0]


def identity_statements(principal: Principal) -> tuple[Statement, ...]:
    """The compiled statements of every identity policy of a user or role session, as other
    services evaluate them now (`localcloud.propagation`); cached until IAM changes."""
    key = (principal.account, principal.kind, principal.name)
    kind = "role" if principal.kind == SESSION else "user"
    generation = _generation(principal.account)
    cached = _POLICIES.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    statements = tuple(s for source, document in _identity_documents(principal) for s in compiled(source, document))
    # While a change propagates, what is evaluated changes with time alone: nothing is cached.
    if not propagation.changing(kind, principal.account, principal.name):
        _POLICIES[key] = (generation, statements)
    return statements


def _identity_documents(principal: Principal) -> propagation.Documents:
    """(source, JSON document) of every identity policy of the principal, as IAM evaluates them
    now (a change still propagating is not seen yet)."""
    if principal.kind == SESSION:
        seen = propagation.role(principal.account, principal.name)
        return seen.documents if seen is not None else ()
    return propagation.user_documents(principal.account, principal.name) or ()


@functools.lru_cache(maxsize=4096)
def compiled(source: str, document: str) -> tuple[Statement, ...]:
    """A policy document's statements (none for a malformed one), compiled once per document."""
    try:
        return compile_policy(document, source)
    except PolicyError:
        # IAM rejects malformed documents when they are written; one that slipped into moto grants nothing.
        return ()


# --- the request context ----------------------------------------------------------------------


class RequestContext:
    """Condition keys of one authorization: the request's own, the principal's, the resource's tags."""

    def __init__(self, principal: Principal, request: iam_actions.Request, needed: iam_actions.Check) -> None:
        self._principal = principal
        self._request = request
        self._check = needed
        self._tags: dict[str, str] | None = None
        self._tags_loaded = False

    def get(self, key: str) -> list[str] | None:
        """Values of `key` (lower-case) in this request, None when absent."""
        if key in self._check.keys:
            return self._check.keys[key]
        principal = self._principal
        if key == "aws:principalaccount":
            return [principal.account]
        if key == "aws:principalarn":
            return [principal.principal_arn]
        if key == "aws:principaltype":
            return [{ROOT: "Account", USER: "User", SESSION: "AssumedRole"}[principal.kind]]
        if key == "aws:userid":
            return [principal.user_id]
        if key == "aws:username":
            return [principal.name] if principal.kind == USER else None
        if key == "aws:principalorgid":
            return [TOPOLOGY.organization_id] if TOPOLOGY.in_org(principal.account) else None
        if key == "aws:principalorgpaths":
            return [_org_path(principal.account)] if TOPOLOGY.in_org(principal.account) else None
        if key == "aws:requestedregion" or (key == "ec2:region" and self._request.service == "ec2"):
            return [self._request.region]
        if key == "aws:securetransport":
            # Clients reach AWS over TLS; localcloud's plain HTTP stands in for that.
            return ["true"]
        if key in ("aws:resourceaccount", "aws:resourceorgid"):
            return _resource_account_keys(self._check.target.arn, key)
        if key == "ec2:owner":
            return _image_owner(self._check.target.arn)
        prefix, _, tag = key.partition(":resourcetag/")
        if tag and prefix in self._check.target.tag_prefixes:
            value = self._resource_tags().get(tag)
            return [value] if value is not None else None
        return None

    def _resource_tags(self) -> dict[str, str]:
        if not self._tags_loaded:
            tags = self._check.target.tags() or {}
            self._tags = {k.lower(): v for k, v in tags.items()}
            self._tags_loaded = True
        return self._tags or {}

    def known(self) -> dict[str, list[str]]:
        """The keys this context can name without asking the resource, for the decoded message."""
        keys = dict(self._check.keys)
        for key in _DECODED_KEYS:
            values = self.get(key)
            if values:
                keys[key] = values
        return keys


def _resource_account_keys(arn: str, key: str) -> list[str] | None:
    """`aws:ResourceAccount` (the account in the resource's ARN) and `aws:ResourceOrgID` (its
    organization, present only when that account is a member), IAM User Guide, "AWS global
    condition context keys"; an ARN without an account (`*`, an AMI) has neither here."""
    parts = arn.split(":")
    account = parts[4] if len(parts) > 5 else ""
    if not account.isdigit():
        return None
    if key == "aws:resourceaccount":
        return [account]
    return [TOPOLOGY.organization_id] if TOPOLOGY.in_org(account) else None


def _image_owner(arn: str) -> list[str] | None:
    """`ec2:Owner` of an AMI (`arn:aws:ec2:REGION::image/ami-…`): the account that owns it
    (Service Authorization Reference, Amazon EC2, the `image` resource's condition keys)."""
    from localcloud import amis

    parts = arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("image/"):
        return None
    ami = amis.owned_ami(parts[3], parts[5][len("image/"):])
    return [ami.owner_id] if ami is not None else None


_DECODED_KEYS = ("aws:principalaccount", "aws:principalarn", "aws:principalorgid", "aws:requestedregion", "aws:userid")


def _org_path(account: str) -> str:
    """`aws:PrincipalOrgPaths`: the path of the OU (or root) the account sits in, `o-…/r-…/ou-…/`."""
    ou = TOPOLOGY.accounts[account].ou_id
    return TOPOLOGY.ou_path(ou) if ou else f"{TOPOLOGY.organization_id}/{TOPOLOGY.root_id}/"


# --- AssumeRole: the trust policy ----------------------------------------------------------------


def _trust_denial(
    principal: Principal,
    needed: iam_actions.Check,
    context: RequestContext,
    identity: str | None,
    environ: dict[str, Any],
) -> protocols.Response | None:
    role_arn = needed.target.arn
    parts = role_arn.split(":", 5)
    role = propagation.role(parts[4], role_arn.rsplit("/", 1)[-1]) if len(parts) == 6 else None
    if role is None or role.arn != role_arn:
        return _assume_denied(principal, role_arn, environ)
    trust = compiled(f"{role.arn} trust policy", role.trust)
    names = principal_names(principal)
    decision, matched = decide(trust, "sts:AssumeRole", role_arn, context, lambda p: bool(names & set(p)))
    if decision == DENY or identity == DENY:
        return _assume_denied(principal, role_arn, environ)
    if decision != ALLOW:
        return _assume_denied(principal, role_arn, environ)
    same_account = parts[4] == principal.account
    itself = names - {f"AWS:arn:aws:iam::{principal.account}:root"}
    names_caller = any(set(s.principals or ()) & itself for s in matched)
    if identity == ALLOW or (same_account and names_caller):
        return None
    return _assume_denied(principal, role_arn, environ)


def principal_names(principal: Principal) -> set[str]:
    """How a resource-based policy's Principal element (a trust or key policy) may name the caller."""
    names = {"*", f"AWS:arn:aws:iam::{principal.account}:root"}
    if principal.kind != ROOT:
        names |= {f"AWS:{principal.arn}", f"AWS:{principal.principal_arn}"}
    return names


def _assume_denied(principal: Principal, role_arn: str, environ: dict[str, Any]) -> protocols.Response:
    message = f"User: {principal.arn} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
    return protocols.error_response("sts", environ, "AccessDenied", message, 403)


# --- denials and their encoded messages -----------------------------------------------------------


def _denied(
    request: iam_actions.Request,
    principal: Principal,
    needed: iam_actions.Check,
    context: RequestContext,
    explicit: bool,
    environ: dict[str, Any],
) -> protocols.Response:
    resource = needed.target.arn
    on = f" on resource: {resource}" if resource != iam_actions.STAR else ""
    reason = (
        "with an explicit deny in an identity-based policy"
        if explicit
        else f"because no identity-based policy allows the {needed.action} action"
    )
    message = f"User: {principal.arn} is not authorized to perform: {needed.action}{on} {reason}"
    if needed.denial is not None:
        message = needed.denial
    service = request.service
    protocol = protocols.protocol_of(service, environ)
    if protocol == "ec2":
        text = f"You are not authorized to perform this operation. {message}"
        if resource != iam_actions.STAR:
            text += f". Encoded authorization failure message: {encode(principal, needed, context, explicit)}"
        return protocols.error_response(service, environ, "UnauthorizedOperation", text, 403)
    if protocol == "query":
        return protocols.error_response(service, environ, "AccessDenied", message, 403)
    status = _modelled_status(service, "AccessDeniedException") or (400 if protocol == "json" else 403)
    return protocols.error_response(service, environ, "AccessDeniedException", message, status)


def _modelled_status(service: str, code: str) -> int | None:
    model = protocols.service_model(service)
    shape = next((s for s in getattr(model, "error_shapes", []) if s.name == code), None)
    return shape.metadata.get("error", {}).get("httpStatusCode") if shape is not None else None


def encode(principal: Principal, needed: iam_actions.Check, context: RequestContext, explicit: bool) -> str:
    """The opaque "Encoded authorization failure message" of an EC2 denial."""
    decoded = {
        "allowed": False,
        "explicitDeny": explicit,
        "matchedStatements": {"items": []},
        "failures": {"items": []},
        "context": {
            "principal": {"id": principal.user_id, "arn": principal.arn},
            "action": needed.action,
            "resource": needed.target.arn,
            "conditions": {
                "items": [
                    {"key": key, "values": {"items": [{"value": v} for v in values]}}
                    for key, values in sorted(context.known().items())
                ]
            },
        },
    }
    packed = zlib.compress(json.dumps(decoded, separators=(",", ":")).encode())
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decode_authorization_message(call: protocols.Call, environ: dict[str, Any]) -> protocols.Response:
    """STS DecodeAuthorizationMessage: the JSON an `encode`d message carries."""
    encoded = call.form.get("EncodedMessage", [""])[0]
    try:
        decoded = zlib.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))).decode()
        json.loads(decoded)
    except (ValueError, zlib.error):
        return protocols.error_response(
            "sts", environ, "InvalidAuthorizationMessageException", "The encoded authorization message is invalid.", 400
        )
    request_id = str(uuid.uuid4())
    body = (
        '<DecodeAuthorizationMessageResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        f"<DecodeAuthorizationMessageResult><DecodedMessage>{escape(decoded)}</DecodedMessage>"
        f"</DecodeAuthorizationMessageResult><ResponseMetadata><RequestId>{request_id}</RequestId>"
        "</ResponseMetadata></DecodeAuthorizationMessageResponse>"
    )
    return 200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body.encode()
