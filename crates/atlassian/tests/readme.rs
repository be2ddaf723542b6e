//! The README's "Atlassian Support ticket" section, which `Error::NotEnabled` points at,
//! must give the same ticket text as the client.

use atlassian::{SUPPORT_TICKET, SUPPORT_TICKET_README_SECTION};

#[test]
fn readme_gives_the_support_ticket_text_the_errors_point_at() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md at the workspace root");
    let heading = format!("## {SUPPORT_TICKET_README_SECTION}\n");
    let section = readme
        .split_once(&heading)
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("README has no section {heading:?}"));
    for line in SUPPORT_TICKET.lines().filter(|l| !l.is_empty()) {
        assert!(
            section.contains(line),
            "README section lacks the ticket line {line:?}"
        );
    }
}
