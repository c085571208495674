"""Image Builder image scanning (Amazon Inspector): the pipelines' scanning settings, an image's
`scanState`, ListImageScanFindings and ListImageScanFindingAggregations, with findings planted
per pipeline by the `scan_findings` knob."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest
from botocore.exceptions import ClientError
from conftest import REGION as CALLER_REGION
from imagebuilder_support import PRODUCER, REGION, clients, producer_resources, unique, wait_for_image
from test_iam_evaluation import _allow, _as, _refused

SCANNING = {"imageScanningEnabled": True}
SCAN_ORDER = ["PENDING", "SCANNING", "COLLECTING", "COMPLETED"]


@pytest.fixture
def producer(localcloud, session_for):
    return clients(session_for, localcloud)


def _cve() -> str:
    """A vulnerability id no other test plants."""
    return f"CVE-2026-{uuid.uuid4().int % 10**8:08d}"


def _planted(*entries: tuple[str, str, str]) -> list[dict]:
    """The knob's findings from (severity, vulnerability id, package) triples."""
    return [{"severity": s, "vulnerability_id": v, "package": p} for s, v, p in entries]


def _code(raised: pytest.ExceptionInfo) -> str:
    return raised.value.response["Error"]["Code"]


def _start(imagebuilder, resources) -> str:
    return imagebuilder.start_image_pipeline_execution(imagePipelineArn=resources["pipeline"])["imageBuildVersionArn"]


def watch_scan(imagebuilder, arn: str, until=("COMPLETED", "ABANDONED"), deadline_seconds=30.0):
    """Poll GetImage until the scan reaches one of `until`; returns the image and every distinct
    (image status, scan status) pair seen, in order."""
    deadline = time.monotonic() + deadline_seconds
    seen: list[tuple[str, str | None]] = []
    while True:
        image = imagebuilder.get_image(imageBuildVersionArn=arn)["image"]
        pair = (image["state"]["status"], image.get("scanState", {}).get("status"))
        if not seen or seen[-1] != pair:
            seen.append(pair)
        if pair[1] in until:
            return image, seen
        assert time.monotonic() < deadline, f"scan of {arn} still {pair} after {deadline_seconds}s (seen {seen})"
        time.sleep(0.05)


def _findings(imagebuilder, name: str, value: str, **extra) -> list[dict]:
    return imagebuilder.list_image_scan_findings(filters=[{"name": name, "values": [value]}], **extra)["findings"]


# --- the settings ------------------------------------------------------------------------------


def test_a_pipeline_keeps_and_returns_its_scanning_settings(producer):
    imagebuilder, ec2, iam, _ = producer
    settings = {"imageScanningEnabled": True, "ecrConfiguration": {"repositoryName": "scans", "containerTags": ["a"]}}
    scanned = producer_resources(imagebuilder, ec2, iam, scanning=settings)
    plain = producer_resources(imagebuilder, ec2, iam)

    created = imagebuilder.get_image_pipeline(imagePipelineArn=scanned["pipeline"])["imagePipeline"]
    imagebuilder.update_image_pipeline(
        imagePipelineArn=scanned["pipeline"],
        imageRecipeArn=scanned["recipe"],
        infrastructureConfigurationArn=scanned["infrastructure"],
        imageScanningConfiguration={"imageScanningEnabled": False},
    )
    updated = imagebuilder.get_image_pipeline(imagePipelineArn=scanned["pipeline"])["imagePipeline"]
    unset = imagebuilder.get_image_pipeline(imagePipelineArn=plain["pipeline"])["imagePipeline"]

    assert created["imageScanningConfiguration"] == settings
    assert updated["imageScanningConfiguration"] == {"imageScanningEnabled": False}
    assert "imageScanningConfiguration" not in unset


