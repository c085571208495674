//! Consumer launch templates: read the default version, add a version with another image,
//! make it the default, create a template, find one with its tags and delete it (EC2 launch
//! template API).
//!
//! AWS facts relied on (EC2 API Reference, `CreateLaunchTemplateVersion`,
//! `DescribeLaunchTemplateVersions`, `ModifyLaunchTemplate`): a new version made with
//! `SourceVersion` inherits every setting of that version and overrides only the fields given
//! in `LaunchTemplateData`, so sending just `ImageId` keeps instance type, volumes, security
//! groups, user data and the rest, except the snapshots of its block device mappings:
//! "Snapshots applied to the block device mapping are ignored when creating a new version unless
//! they are explicitly included" (the `LaunchTemplateData` of `CreateLaunchTemplateVersion`), and
//! given mappings replace the inherited ones whole. So a version whose volumes come from
//! snapshots is repeated with all its mappings, snapshots included, except on the new image's
//! root device, whose volume the image brings. `Versions` accepts `$Default` and `$Latest`; a
//! version's description is at most 255 characters; a new version never becomes the default by
//! itself.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_sdk_ec2::types::{
    Filter, LaunchTemplateBlockDeviceMappingRequest, LaunchTemplateEbsBlockDeviceRequest,
    RequestLaunchTemplateData, ResourceType, Tag, TagSpecification, VolumeType,
};

use super::call::{CallExt, ec2_code};
use super::error::{AwsError, Reason};
use super::images::Image;
use super::session::Session;

/// EC2's answers for a launch template that does not exist ("Error codes for the Amazon EC2 API").
const UNKNOWN_TEMPLATE: [&str; 2] = [
    "InvalidLaunchTemplateName.NotFoundException",
    "InvalidLaunchTemplateId.NotFound",
];

/// How the manifest names a launch template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKey<'a> {
    /// By name.
    Name(&'a str),
    /// By id (`lt-…`).
    Id(&'a str),
}

impl std::fmt::Display for TemplateKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateKey::Name(name) | TemplateKey::Id(name) => f.write_str(name),
        }
    }
}

/// One version of a launch template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateVersion {
    /// `lt-…`.
    pub template_id: String,
    /// The template's name.
    pub template_name: String,
    /// The version number.
    pub number: i64,
    /// The AMI the version launches, when it sets one.
    pub image_id: Option<String>,
    /// The version description.
    pub description: Option<String>,
    /// When the version was created.
    pub created: Option<SystemTime>,
    /// Its block device mappings, when a volume comes from a snapshot (a new version must repeat them).
    pub snapshot_mappings: SnapshotMappings,
}

/// The block device mappings of a version whose volumes come from snapshots, as a new version
/// must give them again; empty when no mapping names a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SnapshotMappings(Vec<aws_sdk_ec2::types::LaunchTemplateBlockDeviceMapping>);

// The mappings hold no floating-point values.
impl Eq for SnapshotMappings {}

impl SnapshotMappings {
    fn of(data: Option<&aws_sdk_ec2::types::ResponseLaunchTemplateData>) -> Self {
        let mappings = data
            .map(aws_sdk_ec2::types::ResponseLaunchTemplateData::block_device_mappings)
            .unwrap_or_default();
        let from_snapshot = mappings
            .iter()
            .any(|m| m.ebs().and_then(|ebs| ebs.snapshot_id()).is_some());
        Self(if from_snapshot {
            mappings.to_vec()
        } else {
            Vec::new()
        })
    }

    /// The mappings as a request gives them, without a snapshot on `root_device` (the new image
    /// brings its own root volume); `None` when there is nothing to repeat.
    fn request(
        &self,
        root_device: Option<&str>,
    ) -> Option<Vec<LaunchTemplateBlockDeviceMappingRequest>> {
        if self.0.is_empty() {
            return None;
        }
        Some(
            self.0
                .iter()
                .map(|m| {
                    let root = m.device_name().is_some() && m.device_name() == root_device;
                    let ebs = m.ebs().map(|ebs| {
                        LaunchTemplateEbsBlockDeviceRequest::builder()
                            .set_encrypted(ebs.encrypted())
                            .set_delete_on_termination(ebs.delete_on_termination())
                            .set_iops(ebs.iops())
                            .set_kms_key_id(ebs.kms_key_id().map(str::to_owned))
                            .set_snapshot_id(ebs.snapshot_id().filter(|_| !root).map(str::to_owned))
                            .set_volume_size(ebs.volume_size())
                            .set_volume_type(ebs.volume_type().cloned())
                            .set_throughput(ebs.throughput())
                            .set_volume_initialization_rate(ebs.volume_initialization_rate())
                            .build()
                    });
                    LaunchTemplateBlockDeviceMappingRequest::builder()
                        .set_device_name(m.device_name().map(str::to_owned))
                        .set_virtual_name(m.virtual_name().map(str::to_owned))
                        .set_ebs(ebs)
                        .set_no_device(m.no_device().map(str::to_owned))
                        .build()
                })
                .collect(),
        )
    }
}

