//! Properties of the settings' parsers over arbitrary text: durations, jitter, resource
//! baton ids, URLs and the ConductorOne client secret read a value or say what is wrong,
//! never panic, and never repeat a secret.

use std::time::Duration;

use clap::Parser;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;

use super::duration::{Jitter, parse_duration};
use super::service::C1Settings;
use super::{ConfigError, SyncSettings, parse_resource_bid};
use crate::cli::{Cli, Command};

/// Anything: any characters, or printable ASCII (more likely to look like a value).
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~]{0,24}"]
}

/// `n<unit>` parts of a duration and what they add up to in milliseconds, if that fits.
fn duration_parts() -> impl Strategy<Value = (String, Option<u64>)> {
    let unit = select(
        &[
            ("ms", 1u64),
            ("s", 1_000),
            ("m", 60_000),
            ("h", 3_600_000),
            ("d", 86_400_000),
        ][..],
    );
    let number = prop_oneof![0u64..1000, any::<u64>()];
    (
        prop::collection::vec((number, unit), 1..4),
        select(&["", " ", "\t", "\n"][..]),
    )
        .prop_map(|(parts, pad)| {
            let text: String = parts
                .iter()
                .map(|(n, (unit, _))| format!("{n}{unit}"))
                .collect();
            let millis = parts.iter().try_fold(0u64, |total, (n, (_, scale))| {
                n.checked_mul(*scale)
                    .and_then(|part| total.checked_add(part))
            });
            (format!("{pad}{text}{pad}"), millis)
        })
}

