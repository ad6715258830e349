//! Reading dates as people write them: [`read_date`] gives a [`DateReading`] (a
//! [`RecordedDate`], which may have unknown parts, and a note when an era year was written
//! past its era); [`parse_date`] asks for one whole calendar day.
//!
//! Accepted, in any mix of full-width and half-width characters (the text is NFKC-folded
//! first, which also turns the one-character era signs ㍾㍽㍼㍻㋿ and ㋀…/㏠… into text):
//! - 西暦: `2024-04-01`, `2024/4/1`, `2024.4.1`, `20240401`, `2024年4月1日`, `二〇二四年四月一日`;
//! - 和暦 with the era in kanji (`令和6年4月1日`), as one kanji (`令6.4.1`, the 明大昭平令 of
//!   paper forms), or as one letter M/T/S/H/R in either case (`R6.4.1`, `h31/4/30`,
//!   `R6-4-1`, `R6年4月1日`, `R060401`); 元年; 漢数字 (`令和六年十二月二十五日`);
//! - unknown parts (不詳日, 住民記録システム標準仕様書 §1.1.8): `1950年月日不詳`,
//!   `昭和25年3月日不詳`, `年月日不詳`, and the file form `1950-00-00` / `19500300`.
//!
//! A 和暦 date past its era's end (平成31年5月1日) or before its start (令和元年4月30日) is
//! read as the day it names, with [`DateReading::outside_era`] set so the screen can say
//! which era is right (§1.1.8 allows 明治45年7月30日 and 大正15年12月25日 for the same
//! reason: they are written in real registers).
//!
//! ```
//! use shared_model::calendar::{CivilDay, parse_date, read_date};
//!
//! assert_eq!(parse_date("㍻31年4月30日").unwrap(), CivilDay::new(2019, 4, 30).unwrap());
//! assert_eq!(parse_date("令和６年４月１日").unwrap(), CivilDay::new(2024, 4, 1).unwrap());
//! let past = read_date("平成31年5月1日").unwrap();
//! assert_eq!(past.date.to_string(), "2019-05-01");
//! assert_eq!(past.right_era().unwrap(), "令和元年5月1日");
//! assert_eq!(read_date("1950-00-00").unwrap().date.to_japanese(), "昭和25年月日不詳");
//! ```

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::wareki::{Era, FIRST_SOLAR_DAY, Wareki};
use super::{CivilDay, days_in_month};
use crate::numerals::replace_kanji_numbers;

/// Why a date is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not a date in any accepted form.
    #[error("{0:?} is not a date (examples: 2027-02-01, 令和9年2月1日, R9.2.1)")]
    Unreadable(String),
    /// The month or day does not exist (2月30日, 13月, 平成0年).
    #[error("{0} does not exist in the calendar")]
    Impossible(String),
    /// Before 1873-01-01.
    #[error("{0} is before 1873-01-01, when Japan adopted the Gregorian calendar")]
    BeforeSolarCalendar(String),
    /// A part of the date is unknown (不詳) where a whole day is needed.
    #[error("{0} has unknown parts, and a whole day is needed here")]
    Unknown(String),
    /// A part is known after an unknown one (1950-00-05: the day without the month).
    #[error("{0}: a day is known but not its month, or a month but not its year")]
    UnknownBeforeKnown(String),
}

/// A date as a record holds it: the year, month and day, each possibly unknown (不詳日 of
/// the 住民記録システム標準仕様書 §1.1.8: 年月日不詳, 月日不詳, 日不詳), and possibly a day
/// the calendar lacks (§1.1.8 allows 2月29日 of a common year in 生年月日, as a 戸籍 may
/// hold it). Its text form is `YYYY-MM-DD` with `00` (`0000` for the year) for what is
/// unknown: `1950-00-00`, `1950-03-00`, `0000-00-00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordedDate {
    /// The year (西暦), if known.
    pub year: Option<i32>,
    /// The month (1–12), if known; only with a known year.
    pub month: Option<u32>,
    /// The day (1–31), if known; only with a known month.
    pub day: Option<u32>,
}

impl RecordedDate {
    /// A whole, known day.
    pub fn known(day: CivilDay) -> Self {
        Self {
            year: Some(day.year),
            month: Some(day.month),
            day: Some(day.day),
        }
    }

    /// The calendar day, when every part is known and the day exists.
    pub fn calendar_day(&self) -> Option<CivilDay> {
        CivilDay::new(self.year?, self.month?, self.day?)
    }

