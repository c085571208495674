//! Launch templates gold creates in consumer accounts (the manifest's `create` tables), with
//! the egress-only security group they may ask for.
//!
//! AWS facts relied on (EC2 user guide, "Security groups for your VPC"): a new group has no
//! inbound rules and allows all outbound traffic, which is exactly an egress-only group; group
//! names are unique per VPC. A group of that name gold did not tag is someone else's: gold
//! refuses it rather than adopt it.

use std::collections::BTreeMap;

use crate::Error;
use crate::aws::Session;
use crate::aws::images::Image;
use crate::aws::launch_templates::{self, NewTemplate, TemplateVersion};
use crate::aws::security_groups;
use crate::manifest::{CreateLaunchTemplate, Manifest};
use crate::names;
use crate::plan::Field;

use super::describe_version;

/// The settings of a template gold creates, as the plan lists them.
pub fn settings(spec: &CreateLaunchTemplate) -> Vec<Field> {
    let mut fields = vec![
        Field::new("instance_type", spec.instance_type.as_str()),
        Field::new("ebs_optimized", spec.ebs_optimized.to_string()),
        Field::new(
            "root_volume",
            format!(
                "{} {}",
                spec.root_volume_gib
                    .map_or_else(|| "the AMI's size".to_owned(), |gib| format!("{gib} GiB")),
                spec.root_volume_type.as_str()
            ),
        ),
    ];
    if spec.security_group.is_some() {
        fields.push(Field::new(
            "security_group",
            "egress only (gold creates it)",
        ));
    } else if !spec.security_group_ids.is_empty() {
        fields.push(Field::new(
            "security_group_ids",
            spec.security_group_ids.join(", "),
        ));
    }
    fields
}

/// Creates the template with `to` as its first (default) version.
pub async fn create(
    manifest: &Manifest,
    session: &Session,
    name: &str,
    spec: &CreateLaunchTemplate,
    to: &Image,
) -> Result<TemplateVersion, Error> {
    let tags = names::tags(&manifest.name, &manifest.tags);
    let mut template = new_template(spec);
    if spec.security_group.is_some() {
        template
            .security_group_ids
            .push(egress_only_group(session, &manifest.name, &tags).await?);
    }
    Ok(launch_templates::create_template(
        session,
        name,
        &template,
        &to.id,
        &describe_version(to, None),
        &tags,
    )
    .await?)
}

/// The consumer's egress-only security group in the default VPC, created on first use.
async fn egress_only_group(
    session: &Session,
    manifest: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, Error> {
    let name = names::consumer_security_group(manifest);
    let vpc = security_groups::vpc_for(session, None).await?;
    if let Some(group) = security_groups::find(session, &vpc, &name).await? {
        if names::owned_by(&group.tags, manifest) {
            return Ok(group.id);
        }
        return Err(Error::failed(
            format!(
                "security group `{name}` ({}) exists in {vpc} without the tag `{}={manifest}`",
                group.id,
                names::MANIFEST_TAG
            ),
            Some("gold adopts only what it created: rename or delete that group, or list `security_group_ids` in the template's `create` table instead".to_owned()),
        ));
    }
    let description = format!("gold {manifest}: outbound traffic only");
    Ok(security_groups::create(session, &vpc, &name, &description, tags).await?)
}

fn new_template(spec: &CreateLaunchTemplate) -> NewTemplate {
    NewTemplate {
        instance_type: spec.instance_type.clone(),
        ebs_optimized: spec.ebs_optimized,
        root_device: spec.root_device.clone(),
        root_volume_gib: spec.root_volume_gib,
        root_volume_type: spec.root_volume_type.as_str().to_owned(),
        security_group_ids: spec.security_group_ids.clone(),
        key_pair: spec.key_pair.clone(),
    }
}
