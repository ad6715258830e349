//! 続柄 (relationship to the head of household) as the 住民記録 standard writes it (§1.1.11).
//!
//! Accepted (§1.1.11 ①–⑤): 世帯主; 夫・妻・夫（未届）・妻（未届）・子・父・母・兄・姉・弟・妹,
//! and chains of them joined by 「の」 up to four links (子の妻, 妻（未届）の子, 子の子の子の子);
//! 縁故者; 同居人. The standard's own notation 子（子の夫）・子（子の妻） is read as 子の夫・子の妻.
//! Words the standard does not use (祖父, 孫, おじ, 甥, 長男 …) are refused with the form to
//! write instead. Half-width parentheses and spaces are normalised away.

use super::{Code, Finding};

const STANDALONE: [&str; 3] = ["世帯主", "縁故者", "同居人"];
const LINKS: [&str; 11] = [
    "子",
    "父",
    "母",
    "夫",
    "妻",
    "兄",
    "姉",
    "弟",
    "妹",
    "夫（未届）",
    "妻（未届）",
];
/// The standard's list writes these two as 子（子の夫）・子（子の妻）; they are the chains.
const NOTATIONS: [(&str, &str); 2] = [("子（子の夫）", "子の夫"), ("子（子の妻）", "子の妻")];
const MAX_LINKS: usize = 4;

/// Words that are not 続柄 in the standard, with what to write instead.
const NOT_ALLOWED: [(&str, &str); 22] = [
    ("祖父", "父の父 / 母の父"),
    ("祖母", "父の母 / 母の母"),
    ("孫", "子の子"),
    ("ひ孫", "子の子の子"),
    ("曾孫", "子の子の子"),
    ("曽孫", "子の子の子"),
    ("おじ", "父の兄 / 母の弟 など"),
    ("伯父", "父の兄 / 母の兄"),
    ("叔父", "父の弟 / 母の弟"),
    ("おば", "父の姉 / 母の妹 など"),
    ("伯母", "父の姉 / 母の姉"),
    ("叔母", "父の妹 / 母の妹"),
    ("甥", "兄の子 / 姉の子 など"),
    ("姪", "兄の子 / 姉の子 など"),
    ("長男", "子"),
    ("長女", "子"),
    ("次男", "子"),
    ("次女", "子"),
    ("義父", "妻の父 / 夫の父"),
    ("義母", "妻の母 / 夫の母"),
    ("家事使用人", "同居人"),
    ("準世帯主", "続柄 (例: 母)"),
];

/// Normalises and checks a 続柄, returning the normalised text.
pub fn check_relationship(text: &str) -> Result<String, Finding> {
    let normalized: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect();
    if STANDALONE.contains(&normalized.as_str()) {
        return Ok(normalized);
    }
    if let Some((_, chain)) = NOTATIONS.iter().find(|(n, _)| *n == normalized) {
        return Ok((*chain).to_owned());
    }
    if let Some((word, instead)) = NOT_ALLOWED.iter().find(|(w, _)| normalized == *w) {
        return Err(Finding::error(
            Code::RelationshipNotAllowed,
            format!("続柄に「{word}」は使えません。「{instead}」のように書いてください。"),
            format!("\"{word}\" is not a relationship term here; write \"{instead}\" instead."),
        ));
    }
    let links: Vec<&str> = normalized.split('の').collect();
    if !links.is_empty() && links.iter().all(|l| LINKS.contains(l)) {
        if links.len() > MAX_LINKS {
            return Err(Finding::error(
                Code::RelationshipTooDeep,
                format!(
                    "「の」でつなげる続柄は{MAX_LINKS}代までです。それより遠い場合は「縁故者」としてください。"
                ),
                format!("Chains go up to {MAX_LINKS} links; beyond that write 縁故者."),
            ));
        }
        return Ok(normalized);
    }
    Err(Finding::error(
        Code::RelationshipUnknown,
        format!(
            "「{normalized}」は続柄として使えません。例: 世帯主、妻、子、子の妻、父の母、縁故者、同居人"
        ),
        format!(
            "\"{normalized}\" is not a relationship. Examples: 世帯主, 妻, 子, 子の妻, 父の母, 縁故者, 同居人"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        for ok in [
            "世帯主",
            "妻",
            "夫",
            "子",
            "父",
            "母",
            "兄",
            "妹",
            "縁故者",
            "同居人",
            "妻(未届)",
            "夫（未届）",
            "子の妻",
            "子の夫",
            "父の母",
            "妻の子",
            "子の子",
            "子の子の子の子",
            "妻（未届）の子",
            "夫(未届)の子",
            "子の妻（未届）",
            "子（子の妻）",
        ] {
            assert!(check_relationship(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_relationship("妻(未届)").unwrap(), "妻（未届）");
        assert_eq!(check_relationship("子 の 妻").unwrap(), "子の妻");
        assert_eq!(check_relationship("子（子の夫）").unwrap(), "子の夫");
    }

    #[test]
    fn words_the_standard_does_not_use() {
        for (bad, hint) in [
            ("祖父", "父の父"),
            ("孫", "子の子"),
            ("おじ", "父の兄"),
            ("甥", "兄の子"),
            ("長男", "子"),
        ] {
            let f = check_relationship(bad).unwrap_err();
            assert_eq!(f.code, Code::RelationshipNotAllowed, "{bad}");
            assert!(f.message_ja.contains(hint), "{bad}: {}", f.message_ja);
        }
        assert_eq!(
            check_relationship("子の子の子の子の子").unwrap_err().code,
            Code::RelationshipTooDeep
        );
        for bad in ["友人", "", "子の", "の子", "子の友人"] {
            assert_eq!(
                check_relationship(bad).unwrap_err().code,
                Code::RelationshipUnknown,
                "{bad}"
            );
        }
    }
}
