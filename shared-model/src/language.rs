//! The nine languages of the citizens' side, and texts in all of them.
//!
//! The principal type is [`Language`]; [`Words`] is one text in the nine, checked whole at
//! compile time (a missing language is a missing field). やさしい日本語 carries its readings
//! inline as `{漢字|かんじ}` (the 在留支援のためのやさしい日本語ガイドライン asks for ruby on every
//! kanji); [`ruby`] splits such a text for display and [`unruby`] gives its plain form.
//!
//! ```
//! use shared_model::language::{Language, RubyPart, ruby, unruby};
//!
//! assert_eq!(Language::from_code("ne"), Some(Language::Ne));
//! assert_eq!(Language::Ne.own_name(), "नेपाली");
//! let text = "{番号|ばんごう}を とって ください";
//! assert_eq!(unruby(text), "番号を とって ください");
//! assert_eq!(ruby(text)[0], RubyPart::Ruby { base: "番号", reading: "ばんごう" });
//! assert!(shared_model::language::kanji_without_reading(text).is_none());
//! ```

use serde::{Deserialize, Serialize};

/// A language the kiosk speaks, in the order of its first screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Language {
    /// 日本語.
    #[serde(rename = "ja")]
    Ja,
    /// やさしい日本語: short sentences, spaces between phrases, ruby on every kanji.
    #[serde(rename = "ja-easy")]
    EasyJa,
    /// English.
    #[serde(rename = "en")]
    En,
    /// 中文 (简体).
    #[serde(rename = "zh")]
    Zh,
    /// 한국어.
    #[serde(rename = "ko")]
    Ko,
    /// Tiếng Việt.
    #[serde(rename = "vi")]
    Vi,
    /// Português (Brazil: most Portuguese speakers in Gunma came from Brazil).
    #[serde(rename = "pt")]
    Pt,
    /// Tagalog.
    #[serde(rename = "tl")]
    Tl,
    /// नेपाली.
    #[serde(rename = "ne")]
    Ne,
}

impl Language {
    /// Every language, in the order of the kiosk's first screen.
    pub const ALL: [Language; 9] = [
        Language::Ja,
        Language::EasyJa,
        Language::En,
        Language::Zh,
        Language::Ko,
        Language::Vi,
        Language::Pt,
        Language::Tl,
        Language::Ne,
    ];

    /// The stable code (as in the catalog's labels and the visit's record): `ja`, `ja-easy`,
    /// `en`, `zh`, `ko`, `vi`, `pt`, `tl`, `ne`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Ja => "ja",
            Language::EasyJa => "ja-easy",
            Language::En => "en",
            Language::Zh => "zh",
            Language::Ko => "ko",
            Language::Vi => "vi",
            Language::Pt => "pt",
            Language::Tl => "tl",
            Language::Ne => "ne",
        }
    }

    /// The language of this code.
    pub fn from_code(code: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The BCP 47 tag for the page's `lang` attribute (screen readers and speech pick their
    /// voice by it; やさしい日本語 is Japanese).
    pub fn bcp47(self) -> &'static str {
        match self {
            Language::Ja | Language::EasyJa => "ja",
            Language::En => "en",
            Language::Zh => "zh-Hans",
            Language::Ko => "ko",
            Language::Vi => "vi",
            Language::Pt => "pt-BR",
            Language::Tl => "tl",
            Language::Ne => "ne",
        }
    }

    /// The language's name in itself, for the buttons of the first screen (no flags: a
    /// language is not a country).
    pub fn own_name(self) -> &'static str {
        match self {
            Language::Ja => "日本語",
            Language::EasyJa => "やさしい にほんご",
            Language::En => "English",
            Language::Zh => "中文(简体)",
            Language::Ko => "한국어",
            Language::Vi => "Tiếng Việt",
            Language::Pt => "Português",
            Language::Tl => "Tagalog",
            Language::Ne => "नेपाली",
        }
    }

    /// Whether the citizen reads Japanese: the official Japanese name beside a translation
    /// would repeat itself.
    pub fn is_japanese(self) -> bool {
        matches!(self, Language::Ja | Language::EasyJa)
    }
}

/// One text in the nine languages. `easy` is やさしい日本語 with `{漢字|かんじ}` readings.
/// Texts may hold `{n}`-style holes (a name in braces without a `|`); every language has the
/// same holes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Words {
    pub ja: &'static str,
    pub easy: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub ko: &'static str,
    pub vi: &'static str,
    pub pt: &'static str,
    pub tl: &'static str,
    pub ne: &'static str,
}

impl Words {
    /// The text in one language (for やさしい日本語 with its `{漢字|かんじ}` readings).
    pub fn get(&self, language: Language) -> &'static str {
        match language {
            Language::Ja => self.ja,
            Language::EasyJa => self.easy,
            Language::En => self.en,
            Language::Zh => self.zh,
            Language::Ko => self.ko,
            Language::Vi => self.vi,
            Language::Pt => self.pt,
            Language::Tl => self.tl,
            Language::Ne => self.ne,
        }
    }

    /// What is wrong with these words, if anything: an empty language, holes that differ
    /// from the Japanese, or a kanji without its reading in やさしい日本語.
    pub fn problem(&self) -> Option<String> {
        let wanted = holes(self.ja);
        for language in Language::ALL {
            let text = self.get(language);
            if text.trim().is_empty() {
                return Some(format!("{} is empty", language.code()));
            }
            if holes(text) != wanted {
                return Some(format!(
                    "{} has the holes {:?}, the Japanese {:?}",
                    language.code(),
                    holes(text),
                    wanted
                ));
            }
        }
        kanji_without_reading(self.easy)
            .map(|c| format!("ja-easy: the kanji {c} has no reading ({{漢字|かんじ}})"))
    }
}

