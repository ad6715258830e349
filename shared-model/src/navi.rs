//! 手続きナビ: from a life event and facts about the household to the procedures of the
//! visit, each with its 課, 窓口番号, forms, what to bring, deadline and a one-line reason.
//! The rules are data (`shared-model/catalog/navi.toml`); the principal type is [`Navi`].
//!
//! One rule set serves the counter and the kiosk. For citizens: the kiosk's menu is
//! [`EVENT_GROUPS`], the questions of an event are [`Navi::questions`] (exactly the facts its
//! rules look at), and [`Navi::route`] orders the plan's counters for the walk through the
//! hall. Everything a citizen reads from here is in the nine languages of
//! [`crate::language::Language`] ([`Words`], or [`Label::get`] for the rules' texts).
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

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, CatalogError, Department, Label};
use crate::language::Words;

pub use words::EVENT_GROUPS;

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
    /// 出生: a child was born (出生届 and what follows it).
    Birth,
    /// 婚姻: a marriage (婚姻届 and what follows it).
    Marriage,
    /// 離婚: a divorce (離婚届 and what follows it).
    Divorce,
    /// マイナンバーカードの手続き on its own (a new card, a lost one, PINs, certificates).
    MyNumberCard,
    /// 証明書がほしい: 住民票の写し, 印鑑登録証明書, 戸籍証明書.
    Certificates,
    /// 国民健康保険の加入・脱退 on its own (a job left or taken).
    Kokuho,
    /// 児童手当 on its own (a claim, a change in the number of children).
    ChildAllowance,
}

impl LifeEvent {
    /// Every event, the moves first (the counter's navi lists them in this order).
    pub const ALL: [LifeEvent; 12] = [
        LifeEvent::Tennyu,
        LifeEvent::TennyuAbroad,
        LifeEvent::Tenkyo,
        LifeEvent::Tenshutsu,
        LifeEvent::TenshutsuAbroad,
        LifeEvent::Birth,
        LifeEvent::Marriage,
        LifeEvent::Divorce,
        LifeEvent::MyNumberCard,
        LifeEvent::Certificates,
        LifeEvent::Kokuho,
        LifeEvent::ChildAllowance,
    ];

