//! The AWS RAM resource share of `[sharing]`: whom it should reach and what it should hold,
//! compared with the share the producer account has, into one step. Principals and resources
//! converge both ways: what the manifest no longer names is removed from the share.
//!
//! AWS facts (AWS RAM User Guide, "Sharing your AWS resources"; Image Builder User Guide,
//! "Share Image Builder resources with AWS RAM"): RAM shares Image Builder images and
//! components by build version ARN, so "the image" is every available build of it and "a
//! component" every build of every version; a share holds at most what its owner owns.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Unmanaged, managed};
use crate::aws::imagebuilder::Tags;
use crate::aws::ram::{Association, Associations, Share};
use crate::manifest::Manifest;
use crate::names;
use crate::plan::{Action, Field, FieldChange, Resource, ResourceKind};

/// The share the manifest asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredShare {
    /// The share's name: the manifest's name, like the pipeline.
    pub name: String,
    /// Account ids, organization and OU ARNs (sorted).
    pub principals: Vec<String>,
    /// The Image Builder image whose builds it holds (the recipe's name), if shared.
    pub image: Option<String>,
    /// The Image Builder components whose builds it holds (their names in the account).
    pub components: Vec<String>,
    /// Tags.
    pub tags: Tags,
}

impl DesiredShare {
    /// The share of `[sharing]`, when the manifest has one.
    pub fn from_manifest(manifest: &Manifest) -> Option<Self> {
        let sharing = manifest.sharing.as_ref()?;
        let principals: BTreeSet<String> = manifest.sharing_principals().into_iter().collect();
        Some(Self {
            name: manifest.name.clone(),
            principals: principals.into_iter().collect(),
            image: sharing.image.then(|| manifest.name.clone()),
            components: sharing
                .components
                .iter()
                .map(|key| names::component(&manifest.name, key))
                .collect(),
            tags: names::tags(&manifest.name, &manifest.tags),
        })
    }

    /// The organizations and OUs among the principals (they need organization sharing).
    pub fn organization_principals(&self) -> Vec<&str> {
        self.principals
            .iter()
            .filter(|p| p.starts_with("arn:"))
            .map(String::as_str)
            .collect()
    }
}

/// What the producer account has for the share.
#[derive(Debug, Clone, Default)]
pub struct LiveShare {
    /// The share gold found by name, and what it holds now.
    pub found: Option<(Share, Associations)>,
    /// Every build the share should hold that exists now: available builds of the image and
    /// every build of the shared components.
    pub resources: Vec<String>,
}

/// A set difference: what to add and what to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Delta {
    /// To associate.
    pub add: Vec<String>,
    /// To disassociate.
    pub remove: Vec<String>,
}

impl Delta {
    fn between(live: &[Association], desired: &[String]) -> Self {
        let live: BTreeSet<&str> = live.iter().map(|a| a.entity.as_str()).collect();
        let desired: BTreeSet<&str> = desired.iter().map(String::as_str).collect();
        Self {
            add: desired.difference(&live).map(|s| (*s).to_owned()).collect(),
            remove: live.difference(&desired).map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.remove.is_empty()
    }
}

/// What `up` does with the share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareStep {
    /// It reaches and holds what the manifest says.
    Keep {
        /// Its ARN.
        arn: String,
    },
    /// It does not exist.
    Create {
        /// Principals.
        principals: Vec<String>,
        /// Resources that exist now.
        resources: Vec<String>,
    },
    /// It exists with other principals or resources.
    Update {
        /// Its ARN.
        arn: String,
        /// Principal changes.
        principals: Delta,
        /// Resource changes.
        resources: Delta,
    },
}

/// Decides the share's step; a share with the manifest's name that gold did not create for
/// it is refused.
pub fn decide_share(
    desired: &DesiredShare,
    live: &LiveShare,
    manifest: &str,
) -> Result<ShareStep, Unmanaged> {
    let Some((share, associations)) = &live.found else {
        return Ok(ShareStep::Create {
            principals: desired.principals.clone(),
            resources: live.resources.clone(),
        });
    };
    managed(
        ResourceKind::ResourceShare,
        &share.arn,
        &share.tags,
        manifest,
    )?;
    let principals = Delta::between(&associations.principals, &desired.principals);
    let resources = Delta::between(&associations.resources, &live.resources);
    if principals.is_empty() && resources.is_empty() {
        return Ok(ShareStep::Keep {
            arn: share.arn.clone(),
        });
    }
    Ok(ShareStep::Update {
        arn: share.arn.clone(),
        principals,
        resources,
    })
}

