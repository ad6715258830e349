//! 郵便番号 and telephone numbers.

use super::{Code, DASHES, Finding};

fn ascii_digits(text: &str, allowed: &[char]) -> Option<String> {
    let mut out = String::new();
    for c in text.trim().chars() {
        match c {
            '0'..='9' => out.push(c),
            '０'..='９' => out.push(char::from_u32(c as u32 - '０' as u32 + '0' as u32)?),
            c if allowed.contains(&c) => {}
            _ => return None,
        }
    }
    Some(out)
}

/// Checks a 郵便番号 (`370-8501`, `3708501`, `〒370-8501`, with any kind of dash or space);
/// returns it as `NNN-NNNN`.
pub fn check_postal_code(text: &str) -> Result<String, Finding> {
    let separators: Vec<char> = DASHES.iter().copied().chain([' ', '\u{3000}']).collect();
    let digits = ascii_digits(text.trim().trim_start_matches('〒'), &separators);
    match digits {
        Some(d) if d.len() == 7 => Ok(format!("{}-{}", &d[..3], &d[3..])),
        _ => Err(Finding::error(
            Code::PostalCodeFormat,
            "郵便番号は7桁の数字で入力してください (例: 370-8501)。",
            "Enter the postal code as 7 digits (e.g. 370-8501).",
        )),
    }
}

/// Checks a Japanese telephone number: 10 or 11 digits starting with 0; hyphens, spaces and
/// parentheses allowed. Returns it canonical: ASCII digits, the groups the person wrote
/// joined by `-` (`(027)321-1111` → `027-321-1111`; `0273211111` stays as it is, since where
/// an area code ends depends on the number).
pub fn check_phone(text: &str) -> Result<String, Finding> {
    let separators: Vec<char> = DASHES
        .iter()
        .copied()
        .chain([' ', '\u{3000}', '(', ')', '（', '）'])
        .collect();
    let digits = ascii_digits(text, &separators);
    match digits {
        Some(d) if (10..=11).contains(&d.len()) && d.starts_with('0') => {
            let mut groups: Vec<String> = Vec::new();
            let mut current = String::new();
            for c in text.trim().chars() {
                match c {
                    '0'..='9' => current.push(c),
                    '０'..='９' => current
                        .push(char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)),
                    _ if !current.is_empty() => groups.push(std::mem::take(&mut current)),
                    _ => {}
                }
            }
            if !current.is_empty() {
                groups.push(current);
            }
            Ok(groups.join("-"))
        }
        _ => Err(Finding::error(
            Code::PhoneFormat,
            "電話番号は0から始まる10桁か11桁の数字で入力してください (例: 027-321-1111)。",
            "Enter a phone number of 10 or 11 digits starting with 0 (e.g. 027-321-1111).",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes() {
        for ok in [
            "370-8501",
            "3708501",
            "〒370-8501",
            "３７０－８５０１",
            "370−8501",
            "370‐8501",
            "370―8501",
            "〒 370ー8501",
        ] {
            assert_eq!(check_postal_code(ok).unwrap(), "370-8501", "{ok}");
        }
        for bad in ["370-850", "37085011", "abc-defg", ""] {
            assert_eq!(
                check_postal_code(bad).unwrap_err().code,
                Code::PostalCodeFormat,
                "{bad}"
            );
        }
    }

    #[test]
    fn phones() {
        for ok in [
            "027-321-1111",
            "090-1234-5678",
            "(027)321-1111",
            "０２７３２１１１１１",
        ] {
            assert!(check_phone(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_phone("(027)321-1111").unwrap(), "027-321-1111");
        assert_eq!(
            check_phone("０２７（３２１）１１１１").unwrap(),
            "027-321-1111"
        );
        assert_eq!(check_phone("090 1234　5678").unwrap(), "090-1234-5678");
        assert_eq!(check_phone("0273211111").unwrap(), "0273211111");
        assert_eq!(check_phone("027−321‑1111").unwrap(), "027-321-1111");
        for bad in ["321-1111", "27-321-1111", "0273211111111", "027-321-111x"] {
            assert_eq!(
                check_phone(bad).unwrap_err().code,
                Code::PhoneFormat,
                "{bad}"
            );
        }
    }
}
