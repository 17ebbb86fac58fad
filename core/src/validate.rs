//! Validation of what citizens and staff send. The browser runs these same
//! functions before sending, so a citizen reads the server's verdict instantly.

use crate::city::CityConfig;
use crate::dto::{Contact, NewReport, TicketUpdate};
use crate::error::{ApiError, ErrorKind};
use crate::field::Field;
use crate::geo::LatLng;
use crate::staff::Priority;
use crate::{Status, TicketCode};

/// Longest description, in characters.
pub const DESCRIPTION_MAX: usize = 4000;
/// Longest address or landmark text, in characters.
pub const ADDRESS_MAX: usize = 300;
/// Longest reporter name, in characters.
pub const NAME_MAX: usize = 100;
/// Longest staff note, in characters.
pub const NOTE_MAX: usize = 2000;
/// Longest phone number as typed (spaces, dashes and brackets included).
pub const PHONE_MAX: usize = 32;
/// Longest e-mail address (RFC 5321's limit on a path).
pub const EMAIL_MAX: usize = 254;
/// Photos per report.
pub const MAX_PHOTOS: usize = 3;
/// Bytes per photo as uploaded.
pub const PHOTO_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Largest accuracy radius worth storing; beyond it the fix says nothing.
pub const ACCURACY_MAX_M: f64 = 100_000.0;

/// A report that passed every check, normalised for storage.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidReport {
    pub category: String,
    pub agency: String,
    pub confidential: bool,
    pub description: String,
    pub location: Option<LatLng>,
    pub accuracy_m: Option<f64>,
    pub district: Option<String>,
    pub village: Option<String>,
    pub address: Option<String>,
    pub anonymous: bool,
    /// `None` when anonymous or when nothing was given.
    pub contact: Option<Contact>,
}

/// Checks a report against the city's rules; on failure, every problem found,
/// each naming its field, in form order.
pub fn validate_report(report: &NewReport, city: &CityConfig) -> Result<ValidReport, Vec<ApiError>> {
    let mut errors = Vec::new();

    let category = city.category(report.category.trim());
    if report.category.trim().is_empty() {
        errors.push(ApiError::field(ErrorKind::Required, Field::Category));
    } else if category.is_none() {
        errors.push(ApiError::field(ErrorKind::UnknownCategory, Field::Category));
    }

    let location = match report.location {
        None => None,
        Some(loc) => {
            let point = LatLng { lat: loc.lat, lng: loc.lng };
            if !point.is_valid() {
                errors.push(ApiError::field(ErrorKind::InvalidCoordinates, Field::Location));
                None
            } else if !city.boundary.contains(point) {
                errors.push(ApiError::field(
                    ErrorKind::LocationOutside { city: city.city.name.clone() },
                    Field::Location,
                ));
                None
            } else {
                Some(point)
            }
        }
    };
    let accuracy_m = match report.location.and_then(|l| l.accuracy_m) {
        Some(a) if !(a.is_finite() && a >= 0.0) => {
            errors.push(ApiError::field(ErrorKind::InvalidValue, Field::LocationAccuracy));
            None
        }
        Some(a) => Some(a.min(ACCURACY_MAX_M)),
        None => None,
    };

    let district = non_empty(report.district.as_deref());
    let district_ref = district.and_then(|d| city.district(d));
    if district.is_some() && district_ref.is_none() {
        errors.push(ApiError::field(ErrorKind::UnknownDistrict, Field::District));
    }
    let village = non_empty(report.village.as_deref());
    if let Some(v) = village {
        match district_ref {
            Some(d) if d.villages.iter().any(|x| x.code == v) => {}
            Some(_) => errors.push(ApiError::field(ErrorKind::UnknownVillage, Field::Village)),
            None if district.is_none() => errors.push(ApiError::field(ErrorKind::Required, Field::District)),
            None => {}
        }
    }
    let address = non_empty(report.address.as_deref());
    if let Some(a) = address {
        check_len(&mut errors, a, ADDRESS_MAX, Field::Address);
    }
    // A place is either a point on the map or a district plus words a driver can follow.
    if report.location.is_none() {
        if district.is_none() {
            errors.push(ApiError::field(ErrorKind::LocationRequired, Field::District));
        } else if address.is_none() {
            errors.push(ApiError::field(ErrorKind::LocationRequired, Field::Address));
        }
    }

    let description = report.description.trim();
    if description.is_empty() {
        errors.push(ApiError::field(ErrorKind::DescriptionEmpty, Field::Description));
    } else {
        check_len(&mut errors, description, DESCRIPTION_MAX, Field::Description);
    }

    let contact = if report.anonymous {
        // The reporter asked not to be known: whatever contact came along is dropped.
        None
    } else {
        report.contact.as_ref().and_then(|c| validate_contact(c, &mut errors))
    };

    if !errors.is_empty() {
        return Err(errors);
    }
    let category = category.expect("checked above");
    Ok(ValidReport {
        category: category.code.clone(),
        agency: category.agency.clone(),
        confidential: category.confidential,
        description: description.to_owned(),
        location,
        accuracy_m: location.and(accuracy_m),
        district: district.map(str::to_owned),
        village: village.map(str::to_owned),
        address: address.map(str::to_owned),
        anonymous: report.anonymous,
        contact,
    })
}

