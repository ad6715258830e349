//! 手続きナビ: from a life event and facts about the household to the procedures of the
//! visit, each with its 課, 窓口番号, forms, what to bring, deadline and a one-line reason.
//! The rules are data (`shared-model/catalog/navi.toml`); the principal type is [`Navi`].
//!
//! ```
//! use shared_model::navi::{Answers, Fact, LifeEvent, Navi};
//!
//! let answers = Answers::new(LifeEvent::Tenkyo).with(Fact::Children);
//! let plan = Navi::builtin().plan(&answers);
//! let ids: Vec<&str> = plan.iter().map(|p| p.rule.as_str()).collect();
//! assert_eq!(ids, ["tenkyo", "child_allowance_address"]);
//! assert_eq!(plan[1].reason.ja, "児童手当を受けているお子さんがいるため");
//! ```

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogError, Department, Label};

/// The life event of the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeEvent {
    /// 転入 from another municipality.
    Tennyu,
    /// 転入 from abroad.
    TennyuAbroad,
    /// 転居 inside the city.
    Tenkyo,
    /// 転出 to another municipality.
    Tenshutsu,
    /// 転出 abroad.
    TenshutsuAbroad,
}

impl LifeEvent {
    /// Every event.
    pub const ALL: [LifeEvent; 5] = [
        LifeEvent::Tennyu,
        LifeEvent::TennyuAbroad,
        LifeEvent::Tenkyo,
        LifeEvent::Tenshutsu,
        LifeEvent::TenshutsuAbroad,
    ];

    /// The stable name (as in navi.toml).
    pub fn as_str(self) -> &'static str {
        match self {
            LifeEvent::Tennyu => "tennyu",
            LifeEvent::TennyuAbroad => "tennyu_abroad",
            LifeEvent::Tenkyo => "tenkyo",
            LifeEvent::Tenshutsu => "tenshutsu",
            LifeEvent::TenshutsuAbroad => "tenshutsu_abroad",
        }
    }

    /// The event with this name.
    pub fn from_name(name: &str) -> Option<LifeEvent> {
        LifeEvent::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// A fact about the household that decides procedures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fact {
    /// Children of 高校生年代 or younger.
    Children,
    /// Members in 国民健康保険.
    Kokuho,
    /// A single-parent household.
    SingleParent,
    /// Someone holds a My Number card.
    CardHolders,
    /// Someone has a registered seal (印鑑登録).
    InkanRegistered,
    /// Someone wants to register a seal.
    WantsInkan,
    /// Foreign residents are moving.
    ForeignResidents,
    /// 特例転入: moved out with the My Number card, no paper certificate.
    CardMoveIn,
}

impl Fact {
    /// Every fact.
    pub const ALL: [Fact; 8] = [
        Fact::Children,
        Fact::Kokuho,
        Fact::SingleParent,
        Fact::CardHolders,
        Fact::InkanRegistered,
        Fact::WantsInkan,
        Fact::ForeignResidents,
        Fact::CardMoveIn,
    ];

    /// The stable name (as in navi.toml).
    pub fn as_str(self) -> &'static str {
        match self {
            Fact::Children => "children",
            Fact::Kokuho => "kokuho",
            Fact::SingleParent => "single_parent",
            Fact::CardHolders => "card_holders",
            Fact::InkanRegistered => "inkan_registered",
            Fact::WantsInkan => "wants_inkan",
            Fact::ForeignResidents => "foreign_residents",
            Fact::CardMoveIn => "card_move_in",
        }
    }

    /// The fact with this name.
    pub fn from_name(name: &str) -> Option<Fact> {
        Fact::ALL.into_iter().find(|f| f.as_str() == name)
    }
}

/// The navi questionnaire's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    /// The life event.
    pub event: LifeEvent,
    /// Facts that hold.
    pub facts: BTreeSet<Fact>,
    /// How many persons hold a My Number card.
    pub card_holders: u32,
}

impl Answers {
    /// Answers with only the event.
    pub fn new(event: LifeEvent) -> Self {
        Self {
            event,
            facts: BTreeSet::new(),
            card_holders: 0,
        }
    }