    /// The first calendar day it may be: unknown parts counted from January and the 1st,
    /// a day the calendar lacks (2月29日 of a common year) as the month's last. `None` when
    /// the year is unknown. An age counted from it is the most the person may be.
    pub fn earliest(&self) -> Option<CivilDay> {
        let year = self.year?;
        let month = self.month.unwrap_or(1);
        let day = self.day.unwrap_or(1).min(super::days_in_month(year, month));
        CivilDay::new(year, month, day)
    }

    /// The last calendar day it may be: unknown parts counted to December and the month's
    /// last day. `None` when the year is unknown. An age counted from it is the least.
    pub fn latest(&self) -> Option<CivilDay> {
        let year = self.year?;
        let month = self.month.unwrap_or(12);
        let last = super::days_in_month(year, month);
        CivilDay::new(year, month, self.day.unwrap_or(last).min(last))
    }

    /// Whether some part is unknown (不詳).
    pub fn has_unknown_parts(&self) -> bool {
        self.day.is_none()
    }

    /// Whether every part is known but the calendar has no such day (2月29日 of 1900).
    pub fn is_off_calendar(&self) -> bool {
        !self.has_unknown_parts() && self.calendar_day().is_none()
    }

    /// The date as it stands on paper, in 和暦 (`昭和25年3月1日`, `昭和25年月日不詳`,
    /// `1989年月日不詳` when the year spans two eras, `年月日不詳`). 外国人住民's dates are
    /// shown in 西暦 with [`RecordedDate::to_seireki`] (§1.1.9).
    pub fn to_japanese(&self) -> String {
        let Some(year) = self.year else {
            return "年月日不詳".into();
        };
        // The era of the first and the last day the known parts allow.
        let first = CivilDay {
            year,
            month: self.month.unwrap_or(1),
            day: self.day.unwrap_or(1),
        };
        let last_month = self.month.unwrap_or(12);
        let last = CivilDay {
            year,
            month: last_month,
            day: self.day.unwrap_or(days_in_month(year, last_month)),
        };
        let era_of = |d: CivilDay| {
            (d >= FIRST_SOLAR_DAY)
                .then(|| Era::ALL.into_iter().rev().find(|e| d >= e.first_day()))
                .flatten()
        };
        let (Some(era), true) = (era_of(first), era_of(first) == era_of(last)) else {
            return self.to_seireki();
        };
        let era_year = (year - era.first_day().year + 1) as u32;
        let shown_year = if era_year == 1 {
            format!("{}元年", era.kanji())
        } else {
            format!("{}{}年", era.kanji(), era_year)
        };
        match (self.month, self.day) {
            (Some(m), Some(d)) => format!("{shown_year}{m}月{d}日"),
            (Some(m), None) => format!("{shown_year}{m}月日不詳"),
            _ => format!("{shown_year}月日不詳"),
        }
    }

    /// The date in 西暦 words (`1950年3月1日`, `1950年月日不詳`, `年月日不詳`).
    pub fn to_seireki(&self) -> String {
        match (self.year, self.month, self.day) {
            (Some(y), Some(m), Some(d)) => format!("{y}年{m}月{d}日"),
            (Some(y), Some(m), None) => format!("{y}年{m}月日不詳"),
            (Some(y), None, _) => format!("{y}年月日不詳"),
            _ => "年月日不詳".into(),
        }
    }
}

impl fmt::Display for RecordedDate {
    /// The canonical text: `YYYY-MM-DD`, `00` for an unknown part.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.year.unwrap_or(0),
            self.month.unwrap_or(0),
            self.day.unwrap_or(0)
        )
    }
}

/// What [`read_date`] understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateReading {
    /// The date.
    pub date: RecordedDate,
    /// The 和暦 as written, when it lies outside its era (`平成31年5月1日`): the date is the
    /// day it names, and the era is worth a word to the person who wrote it.
    pub outside_era: Option<String>,
}

impl DateReading {
    /// For a date written outside its era, the same day in its right era
    /// (`令和元年5月1日` for `平成31年5月1日`).
    pub fn right_era(&self) -> Option<String> {
        self.outside_era.as_ref()?;
        Wareki::from_day(self.date.calendar_day()?)
            .ok()
            .map(|w| w.to_string())
    }
}

