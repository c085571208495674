"""AWS-managed IAM policies exist in every account, as in AWS, and stay one global copy."""

from __future__ import annotations

import json

WORKLOAD = "444455556666"
POLICY = "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


def test_aws_managed_policies_attach_in_every_account(localcloud, session_for):
    for account in ("111122223333", WORKLOAD):
        iam = session_for(account).client("iam")
        iam.create_role(RoleName="managed-policy-probe", AssumeRolePolicyDocument=TRUST)
        iam.attach_role_policy(RoleName="managed-policy-probe", PolicyArn=POLICY)

        attached = iam.list_attached_role_policies(RoleName="managed-policy-probe")["AttachedPolicies"]

        assert [p["PolicyArn"] for p in attached] == [POLICY]
        assert iam.get_policy(PolicyArn=POLICY)["Policy"]["PolicyName"] == "EC2InstanceProfileForImageBuilder"
