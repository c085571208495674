//! An AMI's life after its build: deprecate it, disable it, record why (the producer's side),
//! and read the launch template versions that name it (each consumer account's side).
//!
//! AWS facts relied on (EC2 API Reference):
//! - `EnableImageDeprecation`: only the owner may set it; seconds are rounded to the nearest
//!   minute and "you can't specify a date in the past", so "now" is sent as the first whole
//!   minute at least [`DEPRECATION_LEAD`] ahead ([`earliest_deprecation`]); every account the
//!   AMI is shared with sees `DeprecationTime`, and once it has passed, accounts other than the
//!   owner no longer get the AMI from `DescribeImages` unless they ask with `IncludeDeprecated`
//!   (or name its id). A deprecated AMI still launches.
//! - `DisableImage`: state `disabled`, every launch permission removed, hidden, not launchable.
//! - `CreateTags` on an AMI: tags are the owner's alone (invisible across accounts), so they
//!   record a reason for people and never carry a decision.
//! - `DeleteLaunchTemplateVersions` deletes up to 200 versions of one template, never the
//!   default; each version it cannot delete comes back with an error code
//!   (`launchTemplateVersionDoesNotExist` for one already gone) instead of failing the call.
//! - `DescribeLaunchTemplateVersions` takes the filter `image-id` for one template's versions
//!   (every version, not only `$Default`/`$Latest`, needs the template's id);
//!   `DescribeLaunchTemplates` lists every template with its default and latest numbers.
//! - `DescribeInstances` takes the filters `image-id` and `instance-state-name`.
//! - `EnableImageDeregistrationProtection` / `DisableImageDeregistrationProtection`: only the
//!   owner may change it; while it is on, `DeregisterImage` fails. Without `WithCooldown` it
//!   can be turned off again at once (with it, only 24 hours later). `DescribeImages` reports
//!   it as `DeregistrationProtection`: `disabled`, or `enabled…` / `disabled-until …` while it
//!   holds, so anything but `disabled` counts as protected.

use std::time::{Duration, SystemTime};

use aws_sdk_ec2::types::{Filter, LaunchTemplateErrorCode, Tag};
use aws_smithy_types::DateTime;

use super::call::{CallExt, ec2_code};
use super::error::AwsError;
use super::images::{self, Image};
use super::session::Session;

/// `DescribeImages` filters take at most this many values; longer lists are sent in chunks.
const FILTER_VALUES: usize = 200;

/// An AMI the producer owns, with the tag that says why it was retired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedImage {
    /// The AMI.
    pub image: Image,
    /// The reason recorded by `gold retire`, when there is one.
    pub retired_reason: Option<String>,
    /// The Image Builder build version ARN its tag records, when it has one.
    pub builder_arn: Option<String>,
}

/// Every AMI the session's account owns in its region named like `name_pattern`, deprecated
/// and disabled ones included, with the retirement reason gold recorded (tag `reason_tag`) and
/// the build version ARN Image Builder recorded (tag `arn_tag`).
pub async fn own_images(
    session: &Session,
    name_pattern: &str,
    (reason_tag, arn_tag): (&str, &str),
) -> Result<Vec<OwnedImage>, AwsError> {
    let mut pages = session
        .ec2()
        .describe_images()
        .owners("self")
        .filters(Filter::builder().name("name").values(name_pattern).build())
        .include_deprecated(true)
        .include_disabled(true)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(
            session,
            "DescribeImages",
            format!("own AMIs named {name_pattern}"),
        )?;
        for described in page.images() {
            let Some(image) = images::image(described) else {
                continue;
            };
            let tag = |key: &str| {
                described
                    .tags()
                    .iter()
                    .find(|tag| tag.key() == Some(key))
                    .and_then(Tag::value)
                    .map(str::to_owned)
            };
            found.push(OwnedImage {
                image,
                retired_reason: tag(reason_tag),
                builder_arn: tag(arn_tag),
            });
        }
    }
    Ok(found)
}

/// How far ahead of the clock a deprecation "now" is asked for: the request must still be in
/// the future when EC2 reads it, after its own travel and any retry.
pub const DEPRECATION_LEAD: Duration = Duration::from_secs(10);

