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

struct Diff(Vec<FieldChange>);

impl Diff {
    fn field(&mut self, name: &str, old: String, new: String) {
        if old != new {
            self.0.push(FieldChange {
                name: name.to_owned(),
                old,
                new,
            });
        }
    }
}

pub(super) fn infrastructure_fields(
    live: &InfrastructureSpec,
    want: &InfrastructureSpec,
) -> Vec<FieldChange> {
    let mut d = Diff(Vec::new());
    d.field(
        "description",
        show_opt(live.description.as_ref()),
        show_opt(want.description.as_ref()),
    );
    d.field(
        "instance_types",
        show_list(&live.instance_types),
        show_list(&want.instance_types),
    );
    d.field(
        "instance_profile",
        live.instance_profile.clone(),
        want.instance_profile.clone(),
    );
    d.field(
        "security_group_ids",
        show_list(&live.security_group_ids),
        show_list(&want.security_group_ids),
    );
    d.field(
        "subnet_id",
        show_opt(live.subnet_id.as_ref()),
        show_opt(want.subnet_id.as_ref()),
    );
    d.field(
        "terminate_on_failure",
        live.terminate_on_failure.to_string(),
        want.terminate_on_failure.to_string(),
    );
    d.field(
        "key_pair",
        show_opt(live.key_pair.as_ref()),
        show_opt(want.key_pair.as_ref()),
    );
    d.field(
        "logs_bucket",
        show_opt(live.logs_bucket.as_ref()),
        show_opt(want.logs_bucket.as_ref()),
    );
    d.field(
        "logs_prefix",
        show_opt(live.logs_prefix.as_ref()),
        show_opt(want.logs_prefix.as_ref()),
    );
    d.field(
        "sns_topic_arn",
        show_opt(live.sns_topic_arn.as_ref()),
        show_opt(want.sns_topic_arn.as_ref()),
    );
    d.0
}

pub(super) fn distribution_fields(
    live: &DistributionSpec,
    want: &DistributionSpec,
) -> Vec<FieldChange> {
    let mut d = Diff(Vec::new());
    d.field(
        "description",
        show_opt(live.description.as_ref()),
        show_opt(want.description.as_ref()),
    );
    let regions = |s: &DistributionSpec| {
        s.regions
            .iter()
            .map(|r| r.region.clone())
            .collect::<Vec<_>>()
    };
    d.field(
        "regions",
        show_list(&regions(live)),
        show_list(&regions(want)),
    );
    for wanted in &want.regions {
        let Some(current) = live.regions.iter().find(|r| r.region == wanted.region) else {
            continue;
        };
        region_fields(&mut d, current, wanted);
    }
    d.0
}

fn region_fields(d: &mut Diff, live: &RegionDistribution, want: &RegionDistribution) {
    let region = &want.region;
    d.field(
        &format!("{region}.ami_name"),
        live.ami_name.clone(),
        want.ami_name.clone(),
    );
    d.field(
        &format!("{region}.ami_description"),
        show_opt(live.ami_description.as_ref()),
        show_opt(want.ami_description.as_ref()),
    );
    d.field(
        &format!("{region}.ami_tags"),
        show_tags(&live.ami_tags),
        show_tags(&want.ami_tags),
    );
    d.field(
        &format!("{region}.kms_key_id"),
        show_opt(live.kms_key_id.as_ref()),
        show_opt(want.kms_key_id.as_ref()),
    );
    d.field(
        &format!("{region}.share_with_accounts"),
        show_list(&live.share_with_accounts),
        show_list(&want.share_with_accounts),
    );
    d.field(
        &format!("{region}.share_with_organizations"),
        show_list(&live.share_with_organizations),
        show_list(&want.share_with_organizations),
    );
    d.field(
        &format!("{region}.share_with_ous"),
        show_list(&live.share_with_ous),
        show_list(&want.share_with_ous),
    );
    d.field(
        &format!("{region}.ssm_parameter"),
        show_opt(live.ssm_parameter.as_ref()),
        show_opt(want.ssm_parameter.as_ref()),
    );
}

pub(super) fn pipeline_fields(live: &PipelineSpec, want: &PipelineSpec) -> Vec<FieldChange> {
    let mut d = Diff(Vec::new());
    d.field(
        "description",
        show_opt(live.description.as_ref()),
        show_opt(want.description.as_ref()),
    );
    d.field(
        "recipe",
        show_arn(&live.recipe_arn),
        show_arn(&want.recipe_arn),
    );
    d.field(
        "infrastructure",
        show_arn(&live.infrastructure_arn),
        show_arn(&want.infrastructure_arn),
    );
    d.field(
        "distribution",
        show_arn(&live.distribution_arn),
        show_arn(&want.distribution_arn),
    );
    d.field("tests", live.tests.to_string(), want.tests.to_string());
    d.field(
        "test_timeout_minutes",
        live.test_timeout_minutes.to_string(),
        want.test_timeout_minutes.to_string(),
    );
    d.field(
        "scanning",
        live.scanning.to_string(),
        want.scanning.to_string(),
    );
    let schedule = |s: &PipelineSpec| {
        s.schedule.as_ref().map_or_else(
            || "(none)".to_owned(),
            |s| format!("{} {} ({})", s.expression, s.zone(), s.start_condition),
        )
    };
    d.field("schedule", schedule(live), schedule(want));
    d.field(
        "enabled",
        live.enabled.to_string(),
        want.enabled.to_string(),
    );
    d.field(
        "image_tags",
        show_tags(&live.image_tags),
        show_tags(&want.image_tags),
    );
    d.0
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
