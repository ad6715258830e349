//! The form catalog: canonical items and every form of the counters, as data
//! (`shared-model/catalog/items.toml`, `forms.toml`), embedded in the binary and checked when
//! loaded. The principal type is [`Catalog`]; [`Catalog::builtin`] is the shipped one.
//!
//! A field of a form either binds a canonical item (`person.name`, `household.address`,
//! `visit.moved_on`, …) — then it is entered once for the visit and shows the same value on
//! every form — or belongs to the form alone (`copies`, `reason`, …).
//!
//! ```
//! use shared_model::catalog::Catalog;
//!
//! let catalog = Catalog::builtin();
//! let form = catalog.form("jumin_idou_tennyu").unwrap();
//! assert_eq!(form.title.ja, "住民異動届 (転入)");
//! assert!(catalog.form("no_such_form").is_err());
//! ```

mod canonical;
mod values;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::language::{Language, Words};
use crate::validate::DeadlineRule;

pub use canonical::{Medium, render};
pub use values::{
    FieldFinding, VisitValues, check_value, is_child_on, is_young_adult_on, section_rows,
};

/// Why the catalog, or a request against it, is not right.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// A catalog file is not valid TOML of the expected shape.
    #[error("catalog file {file}: {reason}")]
    Parse {
        /// The file.
        file: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// A field binds an item that items.toml does not define.
    #[error("form {form}: field binds unknown item {item}")]
    UnknownItem {
        /// The form.
        form: String,
        /// The item key.
        item: String,
    },
    /// A form lists a section that neither it nor the shared sections define.
    #[error("form {form}: unknown section {section}")]
    UnknownSection {
        /// The form.
        form: String,
        /// The section id.
        section: String,
    },
    /// A form's own field lacks its id, kind or label.
    #[error("form {form}: own field {field} needs an id, a kind and a label")]
    IncompleteField {
        /// The form.
        form: String,
        /// What is known of the field.
        field: String,
    },
    /// Two forms share an id.
    #[error("form id {0} is used twice")]
    DuplicateForm(String),
    /// No form has this id.
    #[error("no form {0}")]
    UnknownForm(String),
    /// The form has no field with this key.
    #[error("form {form} has no field {field}")]
    UnknownField {
        /// The form.
        form: String,
        /// The field key.
        field: String,
    },
    /// A value of the wrong type for the field.
    #[error("field {field} of form {form} takes {expected}")]
    WrongType {
        /// The form.
        form: String,
        /// The field.
        field: String,
        /// What it takes.
        expected: &'static str,
    },
}

/// A text in Japanese and English, and for what citizens see at the kiosk in the other
/// languages of [`Language`] too (`easy` is やさしい日本語 with `{漢字|かんじ}` readings). Staff
/// screens use `ja` and `en` only.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Label {
    /// Japanese.
    pub ja: String,
    /// English.
    pub en: String,
    /// やさしい日本語, with readings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub easy: Option<String>,
    /// 中文 (简体).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zh: Option<String>,
    /// 한국어.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ko: Option<String>,
    /// Tiếng Việt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vi: Option<String>,
    /// Português.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pt: Option<String>,
    /// Tagalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tl: Option<String>,
    /// नेपाली.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ne: Option<String>,
}

impl Label {
    /// The text in a language, if the label has it (`ja` and `en` always).
    pub fn get(&self, language: Language) -> Option<&str> {
        match language {
            Language::Ja => Some(&self.ja),
            Language::En => Some(&self.en),
            Language::EasyJa => self.easy.as_deref(),
            Language::Zh => self.zh.as_deref(),
            Language::Ko => self.ko.as_deref(),
            Language::Vi => self.vi.as_deref(),
            Language::Pt => self.pt.as_deref(),
            Language::Tl => self.tl.as_deref(),
            Language::Ne => self.ne.as_deref(),
        }
    }

    /// What keeps this label from being shown to citizens, if anything: a missing or empty
    /// language, or a kanji without its reading in やさしい日本語.
    pub fn citizen_problem(&self) -> Option<String> {
        for language in Language::ALL {
            match self.get(language) {
                Some(text) if !text.trim().is_empty() => {}
                _ => return Some(format!("{}: no {} text", self.ja, language.code())),
            }
        }
        crate::language::kanji_without_reading(self.easy.as_deref().unwrap_or_default())
            .map(|c| format!("{}: the kanji {c} in ja-easy has no reading", self.ja))
    }
}

