"""Image scanning with Amazon Inspector: the pipelines' scanning settings, the findings a
scanned build carries, and ListImageScanFindings / ListImageScanFindingAggregations.

Facts from the Image Builder API reference and botocore's model `imagebuilder/2019-12-02`:
- ImageScanningConfiguration: `imageScanningEnabled` ("You must also enable image tests"),
  `ecrConfiguration`, `imageScanningTypes` (one of TEST_INSTANCE_CVE, the default, where
  Amazon Inspector scans the test instance and ListImageScanFindings returns the findings, or
  ON_DEMAND_AMI_CVE, whose findings EC2's GetImageFindings returns) and `scanResultCondition`
  ("You can set scanResultCondition only when imageScanningTypes is ON_DEMAND_AMI_CVE").
  Create/UpdateImagePipeline and CreateImage model InvalidRequestException, not
  InvalidParameterValueException, so a refused setting is InvalidRequestException.
- ListImageScanFindings lists the findings for the caller's account; `filters` holds one
  filter with one value, named `imageBuildVersionArn`, `imagePipelineArn`, `vulnerabilityId` or
  `severity` (case-sensitive names and values); `maxResults` 1-100 (25 by default) and
  `nextToken`. Its modeled errors include InvalidRequestException, not
  InvalidParameterValueException, so an unknown filter name is InvalidRequestException.
- A finding (ImageScanFinding, and AWS's example in the API reference) is of `type`
  PACKAGE_VULNERABILITY, titled "CVE-… - package", with Inspector's severity (INFORMATIONAL,
  LOW, MEDIUM, HIGH, CRITICAL, UNTRIAGED; Amazon Inspector User Guide, "Severity levels for
  Amazon Inspector findings"), score, CVSS details and the vulnerable packages.
- ListImageScanFindingAggregations groups by the `filter` name: `imageBuildVersionArn`,
  `imagePipelineArn` or `vulnerabilityId` (`aggregationType` names it), by account without a
  filter ("accountId"); each aggregation has counts for critical, high and medium findings and
  `all`.

Findings come from `CONFIG.scan_findings` (the `scan_findings` knob): a build of a pipeline
named there, with scanning and tests enabled, takes the pipeline's entries when it finishes
AVAILABLE; they are listed once its scan is COMPLETED (`builds.Build.scan_state`).
"""

from __future__ import annotations

from localcloud.control import CONFIG

from .builds import Build
from .protocol import ServiceError, invalid_value
from .store import paginate

