//! What the manifest asks for in the producer account, as the settings each resource must
//! have. Nothing here calls AWS: references to resources that may not exist yet (the security
//! group id, component and recipe versions) are filled in while planning and applying.
//!
//! Components and recipes are immutable in Image Builder, so each carries a hash of every input
//! its content comes from; the hash is stored in the `gold:hash` tag of the version gold
//! creates, and a different hash means a new version.

use std::collections::BTreeMap;

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::aws::imagebuilder::{
    BlockDeviceSpec, ComponentSpec, DistributionSpec, InfrastructureSpec, PipelineSpec,
    RegionDistribution, ScheduleSpec, Tags,
};
use crate::manifest::{Loaded, Recipe, ScheduleCondition};
use crate::names;
use crate::version::Version;

/// The managed policies build instances need (EC2 Image Builder user guide, "Setting up IAM").
const BUILD_POLICIES: [&str; 3] = [
    "EC2InstanceProfileForImageBuilder",
    "EC2InstanceProfileForImageBuilderECRContainerBuilds",
    "AmazonSSMManagedInstanceCore",
];

/// Image Builder's own default when a pipeline has no test timeout.
const DEFAULT_TEST_TIMEOUT_MINUTES: u32 = 720;

/// Shown in a plan for a value that exists only once an earlier resource is created.
pub const KNOWN_AFTER_APPLY: &str = "(known after apply)";

/// The producer side of a manifest.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The manifest name (value of the `gold:manifest` tag).
    pub manifest: String,
    /// Producer account.
    pub account: String,
    /// Producer region.
    pub region: String,
    /// The role gold creates, when it creates one.
    pub role: Option<RoleSpec>,
    /// The instance profile the build runs with; gold creates it with `role`.
    pub instance_profile: String,
    /// The security group gold creates, when it creates one.
    pub security_group: Option<SecurityGroupSpec>,
    /// Components in manifest order.
    pub components: Vec<DesiredComponent>,
    /// The image recipe.
    pub recipe: DesiredRecipe,
    /// The infrastructure configuration; `security_group_ids` holds [`KNOWN_AFTER_APPLY`] for a group gold creates.
    pub infrastructure: InfrastructureSpec,
    /// The distribution configuration.
    pub distribution: DistributionSpec,
    /// The pipeline; the ARNs are filled in while planning.
    pub pipeline: PipelineSpec,
}

/// The IAM role of the build instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSpec {
    /// Role name.
    pub name: String,
    /// Managed policy ARNs (sorted).
    pub policy_arns: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

/// The egress-only security group of the build instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityGroupSpec {
    /// Group name.
    pub name: String,
    /// The subnet whose VPC it belongs in; the default VPC without one.
    pub subnet_id: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A component of the manifest.
#[derive(Debug, Clone)]
pub struct DesiredComponent {
    /// Its key in `[components]`.
    pub key: String,
    /// The component file as the manifest names it.
    pub file: String,
    /// What to create (with the manifest's version).
    pub spec: ComponentSpec,
    /// Hash of its inputs.
    pub hash: String,
}

/// The image recipe.
#[derive(Debug, Clone)]
pub struct DesiredRecipe {
    /// Recipe name.
    pub name: String,
    /// The manifest's version.
    pub version: Version,
    /// Parent image, resolved to what Image Builder accepts.
    pub parent_image: String,
    /// Components in build order.
    pub components: Vec<RecipePart>,
    /// Extra volumes.
    pub block_devices: Vec<BlockDeviceSpec>,
    /// Working directory.
    pub working_directory: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Tags,
    /// Hash of its inputs, including each local component's hash.
    pub hash: String,
}

/// A component in the recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipePart {
    /// A component of this manifest, by key.
    Local {
        /// Key in `[components]`.
        key: String,
        /// Parameters.
        parameters: BTreeMap<String, String>,
    },
    /// Another owner's component, by ARN.
    External {
        /// Component ARN.
        arn: String,
        /// Parameters.
        parameters: BTreeMap<String, String>,
    },
}

