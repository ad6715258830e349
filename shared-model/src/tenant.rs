//! [`LocalGovernmentCode`]: the 全国地方公共団体コード that names a city (a tenant) of a
//! deployment serving several.
//!
//! The code is six digits: two for the prefecture, three for the municipality, and a check
//! digit (総務省「全国地方公共団体コード」, JIS X 0402). The check digit weighs the five
//! digits by 6, 5, 4, 3 and 2, takes the sum's remainder by 11, and keeps the last digit of
//! 11 minus that remainder.
//!
//! ```
//! use shared_model::tenant::LocalGovernmentCode;
//!
//! let takasaki: LocalGovernmentCode = "102024".parse().unwrap();
//! assert_eq!(takasaki.as_str(), "102024");
//! assert_eq!(takasaki.prefecture(), "10");
//! assert_eq!(takasaki.prefecture_name(), "群馬県");
//! assert_eq!("131016".parse::<LocalGovernmentCode>().unwrap().prefecture_name(), "東京都");
//! assert_eq!("472018".parse::<LocalGovernmentCode>().unwrap().prefecture_name(), "沖縄県");
//! assert!("102025".parse::<LocalGovernmentCode>().is_err()); // wrong check digit
//! assert_eq!(LocalGovernmentCode::from_five("10201").unwrap().as_str(), "102016"); // 前橋市
//! ```

use std::fmt;
use std::str::FromStr;

/// A 全国地方公共団体コード with a correct check digit: six ASCII digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalGovernmentCode([u8; 6]);

/// Why a text is not a 全国地方公共団体コード.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalGovernmentCodeError {
    /// Not six (or, before the check digit is added, five) digits 0–9.
    #[error("地方公共団体コード「{0}」は6桁の数字ではありません")]
    NotDigits(String),
    /// The sixth digit is not the check digit of the first five.
    #[error("地方公共団体コード「{code}」の検査数字が違います（正しくは {expected}）")]
    CheckDigit {
        /// The code as given.
        code: String,
        /// The check digit the first five digits give.
        expected: char,
    },
    /// The prefecture part is not 01–47.
    #[error("地方公共団体コード「{0}」の都道府県コードは01〜47ではありません")]
    Prefecture(String),
}

/// Takasaki (群馬県高崎市): the tenant of a deployment that names no other.
pub const TAKASAKI: LocalGovernmentCode = LocalGovernmentCode(*b"102024");

/// Takasaki's name, known without a cities file (another city's name comes from one).
pub const TAKASAKI_NAME: &str = "高崎市";

impl LocalGovernmentCode {
    /// The code from its first five digits, with the check digit computed.
    ///
    /// # Errors
    /// [`LocalGovernmentCodeError::NotDigits`] unless `five` is five ASCII digits,
    /// [`LocalGovernmentCodeError::Prefecture`] unless they start with 01–47.
    pub fn from_five(five: &str) -> Result<Self, LocalGovernmentCodeError> {
        let digits: [u8; 5] = five
            .as_bytes()
            .try_into()
            .ok()
            .filter(|d: &[u8; 5]| d.iter().all(u8::is_ascii_digit))
            .ok_or_else(|| LocalGovernmentCodeError::NotDigits(five.to_owned()))?;
        let mut code = [0u8; 6];
        code[..5].copy_from_slice(&digits);
        code[5] = check_digit(&digits);
        let code = LocalGovernmentCode(code);
        if !(1..=47).contains(&code.prefecture().parse::<u8>().unwrap_or(0)) {
            return Err(LocalGovernmentCodeError::Prefecture(five.to_owned()));
        }
        Ok(code)
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// The 都道府県コード (the first two digits, `"01"`–`"47"`).
    pub fn prefecture(&self) -> &str {
        &self.as_str()[..2]
    }

    /// The prefecture's name as addresses write it (`"群馬県"` for 10), by JIS X 0401.
    pub fn prefecture_name(&self) -> &'static str {
        let index: usize = self.prefecture().parse().unwrap_or(0);
        PREFECTURES[index.clamp(1, 47) - 1]
    }
}

