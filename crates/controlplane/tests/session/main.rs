//! The session against a minimal fake ConductorOne (tonic `BatonService` and
//! the token endpoint on one TLS port, see `support`).

mod calls;
mod rotation;
mod support;
mod tls;
mod token;
mod upload;
