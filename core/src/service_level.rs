//! Service levels: how long each stage of a ticket may take, the calendar
//! working days follow, and what a ticket's clock tells staff and citizens.
//!
//! The rules live in the city file; the server does the arithmetic (it needs
//! a calendar library the browser need not download) and sends finished
//! times, so the apps only show them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::staff::Priority;

/// A stage of a ticket's handling, each with its own due time.
///
/// Verify and forward count from the ticket's arrival (SP4N-LAPOR! gives
/// the coordinator 3 working days for both together); acknowledge and
/// answer from the forwarding to the agency; resolve from the arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Stage {
    /// The call centre checks the report.
    Verify,
    /// The call centre hands it to the agency.
    Forward,
    /// The agency takes it up.
    Acknowledge,
    /// The agency gives the citizen its first word on the matter.
    Answer,
    /// The matter is settled.
    Resolve,
}

impl Stage {
    /// Every stage, in the order of a ticket's life.
    pub const ALL: [Stage; 5] = [Stage::Verify, Stage::Forward, Stage::Acknowledge, Stage::Answer, Stage::Resolve];

    /// The wire and storage name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Verify => "verify",
            Stage::Forward => "forward",
            Stage::Acknowledge => "acknowledge",
            Stage::Answer => "answer",
            Stage::Resolve => "resolve",
        }
    }

    /// Reads the wire name back.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// What staff read.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::Verify, Lang::Id) => "Verifikasi",
            (Stage::Verify, Lang::En) => "Verify",
            (Stage::Forward, Lang::Id) => "Teruskan ke dinas",
            (Stage::Forward, Lang::En) => "Forward to agency",
            (Stage::Acknowledge, Lang::Id) => "Diterima dinas",
            (Stage::Acknowledge, Lang::En) => "Agency acknowledges",
            (Stage::Answer, Lang::Id) => "Tanggapan dinas",
            (Stage::Answer, Lang::En) => "Agency answers",
            (Stage::Resolve, Lang::Id) => "Selesai",
            (Stage::Resolve, Lang::En) => "Resolved",
        }
    }

    /// The promise a citizen reads, before the due time:
    /// "... paling lambat {when}".
    #[must_use]
    pub fn promise(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Stage::Verify, Lang::Id) => "Laporan Anda diperiksa petugas paling lambat {when}.",
            (Stage::Verify, Lang::En) => "Your report will be checked by {when} at the latest.",
            (Stage::Forward, Lang::Id) => "Laporan Anda diteruskan ke dinas paling lambat {when}.",
            (Stage::Forward, Lang::En) => "Your report will be forwarded to the agency by {when} at the latest.",
            (Stage::Acknowledge | Stage::Answer, Lang::Id) => "Dinas menanggapi laporan Anda paling lambat {when}.",
            (Stage::Acknowledge | Stage::Answer, Lang::En) => {
                "The agency will respond to your report by {when} at the latest."
            }
            (Stage::Resolve, Lang::Id) => "Laporan Anda diselesaikan paling lambat {when}.",
            (Stage::Resolve, Lang::En) => "Your report will be resolved by {when} at the latest.",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Stage {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Stage::from_name(&name).ok_or(name)
    }
}

/// How long a stage may take: `"15m"` minutes, `"4h"` hours, `"60d"`
/// calendar days, or `"3wd"` working days (the city's calendar).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Span {
    Minutes(u32),
    Hours(u32),
    Days(u32),
    WorkingDays(u32),
}

impl Span {
    /// The length in milliseconds: of any time for calendar spans, of
    /// working-day time for [`Span::WorkingDays`].
    #[must_use]
    pub fn millis(self) -> i64 {
        const MINUTE: i64 = 60_000;
        match self {
            Span::Minutes(n) => i64::from(n) * MINUTE,
            Span::Hours(n) => i64::from(n) * 60 * MINUTE,
            Span::Days(n) | Span::WorkingDays(n) => i64::from(n) * 24 * 60 * MINUTE,
        }
    }

