//! What the portal shows everyone: the public map, "someone already reported
//! this" with its "me too", the statistics, and the rows of the open data.
//! What a ticket shows is decided by [`crate::view::public_point`] alone.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use portal112_core::geo::LatLng;
use portal112_core::open::{MapAnswer, MapCluster, MapTicket, NearbyReport, Supported};
use portal112_core::{ErrorKind, Field, Status, TicketCode};
use sha2::{Digest as _, Sha256};

use crate::encoding::{Effort, Precompressed};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Millis, PublicRow};
use crate::view::{PublicPoint, format_time, public_place, public_point};

/// Tickets a map answer shows one by one when none is asked for.
pub const MAP_LIMIT_DEFAULT: u32 = 200;
/// At most this many.
pub const MAP_LIMIT_MAX: u32 = 500;
/// At most this many nearby tickets are offered.
pub const NEARBY_MAX: usize = 10;
/// A map summary's length in characters.
const SUMMARY_CHARS: usize = 140;
const DAY: Millis = 24 * 60 * 60 * 1000;

/// What the map asks for: a visible area and filters.
#[derive(Debug, Clone, Default)]
pub struct MapRequest {
    /// South, west, north, east.
    pub area: (f64, f64, f64, f64),
    pub category: Option<String>,
    pub agency: Option<String>,
    pub status: Option<Status>,
    pub district: Option<String>,
    pub limit: u32,
}

/// Every non-confidential ticket as stored, kept briefly (see [`crate::cache::Fresh`]).
pub async fn public_rows(state: &AppState) -> Result<Arc<Vec<PublicRow>>, AppError> {
    let store = state.store.clone();
    state.public_rows.get_or_load(|| async move { Ok(store.public_rows().await?) }).await
}

