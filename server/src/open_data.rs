//! The open data files: every non-confidential ticket as CSV and GeoJSON,
//! and the Frictionless data package (`datapackage.json`) that describes both
//! with the city's licence. What each ticket shows is decided by
//! [`crate::view::public_point`] alone.

use geojson::{Feature, FeatureCollection, Geometry, JsonObject, JsonValue};
use portal112_core::city::CityConfig;
use serde_json::json;

use crate::store::PublicRow;
use crate::view::{PublicPoint, format_time, place_names, public_point};

/// One column of the table: its name, Frictionless type and meaning.
struct Column {
    name: &'static str,
    kind: &'static str,
    description: &'static str,
}

/// The columns, in order; the CSV header and the GeoJSON properties use
/// the same names (GeoJSON carries the point as geometry instead of `lat`/`lng`).
const COLUMNS: [Column; 18] = [
    Column {
        name: "code",
        kind: "string",
        description: "Ticket code (Open311 service_request_id); track it at /lacak/{code}",
    },
    Column { name: "category", kind: "string", description: "Category code (Open311 service_code)" },
    Column { name: "category_name", kind: "string", description: "Category name (Indonesian)" },
    Column { name: "agency", kind: "string", description: "Code of the agency handling it now" },
    Column { name: "agency_name", kind: "string", description: "Agency name (Indonesian)" },
    Column {
        name: "status",
        kind: "string",
        description: "received, verified, assigned, in_progress, on_hold, resolved, closed, rejected or duplicate",
    },
    Column { name: "created_at", kind: "datetime", description: "When it was reported (ISO 8601, city time)" },
    Column { name: "updated_at", kind: "datetime", description: "Its last change (ISO 8601, city time)" },
    Column { name: "district_code", kind: "string", description: "Kecamatan code (Kemendagri)" },
    Column { name: "district", kind: "string", description: "Kecamatan name" },
    Column { name: "village_code", kind: "string", description: "Kelurahan code (Kemendagri)" },
    Column { name: "village", kind: "string", description: "Kelurahan name" },
    Column { name: "lat", kind: "number", description: "Latitude (WGS 84); see location_precision" },
    Column { name: "lng", kind: "number", description: "Longitude (WGS 84); see location_precision" },
    Column {
        name: "location_precision",
        kind: "string",
        description: "exact (5 decimals), approximate (the centre of the kelurahan, for categories where the point could identify a person) or none",
    },
    Column {
        name: "address",
        kind: "string",
        description: "Landmark the reporter gave; only once staff verified the report, never for approximate places",
    },
    Column {
        name: "description",
        kind: "string",
        description: "What the reporter wrote; only once staff verified the report",
    },
    Column {
        name: "supporters",
        kind: "integer",
        description: "Citizens who reported the same problem with \"me too\"",
    },
];

/// One ticket's values, in [`COLUMNS`] order (`lat`/`lng` as text, empty when absent).
fn values(city: &CityConfig, p: &PublicPoint<'_>) -> [String; 18] {
    let r = p.row;
    let (district, village) = place_names(city, p.district, p.village);
    let category_name = city.category(&r.category).map(|c| c.name.id.clone()).unwrap_or_default();
    let agency_name = city.agency(&r.agency).map(|a| a.name.id.clone()).unwrap_or_default();
    let precision = match (p.point, p.coarse) {
        (None, _) => "none",
        (Some(_), true) => "approximate",
        (Some(_), false) => "exact",
    };
    [
        p.code(),
        r.category.clone(),
        category_name,
        r.agency.clone(),
        agency_name,
        r.status.as_str().to_owned(),
        format_time(city, r.created_at),
        format_time(city, r.updated_at),
        p.district.unwrap_or_default().to_owned(),
        district.unwrap_or_default(),
        p.village.unwrap_or_default().to_owned(),
        village.unwrap_or_default(),
        p.point.map(|l| l.lat.to_string()).unwrap_or_default(),
        p.point.map(|l| l.lng.to_string()).unwrap_or_default(),
        precision.to_owned(),
        p.address.unwrap_or_default().to_owned(),
        p.description.unwrap_or_default().to_owned(),
        r.supporters.max(0).to_string(),
    ]
}