def test_a_scan_result_condition_needs_on_demand_scans_which_localcloud_refuses(producer):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam)
    common = {
        "imageRecipeArn": resources["recipe"],
        "infrastructureConfigurationArn": resources["infrastructure"],
    }
    condition = {**SCANNING, "scanResultCondition": {"maximumSeverityLabel": "HIGH"}}
    on_demand = {**SCANNING, "imageScanningTypes": ["ON_DEMAND_AMI_CVE"]}

    refusals = []
    for call in (
        lambda: imagebuilder.create_image_pipeline(name=unique("cond"), imageScanningConfiguration=condition, **common),
        lambda: imagebuilder.create_image(imageScanningConfiguration=condition, **common),
        lambda: imagebuilder.update_image_pipeline(
            imagePipelineArn=resources["pipeline"], imageScanningConfiguration=on_demand, **common
        ),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        refusals.append((_code(raised), raised.value.response["Error"]["Message"]))
    pipeline = imagebuilder.get_image_pipeline(imagePipelineArn=resources["pipeline"])["imagePipeline"]

    assert [code for code, _ in refusals] == ["InvalidRequestException"] * 3
    assert "only when imageScanningTypes is ON_DEMAND_AMI_CVE" in refusals[0][1]
    assert "only when imageScanningTypes is ON_DEMAND_AMI_CVE" in refusals[1][1]
    assert "imageScanningConfiguration" not in pipeline


# --- scanState ---------------------------------------------------------------------------------


def test_the_scan_completes_after_the_image_is_available(producer, config):
    config(build_seconds=4)
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, scanning=SCANNING)

    image, seen = watch_scan(imagebuilder, _start(imagebuilder, resources))
    summaries = imagebuilder.list_image_build_versions(
        imageVersionArn=image["arn"].rsplit("/", 1)[0]
    )["imageSummaryList"]

    scans = [scan for _, scan in seen]
    assert [s for s in SCAN_ORDER if s in scans] == list(dict.fromkeys(scans))
    assert scans[0] == "PENDING" and scans[-1] == "COMPLETED"
    assert {"SCANNING", "COLLECTING"} <= set(scans)
    # The scan follows the build: AVAILABLE comes first, and the findings still need a poll.
    assert ("AVAILABLE", "COLLECTING") in seen
    assert all(status == "AVAILABLE" for status, scan in seen if scan == "COMPLETED")
    assert image["imageScanningConfiguration"] == SCANNING
    # ImageSummary has no scanState in the model.
    assert [("scanState" in s, s["arn"]) for s in summaries] == [(False, image["arn"])]


def test_an_unscanned_build_has_no_scan_state_and_no_findings(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam)
    config(build_seconds=1, scan_findings={resources["name"]: _planted(("CRITICAL", _cve(), "openssl"))})

    image = wait_for_image(imagebuilder, _start(imagebuilder, resources))

    assert image["state"]["status"] == "AVAILABLE"
    assert "scanState" not in image and "imageScanningConfiguration" not in image
    assert _findings(imagebuilder, "imageBuildVersionArn", image["arn"]) == []


@pytest.mark.parametrize(
    ("tests_enabled", "failing_step", "status", "reason"),
    [
        (False, None, "AVAILABLE", "Image tests are disabled"),
        (True, "build/yum_update", "FAILED", "ended before the scan findings were collected"),
    ],
)
def test_a_scan_without_a_test_instance_or_of_a_failed_build_is_abandoned(
    producer, config, tests_enabled, failing_step, status, reason
):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, tests_enabled=tests_enabled, scanning=SCANNING)
    planted = _planted(("HIGH", _cve(), "zlib"))
    config(build_seconds=1, fail_build_step=failing_step, scan_findings={resources["name"]: planted})

    image, seen = watch_scan(imagebuilder, _start(imagebuilder, resources))

    assert image["state"]["status"] == status
    assert image["scanState"]["status"] == "ABANDONED" and reason in image["scanState"]["reason"]
    assert "COMPLETED" not in [scan for _, scan in seen]
    assert _findings(imagebuilder, "imageBuildVersionArn", image["arn"]) == []


def test_create_image_scans_without_pipeline_findings(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam)
    config(build_seconds=1)

    arn = imagebuilder.create_image(
        imageRecipeArn=resources["recipe"],
        infrastructureConfigurationArn=resources["infrastructure"],
        imageScanningConfiguration=SCANNING,
    )["imageBuildVersionArn"]
    image, _ = watch_scan(imagebuilder, arn)

    assert image["scanState"] == {"status": "COMPLETED"}
    assert image["imageScanningConfiguration"] == SCANNING
    assert _findings(imagebuilder, "imageBuildVersionArn", arn) == []


# --- ListImageScanFindings ---------------------------------------------------------------------


