//! The parts of the `bench` driver (`make bench`) that stand alone: running a measured
//! program as a child process with its own peak RSS ([`measure`]), sampling a running
//! one's memory and CPU time ([`procfs`]), percentiles ([`stats`]), the Go SDK's published
//! figures ([`reference`]), report lines judged against their targets ([`report`]) and
//! the table they print as ([`table`]). The binary adds the command line and the parts
//! that drive the simulators and the programs.

pub mod measure;
pub mod procfs;
pub mod reference;
pub mod report;
pub mod stats;
pub mod table;
