//! Rollout targets: every consumer × region × launch template of the manifest, narrowed by
//! `--consumer`, `--region` and `--wave`, grouped into waves.

use crate::Error;
use crate::aws::Access;
use crate::aws::launch_templates::TemplateKey;
use crate::manifest::{LaunchTemplate, Manifest};
use crate::plan::{Resource, ResourceKind, TargetId};

/// Which targets a command acts on; empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetFilter {
    /// Consumer names (`--consumer`).
    pub consumers: Vec<String>,
    /// Regions (`--region`).
    pub regions: Vec<String>,
    /// Waves (`--wave`).
    pub waves: Vec<u32>,
}

/// One launch template of one consumer in one region.
#[derive(Debug, Clone)]
pub struct Target {
    /// The consumer's name in the manifest.
    pub consumer: String,
    /// The consumer account.
    pub account: String,
    /// How gold gets credentials for the account.
    pub access: Access,
    /// The region.
    pub region: String,
    /// The consumer's wave.
    pub wave: u32,
    /// The launch template as the manifest describes it.
    pub launch_template: LaunchTemplate,
}

impl Target {
    /// How the template is looked up: by name, or by id.
    pub fn key(&self) -> TemplateKey<'_> {
        match (&self.launch_template.name, &self.launch_template.id) {
            (_, Some(id)) => TemplateKey::Id(id),
            (Some(name), None) => TemplateKey::Name(name),
            (None, None) => TemplateKey::Name(""),
        }
    }

    /// The target as plans, events and summaries name it.
    pub fn id(&self) -> TargetId {
        TargetId {
            consumer: self.consumer.clone(),
            wave: self.wave,
            resource: Resource {
                kind: ResourceKind::LaunchTemplate,
                name: self.launch_template.label().into_owned(),
                account: self.account.clone(),
                region: self.region.clone(),
            },
        }
    }

    /// `sample-lt (444455556666/ap-northeast-1)`, the way every message names a target.
    pub fn label(&self) -> String {
        self.id().label()
    }
}

/// The manifest's targets that pass the filter, ordered by wave then manifest order; only
/// consumers that list their account (see [`super::discover`] for the others).
pub fn targets(manifest: &Manifest, filter: &TargetFilter) -> Result<Vec<Target>, Error> {
    let selected = listed(manifest, filter)?;
    if selected.is_empty() {
        return Err(nothing_matches(manifest));
    }
    Ok(selected)
}

/// The targets of consumers that list their account, as the manifest writes them (a `tag`
/// selector or `auto_scaling_groups = "all"` still to be looked up); may be empty.
pub fn listed(manifest: &Manifest, filter: &TargetFilter) -> Result<Vec<Target>, Error> {
    check_filter(manifest, filter)?;
    Ok(manifest
        .targets()
        .into_iter()
        .filter(|t| filter.keeps(&t.consumer.name, t.consumer.wave))
        .filter(|t| filter.keeps_region(t.region))
        .filter_map(|t| {
            Some(Target {
                consumer: t.consumer.name.clone(),
                account: t.consumer.account.clone()?,
                access: Access::from_manifest(
                    t.consumer.role_arn.as_deref(),
                    t.consumer.profile.as_deref(),
                ),
                region: t.region.to_owned(),
                wave: t.consumer.wave,
                launch_template: t.launch_template.clone(),
            })
        })
        .collect())
}

impl TargetFilter {
    /// Whether the filter keeps the consumer called `name` in `wave`.
    pub fn keeps(&self, name: &str, wave: u32) -> bool {
        (self.consumers.is_empty() || self.consumers.iter().any(|c| c == name))
            && (self.waves.is_empty() || self.waves.contains(&wave))
    }

    /// Whether the filter keeps `region`.
    pub fn keeps_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }
}

/// The error of a command left with no target at all.
pub fn nothing_matches(manifest: &Manifest) -> Error {
    Error::Usage {
        message: "no consumer target matches".to_owned(),
        hint: Some(if manifest.consumers.is_empty() {
            "add a `[[consumers]]` table with its `launch_templates` to the manifest".to_owned()
        } else {
            "check `--consumer`, `--region` and `--wave` against the manifest's consumers, and the tags and OUs they select"
                .to_owned()
        }),
    }
}

/// A filter value that names nothing in the manifest is a typo, not an empty selection.
fn check_filter(manifest: &Manifest, filter: &TargetFilter) -> Result<(), Error> {
    for name in &filter.consumers {
        if !manifest.consumers.iter().any(|c| &c.name == name) {
            let known: Vec<&str> = manifest.consumers.iter().map(|c| c.name.as_str()).collect();
            return Err(usage(
                format!("`--consumer {name}`: no consumer has that name"),
                &known,
            ));
        }
    }
    for region in &filter.regions {
        if !manifest
            .consumers
            .iter()
            .any(|c| manifest.consumer_regions(c).contains(region))
        {
            let mut known: Vec<&str> = manifest
                .consumers
                .iter()
                .flat_map(|c| manifest.consumer_regions(c).iter().map(String::as_str))
                .collect();
            known.sort_unstable();
            known.dedup();
            return Err(usage(
                format!("`--region {region}`: no consumer rolls out there"),
                &known,
            ));
        }
    }
    for wave in &filter.waves {
        if !manifest.consumers.iter().any(|c| c.wave == *wave) {
            let mut known: Vec<String> = manifest
                .consumers
                .iter()
                .map(|c| c.wave.to_string())
                .collect();
            known.sort_unstable();
            known.dedup();
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(usage(
                format!("`--wave {wave}`: no consumer is in that wave"),
                &known,
            ));
        }
    }
    Ok(())
}

fn usage(message: String, known: &[&str]) -> Error {
    Error::Usage {
        message,
        hint: Some(format!("the manifest has: {}", known.join(", "))),
    }
}