def test_planted_findings_are_listed_once_the_scan_completes(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, scanning=SCANNING)
    critical, high = _cve(), _cve()
    planted = _planted(("CRITICAL", critical, "openssl"), ("HIGH", high, "zlib"))
    config(build_seconds=1, scan_findings={resources["name"]: planted})

    arn = _start(imagebuilder, resources)
    # The scan cannot have completed before the build has even begun.
    early = _findings(imagebuilder, "imageBuildVersionArn", arn)
    watch_scan(imagebuilder, arn)
    listed = _findings(imagebuilder, "imageBuildVersionArn", arn)

    assert early == []
    assert [(f["severity"], f["packageVulnerabilityDetails"]["vulnerabilityId"]) for f in listed] == [
        ("CRITICAL", critical),
        ("HIGH", high),
    ]
    finding = listed[0]
    assert finding["awsAccountId"] == PRODUCER
    assert finding["imageBuildVersionArn"] == arn and finding["imagePipelineArn"] == resources["pipeline"]
    assert finding["type"] == "PACKAGE_VULNERABILITY"
    assert finding["title"] == f"{critical} - openssl"
    assert [p["name"] for p in finding["packageVulnerabilityDetails"]["vulnerablePackages"]] == ["openssl"]
    assert finding["inspectorScore"] == 9.8 and finding["inspectorScoreDetails"]["adjustedCvss"]["score"] == 9.8
    assert finding["fixAvailable"] in ("YES", "NO", "PARTIAL")
    assert isinstance(finding["firstObservedAt"], datetime) and finding["updatedAt"] >= finding["firstObservedAt"]
    assert [f["title"] for f in _findings(imagebuilder, "vulnerabilityId", high)] == [f"{high} - zlib"]
    assert len(_findings(imagebuilder, "imagePipelineArn", resources["pipeline"])) == 2
    assert critical in [
        f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in _findings(imagebuilder, "severity", "CRITICAL")
    ]
    assert high not in [
        f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in _findings(imagebuilder, "severity", "CRITICAL")
    ]


def test_findings_page_with_max_results_and_next_token(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, scanning=SCANNING)
    planted = _planted(*(("MEDIUM", _cve(), f"pkg{i}") for i in range(3)))
    config(build_seconds=1, scan_findings={resources["name"]: planted})
    watch_scan(imagebuilder, _start(imagebuilder, resources))
    pipeline_filter = [{"name": "imagePipelineArn", "values": [resources["pipeline"]]}]

    pages, token = [], None
    while True:
        page = imagebuilder.list_image_scan_findings(
            filters=pipeline_filter, maxResults=2, **({"nextToken": token} if token else {})
        )
        pages.append([f["packageVulnerabilityDetails"]["vulnerablePackages"][0]["name"] for f in page["findings"]])
        token = page.get("nextToken")
        if not token:
            break
    with pytest.raises(ClientError) as bad_token:
        imagebuilder.list_image_scan_findings(filters=pipeline_filter, nextToken="not-a-token")
    with pytest.raises(ClientError) as bad_filter:
        imagebuilder.list_image_scan_findings(filters=[{"name": "packageName", "values": ["pkg0"]}])

    assert pages == [["pkg0", "pkg1"], ["pkg2"]]
    assert _code(bad_token) == "InvalidPaginationTokenException"
    assert _code(bad_filter) == "InvalidRequestException"


def test_findings_are_those_set_when_the_build_finished(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, scanning=SCANNING)
    vulnerability = _cve()
    config(build_seconds=1, scan_findings={resources["name"]: _planted(("LOW", vulnerability, "bash"))})

    first = _start(imagebuilder, resources)
    wait_for_image(imagebuilder, first)
    config(scan_findings={})
    watch_scan(imagebuilder, first)
    second = _start(imagebuilder, resources)
    watch_scan(imagebuilder, second)

    assert [f["title"] for f in _findings(imagebuilder, "imageBuildVersionArn", first)] == [f"{vulnerability} - bash"]
    assert _findings(imagebuilder, "imageBuildVersionArn", second) == []


# --- ListImageScanFindingAggregations ----------------------------------------------------------


def _account_counts(imagebuilder) -> dict:
    answer = imagebuilder.list_image_scan_finding_aggregations()
    assert answer["aggregationType"] == "accountId"
    [aggregation] = answer["responses"]
    assert aggregation["accountAggregation"]["accountId"] == PRODUCER
    return aggregation["accountAggregation"]["severityCounts"]


