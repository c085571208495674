//! Another account's Image Builder resources a recipe builds on (a derived manifest): which
//! ARNs they are, read from the manifest alone. `producer::layers` checks they are visible and
//! reads their builds; `gold iam` grants what that needs.

use crate::manifest::Manifest;

/// An Image Builder ARN of another account that the recipe uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    /// The ARN as the manifest writes it.
    pub arn: String,
    /// `image` or `component`.
    pub kind: String,
    /// The owning account.
    pub owner: String,
    /// The resource's name.
    pub name: String,
    /// Its version filter (`x.x.x`, `1.x.x`, `1.0.0`).
    pub version: String,
}

impl Foreign {
    /// The ARN's parts, when it is an Image Builder ARN of an account other than `producer`.
    pub fn parse(arn: &str, producer: &str) -> Option<Self> {
        let fields: Vec<&str> = arn.splitn(6, ':').collect();
        let [_, _, "imagebuilder", _, owner, resource] = fields.as_slice() else {
            return None;
        };
        if *owner == producer || !owner.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut parts = resource.split('/');
        let kind = parts.next()?;
        let name = parts.next()?;
        let version = parts.next().unwrap_or("x.x.x");
        Some(Self {
            arn: arn.to_owned(),
            kind: kind.to_owned(),
            owner: (*owner).to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
        })
    }
}

/// The recipe's parent image, when it is another account's Image Builder image.
pub fn shared_parent(manifest: &Manifest) -> Option<Foreign> {
    Foreign::parse(&manifest.recipe.parent_image, &manifest.producer.account)
        .filter(|f| f.kind == "image")
}

/// Every other account's image and component the recipe uses.
pub fn foreign(manifest: &Manifest) -> Vec<Foreign> {
    let producer = &manifest.producer.account;
    std::iter::once(&manifest.recipe.parent_image)
        .chain(&manifest.recipe.components)
        .filter_map(|arn| Foreign::parse(arn, producer))
        .collect()
}

/// Whether the manifest shares through RAM or builds on another account's image: then
/// `status` and `plan` read the layers.
pub fn has_layers(manifest: &Manifest) -> bool {
    manifest.sharing.is_some() || shared_parent(manifest).is_some()
}
