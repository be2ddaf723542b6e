//! BatonService messages use the field numbers of ConductorOne's protocol.
//!
//! These messages never appear in the `.c1z` fixtures, so their encodings are
//! compared with bytes built by hand from the spec's field numbers, and the
//! generated client and server are checked to talk to each other.

use c1_proto::any;
use c1_proto::c1::connector::v2::{ConnectorMetadata, GrantAlreadyExists, Resource, ResourceId};
use c1_proto::c1::connectorapi::baton::v1::{
    BatonServiceFinishTaskRequest, BatonServiceGetTaskRequest, BatonServiceGetTaskResponse,
    BatonServiceHeartbeatRequest, BatonServiceHelloRequest, BatonServiceHelloResponse,
    BatonServiceUploadAssetRequest, BatonServiceUploadAssetResponse, Task,
    baton_service_client::BatonServiceClient,
    baton_service_finish_task_request::{self, FinalState},
    baton_service_hello_request::{BuildInfo, OsInfo},
    baton_service_server::{BatonService, BatonServiceServer},
    baton_service_upload_asset_request::{Msg, UploadData, UploadEof, UploadMetadata},
    task,
};
use c1_proto::google::rpc::Status;
use prost::Message;

const VARINT: u64 = 0;
const LEN: u64 = 2;