    /// The stable name (as in navi.toml).
    pub fn as_str(self) -> &'static str {
        match self {
            LifeEvent::Tennyu => "tennyu",
            LifeEvent::TennyuAbroad => "tennyu_abroad",
            LifeEvent::Tenkyo => "tenkyo",
            LifeEvent::Tenshutsu => "tenshutsu",
            LifeEvent::TenshutsuAbroad => "tenshutsu_abroad",
            LifeEvent::Birth => "birth",
            LifeEvent::Marriage => "marriage",
            LifeEvent::Divorce => "divorce",
            LifeEvent::MyNumberCard => "my_number_card",
            LifeEvent::Certificates => "certificates",
            LifeEvent::Kokuho => "kokuho",
            LifeEvent::ChildAllowance => "child_allowance",
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
            LifeEvent::Birth => ("出生", "Birth"),
            LifeEvent::Marriage => ("婚姻", "Marriage"),
            LifeEvent::Divorce => ("離婚", "Divorce"),
            LifeEvent::MyNumberCard => ("マイナンバーカードの手続き", "My Number card"),
            LifeEvent::Certificates => ("証明書の交付", "Certificates"),
            LifeEvent::Kokuho => ("国民健康保険の加入・脱退", "National Health Insurance"),
            LifeEvent::ChildAllowance => ("児童手当", "Child allowance"),
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
    /// The household already receives 児童手当 (for other children).
    AllowanceAlready,
    /// The number of children the claimant raises changed (児童手当 額改定).
    ChildrenChanged,
    /// Someone joins 国保 because they left an employer's insurance.
    KokuhoJoin,
    /// Someone leaves 国保 because they joined an employer's insurance.
    KokuhoLeave,
    /// Someone's surname changes (婚姻・離婚).
    SurnameChange,
    /// A divorce by 調停, 審判 or 判決 (届出 within 10 days), not by agreement.
    CourtDivorce,
    /// Someone wants a new My Number card.
    CardNew,
    /// A My Number card was lost or stolen.
    CardLost,
    /// A PIN of the card was forgotten or locked.
    CardPin,
    /// The card's electronic certificates expire soon.
    CardRenew,
    /// Wants 住民票の写し.
    WantsJuminhyo,
    /// Wants 印鑑登録証明書.
    WantsInkanCert,
    /// Wants 戸籍証明書 (謄本・抄本).
    WantsKoseki,
}

impl Fact {
    /// Every fact, in the order they are asked ([`Navi::questions`]): the household
    /// (children, 国保, 外国籍), then names and cards, seals, and what is wanted. A fact that
    /// only matters when another holds comes after it.
    pub const ALL: [Fact; 21] = [
        Fact::Children,
        Fact::SingleParent,
        Fact::AllowanceAlready,
        Fact::ChildrenChanged,
        Fact::Kokuho,
        Fact::KokuhoJoin,
        Fact::KokuhoLeave,
        Fact::ForeignResidents,
        Fact::SurnameChange,
        Fact::CourtDivorce,
        Fact::CardHolders,
        Fact::CardMoveIn,
        Fact::InkanRegistered,
        Fact::WantsInkan,
        Fact::CardNew,
        Fact::CardLost,
        Fact::CardPin,
        Fact::CardRenew,
        Fact::WantsJuminhyo,
        Fact::WantsInkanCert,
        Fact::WantsKoseki,
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
            Fact::AllowanceAlready => "allowance_already",
            Fact::ChildrenChanged => "children_changed",
            Fact::KokuhoJoin => "kokuho_join",
            Fact::KokuhoLeave => "kokuho_leave",
            Fact::SurnameChange => "surname_change",
            Fact::CourtDivorce => "court_divorce",
            Fact::CardNew => "card_new",
            Fact::CardLost => "card_lost",
            Fact::CardPin => "card_pin",
            Fact::CardRenew => "card_renew",
            Fact::WantsJuminhyo => "wants_juminhyo",
            Fact::WantsInkanCert => "wants_inkan_cert",
            Fact::WantsKoseki => "wants_koseki",
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

/// Where a procedure without forms is done (a 戸籍届, advice given with another procedure).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Place {
    department: Department,
    counter: u8,
}

/// A text of a rule: written out, or the name of one of the file's `[things]` (texts several
/// rules share: what to bring, a deadline, a title).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Said {
    Named(String),
    Written(Label),
}

impl Said {
    fn resolve(&self, rule: &str, things: &BTreeMap<String, Label>) -> Result<Label, CatalogError> {
        match self {
            Said::Written(label) => Ok(label.clone()),
            Said::Named(name) => things
                .get(name)
                .cloned()
                .ok_or_else(|| CatalogError::Parse {
                    file: "navi.toml",
                    reason: format!("rule {rule}: no thing {name} in [things]"),
                }),
        }
    }
}

/// What the filled visit says that changes what to bring: read from the forms' values, never
/// asked ([`VisitFact::of`]). The kiosk, before the forms are filled, knows none of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitFact {
    /// A 任意代理人 stands at the counter (`visit.notifier_relation` = `agent`): a 委任状.
    Agent,
    /// A 法定代理人 (`legal_agent`): the 戸籍謄本 or 登記事項証明書 that makes them one.
    LegalAgent,
    /// A child of the visit lives apart (`person.lives_with` = `apart`): the 別居監護申立書.
    ChildApart,
    /// The allowance goes to the 公金受取口座 (`visit.payment_account` = `public`): no bank book.
    PublicAccount,
}

