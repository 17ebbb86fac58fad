//! Stored records turned into what each audience may see.
//!
//! This is the one place that decides privacy: the public view never carries
//! contact data or internal notes, and confidential tickets show nothing but
//! their status history.

use portal112_core::Status;
use portal112_core::city::Text;
use portal112_core::city::{CityConfig, District, Village};
use portal112_core::dto::{
    Contact, NamedRef, PlaceRef, PublicTicket, StaffEvent, StaffTicket, StaffTicketSummary, TimelineEntry,
};
use portal112_core::geo::LatLng;
use portal112_core::service_level::{Promise, Stage, TicketClock};
use portal112_core::staff::{
    AuditLine, DeliveryState, EndpointState, ReplyTemplate, Shift, StaffAccount, WebhookDelivery, WebhookEndpoint,
};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::service_level::{Due, ServiceClock, StageClock};
use crate::store::{
    AuditEntry, DeliveryRecord, EventRecord, Millis, StaffRecord, TemplateRecord, TicketRecord, WebhookEndpointRecord,
};

/// Now, in storage form.
#[must_use]
pub fn now_millis() -> Millis {
    (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as Millis
}

/// A stored time as RFC 3339 in the city's offset, e.g. `2026-11-28T21:04:05+08:00`.
#[must_use]
pub fn format_time(city: &CityConfig, at: Millis) -> String {
    let offset = UtcOffset::from_whole_seconds(city.city.utc_offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// Reads an RFC 3339 time (as Open311 and the staff filters send them).
#[must_use]
pub fn parse_time(s: &str) -> Option<Millis> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    Some((t.unix_timestamp_nanos() / 1_000_000) as Millis)
}

/// The URL of a stored photo.
#[must_use]
pub fn photo_url(id: &str) -> String {
    format!("/api/v1/photos/{id}")
}

fn status_label(s: Status) -> Text {
    Text { id: s.label(portal112_core::Lang::Id).into(), en: s.label(portal112_core::Lang::En).into() }
}

fn category_ref(city: &CityConfig, code: &str) -> NamedRef {
    let name = city.category(code).map_or_else(|| Text { id: code.into(), en: code.into() }, |c| c.name.clone());
    NamedRef { code: code.into(), name }
}

/// An agency by code with its names (the code itself if the config lost it).
#[must_use]
pub fn agency_ref(city: &CityConfig, code: &str) -> NamedRef {
    let name = city.agency(code).map_or_else(|| Text { id: code.into(), en: code.into() }, |a| a.name.clone());
    NamedRef { code: code.into(), name }
}

fn district_ref(city: &CityConfig, code: Option<&str>) -> Option<PlaceRef> {
    let code = code?;
    let name = city.district(code).map_or_else(|| code.to_owned(), |d| d.name.clone());
    Some(PlaceRef { code: code.into(), name })
}

fn village_ref(city: &CityConfig, district: Option<&str>, code: Option<&str>) -> Option<PlaceRef> {
    let code = code?;
    let name = district.and_then(|d| city.village(d, code)).map_or_else(|| code.to_owned(), |v| v.name.clone());
    Some(PlaceRef { code: code.into(), name })
}

fn location(t: &TicketRecord) -> Option<LatLng> {
    Some(LatLng { lat: t.lat?, lng: t.lng? })
}

/// One public timeline entry; `None` for steps with nothing public in them.
#[must_use]
pub fn timeline_entry(city: &CityConfig, confidential: bool, e: &EventRecord) -> Option<TimelineEntry> {
    if !e.is_public() {
        return None;
    }
    let status_changed = e.from_status.is_some_and(|f| f != e.to_status);
    if confidential && e.from_status.is_some() && !status_changed {
        // Notes and hand-overs of confidential cases stay inside.
        return None;
    }
    Some(TimelineEntry {
        seq: e.seq,
        at: format_time(city, e.at),
        status: e.to_status,
        previous_status: if status_changed { e.from_status } else { None },
        agency: if confidential { None } else { e.agency.as_deref().map(|a| agency_ref(city, a)) },
        note: if confidential { None } else { e.public_note.clone() },
        duplicate_of: e.duplicate_of.clone(),
    })
}

/// Who a ticket's view is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Anyone holding the code (`GET /api/v1/tickets/{code}`): the same as the
    /// public map shows of it, since the map lists codes and links to it.
    Public,
    /// Whoever just filed it (the answer to `POST /api/v1/reports`, replayed
    /// only for the same Idempotency-Key): what they sent, no more.
    Reporter,
}

/// A ticket as `audience` sees it. A confidential category shows nothing but
/// its status to anyone. Publicly, the description, landmark and the
/// reporter's photos appear only once staff verified the report and while
/// they do not hide them, and a sensitive category shows its kelurahan, not
/// the point. The photos staff added when handling it stay.
#[must_use]
pub fn public_ticket(city: &CityConfig, service: &ServiceClock, t: &TicketRecord, audience: Audience) -> PublicTicket {
    let c = t.confidential;
    let sensitive = audience == Audience::Public && city.category(&t.category).is_some_and(|k| k.sensitive);
    let shown = !c
        && match audience {
            Audience::Public => details_public(t.status, t.details_hidden),
            Audience::Reporter => !t.details_hidden,
        };
    let place = public_place(city, sensitive, location(t), t.district.as_deref(), t.village.as_deref());
    PublicTicket {
        // A confidential ticket shows nothing but its status, not even its timing.
        promise: if c { None } else { service.promise(t).map(|clock| promise(city, &clock)) },
        code: t.code,
        status: t.status,
        status_label: status_label(t.status),
        confidential: c,
        created_at: format_time(city, t.created_at),
        updated_at: format_time(city, t.updated_at),
        category: (!c).then(|| category_ref(city, &t.category)),
        agency: (!c).then(|| agency_ref(city, &t.agency)),
        district: if c { None } else { district_ref(city, place.district) },
        village: if c { None } else { village_ref(city, place.district, place.village) },
        location: if c { None } else { place.point },
        location_coarse: !c && place.coarse,
        address: if landmark_public(shown, sensitive) { t.address.clone() } else { None },
        description: shown.then(|| t.description.clone()),
        photos: if shown { t.photo_ids.iter().map(|id| photo_url(id)).collect() } else { Vec::new() },
        after_photos: if c { Vec::new() } else { t.after_photo_ids.iter().map(|id| photo_url(id)).collect() },
        timeline: t.events.iter().filter_map(|e| timeline_entry(city, c, e)).collect(),
    }
}

/// The whole record for staff; the contact only for roles that may see it.
#[must_use]
pub fn staff_ticket(
    city: &CityConfig,
    service: &ServiceClock,
    t: &TicketRecord,
    with_contact: bool,
    now: Millis,
) -> StaffTicket {
    let contact =
        Contact { name: t.contact_name.clone(), phone: t.contact_phone.clone(), email: t.contact_email.clone() };
    let has_contact = contact.name.is_some() || contact.phone.is_some() || contact.email.is_some();
    StaffTicket {
        code: t.code,
        status: t.status,
        category: category_ref(city, &t.category),
        agency: agency_ref(city, &t.agency),
        confidential: t.confidential,
        created_at: format_time(city, t.created_at),
        updated_at: format_time(city, t.updated_at),
        description: t.description.clone(),
        location: location(t),
        accuracy_m: t.accuracy_m,
        district: district_ref(city, t.district.as_deref()),
        village: village_ref(city, t.district.as_deref(), t.village.as_deref()),
        address: t.address.clone(),
        anonymous: t.anonymous,
        contact: (with_contact && has_contact).then_some(contact),
        source: t.source.clone(),
        channel: t.channel,
        priority: t.priority,
        assignee: t.assignee.clone(),
        revision: t.revision,
        clock: service.current(t).map(|c| ticket_clock(city, &c, now)),
        photos: t.photo_ids.iter().map(|id| photo_url(id)).collect(),
        after_photos: t.after_photo_ids.iter().map(|id| photo_url(id)).collect(),
        supporters: u32::try_from(t.supporters).unwrap_or(0),
        details_hidden: t.details_hidden,
        events: t
            .events
            .iter()
            .map(|e| StaffEvent {
                seq: e.seq,
                at: format_time(city, e.at),
                actor: e.actor.clone(),
                from_status: e.from_status,
                to_status: e.to_status,
                agency: e.agency.clone(),
                public_note: e.public_note.clone(),
                internal_note: e.internal_note.clone(),
                duplicate_of: e.duplicate_of.clone(),
                priority: e.priority,
                assignee: e.assignee.clone(),
            })
            .collect(),
    }
}

/// One line of the staff list.
#[must_use]
pub fn staff_summary(city: &CityConfig, t: &TicketRecord, now: Millis) -> StaffTicketSummary {
    StaffTicketSummary {
        code: t.code,
        status: t.status,
        category: t.category.clone(),
        agency: t.agency.clone(),
        confidential: t.confidential,
        created_at: format_time(city, t.created_at),
        updated_at: format_time(city, t.updated_at),
        district: t.district.clone(),
        summary: t.description.chars().take(140).collect(),
        channel: t.channel,
        priority: t.priority,
        assignee: t.assignee.clone(),
        revision: t.revision,
        clock: stored_clock(city, t, now),
    }
}

/// A stage's clock as staff read it at `now`.
#[must_use]
pub fn ticket_clock(city: &CityConfig, c: &StageClock, now: Millis) -> TicketClock {
    TicketClock {
        stage: c.stage,
        due_at: c.due_at().map(|at| format_time(city, at)),
        due_ms: c.due_at(),
        late: c.late_at(now),
        paused: matches!(c.due, Due::Paused { .. }),
        remaining_s: match c.due {
            Due::Paused { remaining } => Some(remaining / 1000),
            Due::At(_) => None,
        },
    }
}

/// The clock a list row carries: what the ticket's last change stored
/// (lists read no history, so a paused clock's time left is not given).
#[must_use]
pub fn stored_clock(city: &CityConfig, t: &TicketRecord, now: Millis) -> Option<TicketClock> {
    let stage = Stage::from_name(t.sla_stage.as_deref()?)?;
    Some(TicketClock {
        stage,
        due_at: t.sla_due_at.map(|at| format_time(city, at)),
        due_ms: t.sla_due_at,
        late: t.sla_due_at.is_some_and(|at| at <= now),
        paused: t.sla_due_at.is_none(),
        remaining_s: None,
    })
}

/// The promise on a citizen's tracking page.
fn promise(city: &CityConfig, c: &StageClock) -> Promise {
    Promise {
        stage: c.stage,
        due_at: c.due_at().map(|at| format_time(city, at)),
        due_ms: c.due_at(),
        paused: matches!(c.due, Due::Paused { .. }),
    }
}

/// An account as admins see it (never its password hash).
#[must_use]
pub fn staff_account(city: &CityConfig, a: &StaffRecord) -> StaffAccount {
    StaffAccount {
        username: a.username.clone(),
        role: a.role,
        agency: a.agency.clone(),
        disabled: a.disabled_at.is_some(),
        created_at: format_time(city, a.created_at),
    }
}

/// A reply template as the console reads it.
#[must_use]
pub fn reply_template(t: &TemplateRecord) -> ReplyTemplate {
    ReplyTemplate { id: t.id, status: t.status, title: t.title.clone(), text: t.text.clone() }
}

/// A webhook endpoint as admins see it: never its secret.
#[must_use]
pub fn webhook_endpoint(city: &CityConfig, e: &WebhookEndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint {
        id: e.id,
        agency: e.agency.clone(),
        url: e.url.clone(),
        created_at: format_time(city, e.created_at),
        state: if e.removed_at.is_some() { EndpointState::Removed } else { EndpointState::Active },
    }
}

/// A webhook delivery as admins see it: its state, not its body.
#[must_use]
pub fn webhook_delivery(city: &CityConfig, d: &DeliveryRecord) -> WebhookDelivery {
    let state = d.state.0;
    WebhookDelivery {
        id: d.id.clone(),
        endpoint_id: d.endpoint_id,
        agency: d.agency.clone(),
        url: d.url.clone(),
        event_type: d.event_type.clone(),
        state,
        attempts: d.attempts,
        created_at: format_time(city, d.created_at),
        next_attempt_at: (state == DeliveryState::Pending).then(|| format_time(city, d.next_attempt_at)),
        last_status: d.last_status,
        last_error: d.last_error.clone(),
        delivered_at: d.delivered_at.map(|at| format_time(city, at)),
    }
}

/// One line of the audit log.
#[must_use]
pub fn audit_line(city: &CityConfig, e: &AuditEntry) -> AuditLine {
    AuditLine {
        at: format_time(city, e.at),
        actor: e.actor.clone(),
        action: e.action.as_str().to_owned(),
        target: e.target.clone(),
    }
}

/// The city's local date (`YYYY-MM-DD`) and hour at a stored time.
#[must_use]
pub fn local_date_hour(city: &CityConfig, at: Millis) -> (time::Date, u8) {
    let offset = UtcOffset::from_whole_seconds(city.city.utc_offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    (t.date(), t.hour())
}

/// A date as the roster writes it.
#[must_use]
pub fn format_date(date: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day())
}

/// Reads a roster date (`YYYY-MM-DD`).
#[must_use]
pub fn parse_date(s: &str) -> Option<time::Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s, &fmt).ok()?;
    (format_date(d) == s).then_some(d)
}

