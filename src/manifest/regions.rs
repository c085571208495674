//! The commercial AWS regions gold knows (partition `aws`, as listed in botocore's
//! `endpoints.json`). A region AWS opens later is accepted once the manifest names it in
//! `extra_regions`, so users never wait for a gold release.

/// Every current region of the `aws` partition.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Whether `name` has the shape of a region name (`xx-direction-N`), for `extra_regions`.
#[must_use]
pub fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_have_region_shape_and_are_sorted() {
        assert!(KNOWN_REGIONS.iter().all(|r| looks_like_region(r)));
        assert!(KNOWN_REGIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn region_shape_rejects_other_strings() {
        assert!(looks_like_region("us-gov-west-1"));
        assert!(!looks_like_region("tokyo"));
        assert!(!looks_like_region("us-east-"));
        assert!(!looks_like_region("US-EAST-1"));
    }
}
