//! Leader election's settings: the Lease (name, namespace), who holds it (this replica's
//! identity) and its timing. The namespace and the identity come from the variables the
//! chart sets from the pod (`POD_NAMESPACE`, `POD_NAME`), as Kubernetes controllers take
//! them; problems with them are reported under `--leader-election`.

use std::time::Duration;

use super::ConfigError;
use super::duration::parse_duration;
use crate::cli::LeaderArgs;

/// The variable naming this replica (the Lease's holder).
pub const POD_NAME: &str = "POD_NAME";
/// The variable naming the Lease's namespace.
pub const POD_NAMESPACE: &str = "POD_NAMESPACE";

/// The longest identity: the Lease's field manager, `kube-lease-manager-<identity>`, may
/// have at most 128 characters.
const MAX_IDENTITY_CHARS: usize = 128 - "kube-lease-manager-".len();
/// The longest lease duration accepted.
const MAX_LEASE: Duration = Duration::from_secs(3600);

/// Which Lease the replicas share and how it is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderSettings {
    /// The Lease's name.
    pub lease_name: String,
    /// Its namespace; `None`: the Kubernetes client's (the service account's, or the
    /// kubeconfig context's, else `default`).
    pub namespace: Option<String>,
    /// This replica's name as the Lease's holder.
    pub identity: String,
    /// How long the Lease stays the holder's after a renewal (whole seconds).
    pub lease_duration: Duration,
    /// How long before the end of the Lease the holder renews it (whole seconds).
    pub renew_grace: Duration,
}

impl LeaderSettings {
    /// Checks the leader election flags, `POD_NAME` and `POD_NAMESPACE`: `None` unless
    /// `--leader-election` is on.
    pub fn from_args(args: &LeaderArgs) -> Result<Option<Self>, ConfigError> {
        Self::resolve(args, |name| std::env::var(name).ok(), hostname())
    }

    /// As [`from_args`](Self::from_args), with the variables from `env` and the machine's
    /// `hostname`.
    fn resolve(
        args: &LeaderArgs,
        env: impl Fn(&str) -> Option<String>,
        hostname: Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        if !args.leader_election {
            return Ok(None);
        }
        let lease_name = args.leader_election_lease_name.trim();
        if !is_dns_subdomain(lease_name) {
            return Err(ConfigError::invalid(
                "leader-election-lease-name",
                format!(
                    "expected a Kubernetes object name (lowercase letters, digits, '-' and '.', \
                     at most 253 characters), got '{lease_name}'"
                ),
            ));
        }
        let lease_duration = whole_seconds(
            &args.leader_election_lease_duration,
            "leader-election-lease-duration",
        )?;
        let renew_grace = whole_seconds(
            &args.leader_election_renew_grace,
            "leader-election-renew-grace",
        )?;
        if renew_grace >= lease_duration {
            return Err(ConfigError::invalid(
                "leader-election-renew-grace",
                format!(
                    "must be shorter than the lease duration ({}s), got {}s",
                    lease_duration.as_secs(),
                    renew_grace.as_secs()
                ),
            ));
        }
        let filled =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let namespace = filled(env(POD_NAMESPACE));
        if let Some(namespace) = &namespace
            && !is_dns_label(namespace)
        {
            return Err(ConfigError::invalid(
                "leader-election",
                format!("{POD_NAMESPACE} '{namespace}' is not a Kubernetes namespace name"),
            ));
        }
        let identity = filled(env(POD_NAME))
            .or_else(|| filled(hostname))
            .ok_or_else(|| {
                ConfigError::missing(
                    "leader-election",
                    format!("set {POD_NAME} to name this replica (the hostname is unknown)"),
                )
            })?;
        if identity.chars().count() > MAX_IDENTITY_CHARS {
            return Err(ConfigError::invalid(
                "leader-election",
                format!("{POD_NAME} has more than {MAX_IDENTITY_CHARS} characters"),
            ));
        }
        Ok(Some(Self {
            lease_name: lease_name.to_owned(),
            namespace,
            identity,
            lease_duration,
            renew_grace,
        }))
    }
}

/// The machine's hostname (the pod's name in Kubernetes).
fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
}

/// A duration flag in whole seconds, from 1 s to an hour (the Lease counts in seconds).
fn whole_seconds(value: &str, flag: &'static str) -> Result<Duration, ConfigError> {
    parse_duration(value)
        .ok()
        .filter(|d| d.subsec_nanos() == 0 && (Duration::from_secs(1)..=MAX_LEASE).contains(d))
        .ok_or_else(|| {
            ConfigError::invalid(
                flag,
                format!("expected whole seconds from 1s to 1h, such as 15s, got '{value}'"),
            )
        })
}

/// A DNS-1123 label (a namespace name): 1 to 63 lowercase letters, digits and `-`, starting
/// and ending with a letter or digit.
fn is_dns_label(name: &str) -> bool {
    let inner = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=63).contains(&name.len())
        && name.starts_with(inner)
        && name.ends_with(inner)
        && name.chars().all(|c| inner(c) || c == '-')
}

