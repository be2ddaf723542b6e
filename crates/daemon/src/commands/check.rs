//! `check`: validates the configuration, logs in to ConductorOne when configured, checks
//! the Atlassian API key, and finds out what the key may do, without changing anything.
//! Prints a table (capability, status, what to do) and the details of what failed; exits
//! 0 when everything needed works, 1 otherwise. The Support-gated endpoints are needed
//! only with provisioning (`--provisioning` / `BATON_PROVISIONING`).
//!
//! Whether Atlassian Support enabled `roles/assign`, `roles/revoke` and the v1 invitation
//! is probed with requests that cannot change anything: a role on a site that does not
//! exist for an account that does not exist, and an invitation of an address without `@`.
//! A disabled endpoint answers `403 ADMIN-UAM-403-1`; an enabled one refuses the request
//! itself (`400` or `404`). This assumes Atlassian checks the enablement before it looks
//! at the request, as the bundled simulator does; were it the other way round, a disabled
//! endpoint would show as enabled here and the first grant would report the Support
//! message instead.

use std::fmt::Write as _;

use anyhow::Context as _;
use atlassian::{
    ALL_DIRECTORIES, Error as AtlassianError, GroupFilter, InvitationV1, PermissionRule,
    UserFilter, WorkspaceQuery,
};
use connector::AtlassianConnector;
use controlplane::Session;
use tonic::Code;

use super::{Failure, connector_failure};
use crate::cli::CheckArgs;
use crate::config::LogSettings;
use crate::config::service::{C1Settings, CheckSettings};
use crate::logging;
use crate::render::Table;

/// An account id no Atlassian account has.
const PROBE_ACCOUNT: &str = "baton-atlassian-check-no-such-account";
/// A site ARI no organization has.
const PROBE_RESOURCE: &str = "ari:cloud:platform::site/00000000-0000-0000-0000-000000000000";
/// A role every product offers.
const PROBE_ROLE: &str = "atlassian/user";
/// Not an email address: an invitation of it cannot be sent.
const PROBE_EMAIL: &str = "baton-atlassian-check.invalid";
/// A task id (27 alphanumeric characters) ConductorOne never hands out.
const PROBE_TASK_ID: &str = "000000000000000000000000000";

/// What one check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    /// It works.
    Ok,
    /// Atlassian Support has not enabled the endpoint.
    NotEnabled,
    /// It does not work.
    Failed,
    /// Not configured, so not checked.
    Skipped,
}

impl Status {
    fn text(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotEnabled => "not enabled",
            Status::Failed => "failed",
            Status::Skipped => "not configured",
        }
    }
}

/// One row of the report.
#[derive(Clone, Debug)]
struct Check {
    capability: &'static str,
    status: Status,
    /// Whether the service needs it (a needed check that does not pass fails `check`).
    needed: bool,
    /// What to do about it.
    advice: String,
    /// The error, for the details below the table.
    detail: Option<String>,
}

impl Check {
    fn new(capability: &'static str, needed: bool) -> Self {
        Self {
            capability,
            status: Status::Ok,
            needed,
            advice: String::new(),
            detail: None,
        }
    }

    fn with(mut self, status: Status, advice: impl Into<String>, detail: Option<String>) -> Self {
        self.status = status;
        self.advice = advice.into();
        self.detail = detail;
        self
    }

    /// Whether this row makes `check` fail.
    fn blocks(&self) -> bool {
        self.needed && matches!(self.status, Status::Failed | Status::NotEnabled)
    }
}

/// Runs every check and prints the report.
pub(super) fn run(args: &CheckArgs) -> Result<(), Failure> {
    logging::init(&LogSettings::from_args(&args.logging)?)?;
    let settings = CheckSettings::from_args(args)?;
    let connector =
        AtlassianConnector::new(settings.connector.clone()).map_err(connector_failure)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    let checks = runtime.block_on(all_checks(&settings, &connector));
    print!("{}", report(&checks, &settings.connector.organization_id));
    match checks.iter().filter(|c| c.blocks()).count() {
        0 => Ok(()),
        failing => Err(Failure::Run(anyhow::anyhow!(
            "{failing} needed check(s) did not pass; see the table above"
        ))),
    }
}

