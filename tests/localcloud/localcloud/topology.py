"""The accounts, organization and OUs localcloud pretends to be, loaded from a TOML seed.

Account ids are fixed by the seed so tests and manifests can name them. Everything that needs to
know "is this account in the organization / which OU is it in" (AMI launch permissions, the
Organizations API) asks `TOPOLOGY`, which is replaced in place when a seed is loaded so that
`from localcloud.topology import TOPOLOGY` stays valid.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT_ID = re.compile(r"^\d{12}$")
ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")


class SeedError(ValueError):
    """A seed file that is not valid TOML or does not have the expected keys."""


@dataclass(frozen=True)
class Account:
    """One AWS account of the topology."""

    id: str
    name: str
    ou_id: str | None
    ou_name: str | None
    in_organization: bool


class Topology:
    """Caller account, organization and member accounts; see `load` for the seed format."""

    caller_account: str
    organization_id: str
    management_account: str
    accounts: dict[str, Account]

    def __init__(self) -> None:
        self._set(_parse(_DEFAULT_SEED, "<default seed>"))

    def load(self, path: str | Path) -> None:
        """Replace the topology with the one in the TOML seed file at `path`."""
        text = Path(path).read_text(encoding="utf-8")
        self._set(_parse(text, str(path)))

    def _set(self, parsed: dict[str, Any]) -> None:
        self.caller_account = parsed["caller_account"]
        self.organization_id = parsed["organization_id"]
        self.management_account = parsed["management_account"]
        self.accounts = parsed["accounts"]

    @property
    def root_id(self) -> str:
        """The organization root id, derived from the organization id so it is stable."""
        return "r-" + _digest(self.organization_id, 4)

    def org_arn(self) -> str:
        """`arn:aws:organizations::MGMT:organization/o-…`, as AMI launch permissions name it."""
        return f"arn:aws:organizations::{self.management_account}:organization/{self.organization_id}"

    def in_org(self, account: str) -> bool:
        """Whether `account` is a member (or the management account) of the organization."""
        found = self.accounts.get(account)
        return found is not None and found.in_organization

    def ou_arn_of(self, account: str) -> str | None:
        """The ARN of the OU `account` sits in, or None when it is directly under the root."""
        found = self.accounts.get(account)
        if found is None or not found.in_organization or found.ou_id is None:
            return None
        return self.ou_arn(found.ou_id)

    def ou_arn(self, ou_id: str) -> str:
        """The ARN of an OU of this organization."""
        return f"arn:aws:organizations::{self.management_account}:ou/{self.organization_id}/{ou_id}"

    def ous(self) -> dict[str, str]:
        """OU id -> OU name for every OU some account sits in."""
        return {a.ou_id: a.ou_name or a.ou_id for a in self.accounts.values() if a.ou_id}


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _require(table: dict[str, Any], key: str, where: str, path: str) -> Any:
    if key not in table:
        raise SeedError(f"{path}: {where}: missing key `{key}`")
    return table[key]


def _account_id(value: Any, key: str, path: str) -> str:
    if not isinstance(value, str) or not ACCOUNT_ID.match(value):
        raise SeedError(f"{path}: `{key}`: expected a 12-digit account id string, got {value!r}")
    return value


def _parse(text: str, path: str) -> dict[str, Any]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SeedError(f"{path}: {err}") from err
    unknown = set(doc) - {"caller_account", "organization", "accounts"}
    if unknown:
        raise SeedError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")

    caller = _account_id(_require(doc, "caller_account", "top level", path), "caller_account", path)
    org = _require(doc, "organization", "top level", path)
    if not isinstance(org, dict):
        raise SeedError(f"{path}: `organization`: expected a table")
    unknown = set(org) - {"id", "management_account"}
    if unknown:
        raise SeedError(f"{path}: [organization]: unknown key(s): {', '.join(sorted(unknown))}")
    org_id = _require(org, "id", "[organization]", path)
    if not isinstance(org_id, str) or not ORG_ID.match(org_id):
        raise SeedError(f"{path}: `organization.id`: expected o- and 10-32 lowercase letters or digits, got {org_id!r}")
    management = _account_id(
        _require(org, "management_account", "[organization]", path), "organization.management_account", path
    )
    root_suffix = _digest(org_id, 4)

    accounts: dict[str, Account] = {}
    raw_accounts = doc.get("accounts", [])
    if not isinstance(raw_accounts, list):
        raise SeedError(f"{path}: `accounts`: expected an array of tables ([[accounts]])")
    for index, raw in enumerate(raw_accounts):
        where = f"accounts[{index}]"
        if not isinstance(raw, dict):
            raise SeedError(f"{path}: {where}: expected a table")
        unknown = set(raw) - {"id", "name", "ou", "in_organization"}
        if unknown:
            raise SeedError(f"{path}: {where}: unknown key(s): {', '.join(sorted(unknown))}")
        account_id = _account_id(_require(raw, "id", where, path), f"{where}.id", path)
        if account_id in accounts:
            raise SeedError(f"{path}: {where}.id: account {account_id} listed twice")
        name = _require(raw, "name", where, path)
        if not isinstance(name, str) or not name:
            raise SeedError(f"{path}: {where}.name: expected a non-empty string, got {name!r}")
        in_org = raw.get("in_organization", True)
        if not isinstance(in_org, bool):
            raise SeedError(f"{path}: {where}.in_organization: expected true or false, got {in_org!r}")
        ou = raw.get("ou")
        ou_id = ou_name = None
        if ou is not None:
            if not isinstance(ou, str) or not ou:
                raise SeedError(f"{path}: {where}.ou: expected an OU name or id string, got {ou!r}")
            # An OU may be named by its id (ou-…) or by a name, which gets a stable id.
            if OU_ID.match(ou):
                ou_id, ou_name = ou, ou
            else:
                ou_id, ou_name = f"ou-{root_suffix}-{_digest(org_id + '/' + ou, 8)}", ou
        accounts[account_id] = Account(account_id, name, ou_id, ou_name, in_org)

    if management not in accounts:
        accounts[management] = Account(management, "Management", None, None, True)
    elif not accounts[management].in_organization:
        raise SeedError(f"{path}: account {management} is the management account, so in_organization cannot be false")
    return {
        "caller_account": caller,
        "organization_id": org_id,
        "management_account": management,
        "accounts": accounts,
    }


_DEFAULT_SEED = """
caller_account = "111122223333"

[organization]
id = "o-xxxxxxxxxx"
management_account = "000000000000"

[[accounts]]
id = "000000000000"
name = "Management"

[[accounts]]
id = "111122223333"
name = "Shared"
ou = "Infrastructure"

[[accounts]]
id = "444455556666"
name = "Workload"
ou = "Workloads"
"""

TOPOLOGY = Topology()
