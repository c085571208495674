//! `gold up`: applies the [`Steps`] of the plan to the producer account, independent resources in parallel
//! along the dependency graph:
//!
//! ```text
//! role ─▶ instance profile ─┐
//! security group ───────────┴─▶ infrastructure ─┐
//! components ─▶ recipe ─────────────────────────┼─▶ pipeline
//! distribution ─────────────────────────────────┘
//! ```
//!
//! Every step that the plan found unchanged makes no call. A step that fails stops the
//! run; everything already done stays done and is found unchanged by the next `up`, so a
//! partial run is finished by running `up` again. Creates that meet "already exists" (a retry
//! after a lost answer, or a concurrent run) read the resource back and adopt it only when it
//! carries the manifest's tag (`gold:manifest`): never something someone else made meanwhile.

use futures::future::{try_join, try_join_all, try_join3};

use crate::aws::imagebuilder::{self, RecipeComponent, RecipeSpec};
use crate::aws::{AwsError, Session, iam, security_groups};
use crate::names;
use crate::plan::producer::{
    ConfigStep, GroupStep, ProfileStep, RecipePart, RoleStep, ShareStep, Steps, VersionStep,
};
use crate::plan::{ApplyReporter, Changed, Resource, ResourceKind, track};

/// What `up` created or found, for the summary and for `build`.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Applied {
    /// The pipeline ARN.
    pub pipeline_arn: String,
    /// The recipe version ARN the pipeline builds.
    pub recipe_arn: String,
    /// Resources changed, in the order they finished.
    pub changed: Vec<Changed>,
}

/// One `gold up`: the account, the decided steps, where progress goes, what changed.
struct Provisioning<'a> {
    session: &'a Session,
    survey: &'a Steps,
    progress: &'a dyn ApplyReporter,
    changed: std::sync::Mutex<Vec<Changed>>,
}

impl Provisioning<'_> {
    /// Runs `create`; when AWS answers that the resource already exists (a retry after a lost
    /// answer, or a run racing this one), looks it up (`found`: the resource and its tags) and
    /// adopts it only when it carries this manifest's tag, and for a version (`hash`) the hash of
    /// the content this run meant to create. Anything else is someone else's, and the create's
    /// error stands, saying so. Both futures come boxed: SDK futures are large.
    async fn create_or_adopt<T>(
        &self,
        create: impl std::future::Future<Output = Result<T, AwsError>>,
        found: impl std::future::Future<
            Output = Result<Option<(T, std::collections::BTreeMap<String, String>)>, AwsError>,
        >,
        hash: Option<&str>,
    ) -> Result<T, AwsError> {
        let err = match create.await {
            Err(err) if err.is_already_exists() => err,
            done => return done,
        };
        let manifest = &self.survey.desired.manifest;
        match found.await? {
            Some((resource, tags)) if names::owned_by(&tags, manifest) => {
                match hash {
                    Some(hash) if tags.get(names::HASH_TAG).map(String::as_str) != Some(hash) => {
                        Err(err)
                    }
                    _ => Ok(resource),
                }
            }
            _ => Err(err.with_hint(format!(
                "it exists without the tag `{}={manifest}`: gold adopts only what it created; delete or rename it, then run `gold up` again",
                names::MANIFEST_TAG
            ))),
        }
    }

    /// Runs one resource's work with progress lines around it.
    async fn step<T>(
        &self,
        resource: Resource,
        doing: &str,
        done: String,
        work: impl std::future::Future<Output = Result<T, AwsError>>,
    ) -> Result<T, AwsError> {
        let value = track(self.progress, &resource, doing, &done, Box::pin(work)).await?;
        if let Ok(mut changed) = self.changed.lock() {
            changed.push(Changed { resource, done });
        }
        Ok(value)
    }
}

/// Applies every step.
pub async fn apply(
    session: &Session,
    survey: &Steps,
    progress: &dyn ApplyReporter,
) -> Result<Applied, AwsError> {
    let run = Provisioning {
        session,
        survey,
        progress,
        changed: std::sync::Mutex::new(Vec::new()),
    };
    // SDK futures are large; boxing keeps the composed ones off the stack.
    let profile = async {
        Box::pin(run.role()).await?;
        Box::pin(run.profile()).await
    };
    let build_instance = try_join(profile, Box::pin(run.group()));
    let infrastructure = async {
        let (profile, group) = Box::pin(build_instance).await?;
        Box::pin(run.infrastructure(profile, group)).await
    };
    let recipe = async {
        let components =
            try_join_all((0..survey.components.len()).map(|i| Box::pin(run.component(i)))).await?;
        Box::pin(run.recipe(&components)).await
    };
    let (infrastructure_arn, recipe_arn, distribution_arn) =
        Box::pin(try_join3(infrastructure, recipe, run.distribution())).await?;
    let pipeline_arn =
        Box::pin(run.pipeline(&recipe_arn, &infrastructure_arn, &distribution_arn)).await?;
    Box::pin(run.share()).await?;
    Ok(Applied {
        pipeline_arn,
        recipe_arn,
        changed: run.changed.into_inner().unwrap_or_default(),
    })
}