/// A template's default version and the number of its newest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTemplate {
    /// The default version.
    pub default: TemplateVersion,
    /// The highest version number (`$Latest`).
    pub latest: i64,
    /// The `$Latest` version, when it is not the default.
    pub newest: Option<TemplateVersion>,
}

/// What gold puts into a launch template it creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTemplate {
    /// Instance type.
    pub instance_type: String,
    /// EBS-optimized instances.
    pub ebs_optimized: bool,
    /// Root device name.
    pub root_device: String,
    /// Root volume size in GiB; the AMI's size when absent.
    pub root_volume_gib: Option<u32>,
    /// Root volume type (`gp3`, …).
    pub root_volume_type: String,
    /// Security groups.
    pub security_group_ids: Vec<String>,
    /// EC2 key pair.
    pub key_pair: Option<String>,
}

/// A launch template as `DescribeLaunchTemplates` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSummary {
    /// `lt-…`.
    pub id: String,
    /// The template's name.
    pub name: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

/// The template called `name`, with its tags, or `None` when there is none.
pub async fn find(session: &Session, name: &str) -> Result<Option<TemplateSummary>, AwsError> {
    // A name filter answers an empty list for a missing template, where `LaunchTemplateNames`
    // would fail the whole call.
    let output = session
        .ec2()
        .describe_launch_templates()
        .filters(
            Filter::builder()
                .name("launch-template-name")
                .values(name)
                .build(),
        )
        .send()
        .await
        .call_on(session, "DescribeLaunchTemplates", name)?;
    Ok(output
        .launch_templates()
        .iter()
        .filter(|template| template.launch_template_name() == Some(name))
        .find_map(|template| {
            Some(TemplateSummary {
                id: template.launch_template_id()?.to_owned(),
                name: name.to_owned(),
                tags: template
                    .tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                    .collect(),
            })
        }))
}

/// Every template carrying the tag `key` = `value`, from one tag-filtered
/// `DescribeLaunchTemplates` (paged at EC2's largest page, 200). EC2 reads `*` and `?` in a
/// filter value as wildcards, so the answer is narrowed to the exact value here.
pub async fn tagged(
    session: &Session,
    key: &str,
    value: &str,
) -> Result<Vec<TemplateSummary>, AwsError> {
    let client = session.ec2();
    let mut pages = client
        .describe_launch_templates()
        .filters(
            Filter::builder()
                .name(format!("tag:{key}"))
                .values(value)
                .build(),
        )
        .max_results(200)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(
            session,
            "DescribeLaunchTemplates",
            format!("tag:{key}={value}"),
        )?;
        found.extend(page.launch_templates().iter().filter_map(|template| {
            let tags: BTreeMap<String, String> = template
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_owned(), t.value()?.to_owned())))
                .collect();
            (tags.get(key).map(String::as_str) == Some(value)).then_some(TemplateSummary {
                id: template.launch_template_id()?.to_owned(),
                name: template
                    .launch_template_name()
                    .unwrap_or_default()
                    .to_owned(),
                tags,
            })
        }));
    }
    Ok(found)
}

/// Deletes a template with all its versions; a missing one counts as deleted.
pub async fn delete_template(session: &Session, template_id: &str) -> Result<(), AwsError> {
    session
        .ec2()
        .delete_launch_template()
        .launch_template_id(template_id)
        .send()
        .await
        .call_found(session, "DeleteLaunchTemplate", template_id, |err| {
            ec2_code(err, &UNKNOWN_TEMPLATE)
        })?;
    Ok(())
}

