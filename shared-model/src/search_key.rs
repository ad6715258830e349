//! [`search_key`]: the one folding of names, フリガナ and addresses that the resident
//! register stores beside each record and applies to what a counter types, so that the
//! ways people write one name meet in one key.
//!
//! The folding follows the あいまい検索 of the 住民記録システム標準仕様書 §2.1.2 (検索文字入力):
//! 1. Unicode NFKC (full-width ASCII and digits, half-width katakana, ㍻ and other
//!    compatibility characters), then variation selectors (IVS) dropped;
//! 2. every kind of space removed (氏と名の間のスペースを無視);
//! 3. hiragana as katakana; 「ヴァ」「ヴィ」「ヴ」… as 「バ」「ビ」「ブ」…; 「ヂ」「ヅ」 as 「ジ」「ズ」;
//!    small kana as large (「ッ」と「ツ」, 「ャ」と「ヤ」 …); voiced and semi-voiced kana as
//!    unvoiced (清音・濁音・半濁音の違いを無視); 「ワ」 as 「ハ」 and 「ヲ」 as 「オ」; a 「ウ」
//!    after a kana of the オ段 (from the second kana on) as 「オ」;
//! 4. long vowel marks and the dashes people type for them (ー ― － ‐ ｰ -) dropped after a
//!    kana (長音の有無を無視), but kept as `-` between numbers;
//! 5. 漢数字 as digits, and the words between the numbers of an address (番地, 番, 号,
//!    丁目, の, ノ) as `-`, those at its end dropped (`四二九番地の二` → `429-2`);
//! 6. 異体字 as their standard form (髙 → 高, 﨑 → 崎, 邊 → 辺), from the table in
//!    `data/itaiji.tsv` (its header names its source);
//! 7. Latin letters in upper case.
//!
//! ```
//! use shared_model::search_key::search_key;
//!
//! assert_eq!(search_key("タカハシ　アオイ"), search_key("たかはしあおい"));
//! assert_eq!(search_key("髙橋 葵"), search_key("高橋葵"));
//! assert_eq!(search_key("貝沢町429番地2"), search_key("貝沢町４２９－２"));
//! assert_eq!(search_key("サトウ"), search_key("さとお"));
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;

use crate::numerals::replace_kanji_numbers;

const VARIANTS_TSV: &str = include_str!("../data/itaiji.tsv");

/// The 異体字 table: variant → standard form.
fn variants() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        VARIANTS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let mut cols = l.split('\t');
                let variant = cols.next()?.chars().next()?;
                let standard = cols.next()?.chars().next()?;
                Some((variant, standard))
            })
            .collect()
    })
}

/// The standard form of a kanji, if the 異体字 table has the character as a variant.
pub fn standard_kanji(c: char) -> Option<char> {
    variants().get(&c).copied()
}

/// Bumped when a folding rule changes, so stored keys are recomputed.
const RULES_VERSION: u32 = 1;

/// The version of the key function: its rules and its 異体字 table. A store keeps it beside
/// the keys and recomputes them when it changes.
pub fn search_key_version() -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(VARIANTS_TSV.as_bytes());
    format!("{RULES_VERSION}-{}", hex::encode(&digest[..8]))
}

/// How many variants the 異体字 table folds.
pub fn variant_count() -> usize {
    variants().len()
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' | '\u{180B}'..='\u{180D}')
}

fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー')
}

fn is_dash(c: char) -> bool {
    crate::validate::DASHES.contains(&c)
}

