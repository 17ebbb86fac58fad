//! One list makes both the router and the OpenAPI document
//! (`routes::api_routes`): these tests hold the server to it. No source file
//! registers a route any other way, except the three answers that are no API
//! operation (unknown API paths, media files, the browser app); and every
//! operation the document names is answered by its handler.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use portal112_server::openapi;

use crate::common::{TestApp, server_sources};

#[test]
fn routes_are_registered_only_through_the_documented_list() {
    let mut registrations = Vec::new();
    for (file, text) in server_sources() {
        for pattern in
            [".route(", ".route_service(", ".nest(", ".nest_service(", "routing::", "MethodRouter<", "MethodRouter::"]
        {
            for (at, _) in text.match_indices(pattern) {
                let line = text[..at].lines().count() + 1;
                let excerpt: String = text[at..].chars().take(60).collect();
                registrations.push(format!("{file}:{line}: {excerpt}"));
            }
        }
    }
    let allowed = ["/api/v1/{*rest}", "/media", "routing::any"];
    let undocumented: Vec<&String> = registrations.iter().filter(|r| !allowed.iter().any(|a| r.contains(a))).collect();
    assert!(undocumented.is_empty(), "routes outside utoipa-axum's routes!(): {undocumented:#?}");
    let (_, routes) = server_sources().into_iter().find(|(f, _)| f == "routes.rs").expect("routes.rs");
    assert!(routes.matches(".routes(routes!(").count() >= 16, "the list is in routes.rs");
}

/// A request for a documented operation, its path parameters filled in.
fn request(method: &str, path: &str) -> Request<Body> {
    let uri = path
        .replace("{code}", "K7M-2QX-94R")
        .replace("{id}", "0123456789abcdef0123456789abcdef")
        .replace("{file}", "requests.json");
    let mut builder = Request::builder().method(Method::from_bytes(method.as_bytes()).expect("method")).uri(uri);
    if method != "get" && method != "delete" {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder.body(Body::from(if method == "get" || method == "delete" { "" } else { "{}" })).expect("request")
}

#[tokio::test]
async fn every_documented_operation_reaches_its_handler() {
    let app = TestApp::new().await;
    let doc = openapi::document();
    let mut operations = 0;
    for (path, item) in &doc.paths.paths {
        let methods = [
            ("get", item.get.is_some()),
            ("post", item.post.is_some()),
            ("put", item.put.is_some()),
            ("delete", item.delete.is_some()),
            ("patch", item.patch.is_some()),
        ];
        for (method, documented) in methods {
            let response = app.send(request(method.to_uppercase().as_str(), path)).await;
            if documented {
                operations += 1;
                assert_ne!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is routed");
                let html = response.header("content-type").is_some_and(|c| c.starts_with("text/html"));
                assert!(!html, "{method} {path} reaches the API, not the app fallback");
                if path.starts_with("/api/v1/") {
                    let body = response.text();
                    assert!(
                        !(response.status == StatusCode::NOT_FOUND
                            && body.contains("\"not_found\"")
                            && !path.contains("{id}")),
                        "{method} {path} reaches its handler, not the unknown-path answer: {body}"
                    );
                }
            } else if method != "head" {
                assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path} is not an operation");
                assert!(response.text().contains("method_not_allowed"), "the API's envelope");
            }
        }
    }
    assert!(operations >= 18, "the document names every operation ({operations})");
    // And what is not in the document is not an API route.
    let unknown = app.get("/api/v1/tidak-ada").await;
    unknown.assert_error(StatusCode::NOT_FOUND, "not_found", None);
}