impl Provisioning<'_> {
    /// The RAM share, last: it holds the builds of components this run may have created.
    async fn share(&self) -> Result<(), AwsError> {
        let Some((desired, step)) = &self.survey.share else {
            return Ok(());
        };
        let new_components = self
            .survey
            .components
            .iter()
            .any(|c| matches!(c, VersionStep::Create { .. }));
        if matches!(step, ShareStep::Keep { .. }) && !new_components {
            return Ok(());
        }
        let changed = Box::pin(super::share::apply(
            self.session,
            desired,
            &self.survey.desired.manifest,
            self.progress,
        ))
        .await?;
        if let (Some(changed), Ok(mut all)) = (changed, self.changed.lock()) {
            all.push(changed);
        }
        Ok(())
    }

    async fn role(&self) -> Result<(), AwsError> {
        let Some(role) = &self.survey.desired.role else {
            return Ok(());
        };
        let resource = self.survey.resource_of(ResourceKind::Role);
        match &self.survey.role {
            RoleStep::Keep | RoleStep::Unmanaged => Ok(()),
            RoleStep::Create => {
                self.step(resource, "creating", "created".to_owned(), async {
                    self.create_or_adopt(
                        Box::pin(iam::create_role(
                            self.session,
                            &role.name,
                            "EC2 Image Builder build instances (created by gold)",
                            &role.tags,
                        )),
                        Box::pin(async {
                            let found = iam::find_role(self.session, &role.name).await?;
                            Ok(found.map(|role| ((), role.tags)))
                        }),
                        None,
                    )
                    .await?;
                    for policy in &role.policy_arns {
                        iam::attach_policy(self.session, &role.name, policy).await?;
                    }
                    Ok(())
                })
                .await
            }
            RoleStep::Attach(missing) => {
                self.step(
                    resource,
                    "attaching policies to",
                    "attached policies to".to_owned(),
                    async {
                        for policy in missing {
                            iam::attach_policy(self.session, &role.name, policy).await?;
                        }
                        Ok(())
                    },
                )
                .await
            }
        }
    }

    async fn profile(&self) -> Result<String, AwsError> {
        let name = self.survey.desired.instance_profile.clone();
        let Some(role) = &self.survey.desired.role else {
            return Ok(name);
        };
        let resource = self.survey.resource_of(ResourceKind::InstanceProfile);
        let profile = name.as_str();
        let add_role = async {
            let added = iam::add_role_to_instance_profile(self.session, profile, &role.name).await;
            match added {
                // A retried add meets the quota of one role per profile: check it is ours.
                Err(err) if err.is_limit_exceeded() => {
                    let live = iam::find_instance_profile(self.session, profile).await?;
                    if live.is_some_and(|p| p.roles.contains(&role.name)) {
                        Ok(())
                    } else {
                        Err(err)
                    }
                }
                other => other,
            }
        };
        match &self.survey.profile {
            ProfileStep::Keep | ProfileStep::Unmanaged => {}
            ProfileStep::Create => {
                self.step(resource, "creating", "created".to_owned(), async {
                    self.create_or_adopt(
                        Box::pin(iam::create_instance_profile(
                            self.session,
                            profile,
                            &role.tags,
                        )),
                        Box::pin(async {
                            let found = iam::find_instance_profile(self.session, profile).await?;
                            Ok(found.map(|profile| ((), profile.tags)))
                        }),
                        None,
                    )
                    .await?;
                    add_role.await
                })
                .await?;
            }
            ProfileStep::AddRole => {
                self.step(
                    resource,
                    "adding the role to",
                    "added the role to".to_owned(),
                    add_role,
                )
                .await?;
            }
        }
        Ok(name.clone())
    }

    async fn group(&self) -> Result<Option<String>, AwsError> {
        let Some(group) = &self.survey.desired.security_group else {
            return Ok(None);
        };
        let resource = self.survey.resource_of(ResourceKind::SecurityGroup);
        match &self.survey.group {
            GroupStep::Unmanaged => Ok(None),
            GroupStep::Keep(id) => Ok(Some(id.clone())),
            GroupStep::RevokeIngress { id, .. } => {
                self.step(
                    resource,
                    "removing inbound rules of",
                    "removed inbound rules of".to_owned(),
                    async { security_groups::revoke_ingress(self.session, id).await },
                )
                .await?;
                Ok(Some(id.clone()))
            }
            GroupStep::Create { vpc_id } => {
                let description = format!(
                    "EC2 Image Builder build instances of {}: outbound only (created by gold)",
                    self.survey.desired.manifest
                );
                let id = self
                    .step(
                        resource,
                        "creating",
                        "created".to_owned(),
                        self.create_or_adopt(
                            Box::pin(security_groups::create(
                                self.session,
                                vpc_id,
                                &group.name,
                                &description,
                                &group.tags,
                            )),
                            Box::pin(async {
                                let found =
                                    security_groups::find(self.session, vpc_id, &group.name)
                                        .await?;
                                Ok(found.map(|g| (g.id, g.tags)))
                            }),
                            None,
                        ),
                    )
                    .await?;
                Ok(Some(id))
            }
        }
    }

    async fn component(&self, index: usize) -> Result<(String, String), AwsError> {
        let desired = &self.survey.desired.components[index];
        match &self.survey.components[index] {
            VersionStep::Keep(live) => Ok((desired.key.clone(), live.arn.clone())),
            VersionStep::Create { version, from, .. } => {
                let mut spec = desired.spec.clone();
                spec.version.clone_from(version);
                spec.tags
                    .insert(names::HASH_TAG.to_owned(), desired.hash.clone());
                let (doing, done) = if from.is_some() {
                    ("creating a new version of", format!("created {version} of"))
                } else {
                    ("creating", format!("created {version} of"))
                };
                let arn = self
                    .step(self.survey.component_resource(index), doing, done, async {
                        imagebuilder::create_component(self.session, &spec).await
                    })
                    .await?;
                Ok((desired.key.clone(), version_arn(&arn)))
            }
        }
    }

    async fn recipe(&self, components: &[(String, String)]) -> Result<String, AwsError> {
        let desired = &self.survey.desired.recipe;
        let VersionStep::Create { version, from, .. } = &self.survey.recipe else {
            return Ok(self.survey.desired.pipeline.recipe_arn.clone());
        };
        let parts = desired
            .components
            .iter()
            .map(|part| match part {
                RecipePart::Local { key, parameters } => RecipeComponent {
                    arn: components
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, arn)| arn.clone())
                        .unwrap_or_default(),
                    parameters: parameters.clone(),
                },
                RecipePart::External { arn, parameters } => RecipeComponent {
                    arn: arn.clone(),
                    parameters: parameters.clone(),
                },
            })
            .collect();
        let mut tags = desired.tags.clone();
        tags.insert(names::HASH_TAG.to_owned(), desired.hash.clone());
        let spec = RecipeSpec {
            name: desired.name.clone(),
            version: *version,
            parent_image: desired.parent_image.clone(),
            components: parts,
            block_devices: desired.block_devices.clone(),
            working_directory: desired.working_directory.clone(),
            description: desired.description.clone(),
            tags,
        };
        let doing = if from.is_some() {
            "creating a new version of"
        } else {
            "creating"
        };
        self.step(
            self.survey.resource_of(ResourceKind::ImageRecipe),
            doing,
            format!("created {version} of"),
            self.create_or_adopt(
                Box::pin(imagebuilder::create_recipe(self.session, &spec)),
                Box::pin(async {
                    let arn = &self.survey.desired.pipeline.recipe_arn;
                    let live = imagebuilder::recipe(self.session, arn).await?;
                    Ok(Some((live.arn, live.tags)))
                }),
                Some(&desired.hash),
            ),
        )
        .await
    }

    async fn infrastructure(
        &self,
        profile: String,
        group: Option<String>,
    ) -> Result<String, AwsError> {
        let mut spec = self.survey.desired.infrastructure.clone();
        spec.instance_profile = profile;
        if let Some(group) = group {
            spec.security_group_ids = vec![group];
        }
        let resource = self
            .survey
            .resource_of(ResourceKind::InfrastructureConfiguration);
        let spec = &spec;
        self.config(
            &self.survey.infrastructure,
            resource,
            self.create_or_adopt(
                Box::pin(self.through_iam(&spec.instance_profile, || {
                    imagebuilder::create_infrastructure(self.session, spec)
                })),
                Box::pin(async {
                    let found = imagebuilder::find_infrastructure(self.session, &spec.name).await?;
                    Ok(found.map(|found| (found.arn, found.spec.tags)))
                }),
                None,
            ),
            |arn| async move {
                self.through_iam(&spec.instance_profile, || {
                    imagebuilder::update_infrastructure(self.session, &arn, spec)
                })
                .await
            },
        )
        .await
    }

    /// Runs an Image Builder call that names the instance profile: when this run created the
    /// build role or profile (or put the role in it), IAM may not have propagated it to Image
    /// Builder yet, and the call is tried again within the propagation bound. Otherwise an
    /// unknown profile is the user's to fix, and fails at once.
    async fn through_iam<T, F, Fut>(&self, profile: &str, attempt: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, AwsError>>,
    {
        let changed = matches!(self.survey.role, RoleStep::Create)
            || matches!(
                self.survey.profile,
                ProfileStep::Create | ProfileStep::AddRole
            );
        let mut attempt = attempt;
        if !changed {
            return attempt().await.map_err(|err| {
                if err.is_not_visible_yet() {
                    err.with_hint(format!(
                        "Image Builder cannot find instance profile `{profile}` in account {}: check its name in `infrastructure.instance_profile` (`aws iam get-instance-profile --instance-profile-name {profile}`)",
                        self.session.account()
                    ))
                } else {
                    err
                }
            });
        }
        let what = format!("instance profile {profile} is not visible to Image Builder yet");
        self.session.waits().through("IAM", &what, attempt).await
    }

    async fn distribution(&self) -> Result<String, AwsError> {
        let spec = &self.survey.desired.distribution;
        let resource = self
            .survey
            .resource_of(ResourceKind::DistributionConfiguration);
        self.config(
            &self.survey.distribution,
            resource,
            self.create_or_adopt(
                Box::pin(imagebuilder::create_distribution(self.session, spec)),
                Box::pin(async {
                    let found = imagebuilder::find_distribution(self.session, &spec.name).await?;
                    Ok(found.map(|found| (found.arn, found.spec.tags)))
                }),
                None,
            ),
            |arn| async move { imagebuilder::update_distribution(self.session, &arn, spec).await },
        )
        .await
    }

    async fn pipeline(
        &self,
        recipe: &str,
        infrastructure: &str,
        distribution: &str,
    ) -> Result<String, AwsError> {
        let mut spec = self.survey.desired.pipeline.clone();
        recipe.clone_into(&mut spec.recipe_arn);
        infrastructure.clone_into(&mut spec.infrastructure_arn);
        distribution.clone_into(&mut spec.distribution_arn);
        let resource = self.survey.resource_of(ResourceKind::ImagePipeline);
        self.config(
            &self.survey.pipeline,
            resource,
            self.create_or_adopt(
                Box::pin(imagebuilder::create_pipeline(self.session, &spec)),
                Box::pin(async {
                    let found = imagebuilder::find_pipeline(self.session, &spec.name).await?;
                    Ok(found.map(|found| (found.arn, found.spec.tags)))
                }),
                None,
            ),
            |arn| {
                let spec = spec.clone();
                async move { imagebuilder::update_pipeline(self.session, &arn, &spec).await }
            },
        )
        .await
    }

    /// Create, update in place (settings, then missing tags), or keep a configuration.
    async fn config<C, U, UF>(
        &self,
        step: &ConfigStep,
        resource: Resource,
        create: C,
        update: U,
    ) -> Result<String, AwsError>
    where
        C: std::future::Future<Output = Result<String, AwsError>>,
        U: FnOnce(String) -> UF,
        UF: std::future::Future<Output = Result<(), AwsError>>,
    {
        let create = Box::pin(create);
        match step {
            ConfigStep::Keep { arn } => Ok(arn.clone()),
            ConfigStep::Create => {
                self.step(resource, "creating", "created".to_owned(), create)
                    .await
            }
            ConfigStep::Update {
                arn,
                fields,
                settings,
                tags,
            } => {
                let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                let done = format!("updated {} of", names.join(", "));
                self.step(resource, "updating", done, async {
                    if *settings {
                        update(arn.clone()).await?;
                    }
                    if !tags.is_empty() {
                        imagebuilder::tag(self.session, arn, tags).await?;
                    }
                    Ok(arn.clone())
                })
                .await
            }
        }
    }
}

/// A component build version ARN (`…/1.0.1/1`) as the version ARN (`…/1.0.1`) recipes use,
/// so a recipe follows the version, not one build of it.
fn version_arn(arn: &str) -> String {
    let mut parts: Vec<&str> = arn.split('/').collect();
    if parts.len() == 4 && parts[3].chars().all(|c| c.is_ascii_digit()) {
        parts.pop();
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::version_arn;

    #[test]
    fn build_version_arns_lose_the_build_number() {
        let version =
            "arn:aws:imagebuilder:ap-northeast-1:111122223333:component/sample-build/1.0.1";
        assert_eq!(version_arn(&format!("{version}/1")), version);
        assert_eq!(version_arn(version), version);
    }
}