/// The template's default and latest versions, or `None` when no such template exists.
pub async fn live_template(
    session: &Session,
    key: TemplateKey<'_>,
) -> Result<Option<LiveTemplate>, AwsError> {
    let client = session.ec2();
    let request = client
        .describe_launch_template_versions()
        .versions("$Default")
        .versions("$Latest");
    let request = match key {
        TemplateKey::Name(name) => request.launch_template_name(name),
        TemplateKey::Id(id) => request.launch_template_id(id),
    };
    let Some(output) = request.send().await.call_found(
        session,
        "DescribeLaunchTemplateVersions",
        key.to_string(),
        |err| ec2_code(err, &UNKNOWN_TEMPLATE),
    )?
    else {
        return Ok(None);
    };
    let versions = output.launch_template_versions();
    let latest = versions
        .iter()
        .filter_map(aws_sdk_ec2::types::LaunchTemplateVersion::version_number)
        .max();
    let default = versions
        .iter()
        .find(|version| version.default_version() == Some(true))
        .and_then(template_version);
    let newest = versions
        .iter()
        .filter(|version| version.default_version() != Some(true))
        .filter(|version| version.version_number() == latest)
        .find_map(template_version);
    match (default, latest) {
        (Some(default), Some(latest)) => Ok(Some(LiveTemplate {
            default,
            latest,
            newest,
        })),
        _ => Err(session.site().failure(
            "DescribeLaunchTemplateVersions",
            format!("launch template `{key}` has no default version"),
        )),
    }
}

/// Every version of a template, oldest first.
pub async fn versions(
    session: &Session,
    template_id: &str,
) -> Result<Vec<TemplateVersion>, AwsError> {
    let client = session.ec2();
    let mut pages = client
        .describe_launch_template_versions()
        .launch_template_id(template_id)
        .into_paginator()
        .send();
    let mut found = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.call_on(session, "DescribeLaunchTemplateVersions", template_id)?;
        found.extend(
            page.launch_template_versions()
                .iter()
                .filter_map(template_version),
        );
    }
    found.sort_by_key(|version| version.number);
    Ok(found)
}

/// Adds a version copied from `source` with only the image changed (its snapshots given again,
/// see the module docs); returns it.
pub async fn create_version(
    session: &Session,
    source: &TemplateVersion,
    image: &Image,
    description: &str,
) -> Result<TemplateVersion, AwsError> {
    add_version(
        session,
        source,
        &image.id,
        image.root_device.as_deref(),
        description,
    )
    .await
}

/// Adds a version that launches what `source` launches (its image and snapshots), as the
/// newest; returns it.
pub async fn copy_version(
    session: &Session,
    source: &TemplateVersion,
    description: &str,
) -> Result<TemplateVersion, AwsError> {
    let image = source.image_id.as_deref().unwrap_or_default();
    add_version(session, source, image, None, description).await
}

/// A version from `source` launching `image_id`; the snapshot on `root_device` is left to the image.
async fn add_version(
    session: &Session,
    source: &TemplateVersion,
    image_id: &str,
    root_device: Option<&str>,
    description: &str,
) -> Result<TemplateVersion, AwsError> {
    let template_id = source.template_id.as_str();
    let client = session.ec2();
    let output = client
        .create_launch_template_version()
        .launch_template_id(template_id)
        .source_version(source.number.to_string())
        .version_description(description)
        .launch_template_data(
            RequestLaunchTemplateData::builder()
                .image_id(image_id)
                .set_block_device_mappings(source.snapshot_mappings.request(root_device))
                .build(),
        )
        .send()
        .await
        .call_on(session, "CreateLaunchTemplateVersion", template_id)?;
    output
        .launch_template_version()
        .and_then(template_version)
        .ok_or_else(|| {
            session
                .site()
                .failure(
                    "CreateLaunchTemplateVersion",
                    "the answer names no new version",
                )
                .on(template_id)
        })
}

/// Makes `number` the template's default version.
pub async fn set_default(
    session: &Session,
    template_id: &str,
    number: i64,
) -> Result<(), AwsError> {
    session
        .ec2()
        .modify_launch_template()
        .launch_template_id(template_id)
        .default_version(number.to_string())
        .send()
        .await
        .call_on(session, "ModifyLaunchTemplate", template_id)?;
    Ok(())
}

