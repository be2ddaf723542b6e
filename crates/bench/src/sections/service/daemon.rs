//! The daemon under measure, `baton-atlassian serve`, started straight from the driver: its
//! memory and CPU time are sampled from `/proc` while it runs (a current figure, unlike the
//! peak RSS the launcher exists for), and it is stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};
use bench::measure;

/// How long the daemon may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a stopping daemon is checked on.
const STOP_CHECK: Duration = Duration::from_millis(20);
/// Lines of the daemon's log quoted in an error.
const LOG_TAIL: usize = 5;

/// A running daemon; killed if dropped while still running.
pub struct Daemon {
    child: Child,
    log: PathBuf,
    /// The instant just before it was spawned.
    pub started: SystemTime,
}

impl Daemon {
    /// Starts `command`, its log (stderr) going to the file `log`.
    pub fn spawn(mut command: Command, log: &Path) -> anyhow::Result<Daemon> {
        let file = std::fs::File::create(log)
            .with_context(|| format!("could not create {}", log.display()))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file);
        let started = SystemTime::now();
        let child = command.spawn().context("could not start baton-atlassian")?;
        Ok(Daemon {
            child,
            log: log.to_owned(),
            started,
        })
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Fails, quoting the end of its log, when the daemon has exited.
    pub fn check_running(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => bail!("baton-atlassian exited ({status}): {}", self.log_tail()),
            None => Ok(()),
        }
    }

    /// The file its log goes to.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The last lines of its log.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        measure::tail(&log, LOG_TAIL)
    }

    /// Sends SIGTERM and waits for a successful exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = libc::pid_t::try_from(self.pid())?;
        // SAFETY: kill(2) only sends a signal, to our own child, which nothing has reaped.
        if unsafe { libc::kill(pid, libc::SIGTERM) } != 0 {
            return Err(std::io::Error::last_os_error()).context("could not signal the daemon");
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("baton-atlassian stopped with {status}: {}", self.log_tail());
                }
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!("baton-atlassian did not stop within {STOP_TIMEOUT:?} of SIGTERM");
            }
            std::thread::sleep(STOP_CHECK);
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A daemon left running by an error; after `stop` it has been reaped already.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
