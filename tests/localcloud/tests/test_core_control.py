"""`/_localcloud/` control: request log, config knobs and the faults they inject."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import REGION, SHARED, WORKLOAD

NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def _client(service: str):
    return boto3.client(service, config=NO_RETRIES)


def test_request_log_names_service_action_account_region_status_and_time(control, session_for):
    control("POST", "reset")

    boto3.client("ec2").describe_availability_zones()
    session_for(WORKLOAD).client("autoscaling").describe_auto_scaling_groups()
    with pytest.raises(ClientError):
        boto3.client("ec2").describe_images(ImageIds=["ami-00000000000000000"])
    status, log = control("GET", "requests")

    assert status == 200
    entries = [{k: v for k, v in e.items() if k != "ms"} for e in log]
    assert {"service": "ec2", "action": "DescribeAvailabilityZones", "account": SHARED, "region": REGION, "status": 200} in entries
    assert {"service": "autoscaling", "action": "DescribeAutoScalingGroups", "account": WORKLOAD, "region": REGION, "status": 200} in entries
    assert {"service": "ec2", "action": "DescribeImages", "account": SHARED, "region": REGION, "status": 400} in entries
    assert all(isinstance(e["ms"], (int, float)) and e["ms"] >= 0 for e in log)


def test_reset_clears_the_request_log(control):
    boto3.client("sts").get_caller_identity()

    assert control("POST", "reset")[0] == 200
    assert control("GET", "requests") == (200, [])


def test_rest_json_actions_are_named_by_their_route(control):
    control("POST", "reset")

    with pytest.raises(ClientError):
        # Whatever the Image Builder emulation answers, the request log must name the operation.
        boto3.client("imagebuilder", config=NO_RETRIES).get_image_pipeline(
            imagePipelineArn=f"arn:aws:imagebuilder:{REGION}:{SHARED}:image-pipeline/does-not-exist"
        )
    _, log = control("GET", "requests")

    assert [(e["service"], e["action"]) for e in log] == [("imagebuilder", "GetImagePipeline")]


def test_config_get_returns_the_current_knobs(config, control):
    config(latency_ms=5, deny_accounts=[WORKLOAD])

    status, current = control("GET", "config")

    assert status == 200
    assert current["latency_ms"] == 5
    assert current["deny_accounts"] == [WORKLOAD]
    assert current["throttle_rate"] == 0
    assert current["propagation_seconds"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"no_such_knob": 1},
        {"throttle_rate": 2},
        {"deny_accounts": "444455556666"},
        {"fail_build_step": "build"},
        {"propagation_seconds": -1},
        {"propagation_seconds": "5"},
        {"propagation_seconds": True},
    ],
)
def test_bad_config_is_rejected_with_400_and_changes_nothing(control, config, body):
    before = control("GET", "config")[1]

    status, answer = control("POST", "config", body)

    assert status == 400
    assert list(body)[0] in answer["error"]
    assert control("GET", "config")[1] == before


@pytest.mark.parametrize(
    ("service", "call", "code", "http_status"),
    [
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
        ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
        ("iam", lambda c: c.list_roles(), "Throttling", 400),
        ("autoscaling", lambda c: c.describe_auto_scaling_groups(), "Throttling", 400),
        ("ssm", lambda c: c.describe_parameters(), "ThrottlingException", 400),
    ],
)
def test_throttle_rate_answers_with_the_services_own_throttling_error(config, service, call, code, http_status):
    config(throttle_rate=1.0)

    with pytest.raises(ClientError) as raised:
        call(_client(service))

    error = raised.value.response
    assert error["Error"]["Code"] == code
    assert error["ResponseMetadata"]["HTTPStatusCode"] == http_status


def test_imagebuilder_throttles_with_both_of_its_rate_errors(config):
    config(throttle_rate=1.0)
    client = _client("imagebuilder")
    seen = set()

    for _ in range(2):
        with pytest.raises(ClientError) as raised:
            client.list_image_pipelines()
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        seen.add(raised.value.response["Error"]["Code"])

    assert seen == {"ThrottlingException", "CallRateLimitExceededException"}


def test_sdk_retries_throttling_errors(config, control):
    config(throttle_rate=1.0)
    control("POST", "reset")

    with pytest.raises(ClientError):
        boto3.client("ec2", config=Config(retries={"total_max_attempts": 3, "mode": "standard"})).describe_vpcs()

    _, log = control("GET", "requests")
    # Three attempts means botocore classified the error as retryable throttling.
    assert [e["status"] for e in log] == [503, 503, 503]


@pytest.mark.parametrize(
    ("service", "call", "codes"),
    [
        ("ec2", lambda c: c.describe_vpcs(), {"InternalError", "Unavailable"}),
        ("autoscaling", lambda c: c.describe_auto_scaling_groups(), {"InternalFailure", "ServiceUnavailable"}),
        ("imagebuilder", lambda c: c.list_image_pipelines(), {"ServiceException", "ServiceUnavailableException"}),
    ],
)
def test_error_rate_answers_5xx(config, service, call, codes):
    config(error_rate=1.0)

    with pytest.raises(ClientError) as raised:
        call(_client(service))

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] in (500, 503)
    assert raised.value.response["Error"]["Code"] in codes


def test_latency_is_added_to_every_call(config, control):
    config(latency_ms=150)
    control("POST", "reset")

    boto3.client("sts").get_caller_identity()

    _, log = control("GET", "requests")
    assert [e["action"] for e in log] == ["GetCallerIdentity"]
    assert log[0]["ms"] >= 150


def test_faults_never_touch_the_control_endpoints(config, control):
    config(throttle_rate=1.0, error_rate=1.0)

    assert control("GET", "requests")[0] == 200
    assert control("GET", "config")[0] == 200


def test_deny_accounts_refuses_assume_role_into_those_accounts(config, session_for):
    config(deny_accounts=[WORKLOAD])
    sts = boto3.client("sts")

    with pytest.raises(ClientError) as raised:
        sts.assume_role(RoleArn=f"arn:aws:iam::{WORKLOAD}:role/GoldRollout", RoleSessionName="denied")
    allowed = session_for(SHARED).client("sts").get_caller_identity()

    error = raised.value.response
    assert error["Error"]["Code"] == "AccessDenied"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert f"arn:aws:iam::{WORKLOAD}:role/GoldRollout" in error["Error"]["Message"]
    assert allowed["Account"] == SHARED
