//! `gold destroy`: finds every producer resource tagged `gold:manifest=<name>` and deletes it
//! in dependency order (Image Builder refuses to delete what something still uses:
//! `ResourceDependencyException`):
//!
//! 1. the AWS RAM resource share of `[sharing]`, then image pipelines (and, with `--images`,
//!    images, AMIs and their snapshots);
//! 2. image recipes, infrastructure and distribution configurations;
//! 3. components, the security group, the instance profile;
//! 4. the IAM role.
//!
//! Resources are found by tag, not by the manifest's current settings, so components or
//! groups a changed manifest no longer mentions are removed too. Untagged resources are never
//! touched, whatever their names. A resource already gone counts as deleted, so a partial
//! destroy is finished by running it again.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::{try_join, try_join_all, try_join3, try_join4};

use crate::aws::iam::{InstanceProfile, Role};
use crate::aws::imagebuilder::{self, Kind, Tagged};
use crate::aws::ram::{self, Share};
use crate::aws::security_groups::SecurityGroup;
use crate::aws::{AwsError, Session, iam, security_groups};
use crate::manifest::Loaded;
use crate::names;
use crate::plan::{Action, ApplyReporter, Change, Plan, Resource, ResourceKind, track};

/// Everything `destroy` would delete.
#[derive(Debug, Clone, Default)]
pub struct Doomed {
    pipelines: Vec<Tagged>,
    recipes: Vec<Tagged>,
    infrastructures: Vec<Tagged>,
    distributions: Vec<Tagged>,
    components: Vec<Tagged>,
    groups: Vec<SecurityGroup>,
    profile: Option<InstanceProfile>,
    role: Option<Role>,
    images: Vec<Tagged>,
    amis: Vec<(String, String)>,
    /// The share's name and the share.
    share: Option<(String, Share)>,
    /// The manifest's name, which its AMIs' snapshots are tagged with before they go.
    manifest: String,
}

impl Doomed {
    /// The AMIs it deletes (with `--images`), by region.
    pub fn amis_by_region(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        let mut found: std::collections::BTreeMap<String, Vec<String>> =
            std::collections::BTreeMap::new();
        for (region, ami) in &self.amis {
            found.entry(region.clone()).or_default().push(ami.clone());
        }
        found
    }
}

fn owned(items: Vec<Tagged>, manifest: &str) -> Vec<Tagged> {
    items
        .into_iter()
        .filter(|t| names::owned_by(&t.tags, manifest))
        .collect()
}

/// Finds what `destroy` would delete; `images` adds Image Builder images, AMIs and snapshots.
pub async fn survey(loaded: &Loaded, session: &Session, images: bool) -> Result<Doomed, AwsError> {
    let m = &loaded.manifest;
    let manifest = m.name.as_str();
    let image_builder = try_join4(
        try_join(
            imagebuilder::pipelines(session),
            imagebuilder::recipes(session),
        ),
        try_join(
            imagebuilder::infrastructures(session),
            imagebuilder::distributions_tagged(session),
        ),
        imagebuilder::components(session),
        security_groups::tagged(session, names::MANIFEST_TAG, manifest),
    );
    let (role_name, profile_name) = (names::role(manifest), names::instance_profile(manifest));
    let iam = try_join(
        iam::find_role(session, &role_name),
        iam::find_instance_profile(session, &profile_name),
    );
    let built = built(session, loaded, images);
    let (
        (
            ((pipelines, recipes), (infrastructures, distributions), components, groups),
            (role, profile),
        ),
        (images, amis),
    ) = try_join(try_join(Box::pin(image_builder), iam), Box::pin(built)).await?;
    // Only a manifest with `[sharing]` made a share, so only its destroy asks RAM.
    let share = match &m.sharing {
        Some(_) => ram::find_share(session, manifest)
            .await?
            .filter(|s| names::owned_by(&s.tags, manifest))
            .map(|s| (manifest.to_owned(), s)),
        None => None,
    };
    Ok(Doomed {
        manifest: manifest.to_owned(),
        share,
        pipelines: owned(pipelines, manifest),
        recipes: owned(recipes, manifest),
        infrastructures: owned(infrastructures, manifest),
        distributions: owned(distributions, manifest),
        components: owned(components, manifest),
        groups,
        profile: profile.filter(|p| names::owned_by(&p.tags, manifest)),
        role: role.filter(|r| names::owned_by(&r.tags, manifest)),
        images,
        amis,
    })
}