impl VisitFact {
    /// What the visit's values say.
    ///
    /// ```
    /// use shared_model::catalog::VisitValues;
    /// use shared_model::navi::VisitFact;
    ///
    /// let mut values = VisitValues::default();
    /// values.visit.insert("visit.notifier_relation".into(), "agent".into());
    /// assert_eq!(VisitFact::of(&values).into_iter().collect::<Vec<_>>(), [VisitFact::Agent]);
    /// ```
    pub fn of(values: &crate::catalog::VisitValues) -> BTreeSet<VisitFact> {
        let visit = |key: &str| values.visit.get(key).map(String::as_str);
        let mut facts = BTreeSet::new();
        // 戸籍証明書's own standing (戸籍法10条: 本人・配偶者・直系, or an agent).
        let koseki_agent = values
            .forms
            .values()
            .any(|f| f.get("relation").map(String::as_str) == Some("agent"));
        if koseki_agent {
            facts.insert(VisitFact::Agent);
        }
        match visit("visit.notifier_relation") {
            Some("agent") => {
                facts.insert(VisitFact::Agent);
            }
            Some("legal_agent") => {
                facts.insert(VisitFact::LegalAgent);
            }
            _ => {}
        }
        if values
            .persons
            .iter()
            .any(|p| p.get("person.lives_with").map(String::as_str) == Some("apart"))
        {
            facts.insert(VisitFact::ChildApart);
        }
        if visit("visit.payment_account") == Some("public") {
            facts.insert(VisitFact::PublicAccount);
        }
        facts
    }
}

/// One thing of a rule's `bring`: always, or only when the visit says so (`visit`), or
/// unless it does (`unless_visit`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawBring {
    Said(Said),
    Conditional {
        thing: Said,
        #[serde(default)]
        visit: Vec<VisitFact>,
        #[serde(default)]
        unless_visit: Vec<VisitFact>,
    },
}

/// A thing to bring, read.
#[derive(Debug, Clone)]
struct Bring {
    thing: Label,
    visit: Vec<VisitFact>,
    unless_visit: Vec<VisitFact>,
}

impl Bring {
    fn applies(&self, facts: &BTreeSet<VisitFact>) -> bool {
        self.visit.iter().all(|f| facts.contains(f))
            && !self.unless_visit.iter().any(|f| facts.contains(f))
    }
}

/// Things every procedure with forms asks for when the visit says so (navi.toml
/// `[[also_bring]]`: an agent's 委任状), unless the rule names its own for that fact (印鑑登録:
/// the 代理人選任届).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAlsoBring {
    visit: Vec<VisitFact>,
    bring: Vec<Said>,
}

/// A rule as navi.toml writes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    when: When,
    #[serde(default)]
    per: Per,
    forms: Vec<String>,
    /// 課 and 窓口番号 of a rule without forms.
    place: Option<Place>,
    title: Said,
    reason: Said,
    deadline: Option<Said>,
    #[serde(default)]
    bring: Vec<RawBring>,
}

/// A rule read: its texts resolved, its place known.
#[derive(Debug, Clone)]
struct Rule {
    id: String,
    when: When,
    per: Per,
    forms: Vec<String>,
    title: Label,
    reason: Label,
    deadline: Option<Label>,
    bring: Vec<Bring>,
    /// 課 and 窓口番号: of the first form, or the rule's `place`.
    placed: (Department, u8),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    /// Texts that several rules name.
    #[serde(default)]
    things: BTreeMap<String, Label>,
    #[serde(default)]
    also_bring: Vec<RawAlsoBring>,
    rules: Vec<RawRule>,
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
    /// `[[also_bring]]`: for these visit facts, these things, on every procedure with forms.
    also: Vec<(Vec<VisitFact>, Vec<Label>)>,
}

impl Navi {
    /// The title of a rule's procedure (「転入届」), for lists and statistics.
    pub fn title(&self, rule: &str) -> Option<&Label> {
        self.rules.iter().find(|r| r.id == rule).map(|r| &r.title)
    }

    /// Every form some rule leads to (a form no rule names cannot be added to a visit).
    pub fn forms_named(&self) -> BTreeSet<&str> {
        self.rules
            .iter()
            .flat_map(|r| r.forms.iter().map(String::as_str))
            .collect()
    }

    /// The rules file shipped with this build (`catalog/navi.toml`).
    pub const BUILTIN_RULES: &'static str = include_str!("../catalog/navi.toml");

