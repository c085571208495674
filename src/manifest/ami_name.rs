//! The AMI name template of `[distribution]`, parsed once: `gold validate` checks it, `gold
//! rollout` and `gold status` find the producer's AMIs with it.
//!
//! AWS facts relied on (EC2 Image Builder user guide, "Create distribution settings", AMI name;
//! EC2 API reference, `CreateImage` and `DescribeImages` filters):
//! - Image Builder renders `{{imagebuilder:buildDate}}` as the build's time
//!   (`2022-08-10T09-01-50.490Z`) and `{{imagebuilder:buildVersion}}` as the build number (the
//!   `5` of `…/image/sample/1.0.0/5`); every regional copy of one build carries the same name.
//! - An AMI name is at most 128 characters; the `name` filter of `DescribeImages` takes `*` for
//!   any run of characters and `?` for one.

use std::fmt;

/// What `{{imagebuilder:buildDate}}` renders to at most, e.g. `2022-08-10T09-01-50.490Z`.
const BUILD_DATE_WIDTH: usize = 24;
/// What `{{imagebuilder:buildVersion}}` renders to at most (a build counter).
const BUILD_VERSION_WIDTH: usize = 6;

/// A parsed AMI name template such as `sample_v{{imagebuilder:buildVersion}}_{{imagebuilder:buildDate}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmiName {
    template: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    BuildDate,
    BuildVersion,
}

/// Why a template is not one Image Builder renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmiNameError {
    /// A `{{` without its `}}`.
    Unclosed,
    /// A placeholder other than the two Image Builder renders in AMI names.
    UnknownPlaceholder(String),
}

impl AmiName {
    /// Parses a template; spaces inside the braces are allowed, as Image Builder allows them.
    pub fn parse(template: &str) -> Result<Self, AmiNameError> {
        let mut parts = Vec::new();
        let mut rest = template;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let len = rest[start..].find("}}").ok_or(AmiNameError::Unclosed)?;
            parts.push(match rest[start + 2..start + len].trim() {
                "imagebuilder:buildDate" => Part::BuildDate,
                "imagebuilder:buildVersion" => Part::BuildVersion,
                other => return Err(AmiNameError::UnknownPlaceholder(other.to_owned())),
            });
            rest = &rest[start + len + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Self {
            template: template.to_owned(),
            parts,
        })
    }

    /// A "template" that is only literal text (for a manifest whose template does not parse).
    pub fn literal(text: &str) -> Self {
        Self {
            template: text.to_owned(),
            parts: vec![Part::Text(text.to_owned())],
        }
    }

    /// The template as written in the manifest.
    pub fn as_str(&self) -> &str {
        &self.template
    }

    /// Whether every build gets its own name (the template renders the build date).
    pub fn has_build_date(&self) -> bool {
        self.parts.contains(&Part::BuildDate)
    }

    /// The text around the placeholders, for character checks.
    pub fn literal_text(&self) -> String {
        self.parts
            .iter()
            .filter_map(|part| match part {
                Part::Text(text) => Some(text.as_str()),
                Part::BuildDate | Part::BuildVersion => None,
            })
            .collect()
    }

    /// The longest name the template can render to.
    pub fn longest_rendering(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.chars().count(),
                Part::BuildDate => BUILD_DATE_WIDTH,
                Part::BuildVersion => BUILD_VERSION_WIDTH,
            })
            .sum()
    }

    /// The name one build gets, as Image Builder renders it.
    pub fn render(&self, build: u32, date: &str) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::BuildDate => date.to_owned(),
                Part::BuildVersion => build.to_string(),
            })
            .collect()
    }

    /// The `DescribeImages` name filter that finds every build: each placeholder becomes `*`.
    pub fn pattern(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.as_str(),
                Part::BuildDate | Part::BuildVersion => "*",
            })
            .collect()
    }

    /// Whether `name` could be one of this template's builds, by the filter's own rules.
    pub fn matches(&self, name: &str) -> bool {
        glob(&self.pattern(), name)
    }

    /// The build number in `name`, when the template renders one and `name` is a build of it.
    pub fn build_of(&self, name: &str) -> Option<u32> {
        if !self.parts.contains(&Part::BuildVersion) {
            return None;
        }
        capture_build(&self.parts, name)
    }

    /// Whether the template renders the build number, so builds can be told apart by name.
    pub fn names_builds(&self) -> bool {
        self.parts.contains(&Part::BuildVersion)
    }
}

