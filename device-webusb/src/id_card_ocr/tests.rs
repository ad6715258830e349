//! Result files as scanners write them (`tests/fixtures/id_card_ocr/`, synthetic persons):
//! CP932 with a Japanese header row, CRLF, empty columns at the ends and full-width digits;
//! one field per row with a 外字 as 〓; XML with a BOM; UTF-16LE tab-separated; JSON of
//! name/value objects; and the files that must be refused.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/id_card_ocr/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> Result<CardRead, OcrError> {
    read_card(&fixture(name), &FieldMap::builtin())
}

fn person(card: &CardRead) -> Vec<(&str, &str)> {
    card.read.persons[0]
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn a_residence_card_in_cp932_with_a_japanese_header_row() {
    let card = read("residence_card_cp932.csv").unwrap();
    assert_eq!(card.encoding, TextEncoding::ShiftJis);
    assert_eq!(card.format, Format::Csv);
    assert_eq!(card.read.document, DocumentKind::ResidenceCard);
    assert_eq!(card.read.path, ReadPath::Ocr);
    assert_eq!(card.read.source(), "residence_card/ocr");
    assert_eq!(
        person(&card),
        vec![
            ("person.alphabet_name", "NGUYEN VAN AN"),
            ("person.birth_date", "1990-04-01"),
            ("person.foreign_category", "mid_long_term"),
            ("person.name", "NGUYEN VAN AN"),
            ("person.nationality", "ベトナム"),
            ("person.residence_card_number", "AB12345678CD"),
            ("person.residence_expiry", "2029-04-01"),
            ("person.residence_period", "5年"),
            ("person.residence_status", "技術・人文知識・国際業務"),
            ("person.sex", "male"),
        ]
    );
    // The address as printed: full-width digits and ① (CP932's NEC row 13) kept.
    assert_eq!(
        card.read.items["household.address"],
        "群馬県高崎市高松町３５番地１　①号室"
    );
    assert_eq!(card.read.items["visit.identity_document"], "residence_card");
    assert!(card.gaiji.is_empty());
    assert_eq!(card.name(), "NGUYEN VAN AN");
}

#[test]
fn a_special_permanent_resident_certificate_one_field_per_row_with_a_gaiji() {
    let card = read("special_permanent_cp932.csv").unwrap();
    assert_eq!(
        card.read.document,
        DocumentKind::SpecialPermanentResidentCertificate
    );
    let p = &card.read.persons[0];
    // 髙 is CP932's IBM extension (FB FC); 〓 is the character the OCR could not give.
    assert_eq!(p["person.name"], "髙山 〓一");
    assert_eq!(p["person.birth_date"], "1970-05-06");
    assert_eq!(p["person.foreign_category"], "special_permanent");
    assert_eq!(p["person.residence_card_number"], "XY98765432ZW");
    assert!(!p.contains_key("person.alphabet_name"));
    assert_eq!(card.gaiji, vec!["person.name".to_owned()]);
    // No 本人確認書類 choice for it in the catalog: none proposed.
    assert!(!card.read.items.contains_key("visit.identity_document"));
}

#[test]
fn a_my_number_card_in_xml_with_a_bom() {
    let card = read("my_number_card_utf8bom.xml").unwrap();
    assert_eq!(card.encoding, TextEncoding::Utf8Bom);
    assert_eq!(card.format, Format::Xml);
    assert_eq!(card.read.document, DocumentKind::MyNumberCard);
    assert_eq!(
        person(&card),
        vec![
            ("person.birth_date", "1990-04-01"),
            ("person.kana", "タカサキ　ハナコ"),
            ("person.name", "高崎 花子"),
            ("person.sex", "female"),
        ]
    );
    assert_eq!(
        card.read.items["household.address"],
        "群馬県高崎市高松町35番地1 & 2"
    );
    assert_eq!(card.read.items["visit.identity_document"], "my_number_card");
}

#[test]
fn a_drivers_license_in_utf16_tab_separated() {
    let card = read("drivers_license_utf16le.txt").unwrap();
    assert_eq!(card.encoding, TextEncoding::Utf16Le);
    assert_eq!(card.read.document, DocumentKind::DriversLicense);
    let p = &card.read.persons[0];
    assert_eq!(p["person.name"], "前橋 健太");
    assert_eq!(p["person.birth_date"], "1985-12-01");
    assert_eq!(p.len(), 2, "{p:?}");
    assert_eq!(card.read.items["visit.identity_document"], "driver_license");
}

#[test]
fn a_residence_card_in_json_of_name_value_objects() {
    let card = read("residence_card.json").unwrap();
    assert_eq!(card.format, Format::Json);
    assert_eq!(card.read.document, DocumentKind::ResidenceCard);
    assert_eq!(
        person(&card),
        vec![
            ("person.alphabet_name", "SMITH JOHN"),
            ("person.birth_date", "1985-06-15"),
            ("person.foreign_category", "mid_long_term"),
            ("person.name", "SMITH JOHN"),
            ("person.nationality", "U.S.A."),
            ("person.residence_card_number", "CD23456789EF"),
            ("person.residence_status", "永住者"),
            ("person.sex", "female"),
        ]
    );
}

#[test]
fn files_that_give_no_card_say_why() {
    assert_eq!(
        read("bad_date.csv").unwrap_err(),
        OcrError::BadDate {
            field: "生年月日".into(),
            value: "〓〓年4月1日".into()
        }
    );
    assert_eq!(
        read("bad_date.csv").unwrap_err().to_string(),
        "生年月日「〓〓年4月1日」は日付として読めません"
    );
    assert_eq!(read("no_name.json").unwrap_err(), OcrError::NoName);
    assert_eq!(read("euc_jp.csv").unwrap_err(), OcrError::Encoding);
    assert_eq!(read("other.xml").unwrap_err(), OcrError::UnknownFormat);
    let map = FieldMap::builtin();
    assert_eq!(read_card(b"", &map).unwrap_err(), OcrError::Empty);
    assert_eq!(read_card(b" \r\n", &map).unwrap_err(), OcrError::Empty);
    assert!(matches!(
        read_card(b"<Card><Name>A</Card>", &map).unwrap_err(),
        OcrError::Syntax(_)
    ));
    assert!(matches!(
        read_card(b"{\"Name\": ", &map).unwrap_err(),
        OcrError::Syntax(_)
    ));
    assert_eq!(
        read_card(&vec![b'a'; MAX_BYTES + 1], &map).unwrap_err(),
        OcrError::TooLarge(MAX_BYTES + 1)
    );
    // A 4情報 card that does not say what it is: refused with the default map …
    let plain = "氏名,生年月日\n高崎 太郎,1990/04/01\n".as_bytes();
    assert_eq!(
        read_card(plain, &map).unwrap_err(),
        OcrError::UnknownKind(None)
    );
    assert_eq!(
        read_card("種別,氏名\nパスポート,高崎 太郎\n".as_bytes(), &map)
            .unwrap_err()
            .to_string(),
        "カードの種類が分かりません (「パスポート」)"
    );
    // … and taken as the terminal's default kind when its map gives one.
    let own = format!("default_kind = \"my_number_card\"\n{DEFAULT_TOML_FIELDS}");
    let map = FieldMap::from_toml(&own).unwrap();
    assert_eq!(
        read_card(plain, &map).unwrap().read.document,
        DocumentKind::MyNumberCard
    );
}

/// The default map's `[[fields]]` alone.
const DEFAULT_TOML_FIELDS: &str = r#"
[[fields]]
item = "person.name"
names = ["氏名"]
[[fields]]
item = "person.birth_date"
names = ["生年月日"]
"#;

#[test]
fn a_japanese_card_carries_no_residence_items_and_never_the_my_number() {
    let map = FieldMap::builtin();
    let file = "種別,氏名,番号,個人番号,在留資格\r\n運転免許証,前橋 健太,123456789012,123456789018,永住者\r\n";
    let card = read_card(file.as_bytes(), &map).unwrap();
    assert_eq!(card.read.document, DocumentKind::DriversLicense);
    assert_eq!(
        person(&card),
        vec![("person.name", "前橋 健太")],
        "no 在留カード番号 from a licence's 番号, no 個人番号 from an image"
    );
    assert_eq!(map.target("個人番号"), Some(&Target::Ignore));
}

#[test]
fn a_card_without_a_type_field_is_known_by_its_fields() {
    let map = FieldMap::builtin();
    let by_number = "氏名,在留カード番号\r\nLI WEI,EF34567890GH\r\n";
    assert_eq!(
        read_card(by_number.as_bytes(), &map).unwrap().read.document,
        DocumentKind::ResidenceCard
    );
    let by_status = "Name\tStatus\nKIM MINJI\t特別永住者\n";
    assert_eq!(
        read_card(by_status.as_bytes(), &map).unwrap().read.document,
        DocumentKind::SpecialPermanentResidentCertificate
    );
    // The field names in any width and case, a quoted value with a comma and a line end.
    let quoted = "ＮＡＭＥ,\"ADDRESS\",status\r\n\"LI, WEI\",\"群馬県高崎市\r\n高松町1\",留学\r\n";
    let card = read_card(quoted.as_bytes(), &map).unwrap();
    assert_eq!(card.read.persons[0]["person.name"], "LI, WEI");
    assert_eq!(card.read.items["household.address"], "群馬県高崎市高松町1");
}

#[test]
fn the_files_of_a_card_are_its_result_and_the_images_of_its_stem() {
    for name in ["0001.csv", "0001.XML", "card.json", "結果.txt"] {
        assert!(is_result_file(name), "{name}");
    }
    for name in ["0001.jpg", "0001", "desktop.ini", "0001.csv.tmp"] {
        assert!(!is_result_file(name), "{name}");
    }
    for other in [
        "0001.csv",
        "0001.jpg",
        "0001.PNG",
        "0001_front.bmp",
        "0001-back.tif",
        "0001.tiff",
    ] {
        assert!(belongs_to_card("0001.csv", other), "{other}");
    }
    for other in [
        "00010.jpg",
        "0002.jpg",
        "0001.xml",
        "0001.pdf",
        "0001front.jpg",
    ] {
        assert!(!belongs_to_card("0001.csv", other), "{other}");
    }
}

/// Every fixture cut at every byte, and with each byte replaced by a few others, reads or
/// is refused with a reason; nothing panics (a scanner's file read while it is written, a
/// damaged copy). A cut CP932 result that still reads is still the 在留カード of its type
/// field, never another card.
#[test]
fn cut_and_damaged_files_read_or_are_refused_without_panicking() {
    let map = FieldMap::builtin();
    let mut outcomes = (0usize, 0usize);
    for name in [
        "residence_card_cp932.csv",
        "special_permanent_cp932.csv",
        "my_number_card_utf8bom.xml",
        "drivers_license_utf16le.txt",
        "residence_card.json",
    ] {
        let bytes = fixture(name);
        for cut in 0..bytes.len() {
            match read_card(&bytes[..cut], &map) {
                Ok(card) => {
                    outcomes.0 += 1;
                    if name == "residence_card_cp932.csv" {
                        assert_eq!(card.read.document, DocumentKind::ResidenceCard, "cut {cut}");
                    }
                }
                Err(e) => {
                    outcomes.1 += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
        for at in 0..bytes.len() {
            for replacement in [0x00, b'"', b',', b'<', 0x81, 0xFF] {
                let mut damaged = bytes.clone();
                damaged[at] = replacement;
                match read_card(&damaged, &map) {
                    Ok(card) => assert!(!card.name().is_empty(), "{name} at {at}"),
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
            }
        }
    }
    // Both ends are reached: cut early files are refused, late cuts still read.
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

/// The CP932 在留カード cut after 「NGUY」 (its value row two cells long under nine names) is
/// a file still being written, not a card named NGUY; cut after its last named column it
/// reads, and a row of values as long as the header reads whatever follows it.
#[test]
fn a_csv_cut_mid_row_is_not_complete_yet() {
    let map = FieldMap::builtin();
    let bytes = fixture("residence_card_cp932.csv");
    let cut = |text: &str| {
        let (encoded, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let at = bytes
            .windows(encoded.len())
            .position(|w| w == &encoded[..])
            .unwrap_or_else(|| panic!("{text} not in the fixture"))
            + encoded.len();
        read_card(&bytes[..at], &map)
    };
    assert_eq!(
        cut("在留カード,NGUY").unwrap_err(),
        OcrError::Incomplete {
            cells: 2,
            header: 9
        }
    );
    assert_eq!(
        cut("在留カード,NGUY").unwrap_err().to_string(),
        "書きかけのようです: 最後の行が 2 列で、見出しの 9 列に足りません"
    );
    // Cut after the 在留資格 (8 of 9 named columns): still short.
    assert!(matches!(
        cut("技術・人文知識・国際業務,").unwrap_err(),
        OcrError::Incomplete {
            cells: 8,
            header: 9
        }
    ));
    // The 9th column begun: as long as the header's names; the empty columns after it may
    // be left out, as some writers do.
    assert_eq!(
        cut("ＡＢ１２３４５６７８ＣＤ").unwrap().name(),
        "NGUYEN VAN AN"
    );
    // A row after the values, cut: the file is still being written.
    let mut longer = bytes.clone();
    longer.extend_from_slice(&encoding_rs::SHIFT_JIS.encode("在留カード,SMITH\r\n").0);
    assert!(matches!(
        read_card(&longer, &map).unwrap_err(),
        OcrError::Incomplete {
            cells: 2,
            header: 9
        }
    ));
    // One field per row has no header to measure against: read as before.
    let pairs = "種別,在留カード\r\n氏名,NGUY".as_bytes();
    assert_eq!(read_card(pairs, &map).unwrap().name(), "NGUY");
}
