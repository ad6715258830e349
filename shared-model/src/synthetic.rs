//! [`Population`]: a synthetic resident register for demos and tests — deterministic from a
//! seed, with plausible names and フリガナ, Takasaki addresses and postal codes, households
//! with valid 続柄, and valid check digits for 個人番号, 宛名番号 and 世帯番号. Every person
//! is invented. The core-system simulator (e-SUITE stand-in) and the server's demo data both
//! draw from here, so there is one generator.
//!
//! ```
//! use shared_model::synthetic::Population;
//!
//! let a = Population::generate(7, 100);
//! let b = Population::generate(7, 100);
//! assert_eq!(a.residents, b.residents);
//! assert!(a.residents.len() > 100);
//! ```

use crate::calendar::CivilDay;
use crate::validate::{m11_check_digit, my_number_check_digit};

/// One resident as the register holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resident {
    /// 宛名番号 (with its M11 check digit).
    pub atena_number: String,
    /// 世帯番号 (with its M11 check digit).
    pub household_number: String,
    /// 氏名.
    pub name: String,
    /// フリガナ.
    pub kana: String,
    /// 生年月日, YYYY-MM-DD.
    pub birth_date: String,
    /// `male` or `female`.
    pub sex: String,
    /// 続柄.
    pub relationship: String,
    /// 住所.
    pub address: String,
    /// 郵便番号.
    pub postal_code: String,
    /// 世帯主の氏名.
    pub head_name: String,
    /// 個人番号 (valid check digit).
    pub my_number: String,
    /// Under 支援措置 (DV protection): hidden from lookups.
    pub protected: bool,
}

/// A generated register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    /// Everyone, household by household, head first.
    pub residents: Vec<Resident>,
}

const SURNAMES: [(&str, &str); 24] = [
    ("高橋", "タカハシ"),
    ("佐藤", "サトウ"),
    ("鈴木", "スズキ"),
    ("田中", "タナカ"),
    ("小林", "コバヤシ"),
    ("新井", "アライ"),
    ("清水", "シミズ"),
    ("関口", "セキグチ"),
    ("松本", "マツモト"),
    ("吉田", "ヨシダ"),
    ("山田", "ヤマダ"),
    ("中島", "ナカジマ"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("斎藤", "サイトウ"),
    ("茂木", "モテギ"),
    ("星野", "ホシノ"),
    ("須藤", "スドウ"),
    ("金子", "カネコ"),
    ("岩井", "イワイ"),
    ("萩原", "ハギワラ"),
    ("狩野", "カノウ"),
    ("富岡", "トミオカ"),
    ("大澤", "オオサワ"),
];
const MALE: [(&str, &str); 16] = [
    ("翔太", "ショウタ"),
    ("健一", "ケンイチ"),
    ("大輔", "ダイスケ"),
    ("拓也", "タクヤ"),
    ("蓮", "レン"),
    ("悠真", "ユウマ"),
    ("誠", "マコト"),
    ("浩二", "コウジ"),
    ("隆", "タカシ"),
    ("陽翔", "ハルト"),
    ("修", "オサム"),
    ("直樹", "ナオキ"),
    ("湊", "ミナト"),
    ("和夫", "カズオ"),
    ("勇", "イサム"),
    ("大和", "ヤマト"),
];
const FEMALE: [(&str, &str); 16] = [
    ("花子", "ハナコ"),
    ("美咲", "ミサキ"),
    ("陽子", "ヨウコ"),
    ("恵子", "ケイコ"),
    ("結衣", "ユイ"),
    ("さくら", "サクラ"),
    ("葵", "アオイ"),
    ("真由美", "マユミ"),
    ("陽菜", "ヒナ"),
    ("由美", "ユミ"),
    ("芽依", "メイ"),
    ("和子", "カズコ"),
    ("彩", "アヤ"),
    ("紬", "ツムギ"),
    ("幸子", "サチコ"),
    ("凛", "リン"),
];
/// Towns of Takasaki with their postal codes, as 日本郵便's table has them (checked against
/// `data/takasaki_postcodes.tsv` by a test).
const TOWNS: [(&str, &str); 16] = [
    ("高松町", "370-0829"),
    ("八島町", "370-0849"),
    ("連雀町", "370-0826"),
    ("本町", "370-0813"),
    ("江木町", "370-0046"),
    ("上中居町", "370-0851"),
    ("飯塚町", "370-0069"),
    ("貝沢町", "370-0042"),
    ("上大類町", "370-0031"),
    ("倉賀野町", "370-1201"),
    ("新町", "370-1301"),
    ("箕郷町西明屋", "370-3105"),
    ("足門町", "370-3531"),
    ("榛名山町", "370-3341"),
    ("倉渕町三ノ倉", "370-3402"),
    ("吉井町吉井", "370-2132"),
];

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, per_thousand: u64) -> bool {
        self.below(1000) < per_thousand
    }
}

