//! Image recipes: the versions of one recipe, one version's components, creating versions.

use std::collections::BTreeMap;

use aws_sdk_imagebuilder::types::{
    ComponentConfiguration, ComponentParameter, EbsInstanceBlockDeviceSpecification, EbsVolumeType,
    InstanceBlockDeviceMapping, Ownership,
};

use aws_sdk_imagebuilder::operation::create_image_recipe::CreateImageRecipeError;

use super::{
    Listing, Tagged, Tags, VersionDetail, VersionRef, client, created, invalid, name_filter, named,
    sdk_tags, tagged, to_tags,
};
use crate::aws::call::CallExt;
use crate::aws::error::{AwsError, Reason};
use crate::aws::session::Session;
use crate::version::Version;

/// An image recipe version gold wants to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeSpec {
    /// Recipe name.
    pub name: String,
    /// Semantic version to create.
    pub version: Version,
    /// Parent image: an Image Builder image ARN or an AMI id.
    pub parent_image: String,
    /// Components in build order.
    pub components: Vec<RecipeComponent>,
    /// Extra EBS volumes.
    pub block_devices: Vec<BlockDeviceSpec>,
    /// Working directory on the build instance.
    pub working_directory: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: Tags,
}

/// A component in a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeComponent {
    /// Component version (or build version) ARN.
    pub arn: String,
    /// Parameters passed to it.
    pub parameters: BTreeMap<String, String>,
}

/// An EBS volume in a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDeviceSpec {
    /// Device name.
    pub device: String,
    /// Size in GiB.
    pub size_gib: u32,
    /// EBS volume type.
    pub volume_type: String,
    /// Provisioned IOPS.
    pub iops: Option<u32>,
    /// Throughput in MiB/s.
    pub throughput: Option<u32>,
    /// Encryption.
    pub encrypted: Option<bool>,
    /// Delete with the instance.
    pub delete_on_termination: bool,
}

/// The version in a versioned ARN (`…/name/1.2.3` or `…/name/1.2.3/4`).
fn version_of(arn: &str) -> Option<Version> {
    let mut parts = arn.rsplit('/');
    let last = parts.next()?;
    Version::parse(last).or_else(|| Version::parse(parts.next()?))
}

/// Every version of the image recipe `name` owned by this account.
pub async fn recipe_versions(session: &Session, name: &str) -> Result<Vec<VersionRef>, AwsError> {
    let items = client(session)
        .list_image_recipes()
        .owner(Ownership::SelfValue)
        .filters(name_filter(name))
        .every_on(session, "ListImageRecipes", name)
        .await?;
    Ok(named(items, name)
        .into_iter()
        .filter_map(|r| {
            let arn = r.arn()?.to_owned();
            let version = version_of(&arn)?;
            Some(VersionRef { arn, version })
        })
        .collect())
}

/// An image recipe version's tags and component ARNs.
pub async fn recipe(session: &Session, arn: &str) -> Result<VersionDetail, AwsError> {
    let out = client(session)
        .get_image_recipe()
        .image_recipe_arn(arn)
        .send()
        .await
        .call_on(session, "GetImageRecipe", arn)?;
    let recipe = out.image_recipe().ok_or_else(|| {
        session
            .site()
            .failure("GetImageRecipe", "no recipe in the answer")
            .on(arn)
    })?;
    let components: Vec<&str> = recipe
        .components()
        .iter()
        .map(ComponentConfiguration::component_arn)
        .collect();
    Ok(VersionDetail {
        arn: recipe.arn().unwrap_or(arn).to_owned(),
        tags: to_tags(recipe.tags()),
        content: components.join("\n"),
    })
}

/// Creates an image recipe version; returns its ARN.
pub async fn create_recipe(session: &Session, spec: &RecipeSpec) -> Result<String, AwsError> {
    const OP: &str = "CreateImageRecipe";
    let resource = format!("{}/{}", spec.name, spec.version);
    let mut components = Vec::new();
    for component in &spec.components {
        let mut parameters = Vec::new();
        for (name, value) in &component.parameters {
            parameters.push(
                ComponentParameter::builder()
                    .name(name)
                    .value(value)
                    .build()
                    .map_err(|err| invalid(session, OP, err))?,
            );
        }
        components.push(
            ComponentConfiguration::builder()
                .component_arn(&component.arn)
                .set_parameters((!parameters.is_empty()).then_some(parameters))
                .build()
                .map_err(|err| invalid(session, OP, err))?,
        );
    }
    let mappings: Vec<InstanceBlockDeviceMapping> =
        spec.block_devices.iter().map(block_device).collect();
    let out = client(session)
        .create_image_recipe()
        .name(&spec.name)
        .semantic_version(spec.version.to_string())
        .parent_image(&spec.parent_image)
        .set_components(Some(components))
        .set_block_device_mappings((!mappings.is_empty()).then_some(mappings))
        .set_working_directory(spec.working_directory.clone())
        .set_description(spec.description.clone())
        .set_tags(Some(sdk_tags(&spec.tags)))
        .send()
        .await
        .call_classified(session, OP, &resource, |err| {
            CreateImageRecipeError::is_resource_already_exists_exception(err)
                .then_some(Reason::AlreadyExists)
        })?;
    created(session, OP, &resource, out.image_recipe_arn())
}

fn block_device(spec: &BlockDeviceSpec) -> InstanceBlockDeviceMapping {
    let to_i32 = |value: u32| i32::try_from(value).unwrap_or(i32::MAX);
    InstanceBlockDeviceMapping::builder()
        .device_name(&spec.device)
        .ebs(
            EbsInstanceBlockDeviceSpecification::builder()
                .volume_size(to_i32(spec.size_gib))
                .volume_type(EbsVolumeType::from(spec.volume_type.as_str()))
                .set_iops(spec.iops.map(to_i32))
                .set_throughput(spec.throughput.map(to_i32))
                .set_encrypted(spec.encrypted)
                .delete_on_termination(spec.delete_on_termination)
                .build(),
        )
        .build()
}

/// Every image recipe version this account owns, with tags.
pub async fn recipes(session: &Session) -> Result<Vec<Tagged>, AwsError> {
    let items = client(session)
        .list_image_recipes()
        .owner(Ownership::SelfValue)
        .every(session, "ListImageRecipes")
        .await?;
    Ok(tagged(items))
}

#[cfg(test)]
mod tests {
    use super::version_of;
    use crate::version::Version;

    #[test]
    fn versions_come_from_version_and_build_arns() {
        let base = "arn:aws:imagebuilder:ap-northeast-1:111122223333:image-recipe/sample";
        let version = Version::parse("1.0.2");
        assert_eq!(version_of(&format!("{base}/1.0.2")), version);
        assert_eq!(version_of(&format!("{base}/1.0.2/3")), version);
        assert_eq!(version_of(base), None);
    }
}
