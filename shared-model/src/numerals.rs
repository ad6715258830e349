//! 漢数字: numbers written in kanji, as counters and citizens write them in dates
//! (令和六年四月一日, 令和六年十二月二十五日) and addresses (四二九番地, 一丁目).
//!
//! Two ways of writing are read: positional with 十・百・千 (二十五, 百二, 千九百八十九) and
//! digit by digit with 〇 (二〇二四, 四二九). 元 (the first year of an era) is left to the
//! date reader, which alone knows it means 1.
//!
//! ```
//! use shared_model::numerals::{kanji_number, replace_kanji_numbers};
//!
//! assert_eq!(kanji_number("二十五"), Some(25));
//! assert_eq!(kanji_number("二〇二四"), Some(2024));
//! assert_eq!(kanji_number("千九百八十九"), Some(1989));
//! assert_eq!(replace_kanji_numbers("四二九番地の二"), "429番地の2");
//! ```

/// The value of a kanji digit (〇・零・一 … 九), if `c` is one.
pub fn kanji_digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// The value of a positional unit (十・百・千), if `c` is one.
fn kanji_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

/// Whether `c` can be part of a kanji number.
pub fn is_kanji_numeral(c: char) -> bool {
    kanji_digit(c).is_some() || kanji_unit(c).is_some()
}

/// The value of a whole kanji number (below 10,000), or `None` if the text is not one
/// (empty, other characters, or units out of order such as 十百).
pub fn kanji_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.chars().all(is_kanji_numeral) {
        return None;
    }
    if !text.chars().any(|c| kanji_unit(c).is_some()) {
        // Digit by digit: 二〇二四, 四二九.
        return text
            .chars()
            .try_fold(0u32, |n, c| n.checked_mul(10)?.checked_add(kanji_digit(c)?));
    }
    // Positional: each unit takes the digit before it (1 when none), units fall strictly.
    let mut total = 0u32;
    let mut pending: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for c in text.chars() {
        if let Some(d) = kanji_digit(c) {
            if pending.is_some() {
                return None; // 二三十: two digits in a row in positional writing
            }
            pending = Some(d);
        } else if let Some(unit) = kanji_unit(c) {
            if unit >= last_unit {
                return None;
            }
            last_unit = unit;
            total += pending.take().unwrap_or(1) * unit;
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// `text` with every run of kanji numerals replaced by its ASCII digits; runs that are not
/// a number (十百) are kept as written.
pub fn replace_kanji_numbers(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if !run.is_empty() {
            match kanji_number(run) {
                Some(n) if run.chars().any(|c| kanji_unit(c).is_some()) => {
                    out.push_str(&n.to_string())
                }
                // Digit by digit keeps leading zeros (〇一 → 01).
                Some(_) => out.extend(
                    run.chars()
                        .filter_map(kanji_digit)
                        .map(|d| char::from_digit(d, 10).expect("a digit below 10")),
                ),
                None => out.push_str(run),
            }
            run.clear();
        }
    };
    for c in text.chars() {
        if is_kanji_numeral(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positional_and_digit_by_digit() {
        for (text, n) in [
            ("一", 1),
            ("十", 10),
            ("十一", 11),
            ("二十", 20),
            ("三十一", 31),
            ("百", 100),
            ("百二", 102),
            ("四百二十九", 429),
            ("千九百八十九", 1989),
            ("二千二十四", 2024),
            ("二〇二四", 2024),
            ("四二九", 429),
            ("〇", 0),
            ("一〇", 10),
        ] {
            assert_eq!(kanji_number(text), Some(n), "{text}");
        }
        for bad in ["", "十百", "二三十", "百百", "四x", "元"] {
            assert_eq!(kanji_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn runs_are_replaced_in_place() {
        assert_eq!(
            replace_kanji_numbers("令和六年十二月二十五日"),
            "令和6年12月25日"
        );
        assert_eq!(replace_kanji_numbers("一丁目二番三号"), "1丁目2番3号");
        assert_eq!(replace_kanji_numbers("十百"), "十百");
        assert_eq!(replace_kanji_numbers("〇一"), "01");
        assert_eq!(replace_kanji_numbers("高崎"), "高崎");
    }
}
