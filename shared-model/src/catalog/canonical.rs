//! Canonical values: for each [`Kind`] whose values people write in more than one way, the
//! one form the visit stores, the paper shows and the batch file carries. The counter writes
//! it into the visit when a field is left ([`Kind::canonical`]), validation reads through it,
//! and the print and the export render from it ([`render`]), refusing what has none.
//!
//! | kind | canonical form | typed, for example |
//! |---|---|---|
//! | フリガナ | full-width katakana, one full-width space between words | `ﾀｶｻｷ ﾊﾅｺ`, `たかさき　はなこ` |
//! | 日付 | `YYYY-MM-DD` (`00` for what is 不詳) | `R6.4.1`, `㍻31年4月30日`, `令和六年四月一日` |
//! | 郵便番号 | `NNN-NNNN` | `〒３７０－０８２９`, `3700829` |
//! | 電話 | ASCII digits, groups joined by `-` as written | `０２７（３２１）１１１１` |
//! | 個人番号 | 12 ASCII digits | `1234 5678 9018` |
//! | 宛名番号・世帯番号 | ASCII digits | `０００１２３４５６` |
//! | 在留カード番号 | 2 capitals, 8 digits, 2 capitals | `ab12345678cd` |
//! | 口座番号 | 7 ASCII digits, leading zeros | `１２３４５６７`, `12345` (→ `0012345`) |
//! | 金融機関コード・店番 | 4 / 3 ASCII digits, leading zeros kept | `０１２８`, `0-1-8` |
//! | 金額 (円) | ASCII digits, no grouping or leading zero | `１，２３４，５６７円` |
//! | 続柄 | the 標準仕様書 §1.1.11 notation | `妻(未届)`, `子 の 妻` |
//! | 通数 | ASCII digits, no leading zero | `０３` |
//! | text, choices, yes/no | as entered (outer spaces trimmed) | |
//!
//! ```
//! use shared_model::catalog::Kind;
//!
//! assert_eq!(Kind::Kana.canonical("ﾀｶｻｷ ﾊﾅｺ").unwrap(), "タカサキ　ハナコ");
//! assert_eq!(Kind::PostalCode.canonical("〒３７０－０８２９").unwrap(), "370-0829");
//! assert_eq!(Kind::Date.canonical("㍻31年4月30日").unwrap(), "2019-04-30");
//! assert!(Kind::PostalCode.canonical("370-082").is_err());
//! ```

use super::{Choice, Kind};
use crate::calendar::read_date;
use crate::validate::{
    Code, Finding, check_account_number, check_amount, check_atena_number, check_bank_code,
    check_date_text, check_kana, check_my_number, check_phone, check_postal_code,
    check_relationship, check_residence_card_number,
};

impl Kind {
    /// Whether values of this kind have more than one way of being written, so that the
    /// counter rewrites them in their canonical form when a field is left.
    pub fn normalises(self) -> bool {
        !matches!(self, Kind::Text | Kind::Choice | Kind::Flag)
    }

    /// The canonical form of a value of this kind (see the module's table).
    ///
    /// Errors: the [`Finding`] validation gives for the value (a フリガナ with kanji, a
    /// 郵便番号 of six digits, a date that is not one …). An empty value is canonical as
    /// the empty text.
    pub fn canonical(self, text: &str) -> Result<String, Finding> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(String::new());
        }
        match self {
            Kind::Text | Kind::Choice | Kind::Flag => Ok(trimmed.to_owned()),
            Kind::Kana => check_kana(trimmed),
            Kind::Date => check_date_text(trimmed).map(|reading| reading.date.to_string()),
            Kind::PostalCode => check_postal_code(trimmed),
            Kind::Phone => check_phone(trimmed),
            Kind::MyNumber => check_my_number(trimmed),
            Kind::AtenaNumber => check_atena_number(trimmed),
            Kind::ResidenceCard => check_residence_card_number(trimmed),
            Kind::AccountNumber => check_account_number(trimmed),
            Kind::BankCode => check_bank_code(trimmed, 4),
            Kind::BranchCode => check_bank_code(trimmed, 3),
            Kind::Amount => check_amount(trimmed),
            Kind::Relationship => check_relationship(trimmed),
            Kind::Counts => {
                let digits = ascii_digits(trimmed);
                match digits.parse::<u32>() {
                    Ok(n) if n <= 99 && digits.chars().count() == trimmed.chars().count() => {
                        Ok(n.to_string())
                    }
                    _ => Err(Finding::error(
                        Code::CountInvalid,
                        format!("通数は0から99までの数字で入力してください (「{trimmed}」)。"),
                        format!("Enter a count from 0 to 99 (\"{trimmed}\")."),
                    )),
                }
            }
        }
    }
}

/// ASCII digits of a 通数 written in full width.
fn ascii_digits(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '0'..='9' => Some(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
            _ => None,
        })
        .collect()
}

/// Where a value is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// The A4 print: dates in 和暦 (`令和6年4月1日`, `昭和25年月日不詳`), choices by their
    /// label, yes/no as ☑ / ☐.
    Paper,
    /// A batch file to the core system: dates as `YYYY-MM-DD` (`00` for 不詳), choices by
    /// their label, yes/no as `1` / `0`.
    Batch,
}

