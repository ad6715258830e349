//! Every text the PWA shows, in one table: Japanese first, English beside it.
//!
//! The kiosk face will add more languages here; components never hold literal UI text.

/// A piece of UI text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Text {
    AppTitle,
    FaceCounter,
    FaceKiosk,
    FaceAdmin,
    Synced,
    Pending,
    OfflineSince,
    Connecting,
    KioskWelcome,
    KioskStart,
    KioskReceptionNumber,
    KioskDone,
    KioskNewVisit,
    KioskHandoff,
    CounterTitle,
    CounterOpenByNumber,
    CounterOpenById,
    CounterOpen,
    CounterTodayVisits,
    CounterLocalVisits,
    CounterNoVisits,
    CounterBack,
    SectionApplicant,
    SectionTenkyo,
    FieldName,
    FieldKana,
    FieldBirthDate,
    FieldAddress,
    FieldMovedOn,
    FieldNewAddress,
    FieldOldAddress,
    ReceptionNumber,
    Loading,
    Unavailable,
    UnavailableOffline,
    ConflictNotice,
    ErrorOffline,
    ErrorNotFound,
    ErrorInvalidId,
    ErrorStorage,
    AdminTitle,
    AdminServer,
    AdminPeers,
    AdminDocuments,
    AdminLocalPending,
    AdminUnreachable,
    AdminStoragePersisted,
    AdminLastCommit,
    NaviTitle,
    NaviEvent,
    NaviFacts,
    NaviCardHolders,
    NaviPlan,
    NaviNoAnswer,
    SectionVisit,
    SectionPersons,
    AddPerson,
    RemovePerson,
    PersonNumber,
    FindingsSummary,
    NoFindings,
    ChooseValue,
    Bring,
    Deadline,
    CounterPlace,
    DateHint,
    RequiredMark,
    FormFromSharedData,
    ErrorUnknownScan,
    UpdateAvailable,
    LookupTitle,
    LookupHint,
    LookupButton,
    LookupOffline,
    LookupNone,
    LookupBadQuery,
    LookupUsePerson,
    LookupUseHousehold,
    SignInTitle,
    SignInLogin,
    SignInPassword,
    SignInButton,
    SignInRefused,
    SignOut,
    ListStatus,
    ListWaiting,
    ListHolder,
    Minutes,
    HandOffTitle,
    HandOffButton,
    HistoryTitle,
    HistoryOpened,
    HistoryHandedOff,
    WrittenBy,
    UpdateNow,
    ShortcutsTitle,
    StatusDraft,
    StatusRequested,
    StatusRequestedOffline,
    StatusConfirmed,
    StatusRefused,
    StatusSent,
    StatusAccepted,
    StatusRejected,
    Confirm,
    PrintPreview,
    PrintNow,
    BackToVisit,
    SignatureLabel,
    KioskHandoffQr,
}

/// The Japanese text.
pub fn ja(text: Text) -> &'static str {
    entry(text).0
}

/// The English text.
pub fn en(text: Text) -> &'static str {
    entry(text).1
}

