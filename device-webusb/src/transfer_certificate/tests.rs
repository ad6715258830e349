use super::*;
use encoding_rs::SHIFT_JIS;

const HEADER: &str = "様式,連番,異動者数,氏名,フリガナ,生年月日,性別,続柄,世帯主,住所,方書,本籍,筆頭者,住民票コード,個人番号,転出予定日,転出先";

fn sjis(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

/// A household of three as the previous town's system might print it: CP932, CRLF,
/// 和暦 dates, 髙 (an IBM extension) in a name, a 方書 beside the address.
fn household() -> String {
    [
        HEADER,
        "転出証明書,1,3,髙橋 一郎,タカハシ イチロウ,昭和50年1月2日,男,世帯主,髙橋 一郎,前橋市大手町一丁目1番1号,コーポ大手101号,群馬県前橋市大手町一丁目1番地,髙橋 一郎,12345678901,,令和8年12月1日,高崎市高松町35番地1",
        "転出証明書,2,3,髙橋 花子,タカハシ ハナコ,昭和52年3月4日,女,妻,髙橋 一郎,前橋市大手町一丁目1番1号,コーポ大手101号,群馬県前橋市大手町一丁目1番地,髙橋 一郎,12345678902,,令和8年12月1日,高崎市高松町35番地1",
        "転出証明書,3,3,髙橋 ①太,タカハシ イチタ,平成22年5月6日,男,子,髙橋 一郎,前橋市大手町一丁目1番1号,コーポ大手101号,群馬県前橋市大手町一丁目1番地,髙橋 一郎,12345678903,,令和8年12月1日,高崎市高松町35番地1",
    ]
    .join("\r\n")
        + "\r\n"
}

fn complete(progress: Progress) -> DocumentRead {
    match progress {
        Progress::Complete(read) => read,
        other => panic!("not complete: {other:?}"),
    }
}

#[test]
fn a_household_in_one_shift_jis_symbol_reads_every_person() {
    let mut reader = CertificateReader::default();
    let read = complete(reader.feed(Symbol::bytes(&sjis(&household()))).unwrap());
    assert_eq!(read.document, DocumentKind::TransferCertificate);
    assert_eq!(read.persons.len(), 3);
    assert_eq!(read.persons[0]["person.name"], "髙橋 一郎");
    assert_eq!(read.persons[0]["person.birth_date"], "1975-01-02");
    assert_eq!(read.persons[0]["person.sex"], "male");
    assert_eq!(read.persons[1]["person.sex"], "female");
    assert_eq!(read.persons[1]["person.relationship"], "妻");
    assert_eq!(read.persons[2]["person.name"], "髙橋 ①太");
    assert_eq!(read.persons[2]["person.resident_code"], "12345678903");
    assert_eq!(
        read.items["visit.previous_address"],
        "前橋市大手町一丁目1番1号\u{3000}コーポ大手101号"
    );
    assert_eq!(read.items["household.head_name"], "髙橋 一郎");
    assert_eq!(read.items["visit.planned_move_out_on"], "2026-12-01");
    assert_eq!(read.items["household.address"], "高崎市高松町35番地1");
    assert!(!reader.in_progress());
}

#[test]
fn a_household_split_mid_row_over_symbols_is_joined_until_complete() {
    let bytes = household().into_bytes();
    // Split inside the second person's row (UTF-8 this time), at a character boundary.
    let text = household();
    let cut = text.find("タカハシ ハナコ").unwrap();
    let (first, second) = (&text.as_bytes()[..cut], &text.as_bytes()[cut..]);
    assert_eq!([first, second].concat(), bytes);
    let mut reader = CertificateReader::default();
    assert_eq!(
        reader.feed(Symbol::bytes(first)).unwrap(),
        Progress::Partial {
            persons: 1,
            of: Some(3)
        }
    );
    // The same symbol again: refused, nothing lost.
    assert_eq!(
        reader.feed(Symbol::bytes(first)),
        Err(CertificateError::Duplicate)
    );
    // A foreign code in the middle: refused, nothing lost.
    assert_eq!(
        reader.feed(Symbol::bytes(b"https://www.city.takasaki.gunma.jp/")),
        Err(CertificateError::Record(RecordError::Foreign))
    );
    let read = complete(reader.feed(Symbol::bytes(second)).unwrap());
    assert_eq!(read.persons.len(), 3);
    assert_eq!(read.persons[1]["person.kana"], "タカハシ\u{3000}ハナコ");
}

#[test]
fn symbols_with_their_own_header_each_hold_whole_persons() {
    let lines: Vec<String> = household().lines().map(str::to_owned).collect();
    let mut reader = CertificateReader::default();
    let mut last = None;
    // Person 3, then 1, then 2: order does not matter once the first is there.
    for (i, rows) in [[0, 1], [0, 3], [0, 2]].iter().enumerate() {
        let text = format!("{}\r\n{}\r\n", lines[rows[0]], lines[rows[1]]);
        let progress = reader.feed(Symbol::bytes(&sjis(&text)));
        if i == 0 {
            assert!(matches!(progress, Ok(Progress::Partial { persons: 1, .. })));
        }
        last = Some(progress);
    }
    let read = complete(last.unwrap().unwrap());
    let names: Vec<_> = read
        .persons
        .iter()
        .map(|p| p["person.name"].clone())
        .collect();
    assert_eq!(names, ["髙橋 一郎", "髙橋 花子", "髙橋 ①太"]);
}

#[test]
fn structured_append_symbols_assemble_in_position_order() {
    let bytes = sjis(&household());
    let parity = bytes.iter().fold(0u8, |p, b| p ^ b);
    // Split at a row boundary (Structured Append may split anywhere a character ends).
    let cut = bytes.len() / 2;
    let cut = (cut..bytes.len()).find(|&i| bytes[i - 1] == b'\n').unwrap();
    let parts = [&bytes[..cut], &bytes[cut..]];
    let symbol = |position: u8| Symbol {
        data: parts[position as usize].to_vec(),
        structured_append: Some(StructuredAppend {
            position,
            total: 2,
            parity,
        }),
    };
    let mut reader = CertificateReader::default();
    assert!(matches!(
        reader.feed(symbol(1)),
        Ok(Progress::Partial { .. })
    ));
    assert_eq!(reader.feed(symbol(1)), Err(CertificateError::Duplicate));
    // A symbol of another Structured Append message.
    let mut other = symbol(0);
    other.structured_append.as_mut().unwrap().parity ^= 0xFF;
    assert_eq!(reader.feed(other), Err(CertificateError::OtherCertificate));
    let read = complete(reader.feed(symbol(0)).unwrap());
    assert_eq!(read.persons.len(), 3);
}

#[test]
fn utf8_with_gaiji_and_a_foreign_resident_reads() {
    let text = "様式,連番,異動者数,氏名,フリガナ,生年月日,性別,続柄,世帯主,住所,国籍・地域,アルファベット氏名,法第30条の45に規定する区分,在留資格,在留期間,在留期間の満了の日,在留カード等の番号\n\
                転出証明書,1,2,𠮷田 太郎,ヨシダ タロウ,1980-07-08,男,世帯主,𠮷田 太郎,東京都新宿区西新宿二丁目8番1号,日本,,,,,,\n\
                転出証明書,2,2,グエン ヴァン アン,グエン ヴァン アン,1995年4月1日,男,同居人,𠮷田 太郎,東京都新宿区西新宿二丁目8番1号,ベトナム,NGUYEN VAN AN,中長期在留者,技術・人文知識・国際業務,5年,令和10年3月31日,AB12345678CD\n";
    let read = complete(
        CertificateReader::default()
            .feed(Symbol::bytes(text.as_bytes()))
            .unwrap(),
    );
    assert_eq!(read.persons[0]["person.name"], "𠮷田 太郎");
    let an = &read.persons[1];
    assert_eq!(an["person.alphabet_name"], "NGUYEN VAN AN");
    assert_eq!(an["person.foreign_category"], "mid_long_term");
    assert_eq!(an["person.residence_expiry"], "2028-03-31");
    assert_eq!(an["person.residence_card_number"], "AB12345678CD");
    assert_eq!(an["person.birth_date"], "1995-04-01");
}

#[test]
fn bad_codes_are_refused_with_the_reason_and_change_nothing() {
    let mut reader = CertificateReader::default();
    // Our own handoff slip, a URL, an empty code.
    for foreign in [
        &b"MDG7Q3K9ZC"[..],
        b"https://example.jp/x",
        b"hello,world\n",
    ] {
        assert_eq!(
            reader.feed(Symbol::bytes(foreign)),
            Err(CertificateError::Record(RecordError::Foreign)),
            "{}",
            String::from_utf8_lossy(foreign)
        );
    }
    assert!(matches!(
        reader.feed(Symbol::bytes(b"\x81\x20\xFF")),
        Err(CertificateError::Payload(PayloadError::MisEncoded { .. }))
    ));
    // Another kind of document's CSV: its marker is not the certificate's.
    let other =
        format!("{HEADER}\n住民票,1,1,高崎 花子,タカサキ ハナコ,1990-04-01,女,世帯主,,,,,,,,,\n");
    assert_eq!(
        reader.feed(Symbol::bytes(other.as_bytes())),
        Err(CertificateError::Record(RecordError::Foreign))
    );
    // A date that is not one: refused naming the person and the item.
    let bad = format!(
        "{HEADER}\n転出証明書,1,1,高崎 花子,タカサキ ハナコ,平成のはじめごろ,女,世帯主,,,,,,,,,\n"
    );
    let error = match reader.feed(Symbol::bytes(bad.as_bytes())) {
        Err(e) => e,
        Ok(p) => panic!("{p:?}"),
    };
    assert!(error.to_string().starts_with("1人目: 生年月日"), "{error}");
    // A continuation alone (person 2 of 3 without person 1).
    let lines: Vec<&str> = household().leak().lines().collect();
    let second = format!("{}\r\n{}\r\n", lines[0], lines[2]);
    assert_eq!(
        reader.feed(Symbol::bytes(&sjis(&second))),
        Err(CertificateError::NotTheStart)
    );
    assert!(!reader.in_progress());
}

#[test]
fn a_certificate_given_up_half_read_says_what_it_lacked() {
    let text = household();
    let cut = text.find("転出証明書,3").unwrap();
    let mut reader = CertificateReader::default();
    assert!(matches!(
        reader.feed(Symbol::bytes(&text.as_bytes()[..cut])),
        Ok(Progress::Partial {
            persons: 2,
            of: Some(3)
        })
    ));
    // Another certificate's first symbol while this one is half read.
    let other = format!(
        "{HEADER}\r\n転出証明書,1,1,高崎 花子,タカサキ ハナコ,1990-04-01,女,世帯主,,,,,,,,,\r\n"
    );
    assert_eq!(
        reader.feed(Symbol::bytes(other.as_bytes())),
        Err(CertificateError::OtherCertificate)
    );
    assert_eq!(reader.abandon(), Some(Truncated { persons: 2, of: 3 }));
    assert_eq!(
        Truncated { persons: 2, of: 3 }.to_string(),
        "転出証明書の途中までしか読めていません (3人中2人)。最初から読み取り直してください"
    );
    assert!(!reader.in_progress());
    assert_eq!(reader.abandon(), None);
}

#[test]
fn a_layout_without_a_header_reads_columns_by_position() {
    let row = "転出証明書,1,1,高崎 花子,タカサキ ハナコ,H2.4.1,F,世帯主,高崎 花子,前橋市大手町一丁目1番1号\n";
    let read = complete(
        CertificateReader::default()
            .feed(Symbol::bytes(row.as_bytes()))
            .unwrap(),
    );
    assert_eq!(read.persons[0]["person.birth_date"], "1990-04-01");
    assert_eq!(read.persons[0]["person.sex"], "female");
}

#[test]
fn a_wedge_reader_sending_the_code_line_by_line_is_joined() {
    // A keyboard-wedge reader ends each line with Enter: every line comes as a symbol.
    let mut reader = CertificateReader::default();
    let text = household();
    let lines: Vec<&str> = text.lines().collect();
    for line in &lines[..3] {
        assert!(matches!(
            reader.feed(Symbol::bytes(format!("{line}\n").as_bytes())),
            Ok(Progress::Partial { .. })
        ));
    }
    let read = complete(
        reader
            .feed(Symbol::bytes(format!("{}\n", lines[3]).as_bytes()))
            .unwrap(),
    );
    assert_eq!(read.persons.len(), 3);
}

#[test]
fn codes_as_other_towns_may_write_them_read() {
    let complete_of = |symbols: &[Vec<u8>]| {
        let mut reader = CertificateReader::default();
        let mut last = None;
        for s in symbols {
            last = Some(reader.feed(Symbol::bytes(s)));
        }
        match last {
            Some(Ok(Progress::Complete(read))) => read,
            other => panic!("not complete: {other:?}"),
        }
    };
    // No header, two persons, no line break after the last (a QR payload usually has none).
    let positional = "転出証明書,1,2,高崎 太郎,タカサキ タロウ,1970-01-02,男,世帯主\r\n転出証明書,2,2,高崎 花子,タカサキ ハナコ,1972-03-04,女,妻";
    assert_eq!(
        complete_of(&[positional.as_bytes().to_vec()]).persons.len(),
        2
    );
    // Many columns this layout does not know, beside the ones it does.
    let unknown: Vec<String> = (1..=18).map(|n| format!("独自項目{n}")).collect();
    let wide = format!(
        "{HEADER},{}\r\n転出証明書,1,1,高崎 花子,タカサキ ハナコ,1990-04-01,女,世帯主,,,,,,,,,{}\r\n",
        unknown.join(","),
        ",".repeat(17)
    );
    assert_eq!(complete_of(&[wide.into_bytes()]).persons.len(), 1);
    // Full-width numbering.
    let wide_digits =
        format!("{HEADER}\r\n転出証明書,１,１,高崎 花子,タカサキ ハナコ,1990-04-01,女,世帯主\r\n");
    assert_eq!(complete_of(&[wide_digits.into_bytes()]).persons.len(), 1);
    // A household split inside a Shift_JIS character (the second symbol begins with its
    // trail byte), and one whose symbols are each a CSV without a last line break.
    let bytes = sjis(&household());
    let inside = (100..bytes.len())
        .find(|&i| bytes[i] >= 0x81 && sjis_lead_at(&bytes, i))
        .unwrap()
        + 1;
    let read = complete_of(&[bytes[..inside].to_vec(), bytes[inside..].to_vec()]);
    assert_eq!(read.persons.len(), 3);
    let lines: Vec<&str> = household().leak().lines().collect();
    let own = |rows: &[usize]| {
        let mut text = lines[0].to_owned();
        for r in rows {
            text.push_str("\r\n");
            text.push_str(lines[*r]);
        }
        sjis(&text)
    };
    let read = complete_of(&[own(&[1]), own(&[2]), own(&[3])]);
    assert_eq!(read.persons.len(), 3);
}

/// Whether byte `i` of a Shift_JIS text starts a two-byte character.
fn sjis_lead_at(bytes: &[u8], i: usize) -> bool {
    let mut at = 0;
    while at < bytes.len() {
        let two = matches!(bytes[at], 0x81..=0x9F | 0xE0..=0xFC);
        if at == i {
            return two;
        }
        at += if two { 2 } else { 1 };
    }
    false
}
