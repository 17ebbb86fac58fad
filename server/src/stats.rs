//! The figures of `GET /api/v1/stats`, worked out from every ticket's
//! category, agency, status and times. Pure: the same rows and the same
//! `now` give the same figures, which is what the tests check.

use std::collections::BTreeMap;

use portal112_core::Status;
use portal112_core::city::CityConfig;
use portal112_core::open::{AgeBuckets, Duration, ServiceShare, Stats, StatsGroup, WeekFigures};
use time::{OffsetDateTime, UtcOffset};

use crate::store::{Millis, StatsRow};
use crate::view::format_time;

/// Weeks the trend goes back at most.
pub const TREND_WEEKS: usize = 26;

const MINUTE: Millis = 60_000;
const DAY: Millis = 24 * 60 * MINUTE;

/// Everything `rows` add up to at `now`.
#[must_use]
pub fn figures(city: &CityConfig, rows: &[StatsRow], now: Millis) -> Stats {
    let mut all = Tally::default();
    let mut agencies: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut categories: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut weeks: BTreeMap<(i32, u8), (u32, u32)> = BTreeMap::new();
    for row in rows {
        all.add(row, now);
        agencies.entry(row.agency.as_str()).or_default().add(row, now);
        categories.entry(row.category.as_str()).or_default().add(row, now);
        weeks.entry(iso_week(city, row.created_at)).or_default().0 += 1;
        if let Some(at) = row.resolved_at {
            weeks.entry(iso_week(city, at)).or_default().1 += 1;
        }
    }
    // Without service levels there is no due time to be within.
    let levels = city.service_levels.is_some();
    // The city file's order; codes it no longer knows (a category removed
    // since) keep their figures at the end rather than vanish.
    let ordered = |known: Vec<&str>, mut tallies: BTreeMap<&str, Tally>| -> Vec<StatsGroup> {
        let mut groups: Vec<StatsGroup> =
            known.into_iter().map(|code| tallies.remove(code).unwrap_or_default().group(code, levels)).collect();
        groups.extend(tallies.into_iter().map(|(code, t)| t.group(code, levels)));
        groups
    };
    let weeks: Vec<WeekFigures> = weeks
        .into_iter()
        .map(|((year, week), (received, resolved))| WeekFigures {
            week: format!("{year}-W{week:02}"),
            received,
            resolved,
        })
        .collect();
    let skip = weeks.len().saturating_sub(TREND_WEEKS);
    Stats {
        generated_at: format_time(city, now),
        all: all.group("all", levels),
        agencies: ordered(city.agencies.iter().map(|a| a.code.as_str()).collect(), agencies),
        categories: ordered(city.categories.iter().map(|c| c.code.as_str()).collect(), categories),
        weeks: weeks.into_iter().skip(skip).collect(),
    }
}

/// The ISO year and week of a stored time, in the city's time.
fn iso_week(city: &CityConfig, at: Millis) -> (i32, u8) {
    let offset = UtcOffset::from_whole_seconds(city.city.utc_offset_minutes * 60).unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(at) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(offset);
    let (year, week, _) = t.date().to_iso_week_date();
    (year, week)
}

#[derive(Debug, Default)]
struct Tally {
    received: u32,
    open: u32,
    resolved: u32,
    first_response: Vec<Millis>,
    resolution: Vec<Millis>,
    ages: AgeBuckets,
    answered: u32,
    in_time: u32,
}

impl Tally {
    fn add(&mut self, row: &StatsRow, now: Millis) {
        self.received += 1;
        if row.status.is_open() {
            self.open += 1;
            let age = now.saturating_sub(row.created_at);
            let bucket = match age {
                a if a < DAY => &mut self.ages.under_1d,
                a if a < 3 * DAY => &mut self.ages.d1_3,
                a if a < 7 * DAY => &mut self.ages.d3_7,
                a if a < 30 * DAY => &mut self.ages.d7_30,
                _ => &mut self.ages.over_30d,
            };
            *bucket += 1;
        }
        if matches!(row.status, Status::Resolved | Status::Closed) {
            self.resolved += 1;
        }
        if let Some(at) = row.first_response_at {
            self.first_response.push(at.saturating_sub(row.created_at).max(0));
        }
        if let Some(at) = row.resolved_at {
            self.resolution.push(at.saturating_sub(row.created_at).max(0));
        }
        if row.answered && !matches!(row.status, Status::Rejected | Status::Duplicate) {
            self.answered += 1;
            self.in_time += u32::from(!row.sla_missed);
        }
    }

    fn group(self, code: &str, levels: bool) -> StatsGroup {
        StatsGroup {
            code: code.to_owned(),
            received: self.received,
            open: self.open,
            resolved: self.resolved,
            first_response: duration(self.first_response),
            resolution: duration(self.resolution),
            open_by_age: self.ages,
            service_level: levels.then(|| ServiceShare {
                count: self.answered,
                kept: self.in_time,
                percent: (self.answered > 0).then(|| {
                    u32::try_from(
                        (u64::from(self.in_time) * 100 + u64::from(self.answered) / 2) / u64::from(self.answered),
                    )
                    .unwrap_or(100)
                }),
            }),
        }
    }
}

/// The median of `spans` in whole minutes (the mean of the middle two for
/// an even count, rounded to the nearest minute).
fn duration(mut spans: Vec<Millis>) -> Duration {
    spans.sort_unstable();
    let n = spans.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(spans[n / 2]),
        _ => Some(i64::midpoint(spans[n / 2 - 1], spans[n / 2])),
    };
    Duration {
        median_minutes: median.map(|m| u32::try_from((m + MINUTE / 2) / MINUTE).unwrap_or(u32::MAX)),
        count: u32::try_from(n).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(duration(vec![]).median_minutes, None);
        assert_eq!(duration(vec![3 * MINUTE, MINUTE, 100 * MINUTE]).median_minutes, Some(3));
        assert_eq!(duration(vec![10 * MINUTE, 20 * MINUTE]).median_minutes, Some(15));
        assert_eq!(duration(vec![10 * MINUTE, 21 * MINUTE]).count, 2);
    }
}