/// The one-kanji era abbreviations of paper forms (明・大・昭・平・令).
fn era_of_kanji(c: char) -> Option<Era> {
    Some(match c {
        '明' => Era::Meiji,
        '大' => Era::Taisho,
        '昭' => Era::Showa,
        '平' => Era::Heisei,
        '令' => Era::Reiwa,
        _ => return None,
    })
}

/// The text without its 不詳 ending (`1950年月日不詳` → `1950年月日`), and whether it had one.
fn without_unknown_mark(text: &str) -> (bool, &str) {
    match text.strip_suffix("不詳") {
        Some(rest) => (true, rest),
        None => (false, text),
    }
}

/// Reads a date in any of the forms the module lists, with unknown parts allowed.
///
/// Errors: [`DateError::Unreadable`] (not a date), [`DateError::Impossible`] (13月, 2月30日
/// of a known day, 平成0年), [`DateError::BeforeSolarCalendar`]. A whole date the calendar
/// lacks is returned as read; [`RecordedDate::is_off_calendar`] tells.
pub fn read_date(text: &str) -> Result<DateReading, DateError> {
    let unreadable = || DateError::Unreadable(text.to_owned());
    let folded: String = text
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '.' | '・' => '/',
            c if crate::validate::DASHES.contains(&c) => '/',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let folded = replace_kanji_numbers(&folded);
    let (marked_unknown, body) = without_unknown_mark(&folded);
    // Split off the era: in kanji, as one kanji, or as one letter.
    let mut era = None;
    let mut rest = body;
    if let Some(e) = Era::ALL.into_iter().find(|e| body.starts_with(e.kanji())) {
        era = Some(e);
        rest = &body[e.kanji().len()..];
    } else if let Some(first) = body.chars().next() {
        let by_letter = first
            .is_ascii_alphabetic()
            .then(|| Era::ALL.into_iter().find(|e| e.letter() == first));
        match by_letter {
            Some(Some(e)) => {
                era = Some(e);
                rest = &body[1..];
            }
            Some(None) => return Err(unreadable()),
            None => {
                if let Some(e) = era_of_kanji(first) {
                    era = Some(e);
                    rest = &body[first.len_utf8()..];
                }
            }
        }
    }
    let rest = match rest.strip_prefix("元") {
        Some(after) => format!("1{after}"),
        None => rest.to_owned(),
    };
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mut parts: Vec<&str>;
    if marked_unknown {
        // 1950年月日(不詳), 1950年3月日(不詳), 年月日(不詳), (不詳): each part before its own
        // marker, empty where unknown, and nothing known after an unknown part.
        parts = Vec::new();
        let mut left = rest.as_str();
        for marker in ['年', '月', '日'] {
            if left.is_empty() {
                break;
            }
            let (part, after) = left.split_once(marker).ok_or_else(unreadable)?;
            if !digits(part) {
                return Err(unreadable());
            }
            parts.push(part);
            left = after;
        }
        if !left.is_empty() || parts.len() == 3 && parts.iter().all(|p| !p.is_empty()) {
            return Err(unreadable());
        }
        let first_unknown = parts
            .iter()
            .position(|p| p.is_empty())
            .unwrap_or(parts.len());
        if parts[first_unknown..].iter().any(|p| !p.is_empty()) {
            return Err(DateError::UnknownBeforeKnown(text.trim().to_owned()));
        }
        parts.truncate(first_unknown);
    } else {
        parts = rest
            .split(['年', '月', '日', '/'])
            .filter(|p| !p.is_empty())
            .collect();
        if !parts.iter().all(|p| digits(p)) {
            return Err(unreadable());
        }
        // Compact forms: 20240401 (西暦) or R060401 (和暦, two-digit era year).
        if let [one] = parts.as_slice() {
            let one = *one;
            let split_at = if era.is_none() { 4 } else { 2 };
            if one.len() != split_at + 4 {
                return Err(unreadable());
            }
            parts = vec![
                &one[..split_at],
                &one[split_at..split_at + 2],
                &one[split_at + 2..],
            ];
        }
        if parts.len() != 3 {
            return Err(unreadable());
        }
    }
    let numbers: Vec<u32> = parts
        .iter()
        .map(|p| p.parse::<u32>().map_err(|_| unreadable()))
        .collect::<Result<_, _>>()?;
    // The file form writes unknown parts as zeros (1950-00-00).
    let y = numbers.first().copied().filter(|n| *n != 0);
    let m = numbers.get(1).copied().filter(|n| *n != 0);
    let d = numbers.get(2).copied().filter(|n| *n != 0);
    if era.is_some() && numbers.first() == Some(&0) {
        return Err(DateError::Impossible(format!(
            "{}0年",
            era.map(Era::kanji).unwrap_or("")
        )));
    }
    if y.is_none() && (m.is_some() || d.is_some()) || m.is_none() && d.is_some() {
        return Err(DateError::UnknownBeforeKnown(text.trim().to_owned()));
    }
    if m.is_some_and(|m| !(1..=12).contains(&m)) || d.is_some_and(|d| !(1..=31).contains(&d)) {
        return Err(DateError::Impossible(shown(era, y, m, d)));
    }
    let mut outside_era = None;
    let mut year = y.map(|y| y as i32);
    if let (Some(era), Some(era_year)) = (era, y) {
        let gregorian = era.first_day().year + era_year as i32 - 1;
        let named = CivilDay {
            year: gregorian,
            month: m.unwrap_or(12),
            day: d
                .unwrap_or(31)
                .min(days_in_month(gregorian, m.unwrap_or(12))),
        };
        let earliest = CivilDay {
            year: gregorian,
            month: m.unwrap_or(1),
            day: d.unwrap_or(1),
        };
        if named < era.first_day() || era.next().is_some_and(|n| earliest >= n.first_day()) {
            outside_era = Some(shown(Some(era), Some(era_year), m, d));
        }
        year = Some(gregorian);
    }
    if era.is_none() && year.is_some_and(|y| y < 1000) {
        return Err(unreadable());
    }
    let date = RecordedDate {
        year,
        month: m,
        day: d,
    };
    if let Some(day) = date.calendar_day() {
        if day < FIRST_SOLAR_DAY {
            return Err(DateError::BeforeSolarCalendar(shown(
                era,
                numbers.first().copied(),
                date.month,
                date.day,
            )));
        }
    } else if let Some(year) = date.year
        && year < FIRST_SOLAR_DAY.year
    {
        return Err(DateError::BeforeSolarCalendar(date.to_seireki()));
    }
    Ok(DateReading { date, outside_era })
}

