"""`tests/localcloud/bench` (`python -m localcloud.bench`): how fast localcloud answers gold's rollout chain.

It prints figures and never judges them: speed is not a test.

The chain is what gold issues per consumer target (one account, one region, one launch
template): STS AssumeRole with the ambient credentials, GetCallerIdentity with the assumed
ones, then EC2 DescribeImages (owner pinned to the producer, a name filter, deprecated and
disabled AMIs included), DescribeLaunchTemplateVersions ($Default and $Latest),
CreateLaunchTemplateVersion from the default version with only the image changed, and
ModifyLaunchTemplate making the new version the default.

The client is deliberately minimal so that the figure is localcloud's, not the client's:
hand-signed SigV4 query requests (EC2 and STS both speak the query protocol) over one
kept-alive HTTP connection per worker thread, answers read with ElementTree. `parallelism`
workers each take one account at a time, as gold's `--parallelism` does.

Commands:
- `run` (default): starts a private localcloud with N accounts, seeds them, drives the chain
  once per account and prints calls/s, the server's CPU per call and the wall time.
- `topology --accounts N`: prints the seed TOML of a benchmark topology.
- `seed --url URL --accounts N`: the producer's two AMIs and one launch template per account.
- `drive --url URL --accounts N [--server-pid PID]`: the chain against a running localcloud;
  `scripts/bench-rollout` runs it beside gold as localcloud's own floor.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, urlsplit

PRODUCER = "111122223333"
MANAGEMENT = "000000000000"
ORG_ID = "o-xxxxxxxxxx"
ORG_ARN = f"arn:aws:organizations::{MANAGEMENT}:organization/{ORG_ID}"
REGION = "ap-northeast-1"
TEMPLATE = "app"
# Two AMIs in the producer account; templates start on the first, the chain moves them to the newest.
AMI_NAMES = ("sample_v1_2022-08-10T09-01-50.490Z", "sample_v2_2022-08-11T09-01-50.490Z")
AMI_PATTERN = "sample_v*"
AMBIENT = ("test", "test", None)
EC2_VERSION = "2016-11-15"
STS_VERSION = "2011-06-15"


def account_ids(count: int) -> list[str]:
    """The benchmark's consumer accounts: 6 followed by eleven digits."""
    return [f"6{i:011d}" for i in range(count)]


def topology(count: int) -> str:
    """Seed TOML: the producer (the caller) and `count` consumer accounts in one OU."""
    lines = [
        f'caller_account = "{PRODUCER}"',
        "",
        "[organization]",
        f'id = "{ORG_ID}"',
        f'management_account = "{MANAGEMENT}"',
        "",
        "[[accounts]]",
        f'id = "{PRODUCER}"',
        'name = "Shared"',
    ]
    for index, account in enumerate(account_ids(count)):
        lines += ["", "[[accounts]]", f'id = "{account}"', f'name = "bench-{index}"', 'ou = "Workloads"']
    return "\n".join(lines) + "\n"


class CallFailed(RuntimeError):
    """An AWS call answered with an error status."""


Credentials = tuple[str, str, str | None]