/// Creates a template whose first (default) version launches `image_id`.
pub async fn create_template(
    session: &Session,
    name: &str,
    spec: &NewTemplate,
    image_id: &str,
    description: &str,
    tags: &BTreeMap<String, String>,
) -> Result<TemplateVersion, AwsError> {
    let mut ebs = LaunchTemplateEbsBlockDeviceRequest::builder()
        .volume_type(VolumeType::from(spec.root_volume_type.as_str()))
        .delete_on_termination(true);
    if let Some(size) = spec.root_volume_gib {
        ebs = ebs.volume_size(i32::try_from(size).unwrap_or(i32::MAX));
    }
    let mut data = RequestLaunchTemplateData::builder()
        .image_id(image_id)
        .instance_type(spec.instance_type.as_str().into())
        .ebs_optimized(spec.ebs_optimized)
        .block_device_mappings(
            LaunchTemplateBlockDeviceMappingRequest::builder()
                .device_name(&spec.root_device)
                .ebs(ebs.build())
                .build(),
        )
        .set_security_group_ids(
            (!spec.security_group_ids.is_empty()).then(|| spec.security_group_ids.clone()),
        );
    if let Some(key) = &spec.key_pair {
        data = data.key_name(key);
    }
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::LaunchTemplate)
        .set_tags(Some(
            tags.iter()
                .map(|(key, value)| Tag::builder().key(key).value(value).build())
                .collect(),
        ))
        .build();
    let output = session
        .ec2()
        .create_launch_template()
        .launch_template_name(name)
        .version_description(description)
        .launch_template_data(data.build())
        .tag_specifications(tags)
        .send()
        .await
        .call_classified(session, "CreateLaunchTemplate", name, |err| {
            ec2_code(err, &["InvalidLaunchTemplateName.AlreadyExistsException"])
                .then_some(Reason::AlreadyExists)
        })?;
    let template = output.launch_template().ok_or_else(|| {
        session
            .site()
            .failure("CreateLaunchTemplate", "the answer names no template")
            .on(name)
    })?;
    Ok(TemplateVersion {
        template_id: template.launch_template_id().unwrap_or_default().to_owned(),
        template_name: name.to_owned(),
        number: template.default_version_number().unwrap_or(1),
        image_id: Some(image_id.to_owned()),
        description: Some(description.to_owned()),
        created: template
            .create_time()
            .and_then(|time| SystemTime::try_from(*time).ok()),
        snapshot_mappings: SnapshotMappings::default(),
    })
}

fn template_version(
    version: &aws_sdk_ec2::types::LaunchTemplateVersion,
) -> Option<TemplateVersion> {
    Some(TemplateVersion {
        template_id: version.launch_template_id()?.to_owned(),
        template_name: version
            .launch_template_name()
            .unwrap_or_default()
            .to_owned(),
        number: version.version_number()?,
        image_id: version
            .launch_template_data()
            .and_then(|data| data.image_id())
            .map(str::to_owned),
        description: version.version_description().map(str::to_owned),
        created: version
            .create_time()
            .and_then(|time| SystemTime::try_from(*time).ok()),
        snapshot_mappings: SnapshotMappings::of(version.launch_template_data()),
    })
}

#[cfg(test)]
mod tests {
    use aws_sdk_ec2::types::{LaunchTemplateBlockDeviceMapping, LaunchTemplateEbsBlockDevice};

    use super::*;

    fn mapping(device: &str, snapshot: Option<&str>) -> LaunchTemplateBlockDeviceMapping {
        LaunchTemplateBlockDeviceMapping::builder()
            .device_name(device)
            .ebs(
                LaunchTemplateEbsBlockDevice::builder()
                    .set_snapshot_id(snapshot.map(str::to_owned))
                    .volume_size(50)
                    .build(),
            )
            .build()
    }

    #[test]
    fn snapshots_are_given_again_except_on_the_new_images_root_device() {
        let mappings = SnapshotMappings(vec![
            mapping("/dev/xvda", Some("snap-root")),
            mapping("/dev/xvdb", Some("snap-data")),
        ]);
        let request = mappings.request(Some("/dev/xvda")).expect("mappings");
        let snapshots: Vec<_> = request
            .iter()
            .map(|m| m.ebs().and_then(|e| e.snapshot_id()))
            .collect();
        assert_eq!(snapshots, [None, Some("snap-data")]);
        assert_eq!(
            request[0]
                .ebs()
                .and_then(LaunchTemplateEbsBlockDeviceRequest::volume_size),
            Some(50)
        );
        assert!(SnapshotMappings::default().request(None).is_none());
    }
}
