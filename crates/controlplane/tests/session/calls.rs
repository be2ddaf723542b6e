//! The BatonService calls: what they send and how answers are read.

use std::time::Duration;

use c1_proto::any::pack;
use c1_proto::c1::connector::v2::{ConnectorMetadata, GrantManagerServiceGrantResponse};
use c1_proto::c1::connectorapi::baton::v1::baton_service_finish_task_request::FinalState;
use c1_proto::c1::connectorapi::baton::v1::{Task, task};
use c1_proto::google::rpc::Status;
use controlplane::credentials::generate_client_secret;
use controlplane::{Error, HeartbeatOutcome, TaskOutcome};
use tonic::Code;

use crate::support::{FakeC1, HOST_ID, TASK_ID, install_crypto};

fn proto(seconds: i64, nanos: i32) -> prost_types::Duration {
    prost_types::Duration { seconds, nanos }
}

async fn started() -> (FakeC1, controlplane::Session) {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;
    let session = fake.session(&secret.secret).await;
    (fake, session)
}

#[tokio::test]
async fn every_call_carries_the_bearer_token_user_agent_and_host_id() {
    let (fake, session) = started().await;
    let dir = tempfile::tempdir().unwrap();
    let asset = dir.path().join("sync.c1z");
    std::fs::write(&asset, b"C1ZF\0data").unwrap();

    session
        .hello(None, ConnectorMetadata::default())
        .await
        .unwrap();
    session.get_task().await.unwrap();
    // Calls run on spawned tasks too, as the runner's task handlers will.
    let spawned = session.clone();
    tokio::spawn(async move { spawned.heartbeat(TASK_ID).await })
        .await
        .unwrap()
        .unwrap();
    let spawned = session.clone();
    tokio::spawn(async move { spawned.upload_asset(TASK_ID, &asset).await })
        .await
        .unwrap()
        .unwrap();
    let success = TaskOutcome::Success {
        response: None,
        annotations: Vec::new(),
    };
    session.finish_task(TASK_ID, success).await.unwrap();

    let recorded = fake.recorded();
    let methods: Vec<_> = recorded.calls.iter().map(|c| c.method).collect();
    assert_eq!(
        methods,
        ["Hello", "GetTask", "Heartbeat", "UploadAsset", "FinishTask"]
    );
    let expected_ua = format!(
        "test-client baton-sdk/v0.25.0 baton-atlassian-rs/{} ",
        env!("CARGO_PKG_VERSION")
    );
    for call in &recorded.calls {
        assert_eq!(
            call.authorization.as_deref(),
            Some("Bearer tok-1"),
            "{call:?}"
        );
        let ua = call.user_agent.as_deref().unwrap_or_default();
        assert!(ua.starts_with(&expected_ua), "{ua}");
    }
    assert_eq!(session.host_id(), HOST_ID);
    assert_eq!(recorded.hellos[0].host_id, HOST_ID);
    assert_eq!(recorded.get_tasks[0].host_id, HOST_ID);
    assert_eq!(recorded.heartbeats[0].host_id, HOST_ID);
    assert_eq!(recorded.finishes[0].host_id, HOST_ID);
    let Some(
        c1_proto::c1::connectorapi::baton::v1::baton_service_upload_asset_request::Msg::Metadata(
            meta,
        ),
    ) = recorded.uploads[0].first()
    else {
        panic!("upload did not start with metadata");
    };
    assert_eq!(meta.host_id, HOST_ID);
}

#[tokio::test]
async fn hello_sends_build_info_os_info_and_the_connector_metadata() {
    let (fake, session) = started().await;
    let metadata = ConnectorMetadata {
        display_name: "Atlassian".into(),
        ..Default::default()
    };

    session.hello(None, metadata.clone()).await.unwrap();
    session
        .hello(Some(TASK_ID), metadata.clone())
        .await
        .unwrap();

    let recorded = fake.recorded();
    assert_eq!(recorded.hellos[0].task_id, "");
    assert_eq!(recorded.hellos[1].task_id, TASK_ID);
    let hello = &recorded.hellos[0];
    assert_eq!(hello.connector_metadata.as_ref(), Some(&metadata));
    let build = hello.build_info.as_ref().unwrap();
    assert!(
        build.lang_version.starts_with("rust "),
        "{}",
        build.lang_version
    );
    assert_eq!(build.package, "baton-atlassian");
    assert_eq!(build.package_version, env!("CARGO_PKG_VERSION"));
    let os = hello.os_info.as_ref().unwrap();
    for (name, value) in [
        ("hostname", &os.hostname),
        ("os", &os.os),
        ("platform", &os.platform),
        ("platform_version", &os.platform_version),
        ("platform_family", &os.platform_family),
        ("kernel_version", &os.kernel_version),
        ("kernel_arch", &os.kernel_arch),
        ("virtualization_system", &os.virtualization_system),
    ] {
        assert!(
            !value.is_empty() && value.len() <= 256,
            "{name} = {value:?}"
        );
    }
    assert_eq!(os.virtualization_system, "none");
}

