//! The city: map, boundary, districts, agencies and report categories.
//!
//! One file per city (`config/<city>.toml`) deserialises into [`CityConfig`];
//! [`CityConfig::check`] finds every inconsistency at once so a broken file is
//! fixed in one go. The same value is served to the browser as `GET /api/v1/config`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::geo::{LatLng, Polygon};
use crate::service_level::{Calendar, ServiceLevels};

/// A text in both languages of the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub id: String,
    pub en: String,
}

impl Text {
    /// The text in `lang`.
    #[must_use]
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

/// Everything the portal knows about its city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CityConfig {
    pub city: City,
    pub map: MapConfig,
    /// Where reports may be placed: the city's land and nearby sea, with a margin.
    pub boundary: Polygon,
    pub districts: Vec<District>,
    pub agencies: Vec<Agency>,
    pub categories: Vec<Category>,
    /// How-to videos every agency starts with; admins add more at run time.
    #[serde(default)]
    pub videos: Vec<VideoSeed>,
    /// How long each stage of a ticket may take; without them tickets keep
    /// no clock. Staff-side rules: not part of the public configuration.
    #[serde(default, skip_serializing)]
    // The server never sends them, so the browser apps carry no code to read them.
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub service_levels: Option<ServiceLevels>,
    /// The days service levels count as working days.
    #[serde(default, skip_serializing)]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub calendar: Calendar,
    /// What the portal publishes for everyone, and under which licence.
    #[serde(default)]
    pub open_data: OpenData,
}

/// The open data the portal publishes (`/open-data/...`, the public map).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenData {
    /// The licence the city publishes its data under; without one the data
    /// package names none, and reusers must ask. Written as `null` when
    /// missing, never left out: the app reads the configuration by position
    /// (`PublicConfig::to_postcard`).
    #[serde(default)]
    pub licence: Option<Licence>,
    /// How far apart two reports of one category may be and still be "the
    /// same problem" (the report form's "someone already reported this").
    #[serde(default = "OpenData::default_nearby_radius_m")]
    pub nearby_radius_m: f64,
}

impl OpenData {
    fn default_nearby_radius_m() -> f64 {
        150.0
    }
}

impl Default for OpenData {
    fn default() -> Self {
        Self { licence: None, nearby_radius_m: Self::default_nearby_radius_m() }
    }
}

/// A licence as the Frictionless data package names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Licence {
    /// An SPDX identifier, e.g. `CC-BY-4.0`.
    pub name: String,
    /// Its name for people, e.g. `Creative Commons Attribution 4.0`.
    pub title: String,
    /// Where its text is, e.g. `https://creativecommons.org/licenses/by/4.0/`.
    pub path: String,
}

/// The city itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct City {
    /// Kemendagri code of the kota or kabupaten, e.g. `71.73`.
    pub code: String,
    /// Official name as Kemendagri writes it, `Kota ...` or `Kabupaten ...`.
    pub name: String,
    /// The name under the portal's icon on a phone's home screen (about 12
    /// characters at most), e.g. the emergency number and the city's short name.
    /// Without it, the emergency number and [`City::name`]. Written as `null`
    /// when missing (see [`OpenData::licence`]).
    #[serde(default)]
    pub short_name: Option<String>,
    /// Name of the service, e.g. `Call Center 112 Kota ...`.
    pub service_name: Text,
    /// IANA timezone, e.g. `Asia/Makassar`.
    pub timezone: String,
    /// The fixed offset of that timezone (Indonesia keeps no daylight saving).
    pub utc_offset_minutes: i32,
    /// The number to call in an emergency.
    pub emergency_number: String,
    /// Whose data names the districts and villages, shown where they are used.
    pub area_data_credit: String,
}

/// The map of the reporting form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MapConfig {
    pub center: LatLng,
    pub zoom: u8,
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// Leaflet tile URL template, e.g. `https://tile.openstreetmap.org/{z}/{x}/{y}.png`.
    pub tile_url: String,
    /// HTML attribution the tile provider requires.
    pub tile_attribution: String,
}

/// A kecamatan and its kelurahan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct District {
    /// Kemendagri code: the city's code and two digits, e.g. `71.73.02`.
    pub code: String,
    pub name: String,
    pub villages: Vec<Village>,
}

/// A kelurahan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Village {
    /// Kemendagri code: the district's code and four digits, e.g. `71.73.02.1001`.
    pub code: String,
    pub name: String,
    /// Where the public map puts a report of a sensitive category made in
    /// this kelurahan, instead of its pin. Server-side: the apps show names.
    #[serde(default, skip_serializing)]
    #[cfg_attr(target_arch = "wasm32", serde(skip_deserializing))]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub centre: Option<LatLng>,
}

