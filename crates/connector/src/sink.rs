//! Where synced objects go: the [`Sink`] trait, its implementation for the `.c1z` writer,
//! and [`CollectingSink`], which keeps everything in memory (tests, small tools).

use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource, ResourceType};
use c1z::C1zWriter;

/// A sink's failure (the writer's own error inside).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SinkError(Box<dyn std::error::Error + Send + Sync + 'static>);

impl SinkError {
    /// Wraps the error of a sink.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        Self(error.into())
    }
}

impl From<c1z::Error> for SinkError {
    fn from(error: c1z::Error) -> Self {
        Self::new(error)
    }
}

/// Receives the objects of a sync, one at a time, on a blocking thread of its own (the
/// sync feeds it through a bounded channel, so network and storage work overlap).
pub trait Sink: Send + 'static {
    /// Stores a resource type.
    fn resource_type(&mut self, resource_type: &ResourceType) -> Result<(), SinkError>;
    /// Stores a resource.
    fn resource(&mut self, resource: &Resource) -> Result<(), SinkError>;
    /// Stores an entitlement.
    fn entitlement(&mut self, entitlement: &Entitlement) -> Result<(), SinkError>;
    /// Stores a grant.
    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError>;
}

impl Sink for C1zWriter {
    fn resource_type(&mut self, resource_type: &ResourceType) -> Result<(), SinkError> {
        Ok(self.put_resource_type(resource_type)?)
    }

    fn resource(&mut self, resource: &Resource) -> Result<(), SinkError> {
        Ok(self.put_resource(resource)?)
    }

    fn entitlement(&mut self, entitlement: &Entitlement) -> Result<(), SinkError> {
        Ok(self.put_entitlement(entitlement)?)
    }

    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        Ok(self.put_grant(grant)?)
    }
}

/// A sink that keeps every object, in arrival order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CollectingSink {
    /// Resource types received.
    pub resource_types: Vec<ResourceType>,
    /// Resources received.
    pub resources: Vec<Resource>,
    /// Entitlements received.
    pub entitlements: Vec<Entitlement>,
    /// Grants received.
    pub grants: Vec<Grant>,
}

impl Sink for CollectingSink {
    fn resource_type(&mut self, resource_type: &ResourceType) -> Result<(), SinkError> {
        self.resource_types.push(resource_type.clone());
        Ok(())
    }

    fn resource(&mut self, resource: &Resource) -> Result<(), SinkError> {
        self.resources.push(resource.clone());
        Ok(())
    }

    fn entitlement(&mut self, entitlement: &Entitlement) -> Result<(), SinkError> {
        self.entitlements.push(entitlement.clone());
        Ok(())
    }

    fn grant(&mut self, grant: &Grant) -> Result<(), SinkError> {
        self.grants.push(grant.clone());
        Ok(())
    }
}
