//! A running process's resident memory and CPU time, read from `/proc` (Linux): what the
//! bench samples of a daemon that does not exit on its own.

use std::io;

/// The resident set size (`VmRSS`) of process `pid` now, bytes.
pub fn resident_bytes(pid: u32) -> io::Result<u64> {
    status_bytes(pid, "VmRSS")
}

/// The highest resident set size (`VmHWM`) of process `pid` so far, bytes.
pub fn peak_resident_bytes(pid: u32) -> io::Result<u64> {
    status_bytes(pid, "VmHWM")
}

/// The CPU time (user + system) process `pid` has used so far, seconds.
pub fn cpu_seconds(pid: u32) -> io::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = cpu_ticks(&stat).ok_or_else(|| malformed("stat"))?;
    // SAFETY: sysconf only reads a system setting.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if per_second <= 0 {
        return Err(io::Error::other("the clock tick rate is unknown"));
    }
    Ok(ticks as f64 / per_second as f64)
}

/// The field `key` of `/proc/<pid>/status`, in bytes.
fn status_bytes(pid: u32, key: &str) -> io::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status_kib(&status, key)
        .map(|kib| kib * 1024)
        .ok_or_else(|| malformed(key))
}

/// The value of a `Key:   1234 kB` line of a status file, in KiB.
fn status_kib(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        value.trim().strip_suffix("kB")?.trim().parse().ok()
    })
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in clock ticks: fields 14 and 15, counted
/// after the command name, which sits in parentheses and may hold spaces.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    // After the name come field 3 (state) onwards.
    let mut fields = after_name.split_whitespace().skip(14 - 3);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

fn malformed(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("no readable {what} in /proc"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_are_read_in_kib_by_key() {
        let status = "Name:\tbaton\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(status_kib(status, "VmRSS"), Some(10_240));
        assert_eq!(status_kib(status, "VmHWM"), Some(20_480));
        assert_eq!(status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn cpu_ticks_add_user_and_system_time_even_with_spaces_in_the_name() {
        let stat = "4242 (baton (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 \
                    37 5 0 0 20 0 8 0 1234 0 0";
        assert_eq!(cpu_ticks(stat), Some(42));
        assert_eq!(cpu_ticks("4242 (baton) S 1"), None);
    }

    #[test]
    fn this_process_has_memory_and_cpu_time() {
        let pid = std::process::id();
        // Other test threads allocate meanwhile, and the kernel's counters are per-thread
        // approximations, so only their presence is checked.
        assert!(resident_bytes(pid).unwrap() > 0);
        assert!(peak_resident_bytes(pid).unwrap() > 0);
        assert!(cpu_seconds(pid).unwrap() >= 0.0);
    }
}
