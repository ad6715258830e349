//! [`DayStats`]: how a day at the counters went, from its visits — visits and forms per
//! procedure, waiting time from reception to the first counter, and handling time at each
//! 課 — so the city can see where people wait (spec V.2). Sans-IO: the server gathers the
//! visits, this counts them.
//!
//! ```
//! use shared_model::stats::{DayStats, VisitFacts};
//!
//! let facts = VisitFacts {
//!     created_at: 0,
//!     opened: vec![("市民課".into(), 6 * 60_000)],
//!     handed_off: vec![],
//!     last_activity: vec![("市民課".into(), 16 * 60_000)],
//!     procedures: vec![("tenkyo".into(), "市民課".into())],
//!     settled_forms: vec![("jumin_idou_tenkyo".into(), "市民課".into())],
//! };
//! let day = DayStats::of("2027-04-01", &[facts]);
//! assert_eq!(day.visits, 1);
//! assert_eq!(day.departments["市民課"].waiting_median_min, Some(6.0));
//! assert_eq!(day.departments["市民課"].handling_median_min, Some(10.0));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::visit::VisitDoc;

/// What one visit contributes, read from its document.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VisitFacts {
    /// Reception (kiosk) time, ms since the epoch.
    pub created_at: i64,
    /// Each time a 課 opened it: (課, when).
    pub opened: Vec<(String, i64)>,
    /// Each handoff away from a 課: (課, when).
    pub handed_off: Vec<(String, i64)>,
    /// The last thing that happened at each 課: (課, when).
    pub last_activity: Vec<(String, i64)>,
    /// The procedures the visit goes through (kept as proposed, or ticked, or asked for)
    /// and the 課 of each.
    pub procedures: Vec<(String, String)>,
    /// Forms confirmed (or beyond) and the 課 that owns them.
    pub settled_forms: Vec<(String, String)>,
}

impl VisitFacts {
    /// The facts of a visit document.
    pub fn of(visit: &VisitDoc) -> Self {
        let mut facts = VisitFacts {
            created_at: visit.created_at(),
            procedures: visit
                .chosen_procedures()
                .into_iter()
                .map(|p| (p.rule, p.department.ja().to_owned()))
                .collect(),
            ..VisitFacts::default()
        };
        for entry in visit.history() {
            match entry.action.as_str() {
                "opened" => facts.opened.push((entry.department.clone(), entry.at)),
                "handed_off" => facts.handed_off.push((entry.department.clone(), entry.at)),
                _ => {}
            }
            match facts
                .last_activity
                .iter_mut()
                .find(|(d, _)| *d == entry.department)
            {
                Some((_, at)) => *at = (*at).max(entry.at),
                None => facts.last_activity.push((entry.department, entry.at)),
            }
        }
        for (form, status) in visit.form_statuses() {
            if status.state.is_settled()
                && let Ok(owner) = visit.catalog().form(&form)
            {
                facts
                    .settled_forms
                    .push((form, owner.department.ja().to_owned()));
            }
        }
        facts
    }
}

/// One 課's day.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DepartmentStats {
    /// Visits it opened.
    pub visits: usize,
    /// Procedures placed at it, over the visits of the day.
    #[serde(default)]
    pub procedures: usize,
    /// Its forms confirmed (or sent, or taken in).
    pub forms_settled: usize,
    /// Median minutes from reception to this 課 opening the visit, for visits it saw first.
    pub waiting_median_min: Option<f64>,
    /// Median minutes from opening to handing on (or to the last thing done there).
    pub handling_median_min: Option<f64>,
}

/// A day at the counters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DayStats {
    /// The day (YYYY-MM-DD).
    pub day: String,
    /// Visits registered.
    pub visits: usize,
    /// Visits that no counter has opened yet.
    pub waiting_now: usize,
    /// Visits per procedure.
    pub procedures: BTreeMap<String, usize>,
    /// Per 課 (by its Japanese name).
    pub departments: BTreeMap<String, DepartmentStats>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

fn minutes(ms: i64) -> f64 {
    (ms.max(0) as f64 / 60_000.0 * 10.0).round() / 10.0
}

impl DayStats {
    /// Counts a day's visits.
    pub fn of(day: &str, visits: &[VisitFacts]) -> DayStats {
        let mut stats = DayStats {
            day: day.to_owned(),
            visits: visits.len(),
            ..DayStats::default()
        };
        let mut waits: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut handling: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for visit in visits {
            for (procedure, department) in &visit.procedures {
                *stats.procedures.entry(procedure.clone()).or_default() += 1;
                stats
                    .departments
                    .entry(department.clone())
                    .or_default()
                    .procedures += 1;
            }
            for (_, department) in &visit.settled_forms {
                stats
                    .departments
                    .entry(department.clone())
                    .or_default()
                    .forms_settled += 1;
            }
            let first = visit.opened.iter().min_by_key(|(_, at)| *at);
            match first {
                None => stats.waiting_now += 1,
                Some((department, at)) => waits
                    .entry(department.clone())
                    .or_default()
                    .push(minutes(at - visit.created_at)),
            }
            let mut seen_at: Vec<&String> = Vec::new();
            for (department, opened_at) in &visit.opened {
                if seen_at.contains(&department) {
                    continue;
                }
                seen_at.push(department);
                stats
                    .departments
                    .entry(department.clone())
                    .or_default()
                    .visits += 1;
                let left = visit
                    .handed_off
                    .iter()
                    .filter(|(d, at)| d == department && at >= opened_at)
                    .map(|(_, at)| *at)
                    .min()
                    .or_else(|| {
                        visit
                            .last_activity
                            .iter()
                            .find(|(d, _)| d == department)
                            .map(|(_, at)| *at)
                    });
                if let Some(left) = left {
                    handling
                        .entry(department.clone())
                        .or_default()
                        .push(minutes(left - opened_at));
                }
            }
        }
        for (department, values) in waits {
            stats
                .departments
                .entry(department)
                .or_default()
                .waiting_median_min = median(values);
        }
        for (department, values) in handling {
            stats
                .departments
                .entry(department)
                .or_default()
                .handling_median_min = median(values);
        }
        stats
    }