/// The earliest deprecation time EC2 accepts when asked at `now`: the first whole minute at
/// least [`DEPRECATION_LEAD`] ahead (a whole minute, so EC2's rounding leaves it as it is).
pub fn earliest_deprecation(now: SystemTime) -> SystemTime {
    let since = (now + DEPRECATION_LEAD)
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let minute = since.as_secs().div_ceil(60) * 60;
    SystemTime::UNIX_EPOCH + Duration::from_secs(minute)
}

/// Whether a deprecation time counts as reached at `now`: it has passed, or it is no later than
/// the earliest time anyone can ask for now, i.e. it was asked for "now" (other accounts keep
/// listing the AMI until the time itself passes; gold no longer chooses it at once).
pub fn is_deprecated(deprecated_at: SystemTime, now: SystemTime) -> bool {
    deprecated_at <= earliest_deprecation(now)
}

/// Deprecates an AMI now (`EnableImageDeprecation` at the earliest time EC2 accepts, read
/// from the clock as the request leaves).
pub async fn deprecate(session: &Session, ami: &str) -> Result<(), AwsError> {
    session
        .ec2()
        .enable_image_deprecation()
        .image_id(ami)
        .deprecate_at(DateTime::from(earliest_deprecation(SystemTime::now())))
        .send()
        .await
        .call_on(session, "EnableImageDeprecation", ami)?;
    Ok(())
}

/// Disables an AMI (`DisableImage`): private, hidden and no longer launchable.
pub async fn disable(session: &Session, ami: &str) -> Result<(), AwsError> {
    session
        .ec2()
        .disable_image()
        .image_id(ami)
        .send()
        .await
        .call_on(session, "DisableImage", ami)?;
    Ok(())
}

/// Adds or overwrites tags on an AMI (`CreateTags`).
pub async fn tag_image(
    session: &Session,
    ami: &str,
    tags: &[(String, String)],
) -> Result<(), AwsError> {
    session
        .ec2()
        .create_tags()
        .resources(ami)
        .set_tags(Some(
            tags.iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect(),
        ))
        .send()
        .await
        .call_on(session, "CreateTags", ami)?;
    Ok(())
}

/// A launch template of the session's account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateNumbers {
    /// `lt-…`.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The default version number.
    pub default: i64,
    /// The latest version number.
    pub latest: i64,
}

/// Every launch template of the session's account and region.
pub async fn all_templates(session: &Session) -> Result<Vec<TemplateNumbers>, AwsError> {
    let mut pages = session
        .ec2()
        .describe_launch_templates()
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call(session, "DescribeLaunchTemplates")?;
        found.extend(page.launch_templates().iter().filter_map(|template| {
            Some(TemplateNumbers {
                id: template.launch_template_id()?.to_owned(),
                name: template
                    .launch_template_name()
                    .unwrap_or_default()
                    .to_owned(),
                default: template.default_version_number()?,
                latest: template.latest_version_number()?,
            })
        }));
    }
    Ok(found)
}

/// A launch template version that launches an AMI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionImage {
    /// The version number.
    pub number: i64,
    /// The AMI it launches.
    pub image: String,
    /// Its description.
    pub description: Option<String>,
}

/// The versions of one template that launch one of `amis`. A template deleted meanwhile has none.
pub async fn versions_launching(
    session: &Session,
    template_id: &str,
    amis: &[String],
) -> Result<Vec<VersionImage>, AwsError> {
    let mut found = Vec::new();
    for chunk in amis.chunks(FILTER_VALUES) {
        let mut pages = session
            .ec2()
            .describe_launch_template_versions()
            .launch_template_id(template_id)
            .filters(
                Filter::builder()
                    .name("image-id")
                    .set_values(Some(chunk.to_vec()))
                    .build(),
            )
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let Some(page) = page.call_found(
                session,
                "DescribeLaunchTemplateVersions",
                template_id,
                |err| ec2_code(err, &["InvalidLaunchTemplateId.NotFound"]),
            )?
            else {
                return Ok(Vec::new());
            };
            found.extend(
                page.launch_template_versions()
                    .iter()
                    .filter_map(|version| {
                        Some(VersionImage {
                            number: version.version_number()?,
                            image: version.launch_template_data()?.image_id()?.to_owned(),
                            description: version.version_description().map(str::to_owned),
                        })
                    }),
            );
        }
    }
    Ok(found)
}

