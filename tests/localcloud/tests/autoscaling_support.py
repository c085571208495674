"""Shared setup for the Auto Scaling tests: two organization-shared AMIs, a launch template whose
version 1 runs the old AMI and version 2 (the default) the new one, a workload group on it, and
polling helpers that record what they observe."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from conftest import ORG_ARN, SHARED, WORKLOAD, wait_until

TERMINAL = ("Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed")


@pytest.fixture(scope="module")
def amis(session_for) -> tuple[str, str]:
    """Two AMIs the Shared account owns and shares with the organization: old and new."""
    ec2 = session_for(SHARED).client("ec2")
    ids = []
    for name in ("sample_v1", "sample_v2"):
        ami = ec2.register_image(Name=f"{name}_{uuid.uuid4().hex[:6]}")["ImageId"]
        ec2.modify_image_attribute(ImageId=ami, LaunchPermission={"Add": [{"OrganizationArn": ORG_ARN}]})
        ids.append(ami)
    return ids[0], ids[1]


@dataclass
class Group:
    """A workload Auto Scaling group on a two-version launch template, and ways to watch it."""

    name: str
    template: str
    ec2: Any
    autoscaling: Any
    cloudwatch: Any
    old: str
    new: str

    def create(self, version: str, capacity: int = 2, default: str = "2") -> None:
        """The group's instances start on version 1; afterwards the group references `version`."""
        subnet = self.ec2.describe_subnets()["Subnets"][0]["SubnetId"]
        self.autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=self.name,
            LaunchTemplate={"LaunchTemplateId": self.template, "Version": "1"},
            MinSize=0,
            MaxSize=8,
            DesiredCapacity=capacity,
            VPCZoneIdentifier=subnet,
        )
        self.ec2.create_launch_template_version(
            LaunchTemplateId=self.template, SourceVersion="1", LaunchTemplateData={"ImageId": self.new}
        )
        self.ec2.modify_launch_template(LaunchTemplateId=self.template, DefaultVersion=default)
        if version != "1":
            self.autoscaling.update_auto_scaling_group(
                AutoScalingGroupName=self.name, LaunchTemplate={"LaunchTemplateId": self.template, "Version": version}
            )

    def described(self) -> dict:
        found = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[self.name])
        return found["AutoScalingGroups"][0]

    def instances(self) -> list[dict]:
        return self.described()["Instances"]

    def ids(self) -> set[str]:
        return {i["InstanceId"] for i in self.instances()}

    def start(self, **request: Any) -> str:
        return self.autoscaling.start_instance_refresh(AutoScalingGroupName=self.name, **request)["InstanceRefreshId"]

    def desired(self, version: str) -> dict:
        return {"LaunchTemplate": {"LaunchTemplateId": self.template, "Version": version}}

    def refresh(self, refresh_id: str) -> dict:
        answer = self.autoscaling.describe_instance_refreshes(
            AutoScalingGroupName=self.name, InstanceRefreshIds=[refresh_id]
        )
        return answer["InstanceRefreshes"][0]

    def follow(self, refresh_id: str, until: Callable[[dict], bool] | None = None, deadline_s: float = 60) -> list[dict]:
        """Every state of the refresh observed until `until` holds (default: it ended); polled, not slept on."""
        seen: list[dict] = []
        done = until or (lambda state: state["Status"] in TERMINAL)

        def check() -> bool:
            seen.append(self.refresh(refresh_id))
            return done(seen[-1])

        wait_until(check, f"instance refresh {refresh_id} of {self.name}", deadline_s)
        return seen

    def watch(self, refresh_id: str, deadline_s: float = 60) -> list[tuple[dict, list[dict]]]:
        """(refresh, group instances) pairs observed until the refresh ends.

        Every request may move the refresh one step, so a pair is kept only when the refresh read
        before and after the instances is the same: then both describe one moment.
        """
        seen: list[tuple[dict, list[dict]]] = []

        def check() -> bool:
            before = self.refresh(refresh_id)
            instances = self.instances()
            state = self.refresh(refresh_id)
            if state == before:
                seen.append((state, instances))
            return state["Status"] in TERMINAL and bool(seen) and seen[-1][0]["Status"] in TERMINAL

        wait_until(check, f"instance refresh {refresh_id} of {self.name}", deadline_s)
        return seen

    def images(self, instance_ids: set[str]) -> set[str]:
        reservations = self.ec2.describe_instances(InstanceIds=sorted(instance_ids))["Reservations"]
        return {i["ImageId"] for r in reservations for i in r["Instances"]}

    def ec2_states(self, instance_ids: set[str]) -> set[str]:
        reservations = self.ec2.describe_instances(InstanceIds=sorted(instance_ids))["Reservations"]
        return {i["State"]["Name"] for r in reservations for i in r["Instances"]}

    def alarm(self) -> str:
        """A CloudWatch alarm in this account, in state OK."""
        name = f"{self.name}-errors"
        self.cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="HTTPCode_Target_5XX_Count",
            Namespace="AWS/ApplicationELB",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=10,
            ComparisonOperator="GreaterThanThreshold",
        )
        self.cloudwatch.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="baseline")
        return name


@pytest.fixture(scope="module")
def workload(session_for) -> tuple[Any, Any, Any]:
    """EC2, Auto Scaling and CloudWatch clients acting in the workload account (made once: clients are slow to build)."""
    session = session_for(WORKLOAD)
    return session.client("ec2"), session.client("autoscaling"), session.client("cloudwatch")


@pytest.fixture
def group(workload, amis) -> Group:
    """A workload group named uniquely; `group.create(version, capacity)` makes it."""
    ec2, autoscaling, cloudwatch = workload
    old, new = amis
    name = f"web-{uuid.uuid4().hex[:8]}"
    template = ec2.create_launch_template(
        LaunchTemplateName=f"sample-lt-{name}", LaunchTemplateData={"ImageId": old, "InstanceType": "t3.small"}
    )["LaunchTemplate"]["LaunchTemplateId"]
    return Group(name, template, ec2, autoscaling, cloudwatch, old, new)