/// The kind of value a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Free text (with a length limit).
    Text,
    /// フリガナ in full-width katakana.
    Kana,
    /// A date (西暦 or 和暦 input).
    Date,
    /// 郵便番号.
    PostalCode,
    /// Telephone number.
    Phone,
    /// 個人番号.
    MyNumber,
    /// 宛名番号 or 世帯番号.
    AtenaNumber,
    /// 在留カード番号.
    ResidenceCard,
    /// 口座番号 of a bank account: 7 digits (全銀協の口座番号; a shorter one is written with
    /// leading zeros).
    AccountNumber,
    /// 金融機関コード: 4 digits (全銀協の統一金融機関コード).
    BankCode,
    /// 店番 (支店コード): 3 digits (全銀協の店舗コード; ゆうちょ銀行 the 店名's digits).
    BranchCode,
    /// An amount in 円 (所得, 収入): ASCII digits, no grouping, no leading zero.
    Amount,
    /// 続柄.
    Relationship,
    /// One of the field's choices.
    Choice,
    /// Yes or no.
    Flag,
    /// A count (0–99) for each of the field's choices (証明書の種類×通数).
    Counts,
}

/// One choice of a choice or counts field: its stable id and its words, written beside the
/// id in the catalog (`{ id = "male", ja = "男", en = "Male", easy = … }`). The choices of a
/// kiosk item carry the other seven languages too, as any [`Label`] may.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// Stable id.
    pub id: String,
    /// Its words.
    #[serde(flatten)]
    pub label: Label,
    /// For a certificate of a counts field: the fee per copy, in 円 (the city's 手数料条例;
    /// 戸籍 by the national standard, 地方公共団体の手数料の標準に関する政令).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee: Option<u32>,
}

/// Where a canonical item lives in a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One value per person of the visit.
    Person,
    /// One value for the household.
    Household,
    /// One value for the visit.
    Visit,
    /// The form's own field.
    Form,
}

/// A canonical item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// `person.name`, `household.address`, `visit.moved_on`, …
    pub key: String,
    /// Its kind.
    pub kind: Kind,
    /// Length limit for text kinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    /// Label.
    pub label: Label,
    /// Choices for choice kinds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// For dates: whether parts may be unknown (不詳日, 住民記録システム標準仕様書 §1.1.8;
    /// 生年月日 only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown_parts: bool,
    /// For dates: whether the day may not be after today (生年月日).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub past: bool,
    /// Whether a citizen answers it at the kiosk (then its label, and its hint if any, are in
    /// the nine languages).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub kiosk: bool,
    /// A short help under the kiosk's input, where the format matters (フリガナ in katakana,
    /// 和暦 or 西暦).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<Label>,
}

/// The items a citizen answers at the kiosk for a set of forms ([`Catalog::kiosk_items`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskItems<'a> {
    /// Asked once per person of the household (rows: 氏名, フリガナ, 生年月日, …).
    pub person: Vec<&'a Item>,
    /// Asked once for the visit (新しい住所, 前の住所, 異動日, 世帯主, 電話番号, …).
    pub shared: Vec<&'a Item>,
}

impl Item {
    /// The item as a field of no form (what a screen shows before a form binds it).
    pub fn as_field(&self) -> Field {
        Field {
            key: self.key.clone(),
            scope: self.scope(),
            kind: self.kind,
            label: self.label.clone(),
            max: self.max,
            choices: self.choices.clone(),
            unknown_parts: self.unknown_parts,
            past: self.past,
            required: false,
            required_when: None,
        }
    }
    /// Where the item lives.
    pub fn scope(&self) -> Scope {
        scope_of(&self.key)
    }
}

fn scope_of(key: &str) -> Scope {
    if key.starts_with("person.") {
        Scope::Person
    } else if key.starts_with("household.") {
        Scope::Household
    } else if key.starts_with("visit.") {
        Scope::Visit
    } else {
        Scope::Form
    }
}

