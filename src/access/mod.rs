//! The IAM documents gold needs for a manifest, built from the one permissions table
//! ([`crate::aws::permissions`]): the consumer rollout role's policy and its trust policy, the
//! producer operator's policy, the organization reader's, and the build instances' role for
//! review. Nothing here calls AWS; `gold iam` prints what it returns.
//!
//! `scopes.rs` turns each scope of the table into the statements it stands for in this
//! manifest; `document.rs` writes them out, and joins several manifests' statements into one
//! rollout role's policy. The trust policies and the build role are here.

pub mod cloudformation;
mod document;
pub mod kms;
mod scopes;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::aws::permissions::{Need, PERMISSIONS, Scope, Side};
use crate::manifest::{Loaded, Manifest, SecurityGroup};
use crate::plan::producer::{Desired, partition};
use document::{Statement, VERSION, absorb, document};

/// The permissions policy of the consumer rollout role (every consumer account).
pub fn consumer(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::Consumer).document()
}

/// One consumer rollout role's policy for several manifests: each manifest's statements, those
/// that differ only in their resources or in one condition value merged into one (so the policy
/// stays within IAM's size limits as manifests are added), the others kept under their own id.
pub fn consumer_of(manifests: &[Loaded]) -> Value {
    let mut merged: Vec<Statement> = Vec::new();
    for loaded in manifests {
        for statement in Policy::new(loaded, Side::Consumer).statements() {
            absorb(&mut merged, statement);
        }
    }
    document(merged)
}

/// The IAM actions `side`'s policy for `loaded` grants for `operation` of `service`: the
/// table's actions for it, less those whose scope names nothing in this manifest. What the
/// IAM-evaluated tests expect each logged call to have needed.
pub fn actions_for(
    loaded: &Loaded,
    side: Side,
    service: &str,
    operation: &str,
) -> BTreeSet<&'static str> {
    let policy = Policy::new(loaded, side);
    PERMISSIONS
        .iter()
        .filter(|p| p.side == side && p.service == service && p.operation == operation)
        .filter(|p| policy.needs(p.need))
        .flat_map(|p| p.grants)
        .filter(|grant| {
            let service = match grant.scope {
                Scope::Any => service_of(grant.action),
                _ => "",
            };
            !policy
                .resolve(grant.scope, service, &BTreeSet::from([grant.action]))
                .is_empty()
        })
        .map(|grant| grant.action)
        .collect()
}

/// The permissions policy of the identity that runs gold in the producer account.
pub fn producer(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::Producer).document()
}

/// The permissions policy that reads the organization's OUs and accounts.
pub fn organization(loaded: &Loaded) -> Value {
    Policy::new(loaded, Side::OrganizationReader).document()
}

/// The principal a trust policy names for the identity `arn` that runs gold: a role session
/// is trusted through its role (`arn:aws:sts::A:assumed-role/R/S` → `arn:aws:iam::A:role/R`).
pub fn principal_of(arn: &str) -> String {
    let Some((head, rest)) = arn.split_once(":assumed-role/") else {
        return arn.to_owned();
    };
    let role = rest.split('/').next().unwrap_or(rest);
    format!("{}:role/{role}", head.replacen(":sts:", ":iam:", 1))
}

/// The trust policy of the consumer rollout role: only `principal` may assume it, and only
/// from inside the organization the manifest shares with (`aws:PrincipalOrgID`) when it names one.
pub fn trust(manifest: &Manifest, principal: &str) -> Value {
    trusting(manifest, principal, "GoldRunsRollouts")
}

/// The trust policy of the role `[organization]` names, in the management (or delegated
/// administrator) account: the same principal, under the same organization condition.
pub fn organization_trust(manifest: &Manifest, principal: &str) -> Value {
    trusting(manifest, principal, "GoldReadsTheOrganization")
}

/// The trust policy of one rollout role serving several manifests: [`trust`], from inside any
/// organization they share with.
pub fn trust_of(manifests: &[&Manifest], principal: &str) -> Value {
    let organizations: BTreeSet<&str> = manifests
        .iter()
        .filter_map(|m| organization_id(m))
        .collect();
    trusted(principal, "GoldRunsRollouts", &organizations)
}

fn trusting(manifest: &Manifest, principal: &str, sid: &str) -> Value {
    trusted(
        principal,
        sid,
        &organization_id(manifest).into_iter().collect(),
    )
}