    /// Adds a fact.
    pub fn with(mut self, fact: Fact) -> Self {
        self.facts.insert(fact);
        self
    }

    /// Sets how many persons hold a My Number card (and the fact with it).
    pub fn card_holders(mut self, n: u32) -> Self {
        self.card_holders = n;
        if n > 0 {
            self.facts.insert(Fact::CardHolders);
        } else {
            self.facts.remove(&Fact::CardHolders);
        }
        self
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct When {
    event: Vec<LifeEvent>,
    #[serde(default)]
    facts: Vec<Fact>,
    #[serde(default)]
    not_facts: Vec<Fact>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Per {
    #[default]
    Visit,
    CardHolder,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    id: String,
    when: When,
    #[serde(default)]
    per: Per,
    forms: Vec<String>,
    title: Label,
    reason: Label,
    deadline: Option<Label>,
    #[serde(default)]
    bring: Vec<Label>,
    /// 課 and 窓口番号 of the first form, resolved when the rules are read.
    #[serde(skip)]
    placed: Option<(Department, u8)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    rules: Vec<Rule>,
}

/// A procedure the visit needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    /// The rule that asked for it.
    pub rule: String,
    /// What it is.
    pub title: Label,
    /// The 課 (of its first form; 市民課 when it has none).
    pub department: Department,
    /// 窓口番号.
    pub counter: u8,
    /// Forms to fill.
    pub forms: Vec<String>,
    /// How many times (one per card holder for card procedures).
    pub count: u32,
    /// What to bring.
    pub bring: Vec<Label>,
    /// Deadline, if any.
    pub deadline: Option<Label>,
    /// Why, in one line for the person.
    pub reason: Label,
}

/// The navi rules.
#[derive(Debug, Clone)]
pub struct Navi {
    rules: Vec<Rule>,
}

impl Navi {
    /// The title of a rule's procedure (「転入届」), for lists and statistics.
    pub fn title(&self, rule: &str) -> Option<&Label> {
        self.rules.iter().find(|r| r.id == rule).map(|r| &r.title)
    }

    /// The rules shipped with this build.
    pub fn builtin() -> &'static Navi {
        static BUILTIN: OnceLock<Navi> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Navi::parse(include_str!("../catalog/navi.toml"), Catalog::builtin())
                .expect("the embedded navi rules are checked by the crate's tests")
        })
    }

    /// Reads rules, checking that every form they name is in the catalog.
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Navi, CatalogError> {
        let mut file: RulesFile = toml::from_str(text).map_err(|e| CatalogError::Parse {
            file: "navi.toml",
            reason: e.to_string(),
        })?;
        for rule in &mut file.rules {
            for (i, id) in rule.forms.iter().enumerate() {
                let form = catalog.form(id)?;
                if i == 0 {
                    rule.placed = Some((form.department, form.counter));
                }
            }
        }
        Ok(Navi { rules: file.rules })
    }

    /// The procedures for these answers, in rule order.
    pub fn plan(&self, answers: &Answers) -> Vec<Procedure> {
        self.rules
            .iter()
            .filter(|r| {
                r.when.event.contains(&answers.event)
                    && r.when.facts.iter().all(|f| answers.facts.contains(f))
                    && !r.when.not_facts.iter().any(|f| answers.facts.contains(f))
            })
            .filter_map(|r| {
                let count = match r.per {
                    Per::Visit => 1,
                    Per::CardHolder => answers.card_holders,
                };
                if count == 0 {
                    return None;
                }
                // A rule without forms is advice at 市民課's 住民異動 counter.
                let (department, counter) = r.placed.unwrap_or((Department::Shimin, 7));
                Some(Procedure {
                    rule: r.id.clone(),
                    title: r.title.clone(),
                    department,
                    counter,
                    forms: r.forms.clone(),
                    count,
                    bring: r.bring.clone(),
                    deadline: r.deadline.clone(),
                    reason: r.reason.clone(),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