fn entry(text: Text) -> (&'static str, &'static str) {
    use Text::*;
    match text {
        AppTitle => ("高崎市 窓口支援システム", "Takasaki counter support"),
        FaceCounter => ("窓口", "Counter"),
        FaceKiosk => ("受付 (記入台)", "Kiosk"),
        FaceAdmin => ("管理", "Admin"),
        Synced => ("同期済み", "Synced"),
        Pending => ("未送信 {n}件", "{n} unsent"),
        OfflineSince => ("オフライン ({t} から)", "Offline since {t}"),
        Connecting => ("接続中…", "Connecting…"),
        KioskWelcome => (
            "ご来庁ありがとうございます。タッチして受付を始めてください。",
            "Welcome. Touch to start.",
        ),
        KioskStart => ("受付を始める", "Start"),
        KioskReceptionNumber => ("あなたの受付番号", "Your reception number"),
        KioskDone => ("入力を終える", "Finish"),
        KioskNewVisit => ("次の方", "Next person"),
        KioskHandoff => (
            "この番号でお呼びします。窓口で番号をお伝えください。",
            "We will call this number. Tell it at the counter.",
        ),
        CounterTitle => ("窓口", "Counter"),
        CounterOpenByNumber => ("受付番号で開く", "Open by reception number"),
        CounterOpenById => ("文書IDで開く", "Open by document id"),
        CounterOpen => ("開く", "Open"),
        CounterTodayVisits => ("本日の受付", "Today's visits"),
        CounterLocalVisits => ("この端末の下書き", "Drafts on this terminal"),
        CounterNoVisits => ("まだありません", "None yet"),
        CounterBack => ("一覧へ戻る", "Back to list"),
        SectionApplicant => ("申請者", "Applicant"),
        SectionTenkyo => (
            "住民異動届 (転居)",
            "Notification of move (within the city)",
        ),
        FieldName => ("氏名", "Name"),
        FieldKana => ("フリガナ", "Name (katakana)"),
        FieldBirthDate => ("生年月日", "Date of birth"),
        FieldAddress => ("住所", "Address"),
        FieldMovedOn => ("異動日", "Date of move"),
        FieldNewAddress => ("新住所", "New address"),
        FieldOldAddress => ("旧住所", "Previous address"),
        ReceptionNumber => ("受付番号", "Reception number"),
        Loading => ("読み込み中…", "Loading…"),
        Unavailable => (
            "この受付はサーバーにもこの端末にもありません。",
            "This visit is neither on the server nor on this terminal.",
        ),
        UnavailableOffline => (
            "この受付はこの端末にありません。サーバーに接続すると取得します。",
            "This visit is not on this terminal. It is fetched when the server is reachable.",
        ),
        ConflictNotice => (
            "別の窓口と入力が食い違っています: ",
            "Another counter entered a different value: ",
        ),
        ErrorOffline => (
            "サーバーに接続できません。ネットワークを確認してください。",
            "Cannot reach the server. Check the network.",
        ),
        ErrorNotFound => (
            "その受付番号は本日ありません。",
            "No visit with that number today.",
        ),
        ErrorInvalidId => (
            "文書IDの形式が正しくありません。",
            "That is not a document id.",
        ),
        ErrorStorage => (
            "この端末への保存に失敗しました。",
            "Saving on this terminal failed.",
        ),
        AdminTitle => ("同期状況", "Sync status"),
        AdminServer => ("サーバー", "Server"),
        AdminPeers => ("接続中の端末", "Connected terminals"),
        AdminDocuments => ("読み込み済み文書", "Documents in memory"),
        AdminLocalPending => ("この端末の未送信", "Unsent on this terminal"),
        AdminUnreachable => ("サーバーに接続できません", "Server unreachable"),
        AdminStoragePersisted => ("永続ストレージ", "Persistent storage"),
        AdminLastCommit => ("直近の保存時間", "Last local save"),
        NaviTitle => ("手続きナビ", "Procedure guide"),
        NaviEvent => ("どのような届出ですか", "What is the move?"),
        NaviFacts => ("世帯の状況", "The household"),
        NaviCardHolders => ("マイナンバーカードをお持ちの人数", "My Number card holders"),
        NaviPlan => ("必要な手続き", "Procedures needed"),
        NaviNoAnswer => (
            "届出の種類を選ぶと、必要な手続きと書類が表示されます。",
            "Choose the kind of move to see the procedures and forms.",
        ),
        SectionVisit => ("届出・世帯", "Notification and household"),
        SectionPersons => ("申請者・異動者", "Applicant and persons moving"),
        AddPerson => ("人を追加", "Add a person"),
        RemovePerson => ("この人を削除", "Remove"),
        PersonNumber => ("{n}人目", "Person {n}"),
        FindingsSummary => ("エラー {e}件・注意 {w}件", "{e} errors, {w} warnings"),
        NoFindings => ("入力内容に問題はありません", "No problems found"),
        ChooseValue => ("「{v}」にする", "Use \"{v}\""),
        Bring => ("持ち物", "Bring"),
        Deadline => ("期限", "Deadline"),
        CounterPlace => ("{d} {n}番窓口", "{d}, counter {n}"),
        DateHint => (
            "例: 令和9年2月1日 / 2027-02-01",
            "e.g. 令和9年2月1日 / 2027-02-01",
        ),
        RequiredMark => ("必須", "required"),
        PrintPreview => ("印刷プレビュー", "Print preview"),
        UpdateAvailable => (
            "新しいバージョンがあります。入力中の内容は保存済みです。",
            "A new version is ready. What you entered is saved.",
        ),
        UpdateNow => ("更新する", "Update now"),
        LookupTitle => ("住民検索", "Resident lookup"),
        LookupHint => (
            "フリガナ・生年月日 (和暦可)・氏名または住所の一部",
            "Reading, date of birth, or part of the name or address",
        ),
        LookupButton => ("検索", "Search"),
        LookupOffline => (
            "住民検索はオフラインでは使えません。ほかの入力はそのまま続けられます。",
            "Lookup needs the server; everything else keeps working offline.",
        ),
        LookupNone => ("該当する住民はいません。", "Nobody matches."),
        LookupBadQuery => (
            "2文字以上で検索してください。",
            "Enter at least two characters.",
        ),
        LookupUsePerson => ("この人を入力", "Use this person"),
        LookupUseHousehold => ("世帯全員を入力", "Use the household"),
        SignInTitle => ("職員サインイン", "Staff sign-in"),
        SignInLogin => ("ログインID", "Login"),
        SignInPassword => ("パスワード", "Password"),
        SignInButton => ("サインイン", "Sign in"),
        SignInRefused => (
            "ログインIDまたはパスワードが違います。",
            "Wrong login or password.",
        ),
        SignOut => ("サインアウト", "Sign out"),
        ListStatus => ("届書", "Forms"),
        ListWaiting => ("待ち時間", "Waiting"),
        ListHolder => ("担当", "Held by"),
        Minutes => ("{n}分", "{n} min"),
        HandOffTitle => ("次の課へ回す", "Hand on to"),
        HandOffButton => ("回す", "Hand on"),
        HistoryTitle => ("経過", "History"),
        HistoryOpened => ("{w} が開いた ({d})", "{w} opened it ({d})"),
        HistoryHandedOff => ("{w} が {t} へ回した ({d})", "{w} handed it to {t} ({d})"),
        WrittenBy => ("{a} が入力", "entered by {a}"),
        ShortcutsTitle => ("キーボード操作", "Keyboard shortcuts"),
        StatusDraft => ("下書き", "Draft"),
        StatusRequested => ("確認待ち", "Awaiting confirmation"),
        StatusRequestedOffline => (
            "確認待ち (オンラインになると送信)",
            "Awaiting confirmation (sent when online)",
        ),
        StatusConfirmed => ("確認済み", "Confirmed"),
        StatusRefused => ("確認できません", "Not confirmed"),
        StatusSent => ("送信済み", "Sent to the core system"),
        StatusAccepted => ("基幹取込済み", "Taken in by the core system"),
        StatusRejected => ("差戻し", "Sent back by the core system"),
        Confirm => ("確認する", "Confirm"),
        PrintNow => ("印刷する", "Print"),
        BackToVisit => ("入力画面へ戻る", "Back to the visit"),
        SignatureLabel => ("届出人署名", "Signature"),
        ErrorUnknownScan => (
            "読み取ったコードは受付票のものではありません。",
            "The scanned code is not a reception slip.",
        ),
        KioskHandoffQr => (
            "窓口でこのコードを読み取ると、入力した内容がそのまま使われます。",
            "At the counter, this code brings up what you entered.",
        ),
        FormFromSharedData => (
            "この届書の項目は、上の共通の入力からすべて作成されます。",
            "Every field of this form comes from the shared data above.",
        ),
    }
}

