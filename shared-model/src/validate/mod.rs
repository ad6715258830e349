//! Validation as pure functions. Every check returns [`Finding`]s with a stable [`Code`], a
//! [`Severity`] (an error blocks confirmation, a warning only informs), and a message in
//! Japanese and English that tells the person what to fix.
//!
//! ```
//! use shared_model::validate::{Code, check_my_number};
//!
//! assert!(check_my_number("123456789018").is_ok());
//! assert_eq!(check_my_number("123456789012").unwrap_err().code, Code::MyNumberCheckDigit);
//! ```

mod bank;
mod contact;
mod deadline;
mod kana;
mod number;
mod postal_town;
mod relationship;

pub use bank::{check_bank_name, check_branch_name};
pub use contact::{check_phone, check_postal_code};
pub use deadline::{DeadlineRule, check_moved_on, check_notified_on};
pub use kana::{check_kana, katakana_as_typed, normalize_kana};
pub use number::{
    check_account_number, check_amount, check_atena_number, check_bank_code, check_my_number,
    check_residence_card_number, m11_check_digit, my_number_check_digit, read_reception_number,
};
pub use postal_town::{check_postal_code_town, takasaki_town};
pub use relationship::{KIOSK_RELATIONSHIPS, check_relationship};

use crate::calendar::{CivilDay, DateError, DateReading, read_date};

/// The hyphens, dashes, minus signs and long vowel marks people type between groups of
/// digits (370−0829, 027‐321‐1111) or for a long vowel: one set for every reader of typed
/// text (郵便番号, 電話, dates, フリガナ, the search key).
pub(crate) const DASHES: [char; 13] = [
    '-', '－', 'ー', '‐', '‑', '‒', '–', '—', '―', '−', 'ｰ', '﹣', '⁃',
];

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informs (a deadline passed); the form can still be confirmed.
    Warning,
    /// Must be fixed before the form is confirmed.
    Error,
}

/// The stable code of a finding (what the UI, the server and the logs key on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[allow(missing_docs)]
pub enum Code {
    Required,
    DateUnreadable,
    DateImpossible,
    DateOutsideEra,
    DateUnknownParts,
    DateOffCalendar,
    DateBeforeSolarCalendar,
    DateInFuture,
    NotifiedLate,
    ChildAllowanceLate,
    MovedAfterNotified,
    MyNumberFormat,
    MyNumberCheckDigit,
    AtenaNumberFormat,
    AtenaNumberCheckDigit,
    ResidenceCardFormat,
    AccountNumberFormat,
    ReceptionNumberFormat,
    KanaInvalid,
    RelationshipUnknown,
    RelationshipNotAllowed,
    RelationshipTooDeep,
    PostalCodeFormat,
    PostalCodeTown,
    PhoneFormat,
    ChoiceUnknown,
    CountInvalid,
    TooLong,
    /// The core system sent the form back (差戻し) about this field.
    SentBack,
    BankName,
    BranchName,
    BankCodeFormat,
    AmountFormat,
    /// A second 本人確認書類 that is the first one again.
    IdentitySecondSame,
    /// A rule of the form across its fields (forms.toml `[[forms.rule]]`).
    FormRule,
}

impl Code {
    /// The code as text (`date.outside_era`, …), stable across versions.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Required => "required",
            Code::DateUnreadable => "date.unreadable",
            Code::DateImpossible => "date.impossible",
            Code::DateOutsideEra => "date.outside_era",
            Code::DateUnknownParts => "date.unknown_parts",
            Code::DateOffCalendar => "date.off_calendar",
            Code::DateBeforeSolarCalendar => "date.before_1873",
            Code::DateInFuture => "date.in_future",
            Code::NotifiedLate => "deadline.notified_late",
            Code::ChildAllowanceLate => "deadline.child_allowance_15_days",
            Code::MovedAfterNotified => "deadline.moved_after_notified",
            Code::MyNumberFormat => "my_number.format",
            Code::MyNumberCheckDigit => "my_number.check_digit",
            Code::AtenaNumberFormat => "atena_number.format",
            Code::AtenaNumberCheckDigit => "atena_number.check_digit",
            Code::ResidenceCardFormat => "residence_card.format",
            Code::AccountNumberFormat => "account_number.format",
            Code::ReceptionNumberFormat => "reception_number.format",
            Code::KanaInvalid => "kana.invalid",
            Code::RelationshipUnknown => "relationship.unknown",
            Code::RelationshipNotAllowed => "relationship.not_allowed",
            Code::RelationshipTooDeep => "relationship.too_deep",
            Code::PostalCodeFormat => "postal_code.format",
            Code::PostalCodeTown => "postal_code.town",
            Code::PhoneFormat => "phone.format",
            Code::ChoiceUnknown => "choice.unknown",
            Code::CountInvalid => "count.invalid",
            Code::TooLong => "text.too_long",
            Code::SentBack => "exchange.sent_back",
            Code::BankName => "bank.name",
            Code::BranchName => "bank.branch",
            Code::BankCodeFormat => "bank.code",
            Code::AmountFormat => "amount.format",
            Code::IdentitySecondSame => "identity.second_same",
            Code::FormRule => "form.rule",
        }
    }
}

