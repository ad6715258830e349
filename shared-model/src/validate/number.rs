//! Numbers with check digits: 個人番号, 宛名番号・世帯番号, and the 在留カード番号 format.

use super::{Code, Finding};

/// Keeps ASCII digits of a value, accepting full-width digits, spaces and hyphens.
fn digits(text: &str) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for c in text.chars() {
        match c {
            '0'..='9' => out.push(c as u32 - '0' as u32),
            '０'..='９' => out.push(c as u32 - '０' as u32),
            ' ' | '\u{3000}' | '-' | '－' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The check digit of the first 11 digits of a 個人番号 (個人番号の生成に関する省令 第5条).
pub fn my_number_check_digit(first_eleven: &[u32]) -> u32 {
    // P_n is the n-th digit from the right; Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7.
    let sum: u32 = first_eleven
        .iter()
        .rev()
        .enumerate()
        .map(|(i, p)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 { 0 } else { 11 - r }
}

/// ASCII digits of a digit list.
fn ascii(d: &[u32]) -> String {
    d.iter().filter_map(|n| char::from_digit(*n, 10)).collect()
}

/// Checks a 個人番号 (12 digits, the last a check digit); returns its 12 ASCII digits.
pub fn check_my_number(text: &str) -> Result<String, Finding> {
    let Some(d) = digits(text).filter(|d| d.len() == 12) else {
        return Err(Finding::error(
            Code::MyNumberFormat,
            "個人番号は12桁の数字で入力してください。",
            "Enter the My Number as 12 digits.",
        ));
    };
    if my_number_check_digit(&d[..11]) != d[11] {
        return Err(Finding::error(
            Code::MyNumberCheckDigit,
            "個人番号の検査用数字が合いません。カードの番号をもう一度確かめてください。",
            "The My Number's check digit does not match. Check the number on the card again.",
        ));
    }
    Ok(ascii(&d))
}

/// The modulus-11 check digit with weights 2–7 from the right (M11W2〜7), as the 住民記録
/// standard uses for 宛名番号 and 世帯番号. Remainders 0 and 1 give 0.
pub fn m11_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| d * (2 + (i as u32 % 6)))
        .sum();
    let r = sum % 11;
    if r <= 1 { 0 } else { 11 - r }
}

/// Checks a 宛名番号 or 世帯番号: digits (2 to 15), the last a M11W2〜7 check digit; returns
/// its ASCII digits.
pub fn check_atena_number(text: &str) -> Result<String, Finding> {
    let Some(d) = digits(text).filter(|d| (2..=15).contains(&d.len())) else {
        return Err(Finding::error(
            Code::AtenaNumberFormat,
            "宛名番号・世帯番号は15桁までの数字で入力してください。",
            "Enter the address or household number as up to 15 digits.",
        ));
    };
    let (body, check) = d.split_at(d.len() - 1);
    if m11_check_digit(body) != check[0] {
        return Err(Finding::error(
            Code::AtenaNumberCheckDigit,
            "宛名番号・世帯番号の検査用数字が合いません。番号を確かめてください。",
            "The check digit of the address or household number does not match.",
        ));
    }
    Ok(ascii(&d))
}

/// Checks a bank 口座番号: up to 7 digits (full width, spaces and hyphens accepted), returned
/// as 7 ASCII digits with leading zeros, as 全銀協 formats write an account number shorter
/// than 7 digits.
pub fn check_account_number(text: &str) -> Result<String, Finding> {
    match digits(text) {
        Some(d) if !d.is_empty() && d.len() <= 7 => Ok(format!("{:0>7}", ascii(&d))),
        _ => Err(Finding::error(
            Code::AccountNumberFormat,
            format!(
                "口座番号は7桁までの数字で入力してください (「{}」)。",
                text.trim()
            ),
            format!(
                "Enter the account number as up to 7 digits (\"{}\").",
                text.trim()
            ),
        )),
    }
}

/// Checks a 金融機関コード (4 digits) or a 店番 (支店コード, 3 digits), the numbers 全国銀行協会
/// gives each institution and each of its offices (the 金融機関コード table of the Zengin
/// system; ゆうちょ銀行 is 9900, its 店番 the 3-digit 店名 in digits). `width` is 4 or 3.
/// Full-width digits, spaces and hyphens are accepted; returns the ASCII digits, leading
/// zeros kept (「0001」 is みずほ銀行's code, not 1).
///
/// Errors: [`Code::BankCodeFormat`] naming what was typed and the width wanted.
///
/// ```
/// use shared_model::validate::check_bank_code;
///
/// assert_eq!(check_bank_code("０１２８", 4).unwrap(), "0128");
/// assert_eq!(check_bank_code("018", 3).unwrap(), "018");
/// assert!(check_bank_code("128", 4).is_err());
/// ```
pub fn check_bank_code(text: &str, width: usize) -> Result<String, Finding> {
    match digits(text) {
        Some(d) if d.len() == width => Ok(ascii(&d)),
        _ => {
            let what = if width == 4 {
                "金融機関コード"
            } else {
                "店番 (支店コード)"
            };
            let what_en = if width == 4 {
                "bank code"
            } else {
                "branch code"
            };
            Err(Finding::error(
                Code::BankCodeFormat,
                format!(
                    "{what}は{width}桁の数字で入力してください (「{}」)。",
                    text.trim()
                ),
                format!(
                    "Enter the {what_en} as {width} digits (\"{}\").",
                    text.trim()
                ),
            ))
        }
    }
}

/// Checks an amount of money in 円 (所得, 収入): digits with or without 3-digit groups
/// (`1,234,567`, `１２３万４５６７` is not read), a trailing 円 allowed; returns the ASCII
/// digits without leading zeros (`0` for nothing). At most 12 digits (below 1 兆円).
///
/// Errors: [`Code::AmountFormat`] naming what was typed.
///
/// ```
/// use shared_model::validate::check_amount;
///
/// assert_eq!(check_amount("１，２３４，５６７円").unwrap(), "1234567");
/// assert_eq!(check_amount("0").unwrap(), "0");
/// assert!(check_amount("123万").is_err());
/// ```
pub fn check_amount(text: &str) -> Result<String, Finding> {
    let trimmed = text.trim();
    let body = trimmed.strip_suffix('円').unwrap_or(trimmed).trim_end();
    let mut out = String::new();
    let mut bad = body.is_empty();
    for c in body.chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.extend(char::from_u32(c as u32 - '０' as u32 + '0' as u32)),
            ',' | '，' | '、' => {}
            _ => bad = true,
        }
    }
    let number = out.trim_start_matches('0');
    if bad || out.is_empty() || number.len() > 12 {
        return Err(Finding::error(
            Code::AmountFormat,
            format!("金額は円単位の数字で入力してください (「{trimmed}」)。"),
            format!("Enter the amount in yen as digits (\"{trimmed}\")."),
        ));
    }
    Ok(if number.is_empty() {
        "0".into()
    } else {
        number.into()
    })
}

