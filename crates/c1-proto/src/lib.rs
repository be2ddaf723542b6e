//! Rust types for ConductorOne's connector wire protocol.
//!
//! The code is generated at build time from the `.proto` files in the
//! workspace's `proto/` folder, which mirror ConductorOne's `baton-sdk`
//! definitions field for field so that bytes and `Any` type URLs match:
//!
//! - [`c1::connector::v2`] holds the connector data model (resource types,
//!   resources, entitlements, grants, traits, annotations, provisioning).
//! - [`c1::connectorapi::baton::v1`] holds the `BatonService` gRPC API that a
//!   connector in service mode speaks to ConductorOne (client and server).
//! - [`c1::c1z::v1`] holds the `SyncDetails` annotation.
//! - [`google::rpc`] holds `google.rpc.Status`.
//!
//! Well-known types (`Any`, `Timestamp`, `Struct`, `Duration`) come from
//! [`prost_types`]. Helpers to pack and unpack `Any` live in [`any`].

pub mod any;

/// ConductorOne packages (`c1.*`).
pub mod c1 {
    /// The `c1.connector` packages.
    pub mod connector {
        /// `c1.connector.v2`: the connector data model.
        pub mod v2 {
            tonic::include_proto!("c1.connector.v2");
        }
    }

    /// The `c1.c1z` packages.
    pub mod c1z {
        /// `c1.c1z.v1`: annotations about c1z files.
        pub mod v1 {
            tonic::include_proto!("c1.c1z.v1");
        }
    }

    /// The `c1.connectorapi` packages.
    pub mod connectorapi {
        /// The `c1.connectorapi.baton` packages.
        pub mod baton {
            /// `c1.connectorapi.baton.v1`: the service-mode `BatonService`.
            pub mod v1 {
                tonic::include_proto!("c1.connectorapi.baton.v1");
            }
        }
    }
}

/// Google packages (`google.*`) other than the well-known types.
pub mod google {
    /// `google.rpc`: the gRPC status message.
    pub mod rpc {
        tonic::include_proto!("google.rpc");
    }
}

pub use prost_types;

/// Encoded `google.protobuf.FileDescriptorSet` of every `.proto` file this
/// crate is generated from (for reflection and wire-format checks).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/file_descriptor_set.bin"));
