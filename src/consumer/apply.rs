//! Carries out one target's [`Step`]: a new default version with the new image (or an earlier
//! version made the default again, or a new template; for an SSM parameter, a new parameter
//! version, see [`super::parameters`]), then the instance refresh of each listed group. The
//! wave engine ([`super::waves`]) calls it for each target in turn. Before a step that refreshes
//! groups moves anything, the account gets its grant on the key that encrypts the AMI
//! ([`super::grants`]).
//!
//! Ctrl-C ([`Interrupt`]) lets the step in progress finish and starts no other; the outcome
//! says what was done and what a re-run still does. A refresh that fails after the template
//! moved (forward in a rollout, back in a rollback) sends the template's default back to the
//! version it replaced.
//!
//! AWS facts relied on (EC2 API reference, `CreateLaunchTemplateVersion`,
//! `ModifyLaunchTemplate`): a version made with `SourceVersion` inherits every setting of that
//! version and overrides only what is given, so sending just `ImageId` keeps the rest; a new
//! version never becomes the default by itself.

use std::fmt::Write as _;

use super::grants;
use super::interrupt::Interrupt;
use super::parameters;
use super::refresh::{self, RefreshError, Watched};
use super::targets::Object;
use super::templates;
use super::waves::{Outcome, Reporter, WaveEvent};
use super::{Target, describe_version};
use crate::Error;
use crate::aws::autoscaling::Group;
use crate::aws::images::Image;
use crate::aws::launch_templates::{self, LiveTemplate, TemplateVersion};
use crate::aws::parameters::ParameterVersion;
use crate::aws::{Session, Sessions};
use crate::manifest::{Manifest, RefreshPreferences};
use crate::plan::consumer::{Follower, Step, image_ref, show_image};
use crate::plan::{ImageRef, TargetId};

/// What applying steps needs: the manifest (names and tags), credentials, a reporter and the
/// Ctrl-C flag.
#[derive(Clone, Copy)]
pub struct Apply<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// Credentials per account.
    pub sessions: &'a Sessions,
    /// Where progress goes.
    pub reporter: &'a dyn Reporter,
    /// Ctrl-C: finish the current step, start no other.
    pub interrupt: &'a Interrupt,
}

impl Apply<'_> {
    /// Applies one target's step and says how it ended.
    pub async fn run(self, id: TargetId, target: Target, step: Step) -> Outcome {
        let result = async {
            let session = self
                .sessions
                .session(&target.account, &target.access, &target.region)
                .await?;
            if grants::refreshes(&target, &step) {
                grants::ensure(self.manifest, self.sessions, &target).await?;
            }
            let run = Applying {
                apply: self,
                session: &session,
                target: &target,
                id: &id,
            };
            Box::pin(run.step(step)).await
        }
        .await;
        match result {
            Ok(Ended::Done(detail)) => Outcome::Done { detail },
            Ok(Ended::Interrupted { done, left }) => Outcome::Interrupted { done, left },
            Err(err) => Outcome::failed(&err),
        }
    }
}

/// How a step ended, when it did not fail.
enum Ended {
    /// Every part of it, described.
    Done(String),
    /// Ctrl-C stopped it between two parts.
    Interrupted {
        /// What was done.
        done: String,
        /// What is left for a re-run.
        left: String,
    },
}

/// One target being applied.
struct Applying<'a> {
    apply: Apply<'a>,
    session: &'a Session,
    target: &'a Target,
    id: &'a TargetId,
}