/// When a field becomes required.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// The key whose value decides (a canonical key, a field id of the form, or
    /// `field.choice` for one count of a counts field).
    pub key: String,
    /// Required when that value is one of these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub is: Vec<String>,
    /// Required when that value is filled in (non-empty, not `false`, not `0`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub filled: bool,
    /// Holds when that value is not filled in (empty, `false` or `0`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
    /// Holds when that value is a 生年月日 and the person is at least this old on the 届出日
    /// (years, as the 年齢計算ニ関スル法律 counts them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_at_least: Option<i32>,
    /// Holds when that value is a date no earlier than another date field's and at most
    /// `days` after it (印鑑条例施行規則3条: the 回答書 within 20 days of the 照会).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<Within>,
    /// Holds when that value is not the same as another key's (spaces and width aside):
    /// the 保証人 is not the 代理人 (印鑑登録事務).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub differs_from: Option<String>,
}

impl Condition {
    /// Whether the condition compares the value with something (an age, another date,
    /// another field): such a condition in a rule's `then` is checked once the value is
    /// there, its absence being the field's own finding.
    pub fn compares(&self) -> bool {
        self.age_at_least.is_some() || self.within.is_some() || self.differs_from.is_some()
    }

    /// Every key the condition reads.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.key.as_str())
            .chain(self.within.as_ref().map(|w| w.of.as_str()))
            .chain(self.differs_from.as_deref())
    }
}

/// A date window after another date field (`within = { of = "inquiry_sent_on", days = 20 }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Within {
    /// The date field the window starts at (the same day counts as day 0).
    pub of: String,
    /// How many days after it the value may be, at most.
    pub days: i64,
}

/// A rule of a form across its fields (forms.toml `[[forms.rule]]`): when every `when`
/// condition holds, `then` must hold, else the form has an error on `then`'s field with the
/// rule's `message` (a 番号入りの住民票 requested by an agent is mailed to the person; 15歳未満
/// registers no seal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormRule {
    /// The conditions under which the rule applies (none: always).
    #[serde(default)]
    pub when: Vec<Condition>,
    /// What must then hold.
    pub then: Condition,
    /// What the counter is told when it does not, with the source of the rule.
    pub message: Label,
}

/// A field of a form, resolved against the canonical items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The canonical key it binds, or the form's own field id.
    pub key: String,
    /// Where its value lives.
    pub scope: Scope,
    /// Its kind.
    pub kind: Kind,
    /// Label.
    pub label: Label,
    /// Length limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    /// Choices.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    /// For dates: whether parts may be unknown (不詳).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unknown_parts: bool,
    /// For dates: whether the day may not be after today (生年月日).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub past: bool,
    /// Always required.
    pub required: bool,
    /// Required under a condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_when: Option<Condition>,
}

/// Which rows a repeating section has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// Not repeating: person fields refer to the first person (the applicant).
    #[default]
    Once,
    /// One row per person of the visit (異動者).
    Persons,
    /// One row per child of 高校生年代 or younger (支給要件児童).
    Children,
    /// One row per person past 高校生年代 up to the first 31 March after reaching 22
    /// (児童手当's 児童の兄姉等, 児童手当法 from 2024-10).
    YoungAdults,
    /// One row per person marked as holding a My Number card (`person.card_holder`); when
    /// nobody of the visit is marked, the applicant (the card forms of a visit about one card).
    CardHolders,
}

/// A section of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Id within the form.
    pub id: String,
    /// Heading.
    pub title: Label,
    /// Rows.
    pub repeat: Repeat,
    /// Fields in paper order.
    pub fields: Vec<Field>,
}

/// The 課 that owns a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// 市民課
    Shimin,
    /// 保険年金課
    HokenNenkin,
    /// こども家庭課
    KodomoKatei,
}

impl Department {
    /// Every 課, in the order a visit passes them.
    pub const ALL: [Department; 3] = [
        Department::Shimin,
        Department::HokenNenkin,
        Department::KodomoKatei,
    ];

