//! Which version `up` gives a new component or recipe version. Image Builder never changes a
//! version once made, so a changed input needs a version no existing one has.

use crate::aws::imagebuilder::VersionRef;
use crate::version::Version;

/// The newest of `versions`.
pub fn newest(versions: &[VersionRef]) -> Option<&VersionRef> {
    versions.iter().max_by_key(|v| v.version)
}

/// The manifest's version when it is above every existing one, else the next patch above the newest.
pub fn next_version(wanted: Version, existing: &[VersionRef]) -> Version {
    match newest(existing) {
        Some(newest) if newest.version >= wanted => newest.version.next_patch(),
        _ => wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect(text)
    }

    fn versions(list: &[&str]) -> Vec<VersionRef> {
        list.iter()
            .map(|text| VersionRef {
                arn: format!("arn:aws:imagebuilder:r:1:component/c/{text}"),
                version: v(text),
            })
            .collect()
    }

    #[test]
    fn the_manifest_version_wins_when_it_is_new_and_highest() {
        assert_eq!(next_version(v("1.0.0"), &[]), v("1.0.0"));
        assert_eq!(
            next_version(v("2.0.0"), &versions(&["1.0.0", "1.0.1"])),
            v("2.0.0")
        );
    }

    #[test]
    fn otherwise_the_next_patch_above_the_highest() {
        assert_eq!(next_version(v("1.0.0"), &versions(&["1.0.0"])), v("1.0.1"));
        assert_eq!(
            next_version(v("1.0.0"), &versions(&["1.0.9", "1.0.10", "1.0.2"])),
            v("1.0.11")
        );
        assert_eq!(next_version(v("0.9.0"), &versions(&["1.2.3"])), v("1.2.4"));
    }
}