fn validate_contact(c: &Contact, errors: &mut Vec<ApiError>) -> Option<Contact> {
    let name = non_empty(c.name.as_deref());
    if let Some(n) = name {
        check_len(errors, n, NAME_MAX, Field::ContactName);
    }
    let phone = non_empty(c.phone.as_deref()).and_then(|p| {
        let normalized = normalize_phone(p);
        if normalized.is_none() {
            errors.push(ApiError::field(ErrorKind::PhoneInvalid, Field::ContactPhone));
        }
        normalized
    });
    let email = match non_empty(c.email.as_deref()) {
        Some(e) if is_email(e) => Some(e.to_owned()),
        Some(_) => {
            errors.push(ApiError::field(ErrorKind::EmailInvalid, Field::ContactEmail));
            None
        }
        None => None,
    };
    if name.is_none() && phone.is_none() && email.is_none() {
        return None;
    }
    Some(Contact { name: name.map(str::to_owned), phone, email })
}

fn non_empty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

fn check_len(errors: &mut Vec<ApiError>, s: &str, max: usize, field: Field) {
    if s.chars().count() > max {
        errors.push(ApiError::field(ErrorKind::TooLong { max }, field));
    }
}

/// Normalises an Indonesian phone number to E.164 (`+628123456789`).
///
/// Accepts the ways people write them: `0812-3456-7890`, `+62 812 3456 7890`,
/// `62812...`, `(0438) 21234`. Mobile numbers start with 8 after the country
/// code and have 9 to 12 digits there; fixed lines have an area code (2 to 4
/// digits, not starting with 0 or 8) and 8 to 11 digits in all.
#[must_use]
pub fn normalize_phone(input: &str) -> Option<String> {
    let s = input.trim();
    if s.len() > PHONE_MAX {
        return None;
    }
    let (plus, rest) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if !rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')')) {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let national = if plus {
        digits.strip_prefix("62")?
    } else if let Some(n) = digits.strip_prefix('0') {
        n
    } else {
        digits.strip_prefix("62")?
    };
    let ok = match national.as_bytes().first()? {
        b'8' => (9..=12).contains(&national.len()),
        b'1'..=b'7' | b'9' => (8..=11).contains(&national.len()),
        _ => false,
    };
    ok.then(|| format!("+62{national}"))
}

/// Letters and digits of an address: ASCII ones, and any non-ASCII character
/// (internationalised addresses), which spares the browser bundle Unicode
/// tables for a check the mail server makes anyway.
fn is_address_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || !c.is_ascii()
}

/// A pragmatic email check: one `@`, a sensible local part, and a domain
/// with a dot whose labels are letters, digits and inner hyphens.
#[must_use]
pub fn is_email(s: &str) -> bool {
    if s.len() > EMAIL_MAX || s.chars().any(|c| c.is_whitespace() || c.is_ascii_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    if !local.chars().all(|c| is_address_char(c) || "!#$%&'*+/=?^_`{|}~.-".contains(c)) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| is_address_char(c) || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()))
}

