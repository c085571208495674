//! Who references an AMI, as EC2 itself answers it: in the caller's own account
//! ([`references`]) and, for the AMI's owner, across every other account ([`usage_reports`]).
//!
//! AWS facts relied on (EC2 API Reference, `DescribeImageReferences`, `ResourceTypeRequest`,
//! `CreateImageUsageReport`, `DescribeImageUsageReports`, `DescribeImageUsageReportEntries`;
//! EC2 User Guide, "Identify your resources referencing specified AMIs" and "View your AMI
//! usage"):
//! - `DescribeImageReferences` answers the caller's resources in its Region that reference 1 to
//!   10 AMIs: instances (option `state-name`, default every state), launch templates (option
//!   `version-depth`, the newest 1 to 10000 versions, default 10), SSM parameters of data type
//!   `aws:ec2:image`, Image Builder recipes; each reference is an ARN, a launch template once
//!   however many versions name the AMI; `MaxResults` at least 5, with `NextToken`.
//! - An AMI usage report is made by the AMI's owner, one AMI per report, for the `AccountIds`
//!   given (at most 200) or, without them, every account that uses it, in the organization or
//!   not; resource types `ec2:Instance` and `ec2:LaunchTemplate` (option `version-depth`, 1 to
//!   10000, default 20). It is `pending` while it is made, then `available` (or `error`); its
//!   entries count, per account and resource type, the resources that reference the AMI. The
//!   owner's own use is left out, and "instance activity from the past 24 hours and launch
//!   template activity from the past few days might not appear": a report never replaces a
//!   look inside the accounts gold can read.

use aws_sdk_ec2::types::{
    ImageReferenceOptionName, ImageReferenceResourceType, ImageUsageResourceTypeOptionRequest,
    ImageUsageResourceTypeRequest, ResourceTypeOption, ResourceTypeRequest,
};

use super::call::CallExt;
use super::error::AwsError;
use super::session::Session;

/// `DescribeImageReferences` takes at most this many AMIs a call.
const REFERENCE_IMAGES: usize = 10;

/// Launch template versions checked, newest first: the largest depth both APIs take.
const VERSION_DEPTH: &str = "10000";

/// `DescribeImageUsageReports` and `…Entries` take at most this many report ids a call.
const REPORT_IDS: usize = 200;

/// What references an AMI in the caller's account.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reference {
    /// An instance that is not terminated or shutting down: `i-…`.
    Instance(String),
    /// A launch template, some version of which names the AMI: `lt-…`.
    LaunchTemplate(String),
    /// An `aws:ec2:image` SSM parameter whose value is the AMI: its name.
    Parameter(String),
}

/// The resources of the session's account and region that reference one of `amis`:
/// `(ami, reference)`. Instances that are terminated or shutting down are left out.
pub async fn references(
    session: &Session,
    amis: &[String],
) -> Result<Vec<(String, Reference)>, AwsError> {
    let option = |name: ImageReferenceOptionName, values: &[&str]| {
        values
            .iter()
            .fold(ResourceTypeOption::builder().option_name(name), |b, v| {
                b.option_values(*v)
            })
            .build()
    };
    let kinds = [
        ResourceTypeRequest::builder()
            .resource_type(ImageReferenceResourceType::Ec2Instance)
            .resource_type_options(option(
                ImageReferenceOptionName::StateName,
                &["pending", "running", "stopping", "stopped"],
            ))
            .build(),
        ResourceTypeRequest::builder()
            .resource_type(ImageReferenceResourceType::Ec2LaunchTemplate)
            .resource_type_options(option(
                ImageReferenceOptionName::VersionDepth,
                &[VERSION_DEPTH],
            ))
            .build(),
        ResourceTypeRequest::builder()
            .resource_type(ImageReferenceResourceType::SsmParameter)
            .build(),
    ];
    let mut found = Vec::new();
    for chunk in amis.chunks(REFERENCE_IMAGES) {
        let mut pages = session
            .ec2()
            .describe_image_references()
            .set_image_ids(Some(chunk.to_vec()))
            .set_resource_types(Some(kinds.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.call_on(session, "DescribeImageReferences", chunk.join(", "))?;
            for reference in page.image_references() {
                let (Some(ami), Some(arn), Some(kind)) = (
                    reference.image_id(),
                    reference.arn(),
                    reference.resource_type(),
                ) else {
                    continue;
                };
                let reference = match kind {
                    ImageReferenceResourceType::Ec2Instance => {
                        Reference::Instance(resource_id(arn, "instance/"))
                    }
                    ImageReferenceResourceType::Ec2LaunchTemplate => {
                        Reference::LaunchTemplate(resource_id(arn, "launch-template/"))
                    }
                    ImageReferenceResourceType::SsmParameter => {
                        Reference::Parameter(parameter_name(arn))
                    }
                    _ => continue,
                };
                found.push((ami.to_owned(), reference));
            }
        }
    }
    Ok(found)
}

/// The id after `prefix` in an ARN's resource part (`…:instance/i-0abc` → `i-0abc`).
fn resource_id(arn: &str, prefix: &str) -> String {
    arn.rsplit_once(prefix).map_or(arn, |(_, id)| id).to_owned()
}

/// A parameter's name from its ARN: `…:parameter/app/ami` → `/app/ami`, `…:parameter/ami` → `ami`
/// (a name with a slash keeps its leading one; a name without has none).
fn parameter_name(arn: &str) -> String {
    let Some((_, name)) = arn.split_once(":parameter/") else {
        return arn.to_owned();
    };
    if name.contains('/') {
        format!("/{name}")
    } else {
        name.to_owned()
    }
}

/// One account's use of an AMI, as a usage report counts it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ReportedUse {
    /// The AMI.
    pub ami: String,
    /// The account that uses it.
    pub account: String,
    /// `ec2:Instance` or `ec2:LaunchTemplate`.
    pub resource_type: String,
    /// How many of its resources reference the AMI.
    pub count: i64,
}

