//! The canonical pack: its shape, in the deployed relay's key order. serde derive
//! writes it; `serde_json::to_string` of a [`Pack`] is the text the relay stores,
//! byte for byte what `JSON.stringify` gives in the deployed clients.

use serde::Serialize;

/// The kind of a custom-queue step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// A break; its `count` is always 1.
    Pause,
    /// A run of poses.
    Pose,
}

/// One validated custom-queue step, serialized as `{type, duration, count, id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Step {
    /// `pause` or `pose`.
    #[serde(rename = "type")]
    pub kind: StepKind,
    /// Seconds, 1..=86400.
    pub duration: u64,
    /// Poses, 1..=10000; forced to 1 for a pause.
    pub count: u64,
    /// 0..=2^53-1; the relay's `now + index` when the step had none.
    pub id: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Pack {
    pub(super) schema: &'static str,
    pub(super) version: u64,
    pub(super) created_at: String,
    pub(super) source: Source,
    pub(super) session: Session,
    pub(super) media_refs: Vec<MediaRef>,
}

#[derive(Serialize)]
pub(super) struct Source {
    pub(super) runtime: String,
    pub(super) language: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Session {
    pub(super) mode: &'static str,
    pub(super) selected_duration: u64,
    pub(super) time_remaining: u64,
    pub(super) memory_type: &'static str,
    pub(super) memory_duration: u64,
    pub(super) memory_poses_count: u64,
    pub(super) memory_drawing_time: u64,
    pub(super) memory_no_pressure: bool,
    pub(super) custom_queue: Vec<Step>,
    pub(super) media_order_keys: Vec<String>,
    pub(super) images_count: u64,
}

#[derive(Serialize)]
pub(super) struct MediaRef {
    pub(super) identity: String,
    pub(super) index: u64,
    pub(super) name: String,
    pub(super) ext: String,
}
