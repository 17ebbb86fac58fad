//! Bodies of the staff API that Konsol 112 speaks: priorities and channels,
//! phone intake, accounts, reply templates, the standby roster, the audit log
//! and the live queue's events.

use serde::{Deserialize, Serialize};

use crate::dto::{ReportLocation, Role, StaffTicketSummary};
use crate::{Lang, Status, TicketCode};

/// How urgent a ticket is; staff see it, citizens never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Priority {
    /// Life or property in danger now.
    Darurat,
    Tinggi,
    #[default]
    Normal,
    Rendah,
}

impl Priority {
    /// Most urgent first: the queue's order.
    pub const ALL: [Priority; 4] = [Priority::Darurat, Priority::Tinggi, Priority::Normal, Priority::Rendah];

    /// The wire and storage name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Darurat => "darurat",
            Priority::Tinggi => "tinggi",
            Priority::Normal => "normal",
            Priority::Rendah => "rendah",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// 0 for the most urgent; what the queue sorts by.
    #[must_use]
    pub fn rank(self) -> i64 {
        self as i64
    }

    /// What staff read.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Priority::Darurat, Lang::Id) => "Darurat",
            (Priority::Darurat, Lang::En) => "Emergency",
            (Priority::Tinggi, Lang::Id) => "Tinggi",
            (Priority::Tinggi, Lang::En) => "High",
            (Priority::Normal, _) => "Normal",
            (Priority::Rendah, Lang::Id) => "Rendah",
            (Priority::Rendah, Lang::En) => "Low",
        }
    }
}

impl TryFrom<String> for Priority {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Priority::from_name(&name).ok_or(name)
    }
}

/// Late tickets of one agency in one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateGroup {
    pub agency: crate::dto::NamedRef,
    pub stage: crate::service_level::Stage,
    /// Most overdue first.
    pub tickets: Vec<StaffTicketSummary>,
}

/// Every ticket past its stage's due time, by agency (in the city file's
/// order) and stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateReport {
    pub total: u64,
    pub groups: Vec<LateGroup>,
}

/// How a report reached the call centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Channel {
    /// The citizens' portal.
    #[default]
    Web,
    /// A 112 call taken by an operator.
    Telepon,
    /// Another system through the Open311 API.
    Open311,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::Web, Channel::Telepon, Channel::Open311];

    /// The wire and storage name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Telepon => "telepon",
            Channel::Open311 => "open311",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// What staff read.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Channel::Web, _) => "Web",
            (Channel::Telepon, Lang::Id) => "Telepon",
            (Channel::Telepon, Lang::En) => "Phone",
            (Channel::Open311, _) => "Open311",
        }
    }
}

impl TryFrom<String> for Channel {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Channel::from_name(&name).ok_or(name)
    }
}

/// A 112 call recorded by an operator (`POST /api/v1/staff/tickets`); the
/// ticket's channel is `telepon`. The place is a map pin (`location`) or a
/// kecamatan + kelurahan + landmark, as in a citizen's report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhoneIntake {
    pub category: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ReportLocation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub village: Option<String>,
    /// Address or landmark the caller names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_phone: Option<String>,
    #[serde(default)]
    pub priority: Priority,
}

/// An open ticket near another, offered when marking a duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NearbyTicket {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub code: TicketCode,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub created_at: String,
    /// Metres from the ticket asked about.
    pub distance_m: f64,
    /// The first 140 characters of the description.
    pub summary: String,
}

/// What the live queue stream (`GET /api/v1/staff/stream`) sends: one SSE
/// event named `ticket` per new or changed ticket the signed-in account may see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueEvent {
    /// `true` when the ticket was just filed; `false` when it changed.
    pub created: bool,
    pub ticket: StaffTicketSummary,
}

/// The signed-in account (`GET /api/v1/staff/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMe {
    pub username: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    pub expires_at: String,
}

/// A staff account as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffAccount {
    pub username: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    /// A disabled account cannot sign in; its sessions end at once.
    pub disabled: bool,
    pub created_at: String,
}

/// A new account (`POST /api/v1/staff/accounts`, admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAccount {
    pub username: String,
    pub password: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
}

