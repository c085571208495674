//! Field-by-field comparison of a live configuration with the manifest's, for `~ update`
//! lines: every value is compared in the form the plan shows it, so what differs is exactly
//! what the user reads.

use crate::aws::imagebuilder::{
    DistributionSpec, Found, InfrastructureSpec, PipelineSpec, RegionDistribution, Tags,
};
use crate::plan::FieldChange;

/// What `up` does with a configuration that can be updated in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigStep {
    /// It does not exist.
    Create,
    /// It matches.
    Keep {
        /// Its ARN.
        arn: String,
    },
    /// Settings or tags differ.
    Update {
        /// Its ARN.
        arn: String,
        /// Every difference, for the plan.
        fields: Vec<FieldChange>,
        /// Whether any setting (not only tags) differs.
        settings: bool,
        /// Tags to add or overwrite.
        tags: Tags,
    },
}

impl ConfigStep {
    /// The ARN of the configuration, once it exists.
    pub fn arn(&self) -> Option<&str> {
        match self {
            ConfigStep::Create => None,
            ConfigStep::Keep { arn } | ConfigStep::Update { arn, .. } => Some(arn),
        }
    }
}

/// Compares a live configuration (if any) with the desired one.
pub(super) fn config_step<T>(
    live: Option<&Found<T>>,
    desired: &T,
    fields: fn(&T, &T) -> Vec<FieldChange>,
    tags_of: fn(&T) -> &Tags,
) -> ConfigStep {
    let Some(live) = live else {
        return ConfigStep::Create;
    };
    let live_tags = tags_of(&live.spec);
    let mut changes = fields(&live.spec, desired);
    let settings = !changes.is_empty();
    let missing: Tags = tags_of(desired)
        .iter()
        .filter(|(k, v)| live_tags.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !missing.is_empty() {
        let old: Tags = missing
            .keys()
            .filter_map(|k| live_tags.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        changes.push(FieldChange {
            name: "tags".to_owned(),
            old: show_tags(&old),
            new: show_tags(&missing),
        });
    }
    if changes.is_empty() {
        ConfigStep::Keep {
            arn: live.arn.clone(),
        }
    } else {
        ConfigStep::Update {
            arn: live.arn.clone(),
            fields: changes,
            settings,
            tags: missing,
        }
    }
}

pub(super) fn show_list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        items.join(", ")
    }
}

pub(super) fn show_opt(value: Option<&String>) -> String {
    value.cloned().unwrap_or_else(|| "(none)".to_owned())
}

pub(super) fn show_tags(tags: &Tags) -> String {
    if tags.is_empty() {
        return "(none)".to_owned();
    }
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The resource part of an ARN (`image-recipe/sample/1.0.1`), which is what people read.
pub(super) fn show_arn(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or(arn).to_owned()
}

/// The fields that differ between a live and a desired value, each shown the way the plan
/// shows it; `prefix` names the part of a larger value they belong to (`REGION.`).
struct Diff<'a, T> {
    live: &'a T,
    want: &'a T,
    prefix: String,
    changes: &'a mut Vec<FieldChange>,
}

impl<'a, T> Diff<'a, T> {
    fn new(live: &'a T, want: &'a T, changes: &'a mut Vec<FieldChange>) -> Self {
        Diff {
            live,
            want,
            prefix: String::new(),
            changes,
        }
    }

    /// A field shown by `show`, recorded when the two sides show differently.
    fn field(&mut self, name: &str, show: impl Fn(&T) -> String) {
        let (old, new) = (show(self.live), show(self.want));
        if old != new {
            self.changes.push(FieldChange {
                name: format!("{}{name}", self.prefix),
                old,
                new,
            });
        }
    }

    fn opt(&mut self, name: &str, get: impl Fn(&T) -> Option<&String>) {
        self.field(name, |s| show_opt(get(s)));
    }

    fn list(&mut self, name: &str, get: impl Fn(&T) -> &[String]) {
        self.field(name, |s| show_list(get(s)));
    }

    fn tags(&mut self, name: &str, get: impl Fn(&T) -> &Tags) {
        self.field(name, |s| show_tags(get(s)));
    }

    fn arn(&mut self, name: &str, get: impl Fn(&T) -> &str) {
        self.field(name, |s| show_arn(get(s)));
    }
}