/// `DeleteLaunchTemplateVersions` takes at most this many versions a call.
const DELETE_VERSIONS: usize = 200;

/// Deletes versions of one template (never its default: EC2 refuses that). A version already
/// gone counts as deleted; any other version EC2 refuses fails the call, naming it.
pub async fn delete_versions(
    session: &Session,
    template_id: &str,
    numbers: &[i64],
) -> Result<(), AwsError> {
    for chunk in numbers.chunks(DELETE_VERSIONS) {
        let output = session
            .ec2()
            .delete_launch_template_versions()
            .launch_template_id(template_id)
            .set_versions(Some(chunk.iter().map(ToString::to_string).collect()))
            .send()
            .await
            .call_on(session, "DeleteLaunchTemplateVersions", template_id)?;
        let refused: Vec<String> = output
            .unsuccessfully_deleted_launch_template_versions()
            .iter()
            .filter_map(|item| {
                let error = item.response_error()?;
                let gone = error.code()
                    == Some(&LaunchTemplateErrorCode::LaunchTemplateVersionDoesNotExist);
                (!gone).then(|| {
                    format!(
                        "version {}: {}",
                        item.version_number().unwrap_or_default(),
                        error.message().unwrap_or("refused")
                    )
                })
            })
            .collect();
        if !refused.is_empty() {
            return Err(session
                .failure("DeleteLaunchTemplateVersions", refused.join("; "))
                .on(template_id));
        }
    }
    Ok(())
}

/// The AMIs among `amis` (of the session's account and region) that deregistration protection
/// holds now.
pub async fn protected(session: &Session, amis: &[String]) -> Result<Vec<String>, AwsError> {
    let mut found = Vec::new();
    for chunk in amis.chunks(FILTER_VALUES) {
        let mut pages = session
            .ec2()
            .describe_images()
            .set_image_ids(Some(chunk.to_vec()))
            .include_deprecated(true)
            .include_disabled(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.call_on(session, "DescribeImages", chunk.join(", "))?;
            found.extend(
                page.images()
                    .iter()
                    .filter(|image| {
                        image
                            .deregistration_protection()
                            .is_some_and(|state| state != "disabled")
                    })
                    .filter_map(|image| image.image_id().map(str::to_owned)),
            );
        }
    }
    Ok(found)
}

/// Turns deregistration protection on, without a cooldown (so it can be turned off at once).
pub async fn protect(session: &Session, ami: &str) -> Result<(), AwsError> {
    session
        .ec2()
        .enable_image_deregistration_protection()
        .image_id(ami)
        .send()
        .await
        .call_on(session, "EnableImageDeregistrationProtection", ami)?;
    Ok(())
}

/// Turns deregistration protection off.
pub async fn unprotect(session: &Session, ami: &str) -> Result<(), AwsError> {
    session
        .ec2()
        .disable_image_deregistration_protection()
        .image_id(ami)
        .send()
        .await
        .call_on(session, "DisableImageDeregistrationProtection", ami)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn now_is_asked_for_as_a_whole_minute_never_in_the_past() {
        assert_eq!(earliest_deprecation(at(120)), at(180));
        assert_eq!(earliest_deprecation(at(169)), at(180));
        assert_eq!(earliest_deprecation(at(171)), at(240));
        for second in 0..240 {
            let asked = earliest_deprecation(at(second));
            assert!(asked >= at(second) + DEPRECATION_LEAD, "{second}");
            assert_eq!(
                asked.duration_since(at(0)).map(|d| d.as_secs() % 60).ok(),
                Some(0)
            );
        }
    }

    #[test]
    fn a_deprecation_asked_for_now_counts_at_once_and_a_later_one_does_not() {
        assert!(is_deprecated(earliest_deprecation(at(100)), at(100)));
        assert!(is_deprecated(at(50), at(100)));
        assert!(!is_deprecated(at(100 + 3600), at(100)));
    }
}
