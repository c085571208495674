//! Carries out one target's [`Step`]: a new default version with the new image (or an earlier
//! version made the default again, or a new template; for an SSM parameter, a new parameter
//! version, see [`super::parameters`]), then the instance refresh of each listed group. The wave engine ([`super::waves`]) calls it for each target in turn.
//!
//! AWS facts relied on (EC2 API reference, `CreateLaunchTemplateVersion`,
//! `ModifyLaunchTemplate`): a version made with `SourceVersion` inherits every setting of that
//! version and overrides only what is given, so sending just `ImageId` keeps the rest; a new
//! version never becomes the default by itself.

use super::parameters;
use super::refresh;
use super::targets::Object;
use super::templates;
use super::waves::{Event, Outcome, Reporter};
use super::{Target, describe_version};
use crate::Error;
use crate::aws::autoscaling::Group;
use crate::aws::images::Image;
use crate::aws::launch_templates::{self, LiveTemplate, TemplateVersion};
use crate::aws::{Session, Sessions};
use crate::manifest::Manifest;
use crate::plan::TargetId;
use crate::plan::consumer::{Follower, Step, image_ref, show_image};

/// What applying steps needs: the manifest (names and tags), credentials and a reporter.
#[derive(Clone, Copy)]
pub struct Apply<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Credentials per account.
    pub sessions: &'a Sessions,
    /// Where progress goes.
    pub reporter: &'a dyn Reporter,
}

impl Apply<'_> {
    /// Applies one target's step and says how it ended.
    pub async fn run(self, id: TargetId, target: Target, step: Step) -> Outcome {
        let result = async {
            let session = self
                .sessions
                .session(&target.account, &target.access, &target.region)
                .await?;
            let run = Run {
                apply: self,
                session: &session,
                target: &target,
                id: &id,
            };
            Box::pin(run.step(step)).await
        }
        .await;
        match result {
            Ok(detail) => Outcome::Done { detail },
            Err(err) => Outcome::failed(&err),
        }
    }
}

/// One target being applied.
struct Run<'a> {
    apply: Apply<'a>,
    session: &'a Session,
    target: &'a Target,
    id: &'a TargetId,
}

