//! Which AMI a consumer target may run (ARCHITECTURE.md, "Which AMI a target may run"): only
//! AMIs owned by the producer account, `available`, not deprecated, whose name matches the
//! manifest's AMI name template; the newest wins unless the user names a build or an AMI.
//!
//! Pure functions over [`Image`]s that `DescribeImages` returned with the producer as owner
//! filter: the owner and the name are checked again here, so even an answer that ignored the
//! filter can never put a stranger's AMI (the "whoAMI" name-confusion attack) into a launch
//! template. Tags are never consulted: they are not visible across accounts.
//!
//! Naming a build: Image Builder renders `{{imagebuilder:buildVersion}}` as the build number
//! (the `5` of `…/image/sample/1.0.0/5`), and every regional copy of a build carries the same
//! name. So a build number (or a build version ARN) selects the AMI whose name renders with
//! that number; an AMI id selects that AMI's *name*, which then picks the copy in each region.
//! Build numbers restart with each recipe version, so two AMIs can render the same build
//! number: gold refuses to guess and asks for an AMI id.

use std::time::SystemTime;

use crate::aws::images::Image;
use crate::aws::lifecycle::is_deprecated;
use crate::manifest::AmiName;
use crate::version::BuildName;

/// What the user asked to roll out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageChoice {
    /// The newest usable AMI.
    Newest,
    /// The AMI of this build number.
    Build(u32),
    /// This AMI id (resolved to its name before selection, see [`resolve_ami`]).
    Ami(String),
    /// The AMI with exactly this name.
    Name(String),
}

impl ImageChoice {
    /// Parses `--image`: a build number, a build's stable name (`1.0.1/3`) or an Image
    /// Builder build version ARN. AMI names carry the build number only (tags are invisible
    /// across accounts), so the recipe version of the last two does not narrow the choice: a
    /// number two recipe versions share is refused as ambiguous.
    pub fn from_image_arg(text: &str) -> Option<Self> {
        match BuildName::parse(text) {
            Some(name) => Some(ImageChoice::Build(name.build)),
            None => text.parse().ok().map(ImageChoice::Build),
        }
    }
}

/// What each consumer's targets move to: one choice for every consumer, or, with release
/// channels, each consumer's own (its channel's build), or why its channel has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choices {
    /// The same for every consumer.
    Same(ImageChoice),
    /// By consumer name.
    ByConsumer(std::collections::BTreeMap<String, Result<ImageChoice, String>>),
}

impl Choices {
    /// The choice for `consumer`'s targets, or why there is none.
    pub fn of(&self, consumer: &str) -> Result<&ImageChoice, String> {
        match self {
            Self::Same(choice) => Ok(choice),
            Self::ByConsumer(by) => match by.get(consumer) {
                Some(Ok(choice)) => Ok(choice),
                Some(Err(reason)) => Err(reason.clone()),
                None => Err(format!("consumer {consumer} follows no channel")),
            },
        }
    }
}

impl From<ImageChoice> for Choices {
    fn from(choice: ImageChoice) -> Self {
        Self::Same(choice)
    }
}

/// Why a target has no AMI to move to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoImage(pub String);

/// Where the candidates were looked for, for precise messages.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    /// The producer account (the owner filter).
    pub producer: &'a str,
    /// The consumer account that looked.
    pub account: &'a str,
    /// The region.
    pub region: &'a str,
    /// The manifest's AMI name template.
    pub name: &'a AmiName,
}

/// The AMI `choice` selects among `candidates`, as seen from `place` at time `now`.
pub fn choose<'i>(
    candidates: &'i [Image],
    choice: &ImageChoice,
    place: &Place<'_>,
    now: SystemTime,
) -> Result<&'i Image, NoImage> {
    if let Some(reason) = nothing_built(candidates, place) {
        return Err(NoImage(format!("{reason}; {NOT_SHARED}")));
    }
    let trusted: Vec<&Image> = candidates
        .iter()
        .filter(|image| trusted(image, place))
        .collect();
    let wanted = wanted(trusted, choice, place)?;
    newest_usable(wanted, place, now)
}