fn with_m11(body: u64, digits: usize) -> String {
    let text = format!("{body:0digits$}");
    let d: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{text}{}", m11_check_digit(&d))
}

fn my_number(rng: &mut Rng) -> String {
    let body: Vec<u32> = (0..11).map(|_| rng.below(10) as u32).collect();
    let text: String = body
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
        .collect();
    format!("{text}{}", my_number_check_digit(&body))
}

fn birth(rng: &mut Rng, from_year: i32, to_year: i32) -> String {
    let year = from_year + rng.below((to_year - from_year + 1) as u64) as i32;
    let month = 1 + rng.below(12) as u32;
    let day = 1 + rng.below(28) as u32;
    CivilDay::new(year, month, day)
        .map(|d| d.to_string())
        .unwrap_or_else(|| format!("{year:04}-01-01"))
}

impl Population {
    /// `households` households from `seed` (about 2.2 persons each; 170,000 households give
    /// the city's 370,000 residents).
    pub fn generate(seed: u64, households: u64) -> Population {
        let mut rng = Rng(seed);
        let mut residents = Vec::with_capacity((households * 23 / 10) as usize);
        let mut atena = 100_000_000u64;
        for h in 0..households {
            let household_number = with_m11(200_000_000 + h, 9);
            let (surname, surname_kana) = *rng.pick(&SURNAMES);
            let (town, postal) = *rng.pick(&TOWNS);
            let address = format!(
                "群馬県高崎市{town}{}番地{}",
                1 + rng.below(2000),
                1 + rng.below(20)
            );
            let protected = rng.chance(2);
            let head_male = rng.chance(700);
            let (given, given_kana) = *rng.pick(if head_male { &MALE } else { &FEMALE });
            let head_name = format!("{surname} {given}");
            let mut members: Vec<(String, String, String, &str, &str)> = vec![(
                head_name.clone(),
                format!("{surname_kana}\u{3000}{given_kana}"),
                birth(&mut rng, 1940, 2004),
                if head_male { "male" } else { "female" },
                "世帯主",
            )];
            let size = match rng.below(100) {
                0..=37 => 1,
                38..=65 => 2,
                66..=81 => 3,
                82..=94 => 4,
                _ => 5,
            };
            if size >= 2 {
                let (g, k) = *rng.pick(if head_male { &FEMALE } else { &MALE });
                members.push((
                    format!("{surname} {g}"),
                    format!("{surname_kana}\u{3000}{k}"),
                    birth(&mut rng, 1945, 2004),
                    if head_male { "female" } else { "male" },
                    if head_male { "妻" } else { "夫" },
                ));
            }
            for _ in 2..size {
                let boy = rng.chance(500);
                let (g, k) = *rng.pick(if boy { &MALE } else { &FEMALE });
                members.push((
                    format!("{surname} {g}"),
                    format!("{surname_kana}\u{3000}{k}"),
                    birth(&mut rng, 2005, 2025),
                    if boy { "male" } else { "female" },
                    "子",
                ));
            }
            for (name, kana, birth_date, sex, relationship) in members {
                atena += 1;
                residents.push(Resident {
                    atena_number: with_m11(atena, 9),
                    household_number: household_number.clone(),
                    name,
                    kana,
                    birth_date,
                    sex: sex.into(),
                    relationship: relationship.into(),
                    address: address.clone(),
                    postal_code: postal.into(),
                    head_name: head_name.clone(),
                    my_number: my_number(&mut rng),
                    protected,
                });
            }
        }
        Population { residents }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{
        check_atena_number, check_date, check_kana, check_my_number, check_postal_code,
        check_relationship,
    };

    #[test]
    fn every_generated_value_passes_the_domain_checks() {
        let p = Population::generate(42, 2_000);
        assert!(p.residents.len() > 3_000, "{}", p.residents.len());
        for r in &p.residents {
            check_my_number(&r.my_number).unwrap();
            check_atena_number(&r.atena_number).unwrap();
            check_atena_number(&r.household_number).unwrap();
            check_kana(&r.kana).unwrap();
            check_date(&r.birth_date).unwrap();
            check_postal_code(&r.postal_code).unwrap();
            // The 郵便番号 is the 町's, by 日本郵便's table.
            assert_eq!(
                crate::validate::check_postal_code_town(&r.postal_code, &r.address),
                None,
                "{}",
                r.address
            );
            check_relationship(&r.relationship).unwrap();
        }
        let heads = p
            .residents
            .iter()
            .filter(|r| r.relationship == "世帯主")
            .count();
        assert_eq!(heads, 2_000, "one head per household");
        let protected = p.residents.iter().filter(|r| r.protected).count();
        assert!(protected > 0 && protected < 40, "{protected}");
    }

    #[test]
    fn the_same_seed_gives_the_same_register_and_another_seed_another() {
        assert_eq!(Population::generate(1, 50), Population::generate(1, 50));
        assert_ne!(Population::generate(1, 50), Population::generate(2, 50));
    }
}

/// The three kinds of 住民異動届 of a peak day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// 転入 (from another municipality).
    In,
    /// 転出 (to another municipality).
    Out,
    /// 転居 (within Takasaki).
    Within,
}