    /// The stable name (`shimin`, `hoken_nenkin`, `kodomo_katei`).
    pub fn as_str(self) -> &'static str {
        match self {
            Department::Shimin => "shimin",
            Department::HokenNenkin => "hoken_nenkin",
            Department::KodomoKatei => "kodomo_katei",
        }
    }

    /// The 課 with this name.
    pub fn from_name(name: &str) -> Option<Department> {
        Department::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The name in Japanese.
    pub fn ja(self) -> &'static str {
        match self {
            Department::Shimin => "市民課",
            Department::HokenNenkin => "保険年金課",
            Department::KodomoKatei => "こども家庭課",
        }
    }

    /// The name in the nine languages (for citizens: the kiosk's answer and slip show the
    /// official Japanese beside it).
    pub fn words(self) -> Words {
        match self {
            Department::Shimin => Words {
                ja: "市民課",
                easy: "{市民課|しみんか}",
                en: "Citizens Division",
                zh: "市民课",
                ko: "시민과",
                vi: "Phòng Công dân",
                pt: "Divisão de Cidadãos",
                tl: "Dibisyon ng Mamamayan",
                ne: "नागरिक शाखा",
            },
            Department::HokenNenkin => Words {
                ja: "保険年金課",
                easy: "{保険年金課|ほけんねんきんか}",
                en: "Health Insurance and Pension Division",
                zh: "保险年金课",
                ko: "보험연금과",
                vi: "Phòng Bảo hiểm và Lương hưu",
                pt: "Divisão de Seguro de Saúde e Pensão",
                tl: "Dibisyon ng Seguro at Pensiyon",
                ne: "बीमा तथा पेन्सन शाखा",
            },
            Department::KodomoKatei => Words {
                ja: "こども家庭課",
                easy: "こども{家庭課|かていか}",
                en: "Children and Families Division",
                zh: "儿童家庭课",
                ko: "아동가정과",
                vi: "Phòng Trẻ em và Gia đình",
                pt: "Divisão de Crianças e Famílias",
                tl: "Dibisyon ng mga Bata at Pamilya",
                ne: "बालबालिका तथा परिवार शाखा",
            },
        }
    }
}

/// A form of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    /// Stable id.
    pub id: String,
    /// Title.
    pub title: Label,
    /// Owning 課.
    pub department: Department,
    /// 窓口番号.
    pub counter: u8,
    /// The deadline rule between 異動日 and 届出日, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DeadlineRule>,
    /// Sections in paper order.
    pub sections: Vec<Section>,
    /// Who signs the paper sheet in a 署名 box of their own (forms.toml `signature`, e.g.
    /// `["todokedenin"]`): the pad offers the form to them, and the print shows their
    /// signature in the box. Empty: the sheet has no signature box.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature: Vec<crate::signature::SignerRole>,
    /// The word this sheet prints for its 届出人 (請求者, 申請者, 申告者 …; forms.toml
    /// `signer`); `None`: 届出人.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<Label>,
    /// The 押印欄 the sheet has (forms.toml `seals`): the impression of the seal being
    /// registered, the 保証人's registered seal. Pressed on the paper, never captured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub seals: Vec<SealBox>,
    /// The printed sheet this form shares with others (高崎市印鑑条例施行規則 様式第1号: the
    /// 印鑑登録申請書 and the 印鑑登録廃止届 on one sheet); `None`: a sheet of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<Sheet>,
    /// Rules across its fields (forms.toml `[[forms.rule]]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FormRule>,
}

/// A 押印欄 of a printed sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SealBox {
    /// 登録する印鑑の印影 (印鑑登録申請書: the seal is pressed here when it is registered).
    TorokuInkan,
    /// 保証人の登録印 (印鑑登録申請書's 保証人欄).
    Hoshounin,
}

impl SealBox {
    /// The box's caption on the sheet.
    pub fn ja(self) -> &'static str {
        match self {
            SealBox::TorokuInkan => "登録する印鑑 (印影)",
            SealBox::Hoshounin => "保証人の登録印",
        }
    }

    /// The stable name (forms.toml `seals`).
    pub fn as_str(self) -> &'static str {
        match self {
            SealBox::TorokuInkan => "toroku_inkan",
            SealBox::Hoshounin => "hoshounin",
        }
    }
}

/// A printed sheet that carries several forms (forms.toml `sheet`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    /// Stable id, the same on every form of the sheet.
    pub id: String,
    /// The sheet's title (「印鑑登録申請書・印鑑登録廃止届 (様式第1号)」).
    pub title: Label,
}

impl Form {
    /// Whether `role` signs this form's sheet.
    pub fn takes_signature(&self, role: crate::signature::SignerRole) -> bool {
        self.signature.contains(&role)
    }