/// A city agency that handles reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Short stable identifier used in URLs and the API, e.g. `dlh`.
    pub code: String,
    /// The abbreviation people know, e.g. `DLH`.
    pub short_name: String,
    pub name: Text,
    /// One line on what the agency does for citizens.
    pub description: Text,
}

/// A kind of report (an Open311 "service"), routed to one agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable identifier, the Open311 `service_code`, e.g. `sampah`.
    pub code: String,
    /// Code of the agency that handles it.
    pub agency: String,
    pub name: Text,
    pub description: Text,
    /// Words people may search with, in either language.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Life or property at risk now: the app tells people to call as well.
    #[serde(default)]
    pub urgent: bool,
    /// Nothing but the status is ever public (violence against women and children).
    #[serde(default)]
    pub confidential: bool,
    /// Where it happened could point at a person (someone ill, someone
    /// living on the street): public data gives its place only coarsely.
    #[serde(default)]
    pub sensitive: bool,
}

/// A how-to video the catalogue starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VideoSeed {
    pub agency: String,
    pub title: Text,
    /// An 11-character `YouTube` video id.
    pub youtube_id: String,
}

impl City {
    /// The name under the portal's icon on a home screen.
    #[must_use]
    pub fn short_name(&self) -> String {
        self.short_name.clone().unwrap_or_else(|| format!("{} {}", self.emergency_number, self.name))
    }
}

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Where, as a path such as `categories[3].agency`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