/// A date as written, for messages (`平成31年5月1日`, `2023年2月29日`).
fn shown(era: Option<Era>, y: Option<u32>, m: Option<u32>, d: Option<u32>) -> String {
    let mut out = String::new();
    match (era, y) {
        (Some(era), Some(1)) => out.push_str(&format!("{}元年", era.kanji())),
        (Some(era), Some(y)) => out.push_str(&format!("{}{y}年", era.kanji())),
        (None, Some(y)) => out.push_str(&format!("{y}年")),
        (_, None) => {}
    }
    if let Some(m) = m {
        out.push_str(&format!("{m}月"));
    }
    if let Some(d) = d {
        out.push_str(&format!("{d}日"));
    }
    out
}

/// Reads one whole calendar day (西暦 or 和暦, in the forms the module lists). A 和暦 day
/// outside its era is the day it names; use [`read_date`] to warn about it.
///
/// Errors: as [`read_date`], plus [`DateError::Unknown`] for a date with unknown parts and
/// [`DateError::Impossible`] for a day the calendar lacks.
pub fn parse_date(text: &str) -> Result<CivilDay, DateError> {
    let reading = read_date(text)?;
    if reading.date.has_unknown_parts() {
        return Err(DateError::Unknown(reading.date.to_japanese()));
    }
    reading
        .date
        .calendar_day()
        .ok_or_else(|| DateError::Impossible(text.trim().to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> CivilDay {
        CivilDay::new(y, m, d).unwrap()
    }

    /// The one-character era sign an IME offers for each era.
    fn sign(era: Era) -> char {
        match era {
            Era::Meiji => '㍾',
            Era::Taisho => '㍽',
            Era::Showa => '㍼',
            Era::Heisei => '㍻',
            Era::Reiwa => '㋿',
        }
    }

    fn full_width(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '0'..='9' | 'A'..='Z' | 'a'..='z' | '.' | '/' | '-' => {
                    char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
                }
                c => c,
            })
            .collect()
    }

    fn kanji(n: u32) -> String {
        const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        let (tens, ones) = (n / 10, n % 10);
        let tens = match tens {
            0 => String::new(),
            1 => "十".to_owned(),
            t => format!("{}十", DIGITS[t as usize]),
        };
        format!("{tens}{}", DIGITS[ones as usize])
    }

    /// Every way of writing one era date that a counter or a citizen uses.
    fn written_forms(era: Era, y: u32, m: u32, d: u32) -> Vec<String> {
        let year = if y == 1 {
            "元".to_owned()
        } else {
            y.to_string()
        };
        let l = era.letter();
        let mut forms = vec![
            format!("{}{year}年{m}月{d}日", era.kanji()),
            format!("{}{y}年{m}月{d}日", era.kanji()),
            format!("{} {year}年 {m}月 {d}日", era.kanji()),
            format!("{}{y}.{m}.{d}", &era.kanji()[..3]),
            format!("{l}{y}.{m}.{d}"),
            format!("{l}{y}/{m}/{d}"),
            format!("{l}{y}-{m}-{d}"),
            format!("{l}{y}年{m}月{d}日"),
            format!("{l}{y:02}{m:02}{d:02}"),
            format!("{}{y}.{m}.{d}", l.to_ascii_lowercase()),
            format!("{}{year}年{m}月{d}日", sign(era)),
            format!("{}{y}.{m}.{d}", sign(era)),
            full_width(&format!("{}{year}年{m}月{d}日", era.kanji())),
            full_width(&format!("{l}{y}.{m}.{d}")),
            format!(
                "{}{}年{}月{}日",
                era.kanji(),
                if y == 1 { "元".to_owned() } else { kanji(y) },
                kanji(m),
                kanji(d)
            ),
        ];
        forms.dedup();
        forms
    }

    fn seireki_forms(day: CivilDay) -> Vec<String> {
        let (y, m, d) = (day.year, day.month, day.day);
        let digits = |n: i32| -> String {
            n.to_string()
                .chars()
                .map(|c| {
                    ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
                        [c.to_digit(10).unwrap() as usize]
                })
                .collect()
        };
        vec![
            format!("{y:04}-{m:02}-{d:02}"),
            format!("{y}/{m}/{d}"),
            format!("{y}.{m}.{d}"),
            format!("{y:04}{m:02}{d:02}"),
            format!("{y}年{m}月{d}日"),
            full_width(&format!("{y}年{m}月{d}日")),
            full_width(&format!("{y}-{m}-{d}")),
            format!("{}年{}月{}日", digits(y), kanji(m), kanji(d)),
        ]
    }

    /// The last day of each era and the first of the next, in every written form: read as
    /// that day; and each written in the other era: read as the day it names, with a note
    /// giving the right era.
    #[test]
    fn every_form_on_every_era_boundary() {
        let mut checked = 0;
        for next in [Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa] {
            let previous = Era::ALL[Era::ALL.iter().position(|e| *e == next).unwrap() - 1];
            let first = next.first_day();
            let last = civil_day_before(first);
            for (d, era) in [(last, previous), (first, next)] {
                let w = Wareki::from_day(d).unwrap();
                assert_eq!(w.era, era);
                for text in written_forms(era, w.year, w.month, w.day)
                    .into_iter()
                    .chain(seireki_forms(d))
                {
                    let reading = read_date(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(reading.date, RecordedDate::known(d), "{text}");
                    assert_eq!(reading.outside_era, None, "{text}");
                    assert_eq!(parse_date(&text), Ok(d), "{text}");
                    checked += 1;
                }
            }
            // The first day of the new era written in the old one, and the other way round.
            let written_past = (
                previous,
                (first.year - previous.first_day().year + 1) as u32,
                first,
            );
            let written_before = (next, 1, last);
            for (era, year, d) in [written_past, written_before] {
                let right = Wareki::from_day(d).unwrap().to_string();
                for text in written_forms(era, year, d.month, d.day) {
                    let reading = read_date(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(reading.date, RecordedDate::known(d), "{text}");
                    assert!(reading.outside_era.is_some(), "{text}");
                    assert_eq!(
                        reading.right_era().as_deref(),
                        Some(right.as_str()),
                        "{text}"
                    );
                    checked += 1;
                }
            }
        }
        eprintln!("{checked} written dates checked on the era boundaries");
        assert!(checked > 200, "{checked} forms checked");
    }

    fn civil_day_before(d: CivilDay) -> CivilDay {
        crate::calendar::civil_from_days(d.days_since_epoch() - 1)
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(parse_date("R6.4.1"), Ok(day(2024, 4, 1)));
        assert_eq!(parse_date("令和6年4月1日"), Ok(day(2024, 4, 1)));
        assert_eq!(parse_date("㍻31年4月30日"), Ok(day(2019, 4, 30)));
        assert_eq!(parse_date("令和６年４月１日"), Ok(day(2024, 4, 1)));
        let past = read_date("平成31年5月1日").unwrap();
        assert_eq!(past.date, RecordedDate::known(day(2019, 5, 1)));
        assert_eq!(past.outside_era.as_deref(), Some("平成31年5月1日"));
        assert_eq!(past.right_era().as_deref(), Some("令和元年5月1日"));
        // A long way past the end is still the day it names (昭和100年 = 2025).
        assert_eq!(parse_date("昭和100年1月1日"), Ok(day(2025, 1, 1)));
    }

    #[test]
    fn impossible_and_unreadable_dates() {
        for text in [
            "令和5年2月29日",
            "2023-02-29",
            "2024-13-01",
            "令和6年4月31日",
            "平成0年1月1日",
        ] {
            assert!(
                matches!(parse_date(text), Err(DateError::Impossible(_))),
                "{text}: {:?}",
                parse_date(text)
            );
        }
        assert!(parse_date("2024-02-29").is_ok());
        for text in [
            "",
            "昨日",
            "令和",
            "X5.1.1",
            "2024-1",
            "12345678901",
            "24/4/1",
            "R6.4",
            "令和6年4月1日2",
        ] {
            assert!(
                matches!(parse_date(text), Err(DateError::Unreadable(_))),
                "{text}: {:?}",
                parse_date(text)
            );
        }
        assert!(matches!(
            parse_date("明治5年12月2日"),
            Err(DateError::BeforeSolarCalendar(_))
        ));
        assert!(matches!(
            parse_date("1950-00-00"),
            Err(DateError::Unknown(_))
        ));
    }

    #[test]
    fn unknown_parts_as_the_register_holds_them() {
        let cases = [
            ("1950-00-00", "1950-00-00", "昭和25年月日不詳"),
            ("19500000", "1950-00-00", "昭和25年月日不詳"),
            ("1950年月日不詳", "1950-00-00", "昭和25年月日不詳"),
            ("昭和25年月日不詳", "1950-00-00", "昭和25年月日不詳"),
            ("S25年月日不詳", "1950-00-00", "昭和25年月日不詳"),
            ("1950年3月日不詳", "1950-03-00", "昭和25年3月日不詳"),
            ("1950-03-00", "1950-03-00", "昭和25年3月日不詳"),
            ("年月日不詳", "0000-00-00", "年月日不詳"),
            ("不詳", "0000-00-00", "年月日不詳"),
            ("0000-00-00", "0000-00-00", "年月日不詳"),
            // A year of two eras is shown in 西暦.
            ("1989-00-00", "1989-00-00", "1989年月日不詳"),
            ("1989-01-00", "1989-01-00", "1989年1月日不詳"),
            ("1989-02-00", "1989-02-00", "平成元年2月日不詳"),
        ];
        for (text, canonical, shown) in cases {
            let reading = read_date(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(reading.date.to_string(), canonical, "{text}");
            assert_eq!(reading.date.to_japanese(), shown, "{text}");
            assert!(reading.date.has_unknown_parts());
        }
        for bad in ["1950-00-05", "0000-03-01", "1950年月5日不詳"] {
            assert!(
                matches!(read_date(bad), Err(DateError::UnknownBeforeKnown(_))),
                "{bad}: {:?}",
                read_date(bad)
            );
        }
        // A day the calendar lacks, as a 戸籍 may hold it (§1.1.8): read, and told apart.
        let off = read_date("1900-02-29").unwrap();
        assert!(off.date.is_off_calendar());
        assert_eq!(off.date.to_japanese(), "明治33年2月29日");
    }

    #[test]
    fn every_day_round_trips_through_wareki() {
        let mut d = FIRST_SOLAR_DAY;
        let last = day(2100, 12, 31);
        let mut count = 0;
        while d <= last {
            let w = Wareki::from_day(d).unwrap();
            assert_eq!(w.to_day(), Some(d));
            assert_eq!(parse_date(&w.to_string()), Ok(d));
            let short = format!("{}{}.{}.{}", w.era.letter(), w.year, w.month, w.day);
            assert_eq!(parse_date(&short), Ok(d));
            assert_eq!(RecordedDate::known(d).to_japanese(), w.to_string());
            d = d.next();
            count += 1;
        }
        assert_eq!(count, FIRST_SOLAR_DAY.days_until(last) + 1);
    }
}
