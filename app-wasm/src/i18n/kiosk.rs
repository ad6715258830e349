//! What the citizens' kiosk says, in its nine languages ([`Language`]): one [`Say`] per
//! text, each a [`Words`] with all nine filled (a missing one does not compile; a test checks
//! that none is empty, that every language has the same `{n}` holes, and that やさしい日本語
//! has a reading on every kanji, per the 在留支援のためのやさしい日本語ガイドライン).
//!
//! Procedure, 課 and item names come from the catalog's labels (shared-model), in the same
//! nine languages. Translations are kept short and plain: no native speaker has reviewed them.

use shared_model::catalog::Label;
use shared_model::language::{Language, RubyPart, Words, ruby};
use yew::prelude::*;

/// A text of the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Say {
    ChooseLanguage,
    Welcome,
    WhatBringsYou,
    WhichMove,
    QuestionsTitle,
    Yes,
    No,
    Fewer,
    More,
    Persons,
    Next,
    Back,
    StartOver,
    PlanTitle,
    PlanOrder,
    CounterNumber,
    Bring,
    Deadline,
    NoProcedures,
    OfficialName,
    HouseholdTitle,
    Applicant,
    PersonN,
    AddPerson,
    RemovePerson,
    SharedTitle,
    Era,
    Seireki,
    Year,
    Month,
    Day,
    DateShown,
    KanaHint,
    Choose,
    TakeNumber,
    TakingNumber,
    SlipTitle,
    YourNumber,
    SlipQr,
    SlipPrint,
    SlipNoPrinter,
    SlipWait,
    IdleWarning,
    IdleContinue,
    NotReady,
    Offline,
    Problem,
    CurrentWait,
    Minutes,
    CertificateCamera,
    NewAddress,
    PreviousAddress,
    CurrentAddress,
    DestinationAddress,
    MovedOn,
    MovingOn,
}

macro_rules! words {
    ($ja:expr, $easy:expr, $en:expr, $zh:expr, $ko:expr, $vi:expr, $pt:expr, $tl:expr, $ne:expr $(,)?) => {
        Words {
            ja: $ja,
            easy: $easy,
            en: $en,
            zh: $zh,
            ko: $ko,
            vi: $vi,
            pt: $pt,
            tl: $tl,
            ne: $ne,
        }
    };
}

impl Say {
    /// Every text (the completeness test walks them).
    pub const ALL: [Say; 56] = [
        Say::ChooseLanguage,
        Say::Welcome,
        Say::WhatBringsYou,
        Say::WhichMove,
        Say::QuestionsTitle,
        Say::Yes,
        Say::No,
        Say::Fewer,
        Say::More,
        Say::Persons,
        Say::Next,
        Say::Back,
        Say::StartOver,
        Say::PlanTitle,
        Say::PlanOrder,
        Say::CounterNumber,
        Say::Bring,
        Say::Deadline,
        Say::NoProcedures,
        Say::OfficialName,
        Say::HouseholdTitle,
        Say::Applicant,
        Say::PersonN,
        Say::AddPerson,
        Say::RemovePerson,
        Say::SharedTitle,
        Say::Era,
        Say::Seireki,
        Say::Year,
        Say::Month,
        Say::Day,
        Say::DateShown,
        Say::KanaHint,
        Say::Choose,
        Say::TakeNumber,
        Say::TakingNumber,
        Say::SlipTitle,
        Say::YourNumber,
        Say::SlipQr,
        Say::SlipPrint,
        Say::SlipNoPrinter,
        Say::SlipWait,
        Say::IdleWarning,
        Say::IdleContinue,
        Say::NotReady,
        Say::Offline,
        Say::Problem,
        Say::CurrentWait,
        Say::Minutes,
        Say::CertificateCamera,
        Say::NewAddress,
        Say::PreviousAddress,
        Say::CurrentAddress,
        Say::DestinationAddress,
        Say::MovedOn,
        Say::MovingOn,
    ];

