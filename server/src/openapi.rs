//! The OpenAPI 3 document of the native API, generated from the handlers.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr, Schema};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Call centre portal API",
        description = "Public API of the call centre portal: file reports, track tickets by code, and (for staff) move tickets through their statuses. Errors share one envelope, `{\"error\": {\"code\", \"message\", \"field\"}}`, with messages in Indonesian, or English when `Accept-Language` prefers it. Open311 GeoReport v2 is served under `/open311/v2`.",
        license(name = "AGPL-3.0-or-later"),
    ),
    components(schemas(portal112_core::ErrorEnvelope, portal112_core::dto::Role)),
        tags(
        (name = "config", description = "The city"),
        (name = "reports", description = "Filing a report"),
        (name = "tickets", description = "Tracking a ticket"),
        (name = "videos", description = "How-to videos of the agencies"),
        (name = "public", description = "Open by default: the public map, \"someone already reported this\" and the statistics; never a contact, an internal note or a confidential ticket"),
        (name = "open-data", description = "Every non-confidential ticket as CSV and GeoJSON, described by a Frictionless data package under the city's licence"),
        (name = "staff", description = "Call centre and agency staff (bearer token)"),
        (name = "open311", description = "Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2): the standard's documents in JSON or XML, chosen by the extension; the ticket code is the service_request_id"),
        (name = "meta", description = "Health and this document"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token from POST /api/v1/staff/session"))
                    .build(),
            ),
        );
    }
}

/// `PublicConfig` is the city's fields and `limits` side by side (serde's
/// `flatten`). utoipa describes that as `allOf` of the closed `CityConfig`
/// object (`additionalProperties: false`, from `deny_unknown_fields`) and an
/// object with `limits` — a schema no answer can satisfy. This writes it as
/// the one object it is.
struct FlattenedConfig;

impl Modify for FlattenedConfig {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(components) = openapi.components.as_mut() else { return };
        let Some(RefOr::T(Schema::Object(city))) = components.schemas.get("CityConfig") else { return };
        let mut config = city.clone();
        config.properties.insert("limits".into(), RefOr::Ref(Ref::from_schema_name("Limits")));
        config.required.push("limits".into());
        config.description = Some("`GET /api/v1/config`: the city plus the limits of the form.".into());
        components.schemas.insert("PublicConfig".into(), RefOr::T(Schema::Object(config)));
    }
}

/// The document served at `/api/v1/openapi.json`: [`ApiDoc`]'s head with
/// the paths and schemas of [`crate::routes::api_routes`], the list the
/// router is made from.
#[must_use]
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = crate::routes::api_routes().into_openapi();
    // After the routes, so the schemas they bring are there to adjust.
    BearerAuth.modify(&mut doc);
    FlattenedConfig.modify(&mut doc);
    doc
}
