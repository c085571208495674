//! Semantic versions the way EC2 Image Builder writes them: `major.minor.patch`, three numbers
//! (Image Builder API reference, `VersionNumber`: "Major, minor and patch versions must be
//! numeric"; each part at most 9 digits in the service model's pattern). Components and image
//! recipes carry one, so do image build ARNs (`…:image/NAME/1.0.0/5`).
//!
//! Neutral on purpose: the manifest checks versions with it, the producer plans the next version
//! with it, and the AWS adapters read versions out of ARNs with it; nobody else parses one.

use std::fmt;

/// `major.minor.patch`, ordered numerically (`1.0.10` is above `1.0.9`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The major version.
    pub major: u64,
    /// The minor version.
    pub minor: u64,
    /// The patch version.
    pub patch: u64,
}

/// Image Builder's `VersionNumber` pattern allows at most this many digits per part.
const MAX_DIGITS: usize = 9;

impl Version {
    /// Reads `1.2.3`; anything else (two parts, `x`, signs, spaces) is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.').map(number);
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    /// The version with the patch number one higher.
    #[must_use]
    pub fn next_patch(self) -> Self {
        Version {
            patch: self.patch + 1,
            ..self
        }
    }
}

/// One part: 1 to 9 ASCII digits.
fn number(part: &str) -> Option<u64> {
    let digits =
        !part.is_empty() && part.len() <= MAX_DIGITS && part.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| part.parse().ok()).flatten()
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl schemars::JsonSchema for Version {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Version".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": r"^[0-9]{1,9}\.[0-9]{1,9}\.[0-9]{1,9}$",
            "description": "A semantic version `major.minor.patch`."
        })
    }
}

/// A build's stable name, `RECIPE_VERSION/BUILD` (`1.0.1/3`): unlike the build number alone it
/// never restarts when the recipe version changes. Parsed from the text a user types, or from
/// an Image Builder build version ARN (`…:image/NAME/1.0.1/3`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct BuildName {
    /// The recipe's semantic version.
    pub version: String,
    /// The build number within it.
    pub build: u32,
}

impl BuildName {
    /// `1.0.1/3`, or the build version ARN; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let tail = match text.strip_prefix("arn:") {
            Some(_) => text.rsplit_once(":image/")?.1.split_once('/')?.1,
            None => text,
        };
        let (version, build) = tail.split_once('/')?;
        Version::parse(version)?;
        Some(Self {
            version: version.to_owned(),
            build: build.parse().ok()?,
        })
    }
}

impl std::fmt::Display for BuildName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.version, self.build)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_name_comes_from_what_people_type_or_from_its_arn() {
        let name = BuildName::parse("1.0.1/3").expect("a name");
        assert_eq!(name.to_string(), "1.0.1/3");
        assert_eq!(
            BuildName::parse(
                "arn:aws:imagebuilder:ap-northeast-1:111122223333:image/sample/1.0.1/3"
            ),
            Some(name)
        );
        assert_eq!(BuildName::parse("3"), None);
        assert_eq!(BuildName::parse("1.0/3"), None);
        assert_eq!(BuildName::parse("1.0.1/x"), None);
    }

    #[test]
    fn three_numbers_make_a_version() {
        assert_eq!(
            Version::parse("1.0.10"),
            Some(Version {
                major: 1,
                minor: 0,
                patch: 10
            })
        );
        for text in [
            "1.0",
            "1.0.x",
            "1.0.0.0",
            "",
            "1..0",
            "+1.0.0",
            "1.0.0 ",
            "1234567890.0.0",
        ] {
            assert_eq!(Version::parse(text), None, "{text}");
        }
    }

    #[test]
    fn versions_order_numerically_and_print_as_written() {
        let v = |text| Version::parse(text).expect(text);
        assert!(v("1.0.10") > v("1.0.9"));
        assert!(v("2.0.0") > v("1.99.99"));
        assert_eq!(v("1.0.9").next_patch().to_string(), "1.0.10");
    }
}
