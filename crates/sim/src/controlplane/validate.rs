//! Request limits from the `BatonService` protos' validation rules (spec §3.2).

use prost_types::Any;
use tonic::Status;

/// Longest host id and build / OS string.
const MAX_TEXT: usize = 256;
/// Most annotations on any message.
const MAX_ANNOTATIONS: usize = 16;
/// Most task ids in a batch heartbeat.
pub(crate) const MAX_TASK_IDS: usize = 100;

/// `host_id`: 1 to 256 characters.
pub(crate) fn host_id(host_id: &str) -> Result<(), Status> {
    if host_id.is_empty() {
        return Err(Status::invalid_argument("host_id is required"));
    }
    text("host_id", host_id)
}

/// A string of at most 256 characters.
pub(crate) fn text(field: &str, value: &str) -> Result<(), Status> {
    if value.chars().count() > MAX_TEXT {
        return Err(Status::invalid_argument(format!(
            "{field} is longer than {MAX_TEXT} characters"
        )));
    }
    Ok(())
}

/// A task id: `^[a-zA-Z0-9]{27}$`.
pub(crate) fn task_id(task_id: &str) -> Result<(), Status> {
    if task_id.len() == 27 && task_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Status::invalid_argument(format!(
            "task_id {task_id:?} must be 27 alphanumeric characters"
        )))
    }
}

/// At most 16 annotations.
pub(crate) fn annotations(field: &str, annotations: &[Any]) -> Result<(), Status> {
    if annotations.len() > MAX_ANNOTATIONS {
        return Err(Status::invalid_argument(format!(
            "{field} has {} annotations, at most {MAX_ANNOTATIONS} allowed",
            annotations.len()
        )));
    }
    Ok(())
}