/// A change to an account (`PATCH /api/v1/staff/accounts/{username}`, admins).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// The agency of an `agency` account; ignored for other roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// A new password (a reset); every session of the account ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A reply an operator or agency can start a public note from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplyTemplate {
    pub id: i64,
    /// The status the reply goes with (`rejected`, `resolved`, ...).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub title: String,
    pub text: String,
}

/// A new or edited reply template (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateInput {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Status,
    pub title: String,
    pub text: String,
}

/// A shift of the 24-hour standby, in the city's time (WITA).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Shift {
    /// 07.00 to 15.00.
    Pagi,
    /// 15.00 to 23.00.
    Sore,
    /// 23.00 to 07.00 the next morning (belongs to the date it starts on).
    Malam,
}

impl Shift {
    pub const ALL: [Shift; 3] = [Shift::Pagi, Shift::Sore, Shift::Malam];

    /// The wire and storage name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Shift::Pagi => "pagi",
            Shift::Sore => "sore",
            Shift::Malam => "malam",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Shift> {
        Shift::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The hour (local) the shift starts.
    #[must_use]
    pub fn starts_at_hour(self) -> u8 {
        match self {
            Shift::Pagi => 7,
            Shift::Sore => 15,
            Shift::Malam => 23,
        }
    }

    /// The shift running at a local hour, and whether it began the day before
    /// (the night shift after midnight).
    #[must_use]
    pub fn at_hour(hour: u8) -> (Shift, bool) {
        match hour {
            7..=14 => (Shift::Pagi, false),
            15..=22 => (Shift::Sore, false),
            23 => (Shift::Malam, false),
            _ => (Shift::Malam, true),
        }
    }

    /// What staff read, with the hours.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Shift::Pagi, Lang::Id) => "Pagi 07.00–15.00",
            (Shift::Pagi, Lang::En) => "Morning 07:00–15:00",
            (Shift::Sore, Lang::Id) => "Sore 15.00–23.00",
            (Shift::Sore, Lang::En) => "Evening 15:00–23:00",
            (Shift::Malam, Lang::Id) => "Malam 23.00–07.00",
            (Shift::Malam, Lang::En) => "Night 23:00–07:00",
        }
    }
}

/// Who is on standby for an agency in one shift of one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandbySlot {
    pub agency: String,
    /// The day the shift starts, `YYYY-MM-DD` in WITA.
    pub date: String,
    pub shift: Shift,
    /// Usernames of the agency's staff, first named first; empty clears the slot.
    pub officers: Vec<String>,
}

/// Who is on standby right now, per agency (`GET /api/v1/staff/standby/now`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandbyNow {
    pub agency: String,
    pub date: String,
    pub shift: Shift,
    /// Empty when no one is named: operators are warned before forwarding.
    pub officers: Vec<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
}

/// A page of the audit log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditLine>,
    pub page: u32,
    pub page_size: u32,
    pub total: u64,
}

/// The Indonesian spelling alphabet read over the phone: one word per symbol
/// of a ticket code (Crockford base 32), the words Indonesian callers know
/// from radio and banking (`A` Alfa, `B` Bravo, ... digits by their names).
#[must_use]
pub fn spell_symbol(symbol: char, lang: Lang) -> &'static str {
    let id = matches!(lang, Lang::Id);
    match symbol.to_ascii_uppercase() {
        '0' => {
            if id {
                "nol"
            } else {
                "zero"
            }
        }
        '1' => {
            if id {
                "satu"
            } else {
                "one"
            }
        }
        '2' => {
            if id {
                "dua"
            } else {
                "two"
            }
        }
        '3' => {
            if id {
                "tiga"
            } else {
                "three"
            }
        }
        '4' => {
            if id {
                "empat"
            } else {
                "four"
            }
        }
        '5' => {
            if id {
                "lima"
            } else {
                "five"
            }
        }
        '6' => {
            if id {
                "enam"
            } else {
                "six"
            }
        }
        '7' => {
            if id {
                "tujuh"
            } else {
                "seven"
            }
        }
        '8' => {
            if id {
                "delapan"
            } else {
                "eight"
            }
        }
        '9' => {
            if id {
                "sembilan"
            } else {
                "nine"
            }
        }
        'A' => "Alfa",
        'B' => "Bravo",
        'C' => "Charlie",
        'D' => "Delta",
        'E' => "Echo",
        'F' => "Foxtrot",
        'G' => "Golf",
        'H' => "Hotel",
        'J' => "Juliet",
        'K' => "Kilo",
        'M' => "Mike",
        'N' => "November",
        'P' => "Papa",
        'Q' => "Quebec",
        'R' => "Romeo",
        'S' => "Sierra",
        'T' => "Tango",
        'V' => "Victor",
        'W' => "Whiskey",
        'X' => "X-ray",
        'Y' => "Yankee",
        'Z' => "Zulu",
        _ => "",
    }
}

