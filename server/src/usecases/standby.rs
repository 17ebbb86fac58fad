//! The standby roster: who of each agency is on duty in each shift, and who
//! is right now. A forwarded ticket goes to the first officer on duty.

use portal112_core::city::CityConfig;
use portal112_core::dto::Role;
use portal112_core::staff::{Shift, StandbyNow, StandbySlot};
use portal112_core::{ErrorKind, Field};

use crate::error::AppError;
use crate::store::{AuditAction, AuditEntry, Millis, StaffRecord, StandbyRecord, Store};
use crate::view::{format_date, local_date_hour, on_duty, parse_date};

/// The most days one roster page covers.
pub const DAYS_MAX: u32 = 31;

/// The most officers one shift names.
pub const OFFICERS_MAX: usize = 20;

/// The roster from `from` (default: today in the city) for `days` days
/// (default 7): every shift of every agency `staff` may see, empty ones too.
pub async fn roster(
    store: &dyn Store,
    city: &CityConfig,
    staff: &StaffRecord,
    from: Option<&str>,
    days: Option<u32>,
    now: Millis,
) -> Result<Vec<StandbySlot>, AppError> {
    let first = match from {
        Some(s) => parse_date(s.trim()).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::From))?,
        None => local_date_hour(city, now).0,
    };
    let days = days.unwrap_or(7);
    if !(1..=DAYS_MAX).contains(&days) {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Days));
    }
    let dates: Vec<String> = (0..days)
        .scan(Some(first), |d, _| {
            let today = (*d)?;
            *d = today.next_day();
            Some(format_date(today))
        })
        .collect();
    let (Some(start), Some(end)) = (dates.first(), dates.last()) else { return Ok(Vec::new()) };
    let own = if staff.role == Role::Agency { Some(staff.agency.clone().unwrap_or_default()) } else { None };
    let filled = store.standby(own.as_deref(), start, end).await?;
    let agencies: Vec<&str> = match &own {
        Some(a) => vec![a.as_str()],
        None => city.agencies.iter().map(|a| a.code.as_str()).collect(),
    };
    let mut slots = Vec::with_capacity(dates.len() * agencies.len() * Shift::ALL.len());
    for date in &dates {
        for agency in &agencies {
            for shift in Shift::ALL {
                let officers = filled
                    .iter()
                    .find(|r| r.date == *date && r.agency == *agency && r.shift == shift)
                    .map(|r| r.officers.clone())
                    .unwrap_or_default();
                slots.push(StandbySlot { agency: (*agency).to_owned(), date: date.clone(), shift, officers });
            }
        }
    }
    Ok(slots)
}

/// Replaces one shift's officers. Admins and supervisors set any agency's
/// roster, an agency account its own; officers are agency accounts of that
/// agency. Written with its audit entry.
pub async fn set_slot(
    store: &dyn Store,
    city: &CityConfig,
    staff: &StaffRecord,
    slot: StandbySlot,
    at: Millis,
) -> Result<StandbySlot, AppError> {
    let agency = slot.agency.trim().to_owned();
    if city.agency(&agency).is_none() {
        return Err(AppError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    let allowed = match staff.role {
        Role::Admin | Role::Supervisor => true,
        Role::Agency => staff.agency.as_deref() == Some(agency.as_str()),
        Role::Operator => false,
    };
    if !allowed {
        return Err(ErrorKind::Forbidden.into());
    }
    let date = parse_date(slot.date.trim()).ok_or_else(|| AppError::field(ErrorKind::InvalidValue, Field::Date))?;
    let mut officers: Vec<String> = Vec::with_capacity(slot.officers.len());
    for name in slot.officers.iter().map(|o| o.trim()) {
        if name.is_empty() || officers.iter().any(|o| o == name) {
            return Err(AppError::field(ErrorKind::InvalidValue, Field::Officers));
        }
        officers.push(name.to_owned());
    }
    if officers.len() > OFFICERS_MAX {
        return Err(AppError::field(ErrorKind::InvalidValue, Field::Officers));
    }
    let known = store.agency_staff_among(&agency, &officers).await?;
    if officers.iter().any(|o| !known.contains(o)) {
        return Err(AppError::field(ErrorKind::UnknownStaff, Field::Officers));
    }
    let record = StandbyRecord { agency, date: format_date(date), shift: slot.shift, officers };
    let target = format!("{} {} {}", record.agency, record.date, record.shift.as_str());
    store.set_standby(&record, AuditEntry::new(at, &staff.username, AuditAction::StandbySet, target)).await?;
    Ok(StandbySlot { agency: record.agency, date: record.date, shift: record.shift, officers: record.officers })
}

/// Who is on duty at `now`, for every agency of the city.
pub async fn now(store: &dyn Store, city: &CityConfig, now: Millis) -> Result<Vec<StandbyNow>, AppError> {
    let (date, shift) = on_duty(city, now);
    let filled = store.standby(None, &date, &date).await?;
    Ok(city
        .agencies
        .iter()
        .map(|a| StandbyNow {
            agency: a.code.clone(),
            date: date.clone(),
            shift,
            officers: filled
                .iter()
                .find(|r| r.agency == a.code && r.shift == shift)
                .map(|r| r.officers.clone())
                .unwrap_or_default(),
        })
        .collect())
}