/// The AWS partition of a region, for ARNs.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// An AWS-managed image name (`amazon-linux-2-x86/x.x.x`) as the image ARN Image Builder wants;
/// ARNs, AMI ids and `ssm:` parameters pass through.
pub fn parent_image_arn(parent: &str, region: &str) -> String {
    if parent.starts_with("arn:") || parent.starts_with("ami-") || parent.starts_with("ssm:") {
        return parent.to_owned();
    }
    let versioned = if parent.contains('/') {
        parent.to_owned()
    } else {
        format!("{parent}/x.x.x")
    };
    format!(
        "arn:{}:imagebuilder:{region}:aws:image/{versioned}",
        partition(region)
    )
}

/// A version the loader has already checked; `0.0.0` stands in for one it could not have let through.
fn manifest_version(text: &str) -> Version {
    Version::parse(text).unwrap_or(Version {
        major: 0,
        minor: 0,
        patch: 0,
    })
}

/// The hash stored in `gold:hash`: SHA-256 of the inputs as compact JSON with every object's
/// keys sorted, so the hash of unchanged inputs never changes (whatever order the code lists them
/// in); a changed hash means a new component or recipe version.
fn hash(value: &serde_json::Value) -> String {
    hex::encode(Sha256::digest(sorted_keys(value).to_string().as_bytes()))
}

fn sorted_keys(value: &serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|key| (key.clone(), sorted_keys(&object[key])))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted_keys).collect())
        }
        other => other.clone(),
    }
}

/// A KMS key ARN names its region; an id or alias is used everywhere.
fn kms_key_for(key: Option<&String>, region: &str) -> Option<String> {
    let key = key?;
    match key.split(':').nth(3) {
        Some(key_region) if key.starts_with("arn:") && key_region != region => None,
        _ => Some(key.clone()),
    }
}

fn sorted(items: &[String]) -> Vec<String> {
    let mut items = items.to_vec();
    items.sort();
    items.dedup();
    items
}

impl Desired {
    /// Everything the manifest asks for on the producer side.
    pub fn from_manifest(loaded: &Loaded) -> Self {
        let m = &loaded.manifest;
        let name = &m.name;
        let tags = names::tags(name, &m.tags);
        let region = &m.producer.region;

        let role = m
            .infrastructure
            .creates_instance_profile()
            .then(|| RoleSpec {
                name: names::role(name),
                policy_arns: sorted(
                    &BUILD_POLICIES
                        .iter()
                        .map(|p| format!("arn:{}:iam::aws:policy/{p}", partition(region)))
                        .collect::<Vec<_>>(),
                ),
                tags: tags.clone(),
            });
        let instance_profile = if role.is_some() {
            names::instance_profile(name)
        } else {
            m.infrastructure.instance_profile.clone()
        };
        let security_group = m
            .infrastructure
            .security_group
            .filter(|_| m.infrastructure.security_group_ids.is_empty())
            .map(|_| SecurityGroupSpec {
                name: names::security_group(name),
                subnet_id: m.infrastructure.subnet_id.clone(),
                tags: tags.clone(),
            });

        let components = desired_components(loaded, &tags);

        let recipe = desired_recipe(loaded, &components, &tags);

        let infrastructure =
            desired_infrastructure(loaded, &instance_profile, security_group.is_some(), &tags);

        let distribution = desired_distribution(loaded, &tags);
        let pipeline = desired_pipeline(loaded, &tags);

        Desired {
            manifest: name.clone(),
            account: m.producer.account.clone(),
            region: region.clone(),
            role,
            instance_profile,
            security_group,
            components,
            recipe,
            infrastructure,
            distribution,
            pipeline,
        }
    }
}

fn desired_components(loaded: &Loaded, tags: &Tags) -> Vec<DesiredComponent> {
    let m = &loaded.manifest;
    m.components
        .iter()
        .map(|(key, component)| {
            let text = loaded
                .components
                .get(key)
                .map(|doc| doc.text.clone())
                .unwrap_or_default();
            let spec = ComponentSpec {
                name: names::component(&m.name, key),
                version: manifest_version(&component.version),
                platform: component.platform.as_str().to_owned(),
                description: component.description.clone(),
                data: text,
                tags: tags.clone(),
            };
            let hash = hash(&json!({
                "platform": spec.platform,
                "description": spec.description,
                "data": hex::encode(Sha256::digest(spec.data.as_bytes())),
            }));
            DesiredComponent {
                key: key.clone(),
                file: component.file.display().to_string(),
                spec,
                hash,
            }
        })
        .collect()
}