    /// The day as CSV (UTF-8 with BOM, so spreadsheet tools read the Japanese headers):
    /// one line per 課 and one per procedure.
    pub fn to_csv(&self) -> String {
        let number = |v: Option<f64>| v.map(|v| format!("{v:.1}")).unwrap_or_default();
        let mut out = String::from(
            "\u{feff}日付,区分,名前,件数,手続き数,確認済み届書,待ち時間中央値(分),対応時間中央値(分)\r\n",
        );
        for (name, d) in &self.departments {
            out.push_str(&format!(
                "{},課,{},{},{},{},{},{}\r\n",
                self.day,
                name,
                d.visits,
                d.procedures,
                d.forms_settled,
                number(d.waiting_median_min),
                number(d.handling_median_min)
            ));
        }
        for (name, n) in &self.procedures {
            out.push_str(&format!("{},手続き,{name},{n},,,,\r\n", self.day));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit(created: i64, opened: &[(&str, i64)], handed: &[(&str, i64)]) -> VisitFacts {
        VisitFacts {
            created_at: created,
            opened: opened.iter().map(|(d, t)| (d.to_string(), *t)).collect(),
            handed_off: handed.iter().map(|(d, t)| (d.to_string(), *t)).collect(),
            last_activity: opened
                .iter()
                .map(|(d, t)| (d.to_string(), t + 60_000))
                .collect(),
            procedures: vec![("tennyu".into(), "市民課".into())],
            settled_forms: vec![],
        }
    }

    #[test]
    fn waiting_and_handling_per_ka_with_a_handoff() {
        let min = 60_000;
        let visits = [
            // Received at 0, 市民課 at 10 min, handed to 保険年金課 at 25, opened there at 30.
            visit(
                0,
                &[("市民課", 10 * min), ("保険年金課", 30 * min)],
                &[("市民課", 25 * min)],
            ),
            visit(0, &[("市民課", 20 * min)], &[]),
            visit(0, &[], &[]),
        ];
        let day = DayStats::of("2027-04-01", &visits);
        assert_eq!((day.visits, day.waiting_now), (3, 1));
        let shimin = &day.departments["市民課"];
        assert_eq!(shimin.visits, 2);
        assert_eq!(shimin.waiting_median_min, Some(15.0));
        // 15 min until the handoff; 1 min of work on the other visit.
        assert_eq!(shimin.handling_median_min, Some(8.0));
        let hoken = &day.departments["保険年金課"];
        assert_eq!((hoken.visits, hoken.waiting_median_min), (1, None));
        assert_eq!(day.procedures["tennyu"], 3);
        let csv = day.to_csv();
        assert!(csv.starts_with("\u{feff}日付,区分"));
        assert!(csv.contains("2027-04-01,課,市民課,2,3,0,15.0,8.0\r\n"));
        assert!(csv.contains("2027-04-01,手続き,tennyu,3,,,,\r\n"));
    }

    #[test]
    fn procedures_kept_as_proposed_are_counted() {
        use crate::navi::{Answers, Fact, LifeEvent};
        use crate::visit::VisitChange;
        let mut visit = VisitDoc::new(crate::DocumentId::random(), "1", 0);
        // 転入 with 国保: the navi proposes 転入届, 国保の加入 and 所得の簡易申告; nothing is
        // ticked again, 所得の簡易申告 is dropped, and 住民票の写し is asked for.
        visit
            .apply(&VisitChange::Answers {
                answers: Answers::new(LifeEvent::Tennyu).with(Fact::Kokuho),
                at: 1,
            })
            .unwrap();
        for (rule, chosen) in [("kokuho_income", false), ("req_juminhyo", true)] {
            visit
                .apply(&VisitChange::Procedure {
                    rule: rule.into(),
                    chosen,
                })
                .unwrap();
        }
        let facts = VisitFacts::of(&visit);
        assert_eq!(
            facts.procedures,
            [
                ("tennyu".to_owned(), "市民課".to_owned()),
                ("kokuho_join".to_owned(), "保険年金課".to_owned()),
                ("req_juminhyo".to_owned(), "市民課".to_owned()),
            ]
        );
        let day = DayStats::of("2027-04-01", &[facts]);
        assert_eq!(day.procedures.len(), 3);
        assert_eq!(day.departments["市民課"].procedures, 2);
        assert_eq!(day.departments["保険年金課"].procedures, 1);
    }
}