/// With `images`, the Image Builder images this manifest's pipeline built and every AMI they
/// made or that carries the manifest's tag, by region; nothing without.
async fn built(
    session: &Session,
    loaded: &Loaded,
    images: bool,
) -> Result<(Vec<Tagged>, Vec<(String, String)>), AwsError> {
    if !images {
        return Ok((Vec::new(), Vec::new()));
    }
    let manifest = loaded.manifest.name.as_str();
    let built = imagebuilder::images(session).await?;
    let tagged = try_join_all(loaded.manifest.distribution.regions.iter().map(
        |region| async move {
            let here = session.in_region(region);
            let amis = imagebuilder::tagged_amis(&here, names::MANIFEST_TAG, manifest).await?;
            Ok::<_, AwsError>(
                amis.into_iter()
                    .map(|ami| (region.clone(), ami))
                    .collect::<Vec<_>>(),
            )
        },
    ))
    .await?;
    let built: Vec<_> = built
        .into_iter()
        .filter(|b| names::owned_by(&b.tags, manifest))
        .collect();
    let amis: BTreeSet<(String, String)> = built
        .iter()
        .flat_map(|b| b.amis.iter().cloned())
        .chain(tagged.into_iter().flatten())
        .collect();
    let images = built
        .into_iter()
        .map(|b| Tagged {
            name: b.arn.rsplit(':').next().unwrap_or_default().to_owned(),
            arn: b.arn,
            tags: b.tags,
        })
        .collect();
    Ok((images, amis.into_iter().collect()))
}

impl Doomed {
    fn resource(session: &Session, kind: ResourceKind, name: &str) -> Resource {
        let global = matches!(kind, ResourceKind::Role | ResourceKind::InstanceProfile);
        Resource {
            kind,
            name: name.to_owned(),
            account: session.account().to_owned(),
            region: if global {
                "global".to_owned()
            } else {
                session.region().to_owned()
            },
        }
    }

    fn tagged_resource(session: &Session, kind: ResourceKind, item: &Tagged) -> Resource {
        // Versioned resources are told apart by the version (and build) in their ARN.
        let name = match kind {
            ResourceKind::Component | ResourceKind::ImageRecipe => {
                let path = item.arn.rsplit(':').next().unwrap_or(&item.arn);
                path.split_once('/')
                    .map_or(path, |(_, rest)| rest)
                    .to_owned()
            }
            _ => item.name.clone(),
        };
        Self::resource(session, kind, &name)
    }

    /// An AMI in its region.
    fn ami_resource(session: &Session, region: &str, ami: &str) -> Resource {
        let mut resource = Self::resource(session, ResourceKind::Image, ami);
        region.clone_into(&mut resource.region);
        resource
    }

    fn group_resource(session: &Session, group: &SecurityGroup) -> Resource {
        let name = format!("{} ({})", group.name, group.id);
        Self::resource(session, ResourceKind::SecurityGroup, &name)
    }

    /// The AWS RAM resource share, named like the manifest.
    fn share_resource(&self, session: &Session) -> Resource {
        let name = self.share.as_ref().map_or("", |(name, _)| name.as_str());
        Self::resource(session, ResourceKind::ResourceShare, name)
    }

    /// The deletions as a plan, in the order they happen.
    pub fn plan(&self, session: &Session) -> Plan {
        let mut plan = Plan::default();
        let mut delete = |resource: Resource| {
            plan.changes.push(Change {
                resource,
                action: Action::Delete,
            });
        };
        if self.share.is_some() {
            delete(self.share_resource(session));
        }
        for image in &self.images {
            delete(Self::tagged_resource(session, ResourceKind::Image, image));
        }
        for (region, ami) in &self.amis {
            delete(Self::ami_resource(session, region, ami));
        }
        for (kind, items) in [
            (ResourceKind::ImagePipeline, &self.pipelines),
            (ResourceKind::ImageRecipe, &self.recipes),
            (
                ResourceKind::InfrastructureConfiguration,
                &self.infrastructures,
            ),
            (ResourceKind::DistributionConfiguration, &self.distributions),
            (ResourceKind::Component, &self.components),
        ] {
            for item in items {
                delete(Self::tagged_resource(session, kind, item));
            }
        }
        for group in &self.groups {
            delete(Self::group_resource(session, group));
        }
        if let Some(profile) = &self.profile {
            delete(Self::resource(
                session,
                ResourceKind::InstanceProfile,
                &profile.name,
            ));
        }
        if let Some(role) = &self.role {
            delete(Self::resource(session, ResourceKind::Role, &role.name));
        }
        plan
    }