    /// Whether only working days count.
    #[must_use]
    pub fn working(self) -> bool {
        matches!(self, Span::WorkingDays(_))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Span::Minutes(n) => write!(f, "{n}m"),
            Span::Hours(n) => write!(f, "{n}h"),
            Span::Days(n) => write!(f, "{n}d"),
            Span::WorkingDays(n) => write!(f, "{n}wd"),
        }
    }
}

impl From<Span> for String {
    fn from(span: Span) -> String {
        span.to_string()
    }
}

impl TryFrom<String> for Span {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let t = text.trim();
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        let (n, unit) = t.split_at(digits);
        let n: u32 = n.parse().map_err(|_| format!("{text:?}: expected a number and a unit, e.g. \"3wd\""))?;
        // A year of working days is far more than any promise a city makes;
        // the bound keeps every sum of spans far from overflowing.
        if n == 0 || n > 400 * 24 * 60 {
            return Err(format!("{text:?}: must be more than zero and at most a year"));
        }
        let span = match unit.trim() {
            "m" => Span::Minutes(n),
            "h" => Span::Hours(n),
            "d" => Span::Days(n),
            "wd" => Span::WorkingDays(n),
            _ => return Err(format!("{text:?}: unit must be m (minutes), h (hours), d (days) or wd (working days)")),
        };
        if span.millis() > 400 * 24 * 3_600_000 {
            return Err(format!("{text:?}: must be at most a year"));
        }
        Ok(span)
    }
}

/// The time each stage may take, for one priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageLimits {
    pub verify: Span,
    pub forward: Span,
    pub acknowledge: Span,
    pub answer: Span,
    pub resolve: Span,
}

impl StageLimits {
    /// The limit of one stage.
    #[must_use]
    pub fn of(&self, stage: Stage) -> Span {
        match stage {
            Stage::Verify => self.verify,
            Stage::Forward => self.forward,
            Stage::Acknowledge => self.acknowledge,
            Stage::Answer => self.answer,
            Stage::Resolve => self.resolve,
        }
    }
}

/// Limits per priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityLimits {
    pub darurat: StageLimits,
    pub tinggi: StageLimits,
    pub normal: StageLimits,
    pub rendah: StageLimits,
}

impl PriorityLimits {
    /// The limits of one priority.
    #[must_use]
    pub fn of(&self, priority: Priority) -> &StageLimits {
        match priority {
            Priority::Darurat => &self.darurat,
            Priority::Tinggi => &self.tinggi,
            Priority::Normal => &self.normal,
            Priority::Rendah => &self.rendah,
        }
    }
}

/// The city's service levels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLevels {
    /// For every category without its own.
    pub default: PriorityLimits,
    /// Categories that need their own limits, by category code.
    #[serde(default)]
    pub categories: BTreeMap<String, PriorityLimits>,
}

impl ServiceLevels {
    /// The limits for a ticket of `category` at `priority`.
    #[must_use]
    pub fn limits(&self, category: &str, priority: Priority) -> &StageLimits {
        self.categories.get(category).unwrap_or(&self.default).of(priority)
    }
}

/// A day off: a national holiday or a cuti bersama.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayOff {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub name: String,
}

/// Which days are working days: Monday to Friday, except these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    /// National holidays (hari libur nasional).
    #[serde(default)]
    pub holidays: Vec<DayOff>,
    /// Joint leave days the government adds (cuti bersama).
    #[serde(default)]
    pub cuti_bersama: Vec<DayOff>,
}

/// Where a ticket's clock stands, as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketClock {
    pub stage: Stage,
    /// When the stage is due, in the city's time (RFC 3339); absent while
    /// the ticket is on hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    /// The same instant in Unix milliseconds, for countdowns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// The due time has passed.
    pub late: bool,
    /// On hold: the clock stands still.
    pub paused: bool,
    /// While on hold: how much of the stage's time is left, in seconds
    /// (working-day seconds for working-day limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining_s: Option<i64>,
}

/// The promise a citizen's tracking page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Promise {
    /// The stage the promise is about.
    pub stage: Stage,
    /// Due, in the city's time (RFC 3339); absent while on hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<String>,
    /// The same instant in Unix milliseconds: the page tells a passed
    /// promise from a coming one by the phone's clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_ms: Option<i64>,
    /// On hold: waiting for the reporter or a third party.
    pub paused: bool,
}

