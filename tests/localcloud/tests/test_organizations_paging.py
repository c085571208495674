"""Organizations paging over a ~200-account organization: MaxResults, NextToken, their errors."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Accounts, start_server

MANAGEMENT = "000000000000"
ROOT_ACCOUNTS = [f"10000000{i:04d}" for i in range(5)]
WORKLOADS = [f"20000000{i:04d}" for i in range(150)]
PROD = [f"30000000{i:04d}" for i in range(45)]
TEAMS = [f"Team{i:02d}" for i in range(25)]


def _seed() -> str:
    lines = ['caller_account = "000000000000"', "[organization]", 'id = "o-paging0001"', 'management_account = "000000000000"']
    lines += ["[[organizational_units]]", 'id = "ou-pg00-workload"', 'name = "Workloads"']
    lines += ["[[organizational_units]]", 'name = "Teams"']
    lines += [f'[[organizational_units]]\nname = "{team}"\nparent = "Teams"' for team in TEAMS]
    for ids, ou in ((ROOT_ACCOUNTS, None), (WORKLOADS, "Workloads"), (PROD, "Workloads/Prod")):
        for account in ids:
            lines += ["[[accounts]]", f'id = "{account}"', f'name = "acct-{account}"'] + ([f'ou = "{ou}"'] if ou else [])
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("paging")
    seed = workdir / "seed.toml"
    seed.write_text(_seed())
    server = start_server(workdir, seed)
    try:
        yield Accounts(server.url).client(MANAGEMENT, "organizations")
    finally:
        server.stop()


def _ou(org, parent: str, name: str) -> str:
    pages = org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent)
    return next(ou["Id"] for page in pages for ou in page["OrganizationalUnits"] if ou["Name"] == name)


def _all_pages(call, key: str, **kwargs) -> list[list[dict]]:
    pages, token = [], None
    while True:
        answer = call(**kwargs, **({"NextToken": token} if token else {}))
        pages.append(answer[key])
        token = answer.get("NextToken")
        if token is None:
            return pages


def test_list_accounts_returns_20_a_page_until_the_last_page_has_no_token(org):
    pages = _all_pages(org.list_accounts, "Accounts")

    ids = [a["Id"] for page in pages for a in page]
    assert [len(page) for page in pages] == [20] * 10 + [1]
    assert sorted(ids) == sorted([MANAGEMENT] + ROOT_ACCOUNTS + WORKLOADS + PROD)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("page_size", [1, 7, 20])
def test_max_results_sizes_every_page(org, page_size):
    workloads = _ou(org, org.list_roots()["Roots"][0]["Id"], "Workloads")

    pages = _all_pages(org.list_accounts_for_parent, "Accounts", ParentId=workloads, MaxResults=page_size)

    assert all(len(page) == page_size for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= page_size
    assert [a["Id"] for page in pages for a in page] == WORKLOADS


def test_children_and_ous_page_the_same_way(org):
    root = org.list_roots()["Roots"][0]["Id"]
    teams = _ou(org, root, "Teams")
    workloads = _ou(org, root, "Workloads")

    ou_pages = _all_pages(org.list_organizational_units_for_parent, "OrganizationalUnits", ParentId=teams, MaxResults=10)
    child_pages = _all_pages(org.list_children, "Children", ParentId=teams, ChildType="ORGANIZATIONAL_UNIT")
    account_children = _all_pages(org.list_children, "Children", ParentId=workloads, ChildType="ACCOUNT")

    assert [len(p) for p in ou_pages] == [10, 10, 5]
    assert [ou["Name"] for page in ou_pages for ou in page] == TEAMS
    assert [len(p) for p in child_pages] == [20, 5]
    assert [c["Id"] for page in account_children for c in page] == WORKLOADS


def test_botocore_paginators_walk_the_whole_organization(org):
    paginator = org.get_paginator("list_accounts")

    ids = [a["Id"] for page in paginator.paginate(PaginationConfig={"PageSize": 13}) for a in page["Accounts"]]

    assert len(ids) == 1 + len(ROOT_ACCOUNTS) + len(WORKLOADS) + len(PROD)


@pytest.mark.parametrize(
    "call",
    [
        lambda o, n: o.list_accounts(MaxResults=n),
        lambda o, n: o.list_roots(MaxResults=n),
        lambda o, n: o.list_parents(ChildId=WORKLOADS[0], MaxResults=n),
        lambda o, n: o.list_children(ParentId="ou-pg00-workload", ChildType="ACCOUNT", MaxResults=n),
        lambda o, n: o.list_organizational_units_for_parent(ParentId="ou-pg00-workload", MaxResults=n),
        lambda o, n: o.list_accounts_for_parent(ParentId="ou-pg00-workload", MaxResults=n),
    ],
)
def test_max_results_above_20_is_invalid_input(org, call):
    with pytest.raises(ClientError) as raised:
        call(org, 21)

    assert raised.value.response["Error"]["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "MAX_VALUE_EXCEEDED"


def test_max_results_below_1_is_invalid_input(org):
    # botocore refuses 0 itself (the model's min is 1); a client without that check reaches the service.
    unchecked = Accounts(org.meta.endpoint_url).client(MANAGEMENT, "organizations", config=Config(parameter_validation=False))

    with pytest.raises(ClientError) as raised:
        unchecked.list_accounts(MaxResults=0)

    assert raised.value.response["Error"]["Code"] == "InvalidInputException"
    assert raised.value.response["Reason"] == "MIN_VALUE_EXCEEDED"


def test_a_token_is_only_good_for_the_call_that_issued_it(org):
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = _ou(org, root, "Workloads")
    accounts_token = org.list_accounts(MaxResults=5)["NextToken"]
    parent_token = org.list_accounts_for_parent(ParentId=workloads, MaxResults=5)["NextToken"]

    attempts = [
        lambda: org.list_accounts(NextToken="not-a-token"),
        lambda: org.list_accounts_for_parent(ParentId=workloads, NextToken=accounts_token),
        lambda: org.list_accounts_for_parent(ParentId=root, NextToken=parent_token),
        lambda: org.list_children(ParentId=workloads, ChildType="ACCOUNT", NextToken=parent_token),
    ]
    for attempt in attempts:
        with pytest.raises(ClientError) as raised:
            attempt()
        assert raised.value.response["Error"]["Code"] == "InvalidInputException"
        assert raised.value.response["Reason"] == "INVALID_NEXT_TOKEN"
    assert len(org.list_accounts_for_parent(ParentId=workloads, NextToken=parent_token)["Accounts"]) == 20
