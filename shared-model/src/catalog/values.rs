//! [`VisitValues`]: the values of one visit in the catalog's terms, and the validation of a
//! form against them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Catalog, CatalogError, Condition, Field, Form, Kind, Repeat, Scope};
use crate::calendar::CivilDay;
use crate::validate::{
    Code, Finding, check_date, check_date_field, check_length, check_moved_on, check_notified_on,
};

/// The values of a visit: canonical items once, plus each form's own fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitValues {
    /// `visit.*` items.
    pub visit: BTreeMap<String, String>,
    /// `household.*` items.
    pub household: BTreeMap<String, String>,
    /// `person.*` items, one map per person; the first is the applicant.
    pub persons: Vec<BTreeMap<String, String>>,
    /// Each form's own fields (`copies.inkan` for one count of a counts field).
    pub forms: BTreeMap<String, BTreeMap<String, String>>,
}

/// A finding about one field (and one row of a repeating section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldFinding {
    /// The form.
    pub form: String,
    /// The section.
    pub section: String,
    /// The field key.
    pub field: String,
    /// The person row, for person fields.
    pub person: Option<usize>,
    /// What is wrong.
    pub finding: Finding,
}

impl VisitValues {
    /// The value of `key` as `form` sees it (person fields of `person`, default the first).
    pub fn get(&self, form: &str, key: &str, person: Option<usize>) -> Option<&str> {
        let value = match scope_of_key(key) {
            Scope::Person => self.persons.get(person.unwrap_or(0))?.get(key),
            Scope::Household => self.household.get(key),
            Scope::Visit => self.visit.get(key),
            Scope::Form => self.forms.get(form)?.get(key),
        };
        value.map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// Sets a field of a form, refusing fields the form does not have.
    pub fn set(
        &mut self,
        catalog: &Catalog,
        form_id: &str,
        key: &str,
        person: Option<usize>,
        value: &str,
    ) -> Result<(), CatalogError> {
        let form = catalog.form(form_id)?;
        let (field_key, sub) = match key.split_once('.') {
            Some((field, choice)) if form.field(field).is_some_and(|f| f.kind == Kind::Counts) => {
                (field, Some(choice))
            }
            _ => (key, None),
        };
        let field = form
            .field(field_key)
            .ok_or_else(|| CatalogError::UnknownField {
                form: form_id.to_owned(),
                field: key.to_owned(),
            })?;
        if field.kind == Kind::Counts && sub.is_none() {
            return Err(CatalogError::WrongType {
                form: form_id.to_owned(),
                field: key.to_owned(),
                expected: "a count per choice (field.choice)",
            });
        }
        let slot = match field.scope {
            Scope::Person => {
                let index = person.unwrap_or(0);
                if self.persons.len() <= index {
                    self.persons.resize_with(index + 1, BTreeMap::new);
                }
                &mut self.persons[index]
            }
            Scope::Household => &mut self.household,
            Scope::Visit => &mut self.visit,
            Scope::Form => self.forms.entry(form_id.to_owned()).or_default(),
        };
        slot.insert(key.to_owned(), value.to_owned());
        Ok(())
    }
}

impl VisitValues {
    /// The digest of the values `form` shows (what its print and its validation read): for
    /// each of its fields, the value of every row the field has on the sheet (the
    /// applicant's for a person field of a section that does not repeat, every person's for
    /// one that does), and all of the form's own fields; empty values count as absent.
    /// SHA-256 in hex (64 digits) over a version tag and, sorted, each key, row and value
    /// with its length. A signature records it ([`crate::signature::Signature::values`]):
    /// a value of the form that changes changes the digest, an item the form does not show
    /// does not.
    pub fn form_digest(&self, form: &Form) -> String {
        use sha2::{Digest, Sha256};
        let mut shown: BTreeMap<(String, Option<usize>), String> = BTreeMap::new();
        let mut keep = |key: &str, row: Option<usize>, value: Option<&String>| {
            if let Some(value) = value.map(String::as_str).filter(|v| !v.trim().is_empty()) {
                shown.insert((key.to_owned(), row), value.to_owned());
            }
        };
        for section in &form.sections {
            for field in &section.fields {
                match field.scope {
                    Scope::Person => {
                        let rows = match section.repeat {
                            Repeat::Once => self.persons.len().min(1),
                            Repeat::Persons
                            | Repeat::Children
                            | Repeat::YoungAdults
                            | Repeat::CardHolders => self.persons.len(),
                        };
                        for (row, person) in self.persons.iter().take(rows).enumerate() {
                            keep(&field.key, Some(row), person.get(&field.key));
                        }
                    }
                    Scope::Household => keep(&field.key, None, self.household.get(&field.key)),
                    Scope::Visit => keep(&field.key, None, self.visit.get(&field.key)),
                    // The form's own fields are all taken below (a counts field's values
                    // are under `field.choice`).
                    Scope::Form => {}
                }
            }
        }
        for (key, value) in self.forms.get(&form.id).into_iter().flatten() {
            keep(key, None, Some(value));
        }
        let mut hash = Sha256::new();
        hash.update(b"madoguchi-form-values-v1\n");
        hash.update(form.id.as_bytes());
        hash.update(b"\n");
        for ((key, row), value) in shown {
            let row = row.map(|r| r.to_string()).unwrap_or_default();
            hash.update(format!("{key}\t{row}\t{}\t", value.len()).as_bytes());
            hash.update(value.as_bytes());
            hash.update(b"\n");
        }
        hex::encode(hash.finalize())
    }
}

fn scope_of_key(key: &str) -> Scope {
    super::scope_of(key)
}

fn filled(value: Option<&str>) -> bool {
    matches!(value, Some(v) if !v.is_empty() && v != "false" && v != "0")
}

/// Whether a person is of 高校生年代 or younger on `on`: until the first 31 March after
/// reaching 18 (児童手当, from 2024-10).
pub fn is_child_on(birth: CivilDay, on: CivilDay) -> bool {
    on <= school_year_end_after(birth, 18)
}

/// Whether a person is one of 児童手当's 児童の兄姉等 on `on`: past 高校生年代 ([`is_child_on`]),
/// and not past the first 31 March after reaching 22 (児童手当法 3条, from 2024-10: 22歳に達する
/// 日以後の最初の3月31日まで).
pub fn is_young_adult_on(birth: CivilDay, on: CivilDay) -> bool {
    !is_child_on(birth, on) && school_year_end_after(birth, 22) >= on
}

/// The first 31 March on or after the day one reaches `age` (the end of the day before the
/// birthday; one born on 1 April reaches it on 31 March).
fn school_year_end_after(birth: CivilDay, age: i32) -> CivilDay {
    let anniversary = CivilDay::new(birth.year + age, birth.month, birth.day).unwrap_or(CivilDay {
        year: birth.year + age,
        month: 3,
        day: 1,
    });
    let reached = crate::calendar::civil_from_days(anniversary.days_since_epoch() - 1);
    let end_year = if (reached.month, reached.day) <= (3, 31) {
        reached.year
    } else {
        reached.year + 1
    };
    CivilDay {
        year: end_year,
        month: 3,
        day: 31,
    }
}

/// The rows of a repeating section on `on`: every person, the children, the 兄姉等 or the
/// card holders; a person whose 生年月日 cannot be read is listed where a child is asked for
/// (so that the error shows where the person was meant to be), and not among the 兄姉等.
pub fn section_rows(repeat: Repeat, values: &VisitValues, form: &str, on: CivilDay) -> Vec<usize> {
    // A 生年月日 with 不詳 parts counts as the last day it may be: whoever may still be a
    // child is listed as one (the staff see the row and judge).
    let birth = |i: usize| {
        values.get(form, "person.birth_date", Some(i)).map(|t| {
            crate::validate::check_date_text(t)
                .ok()
                .and_then(|r| r.date.latest())
        })
    };
    // Marked (a value that is not a flag still lists the person, where its error shows).
    let holder = |i: usize| filled(values.get(form, "person.card_holder", Some(i)));
    let anyone_holds = (0..values.persons.len()).any(holder);
    (0..values.persons.len())
        .filter(|&i| match repeat {
            Repeat::Once | Repeat::Persons => true,
            Repeat::CardHolders => holder(i) || (!anyone_holds && i == 0),
            Repeat::Children => match birth(i) {
                Some(Some(b)) => is_child_on(b, on),
                Some(None) => true,
                None => false,
            },
            // The claimant (the first person) is never one of their own 兄姉等.
            Repeat::YoungAdults => {
                i > 0 && matches!(birth(i), Some(Some(b)) if is_young_adult_on(b, on))
            }
        })
        .collect()
}

impl Catalog {
    /// Validates one form against the visit's values. `today` is the day in Japan.
    pub fn validate(
        &self,
        form_id: &str,
        values: &VisitValues,
        today: CivilDay,
    ) -> Result<Vec<FieldFinding>, CatalogError> {
        let form = self.form(form_id)?;
        let reference_day = values
            .get(form_id, "visit.notified_on", None)
            .and_then(|t| check_date(t).ok())
            .unwrap_or(today);
        let mut out = Vec::new();
        for section in &form.sections {
            let rows: Vec<Option<usize>> = match section.repeat {
                Repeat::Once => vec![None],
                Repeat::Persons => (0..values.persons.len().max(1)).map(Some).collect(),
                Repeat::Children | Repeat::YoungAdults | Repeat::CardHolders => {
                    section_rows(section.repeat, values, form_id, reference_day)
                        .into_iter()
                        .map(Some)
                        .collect()
                }
            };
            // A claim for children needs one; the 兄姉等 are there only when there are some.
            if rows.is_empty() && section.repeat != Repeat::YoungAdults {
                // A claim for children with no child of 高校生年代 or younger among the persons.
                for field in section.fields.iter().filter(|f| f.required) {
                    out.push(FieldFinding {
                        form: form.id.clone(),
                        section: section.id.clone(),
                        field: field.key.clone(),
                        person: None,
                        finding: Finding::error(
                            Code::Required,
                            format!(
                                "{}を1人以上入力してください (「{}」)。",
                                section.title.ja, field.label.ja
                            ),
                            format!("Enter at least one row of \"{}\".", section.title.en),
                        ),
                    });
                }
            }
            for row in rows {
                for field in &section.fields {
                    for finding in check_field(form, field, values, row, today) {
                        out.push(FieldFinding {
                            form: form.id.clone(),
                            section: section.id.clone(),
                            field: field.key.clone(),
                            person: row.filter(|_| field.scope == Scope::Person),
                            finding,
                        });
                    }
                }
            }
        }
        out.extend(check_deadlines(form, values, today));
        out.extend(check_rules(form, values, today));
        // The one-or-two rule: a second document is another document.
        if let Some(field) = form.field("visit.identity_document_second")
            && let (Some(first), Some(second)) = (
                values.get(form_id, "visit.identity_document", None),
                values.get(form_id, "visit.identity_document_second", None),
            )
            && first == second
        {
            out.push(FieldFinding {
                form: form.id.clone(),
                section: form.section_of(&field.key),
                field: field.key.clone(),
                person: None,
                finding: Finding::error(
                    Code::IdentitySecondSame,
                    "2点目の本人確認書類には、1点目と別の書類を選んでください。",
                    "Choose a second identity document other than the first.",
                ),
            });
        }
        // The 郵便番号 against the 町 of the address beside it.
        if form.field("household.postal_code").is_some()
            && form.field("household.address").is_some()
            && let (Some(code), Some(address)) = (
                values.get(form_id, "household.postal_code", None),
                values.get(form_id, "household.address", None),
            )
            && let Some(finding) = crate::validate::check_postal_code_town(code, address)
        {
            out.push(FieldFinding {
                form: form.id.clone(),
                section: form.section_of("household.postal_code"),
                field: "household.postal_code".into(),
                person: None,
                finding,
            });
        }
        Ok(out)
    }
}

fn required(
    form: &Form,
    field: &Field,
    values: &VisitValues,
    row: Option<usize>,
    today: CivilDay,
) -> bool {
    field.required
        || field
            .required_when
            .as_ref()
            .is_some_and(|c| holds(form, c, values, row, today))
}

/// Whether a condition holds on the visit's values (`row`: the person of a repeating
/// section). An age is counted on the 届出日 (today when there is none).
fn holds(
    form: &Form,
    c: &Condition,
    values: &VisitValues,
    row: Option<usize>,
    today: CivilDay,
) -> bool {
    let v = values.get(&form.id, &c.key, row);
    let old_enough = c.age_at_least.is_some_and(|years| {
        let on = values
            .get(&form.id, "visit.notified_on", None)
            .and_then(|t| check_date(t).ok());
        // A 生年月日 with unknown parts (不詳) counts from the earliest day it may be.
        match v
            .and_then(|t| crate::validate::check_date_text(t).ok())
            .and_then(|r| r.date.earliest())
        {
            Some(birth) => birth.age_on(on.unwrap_or(today)) >= years,
            // No year to count from: the date's own finding says what is wrong with it.
            None => true,
        }
    });
    let in_window = c.within.as_ref().is_some_and(|w| {
        let start = values
            .get(&form.id, &w.of, row)
            .and_then(|t| check_date(t).ok());
        match (start, v.map(check_date)) {
            (Some(start), Some(Ok(day))) => (0..=w.days).contains(&start.days_until(day)),
            // No start to count from, or no date yet: those are the fields' own findings.
            _ => true,
        }
    });
    let differs = c.differs_from.as_ref().is_some_and(|other| {
        let other = values.get(&form.id, other, row);
        match (v, other) {
            (Some(a), Some(b)) => same_words(a) != same_words(b),
            _ => true,
        }
    });
    (c.filled && filled(v))
        || (c.empty && !filled(v))
        || v.is_some_and(|v| c.is.iter().any(|x| x == v))
        || old_enough
        || in_window
        || differs
}

/// A name as compared across fields: NFKC (full- and half-width alike), without spaces.
fn same_words(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// The findings of the form's rules across fields.
fn check_rules(form: &Form, values: &VisitValues, today: CivilDay) -> Vec<FieldFinding> {
    let mut out = Vec::new();
    for rule in &form.rules {
        if !rule
            .when
            .iter()
            .all(|c| holds(form, c, values, None, today))
        {
            continue;
        }
        // An age, a date window or a comparison is checked once there is a value (its
        // absence is the field's own finding).
        let unknown = values.get(&form.id, &rule.then.key, None).is_none();
        if (rule.then.compares() && unknown) || holds(form, &rule.then, values, None, today) {
            continue;
        }
        // A rule nothing entered set off (the 転出証明書 with every 転入届 not excused by an
        // `empty` condition) asks for a value as a required field does: the screen says it
        // once the field is left or the form asked to be confirmed. One that a value set off
        // (個人番号入り asked by an agent → 郵送) is said at once.
        let code = if !filled(values.get(&form.id, &rule.then.key, None))
            && rule.when.iter().all(|c| c.empty)
        {
            Code::Required
        } else {
            Code::FormRule
        };
        // Two rules saying the same of one field (住民票 and 除票 asked by one agent) say it once.
        if out.iter().any(|f: &FieldFinding| {
            f.field == rule.then.key && f.finding.message_ja == rule.message.ja
        }) {
            continue;
        }
        out.push(FieldFinding {
            form: form.id.clone(),
            section: form.section_of(&rule.then.key),
            field: rule.then.key.clone(),
            person: None,
            finding: Finding::error(code, rule.message.ja.clone(), rule.message.en.clone()),
        });
    }
    out
}

fn check_field(
    form: &Form,
    field: &Field,
    values: &VisitValues,
    row: Option<usize>,
    today: CivilDay,
) -> Vec<Finding> {
    if field.kind == Kind::Counts {
        return check_counts(form, field, values, row, today);
    }
    // A required flag is a confirmation the staff tick (印鑑登録証の提示を受けた, 代理人選任届を
    // 確認した, 罹災証明書を確認): left unticked (`false`) it is missing.
    let value = values
        .get(&form.id, &field.key, row)
        .filter(|v| field.kind != Kind::Flag || *v != "false");
    let Some(value) = value else {
        if required(form, field, values, row, today) {
            return vec![Finding::error(
                Code::Required,
                format!("「{}」を入力してください。", field.label.ja),
                format!("Enter \"{}\".", field.label.en),
            )];
        }
        return Vec::new();
    };
    check_value(field, value, today)
}

/// Checks one value of a field on its own: its kind (through its canonical form), its length,
/// and for dates their rules (不詳 only where `unknown_parts`, not after `today` where
/// `past`, a 和暦 outside its era as a warning). What a screen shows for a value before any
/// form asks for it; [`Catalog::validate`] adds what each form requires. An empty value
/// gives nothing.
pub fn check_value(field: &Field, value: &str, today: CivilDay) -> Vec<Finding> {
    if value.trim().is_empty() {
        return Vec::new();
    }
    match field.kind {
        Kind::Text => {
            let mut findings: Vec<Finding> = check_length(value, field.max.unwrap_or(200))
                .err()
                .into_iter()
                .collect();
            // The receiving account's names say what kind of institution and office they are.
            findings.extend(match field.key.as_str() {
                "visit.bank_name" => crate::validate::check_bank_name(value),
                "visit.bank_branch" => crate::validate::check_branch_name(value),
                _ => None,
            });
            findings
        }
        Kind::Date => {
            let mut findings = check_date_field(value, field.unknown_parts);
            if field.past
                && let Ok(reading) = crate::validate::check_date_text(value)
            {
                let after_today = match reading.date.calendar_day() {
                    Some(day) => day > today,
                    None => reading.date.year.is_some_and(|y| y > today.year),
                };
                if after_today {
                    let shown = reading.date.to_japanese();
                    findings.push(Finding::error(
                        Code::DateInFuture,
                        format!("{} {shown} は未来の日付です。", field.label.ja),
                        format!("{} {shown} is in the future.", field.label.en),
                    ));
                }
            }
            findings
        }
        Kind::Choice => {
            if field.choices.iter().any(|c| c.id == value) {
                Vec::new()
            } else {
                vec![unknown_choice(field, value)]
            }
        }
        Kind::Flag => {
            if value == "true" || value == "false" {
                Vec::new()
            } else {
                vec![unknown_choice(field, value)]
            }
        }
        // Every other kind is checked through its canonical form.
        kind => match kind.canonical(value) {
            Ok(canonical) => match field.max {
                Some(max) => check_length(&canonical, max).err().into_iter().collect(),
                None => Vec::new(),
            },
            Err(finding) => vec![finding],
        },
    }
}

fn unknown_choice(field: &Field, value: &str) -> Finding {
    let shown: Vec<&str> = field.choices.iter().map(|c| c.label.ja.as_str()).collect();
    Finding::error(
        Code::ChoiceUnknown,
        format!(
            "「{}」は{}の選択肢にありません。{}",
            value,
            field.label.ja,
            shown.join("・")
        ),
        format!("\"{value}\" is not a choice of {}.", field.label.en),
    )
}

fn check_counts(
    form: &Form,
    field: &Field,
    values: &VisitValues,
    row: Option<usize>,
    today: CivilDay,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut total = 0u32;
    let prefix = format!("{}.", field.key);
    if let Some(own) = values.forms.get(&form.id) {
        for (key, value) in own.range(prefix.clone()..) {
            let Some(choice) = key.strip_prefix(&prefix) else {
                break;
            };
            if value.trim().is_empty() {
                continue;
            }
            if !field.choices.iter().any(|c| c.id == choice) {
                findings.push(unknown_choice(field, choice));
                continue;
            }
            // Read through the canonical form, so ２ counts as 2.
            match Kind::Counts.canonical(value) {
                Ok(n) => total += n.parse::<u32>().unwrap_or(0),
                Err(finding) => findings.push(finding),
            }
        }
    }
    if findings.is_empty() && total == 0 && required(form, field, values, row, today) {
        findings.push(Finding::error(
            Code::Required,
            format!("「{}」を1通以上指定してください。", field.label.ja),
            format!("Ask for at least one copy in \"{}\".", field.label.en),
        ));
    }
    findings
}

fn check_deadlines(form: &Form, values: &VisitValues, today: CivilDay) -> Vec<FieldFinding> {
    let mut out = Vec::new();
    let notified = values
        .get(&form.id, "visit.notified_on", None)
        .and_then(|t| check_date(t).ok());
    let finding = |field: &str, finding: Finding| FieldFinding {
        form: form.id.clone(),
        section: "deadline".into(),
        field: field.into(),
        person: None,
        finding,
    };
    if let Some(notified) = notified
        && form.field("visit.notified_on").is_some()
        && let Err(f) = check_notified_on(notified, today)
    {
        out.push(finding("visit.notified_on", f));
    }
    if let (Some(rule), Some(notified)) = (form.deadline, notified.or(Some(today)))
        && let Some(moved) = values
            .get(&form.id, "visit.moved_on", None)
            .and_then(|t| check_date(t).ok())
    {
        for f in check_moved_on(rule, moved, notified) {
            out.push(finding("visit.moved_on", f));
        }
    }
    out
}