/// The infrastructure configuration; a security group gold creates is known after apply.
fn desired_infrastructure(
    loaded: &Loaded,
    instance_profile: &str,
    creates_group: bool,
    tags: &Tags,
) -> InfrastructureSpec {
    let m = &loaded.manifest;
    let i = &m.infrastructure;
    InfrastructureSpec {
        name: names::pipeline(&m.name),
        description: None,
        instance_types: i.instance_types.clone(),
        instance_profile: instance_profile.to_owned(),
        security_group_ids: if creates_group {
            vec![KNOWN_AFTER_APPLY.to_owned()]
        } else {
            i.security_group_ids.clone()
        },
        subnet_id: i.subnet_id.clone(),
        terminate_on_failure: i.terminate_on_failure,
        key_pair: i.key_pair.clone(),
        logs_bucket: i.logs_bucket.clone(),
        logs_prefix: i.logs_prefix.clone(),
        sns_topic_arn: i.sns_topic_arn.clone(),
        tags: tags.clone(),
    }
}

fn desired_distribution(loaded: &Loaded, tags: &Tags) -> DistributionSpec {
    let m = &loaded.manifest;
    let d = &m.distribution;
    let mut ami_tags = d.ami_tags.clone();
    ami_tags.extend(names::tags(&m.name, &BTreeMap::new()));
    DistributionSpec {
        name: names::pipeline(&m.name),
        description: None,
        regions: d
            .regions
            .iter()
            .map(|r| RegionDistribution {
                region: r.clone(),
                ami_name: d.ami_name.clone(),
                ami_description: d.ami_description.clone(),
                ami_tags: ami_tags.clone(),
                kms_key_id: kms_key_for(d.kms_key_id.as_ref(), r),
                share_with_accounts: sorted(&d.share_with_accounts),
                share_with_organizations: sorted(&d.share_with_organizations),
                share_with_ous: sorted(&d.share_with_ous),
                ssm_parameter: d.ssm_parameter.as_ref().map(|p| p.name.clone()),
            })
            .collect(),
        tags: tags.clone(),
    }
}

fn desired_pipeline(loaded: &Loaded, tags: &Tags) -> PipelineSpec {
    let m = &loaded.manifest;
    let p = &m.pipeline;
    PipelineSpec {
        name: names::pipeline(&m.name),
        description: None,
        recipe_arn: KNOWN_AFTER_APPLY.to_owned(),
        infrastructure_arn: KNOWN_AFTER_APPLY.to_owned(),
        distribution_arn: KNOWN_AFTER_APPLY.to_owned(),
        tests: p.tests,
        test_timeout_minutes: p
            .test_timeout_minutes
            .unwrap_or(DEFAULT_TEST_TIMEOUT_MINUTES),
        scanning: m.scanning.as_ref().is_some_and(|s| s.enabled),
        schedule: p.schedule.as_ref().map(|expression| {
            let condition = p
                .schedule_condition
                .unwrap_or(ScheduleCondition::ExpressionMatchAndDependencyUpdatesAvailable);
            ScheduleSpec {
                expression: expression.clone(),
                start_condition: condition.as_str().to_owned(),
                timezone: p.schedule_timezone.clone(),
            }
        }),
        enabled: p.enabled,
        image_tags: names::tags(&m.name, &BTreeMap::new()),
        tags: tags.clone(),
    }
}