    /// The text in all nine languages.
    pub fn words(self) -> Words {
        use Say::*;
        match self {
            ChooseLanguage => words!(
                "ことばを選んでください",
                "ことばを {選|えら}んで ください",
                "Choose your language",
                "请选择语言",
                "언어를 선택하세요",
                "Chọn ngôn ngữ",
                "Escolha o idioma",
                "Piliin ang wika",
                "भाषा छान्नुहोस्",
            ),
            Welcome => words!(
                "ご用件をうかがい、必要な手続きと窓口をご案内します。",
                "{用事|ようじ}を {聞|き}きます。{必要|ひつよう}な {手続|てつづ}きと {窓口|まどぐち}を {教|おし}えます。",
                "Tell us why you came: we show the procedures and counters you need.",
                "请告诉我们您的来意，我们将告诉您需要办理的手续和窗口。",
                "용건을 알려 주시면 필요한 절차와 창구를 안내해 드립니다.",
                "Hãy cho biết việc của bạn: chúng tôi chỉ thủ tục và quầy cần đến.",
                "Diga o motivo da visita: mostramos os trâmites e os guichês.",
                "Sabihin kung bakit ka narito: ipapakita namin ang mga proseso at counter.",
                "आउनुको कारण भन्नुहोस्: चाहिने प्रक्रिया र काउन्टर देखाउँछौं।",
            ),
            WhatBringsYou => words!(
                "本日のご用件を選んでください",
                "きょうの {用事|ようじ}を {選|えら}んで ください",
                "What brings you here today?",
                "请选择今天要办理的事项",
                "오늘의 용건을 선택하세요",
                "Hôm nay bạn đến để làm gì?",
                "O que você precisa hoje?",
                "Ano ang kailangan mo ngayon?",
                "आज के कामले आउनुभयो?",
            ),
            WhichMove => words!(
                "どの引っ越しですか",
                "どんな {引|ひ}っ{越|こ}しですか",
                "Which kind of move?",
                "是哪种搬家？",
                "어떤 이사입니까?",
                "Bạn chuyển nhà kiểu nào?",
                "Que tipo de mudança?",
                "Anong uri ng paglipat?",
                "कस्तो बसाइँसराइ हो?",
            ),
            QuestionsTitle => words!(
                "あてはまるものを教えてください",
                "あなたの ことを {教|おし}えて ください",
                "Tell us what applies to you",
                "请回答以下问题",
                "해당하는 것을 알려 주세요",
                "Hãy trả lời các câu hỏi",
                "Responda às perguntas",
                "Sagutin ang mga tanong",
                "तलका प्रश्नको उत्तर दिनुहोस्",
            ),
            Yes => words!("はい", "はい", "Yes", "是", "예", "Có", "Sim", "Oo", "हो"),
            No => words!(
                "いいえ",
                "いいえ",
                "No",
                "否",
                "아니요",
                "Không",
                "Não",
                "Hindi",
                "होइन"
            ),
            Fewer => words!(
                "1人減らす",
                "1{人|にん} へらす",
                "One fewer",
                "减少1人",
                "1명 줄이기",
                "Bớt 1 người",
                "Uma pessoa a menos",
                "Bawasan ng isa",
                "एक जना घटाउनुहोस्",
            ),
            More => words!(
                "1人増やす",
                "1{人|にん} ふやす",
                "One more",
                "增加1人",
                "1명 늘리기",
                "Thêm 1 người",
                "Mais uma pessoa",
                "Dagdagan ng isa",
                "एक जना थप्नुहोस्",
            ),
            Persons => words!(
                "{n}人",
                "{n}{人|にん}",
                "{n} persons",
                "{n}人",
                "{n}명",
                "{n} người",
                "{n} pessoas",
                "{n} tao",
                "{n} जना",
            ),
            Next => words!(
                "次へ",
                "{次|つぎ}へ",
                "Next",
                "下一步",
                "다음",
                "Tiếp",
                "Próximo",
                "Susunod",
                "अर्को"
            ),
            Back => words!(
                "戻る",
                "もどる",
                "Back",
                "返回",
                "뒤로",
                "Quay lại",
                "Voltar",
                "Bumalik",
                "पछाडि"
            ),
            StartOver => words!(
                "最初に戻る",
                "はじめに もどる",
                "Start over",
                "回到开始",
                "처음으로",
                "Về đầu",
                "Recomeçar",
                "Magsimula muli",
                "सुरुमा फर्कनुहोस्",
            ),
            PlanTitle => words!(
                "必要な手続き",
                "{必要|ひつよう}な {手続|てつづ}き",
                "The procedures you need",
                "需要办理的手续",
                "필요한 절차",
                "Các thủ tục cần làm",
                "Trâmites necessários",
                "Mga kailangang proseso",
                "चाहिने प्रक्रियाहरू",
            ),
            PlanOrder => words!(
                "この順番で窓口へお越しください",
                "この {順番|じゅんばん}で {窓口|まどぐち}へ {行|い}って ください",
                "Go to the counters in this order",
                "请按此顺序前往窗口",
                "이 순서대로 창구로 가세요",
                "Hãy đến các quầy theo thứ tự này",
                "Vá aos guichês nesta ordem",
                "Pumunta sa mga counter ayon sa ayos na ito",
                "यो क्रममा काउन्टरमा जानुहोस्",
            ),
            CounterNumber => words!(
                "{n}番窓口",
                "{n}{番|ばん} {窓口|まどぐち}",
                "Counter {n}",
                "{n}号窗口",
                "{n}번 창구",
                "Quầy số {n}",
                "Guichê {n}",
                "Counter {n}",
                "काउन्टर {n}",
            ),
            Bring => words!(
                "お持ちいただくもの",
                "{持|も}って くる もの",
                "Please bring",
                "请携带",
                "지참물",
                "Cần mang theo",
                "Traga",
                "Dalhin",
                "ल्याउनुपर्ने कुरा",
            ),
            Deadline => words!(
                "期限",
                "いつまで",
                "Deadline",
                "期限",
                "기한",
                "Hạn chót",
                "Prazo",
                "Takdang araw",
                "म्याद",
            ),
            NoProcedures => words!(
                "ご案内できる手続きがありません。係員にお声がけください。",
                "{案内|あんない}できる {手続|てつづ}きが ありません。{係|かかり}の {人|ひと}に {声|こえ}を かけて ください。",
                "We found no procedure for this. Please ask a member of staff.",
                "没有找到相应的手续。请询问工作人员。",
                "안내할 절차가 없습니다. 직원에게 문의하세요.",
                "Không có thủ tục phù hợp. Hãy hỏi nhân viên.",
                "Nenhum trâmite encontrado. Fale com um atendente.",
                "Walang nakitang proseso. Magtanong sa kawani.",
                "कुनै प्रक्रिया भेटिएन। कर्मचारीलाई सोध्नुहोस्।",
            ),
            OfficialName => words!(
                "正式名称",
                "{本当|ほんとう}の {名前|なまえ}",
                "Official name",
                "正式名称",
                "정식 명칭",
                "Tên chính thức",
                "Nome oficial",
                "Opisyal na pangalan",
                "आधिकारिक नाम",
            ),
            HouseholdTitle => words!(
                "手続きをする方",
                "{手続|てつづ}きを する {人|ひと}",
                "Who the procedures are for",
                "办理手续的人",
                "절차를 하는 분",
                "Người làm thủ tục",
                "Pessoas do trâmite",
                "Mga taong kasama sa proseso",
                "प्रक्रिया गर्ने व्यक्ति",
            ),
            Applicant => words!(
                "窓口に来た方 (あなた)",
                "{窓口|まどぐち}に {来|き}た {人|ひと} (あなた)",
                "You (at the counter)",
                "您本人（来窗口的人）",
                "창구에 온 분 (본인)",
                "Bạn (người đến quầy)",
                "Você (quem veio ao guichê)",
                "Ikaw (nasa counter)",
                "तपाईं (काउन्टरमा आउने)",
            ),
            PersonN => words!(
                "{n}人目",
                "{n}{人目|にんめ}",
                "Person {n}",
                "第{n}人",
                "{n}번째 분",
                "Người thứ {n}",
                "Pessoa {n}",
                "Tao {n}",
                "व्यक्ति {n}",
            ),
            AddPerson => words!(
                "一緒に手続きする家族を追加",
                "いっしょに {手続|てつづ}きする {家族|かぞく}を {増|ふ}やす",
                "Add a family member",
                "添加一起办理的家人",
                "함께하는 가족 추가",
                "Thêm người trong gia đình",
                "Adicionar familiar",
                "Magdagdag ng kapamilya",
                "परिवारको सदस्य थप्नुहोस्",
            ),
            RemovePerson => words!(
                "この方を消す",
                "この {人|ひと}を {消|け}す",
                "Remove this person",
                "删除此人",
                "이 분 삭제",
                "Xóa người này",
                "Remover esta pessoa",
                "Alisin ang taong ito",
                "यो व्यक्ति हटाउनुहोस्",
            ),
            SharedTitle => words!(
                "住所など (世帯で共通)",
                "{住所|じゅうしょ}など ({家族|かぞく} みんな {同|おな}じ)",
                "Address and dates (the same for everyone)",
                "地址等（全家相同）",
                "주소 등 (세대 공통)",
                "Địa chỉ và ngày (chung cho cả nhà)",
                "Endereço e datas (iguais para todos)",
                "Tirahan at petsa (pareho sa lahat)",
                "ठेगाना र मिति (सबैको एउटै)",
            ),
            Era => words!(
                "元号",
                "{年|ねん}の {数|かぞ}え{方|かた}",
                "Era",
                "年号",
                "연호",
                "Niên hiệu",
                "Era",
                "Panahon",
                "सम्वत्",
            ),
            Seireki => words!(
                "西暦",
                "{西暦|せいれき}",
                "Western year",
                "公历",
                "서기",
                "Dương lịch",
                "Ano ocidental",
                "Kanluraning taon",
                "ईस्वी",
            ),
            Year => words!(
                "年",
                "{年|ねん}",
                "Year",
                "年",
                "년",
                "Năm",
                "Ano",
                "Taon",
                "वर्ष"
            ),
            Month => words!(
                "月",
                "{月|がつ}",
                "Month",
                "月",
                "월",
                "Tháng",
                "Mês",
                "Buwan",
                "महिना"
            ),
            Day => words!(
                "日",
                "{日|にち}",
                "Day",
                "日",
                "일",
                "Ngày",
                "Dia",
                "Araw",
                "दिन"
            ),
            DateShown => words!(
                "{d} と受け付けます",
                "{d} です",
                "We read it as {d}",
                "将记录为 {d}",
                "{d}(으)로 접수합니다",
                "Ghi nhận là {d}",
                "Registrado como {d}",
                "Itatala bilang {d}",
                "{d} भनेर दर्ता हुन्छ",
            ),
            KanaHint => words!(
                "カタカナで (ひらがなで入力してもカタカナになります)",
                "カタカナで {書|か}きます (ひらがなでも だいじょうぶ)",
                "Your name in katakana (hiragana is turned into katakana)",
                "请用片假名填写（输入平假名会自动转换）",
                "가타카나로 (히라가나도 자동 변환)",
                "Viết bằng katakana (hiragana sẽ tự đổi)",
                "Em katakana (hiragana vira katakana)",
                "Sa katakana (magiging katakana ang hiragana)",
                "काताकानामा (हिरागाना आफैं बदलिन्छ)",
            ),
            Choose => words!(
                "選んでください",
                "{選|えら}んで ください",
                "Choose",
                "请选择",
                "선택하세요",
                "Hãy chọn",
                "Escolha",
                "Pumili",
                "छान्नुहोस्",
            ),
            TakeNumber => words!(
                "番号札をとる",
                "{番号|ばんごう}を とる",
                "Take a number",
                "取号",
                "번호표 받기",
                "Lấy số",
                "Pegar senha",
                "Kumuha ng numero",
                "नम्बर लिनुहोस्",
            ),
            TakingNumber => words!(
                "番号を用意しています…",
                "{番号|ばんごう}を {用意|ようい}して います…",
                "Getting your number…",
                "正在取号…",
                "번호를 준비하고 있습니다…",
                "Đang lấy số…",
                "Gerando sua senha…",
                "Kinukuha ang numero…",
                "नम्बर तयार हुँदैछ…",
            ),
            SlipTitle => words!(
                "手続き案内",
                "{手続|てつづ}きの {案内|あんない}",
                "Your procedures",
                "手续指南",
                "절차 안내",
                "Hướng dẫn thủ tục",
                "Guia dos trâmites",
                "Gabay sa proseso",
                "प्रक्रिया निर्देशिका",
            ),
            YourNumber => words!(
                "受付番号",
                "{受付|うけつけ} {番号|ばんごう}",
                "Your number",
                "受理号码",
                "접수 번호",
                "Số thứ tự",
                "Sua senha",
                "Iyong numero",
                "तपाईंको नम्बर",
            ),
            SlipQr => words!(
                "窓口でこのQRコードをお見せください",
                "{窓口|まどぐち}で この QRコードを {見|み}せて ください",
                "Show this QR code at the counter",
                "请在窗口出示此二维码",
                "창구에서 이 QR 코드를 보여 주세요",
                "Hãy đưa mã QR này ở quầy",
                "Mostre este código QR no guichê",
                "Ipakita ang QR code na ito sa counter",
                "काउन्टरमा यो QR कोड देखाउनुहोस्",
            ),
            SlipPrint => words!(
                "案内を印刷する",
                "{案内|あんない}を {印刷|いんさつ}する",
                "Print this guide",
                "打印指南",
                "안내 인쇄",
                "In hướng dẫn",
                "Imprimir o guia",
                "I-print ang gabay",
                "निर्देशिका छाप्नुहोस्",
            ),
            SlipNoPrinter => words!(
                "印刷できないときは、この画面を写真に撮ってください",
                "{印刷|いんさつ}できない ときは、この {画面|がめん}の {写真|しゃしん}を とって ください",
                "If it cannot be printed, take a photo of this screen",
                "无法打印时，请拍下此画面",
                "인쇄할 수 없으면 이 화면을 사진으로 찍어 주세요",
                "Nếu không in được, hãy chụp ảnh màn hình này",
                "Se não imprimir, fotografe esta tela",
                "Kung hindi ma-print, kunan ng litrato ang screen",
                "छाप्न नसकिए यो स्क्रिनको फोटो खिच्नुहोस्",
            ),
            SlipWait => words!(
                "番号をお呼びするまで、待合でお待ちください",
                "{番号|ばんごう}を {呼|よ}ぶまで {待|ま}って ください",
                "Please wait until your number is called",
                "叫到您的号码前请稍候",
                "번호를 부를 때까지 기다려 주세요",
                "Hãy chờ đến khi số của bạn được gọi",
                "Aguarde até chamarem sua senha",
                "Maghintay hanggang tawagin ang numero mo",
                "तपाईंको नम्बर बोलाउँदासम्म पर्खनुहोस्",
            ),
            IdleWarning => words!(
                "操作がないため、{n}秒後に最初の画面に戻ります",
                "{何|なに}も しないと {n}{秒|びょう}で はじめに もどります",
                "Nothing touched: back to the start in {n} s",
                "无操作，{n}秒后返回首页",
                "조작이 없어 {n}초 후 처음 화면으로 돌아갑니다",
                "Không có thao tác: về đầu sau {n} giây",
                "Sem uso: volta ao início em {n} s",
                "Walang galaw: babalik sa simula sa {n} s",
                "केही नछोएकाले {n} सेकेन्डमा सुरुमा फर्किन्छ",
            ),
            IdleContinue => words!(
                "続ける",
                "つづける",
                "Continue",
                "继续",
                "계속",
                "Tiếp tục",
                "Continuar",
                "Magpatuloy",
                "जारी राख्नुहोस्",
            ),
            NotReady => words!(
                "この端末は準備中です。係員にお声がけください",
                "この {機械|きかい}は まだ {使|つか}えません。{係|かかり}の {人|ひと}に {声|こえ}を かけて ください",
                "This tablet is not ready yet. Please ask a member of staff",
                "本设备正在准备中，请联系工作人员",
                "이 단말은 준비 중입니다. 직원에게 말씀해 주세요",
                "Máy này chưa sẵn sàng. Hãy gọi nhân viên",
                "Este tablet ainda não está pronto. Chame um atendente",
                "Hindi pa handa ang tablet na ito. Tumawag ng kawani",
                "यो ट्याब्लेट अझै तयार छैन। कर्मचारीलाई बोलाउनुहोस्",
            ),
            Offline => words!(
                "ただいま通信できませんが、番号札はお取りいただけます",
                "いま {通信|つうしん}が できません。{番号|ばんごう}は とれます",
                "The network is down, but you can still take a number",
                "目前网络中断，但仍可取号",
                "지금 통신이 안 되지만 번호표는 받을 수 있습니다",
                "Mạng đang gián đoạn, nhưng vẫn lấy số được",
                "Sem rede agora, mas você pode pegar a senha",
                "Walang network, pero puwede pa ring kumuha ng numero",
                "नेटवर्क छैन, तर नम्बर लिन सकिन्छ",
            ),
            Problem => words!(
                "うまくいきませんでした。係員にお声がけください",
                "うまく いきませんでした。{係|かかり}の {人|ひと}に {声|こえ}を かけて ください",
                "Something went wrong. Please ask a member of staff",
                "操作失败，请联系工作人员",
                "문제가 생겼습니다. 직원에게 말씀해 주세요",
                "Đã có lỗi. Hãy gọi nhân viên",
                "Algo deu errado. Chame um atendente",
                "May nagkamali. Tumawag ng kawani",
                "केही गडबड भयो। कर्मचारीलाई बोलाउनुहोस्",
            ),
            CurrentWait => words!(
                "いまの待ち時間の目安",
                "いまの {待|ま}ち{時間|じかん}",
                "Waiting time now",
                "当前预计等候时间",
                "현재 대기 시간",
                "Thời gian chờ hiện tại",
                "Tempo de espera agora",
                "Tagal ng paghihintay ngayon",
                "अहिलेको पर्खाइ समय",
            ),
            Minutes => words!(
                "約{n}分",
                "{n}{分|ぷん}ぐらい",
                "about {n} min",
                "约{n}分钟",
                "약 {n}분",
                "khoảng {n} phút",
                "cerca de {n} min",
                "mga {n} minuto",
                "करिब {n} मिनेट",
            ),
            CertificateCamera => words!(
                "転出証明書のQRコードを読み取る",
                "{転出|てんしゅつ}{証明書|しょうめいしょ}の QRコードを {読|よ}む",
                "Scan the QR code of your moving-out certificate",
                "扫描迁出证明书的二维码",
                "전출증명서의 QR 코드 읽기",
                "Quét mã QR trên giấy chứng nhận chuyển đi",
                "Ler o código QR do certificado de mudança",
                "I-scan ang QR code ng moving-out certificate",
                "बसाइँसराइ प्रमाणपत्रको QR कोड स्क्यान गर्नुहोस्",
            ),
            NewAddress => words!(
                "新しい住所 (高崎市内)",
                "{新|あたら}しい {住所|じゅうしょ} ({高崎市|たかさきし})",
                "Your new address (in Takasaki)",
                "新住址（高崎市内）",
                "새 주소 (다카사키시)",
                "Địa chỉ mới (ở Takasaki)",
                "Novo endereço (em Takasaki)",
                "Bagong tirahan (sa Takasaki)",
                "नयाँ ठेगाना (ताकासाकी)",
            ),
            PreviousAddress => words!(
                "前の住所 (引っ越す前)",
                "{前|まえ}の {住所|じゅうしょ} ({引|ひ}っ{越|こ}す {前|まえ})",
                "Your previous address (before the move)",
                "以前的住址（搬家前）",
                "이전 주소 (이사 전)",
                "Địa chỉ cũ (trước khi chuyển)",
                "Endereço anterior (antes da mudança)",
                "Dating tirahan (bago lumipat)",
                "पुरानो ठेगाना (सर्नु अघि)",
            ),
            CurrentAddress => words!(
                "いまの住所",
                "いまの {住所|じゅうしょ}",
                "Your current address",
                "现住址",
                "현재 주소",
                "Địa chỉ hiện tại",
                "Endereço atual",
                "Kasalukuyang tirahan",
                "हालको ठेगाना",
            ),
            DestinationAddress => words!(
                "引っ越し先の住所",
                "{引|ひ}っ{越|こ}す {先|さき}の {住所|じゅうしょ}",
                "Address you are moving to",
                "搬迁后的住址",
                "이사 갈 주소",
                "Địa chỉ nơi chuyển đến",
                "Endereço para onde vai",
                "Tirahang lilipatan",
                "सर्ने ठाउँको ठेगाना",
            ),
            MovedOn => words!(
                "引っ越した日",
                "{引|ひ}っ{越|こ}した {日|ひ}",
                "The day you moved",
                "搬家日期",
                "이사한 날",
                "Ngày chuyển đến",
                "Data da mudança",
                "Araw ng paglipat",
                "सरेको दिन",
            ),
            MovingOn => words!(
                "引っ越す予定の日",
                "{引|ひ}っ{越|こ}す {日|ひ}",
                "The day you will move",
                "预定搬家日期",
                "이사 예정일",
                "Ngày dự định chuyển đi",
                "Data prevista da mudança",
                "Araw na lilipat",
                "सर्ने मिति",
            ),
        }
    }

