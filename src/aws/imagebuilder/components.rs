//! Components: the versions of one component, one version's document, creating versions.

use aws_sdk_imagebuilder::types::{Ownership, Platform};

use super::{
    Listing, Tagged, Tags, VersionDetail, VersionRef, client, created, name_filter, named,
    sdk_tags, tagged, to_tags,
};
use crate::aws::call::CallExt;
use crate::aws::error::AwsError;
use crate::aws::session::Session;
use crate::version::Version;

/// A component version gold wants to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    /// Component name.
    pub name: String,
    /// Semantic version to create.
    pub version: Version,
    /// `Linux`, `Windows` or `macOS`.
    pub platform: String,
    /// Description.
    pub description: Option<String>,
    /// The AWSTOE document.
    pub data: String,
    /// Tags.
    pub tags: Tags,
}

/// Every version of the component `name` owned by this account.
pub async fn component_versions(
    session: &Session,
    name: &str,
) -> Result<Vec<VersionRef>, AwsError> {
    let items = client(session)
        .list_components()
        .owner(Ownership::SelfValue)
        .filters(name_filter(name))
        .every_on(session, "ListComponents", name)
        .await?;
    Ok(named(items, name)
        .into_iter()
        .filter_map(|c| {
            Some(VersionRef {
                arn: c.arn()?.to_owned(),
                version: Version::parse(c.version()?)?,
            })
        })
        .collect())
}

/// A component version's tags and document.
pub async fn component(session: &Session, arn: &str) -> Result<VersionDetail, AwsError> {
    let out = client(session)
        .get_component()
        .component_build_version_arn(arn)
        .send()
        .await
        .call_on(session, "GetComponent", arn)?;
    let component = out.component().ok_or_else(|| {
        session
            .site()
            .failure("GetComponent", "no component in the answer")
            .on(arn)
    })?;
    Ok(VersionDetail {
        arn: component.arn().unwrap_or(arn).to_owned(),
        tags: to_tags(component.tags()),
        content: component.data().unwrap_or_default().to_owned(),
    })
}

/// Creates a component version; returns its build version ARN.
pub async fn create_component(session: &Session, spec: &ComponentSpec) -> Result<String, AwsError> {
    let resource = format!("{}/{}", spec.name, spec.version);
    let out = client(session)
        .create_component()
        .name(&spec.name)
        .semantic_version(spec.version.to_string())
        .platform(Platform::from(spec.platform.as_str()))
        .set_description(spec.description.clone())
        .data(&spec.data)
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .call_on(session, "CreateComponent", &resource)?;
    created(
        session,
        "CreateComponent",
        &resource,
        out.component_build_version_arn(),
    )
}

/// Every build version of every component this account owns, with tags.
pub async fn components(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let versions = client(session)
        .list_components()
        .owner(Ownership::SelfValue)
        .every(session, "ListComponents")
        .await?;
    let mut found = Vec::new();
    for version in versions {
        let Some(arn) = version.arn() else { continue };
        let builds = client(session)
            .list_component_build_versions()
            .component_version_arn(arn)
            .every_on(session, "ListComponentBuildVersions", arn)
            .await?;
        found.extend(tagged(builds));
    }
    Ok(found)
}
