//! The bench's parts, and what they share: where the measured programs are, how they are
//! run, a scratch folder, the in-process Atlassian simulator and the runtime serving it.

pub mod c1z;
pub mod client;
pub mod rate_limited;
pub mod service;
pub mod sync;

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context as _;
use bench::measure::{self, Measured};
use sim::atlassian::{AtlassianSim, OrgSpec, RateLimit, SimConfig};
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// The seed of every simulated organization, so runs compare.
const SEED: u64 = 1;

/// What every part needs.
pub struct Context {
    /// The driver's executable: the launcher of every measured program.
    driver: PathBuf,
    /// Its folder: the measured programs sit beside it.
    bin_dir: PathBuf,
    /// Scratch files, deleted at the end.
    scratch: TempDir,
    /// Serves the simulator while the driver's own thread waits for a child.
    runtime: Runtime,
}

impl Context {
    /// A context for the driver at `driver`, with the programs beside it.
    pub fn new(driver: PathBuf) -> anyhow::Result<Context> {
        let bin_dir = driver
            .parent()
            .context("the driver's executable has no folder")?
            .to_owned();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("could not start the async runtime")?;
        let scratch = tempfile::Builder::new()
            .prefix("bench-")
            .tempdir()
            .context("could not create a scratch folder")?;
        Ok(Context {
            driver,
            bin_dir,
            scratch,
            runtime,
        })
    }

    /// The program at `relative` below the binaries' folder (e.g. `examples/write_reference`),
    /// or why a part must be skipped without it.
    pub fn program(&self, relative: &str) -> Result<PathBuf, String> {
        let path = self.bin_dir.join(relative);
        if path.is_file() {
            Ok(path)
        } else {
            let name = Path::new(relative).file_name().unwrap_or_default();
            Err(format!("{} not built", name.to_string_lossy()))
        }
    }

    /// Runs `command` to its end and measures it (see [`measure::run`]).
    pub fn measure(&self, command: &Command) -> anyhow::Result<Measured> {
        measure::run(&self.driver, command)
    }

    /// A path in the scratch folder.
    pub fn scratch_file(&self, name: &str) -> PathBuf {
        self.scratch.path().join(name)
    }

    /// Starts the simulator with a generated organization of `users` accounts.
    pub fn start_sim(&self, users: usize) -> anyhow::Result<AtlassianSim> {
        self.start_limited_sim(users, None)
    }

    /// Starts the simulator with a generated organization of `users` accounts and
    /// `rate_limit` per credential.
    pub fn start_limited_sim(
        &self,
        users: usize,
        rate_limit: Option<RateLimit>,
    ) -> anyhow::Result<AtlassianSim> {
        let config = SimConfig {
            org: OrgSpec { users, seed: SEED },
            rate_limit,
            ..SimConfig::default()
        };
        self.runtime
            .block_on(AtlassianSim::start(config))
            .context("could not start the Atlassian simulator")
    }

    /// Stops the simulator and waits until it has stopped.
    pub fn stop_sim(&self, sim: AtlassianSim) {
        self.runtime.block_on(sim.shutdown());
    }

    /// Runs `future` to its end on the runtime that serves the simulators.
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// Prints a progress line on stderr.
pub fn progress(section: &str, message: &str) {
    eprintln!("bench: {section}: {message}");
}