/// A staff update that passed its checks (the status move is checked against
/// the ticket's current status by [`check_transition`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpdate {
    /// The ticket's revision the change was made on.
    pub revision: i64,
    pub status: Option<Status>,
    pub agency: Option<String>,
    pub public_note: Option<String>,
    pub internal_note: Option<String>,
    pub duplicate_of: Option<TicketCode>,
    pub priority: Option<Priority>,
    /// A username to work the ticket; `Some("")` unassigns it.
    pub assignee: Option<String>,
}

/// Longest username an assignee can have.
pub const USERNAME_MAX: usize = 64;

/// Checks the shape of a staff update, independent of the ticket.
pub fn validate_update(update: &TicketUpdate, city: &CityConfig) -> Result<ValidUpdate, ApiError> {
    check_update(update, |a| city.agency(a).is_some())
}

/// [`validate_update`] with the city's agencies as a predicate.
fn check_update(update: &TicketUpdate, agency_exists: impl Fn(&str) -> bool) -> Result<ValidUpdate, ApiError> {
    // Without the revision it was made on, a change could silently undo another's.
    let Some(revision) = update.revision else {
        return Err(ApiError::field(ErrorKind::Required, Field::Revision));
    };
    if revision < 0 {
        return Err(ApiError::field(ErrorKind::InvalidValue, Field::Revision));
    }
    let public_note = non_empty(update.public_note.as_deref());
    let internal_note = non_empty(update.internal_note.as_deref());
    for (note, field) in [(public_note, Field::PublicNote), (internal_note, Field::InternalNote)] {
        if note.is_some_and(|n| n.chars().count() > NOTE_MAX) {
            return Err(ApiError::field(ErrorKind::TooLong { max: NOTE_MAX }, field));
        }
    }
    let agency = non_empty(update.agency.as_deref());
    if agency.is_some_and(|a| !agency_exists(a)) {
        return Err(ApiError::field(ErrorKind::UnknownAgency, Field::Agency));
    }
    // Rejecting or putting on hold leaves the reporter waiting for nothing:
    // they are told why.
    if matches!(update.status, Some(Status::Rejected | Status::OnHold)) && public_note.is_none() {
        return Err(ApiError::field(ErrorKind::ReasonRequired, Field::PublicNote));
    }
    let duplicate_of = match non_empty(update.duplicate_of.as_deref()) {
        Some(code) => {
            if update.status != Some(Status::Duplicate) {
                return Err(ApiError::field(ErrorKind::InvalidValue, Field::DuplicateOf));
            }
            Some(TicketCode::parse(code).map_err(|e| ApiError::field(code_error_kind(e), Field::DuplicateOf))?)
        }
        None if update.status == Some(Status::Duplicate) => {
            return Err(ApiError::field(ErrorKind::DuplicateOfRequired, Field::DuplicateOf));
        }
        None => None,
    };
    let assignee = update.assignee.as_deref().map(str::trim);
    if assignee.is_some_and(|a| a.len() > USERNAME_MAX) {
        return Err(ApiError::field(ErrorKind::UnknownStaff, Field::Assignee));
    }
    Ok(ValidUpdate {
        revision,
        status: update.status,
        agency: agency.map(str::to_owned),
        public_note: public_note.map(str::to_owned),
        internal_note: internal_note.map(str::to_owned),
        duplicate_of,
        priority: update.priority,
        assignee: assignee.map(str::to_owned),
    })
}

/// Longest title of a reply template, in characters.
pub const TEMPLATE_TITLE_MAX: usize = 80;

/// Checks a reply template: a title of 1 to [`TEMPLATE_TITLE_MAX`] characters
/// and a text of 1 to [`NOTE_MAX`] (it becomes a public note), both trimmed.
/// The status is typed, so any it names is one the machine knows.
pub fn validate_template(input: &crate::staff::TemplateInput) -> Result<crate::staff::TemplateInput, ApiError> {
    let title = input.title.trim();
    let text = input.text.trim();
    for (value, max, field) in [(title, TEMPLATE_TITLE_MAX, Field::Title), (text, NOTE_MAX, Field::Text)] {
        if value.is_empty() {
            return Err(ApiError::field(ErrorKind::Required, field));
        }
        if value.chars().count() > max {
            return Err(ApiError::field(ErrorKind::TooLong { max }, field));
        }
    }
    Ok(crate::staff::TemplateInput { status: input.status, title: title.to_owned(), text: text.to_owned() })
}