/// The tickets in the visible area, newest first; when more match than
/// `limit`, those sharing a cell of a grid over the area are counted as a
/// cluster instead of shown one by one.
pub async fn map(state: &AppState, req: &MapRequest, now: Millis) -> Result<MapAnswer, AppError> {
    let rows = public_rows(state).await?;
    let (south, west, north, east) = req.area;
    let points: Vec<(LatLng, PublicPoint<'_>)> = rows
        .iter()
        .filter(|r| req.category.as_ref().is_none_or(|c| *c == r.category))
        .filter(|r| req.agency.as_ref().is_none_or(|a| *a == r.agency))
        .filter(|r| req.status.is_none_or(|s| s == r.status))
        .filter(|r| req.district.as_ref().is_none_or(|d| Some(d) == r.district.as_ref()))
        .filter_map(|r| public_point(&state.city, r))
        .filter_map(|p| {
            // The area is matched against the public place, so that asking
            // about ever smaller areas tells no more than the place shown.
            let at = p.point?;
            ((south..=north).contains(&at.lat) && (west..=east).contains(&at.lng)).then_some((at, p))
        })
        .collect();
    // Only the tickets shown one by one are written out: a city-wide view of
    // thousands is mostly clusters, which need no more than their points.
    let ticket = |at: LatLng, p: &PublicPoint<'_>| {
        let r = p.row;
        MapTicket {
            code: p.code(),
            category: r.category.clone(),
            agency: r.agency.clone(),
            status: r.status,
            age_days: u32::try_from(now.saturating_sub(r.created_at).max(0) / DAY).unwrap_or(u32::MAX),
            lat: at.lat,
            lng: at.lng,
            coarse: p.coarse,
            district: p.district.map(str::to_owned),
            village: p.coarse.then(|| p.village.map(str::to_owned)).flatten(),
            summary: p.description.map(|d| d.chars().take(SUMMARY_CHARS).collect()),
        }
    };
    let total = u32::try_from(points.len()).unwrap_or(u32::MAX);
    if points.len() <= req.limit as usize {
        let tickets = points.iter().map(|(at, p)| ticket(*at, p)).collect();
        return Ok(MapAnswer { tickets, clusters: Vec::new(), total });
    }
    // A grid of at most `limit` cells, so the single tickets left fit too.
    let side = f64::from(req.limit).sqrt().floor().clamp(1.0, 16.0);
    let cell = |x: f64, lo: f64, hi: f64| {
        (((x - lo) / (hi - lo).max(f64::EPSILON)) * side).floor().clamp(0.0, side - 1.0) as u32
    };
    let mut cells: HashMap<(u32, u32), Vec<(LatLng, PublicPoint<'_>)>> = HashMap::new();
    for (at, p) in points {
        cells.entry((cell(at.lat, south, north), cell(at.lng, west, east))).or_default().push((at, p));
    }
    let mut tickets = Vec::new();
    let mut clusters = Vec::new();
    for members in cells.values() {
        if let [(at, p)] = members.as_slice() {
            tickets.push(ticket(*at, p));
        } else {
            let n = members.len() as f64;
            let lat = members.iter().map(|(p, _)| p.lat).sum::<f64>() / n;
            let lng = members.iter().map(|(p, _)| p.lng).sum::<f64>() / n;
            clusters.push(MapCluster {
                lat: crate::view::round5(lat),
                lng: crate::view::round5(lng),
                count: u32::try_from(members.len()).unwrap_or(u32::MAX),
            });
        }
    }
    // Same input, same answer: caches and tests see a stable order.
    tickets.sort_by(|a, b| a.age_days.cmp(&b.age_days).then_with(|| a.code.cmp(&b.code)));
    clusters.sort_by(|a, b| b.count.cmp(&a.count).then(a.lat.total_cmp(&b.lat)).then(a.lng.total_cmp(&b.lng)));
    Ok(MapAnswer { tickets, clusters, total })
}

/// Open tickets of `category` near `here` that the citizen may be about to
/// report again, nearest first. A confidential category has none to show.
pub async fn nearby(state: &AppState, here: LatLng, category: &str) -> Result<Vec<NearbyReport>, AppError> {
    let Some(c) = state.city.category(category) else {
        return Err(AppError::field(ErrorKind::UnknownCategory, Field::Category));
    };
    if c.confidential {
        return Ok(Vec::new());
    }
    let radius = state.city.open_data.nearby_radius_m;
    // A sensitive category's ticket is shown at its kelurahan, so it counts as
    // near when it is in the kelurahan the citizen stands in: the answer says
    // no more than the map does. Its point may lie kilometres from the
    // kelurahan's centre, so those tickets are not looked up by area.
    let here_place = c.sensitive.then(|| public_place(&state.city, true, Some(here), None, None));
    let dlat = radius / 111_000.0;
    let dlng = dlat / here.lat.to_radians().cos().abs().max(0.01);
    // From the rows the map reads too (kept in memory, at most moments
    // old), not the database: this is asked at every pin the form places.
    let rows = public_rows(state).await?;
    let candidates = rows.iter().filter(|r| {
        r.category == category
            && r.status.is_open()
            && (here_place.is_some()
                || r.lat
                    .zip(r.lng)
                    .is_some_and(|(lat, lng)| (here.lat - lat).abs() <= dlat && (here.lng - lng).abs() <= dlng))
    });
    let mut found: Vec<(f64, NearbyReport)> = candidates
        .filter_map(|r| public_point(&state.city, r))
        .filter_map(|p| {
            let at = p.point?;
            let distance = here.distance_m(at);
            let near = match here_place {
                Some(mine) => mine.point == Some(at),
                None => distance <= radius,
            };
            if !near {
                return None;
            }
            let step = if p.coarse { 1000.0 } else { 10.0 };
            Some((
                distance,
                NearbyReport {
                    code: p.code(),
                    status: p.row.status,
                    category: p.row.category.clone(),
                    created_at: format_time(&state.city, p.row.created_at),
                    distance_m: ((distance / step).round() * step) as u32,
                    summary: p.description.map(|d| d.chars().take(SUMMARY_CHARS).collect()),
                    supporters: u32::try_from(p.row.supporters).unwrap_or(0),
                },
            ))
        })
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.code.cmp(&b.1.code)));
    Ok(found.into_iter().take(NEARBY_MAX).map(|(_, r)| r).collect())
}

/// Counts the phone that sent `key` as one more citizen with the problem of
/// the ticket `code` — once, however often it asks.
pub async fn support(state: &AppState, code: &TicketCode, key: &str, at: Millis) -> Result<Supported, AppError> {
    crate::usecases::report::check_idempotency_key(key)?;
    // Stored hashed: the key is the phone's, not ours to keep.
    let key_hash = hex::encode(Sha256::digest(format!("supporter:{key}").as_bytes()));
    let done = state.store.add_supporter(code, &key_hash, at).await?;
    if done.added {
        // The count shows in "someone already reported this" and the open data.
        state.public_rows.changed();
    }
    Ok(Supported { code: code.to_string(), supporters: u32::try_from(done.supporters).unwrap_or(0), added: done.added })
}

/// `GET /api/v1/stats`, rendered and compressed, kept briefly.
pub async fn stats(state: &AppState, now: Millis) -> Result<Arc<Precompressed>, AppError> {
    let store = state.store.clone();
    let city = state.city.clone();
    state
        .stats
        .get_or_load(|| async move {
            let rows = store.stats_rows().await?;
            let figures = crate::stats::figures(&city, &rows, now);
            let json = serde_json::to_vec(&figures).map_err(|e| anyhow::anyhow!("stats serialisation: {e}"))?;
            Ok::<_, AppError>(Precompressed::new(Bytes::from(json), Effort::Often))
        })
        .await
}
