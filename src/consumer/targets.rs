//! Rollout targets: every consumer × region × launch template or SSM parameter of the
//! manifest's consumers that list their account, narrowed by `--consumer`, `--region` and `--wave`, grouped into waves.

use crate::Error;
use crate::aws::Access;
use crate::aws::launch_templates::TemplateKey;
use crate::manifest::{Consumer, LaunchTemplate, Manifest, Parameter};
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

/// What a target keeps on the chosen AMI.
#[derive(Debug, Clone)]
pub enum Object {
    /// A launch template: a new default version per AMI (or, when its image id is
    /// `resolve:ssm:…`, the parameter it resolves).
    LaunchTemplate(Box<LaunchTemplate>),
    /// An SSM parameter holding the AMI id.
    Parameter(Parameter),
}

/// One launch template or parameter of one consumer in one region.
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
    /// The launch template or parameter, as the manifest describes it.
    pub object: Object,
}

impl Target {
    /// The launch template, when the target is one.
    pub fn template(&self) -> Option<&LaunchTemplate> {
        match &self.object {
            Object::LaunchTemplate(template) => Some(template),
            Object::Parameter(_) => None,
        }
    }

    /// How the template is looked up: by name, or by id.
    pub fn key(template: &LaunchTemplate) -> TemplateKey<'_> {
        match (&template.name, &template.id) {
            (_, Some(id)) => TemplateKey::Id(id),
            (Some(name), None) => TemplateKey::Name(name),
            (None, None) => TemplateKey::Name(""),
        }
    }

    /// The target as plans, events and summaries name it.
    pub fn id(&self) -> TargetId {
        let (kind, name) = match &self.object {
            Object::LaunchTemplate(template) => (ResourceKind::LaunchTemplate, template.label()),
            Object::Parameter(parameter) => {
                (ResourceKind::SsmParameter, parameter.name.as_str().into())
            }
        };
        TargetId {
            consumer: self.consumer.clone(),
            wave: self.wave,
            resource: Resource {
                kind,
                name: name.into_owned(),
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

/// What gold keeps on the AMI in each of a consumer's regions: its launch templates, then its
/// parameters, in manifest order.
pub fn objects(consumer: &Consumer) -> impl Iterator<Item = Object> + '_ {
    let templates = consumer
        .launch_templates
        .iter()
        .cloned()
        .map(|template| Object::LaunchTemplate(Box::new(template)));
    templates.chain(consumer.parameters.iter().cloned().map(Object::Parameter))
}

/// The targets of consumers that list their account, as the manifest writes them (a `tag`
/// selector or `auto_scaling_groups = "all"` still to be looked up), ordered by wave then
/// manifest order; may be empty.
pub fn listed(manifest: &Manifest, filter: &TargetFilter) -> Result<Vec<Target>, Error> {
    check_filter(manifest, filter)?;
    let mut consumers: Vec<&Consumer> = manifest
        .consumers
        .iter()
        .filter(|c| c.account.is_some() && filter.keeps(&c.name, c.wave))
        .collect();
    consumers.sort_by_key(|consumer| consumer.wave);
    let mut selected = Vec::new();
    for consumer in consumers {
        let Some(account) = &consumer.account else {
            continue;
        };
        let access =
            Access::from_manifest(consumer.role_arn.as_deref(), consumer.profile.as_deref());
        for region in manifest.consumer_regions(consumer) {
            if filter.keeps_region(region) {
                selected.extend(objects(consumer).map(|object| Target {
                    consumer: consumer.name.clone(),
                    account: account.clone(),
                    access: access.clone(),
                    region: region.clone(),
                    wave: consumer.wave,
                    object,
                }));
            }
        }
    }
    Ok(selected)
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
            "add a `[[consumers]]` table with its `launch_templates` or `parameters` to the manifest".to_owned()
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
