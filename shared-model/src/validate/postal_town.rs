//! 郵便番号 against the address's 町字: a 郵便番号 that belongs to another 町 of 高崎市 than
//! the address names is a warning (the 八島町 address with 高松町's 370-0829 passes every
//! format check, prints, and sends the mail astray).
//!
//! The table (`data/takasaki_postcodes.tsv`: 236 町字 and 29 事業所個別郵便番号) is 日本郵便's 郵便番号データ (KEN_ALL)
//! for 高崎市; `data/takasaki_postcodes.py` regenerates it and names its source. Addresses
//! outside 高崎市, or whose 町 the table does not know, are not judged.
//!
//! ```
//! use shared_model::validate::check_postal_code_town;
//!
//! let w = check_postal_code_town("370-0829", "群馬県高崎市八島町222番地").unwrap();
//! assert!(w.message_ja.contains("370-0849"));
//! assert!(check_postal_code_town("370-0849", "高崎市八島町222番地").is_none());
//! assert!(check_postal_code_town("370-0829", "前橋市大手町1丁目1番1号").is_none());
//! ```

use std::collections::BTreeMap;
use std::sync::OnceLock;

use super::{Code, Finding, check_postal_code};

const TABLE: &str = include_str!("../../data/takasaki_postcodes.tsv");

/// The table: each 町字 with its 郵便番号 (`NNN-NNNN`) and the 事業所個別郵便番号 of offices
/// there.
struct Towns {
    /// 町字 → the 町's own 郵便番号.
    own: BTreeMap<&'static str, &'static str>,
    /// 郵便番号 → 町字, for every number (offices' too).
    of_code: BTreeMap<&'static str, &'static str>,
}

fn towns() -> &'static Towns {
    static TOWNS: OnceLock<Towns> = OnceLock::new();
    TOWNS.get_or_init(|| {
        let mut towns = Towns {
            own: BTreeMap::new(),
            of_code: BTreeMap::new(),
        };
        for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
            let mut cells = line.split('\t');
            let (Some(code), Some(town)) = (cells.next(), cells.next()) else {
                continue;
            };
            if cells.next() != Some("事業所") {
                towns.own.insert(town, code);
            }
            towns.of_code.insert(code, town);
        }
        towns
    })
}

/// The 町字 of a 高崎市 address as the table names it (`八島町` of `群馬県高崎市八島町222番地`),
/// the longest one the address starts with (東貝沢町 before 貝沢町 cannot be confused: the
/// address must start with it). `None` outside 高崎市 or for a 町 the table lacks.
pub fn takasaki_town(address: &str) -> Option<&'static str> {
    let rest = address.trim().trim_start_matches("群馬県");
    let rest = rest.trim_start().strip_prefix("高崎市")?.trim_start();
    towns()
        .own
        .keys()
        .filter(|town| rest.starts_with(*town))
        .max_by_key(|town| town.chars().count())
        .copied()
}

/// A warning when `postal_code` is not the 郵便番号 of the 町 that `address` names; `None`
/// when they agree, when either is empty or unreadable (the 郵便番号's own check names
/// that), or when the address is not one the table knows.
pub fn check_postal_code_town(postal_code: &str, address: &str) -> Option<Finding> {
    let code = check_postal_code(postal_code.trim()).ok()?;
    let town = takasaki_town(address)?;
    let expected = towns().own.get(town)?;
    let of_code = towns().of_code.get(code.as_str());
    if *expected == code || of_code == Some(&town) {
        return None;
    }
    let other = of_code.map(|t| format!("{t}の")).unwrap_or_default();
    Some(Finding::warning(
        Code::PostalCodeTown,
        format!("郵便番号 {code} は{other}番号です。{town}は {expected} です。"),
        format!("Postal code {code} is not that of {town} ({expected})."),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_whole() {
        assert_eq!(towns().own.len(), 236);
        assert_eq!(towns().of_code.len(), 265);
        assert_eq!(towns().own.get("高松町"), Some(&"370-0829"));
        assert_eq!(towns().own.get("吉井町岩井"), Some(&"370-2103"));
        // The city hall's own number belongs to 高松町 too.
        assert!(check_postal_code_town("370-8501", "群馬県高崎市高松町35番地1").is_none());
    }

    #[test]
    fn the_longest_town_wins() {
        assert_eq!(takasaki_town("高崎市東貝沢町1丁目"), Some("東貝沢町"));
        assert_eq!(takasaki_town("高崎市貝沢町429番地2"), Some("貝沢町"));
        assert_eq!(takasaki_town("群馬県高崎市問屋町西1丁目"), Some("問屋町西"));
        assert_eq!(
            takasaki_town("群馬県高崎市 吉井町岩井100"),
            Some("吉井町岩井")
        );
        assert_eq!(takasaki_town("高崎市どこか町1"), None);
    }

    #[test]
    fn a_postal_code_of_another_town_is_a_warning_naming_both() {
        let w = check_postal_code_town("〒３７０－０８２９", "群馬県高崎市八島町222番地").unwrap();
        assert_eq!(w.code, Code::PostalCodeTown);
        assert_eq!(
            w.message_ja,
            "郵便番号 370-0829 は高松町の番号です。八島町は 370-0849 です。"
        );
        assert!(check_postal_code_town("", "高崎市八島町").is_none());
        assert!(check_postal_code_town("370-08", "高崎市八島町").is_none());
    }
}