/// A ticket as a staff change finds it, read inside the change's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketState<'a> {
    pub code: TicketCode,
    pub status: Status,
    pub agency: &'a str,
    pub priority: Priority,
    pub assignee: Option<&'a str>,
    /// The seq of its newest history entry.
    pub revision: i64,
}

/// The step a change makes to a ticket: what its new history entry records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub from_status: Status,
    pub to_status: Status,
    /// The agency the ticket moves to; `None` when it stays where it is.
    pub agency: Option<String>,
    pub public_note: Option<String>,
    pub internal_note: Option<String>,
    pub duplicate_of: Option<TicketCode>,
    /// The new priority; `None` when it stays.
    pub priority: Option<Priority>,
    /// The assignee asked for (`Some("")`: nobody); `None` when not asked.
    /// The store checks the name and may pick the officer on standby.
    pub assignee: Option<String>,
}

impl ValidUpdate {
    /// The step this update makes to `current`, by every rule that depends on
    /// the ticket: agency staff (`own_agency`) touch their agency's tickets
    /// only and never hand them on nor change their priority, the change was
    /// made on the ticket's current revision, the status machine allows the
    /// move, a ticket is no duplicate of itself, and a step changes something.
    /// Whether a named original or assignee exists is the store's to check.
    pub fn step(&self, current: &TicketState<'_>, own_agency: Option<&str>) -> Result<Step, ApiError> {
        if let Some(own) = own_agency {
            if own != current.agency {
                // Not "forbidden": that would tell them the ticket exists.
                return Err(ApiError::new(ErrorKind::TicketNotFound));
            }
            if self.agency.is_some() {
                // Agencies hand a ticket back through a note; the call centre reassigns.
                return Err(ApiError::field(ErrorKind::Forbidden, Field::Agency));
            }
            if self.priority.is_some_and(|p| p != current.priority) {
                // The call centre weighs tickets against each other; an agency sees only its own.
                return Err(ApiError::field(ErrorKind::Forbidden, Field::Priority));
            }
        }
        if self.revision != current.revision {
            return Err(ApiError::field(ErrorKind::RevisionConflict { current: current.revision }, Field::Revision));
        }
        if let Some(to) = self.status {
            check_transition(current.status, to)?;
        }
        if self.duplicate_of == Some(current.code) {
            return Err(ApiError::field(ErrorKind::DuplicateOfSelf, Field::DuplicateOf));
        }
        // Handing a ticket to the agency it already has is no step at all.
        let agency = self.agency.clone().filter(|a| a != current.agency);
        let priority = self.priority.filter(|p| *p != current.priority);
        // Naming the assignee it already has changes nothing, unless the
        // ticket moves to another agency (whose staff the name must be).
        let assignee =
            self.assignee.clone().filter(|a| agency.is_some() || a.as_str() != current.assignee.unwrap_or(""));
        if self.status.is_none()
            && agency.is_none()
            && self.public_note.is_none()
            && self.internal_note.is_none()
            && priority.is_none()
            && assignee.is_none()
        {
            return Err(ApiError::new(ErrorKind::NothingToChange));
        }
        Ok(Step {
            from_status: current.status,
            to_status: self.status.unwrap_or(current.status),
            agency,
            public_note: self.public_note.clone(),
            internal_note: self.internal_note.clone(),
            duplicate_of: self.duplicate_of,
            priority,
            assignee,
        })
    }
}

/// Whether the ticket may move from `from` to `to` (409 listing the allowed moves if not).
pub fn check_transition(from: Status, to: Status) -> Result<(), ApiError> {
    if from.can_move_to(to) {
        Ok(())
    } else {
        Err(ApiError::field(ErrorKind::IllegalTransition { from, to }, Field::Status))
    }
}