    /// Which box the person at the counter signs, by their standing (`visit.notifier_relation`):
    /// an agent (任意代理人, 法定代理人) the 代理人's box where the sheet has one, anyone else
    /// (and an agent on a sheet with no 代理人 box: the 住民異動届's 届出人 is whoever files it)
    /// the 届出人's. `None`: the sheet has no box for them.
    ///
    /// ```
    /// use shared_model::catalog::Catalog;
    /// use shared_model::signature::SignerRole;
    ///
    /// let catalog = Catalog::builtin();
    /// let kofu = catalog.form("juminhyo_inkan_kofu").unwrap();
    /// assert_eq!(kofu.signer_at_counter(Some("agent")), Some(SignerRole::Agent));
    /// assert_eq!(kofu.signer_at_counter(Some("self")), Some(SignerRole::Notifier));
    /// let tennyu = catalog.form("jumin_idou_tennyu").unwrap();
    /// assert_eq!(tennyu.signer_at_counter(Some("agent")), Some(SignerRole::Notifier));
    /// ```
    pub fn signer_at_counter(
        &self,
        relation: Option<&str>,
    ) -> Option<crate::signature::SignerRole> {
        use crate::signature::SignerRole;
        let agent = matches!(relation, Some("agent" | "legal_agent"));
        if agent && self.takes_signature(SignerRole::Agent) {
            Some(SignerRole::Agent)
        } else {
            self.takes_signature(SignerRole::Notifier)
                .then_some(SignerRole::Notifier)
        }
    }

    /// The caption of `role`'s 署名 box on this sheet (「請求者 署名」), in Japanese.
    pub fn signature_caption(&self, role: crate::signature::SignerRole) -> String {
        let who = match (role, &self.signer) {
            (crate::signature::SignerRole::Notifier, Some(word)) => word.ja.as_str(),
            _ => role.ja(),
        };
        format!("{who} 署名")
    }

    /// The forms printed on this form's sheet, in catalog order (itself alone when it has a
    /// sheet of its own).
    pub fn sheet_forms<'a>(&'a self, catalog: &'a Catalog) -> Vec<&'a Form> {
        match &self.sheet {
            None => vec![self],
            Some(sheet) => catalog
                .forms
                .iter()
                .filter(|f| f.sheet.as_ref().is_some_and(|s| s.id == sheet.id))
                .collect(),
        }
    }

    /// The id of the first section that shows the field `key` (empty when none does).
    pub fn section_of(&self, key: &str) -> String {
        self.sections
            .iter()
            .find(|s| s.fields.iter().any(|f| f.key == key))
            .map(|s| s.id.clone())
            .unwrap_or_default()
    }

    /// The field with this key, if the form has it.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields().find(|f| f.key == key)
    }

    /// The 手数料 of the certificates asked for on this form, in 円: the sum over its counts
    /// fields of copies × each choice's `fee` (a 住民票の写し 2通 and an 印鑑登録証明書 1通 at 300円
    /// are 900). `None` when the form has no fee or no count is filled in; a count that is not
    /// a whole number is its field's own finding and adds nothing here.
    pub fn fee(&self, values: &VisitValues) -> Option<u32> {
        let mut total = None::<u32>;
        for field in self.fields().filter(|f| f.kind == Kind::Counts) {
            for choice in &field.choices {
                let (Some(fee), Some(copies)) = (
                    choice.fee,
                    values
                        .get(&self.id, &format!("{}.{}", field.key, choice.id), None)
                        // Read through the canonical form, so ２ counts as 2.
                        .and_then(|c| Kind::Counts.canonical(c).ok())
                        .and_then(|c| c.parse::<u32>().ok()),
                ) else {
                    continue;
                };
                total = Some(
                    total
                        .unwrap_or(0)
                        .saturating_add(fee.saturating_mul(copies)),
                );
            }
        }
        total.filter(|t| *t > 0)
    }

    /// Every field of the form (a field shown in two sections comes twice).
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.sections.iter().flat_map(|s| s.fields.iter())
    }
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Catalog {
    /// Version of the catalog data.
    pub version: String,
    /// Canonical items by key.
    pub items: BTreeMap<String, Item>,
    /// The items' keys in items.toml's order (氏名, フリガナ, … as a form lists them).
    pub item_order: Vec<String>,
    /// Forms in catalog order.
    pub forms: Vec<Form>,
}