impl fmt::Display for AmiName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}

/// Matches `name` against `parts` and returns the build number, backtracking where a build
/// date (any run of characters) could end in several places.
fn capture_build(parts: &[Part], name: &str) -> Option<u32> {
    let Some((first, rest)) = parts.split_first() else {
        return name.is_empty().then_some(0);
    };
    match first {
        Part::Text(text) => capture_build(rest, name.strip_prefix(text.as_str())?),
        Part::BuildVersion => {
            let digits = name.bytes().take_while(u8::is_ascii_digit).count();
            (1..=digits).rev().find_map(|end| {
                let build = name[..end].parse::<u32>().ok()?;
                // The first build number in the name is the one that counts.
                capture_build(rest, &name[end..]).map(|_| build)
            })
        }
        Part::BuildDate => name
            .char_indices()
            .skip(1)
            .map(|(at, _)| at)
            .chain(std::iter::once(name.len()))
            .filter(|&end| end > 0)
            .find_map(|end| capture_build(rest, &name[end..])),
    }
}

/// EC2 name filter semantics: `*` any run of characters, `?` one character (the wildcards of
/// IAM's `*Like` condition operators and of policy actions too).
pub fn glob(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "sample_v{{imagebuilder:buildVersion}}_{{imagebuilder:buildDate}}";

    fn parsed(template: &str) -> AmiName {
        AmiName::parse(template).expect(template)
    }

    #[test]
    fn the_pattern_replaces_each_placeholder() {
        assert_eq!(parsed(SAMPLE).pattern(), "sample_v*_*");
        assert_eq!(parsed("plain").pattern(), "plain");
        assert_eq!(
            parsed("x{{ imagebuilder:buildDate }}y").pattern(),
            "x*y",
            "spaces inside the braces"
        );
    }

    #[test]
    fn unknown_and_unclosed_placeholders_are_refused() {
        assert_eq!(AmiName::parse("a{{b"), Err(AmiNameError::Unclosed));
        assert_eq!(
            AmiName::parse("a{{imagebuilder:buildId}}"),
            Err(AmiNameError::UnknownPlaceholder(
                "imagebuilder:buildId".to_owned()
            ))
        );
        assert_eq!(
            AmiName::parse("{{ssm:/x}}"),
            Err(AmiNameError::UnknownPlaceholder("ssm:/x".to_owned()))
        );
    }

    #[test]
    fn a_rendered_name_matches_and_yields_its_build() {
        let template = parsed(SAMPLE);
        let name = template.render(45, "2022-08-11T09-01-50.490Z");
        assert_eq!(name, "sample_v45_2022-08-11T09-01-50.490Z");
        assert!(template.matches(&name));
        assert_eq!(template.build_of(&name), Some(45));
        assert_eq!(template.build_of("sample_v4_2022-08-10"), Some(4));
        assert_eq!(template.build_of("other_v4_2022"), None);
        assert_eq!(template.build_of("sample_vX_2022"), None);
        assert_eq!(
            parsed("x_{{imagebuilder:buildDate}}").build_of("x_2022"),
            None
        );
        assert!(template.has_build_date() && template.names_builds());
    }

    #[test]
    fn lengths_and_literal_text_count_what_image_builder_renders() {
        let template = parsed(SAMPLE);
        assert_eq!(template.literal_text(), "sample_v_");
        assert_eq!(template.longest_rendering(), 9 + 24 + 6);
    }

    #[test]
    fn glob_follows_ec2_wildcards() {
        assert!(glob("sample_v*_*", "sample_v5_2022-08-10T09-01-50.490Z"));
        assert!(!glob("sample_v*_*", "sample-v5"));
        assert!(glob("a?c", "abc"));
        assert!(glob("*", ""));
        assert!(!glob("sample_v5_*", "sample_v45_x"));
    }
}