/// The producer's images `choice` names (every one for the newest), or why there is none.
fn wanted<'i>(
    trusted: Vec<&'i Image>,
    choice: &ImageChoice,
    place: &Place<'_>,
) -> Result<Vec<&'i Image>, NoImage> {
    let matching = |keep: &dyn Fn(&Image) -> bool, missing: &dyn Fn() -> String| {
        let found: Vec<&Image> = trusted
            .iter()
            .copied()
            .filter(|image| keep(image))
            .collect();
        if found.is_empty() {
            Err(NoImage(missing()))
        } else {
            Ok(found)
        }
    };
    match choice {
        ImageChoice::Newest => Ok(trusted),
        ImageChoice::Build(build) => {
            if !place.name.names_builds() {
                return Err(NoImage(format!(
                    "the AMI name template `{}` has no {{{{imagebuilder:buildVersion}}}}, so builds cannot be told apart by name; name the AMI with `--ami`",
                    place.name
                )));
            }
            let found = matching(
                &|image| place.name.build_of(&image.name) == Some(*build),
                &|| {
                    format!(
                        "no AMI of build {build} (named {}) owned by {} is visible to {} in {}",
                        place.name.render(*build, "*"),
                        place.producer,
                        place.account,
                        place.region
                    )
                },
            )?;
            if found.len() > 1 {
                let names: Vec<String> = found
                    .iter()
                    .map(|image| format!("{} ({})", image.id, image.name))
                    .collect();
                return Err(NoImage(format!(
                    "build {build} names {} AMIs in {} (builds of different recipe versions): {}; name one with `--ami`",
                    found.len(),
                    place.region,
                    names.join(", ")
                )));
            }
            Ok(found)
        }
        ImageChoice::Name(name) => matching(&|image| &image.name == name, &|| {
            format!(
                "no AMI named {name} owned by {} is visible to {} in {}; is it distributed to this region and shared with this account?",
                place.producer, place.account, place.region
            )
        }),
        ImageChoice::Ami(id) => matching(&|image| &image.id == id, &|| {
            format!(
                "{id} is not an AMI owned by {} named {} visible to {} in {}",
                place.producer,
                place.name.pattern(),
                place.account,
                place.region
            )
        }),
    }
}

/// The newest of `wanted` that may be rolled out, or why the newest of them may not.
fn newest_usable<'i>(
    wanted: Vec<&'i Image>,
    place: &Place<'_>,
    now: SystemTime,
) -> Result<&'i Image, NoImage> {
    let usable: Vec<&Image> = wanted
        .iter()
        .copied()
        .filter(|image| unusable(image, now).is_none())
        .collect();
    if let Some(newest) = usable.into_iter().max_by(|a, b| newer(a, b)) {
        return Ok(newest);
    }
    let newest = wanted.into_iter().max_by(|a, b| newer(a, b));
    let reason = newest
        .and_then(|image| {
            unusable(image, now).map(|why| format!("{} ({}) {why}", image.id, image.name))
        })
        .unwrap_or_default();
    Err(NoImage(format!(
        "no usable AMI owned by {} named {} in {}: the newest, {reason}",
        place.producer,
        place.name.pattern(),
        place.region
    )))
}

/// What to check when a target sees no AMI although builds exist.
pub const NOT_SHARED: &str = "is it distributed to this region and shared with this account?";

/// Why a place sees no AMI of the producer at all, or `None` when it sees some.
pub fn nothing_built(candidates: &[Image], place: &Place<'_>) -> Option<String> {
    (!candidates.iter().any(|image| trusted(image, place))).then(|| {
        format!(
            "no AMI owned by {} named {} is visible to {} in {}",
            place.producer,
            place.name.pattern(),
            place.account,
            place.region
        )
    })
}

/// Whether an image is one of the producer's builds: its owner and its name say so.
pub fn trusted(image: &Image, place: &Place<'_>) -> bool {
    image.owner == place.producer && place.name.matches(&image.name)
}

/// Whether an AMI may be rolled out, and why not.
pub fn unusable(image: &Image, now: SystemTime) -> Option<String> {
    if image.state != "available" {
        return Some(format!("is {}", image.state));
    }
    match image.deprecated_at {
        Some(at) if is_deprecated(at, now) => Some(format!(
            "was deprecated at {}",
            humantime::format_rfc3339_seconds(at)
        )),
        _ => None,
    }
}

/// Turns `--ami` into the AMI's name, found among the candidates of any target region, so
/// every region's copy of that build is chosen.
pub fn resolve_ami<'i>(
    id: &str,
    candidates: impl IntoIterator<Item = &'i Image>,
    producer: &str,
) -> Option<String> {
    candidates
        .into_iter()
        .find(|image| image.id == id && image.owner == producer)
        .map(|image| image.name.clone())
}