/// Appends `v` as a base-128 varint.
fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited field: key, length, payload.
fn len_field(number: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3 | LEN, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A varint field: key, value.
fn varint_field(number: u64, value: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(number << 3 | VARINT, &mut out);
    varint(value, &mut out);
    out
}

fn fields(parts: &[Vec<u8>]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn get_task_request_puts_host_id_in_field_1() {
    let request = BatonServiceGetTaskRequest {
        host_id: "host".into(),
    };
    assert_eq!(request.encode_to_vec(), len_field(1, b"host"));
}

#[test]
fn hello_request_uses_spec_field_numbers() {
    let request = BatonServiceHelloRequest {
        host_id: "h".into(),
        task_id: "t".into(),
        build_info: Some(BuildInfo {
            lang_version: "l".into(),
            package: "p".into(),
            package_version: "v".into(),
        }),
        os_info: Some(OsInfo {
            hostname: "1".into(),
            os: "2".into(),
            platform: "3".into(),
            platform_version: "4".into(),
            platform_family: "5".into(),
            kernel_version: "6".into(),
            kernel_arch: "7".into(),
            virtualization_system: "8".into(),
        }),
        connector_metadata: Some(ConnectorMetadata {
            display_name: "Atlassian".into(),
            ..Default::default()
        }),
        annotations: vec![any::pack(&GrantAlreadyExists {})],
    };
    let os_info: Vec<Vec<u8>> = (1..=8u8)
        .map(|n| len_field(u64::from(n), &[b'0' + n]))
        .collect();
    let expected = fields(&[
        len_field(1, b"h"),
        len_field(2, b"t"),
        len_field(
            3,
            &fields(&[len_field(1, b"l"), len_field(2, b"p"), len_field(3, b"v")]),
        ),
        len_field(4, &os_info.concat()),
        len_field(5, &len_field(1, b"Atlassian")),
        len_field(
            6,
            &len_field(1, b"type.googleapis.com/c1.connector.v2.GrantAlreadyExists"),
        ),
    ]);
    assert_eq!(request.encode_to_vec(), expected);
}

#[test]
fn finish_task_error_uses_spec_field_numbers() {
    let request = BatonServiceFinishTaskRequest {
        host_id: "h".into(),
        task_id: "t".into(),
        status: Some(Status {
            code: 9,
            message: "m".into(),
            details: vec![],
        }),
        final_state: Some(FinalState::Error(
            baton_service_finish_task_request::Error {
                non_retryable: true,
                annotations: vec![],
                response: None,
            },
        )),
    };
    let expected = fields(&[
        len_field(1, b"h"),
        len_field(2, b"t"),
        len_field(3, &fields(&[varint_field(1, 9), len_field(2, b"m")])),
        len_field(100, &varint_field(1, 1)),
    ]);
    assert_eq!(request.encode_to_vec(), expected);
}

#[test]
fn finish_task_success_carries_response_any_in_field_2_of_field_101() {
    let response = any::pack(&GrantAlreadyExists {});
    let request = BatonServiceFinishTaskRequest {
        host_id: "h".into(),
        task_id: "t".into(),
        status: None,
        final_state: Some(FinalState::Success(
            baton_service_finish_task_request::Success {
                annotations: vec![response.clone()],
                response: Some(response),
            },
        )),
    };
    let any_bytes = len_field(1, b"type.googleapis.com/c1.connector.v2.GrantAlreadyExists");
    let expected = fields(&[
        len_field(1, b"h"),
        len_field(2, b"t"),
        len_field(
            101,
            &fields(&[len_field(1, &any_bytes), len_field(2, &any_bytes)]),
        ),
    ]);
    assert_eq!(request.encode_to_vec(), expected);
}

#[test]
fn heartbeat_request_uses_spec_field_numbers() {
    let request = BatonServiceHeartbeatRequest {
        host_id: "h".into(),
        task_id: "t".into(),
        annotations: vec![],
        task_ids: vec!["a".into()],
    };
    let expected = fields(&[len_field(1, b"h"), len_field(2, b"t"), len_field(4, b"a")]);
    assert_eq!(request.encode_to_vec(), expected);
}

#[test]
fn upload_asset_messages_use_oneof_fields_100_to_102() {
    let metadata = BatonServiceUploadAssetRequest {
        msg: Some(Msg::Metadata(UploadMetadata {
            host_id: "h".into(),
            task_id: "t".into(),
            annotations: vec![],
        })),
    };
    let data = BatonServiceUploadAssetRequest {
        msg: Some(Msg::Data(UploadData {
            data: b"xyz".to_vec(),
        })),
    };
    let eof = BatonServiceUploadAssetRequest {
        msg: Some(Msg::Eof(UploadEof {
            sha256_checksum: vec![7; 32],
            annotations: vec![],
        })),
    };
    assert_eq!(
        metadata.encode_to_vec(),
        len_field(100, &fields(&[len_field(1, b"h"), len_field(2, b"t")]))
    );
    assert_eq!(data.encode_to_vec(), len_field(101, &len_field(1, b"xyz")));
    assert_eq!(eof.encode_to_vec(), len_field(102, &len_field(1, &[7; 32])));
}

#[test]
fn get_task_response_decodes_a_hand_made_sync_task() {
    let sync_full = fields(&[
        varint_field(2, 1),
        len_field(
            4,
            &len_field(1, &fields(&[len_field(1, b"user"), len_field(2, b"42")])),
        ),
        len_field(5, b"group"),
        len_field(7, b"sqlite"),
    ]);
    let task = fields(&[
        len_field(1, b"2ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        varint_field(2, 3),
        varint_field(3, 1),
        len_field(102, &sync_full),
    ]);
    let bytes = fields(&[len_field(1, &task), len_field(2, &varint_field(1, 30))]);

    let response = BatonServiceGetTaskResponse::decode(bytes.as_slice()).unwrap();

    let task = response.task.unwrap();
    assert_eq!(task.id, "2ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    assert_eq!(task.status(), task::Status::Running);
    assert!(task.debug);
    let Some(task::TaskType::SyncFull(sync)) = task.task_type else {
        panic!("expected a sync_full task, got {:?}", task.task_type);
    };
    assert!(sync.skip_expand_grants);
    assert_eq!(
        sync.targeted_sync_resources,
        vec![Resource {
            id: Some(ResourceId {
                resource_type: "user".into(),
                resource: "42".into(),
                baton_resource: false,
            }),
            ..Default::default()
        }]
    );
    assert_eq!(sync.sync_resource_type_ids, vec!["group".to_string()]);
    assert_eq!(sync.storage_engine, "sqlite");
    assert_eq!(response.next_poll.unwrap().seconds, 30);
}

#[test]
fn task_oneof_numbers_match_the_spec() {
    let cases: [(task::TaskType, u64); 5] = [
        (task::TaskType::None(Default::default()), 100),
        (task::TaskType::Hello(Default::default()), 101),
        (task::TaskType::Grant(Default::default()), 103),
        (task::TaskType::Revoke(Default::default()), 104),
        (task::TaskType::IssueCredential(Default::default()), 123),
    ];
    for (task_type, number) in cases {
        let task = Task {
            task_type: Some(task_type),
            ..Default::default()
        };
        assert_eq!(
            task.encode_to_vec(),
            len_field(number, &[]),
            "field {number}"
        );
    }
}

/// Answers Hello and UploadAsset; every other method is left unimplemented.
struct FakeControlPlane;

#[tonic::async_trait]
impl BatonService for FakeControlPlane {
    async fn hello(
        &self,
        request: tonic::Request<BatonServiceHelloRequest>,
    ) -> Result<tonic::Response<BatonServiceHelloResponse>, tonic::Status> {
        let host = request.into_inner().host_id;
        Ok(tonic::Response::new(BatonServiceHelloResponse {
            annotations: vec![any::pack(&ResourceId {
                resource: host,
                ..Default::default()
            })],
        }))
    }

    async fn upload_asset(
        &self,
        request: tonic::Request<tonic::Streaming<BatonServiceUploadAssetRequest>>,
    ) -> Result<tonic::Response<BatonServiceUploadAssetResponse>, tonic::Status> {
        let mut stream = request.into_inner();
        let mut bytes = 0;
        while let Some(msg) = stream.message().await? {
            if let Some(Msg::Data(chunk)) = msg.msg {
                bytes += chunk.data.len();
            }
        }
        Ok(tonic::Response::new(BatonServiceUploadAssetResponse {
            annotations: vec![any::pack(&ResourceId {
                resource: bytes.to_string(),
                ..Default::default()
            })],
        }))
    }
}

#[tokio::test]
async fn generated_client_and_server_talk_to_each_other() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(BatonServiceServer::new(FakeControlPlane))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );
    let mut client = BatonServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();

    let hello = client
        .hello(BatonServiceHelloRequest {
            host_id: "host-1".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let echoed: ResourceId = any::find(&hello.annotations).unwrap().unwrap();
    assert_eq!(echoed.resource, "host-1");

    let chunks = [
        Msg::Data(UploadData { data: vec![1; 5] }),
        Msg::Data(UploadData { data: vec![2; 3] }),
    ];
    let upload = client
        .upload_asset(tokio_stream::iter(
            chunks.map(|msg| BatonServiceUploadAssetRequest { msg: Some(msg) }),
        ))
        .await
        .unwrap()
        .into_inner();
    let counted: ResourceId = any::find(&upload.annotations).unwrap().unwrap();
    assert_eq!(counted.resource, "8");

    let status = client
        .get_task(BatonServiceGetTaskRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unimplemented);
}