/// The name of a life event of the navi.
pub fn event_label(event: shared_model::navi::LifeEvent) -> (&'static str, &'static str) {
    use shared_model::navi::LifeEvent::*;
    match event {
        Tennyu => ("市外からの転入", "Moving in from another city"),
        TennyuAbroad => ("国外からの転入", "Moving in from abroad"),
        Tenkyo => ("市内での転居", "Moving within the city"),
        Tenshutsu => ("市外への転出", "Moving out to another city"),
        TenshutsuAbroad => ("国外への転出", "Moving abroad"),
    }
}

/// The question for a fact of the navi.
pub fn fact_label(fact: shared_model::navi::Fact) -> (&'static str, &'static str) {
    use shared_model::navi::Fact::*;
    match fact {
        Children => (
            "高校生年代までのお子さんがいる",
            "Children up to high-school age",
        ),
        Kokuho => (
            "国民健康保険に加入する・している人がいる",
            "Someone is or will be in National Health Insurance",
        ),
        SingleParent => ("ひとり親の世帯", "Single-parent household"),
        CardHolders => (
            "マイナンバーカードを持っている人がいる",
            "Someone holds a My Number card",
        ),
        InkanRegistered => ("印鑑登録をしている", "A seal is registered"),
        WantsInkan => ("印鑑登録をしたい", "Wants to register a seal"),
        ForeignResidents => ("外国籍の人がいる", "Foreign residents"),
        CardMoveIn => (
            "マイナンバーカードで転出手続きをした (特例転入)",
            "Moved out with the My Number card",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn placeholders_match_across_languages() {
        for text in [
            Text::Pending,
            Text::OfflineSince,
            Text::PersonNumber,
            Text::FindingsSummary,
            Text::ChooseValue,
            Text::CounterPlace,
            Text::WrittenBy,
            Text::Minutes,
            Text::HistoryOpened,
            Text::HistoryHandedOff,
        ] {
            for hole in ["{n}", "{t}", "{e}", "{w}", "{v}", "{d}", "{a}"] {
                assert_eq!(ja(text).contains(hole), en(text).contains(hole));
            }
        }
    }
}
