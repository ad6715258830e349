//! The receiving account's names (児童手当・児童扶養手当の受取口座): a 金融機関名 says what
//! kind of institution it is (「群馬銀行」, 「しののめ信用金庫」, 「JA たかさき」), a 支店名
//! what kind of office (「高崎支店」, 「本店営業部」, ゆうちょ銀行's 「〇一八店」). A name without
//! it is a warning — the allowance is paid into an account the bank cannot find — not an
//! error: unusual names exist. The kinds are those of 全国銀行協会's 金融機関名 and 店舗名.
//!
//! ```
//! use shared_model::validate::{check_bank_name, check_branch_name};
//!
//! assert!(check_bank_name("群馬銀行").is_none());
//! assert!(check_bank_name("群馬").is_some());
//! assert!(check_branch_name("高崎支店").is_none());
//! assert!(check_branch_name("〇一八").is_none(), "ゆうちょ銀行's 店名 in 漢数字");
//! assert!(check_branch_name("高崎").is_some());
//! ```

use super::{Code, Finding};

/// How the names of financial institutions end (全銀協の金融機関名), or begin (JA).
const INSTITUTIONS: [&str; 16] = [
    "銀行",
    "信用金庫",
    "信金",
    "信用組合",
    "信組",
    "労働金庫",
    "労金",
    "農業協同組合",
    "農協",
    "漁業協同組合",
    "漁協",
    "信用農業協同組合連合会",
    "信連",
    "商工組合中央金庫",
    "商工中金",
    "金庫",
];

/// How the names of their offices end.
const OFFICES: [&str; 8] = [
    "支店",
    "本店",
    "営業部",
    "出張所",
    "支所",
    "本所",
    "店",
    "代理店",
];

/// A warning when a 金融機関名 does not say what kind of institution it is.
pub fn check_bank_name(text: &str) -> Option<Finding> {
    let name = text.trim();
    if name.is_empty() {
        return None;
    }
    let upper = name.to_uppercase();
    let ja = upper.starts_with("JA") || upper.starts_with("ＪＡ");
    if ja || INSTITUTIONS.iter().any(|k| name.ends_with(k)) {
        return None;
    }
    Some(Finding::warning(
        Code::BankName,
        format!("金融機関名は「{name}銀行」「{name}信用金庫」のように、種類まで入力してください。"),
        format!("Write the kind of institution too (\"{name} Bank\")."),
    ))
}

/// A warning when a 支店名 does not say what kind of office it is. ゆうちょ銀行's 店名 (three
/// 漢数字, 「〇一八」) are offices as they stand.
pub fn check_branch_name(text: &str) -> Option<Finding> {
    let name = text.trim();
    if name.is_empty() {
        return None;
    }
    let kanji_digits =
        name.chars().count() == 3 && name.chars().all(|c| "〇一二三四五六七八九".contains(c));
    if kanji_digits || OFFICES.iter().any(|k| name.ends_with(k)) {
        return None;
    }
    Some(Finding::warning(
        Code::BranchName,
        format!("支店名は「{name}支店」「{name}出張所」のように、種類まで入力してください。"),
        format!("Write the kind of office too (\"{name} branch\")."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_institutions_and_offices() {
        for ok in [
            "群馬銀行",
            "しののめ信用金庫",
            "高崎信金",
            "群馬県信用組合",
            "中央労働金庫",
            "JA たかさき",
            "ＪＡはぐくみ",
            "ゆうちょ銀行",
        ] {
            assert!(check_bank_name(ok).is_none(), "{ok}");
        }
        let w = check_bank_name("群馬").unwrap();
        assert_eq!(w.code, Code::BankName);
        assert!(w.message_ja.contains("「群馬銀行」"));
        for ok in [
            "高崎支店",
            "本店営業部",
            "倉賀野出張所",
            "〇一八",
            "〇一八店",
        ] {
            assert!(check_branch_name(ok).is_none(), "{ok}");
        }
        assert_eq!(check_branch_name("高崎").unwrap().code, Code::BranchName);
        assert!(check_bank_name("  ").is_none());
    }
}