class Client:
    """SigV4-signed query-protocol calls; one kept-alive connection per thread."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._host = parts.netloc
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._local = threading.local()

    def call(self, service: str, action: str, params: dict[str, str], credentials: Credentials = AMBIENT) -> ET.Element:
        """Send one call; returns the answer's XML root or raises CallFailed."""
        version = STS_VERSION if service == "sts" else EC2_VERSION
        body = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='-_.~')}"
            for k, v in sorted({"Action": action, "Version": version, **params}.items())
        ).encode()
        headers = self._sign(service, body, credentials)
        status, answer = self._post(body, headers)
        if status >= 300:
            raise CallFailed(f"{service}:{action} answered {status}: {answer[:300].decode('utf-8', 'replace')}")
        return ET.fromstring(answer)

    def _post(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(*self._address, timeout=600)
            self._local.connection = connection
        try:
            connection.request("POST", "/", body, headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (ConnectionError, http.client.HTTPException):
            connection.close()
            self._local.connection = None
            raise

    def _sign(self, service: str, body: bytes, credentials: Credentials) -> dict[str, str]:
        access_key, secret, token = credentials
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {
            "content-type": "application/x-www-form-urlencoded; charset=utf-8",
            "host": self._host,
            "x-amz-date": stamp,
        }
        if token:
            headers["x-amz-security-token"] = token
        signed = ";".join(sorted(headers))
        canonical = "\n".join(
            ["POST", "/", "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, hashlib.sha256(body).hexdigest()]
        )
        scope = f"{stamp[:8]}/{REGION}/{service}/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = f"AWS4{secret}".encode()
        for part in (stamp[:8], REGION, service, "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
        )
        return headers


def _text(root: ET.Element, tag: str) -> str:
    found = root.find(f".//{{*}}{tag}")
    if found is None or found.text is None:
        raise CallFailed(f"answer has no <{tag}>: {ET.tostring(root)[:300]!r}")
    return found.text


def _items(root: ET.Element, container: str) -> Iterator[ET.Element]:
    found = root.find(f".//{{*}}{container}")
    return iter(found.findall("{*}item") if found is not None else [])


def assume(client: Client, account: str) -> Credentials:
    """AssumeRole into the account's OrganizationAccountAccessRole with the ambient credentials."""
    root = client.call(
        "sts",
        "AssumeRole",
        {"RoleArn": f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", "RoleSessionName": "bench"},
    )
    return _text(root, "AccessKeyId"), _text(root, "SecretAccessKey"), _text(root, "SessionToken")


def chain(client: Client, account: str, caller_identity: bool) -> int:
    """gold's calls for one target; returns how many calls were made."""
    credentials = assume(client, account)
    calls = 1
    if caller_identity:
        identity = _text(client.call("sts", "GetCallerIdentity", {}, credentials), "Account")
        if identity != account:
            raise CallFailed(f"assumed role in {account} acts in {identity}")
        calls += 1
    images = client.call(
        "ec2",
        "DescribeImages",
        {
            "Owner.1": PRODUCER,
            "Filter.1.Name": "name",
            "Filter.1.Value.1": AMI_PATTERN,
            "IncludeDeprecated": "true",
            "IncludeDisabled": "true",
        },
        credentials,
    )
    newest = max(
        ((_text(i, "creationDate"), _text(i, "name"), _text(i, "imageId")) for i in _items(images, "imagesSet")),
        default=None,
    )
    if newest is None:
        raise CallFailed(f"{account} sees no AMI named {AMI_PATTERN} owned by {PRODUCER}")
    versions = client.call(
        "ec2",
        "DescribeLaunchTemplateVersions",
        {"LaunchTemplateName": TEMPLATE, "LaunchTemplateVersion.1": "$Default", "LaunchTemplateVersion.2": "$Latest"},
        credentials,
    )
    default = next(
        (v for v in _items(versions, "launchTemplateVersionSet") if _text(v, "defaultVersion") == "true"), None
    )
    if default is None:
        raise CallFailed(f"{account}: launch template {TEMPLATE} has no default version")
    template_id = _text(default, "launchTemplateId")
    created = client.call(
        "ec2",
        "CreateLaunchTemplateVersion",
        {
            "LaunchTemplateId": template_id,
            "SourceVersion": _text(default, "versionNumber"),
            "VersionDescription": f"bench: {newest[2]}",
            "LaunchTemplateData.ImageId": newest[2],
        },
        credentials,
    )
    client.call(
        "ec2",
        "ModifyLaunchTemplate",
        {"LaunchTemplateId": template_id, "SetDefaultVersion": _text(created, "versionNumber")},
        credentials,
    )
    return calls + 4


def seed(client: Client, accounts: list[str], workers: int) -> float:
    """Register and share the producer's AMIs, give every account a launch template; returns seconds."""
    started = time.monotonic()
    producer = assume(client, PRODUCER)
    images = []
    for name in AMI_NAMES:
        image = _text(
            client.call(
                "ec2",
                "RegisterImage",
                {"Name": name, "RootDeviceName": "/dev/xvda", "Architecture": "x86_64", "VirtualizationType": "hvm"},
                producer,
            ),
            "imageId",
        )
        client.call(
            "ec2", "ModifyImageAttribute", {"ImageId": image, "LaunchPermission.Add.1.OrganizationArn": ORG_ARN}, producer
        )
        images.append(image)

    def template(account: str) -> None:
        client.call(
            "ec2",
            "CreateLaunchTemplate",
            {
                "LaunchTemplateName": TEMPLATE,
                "LaunchTemplateData.ImageId": images[0],
                "LaunchTemplateData.InstanceType": "t3.small",
                "LaunchTemplateData.EbsOptimized": "true",
                # `scripts/bench-rollout --org` selects the templates by this tag.
                "TagSpecification.1.ResourceType": "launch-template",
                "TagSpecification.1.Tag.1.Key": "gold:follow",
                "TagSpecification.1.Tag.1.Value": "sample",
            },
            assume(client, account),
        )

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(template, accounts))
    return time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kib(pid: int) -> int:
    """A process's peak resident memory so far (/proc/PID/status, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


@dataclass
class Figures:
    """One drive of the chain across every account; server figures when its pid is known."""

    targets: int
    calls: int
    wall: float
    server_cpu: float | None
    server_peak_rss_kib: int | None

    def lines(self) -> list[str]:
        """Human lines: calls, wall, calls/s and the server's CPU per call."""
        out = [
            f"calls:            {self.calls} ({self.calls / self.targets:.2f} per target)",
            f"wall time:        {self.wall:.2f} s",
            f"calls per second: {self.calls / self.wall:.1f}",
        ]
        if self.server_cpu is not None:
            out.append(f"server CPU:       {self.server_cpu:.2f} s ({1000 * self.server_cpu / self.calls:.2f} ms per call)")
        if self.server_peak_rss_kib is not None:
            out.append(f"server peak RSS:  {self.server_peak_rss_kib / 1024:.0f} MiB")
        return out


def drive(client: Client, accounts: list[str], parallelism: int, caller_identity: bool, server_pid: int | None) -> Figures:
    """Run the chain once per account with `parallelism` workers; the first failure stops it."""
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    started = time.monotonic()
    with ThreadPoolExecutor(parallelism) as pool:
        calls = sum(pool.map(lambda account: chain(client, account, caller_identity), accounts))
    wall = time.monotonic() - started
    if not server_pid:
        return Figures(len(accounts), calls, wall, None, None)
    return Figures(len(accounts), calls, wall, cpu_seconds(server_pid) - cpu_before, peak_rss_kib(server_pid))


def control(url: str, path: str, body: Any = None) -> Any:
    """POST (with a body) or GET one `/_localcloud/` endpoint; returns its JSON answer."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
    try:
        if body is None:
            connection.request("GET", f"/_localcloud/{path}")
        else:
            connection.request("POST", f"/_localcloud/{path}", json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200:
            raise CallFailed(f"/_localcloud/{path} answered {response.status}: {answer.decode('utf-8', 'replace')}")
        return json.loads(answer)
    finally:
        connection.close()


def _serve(seed_file: Path, stderr: Any) -> tuple[subprocess.Popen[str], str]:
    serve = Path(__file__).resolve().parents[1] / "serve"
    process = subprocess.Popen(
        [str(serve), "--port", "0", "--seed", str(seed_file)], stdout=subprocess.PIPE, stderr=stderr, text=True
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("localcloud ready "):
        process.kill()
        process.wait()
        raise CallFailed(f"localcloud did not start (stdout {line!r}); see its stderr")
    return process, line.split()[-1]


def _run(args: argparse.Namespace) -> int:
    accounts = account_ids(args.accounts)
    with tempfile.TemporaryDirectory() as work:
        seed_file = Path(work) / "seed.toml"
        seed_file.write_text(topology(args.accounts))
        started = time.monotonic()
        process, url = _serve(seed_file, sys.stderr)
        try:
            print(f"localcloud bench: started in {time.monotonic() - started:.1f} s", file=sys.stderr)
            client = Client(url)
            seconds = seed(client, accounts, args.seed_workers)
            print(f"localcloud bench: {len(accounts)} launch templates seeded in {seconds:.1f} s", file=sys.stderr)
            control(url, "config", {"latency_ms": args.latency_ms})
            figures = drive(client, accounts[: args.targets], args.parallelism, not args.no_caller_identity, process.pid)
        finally:
            process.terminate()
            process.wait()
    _print(args, figures)
    return 0


def _print(args: argparse.Namespace, figures: Figures) -> None:
    if args.json:
        print(json.dumps(asdict(figures)))
        return
    print(f"accounts:         {args.accounts} (one launch template each), {figures.targets} driven")
    print(f"parallelism:      {args.parallelism}")
    print(f"latency per call: {args.latency_ms:g} ms")
    for line in figures.lines():
        print(line)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command; the exit code is 1 when a call fails."""
    parser = argparse.ArgumentParser(
        prog="tests/localcloud/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", default="run", choices=["run", "topology", "seed", "drive"])
    parser.add_argument("--accounts", type=int, default=200, help="consumer accounts (default 200)")
    parser.add_argument(
        "--targets", type=int, help="drive the chain in the first N accounts only (default: every account)"
    )
    parser.add_argument("--parallelism", type=int, default=16, help="targets in flight (default 16, gold's default)")
    parser.add_argument("--latency-ms", type=float, default=0, help="localcloud's injected latency (default 0)")
    parser.add_argument("--no-caller-identity", action="store_true", help="leave GetCallerIdentity out of the chain")
    parser.add_argument("--seed-workers", type=int, default=8, help="concurrent seeding calls (default 8)")
    parser.add_argument("--url", help="a running localcloud (seed, drive)")
    parser.add_argument("--server-pid", type=int, help="its process id, to read its CPU time (drive)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object (run, drive)")
    args = parser.parse_args(argv)

    try:
        if args.command == "run":
            return _run(args)
        if args.command == "topology":
            sys.stdout.write(topology(args.accounts))
            return 0
        if not args.url:
            parser.error(f"{args.command} needs --url")
        client = Client(args.url)
        if args.command == "seed":
            seconds = seed(client, account_ids(args.accounts), args.seed_workers)
            print(f"localcloud bench: {args.accounts} launch templates seeded in {seconds:.1f} s", file=sys.stderr)
            return 0
        control(args.url, "config", {"latency_ms": args.latency_ms})
        targets = account_ids(args.accounts)[: args.targets]
        _print(args, drive(client, targets, args.parallelism, not args.no_caller_identity, args.server_pid))
        return 0
    except (CallFailed, OSError) as err:
        print(f"localcloud bench: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