#[tokio::test]
async fn hello_error_keeps_its_code_and_the_hello_retry_rule() {
    let (fake, session) = started().await;

    fake.behave(|b| b.hello_error = Some(Code::PermissionDenied));
    let denied = session
        .hello(None, ConnectorMetadata::default())
        .await
        .unwrap_err();
    fake.behave(|b| b.hello_error = Some(Code::Unavailable));
    let unavailable = session
        .hello(None, ConnectorMetadata::default())
        .await
        .unwrap_err();

    assert!(
        matches!(
            denied,
            Error::Rpc {
                method: "Hello",
                code: Code::PermissionDenied,
                ..
            }
        ),
        "{denied:?}"
    );
    assert!(!denied.is_retryable());
    assert_eq!(unavailable.rpc_code(), Some(Code::Unavailable));
    assert!(unavailable.is_retryable());
}

#[tokio::test]
async fn get_task_returns_the_task_and_clamps_next_poll() {
    let (fake, session) = started().await;
    let sync = Task {
        id: TASK_ID.into(),
        task_type: Some(task::TaskType::SyncFull(Default::default())),
        ..Default::default()
    };

    fake.behave(|b| {
        b.task = Some(sync.clone());
        b.next_poll = Some(proto(0, 50_000_000));
    });
    let next = session.get_task().await.unwrap();
    assert_eq!(next.task, Some(sync));
    assert_eq!(next.next_poll, Duration::from_millis(50));

    let cases = [
        (None, Duration::from_millis(10)),
        (Some(proto(0, 0)), Duration::from_millis(10)),
        (Some(proto(0, 1_000_000)), Duration::from_millis(10)),
        (Some(proto(3_600, 0)), Duration::from_secs(300)),
    ];
    for (server, expected) in cases {
        fake.behave(|b| b.next_poll = server);
        assert_eq!(
            session.get_task().await.unwrap().next_poll,
            expected,
            "{server:?}"
        );
    }
}

#[tokio::test]
async fn none_task_and_missing_task_type_mean_no_task() {
    let (fake, session) = started().await;
    for task_type in [None, Some(task::TaskType::None(Default::default()))] {
        fake.behave(|b| {
            b.task = Some(Task {
                id: TASK_ID.into(),
                task_type: task_type.clone(),
                ..Default::default()
            })
        });
        assert_eq!(session.get_task().await.unwrap().task, None);
    }
}

#[tokio::test]
async fn heartbeat_reports_cancellation_and_clamps_next_heartbeat() {
    let (fake, session) = started().await;
    let cases = [
        (None, Duration::from_secs(30)),
        (Some(proto(0, 0)), Duration::from_secs(30)),
        (Some(proto(0, 200_000_000)), Duration::from_secs(1)),
        (Some(proto(45, 0)), Duration::from_secs(45)),
        (Some(proto(7_200, 0)), Duration::from_secs(300)),
    ];
    for (server, expected) in cases {
        fake.behave(|b| b.next_heartbeat = server);
        let outcome = session.heartbeat(TASK_ID).await.unwrap();
        assert_eq!(
            outcome,
            HeartbeatOutcome {
                cancelled: false,
                next_heartbeat: expected
            },
            "{server:?}"
        );
    }
    fake.behave(|b| b.cancelled = true);
    assert!(session.heartbeat(TASK_ID).await.unwrap().cancelled);
    assert_eq!(fake.recorded().heartbeats[0].task_id, TASK_ID);
}