// --- the files' shape ---------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsFile {
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormsFile {
    version: String,
    #[serde(default)]
    sections: BTreeMap<String, RawSection>,
    forms: Vec<RawForm>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawSection {
    #[serde(default)]
    id: Option<String>,
    title: Label,
    #[serde(default)]
    repeat: Repeat,
    fields: Vec<RawField>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawField {
    binds: Option<String>,
    id: Option<String>,
    kind: Option<Kind>,
    label: Option<Label>,
    max: Option<usize>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    required: bool,
    required_when: Option<Condition>,
    /// For a bound choice item: the only choices this form allows (a third party files no
    /// 住民異動届); the others are refused as not being among the form's choices.
    #[serde(default)]
    only: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: String,
    title: Label,
    department: Department,
    counter: u8,
    deadline: Option<DeadlineRule>,
    sections: Vec<String>,
    #[serde(default, rename = "section")]
    own_sections: Vec<RawSection>,
    #[serde(default)]
    signature: Vec<crate::signature::SignerRole>,
    signer: Option<Label>,
    #[serde(default)]
    seals: Vec<SealBox>,
    sheet: Option<Sheet>,
    #[serde(default, rename = "rule")]
    rules: Vec<FormRule>,
}

/// A city's own files of the catalog as the server serves them (`GET /api/catalog`) and a
/// terminal keeps them: its forms (the shape of `catalog/forms.toml`) and its 手続きナビ rules
/// (the shape of `catalog/navi.toml`). The items are the national ones every city shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogFiles {
    /// The forms file (TOML).
    pub forms: String,
    /// The 手続きナビ rules (TOML), checked against the forms.
    pub navi: String,
}

impl CatalogFiles {
    /// The files built into this version (a city with none of its own).
    pub fn builtin() -> Self {
        Self {
            forms: FORMS_TOML.to_owned(),
            navi: crate::navi::Navi::BUILTIN_RULES.to_owned(),
        }
    }

    /// Reads both: the city's catalog and its navi rules, every form the rules name being
    /// one of its forms and every form being named by a rule (the counter adds forms to a
    /// visit through the rules: a form no rule names could never be filled).
    ///
    /// # Errors
    /// [`CatalogError`] naming the file and what in it does not read.
    pub fn read(&self) -> Result<(Catalog, crate::navi::Navi), CatalogError> {
        let catalog = Catalog::with_forms(&self.forms)?;
        let navi = crate::navi::Navi::parse(&self.navi, &catalog)?;
        let named = navi.forms_named();
        let unreached: Vec<&str> = catalog
            .forms
            .iter()
            .map(|f| f.id.as_str())
            .filter(|f| !named.contains(f))
            .collect();
        if !unreached.is_empty() {
            return Err(CatalogError::Parse {
                file: "navi.toml",
                reason: format!(
                    "no rule leads to the forms {}: add a rule (on_request = true for a \
                     procedure asked for at the counter)",
                    unreached.join(", ")
                ),
            });
        }
        Ok((catalog, navi))
    }
}

/// The forms and 手続きナビ rules a city's visits are read with (made once, for the life of
/// the process or the page): the built-in ones, or a city's own ([`CatalogFiles::read`]).
#[derive(Debug, Clone, Copy)]
pub struct CityCatalog {
    /// Its forms (with the national items).
    pub catalog: &'static Catalog,
    /// Its 手続きナビ rules, naming only its forms.
    pub navi: &'static crate::navi::Navi,
}

impl CityCatalog {
    /// The built-in forms and rules.
    pub fn builtin() -> Self {
        Self {
            catalog: Catalog::builtin(),
            navi: crate::navi::Navi::builtin(),
        }
    }

    /// A city's own, from its files; kept for the rest of the process (a city's catalog is
    /// made once: at the server's start, or when a terminal is given new files).
    ///
    /// # Errors
    /// [`CatalogError`] as [`CatalogFiles::read`].
    pub fn leak(files: &CatalogFiles) -> Result<Self, CatalogError> {
        let (catalog, navi) = files.read()?;
        Ok(Self {
            catalog: Box::leak(Box::new(catalog)),
            navi: Box::leak(Box::new(navi)),
        })
    }
}

const ITEMS_TOML: &str = include_str!("../../catalog/items.toml");
const FORMS_TOML: &str = include_str!("../../catalog/forms.toml");

impl Catalog {
    /// The built-in forms file (`catalog/forms.toml`): the forms of a city that has none of
    /// its own.
    pub const BUILTIN_FORMS: &'static str = FORMS_TOML;

    /// A city's catalog: the national items every catalog shares (`catalog/items.toml`, the
    /// 住民記録システム標準仕様書's items) with the city's own forms file (the shape of
    /// `catalog/forms.toml`: its forms, sections, departments, signatures).
    ///
    /// # Errors
    /// [`CatalogError`] naming what in the forms file does not read or names an item,
    /// section or rule that does not exist.
    pub fn with_forms(forms: &str) -> Result<Catalog, CatalogError> {
        Catalog::parse(ITEMS_TOML, forms)
    }

    /// The catalog shipped with this build.
    pub fn builtin() -> &'static Catalog {
        static BUILTIN: OnceLock<Catalog> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Catalog::parse(ITEMS_TOML, FORMS_TOML)
                .expect("the embedded catalog is checked by the crate's tests")
        })
    }

    /// Where `key` stands in items.toml (past the end for a key that is not an item).
    pub fn item_position(&self, key: &str) -> usize {
        self.item_order
            .iter()
            .position(|k| k == key)
            .unwrap_or(usize::MAX)
    }

    /// Reads a catalog from the texts of items.toml and forms.toml.
    pub fn parse(items: &str, forms: &str) -> Result<Catalog, CatalogError> {
        let items: ItemsFile = toml::from_str(items).map_err(|e| CatalogError::Parse {
            file: "items.toml",
            reason: e.to_string(),
        })?;
        let file: FormsFile = toml::from_str(forms).map_err(|e| CatalogError::Parse {
            file: "forms.toml",
            reason: e.to_string(),
        })?;
        let item_order: Vec<String> = items.items.iter().map(|i| i.key.clone()).collect();
        let items: BTreeMap<String, Item> = items
            .items
            .into_iter()
            .map(|i| (i.key.clone(), i))
            .collect();
        let mut forms = Vec::with_capacity(file.forms.len());
        for raw in file.forms {
            if forms.iter().any(|f: &Form| f.id == raw.id) {
                return Err(CatalogError::DuplicateForm(raw.id));
            }
            let mut sections = Vec::new();
            for name in &raw.sections {
                let section = raw
                    .own_sections
                    .iter()
                    .find(|s| s.id.as_deref() == Some(name.as_str()))
                    .or_else(|| file.sections.get(name))
                    .ok_or_else(|| CatalogError::UnknownSection {
                        form: raw.id.clone(),
                        section: name.clone(),
                    })?;
                sections.push(resolve_section(&raw.id, name, section, &items)?);
            }
            // A rule reads only the form's own fields (or one count of a counts field): a
            // misspelt key would make it hold, or fail, on every visit.
            let has = |key: &str| {
                sections.iter().flat_map(|s| &s.fields).any(|f| {
                    f.key == key
                        || (f.kind == Kind::Counts
                            && key
                                .strip_prefix(f.key.as_str())
                                .is_some_and(|rest| rest.starts_with('.')))
                })
            };
            for rule in &raw.rules {
                for key in rule
                    .when
                    .iter()
                    .chain([&rule.then])
                    .flat_map(Condition::keys)
                {
                    if !has(key) {
                        return Err(CatalogError::UnknownField {
                            form: raw.id.clone(),
                            field: key.to_owned(),
                        });
                    }
                }
            }
            forms.push(Form {
                id: raw.id,
                title: raw.title,
                department: raw.department,
                counter: raw.counter,
                deadline: raw.deadline,
                sections,
                signature: raw.signature,
                signer: raw.signer,
                seals: raw.seals,
                sheet: raw.sheet,
                rules: raw.rules,
            });
        }
        Ok(Catalog {
            version: file.version,
            items,
            item_order,
            forms,
        })
    }

    /// The kiosk items (`kiosk = true` in items.toml) the given forms bind, each once, in the
    /// order the forms (in the order given) first ask for them: per person, and for the
    /// visit (household and visit items). The applicant's 氏名, フリガナ, 生年月日 and 住所 are
    /// always among them (with no forms, as for a certificate asked at the counter, they are
    /// all there is), each placed before the first item that items.toml lists after it. Ids
    /// that name no form are passed over (a plan's forms are checked when the navi is read).
    ///
    /// ```
    /// use shared_model::catalog::Catalog;
    ///
    /// let items = Catalog::builtin().kiosk_items(&[]);
    /// let keys: Vec<&str> = items.person.iter().map(|i| i.key.as_str()).collect();
    /// assert_eq!(keys, ["person.name", "person.kana", "person.birth_date"]);
    /// assert_eq!(items.shared[0].key, "household.address");
    /// ```
    pub fn kiosk_items(&self, forms: &[String]) -> KioskItems<'_> {
        const ALWAYS: [&str; 4] = [
            "person.name",
            "person.kana",
            "person.birth_date",
            "household.address",
        ];
        let mut keys: Vec<&str> = Vec::new();
        for form in forms.iter().filter_map(|id| self.form(id).ok()) {
            for field in form.fields() {
                let kiosk = self.items.get(&field.key).is_some_and(|i| i.kiosk);
                if kiosk && !keys.contains(&field.key.as_str()) {
                    keys.push(&field.key);
                }
            }
        }
        for key in ALWAYS {
            if !keys.contains(&key) {
                let at = keys
                    .iter()
                    .position(|k| {
                        scope_of(k) == scope_of(key)
                            && self.item_position(k) > self.item_position(key)
                    })
                    .unwrap_or(keys.len());
                keys.insert(at, key);
            }
        }
        let (person, shared): (Vec<&Item>, Vec<&Item>) = keys
            .iter()
            .filter_map(|k| self.items.get(*k))
            .partition(|i| i.scope() == Scope::Person);
        KioskItems { person, shared }
    }

    /// The form with this id.
    pub fn form(&self, id: &str) -> Result<&Form, CatalogError> {
        self.forms
            .iter()
            .find(|f| f.id == id)
            .ok_or_else(|| CatalogError::UnknownForm(id.to_owned()))
    }
}

