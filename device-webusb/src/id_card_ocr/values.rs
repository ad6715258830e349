//! Values as the visit stores them, from what a scanner's OCR wrote.
//!
//! | item | stored | read from, for example |
//! |---|---|---|
//! | dates (生年月日, 在留期間満了日) | `YYYY-MM-DD` | `令和6年4月1日`, `R06.04.01`, `1990/04/01`, `19900401`, `1990年4月1日`, `01 APR 1990`, `１９９０年０４月０１日生` |
//! | 性別 | `male` / `female` | `男`, `女性`, `M`, `F`, `Male`, `1` / `2` (JIS X 0303) |
//! | other items of a normalising kind (フリガナ, 在留カード番号) | their canonical form ([`Kind::canonical`]); as read (trimmed) when it has none, for the visit's validation to judge | `ﾀｶｻｷ ﾀﾛｳ`, `ab12345678cd` |
//! | choices (外国人住民の区分) | the choice's id, matched by id or label | `中長期在留者` |
//! | printed Latin text (アルファベット氏名, 国籍・地域, 在留資格, 在留期間) | NFKC, one space between words | `ＮＧＵＹＥＮ　ＶＡＮ　ＡＮ` |
//! | 氏名, 住所 | as read, trimmed (NFKC would change some kanji; 〓 stays and is reported) | |

use shared_model::calendar::CivilDay;
use shared_model::catalog::{Catalog, Kind};
use shared_model::document_read::item_value;
use unicode_normalization::UnicodeNormalization;

use super::OcrError;

/// Items whose text is printed in a font where full-width forms are noise: NFKC-folded.
const FOLDED: [&str; 5] = [
    "person.alphabet_name",
    "person.nationality",
    "person.residence_status",
    "person.residence_period",
    "person.residence_card_number",
];

/// The stored value of `item` read as `value` from the field named `field`.
///
/// Errors: [`OcrError::BadDate`] for a date item whose value is not a date,
/// [`OcrError::BadValue`] for a 性別 that is neither.
pub fn normalise(item: &str, field: &str, value: &str) -> Result<String, OcrError> {
    let joined = one_line(value);
    let value = joined.as_str();
    if value.is_empty() {
        return Ok(String::new());
    }
    let kind = Catalog::builtin().items.get(item).map(|i| i.kind);
    if kind == Some(Kind::Date) {
        return date(value).ok_or_else(|| OcrError::BadDate {
            field: field.to_owned(),
            value: value.to_owned(),
        });
    }
    if item == "person.sex" {
        return sex(value)
            .map(str::to_owned)
            .ok_or_else(|| OcrError::BadValue {
                field: field.to_owned(),
                value: value.to_owned(),
            });
    }
    let value = if FOLDED.contains(&item) {
        words(&value.nfkc().collect::<String>())
    } else {
        value.to_owned()
    };
    Ok(match kind {
        Some(Kind::Choice) => item_value(item, &value).unwrap_or(value),
        Some(kind) => kind.canonical(&value).unwrap_or(value),
        None => value,
    })
}

/// A date in `YYYY-MM-DD`: 和暦 and 西暦 as [`shared_model::calendar::read_date`] reads
/// them, and `DD MMM YYYY` (`01 APR 1990`, `1 Apr. 1990`, `01APR1990`) as a 在留カード
/// prints it; `生` and `まで(有効)` after the date are left out.
pub fn date(text: &str) -> Option<String> {
    let folded: String = text.nfkc().collect();
    let folded = folded.trim();
    let folded = ["まで有効", "まで", "生"]
        .iter()
        .find_map(|s| folded.strip_suffix(s))
        .unwrap_or(folded)
        .trim();
    if let Some(day) = english_date(folded) {
        return Some(day.to_string());
    }
    Kind::Date.canonical(folded).ok()
}

/// `01 APR 1990`, `APR 01 1990`, `1 Apr. 1990`, `01APR1990`.
fn english_date(text: &str) -> Option<CivilDay> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let mut letters = Vec::new();
    let mut numbers = Vec::new();
    let mut run = String::new();
    let flush = |run: &mut String, letters: &mut Vec<String>, numbers: &mut Vec<String>| {
        if run.is_empty() {
            return;
        }
        if run.chars().all(|c| c.is_ascii_digit()) {
            numbers.push(std::mem::take(run));
        } else {
            letters.push(std::mem::take(run));
        }
    };
    for c in text.chars() {
        let joins = run
            .chars()
            .last()
            .is_none_or(|l| l.is_ascii_digit() == c.is_ascii_digit());
        if c.is_ascii_alphanumeric() && joins {
            run.push(c.to_ascii_uppercase());
        } else {
            flush(&mut run, &mut letters, &mut numbers);
            if c.is_ascii_alphanumeric() {
                run.push(c.to_ascii_uppercase());
            } else if !matches!(c, ' ' | '.' | ',' | '-' | '/') {
                return None;
            }
        }
    }
    flush(&mut run, &mut letters, &mut numbers);
    let [month] = letters.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| month.starts_with(m))? as u32 + 1;
    let [a, b] = numbers.as_slice() else {
        return None;
    };
    let (day, year) = if a.len() == 4 { (b, a) } else { (a, b) };
    if year.len() != 4 || day.len() > 2 {
        return None;
    }
    CivilDay::new(year.parse().ok()?, month, day.parse().ok()?)
}

