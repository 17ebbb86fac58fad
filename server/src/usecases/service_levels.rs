//! Late work: every stage past its due time is recorded once (an internal
//! history entry and an audit entry, written together), whichever instance
//! notices first; supervisors see the late tickets by agency and stage.

use std::collections::BTreeMap;
use std::time::Duration;

use portal112_core::dto::Role;
use portal112_core::service_level::{Stage, format_when};
use portal112_core::staff::{LateGroup, LateReport};
use portal112_core::{ErrorKind, Lang};

use crate::error::AppError;
use crate::state::AppState;
use crate::store::{Changed, Escalation, Millis, StaffRecord, TicketFilter};
use crate::usecases::tickets::NEEDS_SOMEONE;
use crate::view::{agency_ref, format_time, staff_summary};

/// How often a running server looks for late stages.
pub const LOOK_EVERY: Duration = Duration::from_secs(30);

/// Tickets looked at per round.
const BATCH: u32 = 200;

/// Records every stage due by `now` that has not escalated yet; returns the
/// escalations this call wrote (another instance may write some of them:
/// each is written once in all).
pub async fn escalate_late(state: &AppState, now: Millis) -> Result<Vec<Changed>, AppError> {
    let mut escalated = Vec::new();
    // A ticket changed while being looked at is looked at again next round;
    // rounds are bounded so a ticket that keeps changing cannot hold the job.
    for _ in 0..8 {
        let codes = state.store.due_unescalated(now, BATCH).await?;
        if codes.is_empty() {
            break;
        }
        for code in &codes {
            let Some(ticket) = state.store.ticket(code).await? else { continue };
            let clock = state.service.current(&ticket);
            match clock {
                Some(clock) if clock.late_at(now) => {
                    let due = clock.due_at().map(|at| format_time(&state.city, at)).unwrap_or_default();
                    let note = format!(
                        "Terlambat: tahap \"{}\" melewati batas waktu {}. Dieskalasi ke pengawas.",
                        clock.stage.label(Lang::Id),
                        format_when(&due, Lang::Id)
                    );
                    let escalation = Escalation {
                        code: *code,
                        revision: ticket.revision,
                        clock,
                        agency: ticket.agency.clone(),
                        at: now,
                        note,
                        city: state.city.clone(),
                        service: state.service.clone(),
                    };
                    if let Some(changed) = state.store.escalate(escalation).await? {
                        tracing::info!(code = %code, stage = %clock.stage, agency = %ticket.agency, "stage late: escalated");
                        escalated.push(changed);
                    }
                }
                // The stored clock no longer says what the history and the
                // rules say (the city file changed): store what they say now.
                fresh => state.store.set_clock(code, ticket.revision, fresh).await?,
            }
        }
        if codes.len() < BATCH as usize {
            break;
        }
    }
    Ok(escalated)
}

/// Gives every ticket that needs someone the clock the current rules give
/// it: run at start-up, so a changed city file (or tickets from before
/// service levels) count by the rules being served.
pub async fn refresh_clocks(state: &AppState) -> Result<usize, AppError> {
    let mut fixed = 0;
    let mut offset = 0;
    loop {
        let filter =
            TicketFilter { statuses: Some(NEEDS_SOMEONE.to_vec()), offset, limit: 500, ..TicketFilter::default() };
        let (page, _) = state.store.list_tickets(&filter).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        for listed in page {
            let Some(ticket) = state.store.ticket(&listed.code).await? else { continue };
            let clock = state.service.current(&ticket);
            let stored = (ticket.sla_stage.as_deref(), ticket.sla_started_at, ticket.sla_due_at);
            let fresh = (clock.map(|c| c.stage.as_str()), clock.map(|c| c.started_at), clock.and_then(|c| c.due_at()));
            if stored != fresh {
                state.store.set_clock(&ticket.code, ticket.revision, clock).await?;
                fixed += 1;
            }
        }
    }
    Ok(fixed)
}

/// The late tickets by agency and stage, for supervisors and admins (and
/// an agency's own, for its staff).
pub async fn late_report(state: &AppState, staff: &StaffRecord, now: Millis) -> Result<LateReport, AppError> {
    let agency = match staff.role {
        Role::Supervisor | Role::Admin | Role::Operator => None,
        Role::Agency => Some(staff.agency.clone().ok_or(ErrorKind::Forbidden)?),
    };
    let filter = TicketFilter {
        statuses: Some(NEEDS_SOMEONE.to_vec()),
        agency,
        late_at: Some(now),
        queue_order: true,
        late_first_at: Some(now),
        limit: 1000,
        ..TicketFilter::default()
    };
    let (tickets, total) = state.store.list_tickets(&filter).await?;
    let mut groups: BTreeMap<(String, Stage), Vec<_>> = BTreeMap::new();
    for t in &tickets {
        let Some(late_stage) = t.sla_stage.as_deref().and_then(Stage::from_name) else { continue };
        groups.entry((t.agency.clone(), late_stage)).or_default().push(staff_summary(&state.city, t, now));
    }
    let order = |code: &str| state.city.agencies.iter().position(|a| a.code == code).unwrap_or(usize::MAX);
    let mut groups: Vec<LateGroup> = groups
        .into_iter()
        .map(|((agency, stage), tickets)| LateGroup { agency: agency_ref(&state.city, &agency), stage, tickets })
        .collect();
    groups.sort_by_key(|g| (order(&g.agency.code), g.stage));
    Ok(LateReport { total, groups })
}