/// The standby shift running at `at`: the date it began on (the night shift
/// after midnight belongs to the day before) and the shift.
#[must_use]
pub fn on_duty(city: &CityConfig, at: Millis) -> (String, Shift) {
    let (date, hour) = local_date_hour(city, at);
    let (shift, day_before) = Shift::at_hour(hour);
    let date = if day_before { date.previous_day().unwrap_or(date) } else { date };
    (format_date(date), shift)
}

/// Side of the grid cell, in degrees (about 1.1 km), that a sensitive
/// category's place is given as when the city file knows no kelurahan centre.
pub const COARSE_CELL_DEG: f64 = 0.01;

/// The centre of the coarse cell `x` (a latitude or longitude) lies in.
#[must_use]
pub fn coarse(x: f64) -> f64 {
    round5(((x / COARSE_CELL_DEG).floor() + 0.5) * COARSE_CELL_DEG)
}

/// Five decimals: about a metre, all a phone's GPS is worth.
#[must_use]
pub fn round5(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}

/// Whether staff have looked at the report and let it stand, so that what the
/// citizen wrote may be shown to everyone. A rejected or duplicate report, or
/// one not yet looked at, shows no text.
#[must_use]
pub fn is_verified(status: Status) -> bool {
    matches!(
        status,
        Status::Verified | Status::Assigned | Status::InProgress | Status::OnHold | Status::Resolved | Status::Closed
    )
}