fn trusted(principal: &str, sid: &str, organizations: &BTreeSet<&str>) -> Value {
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": { "AWS": principal },
        "Action": "sts:AssumeRole",
    });
    let org = match organizations.len() {
        0 => None,
        1 => organizations.iter().next().map(|o| json!(o)),
        _ => Some(json!(organizations)),
    };
    if let Some(org) = org {
        statement["Condition"] = json!({ "StringEquals": { "aws:PrincipalOrgID": org } });
    }
    json!({ "Version": VERSION, "Statement": [statement] })
}

/// The `o-…` id of the one organization the manifest shares its AMIs with.
fn organization_id(manifest: &Manifest) -> Option<&str> {
    match manifest.distribution.share_with_organizations.as_slice() {
        [arn] => arn.rsplit('/').next().filter(|id| id.starts_with("o-")),
        _ => None,
    }
}

/// The role `gold up` creates for the build instances, as IAM will hold it; `None` when the
/// manifest names an existing instance profile.
pub fn instance_role(loaded: &Loaded) -> Option<Value> {
    let desired = Desired::from_manifest(loaded);
    let role = desired.role?;
    let trust: Value =
        serde_json::from_str(&crate::aws::iam::ec2_trust_policy()).unwrap_or(Value::Null);
    Some(json!({
        "RoleName": role.name,
        "InstanceProfileName": desired.instance_profile,
        "AssumeRolePolicyDocument": trust,
        "ManagedPolicyArns": role.policy_arns,
        "Tags": role.tags,
    }))
}

/// One side's policy for one manifest.
struct Policy<'a> {
    manifest: &'a Manifest,
    desired: Desired,
    side: Side,
    partition: &'static str,
    regions: Vec<String>,
}

impl<'a> Policy<'a> {
    fn new(loaded: &'a Loaded, side: Side) -> Self {
        let manifest = &loaded.manifest;
        let desired = Desired::from_manifest(loaded);
        let regions: BTreeSet<String> = match side {
            Side::Consumer => manifest
                .consumers
                .iter()
                .flat_map(|c| manifest.consumer_regions(c).iter().cloned())
                .collect(),
            Side::Producer => std::iter::once(manifest.producer.region.clone())
                .chain(
                    desired
                        .distribution
                        .regions
                        .iter()
                        .map(|r| r.region.clone()),
                )
                .collect(),
            Side::OrganizationReader => BTreeSet::new(),
        };
        Self {
            manifest,
            partition: partition(&manifest.producer.region),
            desired,
            side,
            regions: regions.into_iter().collect(),
        }
    }

    fn needs(&self, need: Need) -> bool {
        let templates = || {
            self.manifest
                .consumers
                .iter()
                .flat_map(|c| c.launch_templates.iter())
        };
        match need {
            // `gold retire` and `gold prune` work on any manifest's builds.
            Need::Always | Need::Retire => true,
            Need::BuildRole => self.desired.role.is_some(),
            Need::BuildSecurityGroup => self.desired.security_group.is_some(),
            Need::BuildSubnet => self
                .desired
                .security_group
                .as_ref()
                .is_some_and(|g| g.subnet_id.is_some()),
            Need::BuildDefaultVpc => self
                .desired
                .security_group
                .as_ref()
                .is_some_and(|g| g.subnet_id.is_none()),
            Need::CreatedTemplates => templates().any(|t| t.create.is_some()),
            Need::ConsumerSecurityGroup => templates().any(|t| {
                t.create
                    .as_ref()
                    .is_some_and(|c| c.security_group == Some(SecurityGroup::EgressOnly))
            }),
            Need::AutoScaling => templates().any(|t| !t.auto_scaling_groups.is_empty()),
            Need::TaggedTemplates => templates().any(|t| t.tag.is_some()),
            Need::ConsumerRoles => !self.rollout_roles().is_empty(),
            Need::OrganizationRole => self.reader_role().is_some(),
            Need::SsmParameters => self
                .manifest
                .consumers
                .iter()
                .any(|c| !c.parameters.is_empty()),
            Need::RamSharing => self.manifest.sharing.is_some(),
            Need::Channels => !self.manifest.channels.is_empty(),
            Need::Scanning => self.manifest.scanning.as_ref().is_some_and(|s| s.enabled),
            Need::WholeOrganization => self.manifest.consumers.iter().any(|c| c.organization),
            Need::SharedParent => crate::plan::producer::shared_parent(self.manifest).is_some(),
            Need::SharedResources => !crate::plan::producer::foreign(self.manifest).is_empty(),
            Need::EncryptionKey => self.manifest.distribution.kms_key_id.is_some(),
            Need::EncryptedAutoScaling => {
                self.manifest.distribution.kms_key_id.is_some() && self.needs(Need::AutoScaling)
            }
        }
    }