/// The error a client receives for an unreadable ticket code.
#[must_use]
pub fn code_error_kind(e: crate::CodeError) -> ErrorKind {
    match e {
        crate::CodeError::Malformed => ErrorKind::CodeMalformed,
        crate::CodeError::Typo => ErrorKind::CodeTypo,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_have_a_short_title_and_a_note_sized_text() {
        use crate::staff::TemplateInput;
        let t = |title: &str, text: &str| TemplateInput {
            status: Status::Rejected,
            title: title.into(),
            text: text.into(),
        };
        let ok = super::validate_template(&t("  Bukan wewenang  ", " Laporan ini di luar wewenang Pemkot. ")).unwrap();
        assert_eq!((ok.title.as_str(), ok.text.as_str()), ("Bukan wewenang", "Laporan ini di luar wewenang Pemkot."));
        let refusal = |x: TemplateInput| {
            let e = super::validate_template(&x).unwrap_err();
            (e.kind, e.field)
        };
        assert_eq!(refusal(t(" ", "x")), (ErrorKind::Required, Some(Field::Title)));
        assert_eq!(refusal(t("x", "")), (ErrorKind::Required, Some(Field::Text)));
        assert_eq!(refusal(t(&"é".repeat(81), "x")), (ErrorKind::TooLong { max: 80 }, Some(Field::Title)));
        assert!(super::validate_template(&t(&"é".repeat(80), "x")).is_ok());
        assert_eq!(
            refusal(t("x", &"a".repeat(NOTE_MAX + 1))),
            (ErrorKind::TooLong { max: NOTE_MAX }, Some(Field::Text))
        );
    }

    #[test]
    fn phones_people_write() {
        assert_eq!(normalize_phone("0812-3456-7890").as_deref(), Some("+6281234567890"));
        assert_eq!(normalize_phone("+62 812 3456 7890").as_deref(), Some("+6281234567890"));
        assert_eq!(normalize_phone("6281234567890").as_deref(), Some("+6281234567890"));
        assert_eq!(normalize_phone("(0438) 21234").as_deref(), Some("+6243821234"));
        assert_eq!(normalize_phone("0438 2123"), None, "too short for a fixed line");
        assert_eq!(normalize_phone("(0438) 212345").as_deref(), Some("+62438212345"));
        assert_eq!(normalize_phone("0811 234 567").as_deref(), Some("+62811234567"));
    }

    #[test]
    fn phones_rejected() {
        for bad in [
            "",
            "112",
            "12345678",
            "+1 202 555 0100",
            "0812-ABCD-7890",
            "08123",
            "0812345678901234",
            "00812345678",
            "+62 0812 345 678",
        ] {
            assert_eq!(normalize_phone(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert!(is_email("warga@contoh.id"));
        assert!(is_email("nama.lengkap+112@mail.bitungkota.go.id"));
        assert!(is_email("dewi@sekolah.sch.id"));
        assert!(is_email("pengguna@contoh.co.id"));
        for bad in ["", "a", "a@b", "a@b.c", "@x.id", "a@@x.id", "a b@x.id", "a@-x.id", "a..b@x.id", "a@x.123"] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    fn ticket(status: Status) -> TicketState<'static> {
        TicketState {
            code: TicketCode::from_random_bytes([1, 2, 3, 4, 5]),
            status,
            agency: "dlh",
            priority: Priority::Normal,
            assignee: None,
            revision: 3,
        }
    }

    fn update(status: Option<Status>, agency: Option<&str>, note: Option<&str>) -> ValidUpdate {
        ValidUpdate {
            revision: 3,
            status,
            agency: agency.map(str::to_owned),
            public_note: note.map(str::to_owned),
            internal_note: None,
            duplicate_of: None,
            priority: None,
            assignee: None,
        }
    }

    #[test]
    fn a_step_follows_the_status_machine() {
        let step = update(Some(Status::Verified), None, None).step(&ticket(Status::Received), None).unwrap();
        assert_eq!((step.from_status, step.to_status, step.agency), (Status::Received, Status::Verified, None));
        let err = update(Some(Status::Closed), None, None).step(&ticket(Status::Received), None).unwrap_err();
        assert_eq!(err.kind, ErrorKind::IllegalTransition { from: Status::Received, to: Status::Closed });
        assert_eq!(err.field, Some(Field::Status));
    }

    #[test]
    fn nothing_to_change_is_decided_against_the_ticket() {
        // Handing a ticket to the agency it already has changes nothing...
        let same = update(None, Some("dlh"), None).step(&ticket(Status::Verified), None).unwrap_err();
        assert_eq!(same.kind, ErrorKind::NothingToChange);
        let empty = update(None, None, None).step(&ticket(Status::Verified), None).unwrap_err();
        assert_eq!(empty.kind, ErrorKind::NothingToChange);
        // ...handing it to another agency does.
        let step = update(None, Some("dinkes"), None).step(&ticket(Status::Verified), None).unwrap();
        assert_eq!((step.to_status, step.agency.as_deref()), (Status::Verified, Some("dinkes")));
    }

    #[test]
    fn agency_staff_keep_to_their_own_tickets_and_never_hand_them_on() {
        let note = update(None, None, Some("Petugas menuju lokasi."));
        assert!(note.step(&ticket(Status::Assigned), Some("dlh")).is_ok());
        // Another agency's ticket does not exist for them.
        assert_eq!(note.step(&ticket(Status::Assigned), Some("dinkes")).unwrap_err().kind, ErrorKind::TicketNotFound);
        let reassign = update(None, Some("dinkes"), None).step(&ticket(Status::Assigned), Some("dlh")).unwrap_err();
        assert_eq!((reassign.kind, reassign.field), (ErrorKind::Forbidden, Some(Field::Agency)));
    }

    #[test]
    fn a_ticket_is_no_duplicate_of_itself() {
        let current = ticket(Status::Received);
        let mut dup = update(Some(Status::Duplicate), None, None);
        dup.duplicate_of = Some(current.code);
        let err = dup.step(&current, None).unwrap_err();
        assert_eq!((err.kind, err.field), (ErrorKind::DuplicateOfSelf, Some(Field::DuplicateOf)));
    }

    #[test]
    fn agency_staff_assign_but_do_not_weigh_tickets() {
        let mut assign = update(None, None, None);
        assign.assignee = Some("petugas.dlh".into());
        let step = assign.step(&ticket(Status::Assigned), Some("dlh")).unwrap();
        assert_eq!(step.assignee.as_deref(), Some("petugas.dlh"));
        let mut urgent = update(None, None, None);
        urgent.priority = Some(Priority::Darurat);
        let err = urgent.step(&ticket(Status::Assigned), Some("dlh")).unwrap_err();
        assert_eq!((err.kind, err.field), (ErrorKind::Forbidden, Some(Field::Priority)));
        // The call centre may.
        assert_eq!(urgent.step(&ticket(Status::Assigned), None).unwrap().priority, Some(Priority::Darurat));
    }

    #[test]
    fn priority_and_assignee_count_as_changes_only_when_they_change() {
        let mut same = update(None, None, None);
        same.priority = Some(Priority::Normal);
        same.assignee = Some(String::new());
        assert_eq!(same.step(&ticket(Status::Verified), None).unwrap_err().kind, ErrorKind::NothingToChange);
        let mut other = update(None, None, None);
        other.priority = Some(Priority::Rendah);
        assert_eq!(other.step(&ticket(Status::Verified), None).unwrap().priority, Some(Priority::Rendah));
    }

    #[test]
    fn a_change_names_the_revision_it_was_made_on() {
        let missing =
            check_update(&TicketUpdate { status: Some(Status::Verified), ..TicketUpdate::default() }, |_| true)
                .unwrap_err();
        assert_eq!((missing.kind, missing.field), (ErrorKind::Required, Some(Field::Revision)));
        let mut stale = update(Some(Status::Verified), None, None);
        stale.revision = 2;
        let err = stale.step(&ticket(Status::Received), None).unwrap_err();
        assert_eq!((err.kind, err.field), (ErrorKind::RevisionConflict { current: 3 }, Some(Field::Revision)));
    }

    #[test]
    fn on_hold_needs_a_reason_like_rejecting() {
        for status in [Status::Rejected, Status::OnHold] {
            let u = TicketUpdate { revision: Some(1), status: Some(status), ..TicketUpdate::default() };
            let err = check_update(&u, |_| true).unwrap_err();
            assert_eq!((err.kind, err.field), (ErrorKind::ReasonRequired, Some(Field::PublicNote)), "{status:?}");
        }
    }
}