/// A text cell as a spreadsheet will not run it: one that begins with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
/// advice against CSV injection), since whatever a citizen wrote ends up
/// opened in someone's spreadsheet. Numbers and dates are never touched:
/// a negative coordinate must stay a number.
fn neutralised(kind: &str, value: String) -> String {
    if kind == "string" && value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value }
}

/// Every public ticket as CSV (RFC 4180, UTF-8, a header line), its text
/// cells [`neutralised`] against spreadsheet formulas.
pub fn csv(city: &CityConfig, rows: &[PublicRow]) -> anyhow::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 256));
    out.write_record(COLUMNS.iter().map(|c| c.name))?;
    for p in rows.iter().filter_map(|r| public_point(city, r)) {
        out.write_record(COLUMNS.iter().zip(values(city, &p)).map(|(c, v)| neutralised(c.kind, v)))?;
    }
    out.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))
}

/// Every public ticket as a GeoJSON feature collection; a ticket without a
/// public place is a feature without geometry.
pub fn geojson(city: &CityConfig, rows: &[PublicRow]) -> anyhow::Result<Vec<u8>> {
    let features = rows
        .iter()
        .filter_map(|r| public_point(city, r))
        .map(|p| {
            let mut properties = JsonObject::new();
            for (column, value) in COLUMNS.iter().zip(values(city, &p)) {
                let value = match column.name {
                    "lat" | "lng" => continue,
                    "supporters" => JsonValue::from(p.row.supporters.max(0)),
                    _ if value.is_empty() => JsonValue::Null,
                    _ => JsonValue::from(value),
                };
                properties.insert(column.name.to_owned(), value);
            }
            Feature {
                bbox: None,
                geometry: p.point.map(|l| Geometry::new_point(vec![l.lng, l.lat])),
                id: Some(geojson::feature::Id::String(p.code())),
                properties: Some(properties),
                foreign_members: None,
            }
        })
        .collect();
    let collection = FeatureCollection { bbox: None, features, foreign_members: None };
    Ok(serde_json::to_vec(&collection)?)
}

/// The Frictionless data package describing both files.
#[must_use]
pub fn datapackage(city: &CityConfig) -> serde_json::Value {
    let fields: Vec<serde_json::Value> = COLUMNS
        .iter()
        .map(|c| {
            let mut field = json!({"name": c.name, "type": c.kind, "description": c.description});
            if c.name == "code" {
                field["constraints"] = json!({"required": true, "unique": true});
            }
            if c.name == "lat" {
                field["constraints"] = json!({"minimum": -90, "maximum": 90});
            }
            if c.name == "lng" {
                field["constraints"] = json!({"minimum": -180, "maximum": 180});
            }
            field
        })
        .collect();
    let slug: String =
        city.city.name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let mut package = json!({
        "profile": "data-package",
        "name": format!("laporan-112-{slug}"),
        "title": format!("Laporan warga {} / Citizen reports, {}", city.city.service_name.id, city.city.service_name.en),
        "description": "Every report to the call centre except confidential ones (violence against women and children). \
            No reporter's name, phone or e-mail and no staff notes are ever included. Descriptions and landmarks \
            appear once staff verified the report; for categories where a point could identify a person the place \
            is the centre of the kelurahan. In the CSV, a text cell that begins with =, +, -, @, a tab or a \
            carriage return starts with an added ' so that spreadsheets do not run it as a formula.",
        "sources": [{"title": city.city.area_data_credit}],
        "resources": [
            {
                "name": "reports",
                "path": "reports.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": true},
                "schema": {"fields": fields, "primaryKey": ["code"], "missingValues": [""]},
            },
            {
                "name": "reports-geojson",
                "path": "reports.geojson",
                "profile": "data-resource",
                "format": "geojson",
                "mediatype": "application/geo+json",
                "encoding": "utf-8",
                "description": "The same tickets as GeoJSON points (RFC 7946, WGS 84); a ticket without a public place has no geometry.",
            },
        ],
    });
    if let Some(l) = &city.open_data.licence {
        package["licenses"] = json!([{"name": l.name, "title": l.title, "path": l.path}]);
    }
    package
}
