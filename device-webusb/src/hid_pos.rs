//! [`ScannedData`]: a code reader in USB HID POS mode (usage page 0x8C, Bar Code Scanner;
//! WebHID in the browser) sends each symbol as one or more input reports, assembled here.
//!
//! The layout is the Scanned Data Report (usage 0x8C:0x12) of the HID Point of Sale Usage
//! Tables (USB-IF, v1.02 §4) as Honeywell, Zebra and DENSO readers fill it in their
//! "HID POS" mode — 63 bytes after the report id (WebHID gives the id apart from the data):
//!
//! | byte   | content                                                  |
//! |--------|----------------------------------------------------------|
//! | 0      | how many data bytes this report carries (0–56)           |
//! | 1–3    | AIM symbology identifier (`]Q1`…), zero bytes if none    |
//! | 4–59   | decoded data                                             |
//! | 62     | bit 0: Decode Data Continued (more reports follow)       |
//!
//! The byte positions are not the same on every model's firmware; [`ReportLayout`] holds
//! them so a terminal's reader can be set without code.

/// Where a Scanned Data Report's parts are (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportLayout {
    /// The report id of the Scanned Data Report.
    pub report_id: u8,
    /// Byte holding the data length.
    pub length_at: usize,
    /// First byte of the 3-byte symbology identifier, if the report has one.
    pub symbology_at: Option<usize>,
    /// First data byte.
    pub data_at: usize,
    /// Byte whose bit 0 says more reports follow.
    pub continued_at: usize,
}

impl Default for ReportLayout {
    fn default() -> Self {
        ReportLayout {
            report_id: 2,
            length_at: 0,
            symbology_at: Some(1),
            data_at: 4,
            continued_at: 62,
        }
    }
}

/// What an assembler refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// A report shorter than the layout, or a length past its end.
    #[error(
        "QRリーダー (HID) の報告が {0} バイトしかありません。リーダーの HID POS 設定を確かめてください"
    )]
    Short(usize),
    /// A symbol longer than any QR code.
    #[error("QRリーダー (HID) のデータが長すぎます")]
    TooLong,
}

/// Assembles Scanned Data Reports into symbols.
#[derive(Debug, Clone, Default)]
pub struct ScannedData {
    layout: ReportLayout,
    pending: Vec<u8>,
}

impl ScannedData {
    /// An assembler for reports of `layout`.
    pub fn new(layout: ReportLayout) -> ScannedData {
        ScannedData {
            layout,
            pending: Vec::new(),
        }
    }

    /// Takes one input report (`report_id` and its data without the id). Reports of another
    /// id (a reader's status reports) are ignored. Returns the symbol's data — the AIM
    /// symbology identifier first, when the reader sends one, so that ECI escapes are
    /// understood ([`crate::transfer_certificate::payload::decode`]) — once its last report
    /// is in.
    pub fn report(&mut self, report_id: u8, data: &[u8]) -> Result<Option<Vec<u8>>, ReportError> {
        let l = self.layout;
        if report_id != l.report_id {
            return Ok(None);
        }
        let length = *data
            .get(l.length_at)
            .ok_or(ReportError::Short(data.len()))? as usize;
        let chunk = data
            .get(l.data_at..l.data_at + length)
            .ok_or(ReportError::Short(data.len()))?;
        if self.pending.is_empty()
            && let Some(at) = l.symbology_at
            && let Some(id) = data.get(at..at + 3)
            && id[0] == b']'
        {
            self.pending.extend_from_slice(id);
        }
        self.pending.extend_from_slice(chunk);
        if self.pending.len() > crate::serial::MAX_SYMBOL_BYTES {
            self.pending.clear();
            return Err(ReportError::TooLong);
        }
        let continued = data.get(l.continued_at).is_some_and(|b| b & 1 == 1);
        Ok((!continued).then(|| std::mem::take(&mut self.pending)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(data: &[u8], continued: bool) -> Vec<u8> {
        let mut r = vec![0u8; 63];
        r[0] = data.len() as u8;
        r[1..4].copy_from_slice(b"]Q1");
        r[4..4 + data.len()].copy_from_slice(data);
        r[62] = continued as u8;
        r
    }

    #[test]
    fn reports_assemble_into_one_symbol_with_its_symbology() {
        let text = "転出証明書,1,1,高崎 花子".as_bytes();
        let (a, b) = text.split_at(30);
        let mut scanned = ScannedData::default();
        assert_eq!(scanned.report(2, &report(a, true)), Ok(None));
        assert_eq!(scanned.report(4, &[1, 2, 3]), Ok(None));
        let symbol = scanned.report(2, &report(b, false)).unwrap().unwrap();
        assert_eq!(&symbol[..3], b"]Q1");
        assert_eq!(&symbol[3..], text);
    }

    #[test]
    fn a_short_report_is_refused() {
        let mut scanned = ScannedData::default();
        assert_eq!(scanned.report(2, &[40, 0, 0]), Err(ReportError::Short(3)));
    }
}