pub(super) fn infrastructure_fields(
    live: &InfrastructureSpec,
    want: &InfrastructureSpec,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut d = Diff::new(live, want, &mut changes);
    d.opt("description", |s| s.description.as_ref());
    d.list("instance_types", |s| &s.instance_types);
    d.field("instance_profile", |s| s.instance_profile.clone());
    d.list("security_group_ids", |s| &s.security_group_ids);
    d.opt("subnet_id", |s| s.subnet_id.as_ref());
    d.field("terminate_on_failure", |s| {
        s.terminate_on_failure.to_string()
    });
    d.opt("key_pair", |s| s.key_pair.as_ref());
    d.opt("logs_bucket", |s| s.logs_bucket.as_ref());
    d.opt("logs_prefix", |s| s.logs_prefix.as_ref());
    d.opt("sns_topic_arn", |s| s.sns_topic_arn.as_ref());
    changes
}

pub(super) fn distribution_fields(
    live: &DistributionSpec,
    want: &DistributionSpec,
) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut d = Diff::new(live, want, &mut changes);
    d.opt("description", |s| s.description.as_ref());
    d.field("regions", |s| {
        let regions: Vec<String> = s.regions.iter().map(|r| r.region.clone()).collect();
        show_list(&regions)
    });
    for wanted in &want.regions {
        let Some(current) = live.regions.iter().find(|r| r.region == wanted.region) else {
            continue;
        };
        region_fields(&mut changes, current, wanted);
    }
    changes
}

fn region_fields(
    changes: &mut Vec<FieldChange>,
    live: &RegionDistribution,
    want: &RegionDistribution,
) {
    let mut d = Diff::new(live, want, changes);
    d.prefix = format!("{}.", want.region);
    d.field("ami_name", |s| s.ami_name.clone());
    d.opt("ami_description", |s| s.ami_description.as_ref());
    d.tags("ami_tags", |s| &s.ami_tags);
    d.opt("kms_key_id", |s| s.kms_key_id.as_ref());
    d.list("share_with_accounts", |s| &s.share_with_accounts);
    d.list("share_with_organizations", |s| &s.share_with_organizations);
    d.list("share_with_ous", |s| &s.share_with_ous);
    d.opt("ssm_parameter", |s| s.ssm_parameter.as_ref());
}

pub(super) fn pipeline_fields(live: &PipelineSpec, want: &PipelineSpec) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    let mut d = Diff::new(live, want, &mut changes);
    d.opt("description", |s| s.description.as_ref());
    d.arn("recipe", |s| &s.recipe_arn);
    d.arn("infrastructure", |s| &s.infrastructure_arn);
    d.arn("distribution", |s| &s.distribution_arn);
    d.field("tests", |s| s.tests.to_string());
    d.field("test_timeout_minutes", |s| {
        s.test_timeout_minutes.to_string()
    });
    d.field("scanning", |s| s.scanning.to_string());
    d.field("schedule", |s| {
        s.schedule.as_ref().map_or_else(
            || "(none)".to_owned(),
            |s| format!("{} {} ({})", s.expression, s.zone(), s.start_condition),
        )
    });
    d.field("enabled", |s| s.enabled.to_string());
    d.tags("image_tags", |s| &s.image_tags);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::imagebuilder::ScheduleSpec;

    #[test]
    fn arns_show_their_resource_part() {
        assert_eq!(
            show_arn("arn:aws:imagebuilder:ap-northeast-1:111122223333:image-recipe/sample/1.0.1"),
            "image-recipe/sample/1.0.1"
        );
    }

    fn pipeline(timezone: Option<&str>) -> PipelineSpec {
        PipelineSpec {
            name: "sample".to_owned(),
            description: None,
            recipe_arn: "r".to_owned(),
            infrastructure_arn: "i".to_owned(),
            distribution_arn: "d".to_owned(),
            tests: true,
            test_timeout_minutes: 720,
            scanning: false,
            schedule: Some(ScheduleSpec {
                expression: "cron(0 4 ? * SUN *)".to_owned(),
                start_condition: "EXPRESSION_MATCH_ONLY".to_owned(),
                timezone: timezone.map(str::to_owned),
            }),
            enabled: true,
            image_tags: Tags::new(),
            tags: Tags::new(),
        }
    }

    #[test]
    fn a_schedule_time_zone_change_shows_and_utc_is_the_default() {
        assert!(pipeline_fields(&pipeline(Some("Etc/UTC")), &pipeline(None)).is_empty());
        let changes = pipeline_fields(&pipeline(None), &pipeline(Some("Asia/Tokyo")));
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].old,
            "cron(0 4 ? * SUN *) UTC (EXPRESSION_MATCH_ONLY)"
        );
        assert_eq!(
            changes[0].new,
            "cron(0 4 ? * SUN *) Asia/Tokyo (EXPRESSION_MATCH_ONLY)"
        );
    }
}