/// A DNS-1123 subdomain (most object names): labels joined by `.`, at most 253 characters.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Problem;

    fn args(on: bool) -> LeaderArgs {
        LeaderArgs {
            leader_election: on,
            leader_election_lease_name: "baton-atlassian".into(),
            leader_election_lease_duration: "15s".into(),
            leader_election_renew_grace: "5s".into(),
        }
    }

    fn resolve(
        args: &LeaderArgs,
        vars: &[(&str, &str)],
        hostname: Option<&str>,
    ) -> Result<Option<LeaderSettings>, ConfigError> {
        let env = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        LeaderSettings::resolve(args, env, hostname.map(str::to_owned))
    }

    #[test]
    fn leader_election_is_off_unless_asked_for() {
        assert_eq!(resolve(&args(false), &[], None), Ok(None));
    }

    #[test]
    fn the_pod_names_the_holder_and_the_namespace_with_the_chart_defaults() {
        let vars = [(POD_NAME, "baton-7d9f-x2k4q"), (POD_NAMESPACE, "identity")];
        let settings = resolve(&args(true), &vars, Some("host-1"))
            .unwrap()
            .unwrap();
        assert_eq!(
            settings,
            LeaderSettings {
                lease_name: "baton-atlassian".into(),
                namespace: Some("identity".into()),
                identity: "baton-7d9f-x2k4q".into(),
                lease_duration: Duration::from_secs(15),
                renew_grace: Duration::from_secs(5),
            }
        );
    }

    #[test]
    fn without_the_pod_variables_the_hostname_and_the_clients_namespace_are_used() {
        let settings = resolve(&args(true), &[(POD_NAME, " ")], Some("host-1\n"))
            .unwrap()
            .unwrap();
        assert_eq!(settings.identity, "host-1");
        assert_eq!(settings.namespace, None);
        let error = resolve(&args(true), &[], None).unwrap_err();
        assert_eq!(
            (error.problem, error.flag),
            (Problem::Missing, "leader-election")
        );
        assert!(error.to_string().contains("set POD_NAME"), "{error}");
    }

    #[test]
    fn bad_names_are_refused_naming_the_setting() {
        let mut bad_lease = args(true);
        bad_lease.leader_election_lease_name = "Baton_Atlassian".into();
        let error = resolve(&bad_lease, &[], Some("h")).unwrap_err();
        assert!(
            error.to_string().starts_with(
                "invalid --leader-election-lease-name (BATON_LEADER_ELECTION_LEASE_NAME): \
                 expected a Kubernetes object name"
            ),
            "{error}"
        );
        for namespace in ["Identity", "-ns", "ns.with.dots", &"n".repeat(64)] {
            let error = resolve(&args(true), &[(POD_NAMESPACE, namespace)], Some("h")).unwrap_err();
            assert_eq!(error.flag, "leader-election", "{namespace}");
            assert!(error.to_string().contains("POD_NAMESPACE"), "{error}");
        }
        let long = "p".repeat(110);
        let error = resolve(&args(true), &[(POD_NAME, &long)], None).unwrap_err();
        assert!(
            error.to_string().contains("POD_NAME has more than 109"),
            "{error}"
        );
        let mut dotted = args(true);
        dotted.leader_election_lease_name = "leases.example-1".into();
        assert!(resolve(&dotted, &[], Some("h")).is_ok());
    }

    #[test]
    fn lease_timing_is_whole_seconds_and_the_grace_shorter_than_the_lease() {
        let with = |duration: &str, grace: &str| {
            let mut args = args(true);
            args.leader_election_lease_duration = duration.into();
            args.leader_election_renew_grace = grace.into();
            resolve(&args, &[], Some("h"))
        };
        let settings = with("4s", "1s").unwrap().unwrap();
        assert_eq!(
            (settings.lease_duration, settings.renew_grace),
            (Duration::from_secs(4), Duration::from_secs(1))
        );
        assert_eq!(
            with("1m", "10s").unwrap().unwrap().lease_duration,
            Duration::from_secs(60)
        );
        for (duration, grace, flag) in [
            ("1500ms", "1s", "leader-election-lease-duration"),
            ("0", "1s", "leader-election-lease-duration"),
            ("2h", "1s", "leader-election-lease-duration"),
            ("soon", "1s", "leader-election-lease-duration"),
            ("15s", "500ms", "leader-election-renew-grace"),
            ("15s", "15s", "leader-election-renew-grace"),
            ("15s", "20s", "leader-election-renew-grace"),
        ] {
            let error = with(duration, grace).unwrap_err();
            assert_eq!(
                (error.problem, error.flag),
                (Problem::Invalid, flag),
                "{duration} {grace}"
            );
        }
        assert_eq!(
            with("15s", "15s").unwrap_err().to_string(),
            "invalid --leader-election-renew-grace (BATON_LEADER_ELECTION_RENEW_GRACE): \
             must be shorter than the lease duration (15s), got 15s"
        );
    }
}