/// One problem with one value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// What to fix, in Japanese.
    pub message_ja: String,
    /// What to fix, in English.
    pub message_en: String,
}

impl Finding {
    /// An error.
    pub fn error(code: Code, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Error,
            message_ja: ja.into(),
            message_en: en.into(),
        }
    }

    /// A warning.
    pub fn warning(code: Code, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Warning,
            message_ja: ja.into(),
            message_en: en.into(),
        }
    }
}

/// Reads a date (西暦 or 和暦, in every form [`read_date`] takes), unknown parts (不詳) and
/// days the calendar lacks included, naming what is wrong.
pub fn check_date_text(text: &str) -> Result<DateReading, Finding> {
    read_date(text).map_err(|e| match e {
        // 元年 is the first year of an era: which era, it does not say.
        DateError::Unreadable(_) if text.trim().starts_with("元年") => Finding::error(
            Code::DateUnreadable,
            format!("「{text}」の元年の前に元号を付けてください (例: 令和元年5月1日、平成元年1月8日)。"),
            format!("\"{text}\": put the era before 元年 (e.g. 令和元年5月1日)."),
        ),
        DateError::Unreadable(_) => Finding::error(
            Code::DateUnreadable,
            format!("「{text}」は日付として読めません。例: 2027-02-01、令和9年2月1日、R9.2.1"),
            format!("\"{text}\" is not a date. Examples: 2027-02-01, 令和9年2月1日, R9.2.1"),
        ),
        DateError::UnknownBeforeKnown(shown) => Finding::error(
            Code::DateImpossible,
            format!("「{shown}」: 月が不詳なら日も、年が不詳なら月日も不詳と書いてください (例: 1950-00-00、1950年3月日不詳)。"),
            format!("\"{shown}\": with an unknown month the day is unknown too (e.g. 1950-00-00)."),
        ),
        DateError::Impossible(shown) => Finding::error(
            Code::DateImpossible,
            format!("{shown} は存在しない日付です。月と日を確かめてください。"),
            format!("{shown} does not exist. Check the month and day."),
        ),
        DateError::BeforeSolarCalendar(shown) => Finding::error(
            Code::DateBeforeSolarCalendar,
            format!("{shown} は明治6年(1873年)より前の日付で、扱えません。"),
            format!("{shown} is before 1873 and cannot be handled."),
        ),
        DateError::Unknown(shown) => unknown_parts(&shown),
    })
}

fn unknown_parts(shown: &str) -> Finding {
    Finding::error(
        Code::DateUnknownParts,
        format!(
            "{shown} は日付が確定していません。年月日をすべて入力してください (不詳は生年月日だけに使えます)。"
        ),
        format!(
            "{shown} has unknown parts; enter the whole date (不詳 is only for dates of birth)."
        ),
    )
}

/// Reads one whole calendar day (西暦 or 和暦), naming what is wrong.
pub fn check_date(text: &str) -> Result<CivilDay, Finding> {
    let reading = check_date_text(text)?;
    if reading.date.has_unknown_parts() {
        return Err(unknown_parts(&reading.date.to_japanese()));
    }
    reading.date.calendar_day().ok_or_else(|| {
        Finding::error(
            Code::DateImpossible,
            format!(
                "{} は存在しない日付です。月と日を確かめてください。",
                text.trim()
            ),
            format!("{} does not exist. Check the month and day.", text.trim()),
        )
    })
}

/// Checks a date field: errors for what cannot be read, and, where `unknown_parts` is false,
/// for 不詳 and days the calendar lacks; warnings for what was read but is worth a look (a
/// 和暦 outside its era, 平成31年5月1日 → 令和元年5月1日; a day the calendar lacks in a
/// date of birth, which §1.1.8 of the 住民記録システム標準仕様書 allows).
pub fn check_date_field(text: &str, unknown_parts_allowed: bool) -> Vec<Finding> {
    let reading = match check_date_text(text) {
        Ok(reading) => reading,
        Err(finding) => return vec![finding],
    };
    let mut out = Vec::new();
    if reading.date.has_unknown_parts() && !unknown_parts_allowed {
        out.push(unknown_parts(&reading.date.to_japanese()));
    }
    if reading.date.is_off_calendar() {
        let shown = reading.date.to_japanese();
        out.push(if unknown_parts_allowed {
            Finding::warning(
                Code::DateOffCalendar,
                format!("{shown} は暦にない日付です。戸籍の記載どおりか確かめてください。"),
                format!("{shown} is not in the calendar; check it against the family register."),
            )
        } else {
            Finding::error(
                Code::DateImpossible,
                format!("{shown} は存在しない日付です。月と日を確かめてください。"),
                format!("{shown} does not exist. Check the month and day."),
            )
        });
    }
    if let (Some(written), Some(right)) = (&reading.outside_era, reading.right_era()) {
        out.push(Finding::warning(
            Code::DateOutsideEra,
            format!(
                "{written} は元号の期間外のため、{right} として読みました。元号を確かめてください。"
            ),
            format!("{written} lies outside its era; read as {right}. Check the era."),
        ));
    }
    out
}