def test_aggregations_count_by_account_image_pipeline_and_vulnerability(producer, config):
    imagebuilder, ec2, iam, _ = producer
    resources = producer_resources(imagebuilder, ec2, iam, scanning=SCANNING)
    shared, single = _cve(), _cve()
    planted = _planted(
        ("CRITICAL", shared, "openssl"),
        ("CRITICAL", shared, "openssl-libs"),
        ("MEDIUM", single, "zlib"),
        ("UNTRIAGED", single, "zlib-devel"),
    )
    before = _account_counts(imagebuilder)
    config(build_seconds=1, scan_findings={resources["name"]: planted})
    image, _ = watch_scan(imagebuilder, _start(imagebuilder, resources))

    after = _account_counts(imagebuilder)
    by_image = imagebuilder.list_image_scan_finding_aggregations(
        filter={"name": "imageBuildVersionArn", "values": [image["arn"]]}
    )
    by_pipeline = imagebuilder.list_image_scan_finding_aggregations(
        filter={"name": "imagePipelineArn", "values": [resources["pipeline"]]}
    )
    by_vulnerability = imagebuilder.list_image_scan_finding_aggregations(
        filter={"name": "vulnerabilityId", "values": [shared, single]}
    )
    with pytest.raises(ClientError) as by_severity:
        imagebuilder.list_image_scan_finding_aggregations(filter={"name": "severity", "values": ["CRITICAL"]})

    counts = {"all": 4, "critical": 2, "high": 0, "medium": 1}
    assert {key: after[key] - before[key] for key in counts} == counts
    assert by_image["aggregationType"] == "imageBuildVersionArn"
    assert by_image["responses"] == [
        {"imageAggregation": {"imageBuildVersionArn": image["arn"], "severityCounts": counts}}
    ]
    assert by_pipeline["aggregationType"] == "imagePipelineArn"
    assert by_pipeline["responses"] == [
        {"imagePipelineAggregation": {"imagePipelineArn": resources["pipeline"], "severityCounts": counts}}
    ]
    assert by_vulnerability["aggregationType"] == "vulnerabilityId"
    assert sorted(
        (r["vulnerabilityIdAggregation"]["vulnerabilityId"], r["vulnerabilityIdAggregation"]["severityCounts"])
        for r in by_vulnerability["responses"]
    ) == sorted(
        [
            (shared, {"all": 2, "critical": 2, "high": 0, "medium": 0}),
            (single, {"all": 2, "critical": 0, "high": 0, "medium": 1}),
        ]
    )
    assert _code(by_severity) == "InvalidRequestException"


# --- the knob and IAM --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        ["not", "an", "object"],
        {"p": {"severity": "HIGH"}},
        {"p": [{"severity": "SEVERE", "vulnerability_id": "CVE-1", "package": "x"}]},
        {"p": [{"severity": "HIGH", "vulnerability_id": "", "package": "x"}]},
        {"p": [{"severity": "HIGH", "vulnerability_id": "CVE-1"}]},
        {"p": [{"severity": "HIGH", "vulnerability_id": "CVE-1", "package": "x", "fixed": "1.1"}]},
    ],
)
def test_the_scan_findings_knob_refuses_bad_values_and_changes_nothing(control, config, value):
    kept = {"p": [{"severity": "LOW", "vulnerability_id": "CVE-1", "package": "x"}]}
    config(scan_findings=kept)

    status, body = control("POST", "config", {"build_seconds": 2, "scan_findings": value})
    _, current = control("GET", "config")

    assert status == 400 and "scan_findings" in body["error"]
    assert current["scan_findings"] == kept and current["build_seconds"] != 2


def test_the_scan_findings_knob_defaults_to_none_and_resets(control, config):
    config(scan_findings={"p": [{"severity": "CRITICAL", "vulnerability_id": "CVE-1", "package": "x"}]})
    _, reset = control("POST", "config/reset")

    assert reset["scan_findings"] == {}


def test_scan_findings_are_authorized_on_the_image_or_pipeline_their_filter_names(config):
    pipeline = f"arn:aws:imagebuilder:{CALLER_REGION}:{PRODUCER}:image-pipeline/gold-sample"
    other = f"arn:aws:imagebuilder:{CALLER_REGION}:{PRODUCER}:image-pipeline/other"
    session = _as(
        [_allow(["imagebuilder:ListImageScanFindings", "imagebuilder:ListImageScanFindingAggregations"], pipeline)]
    )
    config(enforce_iam=True)
    client = session.client("imagebuilder")

    listed = client.list_image_scan_findings(filters=[{"name": "imagePipelineArn", "values": [pipeline]}])
    counted = client.list_image_scan_finding_aggregations(filter={"name": "imagePipelineArn", "values": [pipeline]})
    refused = _refused(
        lambda: client.list_image_scan_findings(filters=[{"name": "imagePipelineArn", "values": [other]}])
    )
    unfiltered = _refused(lambda: client.list_image_scan_finding_aggregations())

    assert listed["findings"] == [] and counted["responses"] == []
    assert refused["Error"]["Code"] == "AccessDeniedException"
    assert f"imagebuilder:ListImageScanFindings on resource: {other} because" in refused["Error"]["Message"]
    assert "imagebuilder:ListImageScanFindingAggregations because" in unfiltered["Error"]["Message"]