/// Whether what the citizen wrote and photographed may be shown to everyone:
/// once verified, and never while staff hide it.
#[must_use]
pub fn details_public(status: Status, details_hidden: bool) -> bool {
    is_verified(status) && !details_hidden
}

/// Whether a report's landmark may be shown beside its description (`shown`):
/// never for a sensitive category, as a landmark can name a house as well as
/// a point can.
#[must_use]
pub fn landmark_public(shown: bool, sensitive: bool) -> bool {
    shown && !sensitive
}

/// Where everyone sees a ticket of a non-confidential category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublicPlace<'a> {
    /// Exact to 5 decimals; for a sensitive category the centre of its
    /// kelurahan (or of a ~1 km cell where the city file knows no centre).
    pub point: Option<LatLng>,
    /// `point` stands for an area, not the place reported.
    pub coarse: bool,
    /// The kecamatan and kelurahan codes as published: the report's own, or
    /// for a sensitive one without a kelurahan, the kelurahan it was placed in.
    pub district: Option<&'a str>,
    pub village: Option<&'a str>,
}

/// The one rule for where a ticket is shown, used by the map, "someone
/// already reported this", the open data, Open311 and the tracking page: a
/// sensitive category (a report about a household, say) never shows its pin,
/// only the kelurahan it is in, as the issue of a neighbour's privacy asks.
#[must_use]
pub fn public_place<'a>(
    city: &'a CityConfig,
    sensitive: bool,
    exact: Option<LatLng>,
    district: Option<&'a str>,
    village: Option<&'a str>,
) -> PublicPlace<'a> {
    if !sensitive {
        let point = exact.map(|p| LatLng { lat: round5(p.lat), lng: round5(p.lng) });
        return PublicPlace { point, coarse: false, district, village };
    }
    if let Some((d, v, centre)) = kelurahan(city, district, village, exact) {
        return PublicPlace { point: Some(centre), coarse: true, district: Some(&d.code), village: Some(&v.code) };
    }
    // A city file without kelurahan centres: a cell of about a kilometre.
    let point = exact.map(|p| LatLng { lat: coarse(p.lat), lng: coarse(p.lng) });
    PublicPlace { point, coarse: point.is_some(), district, village }
}