fn desired_recipe(loaded: &Loaded, components: &[DesiredComponent], tags: &Tags) -> DesiredRecipe {
    let m = &loaded.manifest;
    let r = &m.recipe;
    let parts: Vec<RecipePart> = r
        .components
        .iter()
        .map(|reference| {
            let parameters = m
                .components
                .get(reference)
                .map(|c| c.parameters.clone())
                .unwrap_or_default();
            if m.components.contains_key(reference) {
                RecipePart::Local {
                    key: reference.clone(),
                    parameters,
                }
            } else {
                RecipePart::External {
                    arn: reference.clone(),
                    parameters,
                }
            }
        })
        .collect();
    let block_devices: Vec<BlockDeviceSpec> = r
        .block_devices
        .iter()
        .map(|b| BlockDeviceSpec {
            device: b.device.clone(),
            size_gib: b.size_gib,
            volume_type: b.volume_type.as_str().to_owned(),
            iops: b.iops,
            throughput: b.throughput,
            encrypted: b.encrypted,
            delete_on_termination: b.delete_on_termination,
        })
        .collect();
    let parent_image = parent_image_arn(&r.parent_image, &m.producer.region);
    let hash = recipe_hash(r, &parent_image, &parts, &block_devices, components);
    DesiredRecipe {
        name: names::pipeline(&m.name),
        version: manifest_version(&r.version),
        parent_image,
        components: parts,
        block_devices,
        working_directory: r.working_directory.clone(),
        description: r.description.clone(),
        tags: tags.clone(),
        hash,
    }
}

/// The hash of every input a recipe version is made from (`gold:hash`): a changed input makes
/// the next version.
fn recipe_hash(
    r: &Recipe,
    parent_image: &str,
    parts: &[RecipePart],
    block_devices: &[BlockDeviceSpec],
    components: &[DesiredComponent],
) -> String {
    let component_inputs: Vec<serde_json::Value> = parts
        .iter()
        .map(|part| match part {
            RecipePart::Local { key, parameters } => json!({
                "component": key,
                "hash": components.iter().find(|c| &c.key == key).map(|c| c.hash.clone()),
                "parameters": parameters,
            }),
            RecipePart::External { arn, parameters } => json!({
                "component": arn,
                "parameters": parameters,
            }),
        })
        .collect();
    let devices: Vec<serde_json::Value> = block_devices
        .iter()
        .map(|b| {
            json!([
                b.device,
                b.size_gib,
                b.volume_type,
                b.iops,
                b.throughput,
                b.encrypted,
                b.delete_on_termination
            ])
        })
        .collect();
    hash(&json!({
        "parent_image": parent_image,
        "components": component_inputs,
        "block_devices": devices,
        "working_directory": r.working_directory,
        "description": r.description,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_image_names_become_image_arns() {
        assert_eq!(
            parent_image_arn("amazon-linux-2-x86/x.x.x", "ap-northeast-1"),
            "arn:aws:imagebuilder:ap-northeast-1:aws:image/amazon-linux-2-x86/x.x.x"
        );
        assert_eq!(
            parent_image_arn("amazon-linux-2023-x86", "cn-north-1"),
            "arn:aws-cn:imagebuilder:cn-north-1:aws:image/amazon-linux-2023-x86/x.x.x"
        );
        assert_eq!(
            parent_image_arn("ami-0123456789abcdef0", "x"),
            "ami-0123456789abcdef0"
        );
    }

    #[test]
    fn the_hash_reads_the_inputs_with_sorted_keys_as_gold_0_1_did() {
        let inputs = json!({"platform": "Linux", "description": null, "data": "abc"});
        // The hash gold 0.1 stored for these inputs: a different one would make every
        // existing component a new version on the next `up`.
        assert_eq!(
            hash(&inputs),
            hex::encode(Sha256::digest(
                br#"{"data":"abc","description":null,"platform":"Linux"}"#
            ))
        );
        assert_eq!(
            hash(&json!({"b": [{"z": 1, "y": 2}], "a": 0})),
            hash(&json!({"a": 0, "b": [{"y": 2, "z": 1}]}))
        );
    }

    #[test]
    fn a_kms_key_arn_applies_only_in_its_region() {
        let key = "arn:aws:kms:ap-northeast-1:111122223333:key/abc".to_owned();
        assert_eq!(kms_key_for(Some(&key), "ap-northeast-1"), Some(key.clone()));
        assert_eq!(kms_key_for(Some(&key), "us-east-1"), None);
        let alias = "alias/gold".to_owned();
        assert_eq!(kms_key_for(Some(&alias), "us-east-1"), Some(alias));
    }
}
