//! Referential checks run before a file is finished (spec §5.5): every
//! resource's type and parent, every entitlement's resource, and every grant's
//! entitlement and principal must be in the file. C1 discards dangling rows, so
//! a dangling reference is a connector bug worth failing the sync for.
//!
//! The checks are anti-joins in SQL against the unique `(external_id, sync_id)`
//! indexes; grant references are first reduced to their distinct values through
//! the grant indexes, so a check costs one probe per referenced object rather
//! than one per grant. The writer's file holds a single sync, so rows are not
//! filtered by sync ID.

use c1_proto::any;
use c1_proto::c1::connector::v2::{
    ExternalResourceMatch, ExternalResourceMatchAll, ExternalResourceMatchId, Grant,
};
use prost::Message;
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{DanglingReference, Error, MissingTarget, Result};
use crate::writer::ReferenceChecks;

/// Each query returns the first offending row as (its external_id, missing ID).
const RESOURCE_WITHOUT_TYPE: &str = "select r.external_id, r.resource_type_id
    from v1_resources r
    where not exists (select 1 from v1_resource_types t where t.external_id = r.resource_type_id)
    order by r.id limit 1";

const RESOURCE_WITHOUT_PARENT: &str = "select r.external_id,
        r.parent_resource_type_id || ':' || r.parent_resource_id
    from v1_resources r
    where r.parent_resource_id is not null
      and not exists (select 1 from v1_resources p
          where p.external_id = r.parent_resource_type_id || ':' || r.parent_resource_id)
    order by r.id limit 1";

const ENTITLEMENT_WITHOUT_RESOURCE: &str = "select e.external_id,
        e.resource_type_id || ':' || e.resource_id
    from v1_entitlements e
    where not exists (select 1 from v1_resources r
        where r.external_id = e.resource_type_id || ':' || e.resource_id)
    order by e.id limit 1";

const GRANT_WITHOUT_ENTITLEMENT: &str = "select
        (select g.external_id from v1_grants g where g.entitlement_id = d.entitlement_id
         order by g.id limit 1),
        d.entitlement_id
    from (select distinct entitlement_id from v1_grants) d
    where not exists (select 1 from v1_entitlements e where e.external_id = d.entitlement_id)
    limit 1";

/// Principals referenced by grants but absent from `v1_resources`.
const MISSING_PRINCIPALS: &str = "select d.principal_resource_type_id, d.principal_resource_id
    from (select distinct principal_resource_type_id, principal_resource_id from v1_grants) d
    where not exists (select 1 from v1_resources r
        where r.external_id = d.principal_resource_type_id || ':' || d.principal_resource_id)";

const GRANTS_OF_PRINCIPAL: &str = "select id, external_id, data from v1_grants
    where principal_resource_type_id = ?1 and principal_resource_id = ?2 order by id";

/// Fails with the first dangling reference found, checking in the order of spec §5.5;
/// [`ReferenceChecks::WithinScope`] checks only resources' types and entitlements' resources.
pub(crate) fn verify_references(conn: &Connection, scope: ReferenceChecks) -> Result<()> {
    let checks = [
        (
            "v1_resources",
            MissingTarget::ResourceType,
            RESOURCE_WITHOUT_TYPE,
        ),
        (
            "v1_resources",
            MissingTarget::ParentResource,
            RESOURCE_WITHOUT_PARENT,
        ),
        (
            "v1_entitlements",
            MissingTarget::Resource,
            ENTITLEMENT_WITHOUT_RESOURCE,
        ),
        (
            "v1_grants",
            MissingTarget::Entitlement,
            GRANT_WITHOUT_ENTITLEMENT,
        ),
    ];
    let in_scope = |missing: &MissingTarget| {
        scope == ReferenceChecks::All
            || matches!(
                missing,
                MissingTarget::ResourceType | MissingTarget::Resource
            )
    };
    for (table, missing, sql) in checks.into_iter().filter(|(_, m, _)| in_scope(m)) {
        let found = conn
            .query_row(sql, [], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        if let Some((id, missing_id)) = found {
            return Err(DanglingReference {
                table,
                id,
                missing,
                missing_id,
            }
            .into());
        }
    }
    match scope {
        ReferenceChecks::All => verify_principals(conn),
        ReferenceChecks::WithinScope => Ok(()),
    }
}

/// Grants whose principal is absent are allowed only when they carry an
/// `ExternalResourceMatch*` annotation (the principal lives in another connector).
fn verify_principals(conn: &Connection) -> Result<()> {
    let mut missing = conn.prepare(MISSING_PRINCIPALS)?;
    let mut principals = missing.query([])?;
    let mut grants = conn.prepare(GRANTS_OF_PRINCIPAL)?;
    while let Some(principal) = principals.next()? {
        let resource_type: String = principal.get(0)?;
        let resource: String = principal.get(1)?;
        let mut rows = grants.query(params![resource_type, resource])?;
        while let Some(row) = rows.next()? {
            let data = row.get_ref(2)?.as_blob()?;
            let grant = Grant::decode(data).map_err(|source| Error::Decode {
                table: "v1_grants",
                row: row.get(0).unwrap_or_default(),
                source,
            })?;
            if !matches_externally(&grant) {
                return Err(DanglingReference {
                    table: "v1_grants",
                    id: row.get(1)?,
                    missing: MissingTarget::Principal,
                    missing_id: format!("{resource_type}:{resource}"),
                }
                .into());
            }
        }
    }
    Ok(())
}

fn matches_externally(grant: &Grant) -> bool {
    grant.annotations.iter().any(|a| {
        any::is::<ExternalResourceMatch>(a)
            || any::is::<ExternalResourceMatchAll>(a)
            || any::is::<ExternalResourceMatchId>(a)
    })
}
