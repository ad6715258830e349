//! Calendar days in Japan (UTC+9, no daylight saving), from Unix time.
//!
//! ```
//! use shared_model::calendar::tokyo_day;
//!
//! // 2027-01-31T15:00:00Z is midnight of 2027-02-01 in Takasaki.
//! assert_eq!(tokyo_day(1_801_407_600_000).to_string(), "2027-02-01");
//! ```

use std::fmt;

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
fn civil_from_days(days: i64) -> CivilDay {
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
    fn known_days() {
        assert_eq!(tokyo_day(0).to_string(), "1970-01-01");
        // 2024-02-29T14:59:59.999Z is still the 29th in Japan; one ms later it is March.
        assert_eq!(tokyo_day(1_709_218_799_999).to_string(), "2024-02-29");
        assert_eq!(tokyo_day(1_709_218_800_000).to_string(), "2024-03-01");
        assert_eq!(tokyo_day(-1).to_string(), "1970-01-01");
        assert_eq!(tokyo_day(-9 * 3600 * 1000 - 1).to_string(), "1969-12-31");
    }
}