/// The `{name}` holes of a text, sorted (readings `{漢字|かんじ}` are not holes).
fn holes(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = ruby(text)
        .into_iter()
        .filter_map(|part| match part {
            RubyPart::Hole(name) => Some(name),
            _ => None,
        })
        .collect();
    found.sort_unstable();
    found
}

/// A piece of a text with readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RubyPart<'a> {
    /// Text as it is.
    Plain(&'a str),
    /// Kanji with their reading (`<ruby>base<rt>reading</rt></ruby>`).
    Ruby {
        /// The kanji.
        base: &'a str,
        /// Their reading in hiragana.
        reading: &'a str,
    },
    /// A `{name}` hole for a value (a number, a count), kept for the caller to fill.
    Hole(&'a str),
}

/// Splits a text with `{漢字|かんじ}` readings and `{name}` holes into its parts. A `{`
/// without its `}` is plain text.
pub fn ruby(text: &str) -> Vec<RubyPart<'_>> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            break;
        };
        if open > 0 {
            parts.push(RubyPart::Plain(&rest[..open]));
        }
        let inside = &rest[open + 1..close];
        parts.push(match inside.split_once('|') {
            Some((base, reading)) => RubyPart::Ruby { base, reading },
            None => RubyPart::Hole(inside),
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(RubyPart::Plain(rest));
    }
    parts
}

/// The text without its readings (`{番号|ばんごう}` → `番号`), holes kept as `{name}`.
pub fn unruby(text: &str) -> String {
    flatten(text, |base, _| base.to_owned())
}

/// The text with its readings in brackets (`{番号|ばんごう}` → `番号(ばんごう)`), for places
/// that hold no `<ruby>` (a list's `<option>`); holes kept as `{name}`.
///
/// ```
/// assert_eq!(shared_model::language::with_readings("{西暦|せいれき}"), "西暦(せいれき)");
/// ```
pub fn with_readings(text: &str) -> String {
    flatten(text, |base, reading| format!("{base}({reading})"))
}

/// The text as plain text, each reading written by `reading(base, reading)`.
fn flatten(text: &str, reading: impl Fn(&str, &str) -> String) -> String {
    ruby(text)
        .into_iter()
        .map(|part| match part {
            RubyPart::Plain(s) => s.to_owned(),
            RubyPart::Ruby { base, reading: r } => reading(base, r),
            RubyPart::Hole(name) => format!("{{{name}}}"),
        })
        .collect()
}

/// The first kanji of a text that stands outside a `{漢字|かんじ}` reading, if any.
pub fn kanji_without_reading(text: &str) -> Option<char> {
    ruby(text).into_iter().find_map(|part| match part {
        RubyPart::Plain(s) => s.chars().find(|&c| is_kanji(c)),
        _ => None,
    })
}

/// Whether a character is a kanji (CJK unified ideographs and their extensions,
/// compatibility ideographs, and the iteration mark 々).
pub fn is_kanji(c: char) -> bool {
    matches!(c as u32,
        0x3005 | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_names_are_their_own() {
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::Zh.own_name(), "中文(简体)");
        assert_eq!(Language::Ko.own_name(), "한국어");
    }

    #[test]
    fn ruby_splits_readings_and_holes() {
        assert_eq!(
            ruby("{受付|うけつけ}{n}ばん"),
            [
                RubyPart::Ruby {
                    base: "受付",
                    reading: "うけつけ"
                },
                RubyPart::Hole("n"),
                RubyPart::Plain("ばん"),
            ]
        );
        assert_eq!(ruby("a { b"), [RubyPart::Plain("a { b")]);
        assert_eq!(
            kanji_without_reading("{市役所|しやくしょ}の 窓口"),
            Some('窓')
        );
        assert_eq!(kanji_without_reading("まどぐち 々"), Some('々'));
    }

    #[test]
    fn words_name_their_problem() {
        let good = Words {
            ja: "{n}番",
            easy: "{n}{番|ばん}",
            en: "No. {n}",
            zh: "{n}号",
            ko: "{n}번",
            vi: "Số {n}",
            pt: "Nº {n}",
            tl: "Blg. {n}",
            ne: "नं. {n}",
        };
        assert_eq!(good.problem(), None);
        let no_hole = Words { ko: "번", ..good };
        assert!(no_hole.problem().unwrap().starts_with("ko has the holes"));
        let bare = Words {
            easy: "{n}番",
            ..good
        };
        assert_eq!(
            bare.problem().unwrap(),
            "ja-easy: the kanji 番 has no reading ({漢字|かんじ})"
        );
        let empty = Words { tl: " ", ..good };
        assert_eq!(empty.problem().unwrap(), "tl is empty");
    }
}