#[tokio::test]
async fn finish_task_sends_success_or_error_with_a_thirty_second_deadline() {
    let (fake, session) = started().await;
    let response = pack(&GrantManagerServiceGrantResponse::default());
    let annotation = pack(&ConnectorMetadata::default());
    let status = Status {
        code: Code::FailedPrecondition as i32,
        message: "provisioning is not enabled".into(),
        details: Vec::new(),
    };

    let success = TaskOutcome::Success {
        response: Some(response.clone()),
        annotations: vec![annotation.clone()],
    };
    session.finish_task(TASK_ID, success).await.unwrap();
    let failure = TaskOutcome::Error {
        status: status.clone(),
        non_retryable: true,
        annotations: Vec::new(),
    };
    session.finish_task(TASK_ID, failure).await.unwrap();

    let recorded = fake.recorded();
    let [succeeded, failed] = &recorded.finishes[..] else {
        panic!("expected two FinishTask calls");
    };
    assert_eq!(succeeded.task_id, TASK_ID);
    assert_eq!(succeeded.status, None);
    let Some(FinalState::Success(success)) = &succeeded.final_state else {
        panic!("first finish is not a success");
    };
    assert_eq!(success.response.as_ref(), Some(&response));
    assert_eq!(success.annotations, [annotation]);
    assert_eq!(failed.status.as_ref(), Some(&status));
    let Some(FinalState::Error(error)) = &failed.final_state else {
        panic!("second finish is not an error");
    };
    assert!(error.non_retryable);
    assert_eq!(error.response, None);
    for call in recorded.calls.iter().filter(|c| c.method == "FinishTask") {
        let timeout = call.grpc_timeout.as_deref().expect("grpc-timeout is sent");
        assert!(deadline(timeout) <= Duration::from_secs(30), "{timeout}");
        assert!(deadline(timeout) > Duration::from_secs(20), "{timeout}");
    }
}

#[tokio::test]
async fn finish_task_is_sent_again_while_the_control_plane_is_unavailable() {
    let (fake, session) = started().await;
    fake.behave(|b| b.failing_finishes = 2);
    let success = TaskOutcome::Success {
        response: None,
        annotations: Vec::new(),
    };
    session.finish_task(TASK_ID, success.clone()).await.unwrap();
    assert_eq!(fake.recorded().finishes.len(), 3);

    fake.behave(|b| b.failing_finishes = 10);
    let error = session.finish_task(TASK_ID, success).await.unwrap_err();
    assert!(error.is_retryable(), "{error}");
    assert_eq!(
        fake.recorded().finishes.len(),
        3 + 4,
        "four attempts at most"
    );
}

/// Parses a `grpc-timeout` header value (digits and a unit).
fn deadline(value: &str) -> Duration {
    let (digits, unit) = value.split_at(value.len() - 1);
    let amount: u64 = digits.parse().unwrap();
    match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => panic!("bad grpc-timeout unit in {value}"),
    }
}

#[tokio::test]
async fn finish_task_with_seventeen_annotations_is_refused_before_sending() {
    let (fake, session) = started().await;
    let outcome = TaskOutcome::Success {
        response: None,
        annotations: vec![pack(&ConnectorMetadata::default()); 17],
    };

    let error = session.finish_task(TASK_ID, outcome).await.unwrap_err();

    assert!(
        matches!(error, Error::TooManyAnnotations { count: 17 }),
        "{error:?}"
    );
    assert!(fake.recorded().calls.is_empty());
}

#[tokio::test]
async fn connect_refuses_a_malformed_client_id_or_an_empty_host_id() {
    install_crypto();
    let secret = generate_client_secret();
    let fake = FakeC1::start(secret.public_key).await;

    let mut config = fake.config(&secret.secret);
    config.client_id = "test-client@localhost".into();
    let bad_id = controlplane::Session::connect(config).await.unwrap_err();
    let mut config = fake.config(&secret.secret);
    config.host_id = " ".into();
    let bad_host_id = controlplane::Session::connect(config).await.unwrap_err();

    assert!(
        matches!(
            bad_id,
            Error::ClientId(controlplane::ClientIdError::MissingSlash)
        ),
        "{bad_id:?}"
    );
    assert!(matches!(bad_host_id, Error::Config(_)), "{bad_host_id:?}");
    assert!(fake.recorded().token_requests.is_empty());
}
