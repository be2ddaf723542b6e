//! `inspect`: what a `.c1z` file holds, for people without the Go `baton` tool: its sync
//! runs, the resource types with their counts, and the first rows of the resources,
//! entitlements and grants (optionally of one resource type). `--json` prints the sync
//! runs and counts as JSON instead.

use std::path::Path;

use anyhow::Context as _;
use c1_proto::c1::connector::v2::entitlement::PurposeValue;
use c1_proto::c1::connector::v2::resource_type::Trait;
use c1_proto::c1::connector::v2::{Entitlement, Grant, Resource, ResourceId};
use c1z::{C1zReader, GrantFilter, ResourceTypeCounts};
use serde::Serialize;

use super::Failure;
use crate::cli::InspectArgs;
use crate::render::{self, Table};

/// Prints the summary of `args.file`.
pub(super) fn run(args: &InspectArgs) -> Result<(), Failure> {
    let path = args.file.as_path();
    let reader =
        C1zReader::open(path).with_context(|| format!("could not read {}", path.display()))?;
    let overview = Overview::read(path, &reader)?;
    if let Some(wanted) = &args.resource_type
        && !overview.resource_types.iter().any(|t| &t.id == wanted)
    {
        let known: Vec<&str> = overview
            .resource_types
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        return Err(anyhow::anyhow!(
            "{} has no resource type '{wanted}' (it has: {})",
            path.display(),
            known.join(", ")
        )
        .into());
    }
    if args.json {
        let text = serde_json::to_string_pretty(&overview).map_err(anyhow::Error::from)?;
        println!("{text}");
    } else {
        print!("{}", overview.render());
        print!(
            "{}",
            samples(
                &reader,
                &overview,
                args.resource_type.as_deref(),
                args.limit
            )?
        );
    }
    Ok(())
}