/// The 47 都道府県 in the order of their codes (JIS X 0401, 01 北海道 … 47 沖縄県).
const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The check digit of five ASCII digits (weights 6, 5, 4, 3, 2; 11 minus the remainder by
/// 11, its last digit).
fn check_digit(digits: &[u8; 5]) -> u8 {
    let sum: u32 = digits
        .iter()
        .zip([6u32, 5, 4, 3, 2])
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b'0' + ((11 - sum % 11) % 10) as u8
}

impl FromStr for LocalGovernmentCode {
    type Err = LocalGovernmentCodeError;

    /// Six digits with their check digit. Full-width digits (「１０２０２４」, as typed with
    /// an IME) are read as digits; spaces around are ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                other => other,
            })
            .collect();
        if given.len() != 6 || !given.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LocalGovernmentCodeError::NotDigits(s.to_owned()));
        }
        let code = Self::from_five(&given[..5]).map_err(|e| match e {
            LocalGovernmentCodeError::Prefecture(_) => {
                LocalGovernmentCodeError::Prefecture(given.clone())
            }
            other => other,
        })?;
        if code.as_str() != given {
            return Err(LocalGovernmentCodeError::CheckDigit {
                expected: char::from(code.0[5]),
                code: given,
            });
        }
        Ok(code)
    }
}

impl fmt::Display for LocalGovernmentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for LocalGovernmentCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for LocalGovernmentCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_carry_their_check_digits() {
        // 総務省's list: 群馬県, 高崎市, 前橋市, 札幌市 (check digit from a remainder of 9),
        // 千代田区, 渋谷区, and 那覇市 (the last prefecture).
        for code in [
            "100005", "102024", "102016", "011002", "131016", "131130", "472018",
        ] {
            let parsed: LocalGovernmentCode = code.parse().unwrap();
            assert_eq!(parsed.as_str(), code);
            assert_eq!(LocalGovernmentCode::from_five(&code[..5]).unwrap(), parsed);
        }
        assert_eq!(TAKASAKI, "102024".parse().unwrap());
    }

    #[test]
    fn remainders_zero_and_one_give_one_and_zero() {
        // 1,1,0,0,0: 6 + 5 = 11, remainder 0: 11 - 0 = 11, check digit 1.
        assert_eq!(
            LocalGovernmentCode::from_five("11000").unwrap().as_str(),
            "110001"
        );
        // 2,0,0,0,0: 12, remainder 1: 11 - 1 = 10, check digit 0.
        assert_eq!(
            LocalGovernmentCode::from_five("20000").unwrap().as_str(),
            "200000"
        );
    }

    #[test]
    fn bad_codes_say_what_is_wrong() {
        assert_eq!(
            "102025".parse::<LocalGovernmentCode>(),
            Err(LocalGovernmentCodeError::CheckDigit {
                code: "102025".into(),
                expected: '4'
            })
        );
        for not_digits in ["", "10202", "1020240", "10202a", "１０２０２Ｘ", "10-202"] {
            assert!(matches!(
                not_digits.parse::<LocalGovernmentCode>(),
                Err(LocalGovernmentCodeError::NotDigits(_))
            ));
        }
        assert!(matches!(
            "480008".parse::<LocalGovernmentCode>(),
            Err(LocalGovernmentCodeError::Prefecture(_))
        ));
        assert!(matches!(
            "000000".parse::<LocalGovernmentCode>(),
            Err(LocalGovernmentCodeError::Prefecture(_))
        ));
        let message = "102025"
            .parse::<LocalGovernmentCode>()
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("検査数字") && message.contains('4'),
            "{message}"
        );
    }

    #[test]
    fn full_width_digits_and_spaces_are_read() {
        assert_eq!(
            " １０２０２４ ".parse::<LocalGovernmentCode>().unwrap(),
            TAKASAKI
        );
    }

    #[test]
    fn serde_round_trip_refuses_a_bad_check_digit() {
        let json = serde_json::to_string(&TAKASAKI).unwrap();
        assert_eq!(json, "\"102024\"");
        assert_eq!(
            serde_json::from_str::<LocalGovernmentCode>(&json).unwrap(),
            TAKASAKI
        );
        assert!(serde_json::from_str::<LocalGovernmentCode>("\"102025\"").is_err());
    }
}
