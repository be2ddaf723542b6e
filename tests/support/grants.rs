//! Grant tasks for end-to-end tests: a workspace role every Jira workspace offers, a user
//! who does not hold it yet, the task granting it, and whether the organization shows it.

use sim::atlassian::{Org, Principal, valid_roles};
use sim::controlplane::tasks;

/// A role every Jira workspace offers that needs no licence seat.
pub const ROLE: &str = "atlassian/user-access-admin";

/// The variable that allows provisioning tasks.
pub const PROVISIONING: (&str, &str) = ("BATON_PROVISIONING", "true");

/// A workspace offering [`ROLE`] and an active directory user not holding it there.
pub fn workspace_and_user(org: &Org) -> (String, String) {
    let workspace = org
        .workspaces
        .iter()
        .find(|w| valid_roles(&w.product).contains(&ROLE))
        .expect("a Jira workspace");
    let user = org
        .users
        .iter()
        .filter(|u| u.is_active() && u.directory_id.is_some())
        .find(|u| !holds(org, &u.account_id, &workspace.id))
        .expect("a user without the role");
    (workspace.id.clone(), user.account_id.clone())
}

/// Whether the user holds [`ROLE`] directly on the workspace.
pub fn holds(org: &Org, account_id: &str, workspace: &str) -> bool {
    org.roles_of(&Principal::User(account_id.to_owned()))
        .any(|row| row.resource_id == workspace && row.role == ROLE)
}

/// A grant task of [`ROLE`] on `workspace` to `user`.
pub fn grant_task(workspace: &str, user: &str) -> c1_proto::c1::connectorapi::baton::v1::Task {
    let entitlement = tasks::entitlement(
        tasks::resource("workspace", workspace),
        &format!("role:{ROLE}"),
    );
    tasks::grant(entitlement, tasks::resource("user", user))
}
