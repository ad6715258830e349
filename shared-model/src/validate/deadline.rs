//! 届出日 and 異動日: the notification may not be dated in the future; late notifications are
//! warnings (the counter still accepts them, and explains what follows), not errors.

use super::{Code, Finding};
use crate::calendar::{CivilDay, Wareki};

/// Which deadline applies to a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineRule {
    /// 転入・転居: notify within 14 days after moving (住基法 22・23条); the move cannot be
    /// after the notification.
    #[serde(rename = "within_14_days")]
    Within14Days,
    /// 児童手当: request within 15 days after moving in or the birth (15日特例), or the
    /// allowance starts a month later.
    #[serde(rename = "child_allowance_15_days")]
    ChildAllowance15Days,
    /// 転出: the planned moving-out day may lie before or after the notification.
    MoveOut,
}

fn shown(day: CivilDay) -> String {
    Wareki::from_day(day)
        .map(|w| w.to_string())
        .unwrap_or_else(|_| day.to_string())
}

/// 届出日: today or earlier.
pub fn check_notified_on(notified_on: CivilDay, today: CivilDay) -> Result<(), Finding> {
    if notified_on > today {
        return Err(Finding::error(
            Code::DateInFuture,
            format!(
                "届出日 {} は未来の日付です。本日以前にしてください。",
                shown(notified_on)
            ),
            format!("The notification date {notified_on} is in the future."),
        ));
    }
    Ok(())
}

/// 異動日 against 届出日 under a rule.
pub fn check_moved_on(
    rule: DeadlineRule,
    moved_on: CivilDay,
    notified_on: CivilDay,
) -> Vec<Finding> {
    let days = moved_on.days_until(notified_on);
    let mut findings = Vec::new();
    match rule {
        DeadlineRule::Within14Days => {
            if days < 0 {
                findings.push(Finding::error(
                    Code::MovedAfterNotified,
                    format!(
                        "異動日 {} が届出日 {} より後です。転入・転居は移った後に届け出ます。",
                        shown(moved_on),
                        shown(notified_on)
                    ),
                    "The move is dated after the notification; moving in is notified after the move.",
                ));
            } else if days > 14 {
                findings.push(Finding::warning(
                    Code::NotifiedLate,
                    format!(
                        "異動日から{days}日経っています (届出期間は14日以内)。遅れた理由を確認してください。"
                    ),
                    format!("{days} days after the move (the limit is 14); ask why it is late."),
                ));
            }
        }
        DeadlineRule::ChildAllowance15Days => {
            if days > 15 {
                findings.push(Finding::warning(
                    Code::ChildAllowanceLate,
                    format!(
                        "転入(出生)から{days}日経っています。15日を過ぎた請求は、請求の翌月分からの支給になります。"
                    ),
                    format!(
                        "{days} days after the event: past 15 days the allowance starts the month after the request."
                    ),
                ));
            }
        }
        DeadlineRule::MoveOut => {}
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> CivilDay {
        CivilDay::new(y, m, day).unwrap()
    }

    #[test]
    fn notification_dates() {
        let today = d(2027, 2, 1);
        assert!(check_notified_on(today, today).is_ok());
        assert!(check_notified_on(d(2027, 1, 31), today).is_ok());
        let f = check_notified_on(d(2027, 2, 2), today).unwrap_err();
        assert_eq!(
            (f.code, f.severity),
            (Code::DateInFuture, super::super::Severity::Error)
        );
        assert!(f.message_ja.contains("令和9年2月2日"));
    }

    #[test]
    fn fourteen_and_fifteen_day_rules_warn() {
        let notified = d(2027, 4, 20);
        assert!(check_moved_on(DeadlineRule::Within14Days, d(2027, 4, 6), notified).is_empty());
        let late = check_moved_on(DeadlineRule::Within14Days, d(2027, 4, 5), notified);
        assert_eq!(late[0].code, Code::NotifiedLate);
        assert_eq!(late[0].severity, super::super::Severity::Warning);
        let after = check_moved_on(DeadlineRule::Within14Days, d(2027, 4, 21), notified);
        assert_eq!(after[0].code, Code::MovedAfterNotified);
        assert!(
            check_moved_on(DeadlineRule::ChildAllowance15Days, d(2027, 4, 5), notified).is_empty()
        );
        let ca = check_moved_on(DeadlineRule::ChildAllowance15Days, d(2027, 4, 4), notified);
        assert_eq!(ca[0].code, Code::ChildAllowanceLate);
        assert!(check_moved_on(DeadlineRule::MoveOut, d(2027, 5, 1), notified).is_empty());
    }
}
