//! Taking in a report, from the native API or Open311: validate, clean the
//! photos, draw a ticket code, and store everything in one transaction.

use portal112_core::dto::NewReport;
use portal112_core::validate::validate_report;
use portal112_core::{ApiError, ErrorKind, Field, TicketCode};
use sha2::{Digest, Sha256};

use crate::auth::{random_bytes, random_id};
use crate::error::AppError;
use crate::photos;
use crate::state::AppState;
use crate::store::{AuditAction, AuditEntry, Created, Idempotency, NewPhoto, NewTicket, StoreError, TicketRecord};
use portal112_core::staff::{Channel, Priority};

/// A report as received, before any check.
#[derive(Debug)]
pub struct Submission {
    pub report: NewReport,
    /// Raw uploaded files, in order.
    pub photos: Vec<Vec<u8>>,
    pub idempotency_key: Option<String>,
    pub source: String,
    /// Hand out an Open311 token with the ticket.
    pub open311_token: Option<String>,
    pub channel: Channel,
    pub priority: Priority,
    /// A staff member filing it (phone intake): named by the first history
    /// entry instead of the source, and audited with this action.
    pub staff_actor: Option<(String, AuditAction)>,
}

/// How a submission ended.
#[derive(Debug)]
pub struct Outcome {
    pub ticket: TicketRecord,
    /// True when an earlier send with the same Idempotency-Key made it.
    pub replayed: bool,
}

/// Checks an Idempotency-Key: 8 to 128 URL-safe characters (UUIDs fit).
pub fn check_idempotency_key(key: &str) -> Result<(), AppError> {
    let ok = (8..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(()) } else { Err(AppError::field(ErrorKind::IdempotencyKeyInvalid, Field::IdempotencyKey)) }
}

/// What makes two sends "the same request": the report as understood (so
/// whitespace and key order do not matter) and the exact photo bytes.
fn request_hash(report: &NewReport, photos: &[Vec<u8>]) -> String {
    let mut h = Sha256::new();
    h.update(serde_json::to_vec(report).unwrap_or_default());
    for p in photos {
        h.update(Sha256::digest(p));
    }
    hex::encode(h.finalize())
}

/// Runs a submission through validation and storage.
pub async fn submit(state: &AppState, s: Submission) -> Result<Outcome, AppError> {
    if let Some(key) = &s.idempotency_key {
        check_idempotency_key(key)?;
    }
    let report = validate_report(&s.report, &state.city).map_err(|mut errors| AppError::Api(errors.remove(0)))?;
    if s.photos.len() > portal112_core::validate::MAX_PHOTOS {
        return Err(AppError::field(
            ErrorKind::TooManyPhotos { max: portal112_core::validate::MAX_PHOTOS },
            Field::Photo(None),
        ));
    }
    let idempotency = s.idempotency_key.as_ref().map(|key| {
        let mut hash = request_hash(&s.report, &s.photos);
        if s.channel == Channel::Telepon {
            // A call sent again at another priority is another request.
            hash = format!("{hash}:{}", s.priority.as_str());
        }
        Idempotency { key: key.clone(), request_hash: hash }
    });

    let mut cleaned = Vec::with_capacity(s.photos.len());
    for (i, raw) in s.photos.into_iter().enumerate() {
        let _slot = state.photo_slots.acquire().await.map_err(|e| anyhow::anyhow!("photo slots closed: {e}"))?;
        let photo = tokio::task::spawn_blocking(move || photos::clean(&raw))
            .await
            .map_err(|e| anyhow::anyhow!("photo task: {e}"))?
            .map_err(|kind| AppError::Api(ApiError::field(kind, Field::photo(i))))?;
        cleaned.push(NewPhoto {
            id: random_id(),
            mime: photo.mime,
            width: photo.width,
            height: photo.height,
            bytes: photo.bytes,
        });
    }

    let created_at = state.clock.now();
    let clock = state.service.first(&report.category, s.priority, created_at);
    // 2^40 codes make a collision rare, but never impossible: draw again.
    for _ in 0..8 {
        let mut bytes = [0_u8; portal112_core::ticket_code::RANDOM_BYTES];
        random_bytes(&mut bytes);
        let code = TicketCode::from_random_bytes(bytes);
        let (actor, audit) = match &s.staff_actor {
            Some((name, action)) => {
                (name.clone(), Some(AuditEntry::new(created_at, name, *action, code.compact().to_owned())))
            }
            None => (s.source.clone(), None),
        };
        let ticket = NewTicket {
            code,
            report: report.clone(),
            photos: cleaned.clone(),
            source: s.source.clone(),
            channel: s.channel,
            priority: s.priority,
            actor,
            audit,
            created_at,
            idempotency: idempotency.clone(),
            open311_token: s.open311_token.clone(),
            clock,
        };
        return match state.store.create_ticket(ticket).await {
            Ok(Created::New(t)) => {
                tracing::info!(code = %t.code, category = %t.category, source = %t.source, "report received");
                Ok(Outcome { ticket: *t, replayed: false })
            }
            Ok(Created::Replayed(t)) => Ok(Outcome { ticket: *t, replayed: true }),
            Ok(Created::KeyConflict) => Err(AppError::field(ErrorKind::IdempotencyConflict, Field::IdempotencyKey)),
            Err(StoreError::CodeTaken) => continue,
            Err(e) => Err(e.into()),
        };
    }
    Err(anyhow::anyhow!("could not draw an unused ticket code").into())
}
