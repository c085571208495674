"""The accounts, organization and OU tree localcloud pretends to be: loaded from a TOML seed,
then kept current by the Organizations calls that change it (CreateAccount, MoveAccount, …).

Account ids are fixed by the seed so tests and manifests can name them. Everything that needs to
know "is this account in the organization / which OUs contain it" (AMI launch permissions,
Image Builder distribution, the Organizations API) asks `TOPOLOGY`, which is replaced in place
when a seed is loaded so that `from localcloud.topology import TOPOLOGY` stays valid. Every
lookup by account or OU id is a dict access; walking up the tree costs its depth (at most five
OU levels, Organizations User Guide, "Quotas": "OU maximum nesting in a root: Five levels").
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCOUNT_ID = re.compile(r"^\d{12}$")
ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
OU_ID = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
# Organizations' AccountStatus enum; the newer AccountState names the same three phases alike.
STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")
MAX_OU_DEPTH = 5


class SeedError(ValueError):
    """A seed file that is not valid TOML or does not have the expected keys."""


@dataclass(frozen=True)
class OrganizationalUnit:
    """One OU; `parent_id` is the root id or another OU's id."""

    id: str
    name: str
    parent_id: str


@dataclass(frozen=True)
class Account:
    """One AWS account of the topology; `ou_id` None means directly under the root."""

    id: str
    name: str
    ou_id: str | None
    in_organization: bool
    status: str = "ACTIVE"


class Topology:
    """Caller account, organization, OU tree and accounts; see `_parse` for the seed format."""

    caller_account: str
    organization_id: str
    management_account: str
    accounts: dict[str, Account]
    organizational_units: dict[str, OrganizationalUnit]

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
        self.organizational_units = parsed["organizational_units"]

    @property
    def root_id(self) -> str:
        """The organization root id, derived from the organization id so it is stable."""
        return root_id_of(self.organization_id)

    def org_arn(self) -> str:
        """`arn:aws:organizations::MGMT:organization/o-…`, as AMI launch permissions name it."""
        return f"arn:aws:organizations::{self.management_account}:organization/{self.organization_id}"

    def in_org(self, account: str) -> bool:
        """Whether `account` is a member (or the management account) of the organization."""
        found = self.accounts.get(account)
        return found is not None and found.in_organization

    def ou_arn(self, ou_id: str) -> str:
        """The ARN of an OU of this organization."""
        return f"arn:aws:organizations::{self.management_account}:ou/{self.organization_id}/{ou_id}"

    def ou_arn_of(self, account: str) -> str | None:
        """The ARN of the OU `account` sits in directly, or None when it is directly under the root."""
        found = self.accounts.get(account)
        if found is None or not found.in_organization or found.ou_id is None:
            return None
        return self.ou_arn(found.ou_id)

    def ou_ids_of(self, account: str) -> list[str]:
        """Every OU that contains `account`, its own OU first, then each parent up to the root."""
        found = self.accounts.get(account)
        if found is None or not found.in_organization or found.ou_id is None:
            return []
        return self.ou_chain(found.ou_id)

    def ou_arns_of(self, account: str) -> list[str]:
        """ARNs of every OU that contains `account`, nested ones included (an OU share reaches them all)."""
        return [self.ou_arn(ou_id) for ou_id in self.ou_ids_of(account)]

    def ou_chain(self, ou_id: str) -> list[str]:
        """`ou_id` and each OU above it, innermost first."""
        chain = []
        current: str | None = ou_id
        while current is not None and current in self.organizational_units:
            chain.append(current)
            current = self.organizational_units[current].parent_id
        return chain

    def ou_path(self, ou_id: str) -> str:
        """Organizations' `Path` of an OU: `o-…/r-…/ou-…/…/ou-…/`."""
        return "/".join([self.organization_id, self.root_id, *reversed(self.ou_chain(ou_id))]) + "/"

    def account_path(self, account: str) -> str:
        """Organizations' path of an account: its parent's path, then the account id and `/`."""
        found = self.accounts[account]
        parent = self.ou_path(found.ou_id) if found.ou_id else f"{self.organization_id}/{self.root_id}/"
        return f"{parent}{account}/"

    def parent_of(self, account: str) -> str:
        """The id of the root or OU an organization account sits in."""
        found = self.accounts[account]
        return found.ou_id or self.root_id

    # Changes made at run time by the Organizations emulation (localcloud.organizations).

    def put_account(self, account: Account) -> None:
        """Add `account` or replace the record with the same id."""
        self.accounts[account.id] = account

    def change_account(self, account_id: str, **changes: Any) -> None:
        """Replace some fields of a known account (ou_id, status, in_organization)."""
        self.accounts[account_id] = dataclasses.replace(self.accounts[account_id], **changes)

    def put_ou(self, ou: OrganizationalUnit) -> None:
        """Add an OU or replace the record with the same id."""
        self.organizational_units[ou.id] = ou

    def remove_ou(self, ou_id: str) -> None:
        """Forget an (empty) OU."""
        self.organizational_units.pop(ou_id, None)


