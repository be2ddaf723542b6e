//! The `BatonService` gRPC server: every call passes the injected faults and the bearer
//! token check, then its request is validated, answered and recorded.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use c1_proto::c1::connectorapi::baton::v1::baton_service_finish_task_request::FinalState;
use c1_proto::c1::connectorapi::baton::v1::baton_service_server::BatonService;
use c1_proto::c1::connectorapi::baton::v1::{
    BatonServiceFinishTaskRequest, BatonServiceFinishTaskResponse, BatonServiceGetTaskRequest,
    BatonServiceGetTaskResponse, BatonServiceHeartbeatRequest, BatonServiceHeartbeatResponse,
    BatonServiceHelloRequest, BatonServiceHelloResponse, BatonServiceUploadAssetRequest,
    BatonServiceUploadAssetResponse,
};
use tonic::metadata::MetadataMap;
use tonic::{Code, Request, Response, Status, Streaming};

use super::faults::Method;
use super::records::{CallRecord, FinishRecord, GetTaskRecord, HeartbeatRecord, HelloRecord};
use super::state::{State, lock};
use super::upload;
use super::validate;

/// The service; all state lives in [`State`].
pub(crate) struct Baton {
    state: Arc<State>,
}

impl Baton {
    pub(crate) fn new(state: Arc<State>) -> Baton {
        Baton { state }
    }

    /// Applies an injected fault or the token check to a call. A refused call is recorded
    /// here; an admitted one when its [`Call::answer`] is given.
    fn admit(&self, method: Method, metadata: &MetadataMap) -> Result<Call<'_>, Status> {
        let user_agent = metadata
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut call = Call {
            state: &self.state,
            method,
            user_agent,
            client_id: None,
        };
        match self.authorize(method, metadata) {
            Ok(client_id) => {
                call.client_id = Some(client_id);
                Ok(call)
            }
            Err(status) => {
                call.record(Some(&status));
                Err(status)
            }
        }
    }

    /// The client of the call's bearer token, unless a fault fires first.
    fn authorize(&self, method: Method, metadata: &MetadataMap) -> Result<String, Status> {
        if let Some(code) = lock(&self.state.faults).take_call(method) {
            return Err(Status::new(code, "injected fault"));
        }
        let header = metadata
            .get("authorization")
            .ok_or_else(|| Status::unauthenticated("authorization metadata missing"))?
            .to_str()
            .map_err(|_| Status::unauthenticated("authorization metadata is not text"))?;
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .ok_or_else(|| Status::unauthenticated("authorization must be Bearer <token>"))?;
        lock(&self.state.tokens)
            .check(token, Instant::now())
            .map_err(Status::unauthenticated)
    }

    /// Checks and records a `Hello`; a Hello with a task id acknowledges that Hello task.
    fn hello(&self, request: BatonServiceHelloRequest, call: &Call<'_>) -> Result<(), Status> {
        validate::host_id(&request.host_id)?;
        if !request.task_id.is_empty() {
            validate::task_id(&request.task_id)?;
        }
        validate::annotations("hello", &request.annotations)?;
        if request.connector_metadata.is_none() {
            return Err(Status::invalid_argument("connector_metadata is required"));
        }
        let build = request.build_info.clone().unwrap_or_default();
        let os = request.os_info.clone().unwrap_or_default();
        for (field, value) in [
            ("build_info.lang_version", &build.lang_version),
            ("build_info.package", &build.package),
            ("build_info.package_version", &build.package_version),
            ("os_info.hostname", &os.hostname),
            ("os_info.os", &os.os),
            ("os_info.platform", &os.platform),
            ("os_info.platform_version", &os.platform_version),
            ("os_info.platform_family", &os.platform_family),
            ("os_info.kernel_version", &os.kernel_version),
            ("os_info.kernel_arch", &os.kernel_arch),
            ("os_info.virtualization_system", &os.virtualization_system),
        ] {
            validate::text(field, value)?;
        }
        if !request.task_id.is_empty() {
            let mut queue = lock(&self.state.queue);
            if !queue.was_delivered(&request.task_id) {
                return Err(unknown_task(&request.task_id));
            }
            queue.finish(&request.task_id);
        }
        let record = HelloRecord {
            at: SystemTime::now(),
            user_agent: call.user_agent.clone(),
            request,
        };
        self.state.journal.record(|r| r.hellos.push(record));
        Ok(())
    }

    /// Hands out the next task, if any.
    fn get_task(
        &self,
        request: BatonServiceGetTaskRequest,
    ) -> Result<BatonServiceGetTaskResponse, Status> {
        validate::host_id(&request.host_id)?;
        let task = lock(&self.state.queue).next(Instant::now());
        let record = GetTaskRecord {
            at: SystemTime::now(),
            host_id: request.host_id,
            task_id: task.as_ref().map(|t| t.id.clone()),
        };
        self.state.journal.record(|r| r.get_tasks.push(record));
        Ok(BatonServiceGetTaskResponse {
            task,
            next_poll: Some(duration(self.state.config.next_poll)),
            next_heartbeat: Some(duration(self.state.config.next_heartbeat)),
            annotations: Vec::new(),
        })
    }

    /// Records a heartbeat and says whether the task (and any batch ids) are cancelled.
    fn heartbeat(
        &self,
        request: BatonServiceHeartbeatRequest,
    ) -> Result<BatonServiceHeartbeatResponse, Status> {
        validate::host_id(&request.host_id)?;
        validate::task_id(&request.task_id)?;
        validate::annotations("heartbeat", &request.annotations)?;
        if request.task_ids.len() > validate::MAX_TASK_IDS {
            return Err(Status::invalid_argument("at most 100 task_ids"));
        }
        request
            .task_ids
            .iter()
            .try_for_each(|id| validate::task_id(id))?;
        let (cancelled, cancelled_task_ids) = {
            let queue = lock(&self.state.queue);
            if !queue.was_delivered(&request.task_id) {
                return Err(unknown_task(&request.task_id));
            }
            let batch = request.task_ids.iter().filter(|id| queue.is_cancelled(id));
            (
                queue.is_cancelled(&request.task_id),
                batch.cloned().collect(),
            )
        };
        let record = HeartbeatRecord {
            at: SystemTime::now(),
            host_id: request.host_id,
            task_id: request.task_id,
            cancelled,
        };
        self.state.journal.record(|r| r.heartbeats.push(record));
        Ok(BatonServiceHeartbeatResponse {
            next_heartbeat: Some(duration(self.state.config.next_heartbeat)),
            cancelled,
            annotations: Vec::new(),
            cancelled_task_ids,
        })
    }

    /// Records a task's outcome; the task leaves the queue.
    fn finish_task(&self, request: BatonServiceFinishTaskRequest) -> Result<(), Status> {
        validate::host_id(&request.host_id)?;
        validate::task_id(&request.task_id)?;
        let (success, non_retryable, response, annotations) = match request.final_state {
            Some(FinalState::Success(s)) => (true, false, s.response, s.annotations),
            Some(FinalState::Error(e)) => (false, e.non_retryable, e.response, e.annotations),
            None => return Err(Status::invalid_argument("final_state is required")),
        };
        validate::annotations("final_state", &annotations)?;
        {
            let mut queue = lock(&self.state.queue);
            if !queue.was_delivered(&request.task_id) {
                return Err(unknown_task(&request.task_id));
            }
            queue.finish(&request.task_id);
        }
        let record = FinishRecord {
            at: SystemTime::now(),
            host_id: request.host_id,
            task_id: request.task_id,
            success,
            non_retryable,
            status: request.status,
            response,
            annotations,
        };
        self.state.journal.record(|r| r.finishes.push(record));
        Ok(())
    }
}

