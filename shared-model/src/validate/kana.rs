//! フリガナ: full-width katakana, with half-width katakana and hiragana input normalised.

use super::{Code, Finding};

/// Half-width katakana U+FF66..=U+FF9D in order, as full-width.
const HALF_WIDTH: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";

/// Letters that take a dakuten, each followed by its voiced form.
const VOICED_PAIRS: &str =
    "カガキギクグケゲコゴサザシジスズセゼソゾタダチヂツヅテデトドハバヒビフブヘベホボウヴ";

fn voiced(base: char) -> Option<char> {
    let pairs: Vec<char> = VOICED_PAIRS.chars().collect();
    pairs
        .chunks(2)
        .find(|pair| pair[0] == base)
        .map(|pair| pair[1])
}

fn semi_voiced(base: char) -> Option<char> {
    match base {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(base as u32 + 2),
        _ => None,
    }
}

/// Hiragana turned into katakana as it is typed (ぁ–ゖ → ァ–ヶ, ゝゞ → ヽヾ), nothing else
/// changed: no trimming or joining of spaces, which would take the space between surname and
/// given name away while it is being typed. [`normalize_kana`] gives the stored form when
/// the field is left.
///
/// ```
/// assert_eq!(shared_model::validate::katakana_as_typed("たかさき "), "タカサキ ");
/// ```
pub fn katakana_as_typed(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => {
                char::from_u32(c as u32 + 0x60).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

/// Full-width katakana for half-width katakana, hiragana and ASCII spaces; the hyphens and
/// dashes people type for a long vowel (`-` `－` `‐` `―`) after a kana as ー; runs of spaces
/// as one full-width space. Other characters are kept (and then refused by [`check_kana`]).
pub fn normalize_kana(text: &str) -> String {
    let table: Vec<char> = HALF_WIDTH.chars().collect();
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.trim().chars() {
        let mapped = match c {
            '\u{FF66}'..='\u{FF9D}' => table[(c as u32 - 0xFF66) as usize],
            '\u{FF9E}' | '゛' | '\u{3099}' => {
                if let Some(v) = out.last().copied().and_then(voiced) {
                    *out.last_mut().expect("checked") = v;
                    continue;
                }
                c
            }
            '\u{FF9F}' | '゜' | '\u{309A}' => {
                if let Some(v) = out.last().copied().and_then(semi_voiced) {
                    *out.last_mut().expect("checked") = v;
                    continue;
                }
                c
            }
            '\u{FF65}' => '・',
            c if (super::DASHES.contains(&c) || matches!(c, '～' | '〜'))
                && out
                    .last()
                    .is_some_and(|p| matches!(p, '\u{30A1}'..='\u{30FA}')) =>
            {
                'ー'
            }
            '\t' => {
                if out.last() == Some(&'\u{3000}') {
                    continue;
                }
                '\u{3000}'
            }
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            ' ' | '\u{3000}' => {
                if out.last() == Some(&'\u{3000}') {
                    continue;
                }
                '\u{3000}'
            }
            other => other,
        };
        out.push(mapped);
    }
    out.into_iter().collect()
}

/// Normalises and checks a フリガナ: full-width katakana, ー, ・ and full-width spaces only.
pub fn check_kana(text: &str) -> Result<String, Finding> {
    let normalized = normalize_kana(text);
    let mut bad: Vec<char> = Vec::new();
    for c in normalized.chars() {
        if !matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | '\u{3000}') && !bad.contains(&c) {
            bad.push(c);
        }
    }
    if !bad.is_empty() {
        let shown: String = bad
            .iter()
            .take(5)
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("、");
        return Err(Finding::error(
            Code::KanaInvalid,
            format!("フリガナはカタカナで入力してください (使えない文字: {shown})。"),
            format!("Enter the reading in katakana (not allowed: {shown})."),
        ));
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_and_hiragana_become_full_width_katakana() {
        assert_eq!(normalize_kana("ﾀｶｻｷ ﾊﾅｺ"), "タカサキ\u{3000}ハナコ");
        assert_eq!(
            normalize_kana("ｶﾞｯｺｳ ﾊﾟﾝ ｳﾞｨ"),
            "ガッコウ\u{3000}パン\u{3000}ヴィ"
        );
        assert_eq!(normalize_kana("たかさき  はなこ"), "タカサキ\u{3000}ハナコ");
        assert_eq!(normalize_kana("ｼﾞｮﾝ･ｽﾐｽ"), "ジョン・スミス");
        assert_eq!(check_kana("ﾀｶｻｷ ﾊﾅｺ").unwrap(), "タカサキ\u{3000}ハナコ");
        assert_eq!(check_kana("ｹ-ｺ").unwrap(), "ケーコ");
        assert_eq!(check_kana("けーこ").unwrap(), "ケーコ");
        assert_eq!(check_kana("ケ－コ").unwrap(), "ケーコ");
        assert_eq!(check_kana("ゔぃ").unwrap(), "ヴィ");
    }

    #[test]
    fn voicing_marks_only_join_letters_that_take_them() {
        // ア takes no dakuten: the mark stays and is refused.
        assert!(check_kana("ｱﾞ").is_err());
        assert_eq!(normalize_kana("ﾄﾞ"), "ド");
        assert_eq!(normalize_kana("ﾎﾟ"), "ポ");
        assert_eq!(normalize_kana("ﾁﾞ"), "ヂ");
    }

    #[test]
    fn kanji_and_latin_are_refused() {
        for bad in ["高崎", "Takasaki", "タカサキ1"] {
            assert_eq!(
                check_kana(bad).unwrap_err().code,
                Code::KanaInvalid,
                "{bad}"
            );
        }
    }
}