/// Reads a 受付番号 as counters type it (`6`, `６`, `006`, ` 6 `): its number.
///
/// Errors: [`Code::ReceptionNumberFormat`] for anything but digits, or a number beyond
/// `u32`, naming what was typed.
pub fn read_reception_number(text: &str) -> Result<u32, Finding> {
    let trimmed = text.trim();
    let digits: Option<String> = (!trimmed.is_empty())
        .then(|| {
            trimmed
                .chars()
                .map(|c| match c {
                    '0'..='9' => Some(c),
                    '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
                    _ => None,
                })
                .collect()
        })
        .flatten();
    digits.and_then(|d| d.parse::<u32>().ok()).ok_or_else(|| {
        Finding::error(
            Code::ReceptionNumberFormat,
            format!("受付番号は数字で入力してください (「{trimmed}」)。"),
            format!("Enter the reception number in digits (\"{trimmed}\")."),
        )
    })
}

/// Checks a 在留カード番号: two letters, eight digits, two letters (e.g. AB12345678CD), in
/// either case and width, spaces between the groups allowed; returns it in ASCII capitals.
pub fn check_residence_card_number(text: &str) -> Result<String, Finding> {
    let t: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            'Ａ'..='Ｚ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32).unwrap_or(c),
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c.to_ascii_uppercase(),
        })
        .collect();
    let ok = t.len() == 12
        && t[..2].iter().all(char::is_ascii_uppercase)
        && t[2..10].iter().all(char::is_ascii_digit)
        && t[10..].iter().all(char::is_ascii_uppercase);
    if !ok {
        return Err(Finding::error(
            Code::ResidenceCardFormat,
            "在留カード番号は英字2桁・数字8桁・英字2桁です (例: AB12345678CD)。",
            "A residence card number is 2 letters, 8 digits, 2 letters (e.g. AB12345678CD).",
        ));
    }
    Ok(t.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(body: &str, f: fn(&[u32]) -> u32) -> String {
        let d: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
        format!("{body}{}", f(&d))
    }

    #[test]
    fn reception_numbers_as_counters_type_them() {
        for typed in ["6", "６", "006", " 6 ", "\u{3000}６"] {
            assert_eq!(read_reception_number(typed), Ok(6), "{typed:?}");
        }
        for typed in ["", "6a", "六", "-6", "99999999999"] {
            let err = read_reception_number(typed).unwrap_err();
            assert_eq!(err.code, Code::ReceptionNumberFormat, "{typed:?}");
        }
    }

    #[test]
    fn account_numbers_take_leading_zeros() {
        assert_eq!(
            check_account_number("１２３４５６７").as_deref(),
            Ok("1234567")
        );
        assert_eq!(check_account_number("123").as_deref(), Ok("0000123"));
        assert_eq!(
            check_account_number("12345678").unwrap_err().code,
            Code::AccountNumberFormat
        );
        assert_eq!(
            check_account_number("12a").unwrap_err().code,
            Code::AccountNumberFormat
        );
    }

    #[test]
    fn my_number_check_digit_known_value() {
        // 12345678901 → Σ = 1·2+0·3+9·4+8·5+7·6+6·7+5·2+4·3+3·4+2·5+1·6 = 212, 212 mod 11 = 3 → 8.
        assert_eq!(
            with_check("12345678901", my_number_check_digit),
            "123456789018"
        );
        assert!(check_my_number("1234 5678 9018").is_ok());
        assert!(check_my_number("１２３４５６７８９０１８").is_ok());
        assert_eq!(
            check_my_number("123456789012").unwrap_err().code,
            Code::MyNumberCheckDigit
        );
        assert_eq!(
            check_my_number("12345").unwrap_err().code,
            Code::MyNumberFormat
        );
        assert_eq!(
            check_my_number("12345678901a").unwrap_err().code,
            Code::MyNumberFormat
        );
    }

    #[test]
    fn every_single_digit_error_in_a_my_number_is_caught() {
        let good = with_check("98765432109", my_number_check_digit);
        assert!(check_my_number(&good).is_ok());
        for pos in 0..12 {
            for digit in 0..10 {
                let mut chars: Vec<char> = good.chars().collect();
                let replacement = char::from_digit(digit, 10).unwrap();
                if chars[pos] == replacement {
                    continue;
                }
                chars[pos] = replacement;
                let bad: String = chars.into_iter().collect();
                // A modulus-11 digit catches every single substitution except where the
                // remainder maps to the same digit (r = 0 or 1 both give 0).
                let caught = check_my_number(&bad).is_err();
                let d: Vec<u32> = bad.chars().map(|c| c.to_digit(10).unwrap()).collect();
                assert_eq!(caught, my_number_check_digit(&d[..11]) != d[11]);
            }
        }
    }

    #[test]
    fn m11_numbers() {
        let n = with_check("00001234567890", m11_check_digit);
        assert_eq!(n.len(), 15);
        assert!(check_atena_number(&n).is_ok());
        let mut broken: Vec<char> = n.chars().collect();
        broken[5] = if broken[5] == '9' { '8' } else { '9' };
        let broken: String = broken.into_iter().collect();
        assert_eq!(
            check_atena_number(&broken).unwrap_err().code,
            Code::AtenaNumberCheckDigit
        );
        assert_eq!(
            check_atena_number("1234567890123456").unwrap_err().code,
            Code::AtenaNumberFormat
        );
        // Weights run 2..7 from the right: 1 2 3 → 1·4 + 2·3 + 3·2 = 16, 16 mod 11 = 5 → 6.
        assert_eq!(m11_check_digit(&[1, 2, 3]), 6);
    }

    #[test]
    fn residence_cards() {
        assert!(check_residence_card_number("AB12345678CD").is_ok());
        assert!(check_residence_card_number("ab12345678cd").is_ok());
        assert!(check_residence_card_number("ＡＢ１２３４５６７８ＣＤ").is_ok());
        for bad in ["AB1234567CD", "A112345678CD", "AB12345678C1", ""] {
            assert_eq!(
                check_residence_card_number(bad).unwrap_err().code,
                Code::ResidenceCardFormat
            );
        }
    }
}