# Amazon Inspector's scores for a planted finding of each severity, with a CVSS 3.1 vector that
# gives that score (Inspector leaves UNTRIAGED findings unscored).
_SCORES = {
    "CRITICAL": (9.8, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    "HIGH": (7.5, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"),
    "MEDIUM": (5.5, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"),
    "LOW": (3.3, "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:N/A:N"),
    "INFORMATIONAL": (0.0, "CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N"),
}
_FINDING_FILTERS = ("imageBuildVersionArn", "imagePipelineArn", "vulnerabilityId", "severity")
# Aggregation filter name -> the aggregation member and its key member.
_AGGREGATIONS = {
    "imageBuildVersionArn": ("imageAggregation", "imageBuildVersionArn"),
    "imagePipelineArn": ("imagePipelineAggregation", "imagePipelineArn"),
    "vulnerabilityId": ("vulnerabilityIdAggregation", "vulnerabilityId"),
}


def check_configuration(configuration: dict | None) -> None:
    """Refuse scanning settings the service refuses, and the scan type localcloud does not emulate."""
    if not configuration:
        return
    types = configuration.get("imageScanningTypes") or ["TEST_INSTANCE_CVE"]
    if configuration.get("scanResultCondition") is not None and "ON_DEMAND_AMI_CVE" not in types:
        raise _refused(
            "scanResultCondition", "You can set scanResultCondition only when imageScanningTypes is ON_DEMAND_AMI_CVE."
        )
    if "ON_DEMAND_AMI_CVE" in types:
        raise _refused(
            "imageScanningTypes",
            "localcloud emulates TEST_INSTANCE_CVE scans only (findings through ListImageScanFindings).",
        )


def _refused(member: str, reason: str) -> ServiceError:
    # The service's words for a value it rejects, with the code these operations model.
    text = invalid_value(f"imageScanningConfiguration.{member}", reason).message
    return ServiceError("InvalidRequestException", text)


def plant(build: Build, account: str) -> None:
    """Give a build that just finished AVAILABLE the findings the knob holds for its pipeline."""
    record = build.record
    if not (build.scanning and build.tests_enabled and record.get("sourcePipelineName")):
        return
    planted = CONFIG.scan_findings.get(record["sourcePipelineName"], [])
    build.findings = [_finding(entry, record, account, build.scan_completes) for entry in planted]


def _finding(entry: dict, record: dict, account: str, observed: float) -> dict:
    severity, vulnerability, package = entry["severity"], entry["vulnerability_id"], entry["package"]
    source_url = f"https://nvd.nist.gov/vuln/detail/{vulnerability}"
    details = {
        "vulnerabilityId": vulnerability,
        "vulnerablePackages": [{"name": package, "packageManager": "OS"}],
        "source": "NVD",
        "sourceUrl": source_url,
        "vendorSeverity": severity,
        "referenceUrls": [source_url],
    }
    finding = {
        "awsAccountId": account,
        "imageBuildVersionArn": record["arn"],
        "imagePipelineArn": record["sourcePipelineArn"],
        "type": "PACKAGE_VULNERABILITY",
        "description": f"{package} is affected by {vulnerability}.",
        "title": f"{vulnerability} - {package}",
        "remediation": {"recommendation": {"text": "None Provided"}},
        "severity": severity,
        "firstObservedAt": observed,
        "updatedAt": observed,
        "packageVulnerabilityDetails": details,
        "fixAvailable": "NO",
    }
    if severity in _SCORES:
        score, vector = _SCORES[severity]
        cvss = {"scoreSource": "NVD", "cvssSource": "NVD", "version": "3.1", "score": score, "scoringVector": vector}
        finding["inspectorScore"] = score
        finding["inspectorScoreDetails"] = {"adjustedCvss": {**cvss, "adjustments": []}}
        details["cvss"] = [{"baseScore": score, "scoringVector": vector, "version": "3.1", "source": "NVD"}]
    return finding


def _unknown_filter(name: object, allowed: tuple[str, ...]) -> ServiceError:
    return ServiceError(
        "InvalidRequestException", f"The filter name '{name}' is not supported; use one of {', '.join(allowed)}."
    )


def findings_page(findings: list[dict], params: dict) -> dict:
    """ListImageScanFindings' answer from the account's collected findings."""
    for entry in params.get("filters") or []:
        name, values = entry.get("name"), set(entry.get("values") or [])
        if name not in _FINDING_FILTERS:
            raise _unknown_filter(name, _FINDING_FILTERS)
        findings = [f for f in findings if _finding_value(f, name) in values]
    page, token = paginate(findings, params)
    return {"findings": page, "nextToken": token}


def _finding_value(finding: dict, name: str) -> str:
    if name == "vulnerabilityId":
        return finding["packageVulnerabilityDetails"]["vulnerabilityId"]
    return finding[name]


def aggregations_page(findings: list[dict], account: str, params: dict) -> dict:
    """ListImageScanFindingAggregations' answer from the account's collected findings."""
    wanted = params.get("filter")
    if wanted is None:
        responses = [{"accountAggregation": {"accountId": account, "severityCounts": _counts(findings)}}]
        page, token = paginate(responses, params)
        return {"aggregationType": "accountId", "responses": page, "nextToken": token}
    name = wanted.get("name")
    if name not in _AGGREGATIONS:
        raise _unknown_filter(name, tuple(_AGGREGATIONS))
    member, key = _AGGREGATIONS[name]
    groups: dict[str, list[dict]] = {}
    for finding in findings:
        groups.setdefault(_finding_value(finding, key), []).append(finding)
    values = set(wanted.get("values") or groups)
    responses = [
        {member: {key: value, "severityCounts": _counts(groups[value])}}
        for value in sorted(groups)
        if value in values
    ]
    page, token = paginate(responses, params)
    return {"aggregationType": name, "responses": page, "nextToken": token}


def _counts(findings: list[dict]) -> dict:
    severities = [f["severity"] for f in findings]
    return {
        "all": len(severities),
        "critical": severities.count("CRITICAL"),
        "high": severities.count("HIGH"),
        "medium": severities.count("MEDIUM"),
    }
