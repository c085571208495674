"""Shared fixtures: one localcloud server per session, sessions per account, config knobs.

Fixtures for every conformance test (ours and Image Builder's):
- `localcloud`: base URL of the session's server (started with `serve`, default topology).
  The process environment points boto3 at it with dummy credentials, so a plain
  `boto3.client("ec2")` acts as the caller account 111122223333 in ap-northeast-1.
- `session_for(account, region=...)`: a boto3 Session acting in `account` via AssumeRole.
- `ec2_of(account)`: a reused EC2 client acting in `account`.
- `config(**knobs)`: POSTs knobs to `/_localcloud/config`; all knobs are reset after the test.
- `control`: `control(method, path, body=None) -> (status, json)` for `/_localcloud/…`.
- `spawn_localcloud(seed=None)`: another server (its own topology), stopped after the test.
- `Accounts(url)`: boto3 clients acting in any account of a server other than the session's
  (for module-scoped servers with their own seed).
- `scratch`: `Accounts` of a second default-topology server for tests that change the
  organization (create, move, close accounts, delegate), so the session's tree stays as seeded.
- `role_with(iam, statements)` and `assumed(role_arn)`: a role 111122223333's root may assume,
  holding chosen IAM policies, and a checked session of it (the `enforce_iam` tests' principals).
Every response boto3 parses is checked against botocore's output shape for the operation.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import boto3
import pytest
from botocore.validate import ParamValidator

LOCALCLOUD_DIR = Path(__file__).resolve().parents[1]
SERVE = LOCALCLOUD_DIR / "serve"
REGION = "ap-northeast-1"
# A first start may build the venv; later starts take a few seconds.
READY_DEADLINE_S = 300
STOP_DEADLINE_S = 30

MANAGEMENT = "000000000000"
SHARED = "111122223333"
WORKLOAD = "444455556666"
WORKLOAD_PROD = "555555555555"  # in the nested OU Workloads/Prod
ORG_ID = "o-xxxxxxxxxx"
ORG_ARN = f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}"


@dataclass
class Server:
    """A running `serve` process."""

    url: str
    process: subprocess.Popen[str]
    stderr_path: Path

    def stop(self) -> tuple[int, str]:
        """SIGTERM, wait for exit; returns the exit code and whatever stdout had after the ready line."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"localcloud did not stop within {STOP_DEADLINE_S}s of SIGTERM")
        rest = self.process.stdout.read() if self.process.stdout else ""
        return code, rest


def start_server(workdir: Path, seed: Path | None = None) -> Server:
    """Start `serve` and wait for its ready line; fails the test with its stderr if it never comes."""
    # Port 0: the server binds and names its own port, so no other process can take it between
    # a probe and the bind.
    stderr_file = tempfile.NamedTemporaryFile(
        "w", dir=workdir, prefix="localcloud-", suffix=".stderr", delete=False
    )
    stderr_path = Path(stderr_file.name)
    command = [str(SERVE), "--port", "0"] + (["--seed", str(seed)] if seed else [])
    with stderr_file as stderr:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = _read_line(process, READY_DEADLINE_S)
    ready = re.fullmatch(r"localcloud ready (http://127\.0\.0\.1:[1-9][0-9]*)\n", line)
    if ready is None:
        process.kill()
        process.wait()
        raise AssertionError(
            f"expected 'localcloud ready http://127.0.0.1:PORT', got {line!r}; "
            f"stderr:\n{stderr_path.read_text()}"
        )
    return Server(ready.group(1), process, stderr_path)


def _read_line(process: subprocess.Popen[str], deadline_s: float) -> str:
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            return process.stdout.readline()
        if process.poll() is not None:
            return ""
    return ""


def validate_response(parsed: dict[str, Any], model: Any, **_: Any) -> None:
    """Fail when a response does not match the operation's output shape in botocore's model."""
    if model.output_shape is None or "Error" in parsed:
        return
    body = {k: v for k, v in parsed.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, model.output_shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += _enum_violations(body, model.output_shape, model.name)
    if problems:
        raise AssertionError(f"{model.name} response does not match botocore's model:\n" + "\n".join(problems))


def _enum_violations(value: Any, shape: Any, path: str) -> list[str]:
    """Strings outside their shape's enum, which botocore's validator does not check."""
    if value is None:
        return []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return [
            problem
            for key, member in value.items()
            if key in shape.members
            for problem in _enum_violations(member, shape.members[key], f"{path}.{key}")
        ]
    if kind == "list" and isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _enum_violations(item, shape.member, f"{path}[{i}]")]
    if kind == "map" and isinstance(value, dict):
        return [p for k, item in value.items() for p in _enum_violations(item, shape.value, f"{path}[{k}]")]
    if kind == "string" and shape.enum and value not in shape.enum:
        return [f"{path}: {value!r} is not one of {shape.enum}"]
    return []


def checked_session(**kwargs: Any) -> boto3.Session:
    """A boto3 Session whose responses are validated against botocore's models."""
    session = boto3.Session(region_name=kwargs.pop("region_name", REGION), **kwargs)
    session.events.register("after-call.*", validate_response)
    return session