    /// The rules shipped with this build.
    pub fn builtin() -> &'static Navi {
        static BUILTIN: OnceLock<Navi> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            Navi::parse(Self::BUILTIN_RULES, Catalog::builtin())
                .expect("the embedded navi rules are checked by the crate's tests")
        })
    }

    /// Reads rules, checking that every form they name is in the catalog.
    pub fn parse(text: &str, catalog: &Catalog) -> Result<Navi, CatalogError> {
        let file: RulesFile = toml::from_str(text).map_err(|e| CatalogError::Parse {
            file: "navi.toml",
            reason: e.to_string(),
        })?;
        let mut seen = BTreeSet::new();
        let mut rules = Vec::with_capacity(file.rules.len());
        for raw in file.rules {
            let refuse = |reason: String| CatalogError::Parse {
                file: "navi.toml",
                reason: format!("rule {}: {reason}", raw.id),
            };
            if !seen.insert(raw.id.clone()) {
                return Err(CatalogError::Parse {
                    file: "navi.toml",
                    reason: format!("rule {} is defined twice", raw.id),
                });
            }
            if raw.when.on_request
                != (raw.when.event.is_empty()
                    && raw.when.facts.is_empty()
                    && raw.when.not_facts.is_empty())
            {
                return Err(refuse(
                    "give either events (with facts) or on_request = true".into(),
                ));
            }
            if raw.when.on_request && raw.forms.is_empty() {
                return Err(refuse("a procedure asked for needs a form".into()));
            }
            let mut first_form = None;
            for id in &raw.forms {
                let form = catalog.form(id)?;
                first_form.get_or_insert((form.department, form.counter));
            }
            let placed = match (first_form, raw.place) {
                (Some(placed), None) => placed,
                (None, Some(place)) => (place.department, place.counter),
                (None, None) => {
                    return Err(refuse(
                        "a rule without forms needs its place (department, counter)".into(),
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(refuse(
                        "a rule with forms is placed by its first form, not by place".into(),
                    ));
                }
            };
            let id = raw.id.as_str();
            rules.push(Rule {
                title: raw.title.resolve(id, &file.things)?,
                reason: raw.reason.resolve(id, &file.things)?,
                deadline: raw
                    .deadline
                    .as_ref()
                    .map(|d| d.resolve(id, &file.things))
                    .transpose()?,
                bring: raw
                    .bring
                    .iter()
                    .map(|b| match b {
                        RawBring::Said(said) => Ok(Bring {
                            thing: said.resolve(id, &file.things)?,
                            visit: Vec::new(),
                            unless_visit: Vec::new(),
                        }),
                        RawBring::Conditional {
                            thing,
                            visit,
                            unless_visit,
                        } => Ok(Bring {
                            thing: thing.resolve(id, &file.things)?,
                            visit: visit.clone(),
                            unless_visit: unless_visit.clone(),
                        }),
                    })
                    .collect::<Result<_, CatalogError>>()?,
                placed,
                id: raw.id,
                when: raw.when,
                per: raw.per,
                forms: raw.forms,
            });
        }
        let also = file
            .also_bring
            .iter()
            .map(|a| {
                let things = a
                    .bring
                    .iter()
                    .map(|b| b.resolve("also_bring", &file.things))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((a.visit.clone(), things))
            })
            .collect::<Result<_, CatalogError>>()?;
        Ok(Navi { rules, also })
    }

    /// The plan with what to bring for what the filled visit says ([`VisitFact::of`]): an
    /// agent's 委任状, a 法定代理人's proof, the 別居監護申立書 of a child living apart, no bank
    /// book for a claim paid to the 公金受取口座. Each thing once per procedure.
    ///
    /// ```
    /// use std::collections::{BTreeMap, BTreeSet};
    /// use shared_model::navi::{Navi, VisitFact};
    ///
    /// let navi = Navi::builtin();
    /// let choices = BTreeMap::from([("req_card_loss".to_owned(), true)]);
    /// let plan = navi.visit_plan(None, &choices);
    /// let agent = navi.for_visit(plan, &BTreeSet::from([VisitFact::Agent]));
    /// assert!(agent[0].bring.iter().any(|b| b.ja.starts_with("委任状")));
    /// ```
    pub fn for_visit(&self, plan: Vec<Procedure>, facts: &BTreeSet<VisitFact>) -> Vec<Procedure> {
        plan.into_iter()
            .map(|mut p| {
                let Some(rule) = self.rules.iter().find(|r| r.id == p.rule) else {
                    return p;
                };
                let mut bring: Vec<Label> = Vec::new();
                let mut add = |thing: &Label| {
                    if !bring.iter().any(|b| b.ja == thing.ja) {
                        bring.push(thing.clone());
                    }
                };
                for b in rule.bring.iter().filter(|b| b.applies(facts)) {
                    add(&b.thing);
                }
                if !rule.forms.is_empty() {
                    for (when, things) in &self.also {
                        let own = rule
                            .bring
                            .iter()
                            .any(|b| b.visit.iter().any(|f| when.contains(f)));
                        if !own && when.iter().all(|f| facts.contains(f)) {
                            things.iter().for_each(&mut add);
                        }
                    }
                }
                p.bring = bring;
                p
            })
            .collect()
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

/// How a question of the navi is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// はい / いいえ: the fact holds or not ([`Answers::with`]).
    YesNo,
    /// A number of persons (0 when none): [`Answers::card_holders`].
    Count,
}

/// A question of the navi for citizens: whether a fact holds (or how many persons it holds
/// for), in the nine languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    /// The fact the answer sets.
    pub fact: Fact,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The question.
    pub text: Words,
    /// A short help under the question (what counts, an example), if it needs one.
    pub hint: Option<Words>,
    /// Asked only when this other fact was answered yes (for the card holders' count: more
    /// than 0); it is asked before. Every rule of the event that looks at this fact also
    /// needs that one (ひとり親 matters only with children, 特例転入 only with a card). When
    /// that one is answered no, this one is to be dropped from the answers.
    pub only_if: Option<Fact>,
}

/// A group of life events on the kiosk's first menu (引っ越し holds the five moves: the kiosk
/// then asks which, by [`LifeEvent::words`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventGroup {
    /// Stable id (`move`, `birth`, `marriage_divorce`, `my_number_card`, `certificates`,
    /// `kokuho`, `child_allowance`).
    pub id: &'static str,
    /// The menu's words.
    pub name: Words,
    /// Its events (one: chosen with the group).
    pub events: &'static [LifeEvent],
}