/// An admitted call, recorded with its outcome.
struct Call<'s> {
    state: &'s State,
    method: Method,
    user_agent: Option<String>,
    client_id: Option<String>,
}

impl Call<'_> {
    /// Records the call's outcome and turns it into a gRPC answer.
    fn answer<T>(self, outcome: Result<T, Status>) -> Result<Response<T>, Status> {
        self.record(outcome.as_ref().err());
        outcome.map(Response::new)
    }

    /// Records the call: a success, or the error it got.
    fn record(self, error: Option<&Status>) {
        let (code, message) = error.map_or((Code::Ok, String::new()), |status| {
            (status.code(), status.message().to_owned())
        });
        let record = CallRecord {
            at: SystemTime::now(),
            method: self.method,
            user_agent: self.user_agent,
            client_id: self.client_id,
            code,
            message,
        };
        self.state.journal.record(|r| r.calls.push(record));
    }
}

#[tonic::async_trait]
impl BatonService for Baton {
    async fn hello(
        &self,
        request: Request<BatonServiceHelloRequest>,
    ) -> Result<Response<BatonServiceHelloResponse>, Status> {
        let call = self.admit(Method::Hello, request.metadata())?;
        let outcome = Baton::hello(self, request.into_inner(), &call);
        call.answer(outcome.map(|()| BatonServiceHelloResponse::default()))
    }

    async fn get_task(
        &self,
        request: Request<BatonServiceGetTaskRequest>,
    ) -> Result<Response<BatonServiceGetTaskResponse>, Status> {
        let call = self.admit(Method::GetTask, request.metadata())?;
        call.answer(Baton::get_task(self, request.into_inner()))
    }

    async fn heartbeat(
        &self,
        request: Request<BatonServiceHeartbeatRequest>,
    ) -> Result<Response<BatonServiceHeartbeatResponse>, Status> {
        let call = self.admit(Method::Heartbeat, request.metadata())?;
        call.answer(Baton::heartbeat(self, request.into_inner()))
    }

    async fn finish_task(
        &self,
        request: Request<BatonServiceFinishTaskRequest>,
    ) -> Result<Response<BatonServiceFinishTaskResponse>, Status> {
        let call = self.admit(Method::FinishTask, request.metadata())?;
        let outcome = Baton::finish_task(self, request.into_inner());
        call.answer(outcome.map(|()| BatonServiceFinishTaskResponse::default()))
    }

    async fn upload_asset(
        &self,
        request: Request<Streaming<BatonServiceUploadAssetRequest>>,
    ) -> Result<Response<BatonServiceUploadAssetResponse>, Status> {
        let call = self.admit(Method::UploadAsset, request.metadata())?;
        let outcome = upload::receive(&self.state, request.into_inner()).await;
        let outcome = outcome.map(|record| {
            self.state.journal.record(|r| r.uploads.push(record));
            BatonServiceUploadAssetResponse::default()
        });
        call.answer(outcome)
    }
}

/// A protobuf `Duration`.
fn duration(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: d.as_secs() as i64,
        nanos: d.subsec_nanos() as i32,
    }
}

fn unknown_task(task_id: &str) -> Status {
    Status::not_found(format!("task {task_id} was never handed out"))
}