impl Applying<'_> {
    async fn step(&self, step: Step) -> Result<Ended, Error> {
        match step {
            Step::Unchanged => Ok(Ended::Done("unchanged".to_owned())),
            // The wave engine never runs these: they have nothing to do.
            Step::NothingBuilt { reason, .. } | Step::Skipped { reason } => {
                Err(Error::failed(reason, None))
            }
            Step::Create { to, .. } => self.create(&to).await.map(Ended::Done),
            Step::Move {
                template,
                to,
                groups,
                ..
            } => self.move_image(&template, &to, &groups).await,
            Step::Resume {
                template,
                to,
                image,
                groups,
                ..
            } => self.resume(&template, &to, &image, groups).await,
            Step::Refresh {
                template, groups, ..
            } => {
                let groups: Vec<Group> = groups.into_iter().map(|(group, _)| group).collect();
                self.refresh_in_place(&template, &groups).await
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
                data_type,
                to,
                follower,
                ..
            } => {
                let write = self.move_parameter(&name, version, &data_type, &to);
                self.parameter(follower, write).await
            }
            Step::RestoreParameter {
                name,
                version,
                data_type,
                to,
                image,
                follower,
                ..
            } => {
                let write = self.restore_parameter(&name, version, &data_type, &to, image.as_ref());
                self.parameter(follower, write).await
            }
        }
    }

    /// Refreshes `groups` onto the template's default version, which stays as it is.
    async fn refresh_in_place(
        &self,
        template: &LiveTemplate,
        groups: &[Group],
    ) -> Result<Ended, Error> {
        let number = template.default.number;
        self.check(groups, number, template.latest)?;
        let watched = self
            .refresh(
                &template.default.template_id,
                groups,
                Moved {
                    number,
                    latest: template.latest,
                    made: template.default.created,
                },
            )
            .await?;
        Ok(ended(
            format!("default version {number} kept"),
            groups,
            watched,
        ))
    }

    /// The parameter moved to `to`, from `version`; says what was done.
    async fn move_parameter(
        &self,
        name: &str,
        version: i64,
        data_type: &str,
        to: &Image,
    ) -> Result<String, Error> {
        let new = parameters::move_to(
            self.session,
            self.apply.manifest,
            self.id,
            self.apply.reporter,
            name,
            Some((version, data_type)),
            to,
        )
        .await?;
        Ok(format!(
            "parameter {name} version {version} -> {new}, {}",
            show_image(&image_ref(to))
        ))
    }

    /// The parameter back to the value of version `to`, from `version`; says what was done.
    async fn restore_parameter(
        &self,
        name: &str,
        version: i64,
        data_type: &str,
        to: &ParameterVersion,
        image: Option<&ImageRef>,
    ) -> Result<String, Error> {
        let new = parameters::restore(
            self.session,
            self.apply.manifest,
            self.id,
            self.apply.reporter,
            (name, data_type),
            to,
            image,
        )
        .await?;
        Ok(format!(
            "parameter {name} version {version} -> {new}, the value of version {}",
            to.version
        ))
    }

    /// A parameter's new version (`write`, which says what it did), then the refresh of the
    /// groups of the template that resolves it. Groups AWS would not refresh as the manifest
    /// asks are refused before the parameter moves.
    async fn parameter(
        &self,
        follower: Option<Follower>,
        write: impl Future<Output = Result<String, Error>>,
    ) -> Result<Ended, Error> {
        if let Some(Follower { template, groups }) = &follower {
            self.check(groups, template.default.number, template.latest)?;
        }
        let done = write.await?;
        self.follow(follower, done).await
    }

    /// The groups of a template that resolves a parameter, refreshed once the parameter moved
    /// (every instance, see [`refresh::Refreshing::replace_all`]).
    async fn follow(&self, follower: Option<Follower>, done: String) -> Result<Ended, Error> {
        let Some(Follower { template, groups }) = follower else {
            return Ok(Ended::Done(done));
        };
        if self.apply.interrupt.requested() && !groups.is_empty() {
            return Ok(Ended::Interrupted {
                done,
                left: format!("the instance refresh of {}", names(&groups)),
            });
        }
        let moved = Moved {
            number: template.default.number,
            latest: template.latest,
            made: None,
        };
        let watched = self
            .refresh_groups(&template.default.template_id, &groups, moved, true)
            .await?;
        Ok(ended(done, &groups, watched))
    }

    /// The manifest's refresh preferences for the target's groups (a parameter has none).
    fn preferences(&self) -> RefreshPreferences {
        self.target
            .template()
            .map(|template| template.refresh.clone())
            .unwrap_or_default()
    }

    /// The version an interrupted rollout made becomes the default, then refreshes.
    async fn resume(
        &self,
        template: &LiveTemplate,
        to: &TemplateVersion,
        image: &ImageRef,
        groups: Vec<Group>,
    ) -> Result<Ended, Error> {
        self.check(&groups, to.number, template.latest)?;
        let id = &template.default.template_id;
        launch_templates::set_default(self.session, id, to.number).await?;
        self.default_version_set(to.number, &image.id);
        let done = format!(
            "default version {} -> {} (made by an interrupted rollout), {}",
            template.default.number,
            to.number,
            show_image(image)
        );
        let moved = Moved {
            number: to.number,
            latest: to.number,
            made: to.created,
        };
        self.refresh_or_move_back(template, groups, moved, done)
            .await
    }

    fn default_version_set(&self, version: i64, image: &str) {
        self.apply.reporter.event(&WaveEvent::DefaultVersionSet {
            target: self.id,
            version,
            image,
        });
    }

    /// Refuses, before anything changes, groups AWS would not refresh as the manifest asks.
    fn check(&self, groups: &[Group], target_version: i64, latest: i64) -> Result<(), Error> {
        refresh::check_groups(groups, &self.preferences(), target_version, latest)
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

    /// A new version from the default with only the image changed, made the default, then
    /// refreshes. Making the version and making it the default are one step: Ctrl-C between
    /// them would leave a version no re-run could tell from someone else's.
    async fn move_image(
        &self,
        template: &LiveTemplate,
        to: &Image,
        groups: &[Group],
    ) -> Result<Ended, Error> {
        let previous = template.default.number;
        let id = &template.default.template_id;
        // The new version will be the newest, so `$Latest` groups follow it like `$Default` ones.
        self.check(groups, template.latest + 1, template.latest + 1)?;
        let version = launch_templates::create_version(
            self.session,
            &template.default,
            to,
            &describe_version(to, Some(previous)),
        )
        .await?;
        launch_templates::set_default(self.session, id, version.number).await?;
        self.default_version_set(version.number, &to.id);
        let done = format!(
            "default version {previous} -> {}, {}",
            version.number,
            show_image(&image_ref(to))
        );
        let moved = Moved {
            number: version.number,
            latest: version.number,
            made: version.created,
        };
        self.refresh_or_move_back(template, groups.to_vec(), moved, done)
            .await
    }

    /// Refreshes the groups onto `moved`, the template's new default. When a refresh fails,
    /// the default goes back to the version it replaced (a group scaling out would launch the
    /// image that just failed), unless the manifest says `keep_default_on_failure`; and when
    /// the failed version is the newest and a group launches `$Latest`, a copy of the previous
    /// default becomes the newest, so that group launches the previous image again too. When
    /// gold lost sight of a refresh, its outcome is unknown and nothing moves back.
    async fn refresh_or_move_back(
        &self,
        template: &LiveTemplate,
        groups: Vec<Group>,
        moved: Moved,
        done: String,
    ) -> Result<Ended, Error> {
        if self.apply.interrupt.requested() && !groups.is_empty() {
            return Ok(Ended::Interrupted {
                done,
                left: format!("the instance refresh of {}", names(&groups)),
            });
        }
        let version = moved.number;
        let failed = match self
            .refresh(&template.default.template_id, &groups, moved)
            .await
        {
            Ok(watched) => return Ok(ended(done, &groups, watched)),
            Err(failed) => failed,
        };
        let (err, stays) = match failed {
            RefreshError {
                error,
                outcome_unknown: true,
            } => (error, "its outcome is unknown"),
            RefreshError { error, .. } if self.preferences().keep_default_on_failure => {
                (error, "`keep_default_on_failure`")
            }
            RefreshError { error, .. } => {
                let what = self
                    .move_back(template, &groups, version, moved.latest)
                    .await;
                return Err(Error::failed(
                    format!("{error}; {what}"),
                    error.hint().map(str::to_owned),
                ));
            }
        };
        Err(Error::failed(
            format!("{err}; the template's default stays version {version} ({stays})"),
            err.hint().map(str::to_owned),
        ))
    }

    /// After a failed refresh onto `version`: the default back to the version it replaced,
    /// and, when `version` is the newest and a group launches `$Latest`, a new version copying
    /// the previous default. Says what was done.
    async fn move_back(
        &self,
        template: &LiveTemplate,
        groups: &[Group],
        version: i64,
        latest: i64,
    ) -> String {
        let id = &template.default.template_id;
        let previous = template.default.number;
        let previous_image = template.default.image_id.as_deref().unwrap_or_default();
        let mut what = match launch_templates::set_default(self.session, id, previous).await {
            Ok(()) => {
                self.default_version_set(previous, previous_image);
                format!("the template's default moved back to version {previous}")
            }
            Err(moving) => {
                return format!(
                    "moving the template's default back to version {previous} failed too: {moving}"
                );
            }
        };
        let on_latest: Vec<&Group> = groups
            .iter()
            .filter(|group| {
                group
                    .template
                    .as_ref()
                    .is_some_and(|spec| spec.version == "$Latest")
            })
            .collect();
        if on_latest.is_empty() || version != latest || previous_image.is_empty() {
            return what;
        }
        let description = format!(
            "gold: restores version {previous} ({previous_image}), its instance refresh to version {version} failed"
        );
        let copied =
            launch_templates::copy_version(self.session, &template.default, &description).await;
        let names: Vec<String> = on_latest.iter().map(|g| format!("`{}`", g.name)).collect();
        match copied {
            Ok(copy) => {
                let _ = write!(
                    what,
                    ", and version {} (a copy of version {previous}) is now the newest, so {} on `$Latest` launch{} {previous_image} again",
                    copy.number,
                    names.join(", "),
                    if names.len() == 1 { "es" } else { "" }
                );
            }
            Err(copying) => {
                let _ = write!(
                    what,
                    "; but {} on `$Latest` still launch{} version {version}: copying version {previous} failed: {copying}",
                    names.join(", "),
                    if names.len() == 1 { "es" } else { "" }
                );
            }
        }
        what
    }

    /// An earlier version made the default again, then refreshes.
    async fn restore(
        &self,
        template: &LiveTemplate,
        to: &TemplateVersion,
        groups: &[Group],
    ) -> Result<Ended, Error> {
        self.check(groups, to.number, template.latest)?;
        let id = &template.default.template_id;
        launch_templates::set_default(self.session, id, to.number).await?;
        self.default_version_set(to.number, to.image_id.as_deref().unwrap_or_default());
        let done = format!(
            "default version {} -> {}",
            template.default.number, to.number
        );
        if self.apply.interrupt.requested() && !groups.is_empty() {
            return Ok(Ended::Interrupted {
                done,
                left: format!("the instance refresh of {}", names(groups)),
            });
        }
        let moved = Moved {
            number: to.number,
            latest: template.latest,
            made: None,
        };
        // A failed refresh sends the default back, as after a rollout: a group scaling out
        // would otherwise launch the image that just failed.
        self.refresh_or_move_back(template, groups.to_vec(), moved, done)
            .await
    }

    async fn refresh(
        &self,
        template_id: &str,
        groups: &[Group],
        moved: Moved,
    ) -> Result<Watched, RefreshError> {
        self.refresh_groups(template_id, groups, moved, false).await
    }

    async fn refresh_groups(
        &self,
        template_id: &str,
        groups: &[Group],
        moved: Moved,
        replace_all: bool,
    ) -> Result<Watched, RefreshError> {
        refresh::refresh_groups(
            &refresh::Refreshing {
                session: self.session,
                target: self.target,
                id: self.id,
                reporter: self.apply.reporter,
                replace_all,
                interrupt: self.apply.interrupt,
                since: moved.made,
            },
            template_id,
            groups,
            moved.number,
            moved.latest,
        )
        .await
    }
}

/// The template version a step's groups move to.
#[derive(Debug, Clone, Copy)]
struct Moved {
    /// Its number.
    number: i64,
    /// The template's newest version number once it is the default.
    latest: i64,
    /// When it was made, when gold knows (a refresh started before is not gold's).
    made: Option<std::time::SystemTime>,
}

/// How a step that refreshed `groups` ended.
fn ended(done: String, groups: &[Group], watched: Watched) -> Ended {
    match watched {
        Watched::Done if groups.is_empty() => Ended::Done(done),
        Watched::Done => Ended::Done(format!("{done}, refreshed {}", names(groups))),
        Watched::Left(running) => Ended::Interrupted {
            done: format!("{done}, refreshes started"),
            left: format!(
                "watching {}: it runs on in AWS and a re-run watches it to its end",
                running.join(", ")
            ),
        },
    }
}

fn names(groups: &[Group]) -> String {
    let names: Vec<String> = groups.iter().map(|g| format!("`{}`", g.name)).collect();
    names.join(", ")
}