impl CityConfig {
    /// The agency with this code.
    #[must_use]
    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.code == code)
    }

    /// The category with this code.
    #[must_use]
    pub fn category(&self, code: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// The district with this code.
    #[must_use]
    pub fn district(&self, code: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.code == code)
    }

    /// The kelurahan with this code in the district with that code.
    #[must_use]
    pub fn village(&self, district: &str, code: &str) -> Option<&Village> {
        self.district(district)?.villages.iter().find(|v| v.code == code)
    }

    /// Every inconsistency in the configuration; empty when it is sound.
    #[must_use]
    pub fn check(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let mut bad = |field: String, problem: &str| {
            problems.push(ConfigProblem { field, problem: problem.to_owned() });
        };

        if self.city.name.trim().is_empty() {
            bad("city.name".into(), "must not be empty");
        }
        if self.city.short_name.as_ref().is_some_and(|s| s.trim().is_empty()) {
            bad("city.short_name".into(), "must not be empty when given");
        }
        if !(-12 * 60..=14 * 60).contains(&self.city.utc_offset_minutes) {
            bad("city.utc_offset_minutes".into(), "must be between -720 and 840");
        }
        if self.city.emergency_number.is_empty() || !self.city.emergency_number.chars().all(|c| c.is_ascii_digit()) {
            bad("city.emergency_number".into(), "must be digits only, e.g. \"112\"");
        }
        if !self.map.center.is_valid() {
            bad("map.center".into(), "must be a valid latitude/longitude");
        }
        if !(self.map.min_zoom <= self.map.zoom && self.map.zoom <= self.map.max_zoom && self.map.max_zoom <= 20) {
            bad("map.zoom".into(), "must satisfy min_zoom <= zoom <= max_zoom <= 20");
        }
        if !(self.map.tile_url.contains("{z}")
            && self.map.tile_url.contains("{x}")
            && self.map.tile_url.contains("{y}"))
        {
            bad("map.tile_url".into(), "must contain {z}, {x} and {y}");
        }
        if self.boundary.0.len() < 3 {
            bad("boundary".into(), "needs at least 3 corners");
        } else if let Some(i) = self.boundary.0.iter().position(|p| !p.is_valid()) {
            bad(format!("boundary[{i}]"), "must be a valid latitude/longitude");
        } else if !self.boundary.contains(self.map.center) {
            bad("map.center".into(), "must lie inside the boundary");
        }

        check_unique(&mut bad, "districts", self.districts.iter().map(|d| d.code.as_str()));
        for (i, d) in self.districts.iter().enumerate() {
            if d.name.trim().is_empty() {
                bad(format!("districts[{i}].name"), "must not be empty");
            }
            if !d.code.starts_with(&format!("{}.", self.city.code)) {
                bad(format!("districts[{i}].code"), "must start with the city code");
            }
            check_unique(&mut bad, &format!("districts[{i}].villages"), d.villages.iter().map(|v| v.code.as_str()));
            for (j, v) in d.villages.iter().enumerate() {
                if !v.code.starts_with(&format!("{}.", d.code)) {
                    bad(format!("districts[{i}].villages[{j}].code"), "must start with its district's code");
                }
                if v.centre.is_some_and(|c| !c.is_valid() || !self.boundary.contains(c)) {
                    bad(format!("districts[{i}].villages[{j}].centre"), "must lie inside the boundary");
                }
            }
        }
        if self.districts.is_empty() {
            bad("districts".into(), "needs at least one district");
        }

        check_unique(&mut bad, "agencies", self.agencies.iter().map(|a| a.code.as_str()));
        for (i, a) in self.agencies.iter().enumerate() {
            if !is_slug(&a.code) {
                bad(format!("agencies[{i}].code"), "must be 1-32 lower-case letters, digits or '-'");
            }
            check_text(&mut bad, &format!("agencies[{i}].name"), &a.name);
            check_text(&mut bad, &format!("agencies[{i}].description"), &a.description);
        }
        if self.agencies.is_empty() {
            bad("agencies".into(), "needs at least one agency");
        }

        check_unique(&mut bad, "categories", self.categories.iter().map(|c| c.code.as_str()));
        for (i, c) in self.categories.iter().enumerate() {
            if !is_slug(&c.code) {
                bad(format!("categories[{i}].code"), "must be 1-32 lower-case letters, digits or '-'");
            }
            if self.agency(&c.agency).is_none() {
                bad(format!("categories[{i}].agency"), "names no agency of this file");
            }
            check_text(&mut bad, &format!("categories[{i}].name"), &c.name);
            check_text(&mut bad, &format!("categories[{i}].description"), &c.description);
            if c.confidential && c.sensitive {
                bad(format!("categories[{i}].sensitive"), "a confidential category is never public: drop `sensitive`");
            }
        }
        for a in &self.agencies {
            if !self.categories.iter().any(|c| c.agency == a.code) {
                bad("categories".into(), &format!("agency '{}' has no category", a.code));
            }
        }

        if let Some(l) = &self.open_data.licence {
            if !(1..=64).contains(&l.name.len()) || l.name.contains(char::is_whitespace) {
                bad("open_data.licence.name".into(), "must be an SPDX identifier such as \"CC-BY-4.0\"");
            }
            if l.title.trim().is_empty() {
                bad("open_data.licence.title".into(), "must not be empty");
            }
            if !l.path.starts_with("https://") || l.path.contains(char::is_whitespace) {
                bad("open_data.licence.path".into(), "must be an https:// address of the licence text");
            }
        }
        if !(10.0..=2000.0).contains(&self.open_data.nearby_radius_m) {
            bad("open_data.nearby_radius_m".into(), "must be between 10 and 2000 metres");
        }

        for (i, v) in self.videos.iter().enumerate() {
            if self.agency(&v.agency).is_none() {
                bad(format!("videos[{i}].agency"), "names no agency of this file");
            }
            if !is_youtube_id(&v.youtube_id) {
                bad(format!("videos[{i}].youtube_id"), "must be an 11-character YouTube id");
            }
            check_text(&mut bad, &format!("videos[{i}].title"), &v.title);
        }
        if let Some(levels) = &self.service_levels {
            for code in levels.categories.keys() {
                if self.category(code).is_none() {
                    bad(format!("service_levels.categories.{code}"), "names no category of this file");
                }
            }
        }
        problems
    }
}

fn check_text(bad: &mut impl FnMut(String, &str), field: &str, text: &Text) {
    if text.id.trim().is_empty() {
        bad(format!("{field}.id"), "must not be empty");
    }
    if text.en.trim().is_empty() {
        bad(format!("{field}.en"), "must not be empty");
    }
}

fn check_unique<'a>(bad: &mut impl FnMut(String, &str), field: &str, codes: impl Iterator<Item = &'a str>) {
    let mut seen = HashSet::new();
    for (i, code) in codes.enumerate() {
        if !seen.insert(code) {
            bad(format!("{field}[{i}].code"), &format!("'{code}' appears twice"));
        }
    }
}

/// Identifiers that appear in URLs: short, lower-case, unambiguous.
#[must_use]
pub fn is_slug(s: &str) -> bool {
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A `YouTube` video id: 11 characters of URL-safe base 64.
#[must_use]
pub fn is_youtube_id(s: &str) -> bool {
    s.len() == 11 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("dlh"));
        assert!(is_slug("pohon-tumbang"));
        assert!(!is_slug(""));
        assert!(!is_slug("DLH"));
        assert!(!is_slug("a/b"));
    }

    #[test]
    fn youtube_ids() {
        assert!(is_youtube_id("dQw4w9WgXcQ"));
        assert!(!is_youtube_id("dQw4w9WgXc"));
        assert!(!is_youtube_id("dQw4w9WgXc\""));
    }
}
