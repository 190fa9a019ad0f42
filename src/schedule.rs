//! Schedules in cron's five-field form (a store's backups) (minute, hour, day of month,
//! month, day of week; UTC): `*`, numbers, ranges `a-b`, steps `*/n` and
//! `a-b/n`, lists `a,b,c`. As in cron, when both the day of month and the
//! day of week are restricted, a day matching either is a match.

use k8s_openapi::jiff::civil::DateTime;
use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{Span, Timestamp};

/// A parsed schedule: which minutes, hours, days, months and weekdays match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days: u64,
    months: u64,
    weekdays: u64,
    any_day: bool,
    any_weekday: bool,
}

const HINT: &str = "five fields, minute hour day-of-month month day-of-week (UTC), such as \"0 3 * * *\" (03:00 every day) or \"30 */6 * * *\"";

impl Schedule {
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(format!(
                "{text:?} has {} fields; a schedule has {HINT}",
                fields.len()
            ));
        };
        let weekdays = field(weekday, 0, 7, "day of week")?;
        Ok(Schedule {
            minutes: field(minute, 0, 59, "minute")?,
            hours: field(hour, 0, 23, "hour")?,
            days: field(day, 1, 31, "day of month")?,
            months: field(month, 1, 12, "month")?,
            // 7 is Sunday too.
            weekdays: (weekdays | (weekdays >> 7)) & 0x7f,
            any_day: day == "*",
            any_weekday: weekday == "*",
        })
    }

    fn day_matches(&self, at: &DateTime) -> bool {
        let day = self.days & (1 << at.day()) != 0;
        let weekday = self.weekdays & (1 << at.weekday().to_sunday_zero_offset()) != 0;
        match (self.any_day, self.any_weekday) {
            (false, false) => day || weekday,
            _ => day && weekday,
        }
    }

    /// The first time the schedule fires strictly after `after`; None when
    /// it never does within the next five years (a 31st of February).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = after.to_zoned(TimeZone::UTC).datetime();
        let mut at = start
            .date()
            .at(start.hour(), start.minute(), 0, 0)
            .checked_add(Span::new().minutes(1))
            .ok()?;
        let limit = start.checked_add(Span::new().years(5)).ok()?;
        while at < limit {
            if self.months & (1 << at.month()) == 0 {
                at = at
                    .date()
                    .first_of_month()
                    .checked_add(Span::new().months(1))
                    .ok()?
                    .at(0, 0, 0, 0);
            } else if !self.day_matches(&at) {
                at = at.date().tomorrow().ok()?.at(0, 0, 0, 0);
            } else if self.hours & (1 << at.hour()) == 0 {
                at = at
                    .date()
                    .at(at.hour(), 0, 0, 0)
                    .checked_add(Span::new().hours(1))
                    .ok()?;
            } else if self.minutes & (1 << at.minute()) == 0 {
                at = at.checked_add(Span::new().minutes(1)).ok()?;
            } else {
                return at.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp());
            }
        }
        None
    }

    /// The latest time the schedule fired at or before `now`, if it fired
    /// after `since`.
    pub fn last_between(&self, since: Timestamp, now: Timestamp) -> Option<Timestamp> {
        let mut fired = self.next_after(since).filter(|t| *t <= now)?;
        // Long gaps are walked from close to now, not from `since`.
        let day = Span::new().hours(48);
        if let Some(recent) = now.checked_sub(day).ok().filter(|r| *r > fired) {
            fired = self
                .next_after(recent)
                .filter(|t| *t <= now)
                .unwrap_or(fired);
        }
        while let Some(next) = self.next_after(fired).filter(|t| *t <= now) {
            fired = next;
        }
        Some(fired)
    }

    /// The shortest time between two firings, over the next year's first
    /// thousand (how often the schedule backs up at its busiest).
    pub fn shortest_gap(&self, from: Timestamp) -> Option<std::time::Duration> {
        let mut previous = self.next_after(from)?;
        let mut shortest: Option<i64> = None;
        for _ in 0..1000 {
            let Some(next) = self.next_after(previous) else {
                break;
            };
            let gap = next.as_second() - previous.as_second();
            shortest = Some(shortest.map_or(gap, |s| s.min(gap)));
            previous = next;
        }
        shortest.map(|s| std::time::Duration::from_secs(s.unsigned_abs()))
    }
}