async fn all_checks(settings: &CheckSettings, connector: &AtlassianConnector) -> Vec<Check> {
    let mut checks = vec![Check::new("configuration", true).with(Status::Ok, "", None)];
    checks.push(match &settings.c1 {
        Some(c1) => conductorone(c1).await,
        None => Check::new("ConductorOne credentials", false).with(
            Status::Skipped,
            "set BATON_CLIENT_ID and BATON_CLIENT_SECRET for service mode",
            None,
        ),
    });
    let key = Check::new("Atlassian API key and organization", true);
    checks.push(match connector.validate().await {
        Ok(()) => key,
        Err(error) => key.with(
            Status::Failed,
            "check the organization id and its API key (no scopes; see below)",
            Some(error.to_string()),
        ),
    });
    let client = connector.client();
    checks.push(read(
        "read users",
        client
            .users_page(ALL_DIRECTORIES, &UserFilter::default(), None)
            .await,
    ));
    checks.push(read(
        "read groups",
        client
            .groups_page(ALL_DIRECTORIES, &GroupFilter::default(), None)
            .await,
    ));
    checks.push(read(
        "read workspaces",
        client
            .workspaces_page(&WorkspaceQuery::default(), None)
            .await,
    ));
    let needed = settings.provisioning;
    checks.push(probe(
        "grant workspace roles (roles/assign)",
        needed,
        client
            .assign_role(PROBE_ACCOUNT, PROBE_ROLE, PROBE_RESOURCE)
            .await,
    ));
    checks.push(probe(
        "revoke workspace roles (roles/revoke)",
        needed,
        client
            .revoke_role(PROBE_ACCOUNT, PROBE_ROLE, PROBE_RESOURCE)
            .await,
    ));
    let invitation = InvitationV1 {
        email: PROBE_EMAIL.to_owned(),
        permission_rule: PermissionRule {
            resource: PROBE_RESOURCE.to_owned(),
            role: PROBE_ROLE.to_owned(),
        },
        send_notification: Some(false),
        notification_text: None,
    };
    checks.push(probe(
        "invite users, v1 (users/invite)",
        needed,
        client.invite_v1(&invitation).await,
    ));
    checks
}

/// Logs in to ConductorOne. The session offers no call that only fetches a token, so
/// this sends a `Heartbeat` for a task id that was never handed out: it needs a token,
/// and ConductorOne refuses the unknown task (`NOT_FOUND`) without registering anything
/// or handing out a task (a `Hello` would register this host, a `GetTask` could take a
/// task).
async fn conductorone(c1: &C1Settings) -> Check {
    let check = Check::new("ConductorOne credentials", true);
    let session = match Session::connect(c1.session_config()).await {
        Ok(session) => session,
        Err(error) => {
            return check.with(
                Status::Failed,
                "check the ConductorOne settings",
                Some(error.to_string()),
            );
        }
    };
    match session.heartbeat(PROBE_TASK_ID).await {
        Ok(_) => check,
        Err(error) => match error.rpc_code() {
            Some(Code::Unauthenticated | Code::PermissionDenied) | None => check.with(
                Status::Failed,
                if error.is_retryable() {
                    "check that this host can reach ConductorOne"
                } else {
                    "check the client id and secret (rotate them in ConductorOne if needed)"
                },
                Some(error.to_string()),
            ),
            // Authenticated, then refused as an unknown task: the credentials work.
            Some(_) => check,
        },
    }
}

/// A read with the API key.
fn read<T>(capability: &'static str, result: Result<T, AtlassianError>) -> Check {
    let check = Check::new(capability, true);
    match result {
        Ok(_) => check,
        Err(error) => check.with(
            Status::Failed,
            "the API key must belong to an organization admin and have no scopes",
            Some(error.to_string()),
        ),
    }
}