/// One counter the citizen goes to, with what is done there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stop {
    /// The 課.
    pub department: Department,
    /// 窓口番号 within the 課.
    pub counter: u8,
    /// The procedures done there, in the plan's order.
    pub procedures: Vec<Procedure>,
}

impl Navi {
    /// The questions that change the plan for this event, in the order of [`Fact::ALL`]:
    /// exactly the facts the event's rules look at (in `facts` or `not_facts`, and the
    /// number of card holders when a rule counts per holder). The number of card holders is
    /// a [`QuestionKind::Count`], every other fact a [`QuestionKind::YesNo`].
    ///
    /// ```
    /// use shared_model::navi::{Fact, LifeEvent, Navi, QuestionKind};
    ///
    /// let questions = Navi::builtin().questions(LifeEvent::Tenkyo);
    /// let facts: Vec<Fact> = questions.iter().map(|q| q.fact).collect();
    /// assert_eq!(
    ///     facts,
    ///     [Fact::Children, Fact::Kokuho, Fact::ForeignResidents, Fact::CardHolders]
    /// );
    /// assert_eq!(questions[3].kind, QuestionKind::Count);
    /// ```
    pub fn questions(&self, event: LifeEvent) -> Vec<Question> {
        let rules: Vec<&Rule> = self
            .rules
            .iter()
            .filter(|r| r.when.event.contains(&event))
            .collect();
        let looks_at = |rule: &Rule, fact: Fact| {
            rule.when.facts.contains(&fact)
                || rule.when.not_facts.contains(&fact)
                || (fact == Fact::CardHolders && rule.per == Per::CardHolder)
        };
        let asked: Vec<Fact> = Fact::ALL
            .into_iter()
            .filter(|&f| rules.iter().any(|r| looks_at(r, f)))
            .collect();
        asked
            .iter()
            .enumerate()
            .map(|(i, &fact)| {
                // The first fact asked before this one that every rule needing this one also
                // needs. A rule that only excludes it (`not_facts`: 転入届 without 特例転入)
                // does not decide: unasked, the fact is no, and that rule applies as it should.
                let needing: Vec<&&Rule> = rules
                    .iter()
                    .filter(|r| r.when.facts.contains(&fact))
                    .collect();
                let only_if = asked[..i].iter().copied().find(|&before| {
                    if needing.is_empty() {
                        rules
                            .iter()
                            .filter(|r| looks_at(r, fact))
                            .all(|r| r.when.facts.contains(&before))
                    } else {
                        needing.iter().all(|r| r.when.facts.contains(&before))
                    }
                });
                let counted = fact == Fact::CardHolders;
                Question {
                    fact,
                    kind: if counted {
                        QuestionKind::Count
                    } else {
                        QuestionKind::YesNo
                    },
                    text: fact.question(),
                    hint: fact.hint(),
                    only_if,
                }
            })
            .collect()
    }

