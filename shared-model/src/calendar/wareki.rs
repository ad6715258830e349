//! 和暦 (Japanese era years) ⇄ 西暦 for 明治・大正・昭和・平成・令和.
//!
//! Era boundaries (first day of each era, Gregorian): 大正 1912-07-30, 昭和 1926-12-25,
//! 平成 1989-01-08, 令和 2019-05-01. The first year of an era is 元年. Dates before
//! 1873-01-01 (明治6年1月1日, when Japan adopted the Gregorian calendar) are refused: earlier
//! 明治 dates were lunar and cannot be converted by arithmetic.
//!
//! ```
//! use shared_model::calendar::{CivilDay, Era, Wareki, parse_date};
//!
//! let day = parse_date("令和元年5月1日").unwrap();
//! assert_eq!(day, CivilDay::new(2019, 5, 1).unwrap());
//! assert_eq!(Wareki::from_day(day).unwrap().to_string(), "令和元年5月1日");
//! // 平成 ended on 4月30日: the day 平成31年5月1日 names is 令和元年5月1日.
//! assert_eq!(parse_date("平成31年5月1日").unwrap(), day);
//! ```

use std::fmt;

use super::CivilDay;
use super::reading::DateError;

/// An era of the Japanese calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Era {
    /// 明治
    Meiji,
    /// 大正
    Taisho,
    /// 昭和
    Showa,
    /// 平成
    Heisei,
    /// 令和
    Reiwa,
}

impl Era {
    /// Every era, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The era's name in kanji.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation (M, T, S, H, R).
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The first day of the era (Gregorian).
    pub fn first_day(self) -> CivilDay {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        CivilDay {
            year: y,
            month: m,
            day: d,
        }
    }

    /// The era after this one, if any.
    pub fn next(self) -> Option<Era> {
        let i = Era::ALL.iter().position(|e| *e == self)?;
        Era::ALL.get(i + 1).copied()
    }
}

/// The first day this module converts: 1873-01-01 (明治6年1月1日).
pub const FIRST_SOLAR_DAY: CivilDay = CivilDay {
    year: 1873,
    month: 1,
    day: 1,
};

/// A date written in an era year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wareki {
    /// The era.
    pub era: Era,
    /// The year of the era (1 = 元年).
    pub year: u32,
    /// Month.
    pub month: u32,
    /// Day.
    pub day: u32,
}

impl Wareki {
    /// The era date of a day (from 1873-01-01).
    ///
    /// Errors: [`DateError::BeforeSolarCalendar`] before 1873-01-01.
    pub fn from_day(day: CivilDay) -> Result<Wareki, DateError> {
        if day < FIRST_SOLAR_DAY {
            return Err(DateError::BeforeSolarCalendar(day.to_string()));
        }
        let era = Era::ALL
            .into_iter()
            .rev()
            .find(|e| day >= e.first_day())
            .expect("every day from 1873 falls in an era");
        Ok(Wareki {
            era,
            year: (day.year - era.first_day().year + 1) as u32,
            month: day.month,
            day: day.day,
        })
    }

    /// The Gregorian day this era date names, whether or not it lies within the era
    /// (平成31年5月1日 is 2019-05-01); `None` for year 0 or a day the calendar lacks.
    pub fn to_day(self) -> Option<CivilDay> {
        if self.year == 0 {
            return None;
        }
        CivilDay::new(
            self.era.first_day().year + self.year as i32 - 1,
            self.month,
            self.day,
        )
    }

    /// Whether the day lies within the era (from its first day to the day before the next).
    pub fn within_era(self) -> bool {
        self.to_day().is_some_and(|day| {
            day >= self.era.first_day() && self.era.next().is_none_or(|n| day < n.first_day())
        })
    }
}

impl fmt::Display for Wareki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year == 1 {
            write!(f, "{}元年{}月{}日", self.era.kanji(), self.month, self.day)
        } else {
            write!(
                f,
                "{}{}年{}月{}日",
                self.era.kanji(),
                self.year,
                self.month,
                self.day
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> CivilDay {
        CivilDay::new(y, m, d).unwrap()
    }

    #[test]
    fn era_boundaries() {
        let cases = [
            ((1912, 7, 29), "明治45年7月29日"),
            ((1912, 7, 30), "大正元年7月30日"),
            ((1926, 12, 24), "大正15年12月24日"),
            ((1926, 12, 25), "昭和元年12月25日"),
            ((1989, 1, 7), "昭和64年1月7日"),
            ((1989, 1, 8), "平成元年1月8日"),
            ((2019, 4, 30), "平成31年4月30日"),
            ((2019, 5, 1), "令和元年5月1日"),
        ];
        for ((y, m, d), text) in cases {
            let w = Wareki::from_day(day(y, m, d)).unwrap();
            assert_eq!(w.to_string(), text);
            assert!(w.within_era());
            assert_eq!(w.to_day(), Some(day(y, m, d)));
        }
        let past = Wareki {
            era: Era::Heisei,
            year: 31,
            month: 5,
            day: 1,
        };
        assert!(!past.within_era());
        assert_eq!(past.to_day(), Some(day(2019, 5, 1)));
        assert_eq!(Wareki { year: 0, ..past }.to_day(), None);
    }
}