/// A ticket code as words to read out, group by group:
/// `K7M-2QX-94R` → `Kilo tujuh Mike — dua Quebec X-ray — sembilan empat Romeo`.
#[must_use]
pub fn spell_code(code: &TicketCode, lang: Lang) -> String {
    code.to_string()
        .split('-')
        .map(|group| group.chars().map(|c| spell_symbol(c, lang)).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" — ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_symbol_has_a_word_in_both_languages() {
        for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ".chars() {
            assert!(!spell_symbol(c, Lang::Id).is_empty(), "{c}");
            assert!(!spell_symbol(c, Lang::En).is_empty(), "{c}");
        }
    }

    #[test]
    fn a_code_is_spelled_group_by_group() {
        let code = TicketCode::from_random_bytes([0x9d, 0x3b, 0x12, 0x70, 0xaa]);
        let spelled = spell_code(&code, Lang::Id);
        assert_eq!(spelled.split(" — ").count(), 3);
        assert_eq!(spelled.split_whitespace().filter(|w| *w != "—").count(), 9);
    }

    #[test]
    fn priorities_sort_most_urgent_first_and_round_trip() {
        let mut all = [Priority::Rendah, Priority::Darurat, Priority::Normal, Priority::Tinggi];
        all.sort();
        assert_eq!(all, Priority::ALL);
        for p in Priority::ALL {
            assert_eq!(Priority::from_name(p.as_str()), Some(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{}\"", p.as_str()));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_name(c.as_str()), Some(c));
        }
    }

    #[test]
    fn every_hour_has_a_shift() {
        assert_eq!(Shift::at_hour(3), (Shift::Malam, true));
        assert_eq!(Shift::at_hour(23), (Shift::Malam, false));
        assert_eq!(Shift::at_hour(7), (Shift::Pagi, false));
        assert_eq!(Shift::at_hour(15), (Shift::Sore, false));
        for s in Shift::ALL {
            assert_eq!(Shift::at_hour(s.starts_at_hour()).0, s);
        }
    }
}

/// Whether a webhook endpoint still receives deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum EndpointState {
    Active,
    /// Removed by an admin: nothing more is sent there.
    Removed,
}

/// Where an agency's own system hears of its tickets (admins). The signing
/// secret is never part of it: it is shown once, when the endpoint is added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpoint {
    pub id: i64,
    /// Agency code.
    pub agency: String,
    pub url: String,
    /// RFC 3339, in the city's time.
    pub created_at: String,
    pub state: EndpointState,
}

/// A new webhook endpoint (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookInput {
    /// Agency code, e.g. `dlh`.
    pub agency: String,
    /// An `http` or `https` URL the agency's system receives POSTs at.
    pub url: String,
}

/// An endpoint just added, with the secret its receiver verifies signatures
/// with; the secret is not shown again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookCreated {
    pub endpoint: WebhookEndpoint,
    /// `whsec_` followed by base64 (Standard Webhooks).
    pub secret: String,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Not accepted within 24 hours of the first attempt; staff may send it again.
    Failed,
}

impl DeliveryState {
    pub const ALL: [DeliveryState; 3] = [DeliveryState::Pending, DeliveryState::Delivered, DeliveryState::Failed];

    /// The wire and storage name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Failed => "failed",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<DeliveryState> {
        DeliveryState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One message to one endpoint, and how sending it went (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    /// The message's `webhook-id`, the same on every attempt.
    pub id: String,
    pub endpoint_id: i64,
    pub agency: String,
    pub url: String,
    /// `ticket.forwarded`, `ticket.changed` or `ticket.escalated`.
    pub event_type: String,
    pub state: DeliveryState,
    pub attempts: i64,
    pub created_at: String,
    /// When the next attempt is due (pending deliveries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    /// The receiver's HTTP status at the last attempt, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_status: Option<i64>,
    /// Why the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
}
