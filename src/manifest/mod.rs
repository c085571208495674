//! The manifest: `gold.toml` as Rust types, loaded and checked offline.
//!
//! [`load`] runs the checks in order and collects every problem it can before it gives up:
//! 1. read the file (size cap, UTF-8) and parse TOML, recovering after syntax errors;
//! 2. check the document's shape against the JSON Schema generated from [`model`]: unknown keys
//!    (with a "did you mean"), types, required keys, enumerations and ranges;
//! 3. deserialize into [`Manifest`] and fill in defaults;
//! 4. check the values AWS would reject (accounts, ARNs, regions, names, versions, references);
//! 5. read every component's AWSTOE document and check it.

mod ami_name;
mod awstoe;
mod diagnostic;
mod formats;
mod load;
mod model;
mod regions;
mod schedule;
mod structure;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use ami_name::{AmiName, AmiNameError, glob};
pub use diagnostic::{Diagnostic, Error};
pub use load::load;
pub use model::{
    AutoScalingGroups, BlockDevice, Channel, Component, Consumer, CreateLaunchTemplate,
    Distribution, EveryGroup, Infrastructure, LaunchTemplate, ListedTemplate, Manifest,
    Organization, Parameter, Pipeline, Platform, Producer, Recipe, RefreshPreferences, Scanning,
    ScheduleCondition, SecurityGroup, Severity, Sharing, SkipLimit, SsmParameter, TagSelector,
    VolumeType,
};
pub use regions::KNOWN_REGIONS;

/// A manifest that passed every check, with the component documents it refers to.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The manifest file as given.
    pub path: PathBuf,
    /// The directory component files are relative to.
    pub dir: PathBuf,
    /// The manifest, defaults filled in.
    pub manifest: Manifest,
    /// Each component's AWSTOE document, by component name.
    pub components: BTreeMap<String, ComponentDocument>,
    /// What AWS accepts but is likely a slip (an unknown input key, a shell on the other platform).
    pub warnings: Vec<Diagnostic>,
}

/// An AWSTOE document as read from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentDocument {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its text, exactly as Image Builder receives it.
    pub text: String,
    /// Hex SHA-256 of `text`, to notice when a new component version is needed.
    pub sha256: String,
}

/// The manifest's JSON Schema, generated from [`Manifest`]; `schemas/gold.schema.json` holds a copy.
#[must_use]
pub fn schema() -> serde_json::Value {
    schemars::schema_for!(Manifest).to_value()
}

/// The JSON Schema as `gold schema` prints it (and as `schemas/gold.schema.json` must read).
#[must_use]
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}
