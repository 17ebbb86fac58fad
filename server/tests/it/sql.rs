//! Only parameterised SQL: the statement text is always fixed source text, and
//! everything a request carries travels as a bound parameter.
//!
//! `store::sql` takes statement text only as `&'static str`, so the compiler
//! refuses text built at run time; these tests make sure nothing goes around
//! that door, that every statement given to it is literal text, and that SQL
//! in requests is just data.

use crate::common::{TestApp, server_sources, valid_report};
use axum::http::StatusCode;
use serde_json::json;

/// The text between the parenthesis that opens at `open` and its partner.
fn call_argument(text: &str, open: usize) -> &str {
    let mut depth = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text[open..].char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return &text[open + 1..open + i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced call at {}", &text[open..(open + 80).min(text.len())]);
}

/// Removes string literals, leaving what surrounds them.
fn without_string_literals(arg: &str) -> String {
    let mut out = String::new();
    let (mut in_string, mut escaped) = (false, false);
    for c in arg.chars() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn no_module_goes_around_the_sql_door() {
    for (file, text) in server_sources() {
        if file == "store/sql.rs" {
            continue;
        }
        for forbidden in [
            "sqlx::query",
            "QueryBuilder",
            "raw_sql",
            "Executor",
            "sqlx::Execute",
            "AssertSqlSafe",
            ".leak(",
            "Box::leak",
        ] {
            assert!(!text.contains(forbidden), "{file} uses {forbidden}: all SQL goes through store::sql");
        }
        if !file.starts_with("store") {
            assert!(!text.contains("sql::"), "{file}: SQL belongs in the store, not in {file}");
        }
    }
}

#[test]
fn the_sql_door_takes_only_static_text() {
    let (_, door) = server_sources().into_iter().find(|(f, _)| f == "store/sql.rs").expect("store/sql.rs");
    let takers: Vec<&str> = door.lines().filter(|l| l.contains("pub fn") && l.contains("sql:")).collect();
    assert_eq!(takers.len(), 5, "query, query_as, query_scalar, Builder::new, Builder::push: {takers:?}");
    for line in takers {
        assert!(line.contains("sql: &'static str"), "{line}");
    }
}

#[test]
fn every_statement_is_literal_text_and_nothing_is_formatted_into_it() {
    let mut calls = 0;
    for (file, text) in server_sources() {
        for pattern in [
            "sql::query(",
            "sql::query_as(",
            "sql::query_scalar(",
            "Builder::<Sqlite>::new(",
            "Builder::<Postgres>::new(",
            "Builder::<$db>::new(",
            "q.push(",
        ] {
            for (at, _) in text.match_indices(pattern) {
                let argument = call_argument(&text, at + pattern.len() - 1);
                calls += 1;
                assert!(!argument.contains("format!"), "{file}: format! inside {pattern}{argument})");
                // Literal pieces only: strings, `concat!` of them, the column lists and
                // database clock macros, and the lock clauses a backend passes the
                // shared code (literals themselves, see `store/common.rs`).
                let rest = without_string_literals(argument)
                    .replace("concat!", "")
                    .replace("ticket_columns!()", "")
                    .replace("video_columns!()", "")
                    .replace("staff_columns!()", "")
                    .replace("stats_columns!()", "")
                    .replace("delivery_columns!()", "")
                    .replace("db_now!()", "")
                    .replace("$skip_locked", "")
                    .replace("$lock", "")
                    .replace(['(', ')', ',', '\\'], "");
                assert!(rest.trim().is_empty(), "{file}: {pattern}{argument}) is not literal text (left: {rest:?})");
            }
        }
    }
    assert!(calls > 40, "found the statements ({calls})");
}

#[tokio::test]
async fn sql_in_requests_is_only_data() {
    let app = TestApp::new().await;
    let payload = "'); DROP TABLE tickets; -- \" OR 1=1 --";
    let mut report = valid_report();
    report["description"] = json!(format!("Banjir {payload}"));
    report["address"] = json!(payload);
    let code = app.create_report(&report).await;
    app.move_ticket(&code, &json!({"status": "verified"})).await;
    let ticket = app.get(&format!("/api/v1/tickets/{code}")).await.json();
    assert_eq!(ticket["description"], format!("Banjir {payload}"), "stored and read back verbatim");
    assert_eq!(ticket["address"], payload);

    let operator = app.operator().await;
    for query in [
        "category=sampah'%20OR%20'1'='1",
        "agency=dlh'--",
        "status=received'%20OR%201=1--",
        "since=2026-01-01T00:00:00Z'%20OR%201=1--",
    ] {
        let r = app.get_as(&operator, &format!("/api/v1/staff/tickets?{query}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {}", r.text());
    }
    let open311 = app.get("/open311/v2/requests.json?service_request_id=x'%20OR%20'1'='1").await;
    assert!(open311.status.is_client_error(), "{}", open311.text());
    assert!(!open311.text().contains(&code), "{}", open311.text());
    let injection = json!({"username": "' OR 1=1 --", "password": "' OR 1=1 --"});
    app.post_json("/api/v1/staff/session", &injection).await.assert_error(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        None,
    );
    assert_eq!(app.ticket_total().await, 1, "the tickets table is still there, with its one ticket");
}