    /// Every statement, grouped by scope (and by service for `"*"`), in a stable order.
    fn statements(&self) -> Vec<Statement> {
        let mut grouped: BTreeMap<(Scope, &'static str), BTreeSet<&'static str>> = BTreeMap::new();
        for permission in PERMISSIONS
            .iter()
            .filter(|p| p.side == self.side && self.needs(p.need))
        {
            for grant in permission.grants {
                let service = match grant.scope {
                    Scope::Any => service_of(grant.action),
                    _ => "",
                };
                grouped
                    .entry((grant.scope, service))
                    .or_default()
                    .insert(grant.action);
            }
        }
        grouped
            .into_iter()
            .flat_map(|((scope, service), actions)| self.resolve(scope, service, &actions))
            .collect()
    }

    fn document(&self) -> Value {
        document(self.statements())
    }

    /// The role `[organization]` names, which the identity running gold assumes to read it.
    fn reader_role(&self) -> Option<String> {
        self.manifest
            .organization
            .as_ref()
            .and_then(|o| o.role_arn.clone())
    }

    /// The roles the identity running gold assumes: each consumer's, and the producer's.
    fn rollout_roles(&self) -> Vec<String> {
        let roles: BTreeSet<String> = self
            .manifest
            .consumers
            .iter()
            .filter_map(|c| {
                c.role_arn.clone().or_else(|| {
                    // A role by name is assumed in every account the consumer finds.
                    let name = c.role_name.as_deref()?;
                    Some(format!("arn:{}:iam::*:role/{name}", self.partition))
                })
            })
            .chain(self.manifest.producer.role_arn.clone())
            .collect();
        roles.into_iter().collect()
    }
}

/// The service prefix of `prefix:Action`.
fn service_of(action: &'static str) -> &'static str {
    action.split_once(':').map_or(action, |(prefix, _)| prefix)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn seed() -> Loaded {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed/gold.toml");
        crate::manifest::load(&path).expect("the seed manifest loads")
    }

    #[test]
    fn templates_selected_by_tag_are_moved_only_with_that_tag_and_roles_by_name_are_assumed() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/org/gold.toml");
        let org = crate::manifest::load(&path).expect("the org example loads");
        let policy = consumer(&org);
        let moving = statement(&policy, "MoveLaunchTemplatesSelectedByTag");
        // Refreshing a group launches from the template: Auto Scaling checks `ec2:RunInstances`.
        assert_eq!(
            moving["Action"],
            json!([
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplateVersions",
                "ec2:ModifyLaunchTemplate",
                "ec2:RunInstances"
            ])
        );
        assert_eq!(
            moving["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:follow": ["sample"] } })
        );
        let producer = producer(&org);
        let assume = statement(&producer, "AssumeRoles");
        // The organization reader's role, and every account's rollout role inside the organization.
        assert_eq!(
            assume["Resource"],
            json!([
                "arn:aws:iam::*:role/GoldRollout",
                "arn:aws:iam::000000000000:role/GoldOrgReader"
            ])
        );
        assert_eq!(
            assume["Condition"],
            json!({ "StringEquals": { "aws:ResourceOrgID": "o-xxxxxxxxxx" } })
        );
    }

    #[test]
    fn a_refresh_may_launch_only_the_producers_images_from_the_manifests_templates() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fleet/gold.toml");
        let fleet = crate::manifest::load(&path).expect("the fleet example loads");
        let policy = consumer(&fleet);
        let images = statement(&policy, "LaunchProducerImages");
        assert_eq!(images["Action"], json!(["ec2:RunInstances"]));
        assert_eq!(
            images["Condition"],
            json!({ "StringEquals": { "ec2:Owner": "111122223333" } })
        );
        assert_eq!(
            statement(&policy, "PassTemplateRolesToEc2")["Condition"],
            json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })
        );
        assert_eq!(
            statement(&policy, "TagWhatTemplatesLaunch")["Condition"],
            json!({ "StringEquals": { "ec2:CreateAction": "RunInstances" } })
        );
        let by_id = statement(&policy, "MoveLaunchTemplatesNamedById");
        assert!(
            by_id["Action"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("ec2:RunInstances"))),
            "{by_id}"
        );
    }

    fn example(name: &str) -> Loaded {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name)
            .join("gold.toml");
        crate::manifest::load(&path).expect("the example loads")
    }

    #[test]
    fn one_rollout_role_serves_several_manifests_with_their_statements_joined() {
        let policy = consumer_of(&[seed(), example("fleet")]);
        let statements = policy["Statement"].as_array().expect("statements");
        let mut ids: Vec<&str> = statements
            .iter()
            .filter_map(|s| s["Sid"].as_str())
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count, "statement ids are unique: {policy}");
        // Different actions (fleet's refreshes launch from its templates): two statements.
        assert_eq!(
            statement(&policy, "MoveLaunchTemplatesTaggedForManifest")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        assert_eq!(
            statement(&policy, "MoveLaunchTemplatesTaggedForManifest2")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "fleet" } })
        );
        // The same statement but for the manifest's tag: one, with both tags.
        let mut other = seed();
        other.manifest.name = "other".to_owned();
        let joined = consumer_of(&[seed(), other]);
        assert_eq!(
            statement(&joined, "MoveLaunchTemplatesTaggedForManifest")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": ["other", "sample"] } })
        );
        assert_eq!(
            joined["Statement"].as_array().map(Vec::len),
            consumer(&seed())["Statement"].as_array().map(Vec::len)
        );
        // Reads in either manifest's regions.
        assert_eq!(
            statement(&policy, "ReadEc2")["Condition"],
            json!({ "StringEquals": { "aws:RequestedRegion": ["ap-northeast-1", "us-east-1"] } })
        );
        let fleet = example("fleet");
        let one = consumer_of(std::slice::from_ref(&fleet));
        assert_eq!(one, consumer(&fleet), "one manifest: its own policy");
    }

    #[test]
    fn the_stackset_role_keeps_its_name_whatever_manifests_it_serves() {
        let (seed, org) = (seed(), example("org"));
        let both = [&seed.manifest, &org.manifest];
        let policy = consumer_of(&[seed.clone(), org.clone()]);
        let trust = trust_of(&both, "arn:aws:iam::111122223333:role/GoldOperator");
        let template = cloudformation::template(&both, &policy, &trust).expect("one role name");
        let role = &template["Resources"]["GoldRolloutRole"]["Properties"];
        assert_eq!(role["RoleName"], "GoldRollout");
        assert_eq!(role["Policies"][0]["PolicyName"], "gold-rollout");
        let alone = cloudformation::template(&[&seed.manifest], &consumer(&seed), &trust)
            .expect("one role name");
        assert_eq!(
            alone["Resources"]["GoldRolloutRole"]["Properties"]["Policies"][0]["PolicyName"],
            "gold-rollout"
        );
    }

    #[test]
    fn a_share_is_created_on_any_resource_only_with_the_manifests_tag_resources_and_principals() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/layered/base/gold.toml");
        let base = crate::manifest::load(&path).expect("the base example loads");
        let policy = producer(&base);
        let create = statement(&policy, "CreateResourceShareTagged");
        assert_eq!(create["Action"], json!(["ram:CreateResourceShare"]));
        assert_eq!(create["Resource"], "*");
        assert_eq!(
            create["Condition"],
            json!({
                "StringEquals": { "aws:RequestTag/gold:manifest": "base" },
                "ForAllValues:StringEquals": {
                    "ram:RequestedResourceType": ["imagebuilder:Image", "imagebuilder:Component"],
                    "ram:Principal": ["arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx"],
                },
                "ForAllValues:ArnLike": { "ram:ResourceArn": [
                    "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/*",
                    "arn:aws:imagebuilder:ap-northeast-1:111122223333:component/base-hardening/*",
                ] },
            })
        );
    }

    fn statement<'v>(policy: &'v Value, sid: &str) -> &'v Value {
        policy["Statement"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["Sid"] == sid))
            .unwrap_or_else(|| panic!("no statement {sid} in {policy}"))
    }

    #[test]
    fn a_role_session_is_trusted_through_its_role() {
        assert_eq!(
            principal_of("arn:aws:sts::111122223333:assumed-role/GoldOperator/ci-42"),
            "arn:aws:iam::111122223333:role/GoldOperator"
        );
        assert_eq!(
            principal_of("arn:aws:iam::111122223333:user/alice"),
            "arn:aws:iam::111122223333:user/alice"
        );
    }

    #[test]
    fn the_consumer_policy_moves_only_tagged_templates_and_creates_only_with_gold_tags() {
        let policy = consumer(&seed());
        let moving = statement(&policy, "MoveLaunchTemplatesTaggedForManifest");
        assert_eq!(
            moving["Action"],
            json!([
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplateVersions",
                "ec2:ModifyLaunchTemplate"
            ])
        );
        assert_eq!(
            moving["Resource"],
            "arn:aws:ec2:ap-northeast-1:*:launch-template/*"
        );
        assert_eq!(
            moving["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        let tagging = statement(&policy, "TagLaunchTemplatesOnCreate");
        assert_eq!(
            tagging["Condition"]["StringEquals"]["ec2:CreateAction"],
            "CreateLaunchTemplate"
        );
        let reads = statement(&policy, "ReadEc2");
        assert_eq!(reads["Resource"], "*");
        assert_eq!(
            reads["Condition"],
            json!({ "StringEquals": { "aws:RequestedRegion": ["ap-northeast-1"] } })
        );
        let text = policy.to_string();
        // Groups are read (who still uses an AMI, for retire and prune), never refreshed.
        assert!(
            !text.contains("autoscaling:StartInstanceRefresh"),
            "no group is listed: {text}"
        );
        assert!(!text.contains("iam:"), "{text}");
    }

    #[test]
    fn the_producer_passes_only_the_build_role_to_ec2_and_assumes_only_the_manifests_roles() {
        let policy = producer(&seed());
        let pass = statement(&policy, "PassBuildRoleToEc2");
        assert_eq!(pass["Action"], json!(["iam:PassRole"]));
        assert_eq!(
            pass["Resource"],
            "arn:aws:iam::111122223333:role/sample-imagebuilder"
        );
        assert_eq!(
            pass["Condition"],
            json!({ "StringEquals": { "iam:PassedToService": "ec2.amazonaws.com" } })
        );
        assert_eq!(
            statement(&policy, "AssumeRoles")["Resource"],
            "arn:aws:iam::444455556666:role/GoldRollout"
        );
        // Snapshots are deleted only once gold tagged them as its AMIs'.
        assert_eq!(
            statement(&policy, "DeleteSnapshotsOfAmis")["Condition"],
            json!({ "StringEquals": { "aws:ResourceTag/gold:manifest": "sample" } })
        );
        assert_eq!(
            statement(&policy, "TagSnapshotsOfAmis")["Condition"]["ForAllValues:StringEquals"],
            json!({ "aws:TagKeys": ["gold:manifest"] })
        );
        assert_eq!(
            statement(&policy, "BuildRoleManagedPolicies")["Condition"]["ArnEquals"]["iam:PolicyARN"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            statement(&policy, "Pipeline")["Resource"],
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:image-pipeline/sample"
        );
    }

    #[test]
    fn both_trust_policies_name_the_principal_inside_the_manifests_organization() {
        let principal = "arn:aws:iam::111122223333:role/GoldOperator";
        let rollout = trust(&seed().manifest, principal);
        let reader = organization_trust(&example("org").manifest, principal);
        for (trust, sid) in [
            (rollout, "GoldRunsRollouts"),
            (reader, "GoldReadsTheOrganization"),
        ] {
            let statement = &trust["Statement"][0];
            assert_eq!(statement["Sid"], sid);
            assert_eq!(statement["Principal"]["AWS"], principal);
            assert_eq!(
                statement["Condition"]["StringEquals"]["aws:PrincipalOrgID"],
                "o-xxxxxxxxxx"
            );
        }
    }

    #[test]
    fn the_organization_reader_lists_only_what_discovery_reads() {
        let policy = organization(&seed());
        assert_eq!(
            statement(&policy, "ReadOrganizations")["Action"],
            json!([
                "organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent"
            ])
        );
        assert!(
            statement(&policy, "ReadOrganizations")
                .get("Condition")
                .is_none()
        );
    }
}