    /// The counters of a plan in the order the citizen goes to them, each with its
    /// procedures: 市民課 first, then 保険年金課, then こども家庭課 ([`Department::ALL`]).
    /// The 住民異動 or 戸籍届 of 市民課 makes the new address, name or child a record of the
    /// city, which 国保 and 児童手当 are then written on (their forms carry the new address,
    /// the new person); 国保 comes before こども家庭課 because the 児童手当 claim asks for the
    /// claimant's health insurance. Within a 課 the counters come in the order the plan
    /// first names them: the rules put the 届 others depend on first (転入届 at 7 before
    /// 印鑑登録 at 5, which needs the person registered).
    ///
    /// ```
    /// use shared_model::catalog::Department;
    /// use shared_model::navi::{Answers, Fact, LifeEvent, Navi};
    ///
    /// let navi = Navi::builtin();
    /// let plan = navi.plan(&Answers::new(LifeEvent::Tennyu).with(Fact::Children));
    /// let stops: Vec<(Department, u8)> =
    ///     navi.route(&plan).iter().map(|s| (s.department, s.counter)).collect();
    /// assert_eq!(stops, [(Department::Shimin, 7), (Department::KodomoKatei, 1)]);
    /// ```
    pub fn route(&self, plan: &[Procedure]) -> Vec<Stop> {
        let mut stops: Vec<Stop> = Vec::new();
        for department in Department::ALL {
            for p in plan.iter().filter(|p| p.department == department) {
                match stops
                    .iter_mut()
                    .find(|s| s.department == department && s.counter == p.counter)
                {
                    Some(stop) => stop.procedures.push(p.clone()),
                    None => stops.push(Stop {
                        department,
                        counter: p.counter,
                        procedures: vec![p.clone()],
                    }),
                }
            }
        }
        stops
    }

    /// The rules a citizen reaches from the kiosk's events (every rule of a life event, not
    /// those asked for at the counter), as procedures: what must be shown in the nine
    /// languages.
    pub fn kiosk_rules(&self) -> impl Iterator<Item = Procedure> + '_ {
        self.rules
            .iter()
            .filter(|r| !r.when.event.is_empty())
            .map(|r| r.procedure(1, false))
    }
}

impl Rule {
    fn procedure(&self, count: u32, requested: bool) -> Procedure {
        let (department, counter) = self.placed;
        Procedure {
            rule: self.id.clone(),
            title: self.title.clone(),
            department,
            counter,
            forms: self.forms.clone(),
            count,
            bring: self
                .bring
                .iter()
                .filter(|b| b.applies(&BTreeSet::new()))
                .map(|b| b.thing.clone())
                .collect(),
            deadline: self.deadline.clone(),
            reason: self.reason.clone(),
            requested,
        }
    }
}

mod words;

#[cfg(test)]
mod tests;
