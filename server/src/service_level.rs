//! Service-level arithmetic: working days in the city's time, the stage a
//! ticket is in (read from its history), and when that stage is due.
//!
//! A stage's clock runs from its start (the ticket's arrival, or its
//! forwarding to the agency) and stands still while the ticket is on hold.
//! A limit in working days counts only the time that falls on working days
//! in the city's time zone: three working days from Friday 14:00 end on
//! Wednesday 14:00, and a report that arrives on Saturday starts counting on
//! Monday at midnight. Calendar limits count every minute.

use std::collections::HashSet;

use portal112_core::Status;
use portal112_core::city::{CityConfig, ConfigProblem};
use portal112_core::service_level::{Span, Stage, StageLimits};
use portal112_core::staff::Priority;
use time::Date;

use crate::store::{EventRecord, Millis, TicketRecord};
use crate::view::parse_date;

const DAY: i64 = 86_400_000;

/// Who the service itself acts as in a ticket's history (escalations).
pub const SYSTEM_ACTOR: &str = "sistem";

/// When a stage is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// At this instant.
    At(Millis),
    /// On hold: the clock stands still with this much of the stage's time left.
    Paused { remaining: i64 },
}

/// The clock of one stage of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageClock {
    pub stage: Stage,
    /// When the stage began: with the stage, it names one promise, so a late
    /// stage escalates once however often it is looked at.
    pub started_at: Millis,
    pub due: Due,
}

impl StageClock {
    /// Whether the stage is late at `now` (a paused clock is never late).
    #[must_use]
    pub fn late_at(&self, now: Millis) -> bool {
        matches!(self.due, Due::At(at) if at <= now)
    }

    /// The due instant, unless paused.
    #[must_use]
    pub fn due_at(&self) -> Option<Millis> {
        match self.due {
            Due::At(at) => Some(at),
            Due::Paused { .. } => None,
        }
    }
}

/// The city's service levels and working-day calendar, ready to count with.
#[derive(Debug, Clone, Default)]
pub struct ServiceClock {
    levels: Option<portal112_core::service_level::ServiceLevels>,
    /// The city's offset from UTC.
    offset: i64,
    /// Holidays and cuti bersama, as day numbers in the city's time.
    days_off: HashSet<i64>,
}