/// The sync runs and counts of a file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Overview {
    file: String,
    file_bytes: u64,
    sync_runs: Vec<SyncRun>,
    resource_types: Vec<TypeCounts>,
    totals: Totals,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SyncRun {
    sync_id: String,
    sync_type: String,
    started_at: String,
    /// `None` for a sync that never finished.
    ended_at: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct TypeCounts {
    id: String,
    display_name: String,
    traits: Vec<String>,
    resources: u64,
    entitlements: u64,
    grants: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Totals {
    resource_types: u64,
    resources: u64,
    entitlements: u64,
    grants: u64,
}

impl Overview {
    fn read(path: &Path, reader: &C1zReader) -> anyhow::Result<Self> {
        let file_bytes = std::fs::metadata(path)?.len();
        let sync_runs = reader
            .sync_runs()?
            .into_iter()
            .map(|run| SyncRun {
                sync_id: run.sync_id,
                sync_type: run.sync_type,
                started_at: run.started_at,
                ended_at: run.ended_at,
            })
            .collect();
        let stored: Vec<_> = reader.resource_types().collect::<Result<_, _>>()?;
        let resource_types = reader
            .counts_by_resource_type()?
            .into_iter()
            .map(|counts: ResourceTypeCounts| {
                let described = stored.iter().find(|t| t.id == counts.resource_type);
                TypeCounts {
                    display_name: described
                        .map(|t| t.display_name.clone())
                        .unwrap_or_default(),
                    traits: described
                        .map(|t| t.traits.iter().map(|v| trait_name(*v)).collect())
                        .unwrap_or_default(),
                    id: counts.resource_type,
                    resources: counts.resources,
                    entitlements: counts.entitlements,
                    grants: counts.grants,
                }
            })
            .collect();
        let counts = reader.counts()?;
        Ok(Self {
            file: path.display().to_string(),
            file_bytes,
            sync_runs,
            resource_types,
            totals: Totals {
                resource_types: counts.resource_types,
                resources: counts.resources,
                entitlements: counts.entitlements,
                grants: counts.grants,
            },
        })
    }

    /// The file, its sync runs and the counts per resource type.
    fn render(&self) -> String {
        let mut runs = Table::new(&["sync id", "type", "started", "ended"]);
        for run in &self.sync_runs {
            let ended = run
                .ended_at
                .clone()
                .unwrap_or_else(|| "(not finished)".into());
            runs.row(vec![
                run.sync_id.clone(),
                run.sync_type.clone(),
                run.started_at.clone(),
                ended,
            ]);
        }
        let mut types = Table::new(&[
            "resource type",
            "name",
            "traits",
            "#resources",
            "#entitlements",
            "#grants",
        ]);
        for t in &self.resource_types {
            let counts = [t.resources, t.entitlements, t.grants].map(|n| n.to_string());
            types.row(
                [
                    vec![t.id.clone(), t.display_name.clone(), t.traits.join(",")],
                    counts.to_vec(),
                ]
                .concat(),
            );
        }
        let totals = [
            self.totals.resources,
            self.totals.entitlements,
            self.totals.grants,
        ]
        .map(|n| n.to_string());
        types.row(
            [
                vec!["total".into(), String::new(), String::new()],
                totals.to_vec(),
            ]
            .concat(),
        );
        format!(
            "File {} ({})\n\nSync runs\n{}\nResource types ({})\n{}",
            self.file,
            render::bytes(self.file_bytes),
            runs.render(),
            self.totals.resource_types,
            types.render(),
        )
    }

    /// Counts of `resource_type`, or of the whole file.
    fn counts_of(&self, resource_type: Option<&str>) -> (u64, u64) {
        match resource_type {
            None => (self.totals.resources, self.totals.entitlements),
            Some(id) => self
                .resource_types
                .iter()
                .find(|t| t.id == id)
                .map_or((0, 0), |t| (t.resources, t.entitlements)),
        }
    }
}

/// The first `limit` resources, entitlements and grants (of `resource_type` if given).
fn samples(
    reader: &C1zReader,
    overview: &Overview,
    resource_type: Option<&str>,
    limit: usize,
) -> anyhow::Result<String> {
    let (resource_count, entitlement_count) = overview.counts_of(resource_type);
    let on_type = |id: Option<&ResourceId>| {
        resource_type.is_none_or(|t| id.is_some_and(|id| id.resource_type == t))
    };

    let mut resources = Table::new(&["resource type", "id", "display name", "parent"]);
    for resource in reader.resources(resource_type).take(limit) {
        resources.row(resource_row(&resource?));
    }

    let mut entitlements = Table::new(&["id", "display name", "purpose", "grantable to"]);
    let matching = reader.entitlements(None).filter(|e| {
        e.as_ref().map_or(true, |e| {
            on_type(e.resource.as_ref().and_then(|r| r.id.as_ref()))
        })
    });
    for entitlement in matching.take(limit) {
        entitlements.row(entitlement_row(&entitlement?));
    }

    // Grants on resources of the type or to principals of it: counted while sampled.
    let mut grants = Table::new(&["entitlement", "principal"]);
    let (mut grant_count, mut shown) = (0u64, 0usize);
    for record in reader.grants(&GrantFilter::default()) {
        let grant = record?.grant;
        let on = on_type(
            grant
                .entitlement
                .as_ref()
                .and_then(|e| e.resource.as_ref())
                .and_then(|r| r.id.as_ref()),
        );
        let to = on_type(grant.principal.as_ref().and_then(|p| p.id.as_ref()));
        if !(on || to) {
            continue;
        }
        grant_count += 1;
        if shown < limit {
            grants.row(grant_row(&grant));
            shown += 1;
        } else if resource_type.is_none() {
            grant_count = overview.totals.grants;
            break;
        }
    }

    let of_type = resource_type
        .map(|t| format!(" of type {t}"))
        .unwrap_or_default();
    let heading =
        |what: &str, shown: usize, total: u64| format!("{what}{of_type} ({shown} of {total})");
    let resources_shown = resource_count.min(limit as u64) as usize;
    let entitlements_shown = entitlement_count.min(limit as u64) as usize;
    Ok(format!(
        "\n{}\n{}\n{}\n{}\n{}\n{}",
        heading("Resources", resources_shown, resource_count),
        resources.render(),
        heading("Entitlements", entitlements_shown, entitlement_count),
        entitlements.render(),
        if resource_type.is_some() {
            format!("Grants on or to resources{of_type} ({shown} of {grant_count})")
        } else {
            heading("Grants", shown, grant_count)
        },
        grants.render(),
    ))
}

fn resource_row(resource: &Resource) -> Vec<String> {
    let id = resource.id.clone().unwrap_or_default();
    vec![
        id.resource_type,
        id.resource,
        resource.display_name.clone(),
        resource
            .parent_resource_id
            .as_ref()
            .map(id_text)
            .unwrap_or_default(),
    ]
}

fn entitlement_row(entitlement: &Entitlement) -> Vec<String> {
    let purpose = PurposeValue::try_from(entitlement.purpose)
        .map(|p| {
            p.as_str_name()
                .trim_start_matches("PURPOSE_VALUE_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| entitlement.purpose.to_string());
    let grantable: Vec<&str> = entitlement
        .grantable_to
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    vec![
        entitlement.id.clone(),
        entitlement.display_name.clone(),
        purpose,
        grantable.join(","),
    ]
}

fn grant_row(grant: &Grant) -> Vec<String> {
    let entitlement = grant
        .entitlement
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_default();
    let principal = grant
        .principal
        .as_ref()
        .and_then(|p| p.id.as_ref())
        .map(id_text)
        .unwrap_or_default();
    vec![entitlement, principal]
}

/// `type:id`.
fn id_text(id: &ResourceId) -> String {
    format!("{}:{}", id.resource_type, id.resource)
}

/// `user` for `TRAIT_USER`; unknown values as numbers.
fn trait_name(value: i32) -> String {
    Trait::try_from(value)
        .map(|t| {
            t.as_str_name()
                .trim_start_matches("TRAIT_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| value.to_string())
}
