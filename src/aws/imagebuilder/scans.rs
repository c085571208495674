//! What Amazon Inspector found in a build: `ListImageScanFindings` filtered to one image build
//! version ARN, every page.
//!
//! AWS facts relied on (Image Builder API Reference, `ListImageScanFindings` and
//! `ImageScanFindingsFilter`): the filter names are `imageBuildVersionArn`, `imagePipelineArn`,
//! `vulnerabilityId` and `severity`, each with one value; pages of at most 25 findings follow
//! `nextToken`. A finding carries its `severity` (`INFORMATIONAL`, `LOW`, `MEDIUM`, `HIGH`,
//! `CRITICAL`, `UNTRIAGED`), the vulnerability id in `packageVulnerabilityDetails` and the
//! affected packages in `vulnerablePackages`.

use aws_sdk_imagebuilder::types::ImageScanFindingsFilter;

use super::{Listing, client};
use crate::aws::error::AwsError;
use crate::aws::session::Session;

/// One finding of a build's scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `CRITICAL`, `HIGH`, …
    pub severity: String,
    /// `CVE-2026-1234`, or the finding's title when it names no vulnerability.
    pub vulnerability: String,
    /// The first vulnerable package's name, when Inspector names one.
    pub package: Option<String>,
}

/// Every finding of the build `build_arn`'s scan.
pub async fn findings(session: &Session, build_arn: &str) -> Result<Vec<Finding>, AwsError> {
    let items = client(session)
        .list_image_scan_findings()
        .filters(
            ImageScanFindingsFilter::builder()
                .name("imageBuildVersionArn")
                .values(build_arn)
                .build(),
        )
        .every_on(session, "ListImageScanFindings", build_arn)
        .await?;
    Ok(items
        .iter()
        .map(|finding| {
            let details = finding.package_vulnerability_details();
            Finding {
                severity: finding.severity().unwrap_or("UNTRIAGED").to_owned(),
                vulnerability: details
                    .map(|d| d.vulnerability_id().to_owned())
                    .filter(|id| !id.is_empty())
                    .or_else(|| finding.title().map(str::to_owned))
                    .unwrap_or_default(),
                package: details
                    .and_then(|d| d.vulnerable_packages().first())
                    .and_then(|p| p.name())
                    .map(str::to_owned),
            }
        })
        .collect())
}
