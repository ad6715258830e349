//! [`AuditEntry`]: one line of the audit log as the server stores and reports it and the
//! admin face shows it — one definition for the browser and the server.

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// Its number (the log only grows).
    pub id: i64,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who: a staff login, or `system` for the server's own work.
    pub login: String,
    /// What kind of act.
    pub action: String,
    /// What exactly.
    pub detail: String,
    /// At which terminal (its id, as the terminal reports itself; empty for the server's own
    /// work).
    #[serde(default)]
    pub terminal: String,
    /// The visit the entry is about, as people name it (`受付3 (2026-11-30)`), when its
    /// detail names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visit: Option<String>,
}

/// Every kind of act the audit log records, with its Japanese name (the admin face's column
/// and what a search in Japanese finds: 「個人番号」 finds the reveals).
pub const ACTIONS: &[(&str, &str)] = &[
    ("sign_in", "サインイン"),
    ("sign_out", "サインアウト"),
    ("sign_in_failed", "サインイン失敗"),
    ("sign_in_blocked", "サインイン停止 (試行回数超過)"),
    ("sign_in_refused", "サインイン拒否 (不正な要求)"),
    ("sign_in_replayed", "サインイン拒否 (再送された要求)"),
    ("credential_refused", "資格情報の拒否"),
    ("forbidden", "権限のない操作"),
    ("visit_opened", "受付を開いた"),
    ("visit_handed_off", "受付を回付"),
    ("visit_taken_back", "受付を取り戻し"),
    ("visit_moved", "受付の課の変更"),
    ("form_decided", "届書の確認 (サーバー)"),
    ("resident_search", "住民検索"),
    ("household_lookup", "世帯の照会"),
    ("reveal", "個人番号の表示"),
    ("document_read", "持参書類の読取 (転出証明書・本人確認書類)"),
    ("signature_captured", "署名の取得 (署名パッド)"),
    ("sync_denied", "同期の拒否 (権限外の文書)"),
    ("sync_closed", "同期の切断"),
    ("oversize_body", "過大な要求の拒否"),
    ("refusals_not_itemised", "拒否の集計"),
    ("kiosk_enrolled", "キオスク端末の登録"),
    ("kiosk_enroll_refused", "キオスク端末の登録拒否"),
    ("kiosk_revoked", "キオスク端末の停止"),
    ("kiosk_added", "キオスク端末の追加"),
    ("display_added", "待合表示の追加"),
    ("display_enrolled", "待合表示の登録"),
    ("display_enroll_refused", "待合表示の登録拒否"),
    ("display_revoked", "待合表示の停止"),
    ("numbers_reserved", "受付番号の予約 (キオスク)"),
    ("queue_called", "呼出"),
    ("queue_recalled", "再呼出"),
    ("queue_absent", "不在"),
    ("queue_done", "対応済み"),
    ("other_city_refused", "他の自治体の機能の拒否"),
    (
        "visit_register_refused",
        "受付登録の拒否 (他の自治体の文書)",
    ),
    ("import_file", "住基ファイルの取込"),
    ("import_refused", "住基ファイルの取込拒否"),
    ("import_row_quarantined", "住基の行を保留"),
    ("export_batch", "基幹システムへの送信"),
    ("export_result", "基幹システムの取込結果"),
    ("export_result_refused", "取込結果ファイルの拒否"),
    ("export_retry", "再送の指示"),
    ("audit_search", "監査ログの検索"),
    ("audit_export", "監査ログのCSV出力"),
];

/// The Japanese name of an act (the code itself for one not in [`ACTIONS`]).
pub fn action_ja(action: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(code, _)| *code == action)
        .map(|(_, ja)| *ja)
        .unwrap_or(action)
}

/// The codes of the acts whose Japanese name contains `text` (「個人番号」 → `reveal`).
pub fn actions_named(text: &str) -> Vec<&'static str> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    ACTIONS
        .iter()
        .filter(|(_, ja)| ja.contains(text.trim()))
        .map(|(code, _)| *code)
        .collect()
}

/// What the audit log is searched by; every part is optional and they all hold together.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditFilter {
    /// The day (YYYY-MM-DD, Japan time).
    #[serde(default)]
    pub day: String,
    /// The staff login (exactly).
    #[serde(default)]
    pub login: String,
    /// The terminal id (exactly).
    #[serde(default)]
    pub terminal: String,
    /// The act's code (exactly).
    #[serde(default)]
    pub action: String,
    /// The visit: its 受付番号 (on `day`, else today) or its document id.
    #[serde(default)]
    pub visit: String,
    /// Text found in who, the act (code or Japanese name), the detail or the terminal.
    #[serde(default)]
    pub q: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_act_has_one_japanese_name_and_my_number_finds_the_reveals() {
        let mut codes: Vec<&str> = ACTIONS.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ACTIONS.len(), "an act named twice");
        assert_eq!(action_ja("reveal"), "個人番号の表示");
        assert_eq!(action_ja("no_such_act"), "no_such_act");
        assert_eq!(actions_named("個人番号"), ["reveal"]);
        assert!(actions_named("受付").contains(&"visit_opened"));
        assert!(actions_named(" ").is_empty());
    }
}