const DAYS_ID: [&str; 7] = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"];
const DAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS_ID: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A city time as people say it: `2026-12-03T14:00:00+08:00` ->
/// "Kamis, 3 Des 2026 pukul 14.00 WITA" (English: "Thursday, 3 Dec 2026,
/// 14:00 WITA"). The weekday comes from the date itself (days since
/// 1970-01-01, a Thursday), so the apps need no calendar library.
#[must_use]
pub fn format_when(rfc3339: &str, lang: Lang) -> String {
    let parsed = (|| {
        let (date, rest) = rfc3339.split_once('T')?;
        let mut d = date.split('-');
        let y: i64 = d.next()?.parse().ok()?;
        let m: u32 = d.next()?.parse().ok()?;
        let day: u32 = d.next()?.parse().ok()?;
        let (h, min) = (rest.get(0..2)?, rest.get(3..5)?);
        let zone = match rest.get(8..) {
            Some("+08:00") => " WITA",
            Some("+07:00") => " WIB",
            Some("+09:00") => " WIT",
            _ => "",
        };
        let weekday = usize::try_from((days_from_civil(y, m, day) + 3).rem_euclid(7)).ok()?;
        let month = usize::try_from(m.checked_sub(1)?).ok().filter(|m| *m < 12)?;
        Some(match lang {
            Lang::Id => format!("{}, {day} {} {y} pukul {h}.{min}{zone}", DAYS_ID[weekday], MONTHS_ID[month]),
            Lang::En => format!("{}, {day} {} {y}, {h}:{min}{zone}", DAYS_EN[weekday], MONTHS_EN[month]),
        })
    })();
    parsed.unwrap_or_else(|| rfc3339.to_owned())
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian); Howard
/// Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "2 j 5 m" / "2 h 5 m": a stretch of time in a countdown's words.
#[must_use]
pub fn format_span(seconds: i64, lang: Lang) -> String {
    let minutes = seconds.unsigned_abs().div_ceil(60);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    let (d, h, m) = match lang {
        Lang::Id => ("hr", "j", "m"),
        Lang::En => ("d", "h", "m"),
    };
    match (days, hours) {
        (0, 0) => format!("{mins} {m}"),
        (0, _) => format!("{hours} {h} {mins} {m}"),
        _ => format!("{days} {d} {hours} {h}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_and_write_back() {
        for (text, span) in
            [("15m", Span::Minutes(15)), ("4h", Span::Hours(4)), ("60d", Span::Days(60)), ("3wd", Span::WorkingDays(3))]
        {
            assert_eq!(Span::try_from(text.to_owned()), Ok(span));
            assert_eq!(span.to_string(), text);
        }
        assert_eq!(Span::WorkingDays(3).millis(), 3 * 86_400_000);
        for bad in ["", "3", "wd", "0d", "3 weeks", "-1h", "99999999d", "500d"] {
            assert!(Span::try_from(bad.to_owned()).is_err(), "{bad}");
        }
    }

    #[test]
    fn promises_read_naturally() {
        assert_eq!(format_when("2026-12-03T14:00:00+08:00", Lang::Id), "Kamis, 3 Des 2026 pukul 14.00 WITA");
        assert_eq!(format_when("2026-12-03T14:00:00+08:00", Lang::En), "Thursday, 3 Dec 2026, 14:00 WITA");
        assert_eq!(format_when("2027-01-01T08:05:00+08:00", Lang::Id), "Jumat, 1 Jan 2027 pukul 08.05 WITA");
        assert_eq!(format_when("2026-03-01T00:00:00+08:00", Lang::Id), "Minggu, 1 Mar 2026 pukul 00.00 WITA");
        assert_eq!(format_when("nonsense", Lang::Id), "nonsense");
    }

    #[test]
    fn countdowns_read_naturally() {
        assert_eq!(format_span(59, Lang::Id), "1 m");
        assert_eq!(format_span(2 * 3600 + 5 * 60, Lang::Id), "2 j 5 m");
        assert_eq!(format_span(-(3 * 86_400 + 4 * 3600), Lang::En), "3 d 4 h");
    }

    #[test]
    fn stage_names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::from_name(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
        }
    }
}