/// One field as a bit set of the values it matches.
fn field(text: &str, low: u32, high: u32, what: &str) -> Result<u64, String> {
    let mut set = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => {
                let step: u32 = step.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!("the {what} field {text:?} has a bad step {step:?}; {HINT}")
                })?;
                (range, step)
            }
            None => (part, 1),
        };
        let number = |n: &str| -> Result<u32, String> {
            n.parse::<u32>()
                .ok()
                .filter(|v| (low..=high).contains(v))
                .ok_or_else(|| {
                    format!("the {what} field {text:?} has {n:?}, not a number from {low} to {high}; {HINT}")
                })
        };
        let (from, to) = match range {
            "*" => (low, high),
            _ => match range.split_once('-') {
                Some((a, b)) => (number(a)?, number(b)?),
                None if step > 1 => (number(range)?, high),
                None => {
                    let v = number(range)?;
                    (v, v)
                }
            },
        };
        if from > to {
            return Err(format!(
                "the {what} field {text:?} has a range from {from} down to {to}; {HINT}"
            ));
        }
        let mut v = from;
        while v <= to {
            set |= 1 << v;
            v += step;
        }
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn the_next_firing_follows_each_field() {
        let daily = Schedule::parse("0 3 * * *").unwrap();
        assert_eq!(
            daily.next_after(at("2026-12-05T02:59:59Z")),
            Some(at("2026-12-05T03:00:00Z"))
        );
        assert_eq!(
            daily.next_after(at("2026-12-05T03:00:00Z")),
            Some(at("2026-12-06T03:00:00Z"))
        );
        let quarter = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(
            quarter.next_after(at("2026-12-05T09:16:30Z")),
            Some(at("2026-12-05T09:30:00Z"))
        );
        // Mondays and the 1st (either), at 04:30; 31 December to 1 January.
        let either = Schedule::parse("30 4 1 * 1").unwrap();
        assert_eq!(
            either.next_after(at("2026-12-05T00:00:00Z")),
            Some(at("2026-12-07T04:30:00Z"))
        );
        assert_eq!(
            either.next_after(at("2026-12-28T05:00:00Z")),
            Some(at("2027-01-01T04:30:00Z"))
        );
        // Sunday as 7, a range with a step, a list.
        let sundays = Schedule::parse("0 0 * * 7").unwrap();
        assert_eq!(
            sundays.next_after(at("2026-12-05T00:00:00Z")),
            Some(at("2026-12-06T00:00:00Z"))
        );
        let listed = Schedule::parse("5,50 8-18/5 * 2 *").unwrap();
        assert_eq!(
            listed.next_after(at("2026-12-05T00:00:00Z")),
            Some(at("2027-02-01T08:05:00Z"))
        );
        assert_eq!(
            Schedule::parse("0 0 31 2 *")
                .unwrap()
                .next_after(at("2026-12-05T00:00:00Z")),
            None
        );
    }

    #[test]
    fn a_long_gap_gives_the_latest_firing_only() {
        let hourly = Schedule::parse("0 * * * *").unwrap();
        assert_eq!(
            hourly.last_between(at("2026-01-01T00:00:00Z"), at("2026-12-05T09:20:00Z")),
            Some(at("2026-12-05T09:00:00Z"))
        );
        assert_eq!(
            hourly.last_between(at("2026-12-05T09:00:00Z"), at("2026-12-05T09:59:00Z")),
            None
        );
    }

    #[test]
    fn the_busiest_gap_is_measured() {
        let gap = |text: &str| {
            Schedule::parse(text)
                .unwrap()
                .shortest_gap(at("2026-12-05T00:00:00Z"))
                .unwrap()
                .as_secs()
        };
        assert_eq!(gap("* * * * *"), 60);
        assert_eq!(gap("0 3 * * *"), 86_400);
        assert_eq!(gap("0 1,2 * * *"), 3_600);
    }

    #[test]
    fn what_is_not_a_schedule_says_why() {
        for (text, said) in [
            ("0 3 * *", "has 4 fields"),
            ("60 3 * * *", "not a number from 0 to 59"),
            ("0 3 * * 8", "not a number from 0 to 7"),
            ("0 5-3 * * *", "range from 5 down to 3"),
            ("*/0 * * * *", "bad step"),
            ("@daily", "has 1 fields"),
        ] {
            let error = Schedule::parse(text).unwrap_err();
            assert!(error.contains(said), "{text}: {error}");
        }
    }
}