    /// Deletes everything, layer by layer.
    pub async fn apply(
        &self,
        session: &Session,
        progress: &dyn ApplyReporter,
    ) -> Result<usize, AwsError> {
        let deleted = AtomicUsize::new(0);
        let run = Deletion {
            session,
            progress,
            deleted: &deleted,
        };
        // The share goes first: other accounts stop using the images before they disappear.
        if let Some((_, share)) = &self.share {
            run.step(
                self.share_resource(session),
                ram::delete_share(session, &share.arn),
            )
            .await?;
        }
        self.delete_pipelines_and_images(&run).await?;
        try_join3(
            run.tagged(ResourceKind::ImageRecipe, Kind::Recipe, &self.recipes),
            run.tagged(
                ResourceKind::InfrastructureConfiguration,
                Kind::Infrastructure,
                &self.infrastructures,
            ),
            run.tagged(
                ResourceKind::DistributionConfiguration,
                Kind::Distribution,
                &self.distributions,
            ),
        )
        .await?;
        self.delete_components_groups_and_profile(&run).await?;
        if let Some(role) = &self.role {
            run.step(
                Self::resource(session, ResourceKind::Role, &role.name),
                iam::delete_role(session, role),
            )
            .await?;
        }
        Ok(deleted.into_inner())
    }

    /// The first layer after the share: pipelines, and with `--images` the images and AMIs.
    async fn delete_pipelines_and_images(&self, run: &Deletion<'_>) -> Result<(), AwsError> {
        let session = run.session;
        let amis = try_join_all(self.amis.iter().map(|(region, ami)| {
            let here = session.in_region(region);
            let tag = (names::MANIFEST_TAG, self.manifest.as_str());
            run.step(Self::ami_resource(session, region, ami), async move {
                imagebuilder::delete_ami(&here, ami, tag).await
            })
        }));
        try_join3(
            run.tagged(ResourceKind::ImagePipeline, Kind::Pipeline, &self.pipelines),
            run.tagged(ResourceKind::Image, Kind::Image, &self.images),
            amis,
        )
        .await
        .map(drop)
    }

    /// The layer before the role: components, security groups, the instance profile.
    async fn delete_components_groups_and_profile(
        &self,
        run: &Deletion<'_>,
    ) -> Result<(), AwsError> {
        let session = run.session;
        let groups = try_join_all(self.groups.iter().map(|group| {
            run.step(
                Self::group_resource(session, group),
                security_groups::delete(session, &group.id),
            )
        }));
        let profile = async {
            match &self.profile {
                Some(profile) => {
                    run.step(
                        Self::resource(session, ResourceKind::InstanceProfile, &profile.name),
                        iam::delete_instance_profile(session, profile),
                    )
                    .await
                }
                None => Ok(()),
            }
        };
        try_join3(
            run.tagged(ResourceKind::Component, Kind::Component, &self.components),
            groups,
            profile,
        )
        .await
        .map(drop)
    }
}

/// One destroy run: where, how progress is shown, how many resources are gone.
struct Deletion<'a> {
    session: &'a Session,
    progress: &'a dyn ApplyReporter,
    deleted: &'a AtomicUsize,
}

impl Deletion<'_> {
    async fn step(
        &self,
        resource: Resource,
        work: impl std::future::Future<Output = Result<(), AwsError>>,
    ) -> Result<(), AwsError> {
        track(self.progress, &resource, "deleting", "deleted", work).await?;
        self.deleted.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    async fn tagged(
        &self,
        kind: ResourceKind,
        api: Kind,
        items: &[Tagged],
    ) -> Result<(), AwsError> {
        try_join_all(items.iter().map(|item| {
            self.step(
                Doomed::tagged_resource(self.session, kind, item),
                imagebuilder::delete(self.session, api, &item.arn),
            )
        }))
        .await
        .map(drop)
    }
}