impl ServiceClock {
    /// Reads the rules from the city file; every bad date is named.
    pub fn new(city: &CityConfig) -> Result<Self, Vec<ConfigProblem>> {
        let mut problems = Vec::new();
        let mut days_off = HashSet::new();
        let lists =
            [("calendar.holidays", &city.calendar.holidays), ("calendar.cuti_bersama", &city.calendar.cuti_bersama)];
        for (field, list) in lists {
            for (i, day) in list.iter().enumerate() {
                match parse_date(&day.date) {
                    Some(date) => {
                        days_off.insert(day_number(date));
                    }
                    None => problems.push(ConfigProblem {
                        field: format!("{field}[{i}].date"),
                        problem: format!("{:?} is not a date written YYYY-MM-DD", day.date),
                    }),
                }
                if day.name.trim().is_empty() {
                    problems.push(ConfigProblem {
                        field: format!("{field}[{i}].name"),
                        problem: "must not be empty".into(),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Self {
            levels: city.service_levels.clone(),
            offset: i64::from(city.city.utc_offset_minutes) * 60_000,
            days_off,
        })
    }

    /// Whether the city keeps service levels at all.
    #[must_use]
    pub fn enabled(&self) -> bool {
        self.levels.is_some()
    }

    /// The limits for a ticket of `category` at `priority`.
    #[must_use]
    pub fn limits(&self, category: &str, priority: Priority) -> Option<&StageLimits> {
        Some(self.levels.as_ref()?.limits(category, priority))
    }

    /// Whether a day (a day number in the city's time) is a working day.
    #[must_use]
    pub fn is_working_day(&self, day: i64) -> bool {
        // Day 0, 1970-01-01, was a Thursday: +3 makes Monday 0.
        (day + 3).rem_euclid(7) < 5 && !self.days_off.contains(&day)
    }

    /// The day number, in the city's time, of an instant.
    #[must_use]
    pub fn day_of(&self, at: Millis) -> i64 {
        (at + self.offset).div_euclid(DAY)
    }

    /// The instant a day begins in the city's time (local midnight).
    #[must_use]
    pub fn day_start(&self, day: i64) -> Millis {
        day * DAY - self.offset
    }

    /// How much time between `from` and `to` counts: all of it, or only
    /// the part on working days.
    #[must_use]
    pub fn measure(&self, from: Millis, to: Millis, working: bool) -> i64 {
        if to <= from {
            return 0;
        }
        if !working {
            return to - from;
        }
        let mut counted = 0;
        let mut t = from;
        while t < to {
            let day = self.day_of(t);
            let next = self.day_start(day + 1).min(to);
            if self.is_working_day(day) {
                counted += next - t;
            }
            t = next;
        }
        counted
    }

    /// The instant at which `budget` of counted time has passed since `from`.
    #[must_use]
    pub fn consume(&self, from: Millis, budget: i64, working: bool) -> Millis {
        if !working {
            return from + budget;
        }
        let (mut t, mut left) = (from, budget);
        loop {
            let day = self.day_of(t);
            let next = self.day_start(day + 1);
            if self.is_working_day(day) {
                if left <= next - t {
                    return t + left;
                }
                left -= next - t;
            }
            t = next;
        }
    }

    /// When a stage that began at `from` with limit `span` is due, the clock
    /// standing still during `pauses` (sorted, each `(start, end)`, the last
    /// perhaps still open).
    #[must_use]
    pub fn due(&self, from: Millis, span: Span, pauses: &[(Millis, Option<Millis>)]) -> Due {
        let working = span.working();
        let (mut t, mut left) = (from, span.millis());
        for &(start, end) in pauses {
            let end_or_open = end.unwrap_or(Millis::MAX);
            if end_or_open <= t {
                continue;
            }
            let start = start.max(t);
            let at = self.consume(t, left, working);
            if at <= start {
                return Due::At(at);
            }
            left -= self.measure(t, start, working);
            match end {
                Some(end) => t = end,
                None => return Due::Paused { remaining: left },
            }
        }
        Due::At(self.consume(t, left, working))
    }

    /// The first stage of a ticket that arrives at `at`: verification.
    #[must_use]
    pub fn first(&self, category: &str, priority: Priority, at: Millis) -> Option<StageClock> {
        let span = self.limits(category, priority)?.verify;
        Some(StageClock { stage: Stage::Verify, started_at: at, due: self.due(at, span, &[]) })
    }

    /// The stage a ticket is in and its clock; `None` once it needs no one
    /// (resolved, closed, rejected, a duplicate) or without service levels.
    #[must_use]
    pub fn current(&self, t: &TicketRecord) -> Option<StageClock> {
        let story = Story::read(t);
        let stage = story.current_stage(t.status)?;
        self.clock_of(t, &story, stage)
    }

    /// The promise a citizen reads: when the call centre forwards the
    /// report, then when the agency answers, then when it is resolved.
    #[must_use]
    pub fn promise(&self, t: &TicketRecord) -> Option<StageClock> {
        let story = Story::read(t);
        let stage = match story.current_stage(t.status)? {
            Stage::Verify | Stage::Forward => Stage::Forward,
            Stage::Acknowledge | Stage::Answer => Stage::Answer,
            Stage::Resolve => Stage::Resolve,
        };
        self.clock_of(t, &story, stage)
    }

    fn clock_of(&self, t: &TicketRecord, story: &Story, stage: Stage) -> Option<StageClock> {
        let span = self.limits(&t.category, t.priority)?.of(stage);
        let started_at = match stage {
            Stage::Verify | Stage::Forward | Stage::Resolve => story.created,
            Stage::Acknowledge | Stage::Answer => story.forwarded.map_or(story.created, |(at, _)| at),
        };
        let mut pauses: Vec<(Millis, Option<Millis>)> = story.holds.clone();
        if stage == Stage::Resolve {
            // Reopened after being resolved: the time it stood resolved does not count.
            pauses.extend(story.resolved.iter().copied());
            pauses.sort_unstable();
        }
        Some(StageClock { stage, started_at, due: self.due(started_at, span, &pauses) })
    }
}

/// What a ticket's history says about its stages.
#[derive(Debug, Default)]
struct Story<'a> {
    created: Millis,
    /// The newest forwarding to an agency: when, and its entry's seq.
    forwarded: Option<(Millis, i64)>,
    /// On-hold stretches, the last perhaps still open.
    holds: Vec<(Millis, Option<Millis>)>,
    /// Stretches the ticket stood resolved before it was reopened.
    resolved: Vec<(Millis, Option<Millis>)>,
    /// The status the ticket was in when it was put on hold.
    before_hold: Option<Status>,
    events: &'a [EventRecord],
}

impl Story<'_> {
    fn read(t: &TicketRecord) -> Story<'_> {
        let mut story = Story { created: t.created_at, events: &t.events, ..Story::default() };
        for e in &t.events {
            let moved = e.from_status.is_some_and(|from| from != e.to_status);
            if e.agency.is_some() || (moved && e.to_status == Status::Assigned) {
                story.forwarded = Some((e.at, e.seq));
            }
            if !moved {
                continue;
            }
            if e.from_status == Some(Status::OnHold)
                && let Some(last) = story.holds.last_mut()
            {
                last.1.get_or_insert(e.at);
            }
            if e.from_status == Some(Status::Resolved)
                && let Some(last) = story.resolved.last_mut()
            {
                last.1.get_or_insert(e.at);
            }
            match e.to_status {
                Status::OnHold => {
                    story.holds.push((e.at, None));
                    story.before_hold = e.from_status;
                }
                Status::Resolved => story.resolved.push((e.at, None)),
                _ => {}
            }
        }
        // A resolved stretch still open is the ticket's present state, not a pause.
        if story.resolved.last().is_some_and(|r| r.1.is_none()) {
            story.resolved.pop();
        }
        story
    }

    /// After the newest forwarding: did the agency take the ticket up, and
    /// did the citizen hear a word (a public note or the resolution)?
    fn since_forwarding(&self) -> (bool, bool) {
        let after = self.forwarded.map_or(0, |(_, seq)| seq);
        let later = self.events.iter().filter(|e| e.seq > after && e.actor != SYSTEM_ACTOR);
        let (mut acknowledged, mut answered) = (false, false);
        for e in later {
            acknowledged |= matches!(e.to_status, Status::InProgress | Status::Resolved);
            answered |= e.public_note.is_some() || e.to_status == Status::Resolved;
        }
        (acknowledged, answered)
    }

    fn current_stage(&self, status: Status) -> Option<Stage> {
        let status = if status == Status::OnHold { self.before_hold? } else { status };
        let (acknowledged, answered) = self.since_forwarding();
        match status {
            Status::Received => Some(Stage::Verify),
            Status::Verified => Some(Stage::Forward),
            Status::Assigned if !acknowledged => Some(Stage::Acknowledge),
            Status::Assigned | Status::InProgress if !answered => Some(Stage::Answer),
            Status::Assigned | Status::InProgress => Some(Stage::Resolve),
            Status::Resolved | Status::Closed | Status::Rejected | Status::Duplicate | Status::OnHold => None,
        }
    }
}

/// A date's day number (days since 1970-01-01).
fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day())
        - i64::from(Date::from_calendar_date(1970, time::Month::January, 1).map_or(0, Date::to_julian_day))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use portal112_core::city::CityConfig;
    use portal112_core::service_level::DayOff;
    use proptest::prelude::*;

    use super::*;

    const HOUR: i64 = 3_600_000;

    fn bitung() -> CityConfig {
        crate::config::parse_city(Path::new("config/bitung.toml"), include_str!("../../config/bitung.toml"))
            .expect("the city file loads")
    }

    fn clock() -> ServiceClock {
        static CLOCK: std::sync::LazyLock<ServiceClock> =
            std::sync::LazyLock::new(|| ServiceClock::new(&bitung()).expect("the calendar reads"));
        CLOCK.clone()
    }

    /// An instant written in WITA: `wita("2026-12-04 14:00")`.
    fn wita(s: &str) -> Millis {
        let (date, hm) = s.split_once(' ').expect("date and time");
        let date = parse_date(date).expect("date");
        let (h, m) = hm.split_once(':').expect("hh:mm");
        let day = day_number(date);
        day * DAY - 8 * HOUR + h.parse::<i64>().unwrap() * HOUR + m.parse::<i64>().unwrap() * 60_000
    }

    fn working_days(n: u32) -> Span {
        Span::WorkingDays(n)
    }

    #[test]
    fn working_days_skip_weekends_holidays_and_cuti_bersama() {
        let c = clock();
        // Friday 14:00 + 3 working days: Wednesday 14:00.
        assert_eq!(c.due(wita("2026-12-04 14:00"), working_days(3), &[]), Due::At(wita("2026-12-09 14:00")));
        // Arriving on Saturday, the count starts Monday at midnight.
        assert_eq!(c.due(wita("2026-12-05 10:00"), working_days(1), &[]), Due::At(wita("2026-12-08 00:00")));
        // Christmas Eve (cuti bersama) and Christmas Day, then the weekend.
        assert_eq!(c.due(wita("2026-12-23 10:00"), working_days(1), &[]), Due::At(wita("2026-12-28 10:00")));
        // Across the year's end: 1 January is a holiday, then the weekend.
        assert_eq!(c.due(wita("2026-12-31 10:00"), working_days(1), &[]), Due::At(wita("2027-01-04 10:00")));
        // Nyepi and Idulfitri 2026: 18-24 March are off (holidays, cuti bersama, a weekend).
        assert_eq!(c.due(wita("2026-03-17 09:00"), working_days(1), &[]), Due::At(wita("2026-03-25 09:00")));
        // Calendar limits count every minute, weekend or not.
        assert_eq!(c.due(wita("2026-12-05 10:00"), Span::Hours(4), &[]), Due::At(wita("2026-12-05 14:00")));
    }

    #[test]
    fn days_turn_at_midnight_in_the_city_not_in_utc() {
        let c = clock();
        // Friday 23:59 WITA is still Friday (15:59 UTC): one working minute
        // is left, the next one is Monday's first.
        let friday_late = wita("2026-12-04 23:59");
        assert!(c.is_working_day(c.day_of(friday_late)));
        assert_eq!(c.due(friday_late, Span::Minutes(2), &[]), Due::At(friday_late + 2 * 60_000));
        assert_eq!(c.consume(friday_late, 2 * 60_000, true), wita("2026-12-07 00:01"));
        // Saturday 00:00 WITA is Friday 16:00 UTC, and not a working day.
        assert!(!c.is_working_day(c.day_of(wita("2026-12-05 00:00"))));
    }

    #[test]
    fn a_hold_stops_the_clock_and_says_how_much_is_left() {
        let c = clock();
        let start = wita("2026-12-07 09:00");
        // On hold Tuesday 09:00 to Thursday 09:00: two working days added.
        let pauses = [(wita("2026-12-08 09:00"), Some(wita("2026-12-10 09:00")))];
        assert_eq!(c.due(start, working_days(3), &pauses), Due::At(wita("2026-12-14 09:00")));
        // Still on hold: two working days were left when it stopped.
        let open = [(wita("2026-12-08 09:00"), None)];
        assert_eq!(c.due(start, working_days(3), &open), Due::Paused { remaining: 2 * DAY });
        // A hold after the due time changes nothing.
        let late_hold = [(wita("2026-12-20 09:00"), None)];
        assert_eq!(c.due(start, working_days(3), &late_hold), Due::At(wita("2026-12-10 09:00")));
    }

    #[test]
    fn a_bad_calendar_date_is_named() {
        let mut city = bitung();
        city.calendar.holidays.push(DayOff { date: "2026-02-30".into(), name: "Tidak ada".into() });
        let problems = ServiceClock::new(&city).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(problems[0].field.starts_with("calendar.holidays["), "{}", problems[0]);
    }

    /// Any instant of 2026 and 2027 (the years the calendar covers).
    fn instant() -> impl Strategy<Value = Millis> {
        wita("2026-01-01 00:00")..wita("2027-12-31 23:59")
    }

    /// Up to 20 working days, to the minute.
    fn budget() -> impl Strategy<Value = i64> {
        (1_i64..=20 * 24 * 60).prop_map(|m| m * 60_000)
    }

    proptest! {
        #[test]
        fn consuming_counts_exactly_the_budget(t in instant(), b in budget()) {
            let c = clock();
            let due = c.consume(t, b, true);
            prop_assert_eq!(c.measure(t, due, true), b);
            // Working time never runs faster than the calendar.
            prop_assert!(due >= t + b);
        }

        #[test]
        fn a_due_time_ends_a_stretch_of_a_working_day(t in instant(), b in budget()) {
            let c = clock();
            let due = c.consume(t, b, true);
            // The last counted millisecond lies on a working day.
            prop_assert!(c.is_working_day(c.day_of(due - 1)));
        }

        #[test]
        fn more_time_is_never_due_sooner(t in instant(), b in budget(), extra in 0_i64..5 * DAY) {
            let c = clock();
            prop_assert!(c.consume(t, b + extra, true) >= c.consume(t, b, true));
        }

        #[test]
        fn another_day_off_never_brings_a_due_time_forward(t in instant(), b in budget(), off in 0_i64..730) {
            let c = clock();
            let mut more = c.clone();
            more.days_off.insert(c.day_of(wita("2026-01-01 00:00")) + off);
            prop_assert!(more.consume(t, b, true) >= c.consume(t, b, true));
        }

        #[test]
        fn a_hold_adds_exactly_its_counted_time(
            t in instant(),
            b in budget(),
            hold_from in 0_i64..10 * DAY,
            hold_for in 1_i64..10 * DAY,
        ) {
            let c = clock();
            let span = Span::Minutes(u32::try_from(b / 60_000).unwrap());
            let pause = (t + hold_from, Some(t + hold_from + hold_for));
            match c.due(t, span, &[pause]) {
                Due::At(due) if due <= t + hold_from => prop_assert_eq!(due, t + b),
                Due::At(due) => prop_assert_eq!(due, t + b + hold_for),
                Due::Paused { .. } => prop_assert!(false, "a closed hold never leaves the clock stopped"),
            }
        }
    }
}
