//! Who is calling: the host id sent in every request, and the build and
//! operating-system facts sent with `Hello` (every field non-empty, at most
//! 256 characters, as ConductorOne requires).

use c1_proto::c1::connectorapi::baton::v1::baton_service_hello_request::{BuildInfo, OsInfo};

/// Environment variable that names the host id (`BATON_HOST_ID`).
pub const HOST_ID_ENV: &str = "BATON_HOST_ID";

/// The longest string ConductorOne accepts in build info, OS info and `host_id`.
pub(crate) const MAX_FIELD_CHARS: usize = 256;

const UNKNOWN: &str = "unknown";

/// The host id the Go SDK would use: `BATON_HOST_ID` if set, else the
/// hostname, else `baton-sdk`.
pub fn default_host_id() -> String {
    let hostname = hostname::get()
        .ok()
        .and_then(|name| name.into_string().ok());
    pick_host_id(std::env::var(HOST_ID_ENV).ok(), hostname)
}

fn pick_host_id(env: Option<String>, hostname: Option<String>) -> String {
    [env, hostname]
        .into_iter()
        .flatten()
        .map(|value| value.trim().to_owned())
        .find(|value| !value.is_empty())
        .unwrap_or_else(|| "baton-sdk".to_owned())
}

/// This program: `rust <rustc version>`, `baton-atlassian`, the crate version.
pub(crate) fn build_info() -> BuildInfo {
    BuildInfo {
        lang_version: format!("rust {}", env!("CONTROLPLANE_RUSTC_VERSION")),
        package: "baton-atlassian".to_owned(),
        package_version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// This machine, from the hostname, `/etc/os-release` and the kernel, with
/// the Go SDK's fallbacks for anything unknown.
pub(crate) fn os_info() -> OsInfo {
    let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
    let kernel_version = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok();
    let hostname = hostname::get()
        .ok()
        .and_then(|name| name.into_string().ok());
    describe_os(&os_release, kernel_version, hostname)
}

fn describe_os(
    os_release: &str,
    kernel_version: Option<String>,
    hostname: Option<String>,
) -> OsInfo {
    let release = OsRelease::parse(os_release);
    let os = std::env::consts::OS.to_owned();
    let kernel_version = filled(kernel_version).unwrap_or_else(|| UNKNOWN.to_owned());
    let platform = filled(release.id).unwrap_or_else(|| os.clone());
    let platform_family = filled(
        release
            .id_like
            .and_then(|like| like.split_whitespace().next().map(str::to_owned)),
    )
    .unwrap_or_else(|| platform.clone());
    let platform_version = filled(release.version_id).unwrap_or_else(|| kernel_version.clone());
    OsInfo {
        hostname: bounded(filled(hostname).unwrap_or_else(|| UNKNOWN.to_owned())),
        os: bounded(os),
        platform: bounded(platform),
        platform_version: bounded(platform_version),
        platform_family: bounded(platform_family),
        kernel_version: bounded(kernel_version),
        kernel_arch: bounded(std::env::consts::ARCH.to_owned()),
        virtualization_system: "none".to_owned(),
    }
}

/// `Some(trimmed value)` unless it is empty.
fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `value` cut to at most [`MAX_FIELD_CHARS`] characters.
fn bounded(value: String) -> String {
    match value.char_indices().nth(MAX_FIELD_CHARS) {
        Some((end, _)) => value[..end].to_owned(),
        None => value,
    }
}

/// The `/etc/os-release` fields that describe the platform.
#[derive(Default)]
struct OsRelease {
    id: Option<String>,
    id_like: Option<String>,
    version_id: Option<String>,
}

impl OsRelease {
    /// Reads `KEY=value` lines; values may be quoted.
    fn parse(text: &str) -> Self {
        let mut release = Self::default();
        for line in text.lines() {
            let Some((key, value)) = line.trim().split_once('=') else {
                continue;
            };
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
            let slot = match key {
                "ID" => &mut release.id,
                "ID_LIKE" => &mut release.id_like,
                "VERSION_ID" => &mut release.version_id,
                _ => continue,
            };
            *slot = Some(value.to_owned());
        }
        release
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_id_prefers_the_environment_then_the_hostname() {
        assert_eq!(
            pick_host_id(Some("baton-atlassian".into()), Some("pod-1".into())),
            "baton-atlassian"
        );
        assert_eq!(
            pick_host_id(Some(" ".into()), Some("pod-1".into())),
            "pod-1"
        );
        assert_eq!(pick_host_id(None, None), "baton-sdk");
    }

    #[test]
    fn os_release_fields_describe_the_platform() {
        let release = "NAME=\"Debian GNU/Linux\"\nID=ubuntu\nID_LIKE=\"debian linux\"\nVERSION_ID=\"24.04\"\n";
        let info = describe_os(
            release,
            Some("6.8.0-45-generic\n".into()),
            Some("pod-1".into()),
        );
        assert_eq!(info.hostname, "pod-1");
        assert_eq!(info.platform, "ubuntu");
        assert_eq!(info.platform_family, "debian");
        assert_eq!(info.platform_version, "24.04");
        assert_eq!(info.kernel_version, "6.8.0-45-generic");
        assert_eq!(info.virtualization_system, "none");
    }

    #[test]
    fn missing_facts_fall_back_like_the_go_sdk() {
        let info = describe_os("", None, None);
        assert_eq!(info.hostname, "unknown");
        assert_eq!(info.kernel_version, "unknown");
        assert_eq!(info.platform, std::env::consts::OS);
        assert_eq!(info.platform_family, info.platform);
        assert_eq!(info.platform_version, "unknown");
        assert!(!info.kernel_arch.is_empty());
    }

    #[test]
    fn long_values_are_cut_to_256_characters() {
        let info = describe_os("", Some("é".repeat(300)), None);
        assert_eq!(info.kernel_version.chars().count(), MAX_FIELD_CHARS);
    }

    #[test]
    fn build_info_names_rust_and_the_package() {
        let info = build_info();
        assert!(
            info.lang_version.starts_with("rust "),
            "{}",
            info.lang_version
        );
        assert!(info.lang_version.len() > "rust ".len());
        assert_eq!(info.package, "baton-atlassian");
        assert_eq!(info.package_version, env!("CARGO_PKG_VERSION"));
    }
}
