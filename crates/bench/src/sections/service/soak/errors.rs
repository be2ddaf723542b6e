//! Errors by kind, counted from what the simulators recorded and what the daemon logged:
//! failed tasks by type and gRPC status, calls the control plane refused, refused token
//! requests, Atlassian's error answers, and the daemon's warning and error log lines by
//! message.

use std::collections::BTreeMap;

use sim::atlassian::Stats;
use sim::controlplane::{CallRecord, FinishRecord, TokenRequestRecord};

use super::workload::Kind;

/// Characters of a log message kept as its kind.
const MESSAGE_CHARS: usize = 90;

/// Counts by kind of error, in the order they print.
#[derive(Debug, Default)]
pub struct Errors {
    /// `kind → count`.
    pub by_kind: BTreeMap<String, u64>,
}

impl Errors {
    /// A task that finished with an error.
    pub fn task_failed(&mut self, kind: Kind, finish: &FinishRecord) {
        let retry = if finish.non_retryable {
            "non-retryable"
        } else {
            "retryable"
        };
        let code = code_name(finish.status_code());
        self.add(format!("task failed: {} {code} ({retry})", kind.name()));
    }

    /// A call the control plane refused (an injected fault, or an expired token).
    pub fn refused_call(&mut self, call: &CallRecord) {
        let code = code_name(call.code as i32);
        self.add(format!("control plane refused {}: {code}", call.method));
    }

    /// A token request refused.
    pub fn refused_token(&mut self, request: &TokenRequestRecord) {
        let error = request.error.as_deref().unwrap_or("no token");
        let kind = error.split(':').next().unwrap_or(error);
        self.add(format!("token request refused: {kind}"));
    }

    /// Atlassian's answers of status 400 and above, from the simulator's counters.
    pub fn atlassian(&mut self, stats: &Stats) {
        for endpoint in stats.by_endpoint.values() {
            for (status, count) in endpoint.by_status.range(400..) {
                *self
                    .by_kind
                    .entry(format!("Atlassian answered {status}"))
                    .or_default() += count;
            }
        }
    }

    /// The daemon's JSON log lines at WARN or ERROR, by level and message.
    pub fn daemon_log(&mut self, log: &str) {
        for line in log.lines() {
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let level = entry["level"].as_str().unwrap_or_default();
            if !matches!(level, "WARN" | "ERROR") {
                continue;
            }
            let message: String = entry["message"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(MESSAGE_CHARS)
                .collect();
            self.add(format!("daemon log {level}: {message}"));
        }
    }

    fn add(&mut self, kind: String) {
        *self.by_kind.entry(kind).or_default() += 1;
    }
}

/// The name of a gRPC status code.
fn code_name(code: i32) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("UNKNOWN")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_have_their_grpc_names() {
        assert_eq!(code_name(14), "UNAVAILABLE");
        assert_eq!(code_name(16), "UNAUTHENTICATED");
        assert_eq!(code_name(0), "OK");
        assert_eq!(code_name(99), "UNKNOWN");
        assert_eq!(code_name(-1), "UNKNOWN");
    }

    #[test]
    fn warnings_and_errors_of_the_log_count_by_message_and_the_rest_is_ignored() {
        let log = concat!(
            r#"{"timestamp":"t","level":"WARN","message":"GetTask failed; retrying"}"#,
            "\n",
            r#"{"timestamp":"t","level":"INFO","message":"sync done"}"#,
            "\n",
            "not json\n",
            r#"{"timestamp":"t","level":"WARN","message":"GetTask failed; retrying"}"#,
            "\n",
            r#"{"timestamp":"t","level":"ERROR","message":"upload failed"}"#,
            "\n",
        );
        let mut errors = Errors::default();
        errors.daemon_log(log);
        let counted: Vec<(&str, u64)> = errors
            .by_kind
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            counted,
            [
                ("daemon log ERROR: upload failed", 1),
                ("daemon log WARN: GetTask failed; retrying", 2),
            ]
        );
    }
}