/// `male` / `female` ([`item_value`]'s reading of `person.sex`: 男/女, 男性/女性, M/F,
/// MALE/FEMALE, ISO/IEC 5218's 1/2, in any width).
pub fn sex(text: &str) -> Option<&'static str> {
    match item_value("person.sex", text).ok()?.as_str() {
        "male" => Some("male"),
        "female" => Some("female"),
        _ => None,
    }
}

/// The lines of a value wrapped as the card prints it, joined: with a space between Latin
/// letters or digits (`NGUYEN` / `VAN AN`), directly otherwise (`群馬県高崎市` / `高松町1`).
fn one_line(value: &str) -> String {
    let mut out = String::new();
    for line in value.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if latin(out.chars().last()) && latin(line.chars().next()) {
            out.push(' ');
        }
        out.push_str(line);
    }
    out
}

/// Words joined by one space.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a 在留期間 printed with its end (`5年（2029年04月01日）`, `3年 (2027年4月1日まで)`)
/// into the period and the date of its end, when the parenthesis holds a date.
pub fn period_and_end(period: &str) -> Option<(String, String)> {
    let open = period.find('(')?;
    let inner = period[open + 1..].trim_end().strip_suffix(')')?;
    let end = date(inner)?;
    Some((period[..open].trim().to_owned(), end))
}

/// Whether a name is written in Latin letters (a 在留カード's 氏名).
pub fn is_latin(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| {
            c.is_ascii_alphabetic() || c.is_whitespace() || matches!(c, ',' | '-' | '.' | '\'')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_every_notation_of_the_issue() {
        for (text, want) in [
            ("令和6年4月1日", "2024-04-01"),
            ("R06.04.01", "2024-04-01"),
            ("1990/04/01", "1990-04-01"),
            ("19900401", "1990-04-01"),
            ("1990年4月1日", "1990-04-01"),
            ("01 APR 1990", "1990-04-01"),
            ("1 Apr. 1990", "1990-04-01"),
            ("01APR1990", "1990-04-01"),
            ("APR 01 1990", "1990-04-01"),
            ("１９９０年０４月０１日", "1990-04-01"),
            ("平成2年4月1日生", "1990-04-01"),
            ("令和11年05月01日まで有効", "2029-05-01"),
            ("S40.12.31", "1965-12-31"),
        ] {
            assert_eq!(date(text).as_deref(), Some(want), "{text}");
        }
        for text in [
            "32 APR 1990",
            "01 XYZ 1990",
            "APR 1990",
            "〓〓年4月1日",
            "1990/13/01",
        ] {
            assert_eq!(date(text), None, "{text}");
        }
    }

    #[test]
    fn sex_and_the_items_of_a_residence_card() {
        for (text, want) in [
            ("男", "male"),
            ("女", "female"),
            ("M", "male"),
            ("f", "female"),
            ("女性", "female"),
            ("２", "female"),
        ] {
            assert_eq!(sex(text), Some(want), "{text}");
        }
        assert_eq!(sex("X"), None);
        assert_eq!(
            normalise("person.sex", "Sex", "不明"),
            Err(OcrError::BadValue {
                field: "Sex".into(),
                value: "不明".into()
            })
        );
        assert_eq!(
            normalise("person.birth_date", "生年月日", "1990年13月1日"),
            Err(OcrError::BadDate {
                field: "生年月日".into(),
                value: "1990年13月1日".into()
            })
        );
        assert_eq!(
            normalise(
                "person.alphabet_name",
                "Name",
                "ＮＧＵＹＥＮ　ＶＡＮ　 ＡＮ"
            )
            .unwrap(),
            "NGUYEN VAN AN"
        );
        assert_eq!(
            normalise(
                "person.residence_card_number",
                "番号",
                "ＡＢ１２３４５６７８ＣＤ"
            )
            .unwrap(),
            "AB12345678CD"
        );
        // Not a card number: kept as read, for the visit's validation to say so.
        assert_eq!(
            normalise("person.residence_card_number", "番号", "AB1234").unwrap(),
            "AB1234"
        );
        assert_eq!(
            normalise("person.kana", "フリガナ", "ﾀｶｻｷ ﾀﾛｳ").unwrap(),
            "タカサキ　タロウ"
        );
        assert_eq!(
            normalise("person.foreign_category", "区分", "中長期在留者").unwrap(),
            "mid_long_term"
        );
        assert_eq!(
            normalise(
                "person.residence_status",
                "在留資格",
                "技術･人文知識･国際業務"
            )
            .unwrap(),
            "技術・人文知識・国際業務"
        );
        // Names and addresses stay as printed (no NFKC on kanji); 〓 stays.
        assert_eq!(
            normalise("person.name", "氏名", " 髙〓 太郎 ").unwrap(),
            "髙〓 太郎"
        );
        assert_eq!(
            period_and_end("5年（2029年04月01日）".nfkc().collect::<String>().as_str()),
            Some(("5年".into(), "2029-04-01".into()))
        );
        assert_eq!(period_and_end("5年"), None);
        assert_eq!(
            normalise("household.address", "住所", "群馬県高崎市\r\n 高松町1\n").unwrap(),
            "群馬県高崎市高松町1"
        );
        assert_eq!(
            normalise("person.name", "Name", "NGUYEN\nVAN AN").unwrap(),
            "NGUYEN VAN AN"
        );
        assert!(is_latin("NGUYEN VAN AN"));
        assert!(is_latin("O'BRIEN, MARY-ANN"));
        assert!(!is_latin("王 小明"));
    }
}