/// 「ヴ」 with a small vowel (ヴァ ヴィ ヴェ ヴォ) and alone, as the バ行 the standard equates.
fn fold_vu(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == 'ヴ' {
            let replaced = match chars.get(i + 1) {
                Some('ァ') => Some('バ'),
                Some('ィ') => Some('ビ'),
                Some('ェ') => Some('ベ'),
                Some('ォ') => Some('ボ'),
                _ => None,
            };
            match replaced {
                Some(c) => {
                    out.push(c);
                    i += 2;
                }
                None => {
                    out.push('ブ');
                    i += 1;
                }
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// One katakana folded: small as large, voiced as unvoiced, ヂ ヅ as シ ス, ワ as ハ, ヲ as オ.
fn fold_kana(c: char) -> char {
    match c {
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ハ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        'ワ' => 'ハ',
        'ヲ' => 'オ',
        'ヰ' => 'イ',
        'ヱ' => 'エ',
        // ヂ is ジ and ヅ is ズ before voicing goes.
        'ヂ' => 'シ',
        'ヅ' => 'ス',
        'ヷ' => 'ハ',
        'ヸ' => 'イ',
        'ヹ' => 'エ',
        'ヺ' => 'オ',
        // Voiced カ行〜タ行 sit one code point after their unvoiced letter.
        'ガ' | 'ギ' | 'グ' | 'ゲ' | 'ゴ' | 'ザ' | 'ジ' | 'ズ' | 'ゼ' | 'ゾ' | 'ダ' | 'デ'
        | 'ド' => char::from_u32(c as u32 - 1).unwrap_or(c),
        // ハ行: バ = ハ + 1, パ = ハ + 2.
        'バ' | 'ビ' | 'ブ' | 'ベ' | 'ボ' => char::from_u32(c as u32 - 1).unwrap_or(c),
        'パ' | 'ピ' | 'プ' | 'ペ' | 'ポ' => char::from_u32(c as u32 - 2).unwrap_or(c),
        c => c,
    }
}

fn is_o_row(c: char) -> bool {
    matches!(
        c,
        'オ' | 'コ' | 'ソ' | 'ト' | 'ノ' | 'ホ' | 'モ' | 'ヨ' | 'ロ'
    )
}

/// Address words between two numbers, read as a `-`; at the end of the text, dropped.
/// (Hiragana is katakana by the time they are read: の is ノ.)
const NUMBER_JOINERS: [&str; 6] = ["番地ノ", "番地", "丁目", "番", "号", "ノ"];

/// The search key of a name, a フリガナ or an address (see the module's list of what is
/// folded). Stored for each record and applied to queries, so a prefix of the one matches
/// a prefix of the other.
pub fn search_key(text: &str) -> String {
    // 1–2: NFKC, no variation selectors, no spaces; hiragana as katakana.
    let chars: Vec<char> = text
        .nfkc()
        .filter(|c| !c.is_whitespace() && !is_variation_selector(*c))
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' | 'ゝ' | 'ゞ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            c => c,
        })
        .collect();
    // 5 (first half): kanji numbers as digits, so the dashes between them are seen.
    let text: String = chars.iter().collect();
    let chars: Vec<char> = replace_kanji_numbers(&text).chars().collect();
    // 3: ヴ as バ行.
    let chars = fold_vu(&chars);
    // 4–5: dashes and address words, reading the characters around them.
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let after_digit = out.last().is_some_and(char::is_ascii_digit);
        if is_dash(c) {
            let before_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
            if after_digit && before_digit {
                out.push('-');
            } else if !out.last().copied().is_some_and(is_katakana) && !after_digit {
                // A dash after a kanji or a letter: a separator, not a long vowel.
                out.push('-');
            }
            // After a kana: a long vowel mark, dropped. After a number at the end: dropped.
            i += 1;
            continue;
        }
        if after_digit
            && let Some(word) = NUMBER_JOINERS.iter().find(|w| {
                let w: Vec<char> = w.chars().collect();
                chars[i..].starts_with(&w)
            })
        {
            let len = word.chars().count();
            if chars.get(i + len).is_some_and(char::is_ascii_digit) {
                out.push('-');
                i += len;
                continue;
            }
            let at_end = i + len == chars.len();
            if at_end && *word != "ノ" {
                i += len;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    // 3 (kana), 6, 7.
    let table = variants();
    let mut key = String::with_capacity(out.len() * 3);
    let mut previous: Option<char> = None;
    for (position, c) in out.into_iter().enumerate() {
        let mut folded = if is_katakana(c) {
            fold_kana(c)
        } else if let Some(&standard) = table.get(&c) {
            standard
        } else {
            c.to_ascii_uppercase()
        };
        if folded == 'ウ' && position > 0 && previous.is_some_and(is_o_row) {
            folded = 'オ';
        }
        previous = Some(folded);
        key.push(folded);
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_as_the_standard_folds_it() {
        let same = |a: &str, b: &str| assert_eq!(search_key(a), search_key(b), "{a} / {b}");
        same("タカハシ　アオイ", "タカハシアオイ");
        same("タカハシ アオイ", "たかはしあおい");
        same("ﾀｶﾊｼ ｱｵｲ", "タカハシアオイ");
        // §2.1.2's examples, one by one.
        same("ヂ", "ジ");
        same("ズ", "ヅ");
        same("ワ", "ハ");
        same("ヴァ", "バ");
        same("ヴィ", "ビ");
        same("ヴ", "ブ");
        same("オ", "ヲ");
        same("ヒ", "ピ");
        same("ッ", "ツ");
        same("ャ", "ヤ");
        same("ュ", "ユ");
        same("ョ", "ヨ");
        same("サトウ", "サトオ");
        same("コーダ", "コダ");
        same("コ―ダ", "コ－ダ");
        same("ｺｰﾀﾞ", "コ‐ダ");
        same("ガッコウ", "かつこお");
        // A leading ウ stays: only the second kana on follows an オ段.
        assert_ne!(search_key("ウエダ"), search_key("オエダ"));
    }

    #[test]
    fn names_and_variants() {
        let same = |a: &str, b: &str| assert_eq!(search_key(a), search_key(b), "{a} / {b}");
        same("高橋　葵", "高橋葵");
        same("高橋 葵", "高橋葵");
        same("髙橋", "高橋");
        same("山﨑", "山崎");
        same("𠮷田", "吉田");
        same("渡邊", "渡辺");
        same("渡邉", "渡辺");
        same("葛\u{E0100}西", "葛西");
        same("ｊｏｈｎ ｓｍｉｔｈ", "JOHN SMITH");
    }

    #[test]
    fn the_variant_table_is_loaded() {
        assert!(variant_count() > 11_000, "{}", variant_count());
        assert_eq!(standard_kanji('髙'), Some('高'));
        assert_eq!(standard_kanji('高'), None);
        assert!(search_key_version().starts_with("1-"));
    }

    #[test]
    fn addresses() {
        let key = search_key("群馬県高崎市貝沢町429番地2");
        for typed in [
            "群馬県高崎市貝沢町429-2",
            "群馬県高崎市貝沢町４２９－２",
            "群馬県高崎市貝沢町429ー2",
            "群馬県高崎市貝沢町四二九番地二",
            "群馬県高崎市貝沢町四百二十九番地の二",
            "群馬県高崎市 貝沢町 429番地の2",
        ] {
            assert_eq!(search_key(typed), key, "{typed}");
        }
        assert_eq!(search_key("高松町1丁目2番3号"), search_key("高松町1-2-3"));
        assert_eq!(
            search_key("高松町一丁目二番三号"),
            search_key("高松町1-2-3")
        );
        assert_eq!(search_key("高松町35番地1"), search_key("高松町35-1"));
        assert!(search_key("貝沢町429番地2").starts_with(&search_key("貝沢町429")));
    }
}
