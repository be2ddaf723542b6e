//! `health-check`: asks the running service's health server for one endpoint, for exec
//! probes (no curl needed in the image). Exits 0 on HTTP 200, 1 otherwise, printing one
//! line either way.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::Context as _;

use super::Failure;
use crate::cli::HealthCheckArgs;
use crate::config::ConfigError;

/// Sends `GET /<endpoint>` and prints the answer.
pub(super) fn run(args: &HealthCheckArgs) -> Result<(), Failure> {
    let address = probe_address(&args.health_check_bind_address, args.health_check_port)?;
    let timeout = Duration::from_secs(args.timeout.max(1));
    let url = format!("http://{address}/{}", args.endpoint);
    let (status, body) =
        get(address, &args.endpoint, timeout).with_context(|| format!("{url}: no answer"))?;
    let line = format!("{url}: HTTP {status} {}", body.trim().replace('\n', " "));
    if status != 200 {
        return Err(Failure::Run(anyhow::anyhow!(line)));
    }
    println!("{line}");
    Ok(())
}

/// Where to reach a server listening on `bind`: an unspecified address (0.0.0.0, ::) is
/// asked on loopback.
fn probe_address(bind: &str, port: u16) -> Result<SocketAddr, ConfigError> {
    let ip: IpAddr = bind.trim().parse().map_err(|_| {
        ConfigError::invalid(
            "health-check-bind-address",
            format!("expected an IP address such as 0.0.0.0 or 127.0.0.1, got '{bind}'"),
        )
    })?;
    let ip = match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    Ok(SocketAddr::new(ip, port))
}

/// One HTTP/1.1 GET: the status code and the body.
fn get(address: SocketAddr, endpoint: &str, timeout: Duration) -> anyhow::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /{endpoint} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .context("not an HTTP response")?;
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_owned();
    Ok((status, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_bind_addresses_are_probed_on_loopback() {
        assert_eq!(
            probe_address("0.0.0.0", 8081).unwrap(),
            "127.0.0.1:8081".parse().unwrap()
        );
        assert_eq!(probe_address("::", 9).unwrap(), "[::1]:9".parse().unwrap());
        assert_eq!(
            probe_address("10.1.2.3", 80).unwrap(),
            "10.1.2.3:80".parse().unwrap()
        );
        assert_eq!(
            probe_address("nowhere", 80).unwrap_err().flag,
            "health-check-bind-address"
        );
    }
}
