//! The Go connector's global actions: `disable_user` suspends a user's access to the
//! organization and `enable_user` restores it (v1 `suspend-access` / `restore-access`),
//! each with the argument `user_id` and the answer `{"success": true}`.

use c1_proto::prost_types::{Struct, Value, value::Kind};

use super::error::ProvisionError;
use crate::AtlassianConnector;

/// Name of the action that suspends a user's access (ACTION_TYPE_ACCOUNT_DISABLE).
pub const DISABLE_USER: &str = "disable_user";
/// Name of the action that restores a user's access (ACTION_TYPE_ACCOUNT_ENABLE).
pub const ENABLE_USER: &str = "enable_user";
/// The argument both actions take: the Atlassian account id.
pub const USER_ID: &str = "user_id";

/// The account id argument, with the Go connector's messages when it is missing.
fn user_id(args: &Struct) -> Result<&str, ProvisionError> {
    let value = args
        .fields
        .get(USER_ID)
        .ok_or_else(|| ProvisionError::invalid("user_id parameter is required"))?;
    match &value.kind {
        Some(Kind::StringValue(id)) if !id.trim().is_empty() => Ok(id),
        _ => Err(ProvisionError::invalid("user_id cannot be empty")),
    }
}

impl AtlassianConnector {
    /// Runs the action `name` ([`DISABLE_USER`] or [`ENABLE_USER`]) with `args`
    /// (`{"user_id": "<account id>"}`) and returns `{"success": true}`.
    pub async fn invoke_action(&self, name: &str, args: &Struct) -> Result<Struct, ProvisionError> {
        self.ensure_writable(&format!("the action {name}"))?;
        let suspend = match name {
            DISABLE_USER => true,
            ENABLE_USER => false,
            _ => {
                return Err(ProvisionError::invalid(format!(
                    "unknown action '{name}'; this connector offers {DISABLE_USER} and {ENABLE_USER}"
                )));
            }
        };
        let account_id = user_id(args)?;
        let result = if suspend {
            self.client.suspend_user_v1(account_id).await
        } else {
            self.client.restore_user_v1(account_id).await
        };
        let doing = format!("{name} for user:{account_id}");
        result.map_err(|e| self.failure(&doing, &e))?;
        tracing::info!("{doing} done");
        let success = Value {
            kind: Some(Kind::BoolValue(true)),
        };
        Ok(Struct {
            fields: [("success".to_owned(), success)].into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(value: Option<Kind>) -> Struct {
        Struct {
            fields: value
                .map(|kind| (USER_ID.to_owned(), Value { kind: Some(kind) }))
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn the_user_id_argument_is_required_and_not_empty() {
        assert_eq!(
            user_id(&args(None)).unwrap_err().message,
            "user_id parameter is required"
        );
        for empty in [Kind::StringValue(" ".into()), Kind::BoolValue(true)] {
            assert_eq!(
                user_id(&args(Some(empty))).unwrap_err().message,
                "user_id cannot be empty"
            );
        }
        assert_eq!(
            user_id(&args(Some(Kind::StringValue("557058:u".into())))).unwrap(),
            "557058:u"
        );
    }
}