/// Every other account's use of `amis` (AMIs of the session's account and region): one usage
/// report per AMI, for every account that uses it, counting instances and launch templates
/// (every version), waited for with the session's bound; `None` when the reports were not
/// ready within it.
pub async fn usage_reports(
    session: &Session,
    amis: &[String],
) -> Result<Option<Vec<ReportedUse>>, AwsError> {
    let reports = start_usage_reports(session, amis).await?;
    let what = format!("{} AMI usage report(s) are being made", reports.len());
    let ready = session
        .waits()
        .until("EC2", &what, || async {
            let states = usage_report_states(session, &reports).await?;
            if let Some((id, _, reason)) = states.iter().find(|(_, state, _)| state == "error") {
                return Err(session.failure(
                    "DescribeImageUsageReports",
                    format!(
                        "AMI usage report {id} failed: {}",
                        reason.as_deref().unwrap_or("no reason given")
                    ),
                ));
            }
            let available = states
                .iter()
                .filter(|(_, state, _)| state == "available")
                .count();
            Ok((available == reports.len()).then_some(()))
        })
        .await?;
    match ready {
        Some(()) => usage_report_entries(session, &reports).await.map(Some),
        None => Ok(None),
    }
}

/// Starts one usage report per AMI: the report ids.
async fn start_usage_reports(session: &Session, amis: &[String]) -> Result<Vec<String>, AwsError> {
    let kinds = [
        ImageUsageResourceTypeRequest::builder()
            .resource_type("ec2:Instance")
            .build(),
        ImageUsageResourceTypeRequest::builder()
            .resource_type("ec2:LaunchTemplate")
            .resource_type_options(
                ImageUsageResourceTypeOptionRequest::builder()
                    .option_name("version-depth")
                    .option_values(VERSION_DEPTH)
                    .build(),
            )
            .build(),
    ];
    let created = futures::future::try_join_all(amis.iter().map(|ami| {
        let kinds = kinds.to_vec();
        async move {
            let report = session
                .ec2()
                .create_image_usage_report()
                .image_id(ami)
                .set_resource_types(Some(kinds))
                .send()
                .await
                .call_on(session, "CreateImageUsageReport", ami)?;
            report
                .report_id()
                .map(str::to_owned)
                .ok_or_else(|| session.failure("CreateImageUsageReport", "no report id"))
        }
    }))
    .await?;
    Ok(created)
}

/// The state of each report: `(report id, state, reason)`, `state` one of `pending`,
/// `available`, `error`.
async fn usage_report_states(
    session: &Session,
    reports: &[String],
) -> Result<Vec<(String, String, Option<String>)>, AwsError> {
    let mut found = Vec::new();
    for chunk in reports.chunks(REPORT_IDS) {
        let mut pages = session
            .ec2()
            .describe_image_usage_reports()
            .set_report_ids(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.call(session, "DescribeImageUsageReports")?;
            found.extend(page.image_usage_reports().iter().filter_map(|report| {
                Some((
                    report.report_id()?.to_owned(),
                    report.state()?.to_owned(),
                    report.state_reason().map(str::to_owned),
                ))
            }));
        }
    }
    Ok(found)
}

/// Every entry of the (available) reports.
async fn usage_report_entries(
    session: &Session,
    reports: &[String],
) -> Result<Vec<ReportedUse>, AwsError> {
    let mut found = Vec::new();
    for chunk in reports.chunks(REPORT_IDS) {
        let mut pages = session
            .ec2()
            .describe_image_usage_report_entries()
            .set_report_ids(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.call(session, "DescribeImageUsageReportEntries")?;
            found.extend(
                page.image_usage_report_entries()
                    .iter()
                    .filter_map(|entry| {
                        Some(ReportedUse {
                            ami: entry.image_id()?.to_owned(),
                            account: entry.account_id()?.to_owned(),
                            resource_type: entry.resource_type()?.to_owned(),
                            count: entry.usage_count().unwrap_or_default(),
                        })
                    }),
            );
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_parameter_names_come_from_the_arns() {
        assert_eq!(
            resource_id(
                "arn:aws:ec2:ap-northeast-1:444455556666:instance/i-0abc",
                "instance/"
            ),
            "i-0abc"
        );
        assert_eq!(
            parameter_name("arn:aws:ssm:ap-northeast-1:444455556666:parameter/app/ami"),
            "/app/ami"
        );
        assert_eq!(
            parameter_name("arn:aws:ssm:ap-northeast-1:444455556666:parameter/ami"),
            "ami"
        );
    }
}