/// Newest first by creation time; the name breaks ties so the choice is stable.
pub(crate) fn newer(a: &Image, b: &Image) -> std::cmp::Ordering {
    (a.created, &a.name).cmp(&(b.created, &b.name))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const PRODUCER: &str = "111122223333";
    const TEMPLATE: &str = "sample_v{{imagebuilder:buildVersion}}_{{imagebuilder:buildDate}}";

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    fn image(id: &str, name: &str, owner: &str, created: u64) -> Image {
        Image {
            id: id.to_owned(),
            name: name.to_owned(),
            owner: owner.to_owned(),
            state: "available".to_owned(),
            created: Some(at(created)),
            deprecated_at: None,
            root_device: None,
            allowed: None,
        }
    }

    fn place(name: &AmiName) -> Place<'_> {
        Place {
            producer: PRODUCER,
            account: "444455556666",
            region: "ap-northeast-1",
            name,
        }
    }

    fn template() -> AmiName {
        AmiName::parse(TEMPLATE).expect("a valid template")
    }

    #[test]
    fn the_newest_producer_ami_wins_over_newer_strangers() {
        let images = [
            image("ami-1", "sample_v4_2022", PRODUCER, 10),
            image("ami-2", "sample_v5_2022", PRODUCER, 20),
            image("ami-evil", "sample_v9_2030", "999988887777", 99),
        ];
        let chosen = choose(&images, &ImageChoice::Newest, &place(&template()), at(100)).unwrap();
        assert_eq!(chosen.id, "ami-2");
    }

    #[test]
    fn deprecated_disabled_and_pending_amis_are_passed_over() {
        let mut deprecated = image("ami-3", "sample_v6_2022", PRODUCER, 30);
        deprecated.deprecated_at = Some(at(50));
        let mut disabled = image("ami-4", "sample_v7_2022", PRODUCER, 40);
        disabled.state = "disabled".to_owned();
        let mut pending = image("ami-5", "sample_v8_2022", PRODUCER, 45);
        pending.state = "pending".to_owned();
        let mut later = image("ami-6", "sample_v9_2022", PRODUCER, 46);
        later.deprecated_at = Some(at(1000));
        let images = [
            image("ami-2", "sample_v5_2022", PRODUCER, 20),
            deprecated,
            disabled,
            pending,
        ];
        let chosen = choose(&images, &ImageChoice::Newest, &place(&template()), at(100)).unwrap();
        assert_eq!(chosen.id, "ami-2");
        let with_future_deprecation = [images[0].clone(), later];
        let chosen = choose(
            &with_future_deprecation,
            &ImageChoice::Newest,
            &place(&template()),
            at(100),
        )
        .unwrap();
        assert_eq!(chosen.id, "ami-6");
    }

    #[test]
    fn names_outside_the_template_are_ignored() {
        let images = [image("ami-1", "other_v4_2022", PRODUCER, 10)];
        let err = choose(&images, &ImageChoice::Newest, &place(&template()), at(100)).unwrap_err();
        assert_eq!(
            err.0,
            "no AMI owned by 111122223333 named sample_v*_* is visible to 444455556666 in ap-northeast-1; is it distributed to this region and shared with this account?"
        );
    }

    #[test]
    fn a_build_number_picks_the_ami_whose_name_renders_it() {
        let images = [
            image("ami-1", "sample_v4_2022-08-10T09-01-50.490Z", PRODUCER, 10),
            image("ami-2", "sample_v45_2022-08-11T09-01-50.490Z", PRODUCER, 20),
            image("ami-3", "sample_v5_2022-08-12T09-01-50.490Z", PRODUCER, 30),
        ];
        let chosen = choose(
            &images,
            &ImageChoice::Build(4),
            &place(&template()),
            at(100),
        )
        .unwrap();
        assert_eq!(chosen.id, "ami-1");
        let err = choose(
            &images,
            &ImageChoice::Build(7),
            &place(&template()),
            at(100),
        )
        .unwrap_err();
        assert!(
            err.0.contains("no AMI of build 7 (named sample_v7_*)"),
            "{}",
            err.0
        );
    }

    #[test]
    fn a_build_number_shared_by_two_recipe_versions_is_refused() {
        let images = [
            image("ami-1", "sample_v2_2022-08-10", PRODUCER, 10),
            image("ami-2", "sample_v2_2022-09-10", PRODUCER, 20),
        ];
        let err = choose(
            &images,
            &ImageChoice::Build(2),
            &place(&template()),
            at(100),
        )
        .unwrap_err();
        assert!(err.0.contains("name one with `--ami`"), "{}", err.0);
    }

    #[test]
    fn a_named_ami_must_be_the_producers() {
        let images = [
            image("ami-1", "sample_v4_2022", PRODUCER, 10),
            image("ami-evil", "sample_v9_2030", "999988887777", 99),
        ];
        assert!(
            choose(
                &images,
                &ImageChoice::Ami("ami-evil".into()),
                &place(&template()),
                at(100)
            )
            .is_err()
        );
        assert_eq!(resolve_ami("ami-evil", &images, PRODUCER), None);
        assert_eq!(
            resolve_ami("ami-1", &images, PRODUCER).as_deref(),
            Some("sample_v4_2022")
        );
    }

    #[test]
    fn image_argument_accepts_build_numbers_and_build_version_arns() {
        assert_eq!(
            ImageChoice::from_image_arg("5"),
            Some(ImageChoice::Build(5))
        );
        assert_eq!(
            ImageChoice::from_image_arg(
                "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0/5"
            ),
            Some(ImageChoice::Build(5))
        );
        assert_eq!(
            ImageChoice::from_image_arg(
                "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.0"
            ),
            None
        );
        assert_eq!(ImageChoice::from_image_arg("v5"), None);
    }
}