/// Checks a text against a length limit in characters.
pub fn check_length(text: &str, max: usize) -> Result<(), Finding> {
    let n = text.chars().count();
    if n > max {
        return Err(Finding::error(
            Code::TooLong,
            format!("{max}文字以内で入力してください (いま{n}文字)。"),
            format!("Enter at most {max} characters (now {n})."),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::catalog::Kind;

    const KINDS: [Kind; 16] = [
        Kind::Text,
        Kind::Kana,
        Kind::Date,
        Kind::PostalCode,
        Kind::Phone,
        Kind::MyNumber,
        Kind::AtenaNumber,
        Kind::ResidenceCard,
        Kind::AccountNumber,
        Kind::BankCode,
        Kind::BranchCode,
        Kind::Amount,
        Kind::Relationship,
        Kind::Choice,
        Kind::Flag,
        Kind::Counts,
    ];

    /// Every validator, reader and canonical form on arbitrary strings: a result, never a
    /// panic; and a canonical form is its own canonical form.
    #[test]
    fn arbitrary_strings_never_panic() {
        let alphabet: Vec<char> = "0123456789０１２３-/.年月日元令和平成昭和大正明治RHSTMアイウｶﾞﾊﾟー・　 の子父母妹兄世帯主縁故者ABZaz\u{0}\u{ffff}😀㍻㋿〇一二十百千番地号丁目不詳（未届）〒ﾞ髙\u{E0100}\r\n"
            .chars()
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..30_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let _ = check_date(&text);
            let _ = check_date_field(&text, true);
            let _ = check_date_field(&text, false);
            let _ = crate::search_key::search_key(&text);
            let _ = crate::numerals::replace_kanji_numbers(&text);
            if let Ok(reading) = crate::calendar::read_date(&text) {
                let _ = reading.date.to_japanese();
                let _ = reading.right_era();
            }
            for kind in KINDS {
                if let Ok(canonical) = kind.canonical(&text) {
                    // The canonical form is its own canonical form.
                    assert_eq!(
                        kind.canonical(&canonical).as_deref(),
                        Ok(canonical.as_str()),
                        "{kind:?} {text:?}"
                    );
                }
            }
            let _ = check_my_number(&text);
            let _ = check_atena_number(&text);
            let _ = check_residence_card_number(&text);
            let _ = check_account_number(&text);
            let _ = check_bank_code(&text, 4);
            let _ = check_amount(&text);
            let _ = read_reception_number(&text);
            let _ = check_kana(&text);
            let _ = normalize_kana(&text);
            let _ = check_relationship(&text);
            let _ = check_postal_code(&text);
            let _ = check_phone(&text);
            let _ = check_length(&text, 5);
        }
    }

    #[test]
    fn codes_are_unique() {
        let all = [
            Code::Required,
            Code::DateUnreadable,
            Code::DateImpossible,
            Code::DateOutsideEra,
            Code::DateUnknownParts,
            Code::DateOffCalendar,
            Code::DateBeforeSolarCalendar,
            Code::DateInFuture,
            Code::NotifiedLate,
            Code::ChildAllowanceLate,
            Code::MovedAfterNotified,
            Code::MyNumberFormat,
            Code::MyNumberCheckDigit,
            Code::AtenaNumberFormat,
            Code::AtenaNumberCheckDigit,
            Code::ResidenceCardFormat,
            Code::KanaInvalid,
            Code::RelationshipUnknown,
            Code::RelationshipNotAllowed,
            Code::RelationshipTooDeep,
            Code::PostalCodeFormat,
            Code::PhoneFormat,
            Code::ChoiceUnknown,
            Code::CountInvalid,
            Code::TooLong,
            Code::BankCodeFormat,
            Code::AmountFormat,
            Code::IdentitySecondSame,
            Code::FormRule,
        ];
        let texts: std::collections::HashSet<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(texts.len(), all.len());
    }
}