/// A Support-gated endpoint, from its answer to a probe that cannot change anything.
fn probe<T>(capability: &'static str, needed: bool, result: Result<T, AtlassianError>) -> Check {
    let check = Check::new(capability, needed);
    let advice = if needed {
        "ask Atlassian Support to enable it (ticket below)"
    } else {
        "needed for provisioning only; ask Atlassian Support (ticket below)"
    };
    match result {
        Ok(_) => check,
        Err(AtlassianError::NotEnabled { .. }) => check.with(Status::NotEnabled, advice, None),
        // The endpoint refused the probe itself: it is enabled.
        Err(
            AtlassianError::NotFound { .. }
            | AtlassianError::BadRequest { .. }
            | AtlassianError::InvalidRole { .. }
            | AtlassianError::NotAMember { .. }
            | AtlassianError::Conflict { .. },
        ) => check,
        Err(error) => check.with(
            Status::Failed,
            "could not tell; see the error below",
            Some(error.to_string()),
        ),
    }
}

/// The table, the details of what failed, and the Support ticket when an endpoint is
/// not enabled.
fn report(checks: &[Check], organization_id: &str) -> String {
    let mut table = Table::new(&["capability", "status", "what to do"]);
    for check in checks {
        table.row(vec![
            check.capability.to_owned(),
            check.status.text().to_owned(),
            check.advice.clone(),
        ]);
    }
    let mut out = table.render();
    let details: Vec<&Check> = checks.iter().filter(|c| c.detail.is_some()).collect();
    if !details.is_empty() {
        out.push_str("\nDetails:\n");
        for check in details {
            let _ = writeln!(
                out,
                "  {}: {}",
                check.capability,
                check.detail.as_deref().unwrap_or_default()
            );
        }
    }
    if checks.iter().any(|c| c.status == Status::NotEnabled) {
        let _ = write!(
            out,
            "\nAtlassian Support ticket to raise:\n{}\n",
            atlassian::support_ticket_text(organization_id)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_enabled() -> AtlassianError {
        AtlassianError::NotEnabled {
            endpoint: "POST /x",
            name: "Grant User Access",
            api: atlassian::ApiError::default(),
        }
    }

    fn server_error() -> AtlassianError {
        AtlassianError::Server {
            endpoint: "POST /x",
            status: 503,
            retry_after: None,
            api: atlassian::ApiError::default(),
        }
    }

    #[test]
    fn a_probe_refused_for_its_content_shows_the_endpoint_enabled() {
        let refused = AtlassianError::NotFound {
            endpoint: "POST /x",
            api: atlassian::ApiError::default(),
        };
        let check = probe("grant", true, Err::<(), _>(refused));
        assert_eq!(check.status, Status::Ok);
        assert!(!check.blocks());
    }

    #[test]
    fn a_disabled_endpoint_blocks_only_when_provisioning_is_wanted() {
        let wanted = probe("grant", true, Err::<(), _>(not_enabled()));
        assert_eq!(wanted.status, Status::NotEnabled);
        assert!(wanted.blocks());
        let optional = probe("grant", false, Err::<(), _>(not_enabled()));
        assert_eq!(optional.status, Status::NotEnabled);
        assert!(!optional.blocks());
    }

    #[test]
    fn a_probe_that_cannot_tell_fails_with_its_error() {
        let check = probe("grant", false, Err::<(), _>(server_error()));
        assert_eq!(check.status, Status::Failed);
        assert!(check.detail.unwrap().contains("server error 503"));
    }

    #[test]
    fn the_report_lists_every_check_its_details_and_the_ticket() {
        let checks = [
            Check::new("configuration", true),
            probe(
                "grant workspace roles (roles/assign)",
                true,
                Err::<(), _>(not_enabled()),
            ),
            read::<()>("read users", Err(server_error())),
        ];
        let text = report(&checks, "org-1");
        assert!(text.starts_with("  CAPABILITY"), "{text}");
        assert!(text.contains("  configuration "), "{text}");
        assert!(text.contains("not enabled"), "{text}");
        assert!(text.contains("Details:\n  read users: "), "{text}");
        assert!(
            text.contains("Atlassian Support ticket to raise:"),
            "{text}"
        );
        assert!(text.contains("org-1"), "{text}");
    }
}
