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
//! assert!(parse_date("平成31年5月1日").is_err()); // 平成 ended on 4月30日
//! ```

use std::fmt;

use super::CivilDay;

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

    fn from_name(name: &str) -> Option<Era> {
        Era::ALL.into_iter().find(|e| {
            e.kanji() == name
                || name.chars().count() == 1
                    && name.chars().next().map(|c| c.to_ascii_uppercase()) == Some(e.letter())
        })
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

/// Why a date is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not a date in any accepted form.
    #[error("{0:?} is not a date (examples: 2027-02-01, 令和9年2月1日, R9.2.1)")]
    Unreadable(String),
    /// The month or day does not exist (2月30日, 13月).
    #[error("{0} does not exist in the calendar")]
    Impossible(String),
    /// The era year is outside the era (平成31年5月1日, 昭和65年).
    #[error("{0} is outside the era")]
    OutsideEra(String),
    /// Before 1873-01-01.
    #[error("{0} is before 1873-01-01, when Japan adopted the Gregorian calendar")]
    BeforeSolarCalendar(String),
}

impl Wareki {
    /// The era date of a day (from 1873-01-01).
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

    /// The Gregorian day, checking the era's bounds.
    pub fn to_day(self) -> Result<CivilDay, DateError> {
        let year = self.era.first_day().year + self.year as i32 - 1;
        let shown = self.to_string();
        if self.year == 0 {
            return Err(DateError::OutsideEra(shown));
        }
        let day = CivilDay::new(year, self.month, self.day)
            .ok_or_else(|| DateError::Impossible(shown.clone()))?;
        if day < self.era.first_day() || self.era.next().is_some_and(|n| day >= n.first_day()) {
            return Err(DateError::OutsideEra(shown));
        }
        if day < FIRST_SOLAR_DAY {
            return Err(DateError::BeforeSolarCalendar(shown));
        }
        Ok(day)
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

/// Reads a date written as 西暦 (`2027-02-01`, `2027/2/1`, `20270201`, `2027年2月1日`) or
/// 和暦 (`令和9年2月1日`, `令和元年5月1日`, `R9.2.1`, `H31/4/30`), with full-width digits too.
pub fn parse_date(text: &str) -> Result<CivilDay, DateError> {
    let normalized: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'Ａ'..='Ｚ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32).unwrap_or(c),
            'ａ'..='ｚ' => char::from_u32(c as u32 - 'ａ' as u32 + 'a' as u32).unwrap_or(c),
            '／' | '．' | '－' | '−' | 'ー' => '/',
            '.' | '-' => '/',
            ' ' | '\u{3000}' => ' ',
            other => other,
        })
        .filter(|c| *c != ' ')
        .collect();
    let unreadable = || DateError::Unreadable(text.to_owned());
    // Split off an era name: kanji (2 chars) or one letter.
    let (era, rest) = if let Some(era) = Era::ALL
        .into_iter()
        .find(|e| normalized.starts_with(e.kanji()))
    {
        (Some(era), &normalized[era.kanji().len()..])
    } else if let Some(first) = normalized.chars().next().filter(char::is_ascii_alphabetic) {
        let era = Era::from_name(&first.to_string()).ok_or_else(unreadable)?;
        (Some(era), &normalized[first.len_utf8()..])
    } else {
        (None, normalized.as_str())
    };
    let rest = rest.replacen("元", "1", 1);
    let parts: Vec<&str> = rest
        .split(['年', '月', '日', '/'])
        .filter(|p| !p.is_empty())
        .collect();
    let numbers: Vec<u32> = match parts.as_slice() {
        [compact]
            if era.is_none()
                && compact.len() == 8
                && compact.bytes().all(|b| b.is_ascii_digit()) =>
        {
            vec![
                compact[..4].parse().map_err(|_| unreadable())?,
                compact[4..6].parse().map_err(|_| unreadable())?,
                compact[6..].parse().map_err(|_| unreadable())?,
            ]
        }
        [y, m, d] => vec![
            y.parse().map_err(|_| unreadable())?,
            m.parse().map_err(|_| unreadable())?,
            d.parse().map_err(|_| unreadable())?,
        ],
        _ => return Err(unreadable()),
    };
    let (y, m, d) = (numbers[0], numbers[1], numbers[2]);
    match era {
        Some(era) => Wareki {
            era,
            year: y,
            month: m,
            day: d,
        }
        .to_day(),
        None => {
            let day = CivilDay::new(y as i32, m, d)
                .ok_or_else(|| DateError::Impossible(format!("{y:04}-{m:02}-{d:02}")))?;
            if day < FIRST_SOLAR_DAY {
                return Err(DateError::BeforeSolarCalendar(day.to_string()));
            }
            Ok(day)
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
            assert_eq!(Wareki::from_day(day(y, m, d)).unwrap().to_string(), text);
            assert_eq!(parse_date(text).unwrap(), day(y, m, d), "{text}");
        }
    }

    #[test]
    fn dates_outside_their_era_are_refused() {
        for text in [
            "明治45年7月30日",
            "大正15年12月25日",
            "昭和64年1月8日",
            "平成31年5月1日",
            "令和元年4月30日",
            "平成0年1月1日",
            "昭和100年1月1日",
        ] {
            assert!(
                matches!(parse_date(text), Err(DateError::OutsideEra(_))),
                "{text}: {:?}",
                parse_date(text)
            );
        }
    }

    #[test]
    fn impossible_and_unreadable_dates() {
        for text in [
            "令和5年2月29日",
            "2023-02-29",
            "2024-13-01",
            "令和6年4月31日",
        ] {
            assert!(
                matches!(parse_date(text), Err(DateError::Impossible(_))),
                "{text}"
            );
        }
        assert!(parse_date("2024-02-29").is_ok());
        for text in ["", "昨日", "令和", "X5.1.1", "2024-1", "12345678901"] {
            assert!(
                matches!(parse_date(text), Err(DateError::Unreadable(_))),
                "{text}"
            );
        }
        assert!(matches!(
            parse_date("明治5年12月2日"),
            Err(DateError::BeforeSolarCalendar(_))
        ));
    }

    #[test]
    fn written_forms() {
        let expected = day(2027, 2, 1);
        for text in [
            "2027-02-01",
            "2027/2/1",
            "20270201",
            "2027年2月1日",
            "令和9年2月1日",
            "R9.2.1",
            "r9/2/1",
            "令和９年２月１日",
            " 令和 9年 2月 1日 ",
        ] {
            assert_eq!(parse_date(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn every_day_round_trips_through_wareki() {
        let mut d = FIRST_SOLAR_DAY;
        let last = day(2100, 12, 31);
        let mut count = 0;
        while d <= last {
            let w = Wareki::from_day(d).unwrap();
            assert_eq!(w.to_day().unwrap(), d);
            assert_eq!(parse_date(&w.to_string()).unwrap(), d);
            let short = format!("{}{}.{}.{}", w.era.letter(), w.year, w.month, w.day);
            assert_eq!(parse_date(&short).unwrap(), d);
            d = d.next();
            count += 1;
        }
        assert_eq!(count, FIRST_SOLAR_DAY.days_until(last) + 1);
    }
}