/// The share as a resource of a plan.
pub fn share_resource(desired: &DesiredShare, account: &str, region: &str) -> Resource {
    Resource {
        kind: ResourceKind::ResourceShare,
        name: desired.name.clone(),
        account: account.to_owned(),
        region: region.to_owned(),
    }
}

/// The plan line of a step, `None` when nothing changes. Resources show as the part of their
/// ARN after the account (`image/base/1.0.0/2`).
pub fn share_action(desired: &DesiredShare, step: &ShareStep) -> Option<Action> {
    match step {
        ShareStep::Keep { .. } => None,
        ShareStep::Create {
            principals,
            resources,
        } => {
            let mut holds: Vec<String> = desired
                .image
                .iter()
                .map(|name| format!("image {name} (every available build)"))
                .chain(desired.components.iter().map(|c| format!("component {c}")))
                .collect();
            if resources.is_empty() {
                holds.push("(no builds yet)".to_owned());
            }
            Some(Action::Create {
                fields: vec![
                    Field::new("principals", principals.join(", ")),
                    Field::new("resources", holds.join(", ")),
                ],
            })
        }
        ShareStep::Update {
            principals,
            resources,
            ..
        } => {
            let mut fields = Vec::new();
            for (name, delta, show) in [
                (
                    "principals",
                    principals,
                    (|s: &str| s.to_owned()) as fn(&str) -> String,
                ),
                ("resources", resources, short),
            ] {
                for added in &delta.add {
                    fields.push(FieldChange {
                        name: name.to_owned(),
                        old: "(absent)".to_owned(),
                        new: show(added),
                    });
                }
                for removed in &delta.remove {
                    fields.push(FieldChange {
                        name: name.to_owned(),
                        old: show(removed),
                        new: "(removed)".to_owned(),
                    });
                }
            }
            Some(Action::Update { fields })
        }
    }
}

/// `image/base/1.0.0/2` from an Image Builder ARN; any other text unchanged.
fn short(arn: &str) -> String {
    arn.splitn(6, ':').nth(5).unwrap_or(arn).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "arn:aws:organizations::000000000000:organization/o-xxxxxxxxxx";
    const B1: &str = "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/1.0.0/1";
    const B2: &str = "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/base/1.0.0/2";

    fn desired() -> DesiredShare {
        DesiredShare {
            name: "base".to_owned(),
            principals: vec![ORG.to_owned()],
            image: Some("base".to_owned()),
            components: Vec::new(),
            tags: names::tags("base", &Tags::new()),
        }
    }

    fn associated(entity: &str) -> Association {
        Association {
            entity: entity.to_owned(),
            status: "ASSOCIATED".to_owned(),
            external: false,
        }
    }

    fn live(principals: &[&str], resources: &[&str], builds: &[&str]) -> LiveShare {
        LiveShare {
            found: Some((
                Share {
                    arn: "arn:aws:ram:ap-northeast-1:111122223333:resource-share/x".to_owned(),
                    tags: names::tags("base", &Tags::new()),
                },
                Associations {
                    principals: principals.iter().map(|p| associated(p)).collect(),
                    resources: resources.iter().map(|r| associated(r)).collect(),
                },
            )),
            resources: builds.iter().map(|b| (*b).to_owned()).collect(),
        }
    }

    #[test]
    fn a_new_build_is_added_and_a_stray_principal_removed() {
        let step = decide_share(
            &desired(),
            &live(&[ORG, "444455556666"], &[B1], &[B1, B2]),
            "base",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let ShareStep::Update {
            principals,
            resources,
            ..
        } = &step
        else {
            panic!("expected an update, got {step:?}");
        };
        assert_eq!(principals.remove, vec!["444455556666".to_owned()]);
        assert!(principals.add.is_empty());
        assert_eq!(resources.add, vec![B2.to_owned()]);
        let Some(Action::Update { fields }) = share_action(&desired(), &step) else {
            panic!("expected an update line");
        };
        assert_eq!(fields[0].old, "444455556666");
        assert_eq!(fields[1].new, "image/base/1.0.0/2");
    }

    #[test]
    fn a_matching_share_is_kept_and_a_foreign_one_refused() {
        let step = decide_share(&desired(), &live(&[ORG], &[B1], &[B1]), "base");
        assert!(matches!(step, Ok(ShareStep::Keep { .. })));
        assert!(decide_share(&desired(), &live(&[ORG], &[B1], &[B1]), "other").is_err());
    }
}