/// A value as `medium` shows it, from its canonical form. `choices` are the field's (for
/// choice kinds). An empty value renders as empty.
///
/// Errors: a value that has no canonical form (validation's [`Finding`]); the print and the
/// export show it as a refusal with that reason, never as it was typed.
pub fn render(
    kind: Kind,
    choices: &[Choice],
    raw: &str,
    medium: Medium,
) -> Result<String, Finding> {
    let value = kind.canonical(raw)?;
    if value.is_empty() {
        return Ok(value);
    }
    Ok(match kind {
        Kind::Date => match medium {
            Medium::Batch => value,
            Medium::Paper => read_date(&value)
                .map(|reading| reading.date.to_japanese())
                .unwrap_or(value),
        },
        Kind::Choice => match choices.iter().find(|c| c.id == value) {
            Some(choice) => choice.label.ja.clone(),
            None => {
                let shown: Vec<&str> = choices.iter().map(|c| c.label.ja.as_str()).collect();
                return Err(Finding::error(
                    Code::ChoiceUnknown,
                    format!("「{value}」は選択肢にありません。{}", shown.join("・")),
                    format!("\"{value}\" is not one of the choices."),
                ));
            }
        },
        Kind::Flag => {
            let yes = matches!(value.as_str(), "true" | "1");
            match (medium, yes) {
                (Medium::Paper, true) => "☑".into(),
                (Medium::Paper, false) => "☐".into(),
                (Medium::Batch, true) => "1".into(),
                (Medium::Batch, false) => "0".into(),
            }
        }
        Kind::Amount => match medium {
            Medium::Batch => value,
            Medium::Paper => format!("{}円", group_thousands(&value)),
        },
        _ => value,
    })
}

/// `1234567` as `1,234,567`.
fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_normalising_kind_has_one_form() {
        let cases: &[(Kind, &[&str], &str)] = &[
            (
                Kind::Kana,
                &["ﾀｶｻｷ ﾊﾅｺ", "たかさき　はなこ", "タカサキ  ハナコ"],
                "タカサキ　ハナコ",
            ),
            (
                Kind::Date,
                &[
                    "R6.4.1",
                    "令和６年４月１日",
                    "令和六年四月一日",
                    "2024/4/1",
                    "r6-4-1",
                ],
                "2024-04-01",
            ),
            (
                Kind::PostalCode,
                &["〒３７０－０８２９", "3700829", "370 0829"],
                "370-0829",
            ),
            (
                Kind::Phone,
                &[
                    "０２７－３２１－１１１１",
                    "027 321 1111",
                    "(027)321-1111",
                    "０２７（３２１）１１１１",
                ],
                "027-321-1111",
            ),
            (
                Kind::MyNumber,
                &[
                    "1234 5678 9018",
                    "１２３４５６７８９０１８",
                    "1234-5678-9018",
                ],
                "123456789018",
            ),
            (
                Kind::ResidenceCard,
                &["ab12345678cd", "ＡＢ１２３４５６７８ＣＤ", "AB 12345678 CD"],
                "AB12345678CD",
            ),
            (
                Kind::Relationship,
                &["妻(未届)", "妻（未届)", " 妻 （未届） "],
                "妻（未届）",
            ),
            (Kind::Counts, &["０３", "3", " 3 "], "3"),
            (
                Kind::AccountNumber,
                &["１２３４５６７", "123-4567", "1234567"],
                "1234567",
            ),
            (Kind::AccountNumber, &["12345", "００１２３４５"], "0012345"),
            (Kind::BankCode, &["０１２８", "0128", " 01-28 "], "0128"),
            (Kind::BranchCode, &["０１８", "018"], "018"),
            (
                Kind::Amount,
                &["１，２３４，５６７円", "1234567", "01,234,567"],
                "1234567",
            ),
        ];
        for (kind, typed, canonical) in cases {
            for t in *typed {
                assert_eq!(kind.canonical(t).as_deref(), Ok(*canonical), "{kind:?} {t}");
            }
            // The canonical form is its own canonical form.
            assert_eq!(
                kind.canonical(canonical).as_deref(),
                Ok(*canonical),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn paper_and_batch_render_from_the_canonical_form() {
        assert_eq!(
            render(Kind::Date, &[], "㍻31年4月30日", Medium::Paper).unwrap(),
            "平成31年4月30日"
        );
        assert_eq!(
            render(Kind::Date, &[], "㍻31年4月30日", Medium::Batch).unwrap(),
            "2019-04-30"
        );
        assert_eq!(
            render(Kind::Date, &[], "1950-00-00", Medium::Paper).unwrap(),
            "昭和25年月日不詳"
        );
        assert_eq!(
            render(Kind::Kana, &[], "ﾏｴﾊﾞｼ ｹﾝﾀ", Medium::Paper).unwrap(),
            "マエバシ　ケンタ"
        );
        assert_eq!(render(Kind::Flag, &[], "true", Medium::Batch).unwrap(), "1");
        assert_eq!(
            render(Kind::Amount, &[], "１２３４５６７円", Medium::Paper).unwrap(),
            "1,234,567円"
        );
        assert_eq!(
            render(Kind::Amount, &[], "0", Medium::Paper).unwrap(),
            "0円"
        );
        assert_eq!(
            render(Kind::Amount, &[], "1,000", Medium::Batch).unwrap(),
            "1000"
        );
        assert_eq!(
            render(Kind::PostalCode, &[], "370-082", Medium::Batch)
                .unwrap_err()
                .code,
            Code::PostalCodeFormat
        );
    }
}
