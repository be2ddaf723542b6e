//! The health server's settings: whether it runs, where it listens, how long `/health`
//! waits for the Atlassian check.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::ConfigError;
use super::duration::parse_duration;
use crate::cli::HealthArgs;

/// Where the health server listens and how long `/health` may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthSettings {
    /// The address and port listened on.
    pub address: SocketAddr,
    /// How long `/health` waits for the connector's check.
    pub check_timeout: Duration,
}

impl HealthSettings {
    /// Checks the health flags: `None` unless `--health-check` is on.
    pub fn from_args(args: &HealthArgs) -> Result<Option<Self>, ConfigError> {
        if !args.health_check {
            return Ok(None);
        }
        let port = args.health_check_port.trim().parse::<u16>().map_err(|_| {
            ConfigError::invalid(
                "health-check-port",
                format!(
                    "expected a port from 0 to 65535, got '{}'",
                    args.health_check_port
                ),
            )
        })?;
        let ip = args
            .health_check_bind_address
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| {
                ConfigError::invalid(
                    "health-check-bind-address",
                    format!(
                        "expected an IP address such as 0.0.0.0 or 127.0.0.1, got '{}'",
                        args.health_check_bind_address
                    ),
                )
            })?;
        let check_timeout = parse_duration(&args.health_check_timeout)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| {
                ConfigError::invalid(
                    "health-check-timeout",
                    format!(
                        "expected a duration such as 30s, got '{}'",
                        args.health_check_timeout
                    ),
                )
            })?;
        Ok(Some(Self {
            address: SocketAddr::new(ip, port),
            check_timeout,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(on: bool, port: &str, bind: &str) -> HealthArgs {
        HealthArgs {
            health_check: on,
            health_check_port: port.into(),
            health_check_bind_address: bind.into(),
            health_check_timeout: "30s".into(),
        }
    }

    #[test]
    fn health_server_is_off_unless_asked_for() {
        assert_eq!(HealthSettings::from_args(&args(false, "x", "y")), Ok(None));
    }

    #[test]
    fn health_server_listens_on_all_addresses_port_8081_by_default() {
        let settings = HealthSettings::from_args(&args(true, "8081", "0.0.0.0"))
            .unwrap()
            .unwrap();
        assert_eq!(settings.address, "0.0.0.0:8081".parse().unwrap());
        assert_eq!(settings.check_timeout, Duration::from_secs(30));
    }

    #[test]
    fn bad_port_or_address_names_the_flag_and_the_variable() {
        let error = HealthSettings::from_args(&args(true, "http", "0.0.0.0")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid --health-check-port (BATON_HEALTH_CHECK_PORT)")
        );
        let error = HealthSettings::from_args(&args(true, "1", "localhost:1")).unwrap_err();
        assert_eq!(error.flag, "health-check-bind-address");
    }
}
