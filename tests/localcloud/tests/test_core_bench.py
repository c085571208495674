"""`python -m localcloud.bench`: its chain runs against localcloud and moves every template (no figure is judged)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import LOCALCLOUD_DIR, checked_session

sys.path.insert(0, str(LOCALCLOUD_DIR))
from localcloud import bench  # noqa: E402

ACCOUNTS = 3


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(LOCALCLOUD_DIR)}
    return subprocess.run(
        [sys.executable, "-m", "localcloud.bench", *args], capture_output=True, text=True, env=env, timeout=300
    )


def _default_image(url: str, account: str) -> str:
    sts = checked_session(aws_access_key_id="test", aws_secret_access_key="test").client("sts", endpoint_url=url)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="bench-test"
    )["Credentials"]
    ec2 = checked_session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ).client("ec2", endpoint_url=url)
    versions = ec2.describe_launch_template_versions(LaunchTemplateName=bench.TEMPLATE, Versions=["$Default"])
    return versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["ImageId"]


def test_the_bench_chain_moves_every_template_to_the_newest_ami(spawn_localcloud, tmp_path: Path):
    seed = tmp_path / "seed.toml"
    topology = _bench("topology", "--accounts", str(ACCOUNTS))
    seed.write_text(topology.stdout)
    server = spawn_localcloud(seed)
    seeded = _bench("seed", "--url", server.url, "--accounts", str(ACCOUNTS))
    before = {account: _default_image(server.url, account) for account in bench.account_ids(ACCOUNTS)}

    drive = _bench(
        "drive", "--url", server.url, "--accounts", str(ACCOUNTS), "--parallelism", "2",
        "--server-pid", str(server.process.pid), "--json",
    )
    after = {account: _default_image(server.url, account) for account in bench.account_ids(ACCOUNTS)}

    assert topology.returncode == 0 and seeded.returncode == 0, topology.stderr + seeded.stderr
    assert drive.returncode == 0, drive.stderr
    figures = json.loads(drive.stdout)
    assert figures["targets"] == ACCOUNTS
    assert figures["calls"] == 6 * ACCOUNTS
    assert figures["server_cpu"] > 0
    assert len(set(before.values())) == 1
    assert len(set(after.values())) == 1
    assert set(before.values()) != set(after.values())
