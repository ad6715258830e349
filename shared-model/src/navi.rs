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

    /// Its name in Japanese and English (the counter's navi and the visit's history).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            LifeEvent::Tennyu => ("市外からの転入", "Moving in from another city"),
            LifeEvent::TennyuAbroad => ("国外からの転入", "Moving in from abroad"),
            LifeEvent::Tenkyo => ("市内での転居", "Moving within the city"),
            LifeEvent::Tenshutsu => ("市外への転出", "Moving out to another city"),
            LifeEvent::TenshutsuAbroad => ("国外への転出", "Moving abroad"),
        }
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

/// When a rule applies: for one of the life events (with facts that hold and facts that do
/// not), or only when the person at the counter asks for it (`on_request`: a certificate, a
/// lost card — procedures no move leads to).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct When {
    #[serde(default)]
    event: Vec<LifeEvent>,
    #[serde(default)]
    facts: Vec<Fact>,
    #[serde(default)]
    not_facts: Vec<Fact>,
    #[serde(default)]
    on_request: bool,
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
    /// Whether it was asked for at the counter (an `on_request` rule), not led to by the
    /// answers.
    pub requested: bool,
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
        let mut seen = BTreeSet::new();
        for rule in &mut file.rules {
            if !seen.insert(rule.id.clone()) {
                return Err(CatalogError::Parse {
                    file: "navi.toml",
                    reason: format!("rule {} is defined twice", rule.id),
                });
            }
            if rule.when.on_request
                != (rule.when.event.is_empty()
                    && rule.when.facts.is_empty()
                    && rule.when.not_facts.is_empty())
            {
                return Err(CatalogError::Parse {
                    file: "navi.toml",
                    reason: format!(
                        "rule {}: give either events (with facts) or on_request = true",
                        rule.id
                    ),
                });
            }
            if rule.when.on_request && rule.forms.is_empty() {
                return Err(CatalogError::Parse {
                    file: "navi.toml",
                    reason: format!("rule {}: a procedure asked for needs a form", rule.id),
                });
            }
            for (i, id) in rule.forms.iter().enumerate() {
                let form = catalog.form(id)?;
                if i == 0 {
                    rule.placed = Some((form.department, form.counter));
                }
            }
        }
        Ok(Navi { rules: file.rules })
    }

    /// The procedures for these answers, in rule order (the rules asked for at the counter
    /// are not among them: see [`Navi::visit_plan`]).
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
                (count > 0).then(|| r.procedure(count, false))
            })
            .collect()
    }

    /// The procedures of a visit: those its answers lead to (none without answers), then
    /// those asked for at the counter, in rule order. `choices` is the visit's `procedures`
    /// map (rule id → chosen): a rule asked for is in it from the moment it was asked for,
    /// ticked or not, so that dropping it leaves it listed (and undoable) like the others.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use shared_model::navi::Navi;
    ///
    /// let choices = BTreeMap::from([("req_juminhyo".to_owned(), true)]);
    /// let plan = Navi::builtin().visit_plan(None, &choices);
    /// assert_eq!(plan[0].forms, ["juminhyo_inkan_kofu"]);
    /// assert!(plan[0].requested);
    /// ```
    pub fn visit_plan(
        &self,
        answers: Option<&Answers>,
        choices: &std::collections::BTreeMap<String, bool>,
    ) -> Vec<Procedure> {
        let mut plan = answers.map(|a| self.plan(a)).unwrap_or_default();
        plan.extend(
            self.rules
                .iter()
                .filter(|r| r.when.on_request && choices.contains_key(&r.id))
                .map(|r| r.procedure(1, true)),
        );
        plan
    }

    /// The procedures a visit goes through: [`Navi::visit_plan`] without those a person
    /// dropped. A procedure kept as the navi proposed it counts, not only one ticked again.
    pub fn chosen_plan(
        &self,
        answers: Option<&Answers>,
        choices: &std::collections::BTreeMap<String, bool>,
    ) -> Vec<Procedure> {
        self.visit_plan(answers, choices)
            .into_iter()
            .filter(|p| choices.get(&p.rule).copied().unwrap_or(true))
            .collect()
    }

    /// Every procedure the counter can ask for on its own (証明書の交付, a lost card, …), in
    /// rule order, grouped by nothing: each carries its 課 and 窓口番号.
    pub fn on_request(&self) -> impl Iterator<Item = Procedure> + '_ {
        self.rules
            .iter()
            .filter(|r| r.when.on_request)
            .map(|r| r.procedure(1, true))
    }
}

impl Rule {
    fn procedure(&self, count: u32, requested: bool) -> Procedure {
        // A rule without forms is advice at 市民課's 住民異動 counter.
        let (department, counter) = self.placed.unwrap_or((Department::Shimin, 7));
        Procedure {
            rule: self.id.clone(),
            title: self.title.clone(),
            department,
            counter,
            forms: self.forms.clone(),
            count,
            bring: self.bring.clone(),
            deadline: self.deadline.clone(),
            reason: self.reason.clone(),
            requested,
        }
    }
}

#[cfg(test)]
mod tests;