def role_with(iam: Any, statements: list[dict[str, Any]], name: str | None = None) -> str:
    """A new role (in `iam`'s account) that 111122223333's root may assume, holding `statements`
    in an inline policy; its ARN."""
    name = name or f"probe-{uuid.uuid4().hex[:8]}"
    trust = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{SHARED}:root"}, "Action": "sts:AssumeRole"}
    document = {"Version": "2012-10-17", "Statement": [trust]}
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))["Role"]["Arn"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_role_policy(RoleName=name, PolicyName="probe", PolicyDocument=json.dumps(document))
    return arn


def assumed(role_arn: str, region: str = REGION, sts: Any = None) -> boto3.Session:
    """A checked session of `role_arn`, assumed through `sts` (default: the dummy credentials,
    111122223333's root)."""
    sts = sts or boto3.client("sts")
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="probe")["Credentials"]
    return checked_session(
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


class Accounts:
    """Checked boto3 clients that act in an account of the server at `url`, via AssumeRole."""

    def __init__(self, url: str, region: str = REGION) -> None:
        self.url = url
        self.region = region
        self._sessions: dict[str, boto3.Session] = {}

    def session(self, account: str) -> boto3.Session:
        """A session whose credentials act in `account`."""
        if account not in self._sessions:
            dummy = checked_session(region_name=self.region, aws_access_key_id="test", aws_secret_access_key="test")
            sts = dummy.client("sts", endpoint_url=self.url)
            credentials = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="localcloud-tests"
            )["Credentials"]
            self._sessions[account] = checked_session(
                region_name=self.region,
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
        return self._sessions[account]

    def client(self, account: str, service: str, **kwargs: Any) -> Any:
        """A client of `service` acting in `account`."""
        return self.session(account).client(service, endpoint_url=self.url, **kwargs)


@pytest.fixture(scope="session")
def localcloud_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The session's server with the default topology; stopped with SIGTERM at the end."""
    server = start_server(tmp_path_factory.mktemp("localcloud"))
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ENDPOINT_URL", server.url)
        env.setenv("AWS_ACCESS_KEY_ID", "test")
        env.setenv("AWS_SECRET_ACCESS_KEY", "test")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        boto3.DEFAULT_SESSION = checked_session()
        yield server
        boto3.DEFAULT_SESSION = None
    code, rest = server.stop()
    assert code == 0, f"localcloud exited {code} on SIGTERM; stderr:\n{server.stderr_path.read_text()}"
    assert rest == "", f"localcloud printed more than the ready line: {rest!r}"


@pytest.fixture(scope="session")
def localcloud(localcloud_server: Server) -> str:
    """Base URL of the session's localcloud."""
    return localcloud_server.url


def call_control(base_url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """One request to `/_localcloud/<path>`; returns the status and the decoded JSON body."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}/_localcloud/{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Accounts]:
    """A default-topology server whose organization tests may change; stopped at the end."""
    server = start_server(tmp_path_factory.mktemp("scratch"))
    try:
        yield Accounts(server.url)
    finally:
        code, _ = server.stop()
    assert code == 0, f"scratch localcloud exited {code}; stderr:\n{server.stderr_path.read_text()}"


@pytest.fixture
def control(localcloud: str) -> Callable[..., tuple[int, Any]]:
    """`control(method, path, body=None)` against the session's server."""
    return lambda method, path, body=None: call_control(localcloud, method, path, body)


@pytest.fixture
def config(localcloud: str) -> Iterator[Callable[..., dict[str, Any]]]:
    """`config(**knobs)` sets knobs for this test; every knob is back to its default afterwards."""

    def apply(**knobs: Any) -> dict[str, Any]:
        status, body = call_control(localcloud, "POST", "config", knobs)
        assert status == 200, body
        return body

    yield apply
    status, body = call_control(localcloud, "POST", "config/reset")
    assert status == 200, body


@pytest.fixture(scope="session")
def session_for(localcloud: str) -> Callable[..., boto3.Session]:
    """`session_for(account, region=REGION)`: credentials from AssumeRole into that account."""

    def make(account: str, region: str = REGION) -> boto3.Session:
        sts = checked_session(region_name=region).client("sts")
        credentials = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="localcloud-tests",
        )["Credentials"]
        return checked_session(
            region_name=region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    return make


@pytest.fixture(scope="session")
def ec2_of(session_for: Callable[..., boto3.Session]) -> Callable[[str], Any]:
    """`ec2_of(account)`: an EC2 client acting in that account (one per account, reused)."""
    clients: dict[str, Any] = {}

    def client(account: str) -> Any:
        if account not in clients:
            clients[account] = session_for(account).client("ec2")
        return clients[account]

    return client


@pytest.fixture
def spawn_localcloud(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """`spawn_localcloud(seed=None)` starts an extra server for this test; stopped afterwards."""
    started: list[Server] = []

    def spawn(seed: Path | None = None) -> Server:
        server = start_server(tmp_path, seed)
        started.append(server)
        return server

    yield spawn
    for server in started:
        server.stop()


def wait_until(check: Callable[[], Any], what: str, deadline_s: float = 30.0, every_s: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {deadline_s}s waiting for {what}")
        time.sleep(every_s)