fn resolve_section(
    form: &str,
    id: &str,
    raw: &RawSection,
    items: &BTreeMap<String, Item>,
) -> Result<Section, CatalogError> {
    let mut fields = Vec::with_capacity(raw.fields.len());
    for f in &raw.fields {
        let field = match &f.binds {
            Some(key) => {
                let item = items.get(key).ok_or_else(|| CatalogError::UnknownItem {
                    form: form.to_owned(),
                    item: key.clone(),
                })?;
                let choices = if f.only.is_empty() {
                    item.choices.clone()
                } else {
                    if let Some(unknown) = f
                        .only
                        .iter()
                        .find(|id| !item.choices.iter().any(|c| &c.id == *id))
                    {
                        return Err(CatalogError::Parse {
                            file: "forms.toml",
                            reason: format!(
                                "form {form}: {key} has no choice {unknown} (in `only`)"
                            ),
                        });
                    }
                    item.choices
                        .iter()
                        .filter(|c| f.only.contains(&c.id))
                        .cloned()
                        .collect()
                };
                Field {
                    key: key.clone(),
                    scope: item.scope(),
                    kind: item.kind,
                    label: f.label.clone().unwrap_or_else(|| item.label.clone()),
                    max: f.max.or(item.max),
                    choices,
                    unknown_parts: item.unknown_parts,
                    past: item.past,
                    required: f.required,
                    required_when: f.required_when.clone(),
                }
            }
            None => match (&f.id, f.kind, &f.label) {
                (Some(id), Some(kind), Some(label)) => Field {
                    key: id.clone(),
                    scope: Scope::Form,
                    kind,
                    label: label.clone(),
                    max: f.max,
                    choices: f.choices.clone(),
                    unknown_parts: false,
                    past: false,
                    required: f.required,
                    required_when: f.required_when.clone(),
                },
                _ => {
                    return Err(CatalogError::IncompleteField {
                        form: form.to_owned(),
                        field: f.id.clone().unwrap_or_else(|| "(no id)".into()),
                    });
                }
            },
        };
        fields.push(field);
    }
    Ok(Section {
        id: id.to_owned(),
        title: raw.title.clone(),
        repeat: raw.repeat,
        fields,
    })
}

#[cfg(test)]
mod paper_rows;
#[cfg(test)]
mod tests;
