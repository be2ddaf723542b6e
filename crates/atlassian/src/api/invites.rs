//! Invitations. Never retried after server errors: a repeat could invite (and email) twice.

use crate::client::{Call, Client};
use crate::endpoints::{INVITE_V1, INVITE_V2};
use crate::error::Error;
use crate::models::{DataEnvelope, Invitation, InvitationV1, InvitedUser};

impl Client {
    /// Invites users (`POST /admin/v2/orgs/{orgId}/users/invite`); needs a paid subscription.
    /// Check [`AssignmentResult::failed`](crate::AssignmentResult::failed) for partial failures.
    pub async fn invite(&self, invitation: &Invitation) -> Result<Vec<InvitedUser>, Error> {
        let call = Call::new(&INVITE_V2, &[self.org_id()]).json(invitation);
        let envelope: DataEnvelope<Vec<InvitedUser>> = self.fetch(call).await?;
        Ok(envelope.data)
    }

    /// Invites one user with the v1 API (`POST /admin/v1/orgs/{orgId}/users/invite`, until
    /// 30 June 2026; needs Atlassian Support enablement, else [`Error::NotEnabled`]).
    pub async fn invite_v1(&self, invitation: &InvitationV1) -> Result<(), Error> {
        self.execute(Call::new(&INVITE_V1, &[self.org_id()]).json(invitation))
            .await
    }
}