/// The kelurahan a report is in, with its centre: the one the report names,
/// else the one whose centre is nearest its point (within its kecamatan when
/// that is known). Centres stand for the kelurahan well enough for this, and
/// the answer never says more than the kelurahan.
fn kelurahan<'a>(
    city: &'a CityConfig,
    district: Option<&str>,
    village: Option<&str>,
    at: Option<LatLng>,
) -> Option<(&'a District, &'a Village, LatLng)> {
    let centred = |d: &'a District| d.villages.iter().filter_map(move |v| v.centre.map(|c| (d, v, c)));
    let named = district.and_then(|d| city.district(d));
    if let (Some(d), Some(code)) = (named, village)
        && let Some(found) = centred(d).find(|(_, v, _)| v.code == code)
    {
        return Some(found);
    }
    let at = at?;
    // Squared distance on a local flat map: enough to tell the nearest.
    let shrink = at.lat.to_radians().cos();
    let far = |c: &LatLng| (c.lat - at.lat).powi(2) + ((c.lng - at.lng) * shrink).powi(2);
    let nearest = |it: &mut dyn Iterator<Item = (&'a District, &'a Village, LatLng)>| {
        it.min_by(|a, b| far(&a.2).total_cmp(&far(&b.2)))
    };
    named.and_then(|d| nearest(&mut centred(d))).or_else(|| nearest(&mut city.districts.iter().flat_map(centred)))
}

