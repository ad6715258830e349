//! 続柄 (relationship to the head of household) as the 住民記録 standard writes it (§1.1.11).
//!
//! Accepted (§1.1.11 ①–⑤): 世帯主; 夫・妻・夫（未届）・妻（未届）・子・父・母・兄・姉・弟・妹,
//! and chains of them joined by 「の」 up to four links (子の妻, 妻（未届）の子, 子の子の子の子);
//! 縁故者; 同居人. The standard's own notation 子（子の夫）・子（子の妻） is read as 子の夫・子の妻.
//! Words the standard does not use (祖父, 孫, おじ, 甥, 長男 …) are refused with the form to
//! write instead. Half-width parentheses and spaces are normalised away.

use super::{Code, Finding};
use crate::language::Words;

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

/// The 続柄 the kiosk offers as buttons (the common ones), each with its words for the citizen
/// in the nine languages: the first of a pair is the value to record, as the standard writes
/// it ([`check_relationship`] accepts it unchanged). A household with another relationship is
/// left to the counter.
pub const KIOSK_RELATIONSHIPS: [(&str, Words); 18] = [
    (
        "世帯主",
        Words {
            ja: "世帯主 (本人)",
            easy: "{世帯主|せたいぬし} ({自分|じぶん})",
            en: "Head of household (yourself)",
            zh: "户主 (本人)",
            ko: "세대주 (본인)",
            vi: "Chủ hộ (bản thân)",
            pt: "Chefe da família (você)",
            tl: "Pinuno ng sambahayan (sarili)",
            ne: "घरमूली (आफैँ)",
        },
    ),
    (
        "妻",
        Words {
            ja: "妻",
            easy: "{妻|つま}",
            en: "Wife",
            zh: "妻子",
            ko: "아내",
            vi: "Vợ",
            pt: "Esposa",
            tl: "Asawang babae",
            ne: "श्रीमती",
        },
    ),
    (
        "夫",
        Words {
            ja: "夫",
            easy: "{夫|おっと}",
            en: "Husband",
            zh: "丈夫",
            ko: "남편",
            vi: "Chồng",
            pt: "Marido",
            tl: "Asawang lalaki",
            ne: "श्रीमान्",
        },
    ),
    (
        "子",
        Words {
            ja: "子",
            easy: "{子|こ}ども",
            en: "Child",
            zh: "子女",
            ko: "자녀",
            vi: "Con",
            pt: "Filho(a)",
            tl: "Anak",
            ne: "छोराछोरी",
        },
    ),
    (
        "父",
        Words {
            ja: "父",
            easy: "お{父|とう}さん",
            en: "Father",
            zh: "父亲",
            ko: "아버지",
            vi: "Bố",
            pt: "Pai",
            tl: "Ama",
            ne: "बुबा",
        },
    ),
    (
        "母",
        Words {
            ja: "母",
            easy: "お{母|かあ}さん",
            en: "Mother",
            zh: "母亲",
            ko: "어머니",
            vi: "Mẹ",
            pt: "Mãe",
            tl: "Ina",
            ne: "आमा",
        },
    ),
    (
        "子の妻",
        Words {
            ja: "子の妻",
            easy: "{子|こ}どもの {妻|つま}",
            en: "Child's wife",
            zh: "儿媳",
            ko: "며느리",
            vi: "Con dâu",
            pt: "Nora",
            tl: "Manugang na babae",
            ne: "बुहारी",
        },
    ),
    (
        "子の夫",
        Words {
            ja: "子の夫",
            easy: "{子|こ}どもの {夫|おっと}",
            en: "Child's husband",
            zh: "女婿",
            ko: "사위",
            vi: "Con rể",
            pt: "Genro",
            tl: "Manugang na lalaki",
            ne: "ज्वाइँ",
        },
    ),
    (
        "子の子",
        Words {
            ja: "子の子 (孫)",
            easy: "{孫|まご}",
            en: "Grandchild",
            zh: "孙子女",
            ko: "손자・손녀",
            vi: "Cháu",
            pt: "Neto(a)",
            tl: "Apo",
            ne: "नाति वा नातिनी",
        },
    ),
    (
        "妻の父",
        Words {
            ja: "妻の父",
            easy: "{妻|つま}の お{父|とう}さん",
            en: "Wife's father",
            zh: "岳父",
            ko: "장인",
            vi: "Bố vợ",
            pt: "Sogro (pai da esposa)",
            tl: "Biyenang lalaki (ama ng asawang babae)",
            ne: "ससुरा (श्रीमतीको बुबा)",
        },
    ),
    (
        "妻の母",
        Words {
            ja: "妻の母",
            easy: "{妻|つま}の お{母|かあ}さん",
            en: "Wife's mother",
            zh: "岳母",
            ko: "장모",
            vi: "Mẹ vợ",
            pt: "Sogra (mãe da esposa)",
            tl: "Biyenang babae (ina ng asawang babae)",
            ne: "सासू (श्रीमतीकी आमा)",
        },
    ),
    (
        "夫の父",
        Words {
            ja: "夫の父",
            easy: "{夫|おっと}の お{父|とう}さん",
            en: "Husband's father",
            zh: "公公",
            ko: "시아버지",
            vi: "Bố chồng",
            pt: "Sogro (pai do marido)",
            tl: "Biyenang lalaki (ama ng asawang lalaki)",
            ne: "ससुरा (श्रीमान्‌को बुबा)",
        },
    ),
    (
        "夫の母",
        Words {
            ja: "夫の母",
            easy: "{夫|おっと}の お{母|かあ}さん",
            en: "Husband's mother",
            zh: "婆婆",
            ko: "시어머니",
            vi: "Mẹ chồng",
            pt: "Sogra (mãe do marido)",
            tl: "Biyenang babae (ina ng asawang lalaki)",
            ne: "सासू (श्रीमान्‌की आमा)",
        },
    ),
    (
        "兄",
        Words {
            ja: "兄",
            easy: "お{兄|にい}さん",
            en: "Older brother",
            zh: "哥哥",
            ko: "형・오빠",
            vi: "Anh trai",
            pt: "Irmão mais velho",
            tl: "Nakatatandang kapatid na lalaki",
            ne: "दाजु",
        },
    ),
    (
        "姉",
        Words {
            ja: "姉",
            easy: "お{姉|ねえ}さん",
            en: "Older sister",
            zh: "姐姐",
            ko: "누나・언니",
            vi: "Chị gái",
            pt: "Irmã mais velha",
            tl: "Nakatatandang kapatid na babae",
            ne: "दिदी",
        },
    ),
    (
        "弟",
        Words {
            ja: "弟",
            easy: "{弟|おとうと}",
            en: "Younger brother",
            zh: "弟弟",
            ko: "남동생",
            vi: "Em trai",
            pt: "Irmão mais novo",
            tl: "Nakababatang kapatid na lalaki",
            ne: "भाइ",
        },
    ),
    (
        "妹",
        Words {
            ja: "妹",
            easy: "{妹|いもうと}",
            en: "Younger sister",
            zh: "妹妹",
            ko: "여동생",
            vi: "Em gái",
            pt: "Irmã mais nova",
            tl: "Nakababatang kapatid na babae",
            ne: "बहिनी",
        },
    ),
    (
        "同居人",
        Words {
            ja: "同居人",
            easy: "{一緒|いっしょ}に {住|す}む {人|ひと} ({家族|かぞく}では ない)",
            en: "Housemate (not family)",
            zh: "同住人 (非亲属)",
            ko: "동거인 (가족 아님)",
            vi: "Người ở cùng (không phải gia đình)",
            pt: "Pessoa que mora junto (não é da família)",
            tl: "Kasama sa bahay (hindi kapamilya)",
            ne: "सँगै बस्ने व्यक्ति (परिवार होइन)",
        },
    ),
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
    fn the_kiosk_offers_standard_words_in_nine_languages() {
        for (value, words) in KIOSK_RELATIONSHIPS {
            assert_eq!(check_relationship(value).as_deref(), Ok(value));
            assert_eq!(words.problem(), None, "{value}");
        }
        assert_eq!(KIOSK_RELATIONSHIPS[0].0, "世帯主");
        assert_eq!(KIOSK_RELATIONSHIPS[8].1.ja, "子の子 (孫)");
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