    /// The plain text in a language (やさしい日本語 without its readings; holes as `{n}`), for
    /// attributes and speech.
    pub fn plain(self, language: Language) -> String {
        shared_model::language::unruby(self.words().get(language))
    }
}

/// A kiosk text (in one language) as HTML, with `<ruby>` readings for やさしい日本語 and each
/// `{name}` hole filled from `values` (left as it is when no value is given).
pub fn show(text: &str, values: &[(&str, &str)]) -> Html {
    let parts = ruby(text).into_iter().map(|part| match part {
        RubyPart::Plain(s) => html! { { s } },
        RubyPart::Ruby { base, reading } => {
            html! { <ruby>{ base }<rt>{ reading }</rt></ruby> }
        }
        RubyPart::Hole(name) => {
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
                .unwrap_or_else(|| format!("{{{name}}}"));
            html! { { value } }
        }
    });
    html! { <>{ for parts }</> }
}

/// [`show`] for a [`Say`].
pub fn say(language: Language, text: Say) -> Html {
    show(text.words().get(language), &[])
}

/// [`show`] for a [`Say`] with its holes filled.
pub fn say_with(language: Language, text: Say, values: &[(&str, &str)]) -> Html {
    show(text.words().get(language), values)
}

/// A catalog label (procedure, 課, item, what to bring) in the citizen's language, falling
/// back to English and then Japanese where a label has no such text (the catalog's tests
/// keep every label the kiosk shows whole).
pub fn label(language: Language, label: &Label) -> Html {
    let text = label
        .get(language)
        .or_else(|| label.get(Language::En))
        .unwrap_or(&label.ja);
    show(text, &[])
}

/// A procedure's or form's name: in the citizen's language with its official Japanese beside
/// it (`lang="ja"`), so that the citizen and the counter point at the same words.
pub fn official(language: Language, name: &Label) -> Html {
    if language.is_japanese() {
        return label(language, name);
    }
    html! {
        <>
            { label(language, name) }
            <span class="official" lang="ja">{ &name.ja }</span>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn every_text_is_whole_in_nine_languages() {
        let problems: Vec<String> = Say::ALL
            .iter()
            .filter_map(|s| s.words().problem().map(|p| format!("{s:?}: {p}")))
            .collect();
        assert!(problems.is_empty(), "{problems:#?}");
        let mut seen = std::collections::BTreeSet::new();
        assert!(Say::ALL.iter().all(|s| seen.insert(format!("{s:?}"))));
    }
}
