//! `docs/security.md`'s authorization matrix says what the route table does: every route, its
//! methods, who may use it and the scope a token needs. A route added, removed or changed in
//! the table without the document fails here, naming the difference.

use std::collections::BTreeSet;
use trustloop_web::access::Access;

/// One route as the document or the table describes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Described {
    path: String,
    methods: String,
    access: &'static str,
    scope: String,
}

fn access_word(access: Access) -> &'static str {
    match access {
        Access::Public => "anyone",
        Access::Rater => "link",
        Access::SignedIn => "signed in",
        Access::Admin => "admin",
    }
}

/// The routes of the matrix in `docs/security.md`: each row's paths (a cell may name several),
/// methods, rule (read from which columns let people in) and token scope.
fn documented() -> BTreeSet<Described> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/security.md"
    ))
    .expect("docs/security.md");
    let start = text
        .find("| route | methods | anyone | link | signed in | admin | API token |")
        .expect("the matrix's header");
    let mut routes = BTreeSet::new();
    for line in text[start..].lines().skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 7, "a matrix row has seven cells: {line}");
        let open = |cell: &str| cell != "–";
        let access = if cells[2].starts_with("with the link") {
            "link"
        } else if open(cells[2]) {
            "anyone"
        } else if open(cells[4]) {
            "signed in"
        } else {
            "admin"
        };
        let scope = cells[6]
            .split('`')
            .nth(1)
            .map_or(String::new(), String::from);
        let methods: Vec<&str> = cells[1].split(',').map(str::trim).collect();
        for path in cells[0].split('`').skip(1).step_by(2) {
            routes.insert(Described {
                path: path.to_string(),
                methods: methods.join(", "),
                access,
                scope: scope.clone(),
            });
        }
    }
    routes
}

#[test]
fn the_security_documents_matrix_lists_exactly_the_route_table() {
    let table: BTreeSet<Described> = trustloop_web::route_table()
        .iter()
        .map(|spec| Described {
            path: spec.path.to_string(),
            methods: spec
                .methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            access: access_word(spec.access),
            scope: spec.scope.unwrap_or_default().to_string(),
        })
        .collect();
    let documented = documented();
    let missing: Vec<_> = table.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&table).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/security.md's matrix differs from the route table.\nIn the table, not the document \
         (add a row):\n{missing:#?}\nIn the document, not the table (fix or remove the row):\n{stale:#?}"
    );
}
