//! Calendar days in Japan (UTC+9, no daylight saving), and 和暦 ([`Wareki`]).
//!
//! ```
//! use shared_model::calendar::tokyo_day;
//!
//! // 2027-01-31T15:00:00Z is midnight of 2027-02-01 in Takasaki.
//! assert_eq!(tokyo_day(1_801_407_600_000).to_string(), "2027-02-01");
//! ```

use std::fmt;

mod reading;
mod wareki;

pub use reading::{DateError, DateReading, RecordedDate, parse_date, read_date};
pub use wareki::{Era, FIRST_SOLAR_DAY, Wareki};

const JST_OFFSET_MS: i64 = 9 * 3600 * 1000;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A day of the Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CivilDay {
    /// Year.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
}

impl CivilDay {
    /// The day, if it exists in the Gregorian calendar.
    pub fn new(year: i32, month: u32, day: u32) -> Option<CivilDay> {
        let candidate = CivilDay { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(candidate)
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        // H. Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The following day.
    pub fn next(self) -> CivilDay {
        civil_from_days(self.days_since_epoch() + 1)
    }

    /// `other - self` in days.
    pub fn days_until(self, other: CivilDay) -> i64 {
        other.days_since_epoch() - self.days_since_epoch()
    }

    /// Age in whole years on `on`.
    pub fn age_on(self, on: CivilDay) -> i32 {
        let had_birthday = (on.month, on.day) >= (self.month, self.day);
        on.year - self.year - i32::from(!had_birthday)
    }
}

/// Days in a month of the Gregorian calendar (0 for a month that is not 1–12).
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for CivilDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The day in Japan at a moment given in milliseconds since the Unix epoch.
pub fn tokyo_day(unix_ms: i64) -> CivilDay {
    civil_from_days((unix_ms + JST_OFFSET_MS).div_euclid(DAY_MS))
}

/// The Gregorian date of a count of days since 1970-01-01 (H. Hinnant's algorithm).
pub(crate) fn civil_from_days(days: i64) -> CivilDay {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    CivilDay { year, month, day }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_arithmetic() {
        let d = CivilDay::new(2024, 2, 28).unwrap();
        assert_eq!(d.next().to_string(), "2024-02-29");
        assert_eq!(d.next().next().to_string(), "2024-03-01");
        assert_eq!(CivilDay::new(2023, 2, 29), None);
        assert_eq!(CivilDay::new(2024, 0, 1), None);
        for n in [-1_000_000_i64, -1, 0, 1, 19_000, 50_000] {
            assert_eq!(civil_from_days(n).days_since_epoch(), n);
        }
        let birth = CivilDay::new(2009, 4, 2).unwrap();
        assert_eq!(birth.age_on(CivilDay::new(2027, 4, 1).unwrap()), 17);
        assert_eq!(birth.age_on(CivilDay::new(2027, 4, 2).unwrap()), 18);
    }

    #[test]
    fn known_days() {
        assert_eq!(tokyo_day(0).to_string(), "1970-01-01");
        // 2024-02-29T14:59:59.999Z is still the 29th in Japan; one ms later it is March.
        assert_eq!(tokyo_day(1_709_218_799_999).to_string(), "2024-02-29");
        assert_eq!(tokyo_day(1_709_218_800_000).to_string(), "2024-03-01");
        assert_eq!(tokyo_day(-1).to_string(), "1970-01-01");
        assert_eq!(tokyo_day(-9 * 3600 * 1000 - 1).to_string(), "1969-12-31");
    }
}