/// `\` escapes `:`, `/` and `\` in the parts of a baton id.
fn escape(part: &str) -> String {
    part.chars()
        .flat_map(|c| match c {
            ':' | '/' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

/// A URL-ish value: schemes, hosts and ports right and wrong, or anything.
fn url_text() -> impl Strategy<Value = String> {
    let scheme = select(
        &[
            "http://", "https://", "HTTPS://", "ftp://", "file://", "", "http:", "//",
        ][..],
    );
    let host = prop_oneof![
        select(
            &[
                "127.0.0.1",
                "[::1]",
                "localhost",
                "api.atlassian.com",
                "",
                "[::1",
                "a b"
            ][..]
        )
        .prop_map(str::to_owned),
        any_text(),
    ];
    let port = prop::option::of(prop_oneof![
        any::<u32>().prop_map(|p| p.to_string()),
        any_text()
    ]);
    prop_oneof![
        (scheme, host, port, any_text()).prop_map(|(scheme, host, port, path)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            format!("{scheme}{host}{port}/{path}")
        }),
        any_text(),
    ]
}

/// `sync` with the required flags and `flags`; `None` when clap refuses the command line.
fn sync_settings(flags: &[String]) -> Option<Result<SyncSettings, ConfigError>> {
    let mut argv: Vec<String> = [
        "baton-atlassian",
        "sync",
        "--organization-id",
        "o",
        "--access-token",
        "k",
    ]
    .map(str::to_owned)
    .to_vec();
    argv.extend_from_slice(flags);
    match Cli::try_parse_from(argv).ok()?.command {
        Some(Command::Sync(args)) => Some(SyncSettings::from_args(&args)),
        _ => None,
    }
}

/// A real client secret, with one character changed or cut short, or anything.
fn secret_text() -> impl Strategy<Value = String> {
    let real = controlplane::credentials::generate_client_secret().secret;
    let changed = real.clone();
    prop_oneof![
        Just(real.clone()),
        (any::<Index>(), any::<char>()).prop_map(move |(at, c)| {
            let mut chars: Vec<char> = changed.chars().collect();
            let at = at.index(chars.len());
            chars[at] = c;
            chars.into_iter().collect()
        }),
        any::<Index>().prop_map(move |cut| real[..cut.index(real.len())].to_owned()),
        any_text(),
    ]
}

/// The part of a secret that must never be shown: its key, if it has one long enough to
/// recognise.
fn key_part(secret: &str) -> Option<&str> {
    let key = secret.trim().splitn(4, ':').nth(3)?;
    (key.len() >= 6).then_some(key)
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn durations_add_up_their_parts((text, millis) in duration_parts()) {
        match (parse_duration(&text), millis) {
            (Ok(parsed), Some(millis)) => prop_assert_eq!(parsed, Duration::from_millis(millis)),
            (Err(error), None) => prop_assert!(error.starts_with("expected a duration"), "{}", error),
            (got, want) => prop_assert!(false, "{:?}: got {:?}, want {:?} ms", text, got, want),
        }
    }

    #[test]
    fn any_text_is_a_duration_or_an_error(text in any_text()) {
        if let Err(error) = parse_duration(&text) {
            prop_assert!(error.starts_with("expected a duration"), "{}", error);
        }
    }

    #[test]
    fn any_jitter_spreads_an_interval_by_at_most_itself(
        text in prop_oneof![
            any_text(),
            (-50.0f64..150.0).prop_map(|p| format!("{p}%")),
            (-0.5f64..1.5).prop_map(|f| f.to_string()),
            duration_parts().prop_map(|(text, _)| text),
        ],
        interval in any::<u64>().prop_map(Duration::from_millis),
    ) {
        match Jitter::parse(&text) {
            Ok(Jitter::Fraction(f)) => {
                prop_assert!((0.0..=1.0).contains(&f), "{}", f);
                let spread = Jitter::Fraction(f).spread(interval);
                prop_assert!(spread.as_secs_f64() <= interval.as_secs_f64());
            }
            Ok(Jitter::Fixed(d)) => prop_assert_eq!(Ok(d), parse_duration(&text)),
            Err(error) => prop_assert!(!error.is_empty()),
        }
    }

    #[test]
    fn escaped_baton_ids_read_back(
        parent in prop::option::of((any_text(), any_text())),
        resource_type in any_text(),
        resource in any_text(),
    ) {
        let mut bid = String::from("bid:r:");
        if let Some((parent_type, parent_id)) = &parent {
            bid.push_str(&format!("{}/{}/", escape(parent_type), escape(parent_id)));
        }
        bid.push_str(&format!("{}/{}", escape(&resource_type), escape(&resource)));
        let parts_given = parent.as_ref().is_none_or(|(t, id)| !t.is_empty() && !id.is_empty());
        match parse_resource_bid(&bid) {
            Ok(id) => {
                prop_assert!(parts_given);
                prop_assert_eq!((id.resource_type, id.resource), (resource_type, resource));
            }
            Err(error) => {
                prop_assert!(!parts_given || resource_type.is_empty() || resource.is_empty(), "{}: {}", bid, error);
            }
        }
    }

    #[test]
    fn any_baton_id_reads_or_says_why_not(text in prop_oneof![any_text(), any_text().prop_map(|t| format!("bid:r:{t}"))]) {
        match parse_resource_bid(&text) {
            Ok(id) => {
                prop_assert!(!id.resource_type.is_empty() && !id.resource.is_empty());
                // Written back in the SDK's form, it reads the same.
                let again = parse_resource_bid(&format!("bid:r:{}/{}", escape(&id.resource_type), escape(&id.resource)));
                prop_assert_eq!(again, Ok(id));
            }
            Err(error) => prop_assert!(!error.is_empty()),
        }
    }

    #[test]
    fn a_base_url_is_an_http_url_with_a_host_or_an_error_naming_the_flag(text in url_text()) {
        let Some(settings) = sync_settings(&[format!("--base-url={text}")]) else {
            return Ok(());
        };
        match settings {
            Ok(settings) => match settings.connector.base_url {
                Some(url) => {
                    prop_assert!(matches!(url.scheme(), "http" | "https"), "{}", url);
                    prop_assert!(url.host().is_some(), "{}", url);
                }
                None => prop_assert!(text.trim().is_empty(), "{:?}", text),
            },
            Err(error) => {
                prop_assert_eq!(error.flag, "base-url");
                prop_assert!(error.to_string().contains("--base-url"), "{}", error);
            }
        }
    }

    #[test]
    fn a_client_secret_never_shows_in_errors_or_settings(secret in secret_text()) {
        let argv = [
            "baton-atlassian".to_owned(),
            "--client-id".to_owned(),
            "name@tenant.conductor.one/pcc".to_owned(),
            format!("--client-secret={secret}"),
        ];
        let Ok(cli) = Cli::try_parse_from(argv) else {
            return Ok(());
        };
        let shown = match C1Settings::from_args(&cli.c1) {
            Ok(settings) => format!("{settings:?}"),
            Err(error) => {
                prop_assert_eq!(error.flag, "client-secret");
                format!("{error} {error:?}")
            }
        };
        if let Some(key) = key_part(&secret) {
            prop_assert!(!shown.contains(key), "{}", shown);
        }
    }
}
