//! Every name and tag gold gives what it creates, on both sides, in one place, so `up`, `plan`,
//! `rollout`, `destroy` and `build` always agree on what to look for. Neutral: the producer and
//! the consumer side both use it, neither owns it.
//!
//! IAM role and instance profile names are at most 64 characters ("IAM object quotas" in the
//! IAM user guide); a manifest name may be 100, so long names are shortened with a hash suffix
//! that keeps them unique and stable.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Tag key naming the manifest that owns a resource; `destroy` deletes only what carries it.
pub const MANIFEST_TAG: &str = "gold:manifest";
/// Tag key marking a resource as created by gold.
pub const MANAGED_TAG: &str = "gold:managed";
/// Tag key on components and recipes: the hash of the inputs their immutable content came from.
pub const HASH_TAG: &str = "gold:hash";
/// Tag key on a retired build's AMIs and Image Builder image: why `gold retire` retired it
/// (for people: tags are invisible across accounts and never decide anything).
pub const RETIRED_TAG: &str = "gold:retired";

/// Tag key Image Builder puts on every AMI it distributes: the build version ARN (Image Builder
/// User Guide, "Manage EC2 Image Builder images": AMIs are tagged `Ec2ImageBuilderArn`).
pub const IMAGE_BUILDER_ARN_TAG: &str = "Ec2ImageBuilderArn";

const IAM_NAME_MAX: usize = 64;

/// The suffix of everything that belongs to the build instances.
const BUILD_SUFFIX: &str = "-imagebuilder";

/// The IAM role the build instances run as.
pub fn role(manifest: &str) -> String {
    iam_name(&format!("{manifest}{BUILD_SUFFIX}"))
}

/// The instance profile carrying [`role`] (same name, as the console creates them).
pub fn instance_profile(manifest: &str) -> String {
    role(manifest)
}

/// The egress-only security group of the build instances.
pub fn security_group(manifest: &str) -> String {
    format!("{manifest}{BUILD_SUFFIX}")
}

/// The egress-only security group gold creates for consumer launch templates, in their accounts.
pub fn consumer_security_group(manifest: &str) -> String {
    format!("{manifest}-egress-only")
}

/// The Image Builder component made from the manifest's component `component`.
pub fn component(manifest: &str, component: &str) -> String {
    format!("{manifest}-{component}")
}

/// The Parameter Store path under which a manifest's release channels keep their history (one
/// parameter per change, `PATH/CHANNEL/NNNNNN`).
pub fn channel_log(manifest: &str) -> String {
    format!("/gold/{manifest}/channels")
}

/// The image recipe, infrastructure configuration, distribution configuration and pipeline.
pub fn pipeline(manifest: &str) -> String {
    manifest.to_owned()
}

/// How Image Builder spells a resource name inside its ARN: lower case, with spaces and
/// underscores as hyphens (the ARNs `Create*` answers with), so a policy can name gold's
/// Image Builder resources before they exist.
pub fn image_builder_arn_name(name: &str) -> String {
    name.to_lowercase().replace([' ', '_'], "-")
}

/// The tags on everything gold creates for `manifest`: the user's, then gold's own.
pub fn tags(manifest: &str, user: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut tags = user.clone();
    tags.insert(MANIFEST_TAG.to_owned(), manifest.to_owned());
    tags.insert(MANAGED_TAG.to_owned(), "true".to_owned());
    tags
}

/// Whether `tags` mark a resource as created by gold for `manifest`.
pub fn owned_by(tags: &BTreeMap<String, String>, manifest: &str) -> bool {
    tags.get(MANIFEST_TAG)
        .is_some_and(|value| value == manifest)
}

fn iam_name(full: &str) -> String {
    if full.len() <= IAM_NAME_MAX {
        return full.to_owned();
    }
    let digest = hex::encode(Sha256::digest(full.as_bytes()));
    let suffix = format!("-{}", &digest[..8]);
    let keep = IAM_NAME_MAX - suffix.len();
    format!("{}{suffix}", &full[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_the_manifest_name_plus_a_suffix() {
        assert_eq!(role("sample"), "sample-imagebuilder");
        assert_eq!(security_group("sample"), "sample-imagebuilder");
        assert_eq!(component("sample", "build"), "sample-build");
        assert_eq!(pipeline("sample"), "sample");
    }

    #[test]
    fn long_iam_names_fit_the_quota_and_stay_distinct() {
        let a = role(&"a".repeat(100));
        let b = role(&format!("{}b", "a".repeat(99)));
        assert_eq!(a.len(), 64);
        assert_eq!(b.len(), 64);
        assert_ne!(a, b);
        assert_eq!(a, role(&"a".repeat(100)));
    }

    #[test]
    fn image_builder_arns_spell_names_in_lower_case_with_hyphens() {
        assert_eq!(
            image_builder_arn_name("Sample_Web build"),
            "sample-web-build"
        );
    }

    #[test]
    fn tags_add_gold_keys_to_the_users() {
        let user = BTreeMap::from([("team".to_owned(), "platform".to_owned())]);
        let tags = tags("sample", &user);
        assert_eq!(tags.get("team").map(String::as_str), Some("platform"));
        assert!(owned_by(&tags, "sample"));
        assert!(!owned_by(&tags, "other"));
    }
}