/// What everyone may see of a ticket, the one place that decides it for the
/// public map, "someone already reported this" and the open data: never a
/// contact or an internal note (the row has none), nothing at all of a
/// confidential category, the description and address only once verified
/// and never while staff hide them, and for sensitive categories the
/// kelurahan instead of the point.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicPoint<'a> {
    pub row: &'a crate::store::PublicRow,
    /// The place as published.
    pub point: Option<LatLng>,
    /// `point` is a kelurahan's centre (or a cell's).
    pub coarse: bool,
    /// Kecamatan and kelurahan codes as published (see [`PublicPlace`]).
    pub district: Option<&'a str>,
    pub village: Option<&'a str>,
    pub description: Option<&'a str>,
    pub address: Option<&'a str>,
}

impl PublicPoint<'_> {
    /// The ticket code as people write it (`K7M-2QX-94R`): made only for
    /// the tickets an answer names, as a city's map is mostly clusters.
    #[must_use]
    pub fn code(&self) -> String {
        portal112_core::TicketCode::parse(&self.row.code).map_or_else(|_| self.row.code.clone(), |c| c.to_string())
    }
}

/// The public projection of `row`; `None` when its category is confidential
/// (or unknown to the city file, which cannot say it is not).
#[must_use]
pub fn public_point<'a>(city: &'a CityConfig, row: &'a crate::store::PublicRow) -> Option<PublicPoint<'a>> {
    let category = city.category(&row.category)?;
    if category.confidential {
        return None;
    }
    let sensitive = category.sensitive;
    let exact = match (row.lat, row.lng) {
        (Some(lat), Some(lng)) => Some(LatLng { lat, lng }),
        _ => None,
    };
    let place = public_place(city, sensitive, exact, row.district.as_deref(), row.village.as_deref());
    let shown = details_public(row.status, row.details_hidden);
    Some(PublicPoint {
        row,
        point: place.point,
        coarse: place.coarse,
        district: place.district,
        village: place.village,
        description: shown.then_some(row.description.as_str()),
        address: if landmark_public(shown, sensitive) { row.address.as_deref() } else { None },
    })
}

/// The name of a kecamatan, and of a kelurahan within it, by their codes.
#[must_use]
pub fn place_names(
    city: &CityConfig,
    district: Option<&str>,
    village: Option<&str>,
) -> (Option<String>, Option<String>) {
    (district_ref(city, district).map(|d| d.name), village_ref(city, district, village).map(|v| v.name))
}
