//! The rules of `migrations/README.md`, checked on every migration written
//! after them: contracting statements only in `*_contract.sql` files, and
//! indexes on big tables built concurrently, outside a transaction.

// A test may stop on an unreadable tree.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

/// The migration whose upgrade from 0.1.0 stops 0.1.0 first (0.2.0 keys
/// articles by site); it and older ones are what they are. Every later one
/// must let the code of the schema before it run beside it.
const RULES_SINCE: &str = "20261205090000";

const BIG_TABLES: &[&str] = &[
    "comments",
    "audit_events",
    "articles",
    "spam_training",
    "spam_features",
    "rate_limits",
];

/// SQL without `--` comments, lowercased, whitespace collapsed.
fn statements(sql: &str) -> Vec<String> {
    let text: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    text.split(';')
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect()
}

/// What breaks the rules in migration `name` holding `sql`.
fn problems(name: &str, sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let contract = name.ends_with("_contract.sql");
    let no_transaction = sql
        .lines()
        .next()
        .is_some_and(|l| l.trim() == "-- no-transaction");
    let all = statements(sql);
    if no_transaction && all.len() != 1 {
        out.push(format!(
            "{name}: a `-- no-transaction` file holds exactly one statement (Postgres runs a \
             file's statements as one implicit transaction), not {}",
            all.len()
        ));
    }
    for s in all {
        let contracting = s.starts_with("drop table")
            || s.starts_with("drop view")
            || s.starts_with("drop function")
            || (s.starts_with("alter table")
                && (s.contains(" drop column")
                    || s.contains(" rename ")
                    || s.contains(" set not null")
                    || s.contains(" type ")));
        if contracting && !contract {
            out.push(format!(
                "{name}: `{s}` removes or changes what the previous release uses; \
                 it belongs in a later `*_contract.sql`"
            ));
        }
        let index = s.starts_with("create index") || s.starts_with("create unique index");
        let on_big = BIG_TABLES
            .iter()
            .any(|t| s.contains(&format!(" on {t} ")) || s.contains(&format!(" on {t}(")));
        if s.contains(" validate constraint ") && statements(sql).len() != 1 {
            out.push(format!(
                "{name}: `{s}` scans the table while the file's other statements hold \
                 their locks (one transaction); validate in a file of its own"
            ));
        }
        if index && on_big && !(s.contains(" concurrently ") && no_transaction) {
            out.push(format!(
                "{name}: `{s}` blocks writes to a big table while it builds; use \
                 `create index concurrently` in a file starting `-- no-transaction`"
            ));
        }
    }
    out
}

#[test]
fn migrations_after_the_rules_expand_only_and_index_big_tables_concurrently() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    names.sort();
    assert!(
        names.iter().any(|n| n.starts_with(RULES_SINCE)),
        "the cut-off migration {RULES_SINCE} is gone"
    );
    let mut found = Vec::new();
    for name in names
        .iter()
        .filter(|n| n.as_str() > RULES_SINCE && !n.starts_with(RULES_SINCE))
    {
        let sql = std::fs::read_to_string(dir.join(name)).unwrap();
        found.extend(problems(name, &sql));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_checker_catches_what_the_rules_forbid() {
    let bad = problems(
        "29990101000000_next.sql",
        "alter table comments drop column referrer;\n\
         create index comments_x on comments (site_id);\n\
         alter table articles rename column title to headline;",
    );
    assert_eq!(bad.len(), 3, "{bad:?}");
    let in_transaction = problems(
        "29990101000000_index.sql",
        "create index concurrently if not exists comments_x on comments (site_id);",
    );
    assert_eq!(in_transaction.len(), 1, "{in_transaction:?}");
    let fine = problems(
        "29990101000000_index.sql",
        "-- no-transaction\n\
         create index concurrently if not exists comments_x on comments (site_id);",
    );
    assert_eq!(fine, Vec::<String>::new());
    let two = problems(
        "29990101000000_index.sql",
        "-- no-transaction\n\
         drop index concurrently if exists comments_x;\n\
         create index concurrently comments_x on comments (site_id);",
    );
    assert_eq!(two.len(), 1, "{two:?}");
    let expand = problems(
        "29990101000000_sites.sql",
        "create table sites (id bigint primary key);\n\
         alter table articles add column site_id bigint references sites (id);\n\
         create index sites_x on sites (id); -- a new, small table",
    );
    assert_eq!(expand, Vec::<String>::new());
    let validated_with_the_add = problems(
        "29990101000000_check.sql",
        "alter table comments add constraint c check (id > 0) not valid;\n\
         alter table comments validate constraint c;",
    );
    assert_eq!(
        validated_with_the_add.len(),
        1,
        "{validated_with_the_add:?}"
    );
    let validated_alone = problems(
        "29990101000001_check_validate.sql",
        "alter table comments validate constraint c;",
    );
    assert_eq!(validated_alone, Vec::<String>::new());
    let contract = problems(
        "29990101000000_drop_referrer_contract.sql",
        "alter table comments drop column referrer;",
    );
    assert_eq!(contract, Vec::<String>::new());
}