def root_id_of(organization_id: str) -> str:
    """`r-` plus four characters derived from the organization id."""
    return "r-" + _digest(organization_id, 4)


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


def _table(raw: Any, where: str, keys: set[str], path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise SeedError(f"{path}: {where}: expected a table")
    unknown = set(raw) - keys
    if unknown:
        raise SeedError(f"{path}: {where}: unknown key(s): {', '.join(sorted(unknown))}")
    return raw


def _array_of_tables(doc: dict[str, Any], key: str, path: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise SeedError(f"{path}: `{key}`: expected an array of tables ([[{key}]])")
    return value


class _Tree:
    """The OU tree while a seed is read: OUs by id, and by (parent, name) for name paths."""

    def __init__(self, org_id: str, path: str) -> None:
        self.org_id = org_id
        self.root = root_id_of(org_id)
        self.path = path
        self.ous: dict[str, OrganizationalUnit] = {}
        self.by_name: dict[tuple[str, str], str] = {}
        self.name_paths: dict[str, str] = {self.root: ""}

    def derived_id(self, name_path: str) -> str:
        # A name path keeps the id an older seed's `ou = "Name"` gave the same OU.
        return f"ou-{self.root[2:]}-{_digest(self.org_id + '/' + name_path, 8)}"

    def depth(self, parent: str) -> int:
        depth, current = 0, parent
        while current != self.root:
            depth += 1
            current = self.ous[current].parent_id
        return depth

    def add(self, ou_id: str | None, name: str, parent: str, where: str) -> str:
        if "/" in name:
            raise SeedError(f"{self.path}: {where}: OU name {name!r} contains `/`, which seeds use to separate a path")
        existing = self.by_name.get((parent, name))
        if existing is not None and ou_id in (None, existing):
            return existing
        if existing is not None:
            raise SeedError(f"{self.path}: {where}: an OU named {name!r} already exists under {parent} ({existing})")
        if self.depth(parent) >= MAX_OU_DEPTH:
            raise SeedError(f"{self.path}: {where}: OU {name!r} would be nested deeper than {MAX_OU_DEPTH} levels")
        name_path = f"{self.name_paths[parent]}/{name}".lstrip("/")
        ou_id = ou_id or self.derived_id(name_path)
        if ou_id in self.ous:
            raise SeedError(f"{self.path}: {where}: OU id {ou_id} is declared twice")
        self.ous[ou_id] = OrganizationalUnit(ou_id, name, parent)
        self.by_name[(parent, name)] = ou_id
        self.name_paths[ou_id] = name_path
        return ou_id

    def resolve(self, reference: str, where: str, create: bool) -> str:
        """An OU id, or a `/`-separated name path from the root whose missing OUs are created."""
        if OU_ID.match(reference):
            if reference in self.ous:
                return reference
            if not create:
                raise SeedError(f"{self.path}: {where}: no OU with id {reference} is declared above")
            # An undeclared OU id sits directly under the root, named by its id.
            return self.add(reference, reference, self.root, where)
        parent = self.root
        for name in reference.split("/"):
            if not name:
                raise SeedError(f"{self.path}: {where}: {reference!r} has an empty OU name")
            parent = self.add(None, name, parent, where)
        return parent


def _parse(text: str, path: str) -> dict[str, Any]:
    """Read a seed (format in localcloud's README, "Topology seed")."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SeedError(f"{path}: {err}") from err
    _table(doc, "top level", {"caller_account", "organization", "organizational_units", "accounts"}, path)

    caller = _account_id(_require(doc, "caller_account", "top level", path), "caller_account", path)
    org = _table(_require(doc, "organization", "top level", path), "[organization]", {"id", "management_account"}, path)
    org_id = _require(org, "id", "[organization]", path)
    if not isinstance(org_id, str) or not ORG_ID.match(org_id):
        raise SeedError(f"{path}: `organization.id`: expected o- and 10-32 lowercase letters or digits, got {org_id!r}")
    management = _account_id(
        _require(org, "management_account", "[organization]", path), "organization.management_account", path
    )

    tree = _Tree(org_id, path)
    for index, raw in enumerate(_array_of_tables(doc, "organizational_units", path)):
        where = f"organizational_units[{index}]"
        raw = _table(raw, where, {"id", "name", "parent"}, path)
        name = _require(raw, "name", where, path)
        if not isinstance(name, str) or not name:
            raise SeedError(f"{path}: {where}.name: expected a non-empty string, got {name!r}")
        ou_id = raw.get("id")
        if ou_id is not None and (not isinstance(ou_id, str) or not OU_ID.match(ou_id)):
            raise SeedError(f"{path}: {where}.id: expected an OU id ou-xxxx-xxxxxxxx, got {ou_id!r}")
        parent = raw.get("parent")
        if parent is not None and (not isinstance(parent, str) or not parent):
            raise SeedError(f"{path}: {where}.parent: expected an OU id or a name path, got {parent!r}")
        parent_id = tree.root if parent is None else tree.resolve(parent, f"{where}.parent", create=False)
        tree.add(ou_id, name, parent_id, where)

    accounts: dict[str, Account] = {}
    for index, raw in enumerate(_array_of_tables(doc, "accounts", path)):
        where = f"accounts[{index}]"
        raw = _table(raw, where, {"id", "name", "ou", "in_organization", "status"}, path)
        account_id = _account_id(_require(raw, "id", where, path), f"{where}.id", path)
        if account_id in accounts:
            raise SeedError(f"{path}: {where}.id: account {account_id} listed twice")
        name = _require(raw, "name", where, path)
        if not isinstance(name, str) or not name:
            raise SeedError(f"{path}: {where}.name: expected a non-empty string, got {name!r}")
        in_org = raw.get("in_organization", True)
        if not isinstance(in_org, bool):
            raise SeedError(f"{path}: {where}.in_organization: expected true or false, got {in_org!r}")
        status = raw.get("status", "ACTIVE")
        if status not in STATUSES:
            raise SeedError(f"{path}: {where}.status: expected one of {', '.join(STATUSES)}, got {status!r}")
        ou = raw.get("ou")
        if ou is not None and (not isinstance(ou, str) or not ou):
            raise SeedError(f"{path}: {where}.ou: expected an OU id or a name path string, got {ou!r}")
        ou_id = None if ou is None else tree.resolve(ou, f"{where}.ou", create=True)
        accounts[account_id] = Account(account_id, name, ou_id, in_org, status)

    if management not in accounts:
        accounts[management] = Account(management, "Management", None, True)
    managed = accounts[management]
    if not managed.in_organization or managed.status != "ACTIVE":
        raise SeedError(
            f"{path}: account {management} is the management account, so it is in the organization and ACTIVE"
        )
    return {
        "caller_account": caller,
        "organization_id": org_id,
        "management_account": management,
        "accounts": accounts,
        "organizational_units": tree.ous,
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

[[accounts]]
id = "555555555555"
name = "Workload Prod"
ou = "Workloads/Prod"
"""

TOPOLOGY = Topology()