impl Move {
    /// The form the move is notified on.
    pub fn form(self) -> &'static str {
        match self {
            Move::In => "jumin_idou_tennyu",
            Move::Out => "jumin_idou_tenshutsu",
            Move::Within => "jumin_idou_tenkyo",
        }
    }

    fn procedure(self) -> &'static str {
        match self {
            Move::In => "tennyu",
            Move::Out => "tenshutsu",
            Move::Within => "tenkyo",
        }
    }
}

/// A visit in which `resident` notifies a move on `today`, every field of the 住民異動届
/// filled with valid values, and the form asked to be confirmed (as a counter leaves it for
/// the server). For demos, tests and benchmarks of the exchange.
pub fn move_visit(
    visit_id: crate::DocumentId,
    reception_number: u32,
    resident: &Resident,
    kind: Move,
    today: CivilDay,
    now_ms: i64,
) -> Result<crate::VisitDoc, crate::VisitError> {
    let mut visit = crate::VisitDoc::new(visit_id, &reception_number.to_string(), now_ms);
    visit.set_procedure(kind.procedure(), true)?;
    let moved_on = crate::calendar::civil_from_days(today.days_since_epoch() - 3);
    let other = format!(
        "東京都千代田区千代田{}番{}号",
        1 + reception_number % 9,
        1 + reception_number % 20
    );
    let mut items: Vec<(&str, String)> = vec![
        ("visit.notified_on", today.to_string()),
        ("visit.moved_on", moved_on.to_string()),
        ("visit.notifier_name", resident.name.clone()),
        ("visit.notifier_relation", "self".into()),
        ("visit.notifier_phone", "027-321-1111".into()),
        ("visit.identity_document", "my_number_card".into()),
        ("household.postal_code", resident.postal_code.clone()),
        ("household.head_name", resident.head_name.clone()),
    ];
    match kind {
        Move::In => {
            items.push(("household.address", resident.address.clone()));
            items.push(("visit.previous_address", other));
        }
        Move::Out => {
            items.push(("household.address", resident.address.clone()));
            items.push(("visit.destination_address", other));
        }
        Move::Within => {
            items.push(("visit.previous_address", resident.address.clone()));
            items.push((
                "household.address",
                format!("{}（転居先）", resident.address),
            ));
        }
    }
    for (key, value) in &items {
        visit.set_item(key, None, value)?;
    }
    for (key, value) in [
        ("person.name", &resident.name),
        ("person.kana", &resident.kana),
        ("person.birth_date", &resident.birth_date),
        ("person.sex", &resident.sex),
        ("person.relationship", &resident.relationship),
        ("person.my_number", &resident.my_number),
    ] {
        visit.set_item(key, Some(0), value)?;
    }
    if kind == Move::In {
        // The 転出証明書 the 転入届 is filed with (住基法22条2項).
        visit.set_form_field(kind.form(), "certificate_checked", "true")?;
    }
    visit.request_confirmation(kind.form(), now_ms)?;
    Ok(visit)
}

#[cfg(test)]
mod move_tests {
    use super::*;

    #[test]
    fn every_kind_of_move_visit_is_confirmed_by_the_reconciler() {
        let population = Population::generate(3, 20);
        let today = CivilDay::new(2027, 3, 30).unwrap();
        for (i, kind) in [Move::In, Move::Out, Move::Within].into_iter().enumerate() {
            let resident = &population.residents[i];
            let mut visit = move_visit(
                crate::DocumentId::random(),
                i as u32 + 1,
                resident,
                kind,
                today,
                0,
            )
            .unwrap();
            let decisions = visit.reconcile(today, 1).unwrap();
            assert_eq!(decisions.len(), 1);
            assert_eq!(
                visit.form_status(kind.form()).state,
                crate::FormState::Confirmed,
                "{kind:?}: {:?}",
                visit.form_status(kind.form()).reason
            );
        }
    }
}