impl Run<'_> {
    async fn step(&self, step: Step) -> Result<String, Error> {
        match step {
            Step::Unchanged => Ok("unchanged".to_owned()),
            Step::NothingBuilt { reason, .. } => Err(Error::failed(reason, None)),
            Step::Create { to, .. } => self.create(&to).await,
            Step::Move {
                template,
                to,
                groups,
                ..
            } => self.move_image(&template, &to, &groups).await,
            Step::Refresh {
                template, groups, ..
            } => {
                let groups: Vec<Group> = groups.into_iter().map(|(group, _)| group).collect();
                self.refresh(
                    &template.default.template_id,
                    &groups,
                    template.default.number,
                    template.latest,
                )
                .await?;
                Ok(format!(
                    "default version {} kept{}",
                    template.default.number,
                    refreshed(&groups)
                ))
            }
            Step::Restore {
                template,
                to,
                groups,
                ..
            } => self.restore(&template, &to, &groups).await,
            Step::MoveParameter {
                name,
                version,
                to,
                follower,
                ..
            } => {
                let new = parameters::move_to(
                    self.session,
                    self.apply.manifest,
                    self.id,
                    self.apply.reporter,
                    &name,
                    Some(version),
                    &to,
                )
                .await?;
                let groups = self.follow(follower).await?;
                Ok(format!(
                    "parameter {name} version {version} -> {new}, {}{}",
                    show_image(&image_ref(&to)),
                    refreshed(&groups)
                ))
            }
            Step::RestoreParameter {
                name,
                version,
                to,
                image,
                follower,
                ..
            } => {
                let new = parameters::restore(
                    self.session,
                    self.apply.manifest,
                    self.id,
                    self.apply.reporter,
                    &name,
                    &to,
                    image.as_ref(),
                )
                .await?;
                let groups = self.follow(follower).await?;
                Ok(format!(
                    "parameter {name} version {version} -> {new}, the value of version {}{}",
                    to.version,
                    refreshed(&groups)
                ))
            }
        }
    }

    /// The groups of a template that resolves a parameter, refreshed once the parameter moved.
    async fn follow(&self, follower: Option<Follower>) -> Result<Vec<Group>, Error> {
        let Some(Follower { template, groups }) = follower else {
            return Ok(Vec::new());
        };
        self.refresh_groups(
            &template.default.template_id,
            &groups,
            (template.default.number, template.latest),
            true,
        )
        .await?;
        Ok(groups)
    }

    fn default_version_set(&self, version: i64, image: &str) {
        self.apply.reporter.event(&Event::DefaultVersionSet {
            target: self.id,
            version,
            image,
        });
    }

    /// A template the manifest marks `create`, made with the chosen image as its first version;
    /// or a parameter created holding the chosen image.
    async fn create(&self, to: &Image) -> Result<String, Error> {
        let template = match &self.target.object {
            Object::LaunchTemplate(template) => template,
            Object::Parameter(parameter) => {
                let version = parameters::move_to(
                    self.session,
                    self.apply.manifest,
                    self.id,
                    self.apply.reporter,
                    &parameter.name,
                    None,
                    to,
                )
                .await?;
                return Ok(format!(
                    "created {} (version {version}) on {}",
                    parameter.name,
                    show_image(&image_ref(to))
                ));
            }
        };
        let (Some(spec), Some(name)) = (&template.create, template.name.as_deref()) else {
            return Err(Error::failed("the launch template does not exist", None));
        };
        let created = templates::create(self.apply.manifest, self.session, name, spec, to).await?;
        self.default_version_set(created.number, &to.id);
        Ok(format!(
            "created {name} ({}) on {}",
            created.template_id,
            show_image(&image_ref(to))
        ))
    }

    /// A new version from the default with only the image changed, made the default, then refreshes.
    async fn move_image(
        &self,
        template: &LiveTemplate,
        to: &Image,
        groups: &[Group],
    ) -> Result<String, Error> {
        let previous = template.default.number;
        let id = &template.default.template_id;
        let version = launch_templates::create_version(
            self.session,
            id,
            previous,
            &to.id,
            &describe_version(to, Some(previous)),
        )
        .await?;
        launch_templates::set_default(self.session, id, version.number).await?;
        self.default_version_set(version.number, &to.id);
        // The new version is the newest, so `$Latest` groups follow it like `$Default` ones.
        self.refresh(id, groups, version.number, version.number)
            .await?;
        Ok(format!(
            "default version {previous} -> {}, {}{}",
            version.number,
            show_image(&image_ref(to)),
            refreshed(groups)
        ))
    }

    /// An earlier version made the default again, then refreshes.
    async fn restore(
        &self,
        template: &LiveTemplate,
        to: &TemplateVersion,
        groups: &[Group],
    ) -> Result<String, Error> {
        let id = &template.default.template_id;
        launch_templates::set_default(self.session, id, to.number).await?;
        self.default_version_set(to.number, to.image_id.as_deref().unwrap_or_default());
        self.refresh(id, groups, to.number, template.latest).await?;
        Ok(format!(
            "default version {} -> {}{}",
            template.default.number,
            to.number,
            refreshed(groups)
        ))
    }

    async fn refresh(
        &self,
        template_id: &str,
        groups: &[Group],
        target_version: i64,
        latest_version: i64,
    ) -> Result<(), Error> {
        self.refresh_groups(template_id, groups, (target_version, latest_version), false)
            .await
    }

    async fn refresh_groups(
        &self,
        template_id: &str,
        groups: &[Group],
        (target_version, latest_version): (i64, i64),
        replace_all: bool,
    ) -> Result<(), Error> {
        refresh::refresh_groups(
            &refresh::Refreshing {
                session: self.session,
                target: self.target,
                id: self.id,
                reporter: self.apply.reporter,
                replace_all,
            },
            template_id,
            groups,
            target_version,
            latest_version,
        )
        .await
    }
}

fn refreshed(groups: &[Group]) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let names: Vec<String> = groups.iter().map(|g| format!("`{}`", g.name)).collect();
    format!(", refreshed {}", names.join(", "))
}
