//! [`CertificateReader`]: the paper 転出証明書's two-dimensional code, read symbol by symbol
//! into a [`DocumentRead`] of every 異動者 on it.
//!
//! The path of a code: a transport (Web Serial, WebHID POS, keyboard wedge, a camera) gives
//! each symbol's bytes as a [`Symbol`]; [`payload::decode`] reads them as text (ECI,
//! UTF-8 or CP932); the [`layout::Layout`] (a data file) turns the CSV text into records;
//! the reader assembles a household split over several symbols — by their Structured
//! Append header when the transport knows it (ISO/IEC 18004 §8: position, total, parity),
//! otherwise by joining consecutive symbols until every person up to the certificate's
//! count is there — taking each symbol at most once. A symbol that is refused (foreign,
//! mis-encoded, a duplicate, a value an item cannot hold) changes nothing already read.
//!
//! ```
//! use device_webusb::transfer_certificate::{CertificateReader, Progress, Symbol};
//!
//! let mut reader = CertificateReader::default();
//! let text = "様式,連番,異動者数,氏名,フリガナ,生年月日,性別,続柄,世帯主,住所\r\n\
//!             転出証明書,1,1,高崎 花子,タカサキ ハナコ,平成2年4月1日,女,世帯主,高崎 花子,前橋市大手町一丁目1番1号\r\n";
//! let Progress::Complete(read) = reader.feed(Symbol::bytes(text.as_bytes())).unwrap() else {
//!     panic!("one symbol holds the whole certificate");
//! };
//! assert_eq!(read.persons[0]["person.birth_date"], "1990-04-01");
//! assert_eq!(read.items["visit.previous_address"], "前橋市大手町一丁目1番1号");
//! ```

pub mod layout;
pub mod payload;

use std::collections::{BTreeMap, BTreeSet};

use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};

use self::layout::{Layout, Record, RecordError};
use self::payload::PayloadError;

/// A Structured Append header (ISO/IEC 18004:2015 §8): this symbol's place among `total`
/// symbols of one message, and the message's parity (XOR of all its data bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StructuredAppend {
    /// 0-based position (0–15).
    pub position: u8,
    /// How many symbols (1–16).
    pub total: u8,
    /// The parity byte.
    pub parity: u8,
}

/// One symbol's data as a transport gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The data bytes (a reader's AIM prefix and ECI escapes included, if it sends them).
    pub data: Vec<u8>,
    /// The Structured Append header, when the transport knows it (a camera decoder does;
    /// readers over USB-COM usually strip it).
    pub structured_append: Option<StructuredAppend>,
}

impl Symbol {
    /// A symbol of `data` with no Structured Append header.
    pub fn bytes(data: &[u8]) -> Symbol {
        Symbol {
            data: data.to_vec(),
            structured_append: None,
        }
    }
}

/// Why a symbol was refused. Nothing read before it is lost.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateError {
    /// The bytes are not text in a known encoding.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// Not a 転出証明書's code, or a value on it no item can hold.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// This very symbol was read already.
    #[error("この二次元コードは読み取り済みです。続きのコードを読み取ってください")]
    Duplicate,
    /// A symbol of another certificate while one is half read.
    #[error(
        "別の転出証明書のコードです。読み取り中の証明書を最後まで読むか、やめてからにしてください"
    )]
    OtherCertificate,
    /// A symbol that can only continue a certificate, with none begun.
    #[error("転出証明書の途中のコードです。1枚目のコードから読み取ってください")]
    NotTheStart,
}

/// Where reading a certificate stands after a symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// Every person is read; the reader is empty again.
    Complete(DocumentRead),
    /// More symbols are needed: how many persons are read, of how many (when known), and
    /// how many symbols (with Structured Append) are read of how many.
    Partial {
        /// Persons read.
        persons: usize,
        /// Persons on the certificate, when the layout says.
        of: Option<usize>,
    },
}

/// What a half-read certificate lacks when the counter gives up on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "転出証明書の途中までしか読めていません ({of}人中{persons}人)。最初から読み取り直してください"
)]
pub struct Truncated {
    /// Persons read.
    pub persons: usize,
    /// Persons on the certificate (0 when unknown).
    pub of: usize,
}

/// Reads 転出証明書 codes symbol by symbol (see the module's rules).
#[derive(Debug, Clone)]
pub struct CertificateReader {
    layout: Layout,
    /// Symbols of the certificate being read, by Structured Append position.
    appended: BTreeMap<u8, Vec<u8>>,
    /// The Structured Append message being read (total, parity).
    message: Option<(u8, u8)>,
    /// Text of symbols without a header, joined.
    joined: String,
    /// Bytes of a character the last symbol ended inside (at most 3).
    carry: Vec<u8>,
    /// Every symbol's bytes taken for the certificate being read.
    seen: BTreeSet<Vec<u8>>,
}

impl Default for CertificateReader {
    fn default() -> Self {
        CertificateReader::new(Layout::default_layout())
    }
}

impl CertificateReader {
    /// A reader for codes of `layout`.
    pub fn new(layout: Layout) -> CertificateReader {
        CertificateReader {
            layout,
            appended: BTreeMap::new(),
            message: None,
            joined: String::new(),
            carry: Vec::new(),
            seen: BTreeSet::new(),
        }
    }

    /// Whether a certificate is half read.
    pub fn in_progress(&self) -> bool {
        !self.seen.is_empty()
    }

    /// Drops a half-read certificate, saying what it lacked (`None` if nothing was read).
    pub fn abandon(&mut self) -> Option<Truncated> {
        let progress = self.progress_now();
        self.reset();
        match progress {
            Some(Progress::Partial { persons, of }) => Some(Truncated {
                persons,
                of: of.unwrap_or(0),
            }),
            _ => None,
        }
    }

    /// Takes one symbol. Errors leave the reader as it was before the symbol.
    pub fn feed(&mut self, symbol: Symbol) -> Result<Progress, CertificateError> {
        if self.seen.contains(&symbol.data) {
            return Err(CertificateError::Duplicate);
        }
        match symbol.structured_append {
            Some(header) if header.total > 1 => self.feed_appended(symbol.data, header),
            _ => self.feed_joined(symbol.data),
        }
    }

    fn feed_appended(
        &mut self,
        data: Vec<u8>,
        header: StructuredAppend,
    ) -> Result<Progress, CertificateError> {
        match self.message {
            Some(message) if message != (header.total, header.parity) => {
                return Err(CertificateError::OtherCertificate);
            }
            None if !self.joined.is_empty() => return Err(CertificateError::OtherCertificate),
            _ => {}
        }
        if self.appended.contains_key(&header.position) || header.position >= header.total {
            return Err(CertificateError::Duplicate);
        }
        // The first symbol's text must read (a foreign code is refused at once); a later
        // one may begin inside a character the one before it ended in.
        if header.position == 0 {
            payload::decode_prefix(&data)?;
        }
        let mut appended = self.appended.clone();
        appended.insert(header.position, data.clone());
        if appended.len() < header.total as usize {
            self.appended = appended;
            self.message = Some((header.total, header.parity));
            self.seen.insert(data);
            return Ok(Progress::Partial {
                persons: 0,
                of: None,
            });
        }
        let whole: Vec<u8> = appended.into_values().flatten().collect();
        let text = payload::decode(&whole)?.text;
        let (records, partial) = self.layout.records(&text)?;
        if partial || records.is_empty() {
            return Err(RecordError::Foreign.into());
        }
        self.reset();
        Ok(Progress::Complete(self.read_of(records)))
    }

    fn feed_joined(&mut self, data: Vec<u8>) -> Result<Progress, CertificateError> {
        if self.message.is_some() {
            return Err(CertificateError::OtherCertificate);
        }
        // The bytes of a character the last symbol ended inside go in front of this one's.
        let raw = if data.starts_with(b"]Q") {
            data.clone()
        } else {
            [self.carry.as_slice(), &data].concat()
        };
        let (text, carry) = payload::decode_prefix(&raw)?;
        let text = text.text;
        let (before, _) = self.layout.records(&self.joined).unwrap_or_default();
        // The symbol continues the text exactly, or — a symbol that is a CSV of its own
        // without a last line break — after one.
        let mut candidates = vec![format!("{}{text}", self.joined)];
        if !self.joined.is_empty() && !self.joined.ends_with(['\n', '\r']) {
            candidates.push(format!("{}\n{text}", self.joined));
        }
        let mut refusal: Option<CertificateError> = None;
        for joined in candidates {
            let (records, partial) = match self.layout.records(&joined) {
                Ok(read) => read,
                Err(e) => {
                    refusal.get_or_insert(e.into());
                    continue;
                }
            };
            if records.is_empty() && !partial {
                refusal.get_or_insert(RecordError::Foreign.into());
                continue;
            }
            if !self.joined.is_empty() && !Self::continues(&before, &records) {
                continue;
            }
            // The first record read must be person 1: a continuation alone is refused.
            if self.layout.numbered()
                && records
                    .first()
                    .and_then(|r| r.sequence)
                    .is_some_and(|s| s != 1)
            {
                return Err(CertificateError::NotTheStart);
            }
            let partial = partial || !carry.is_empty();
            if let Some(progress) = Self::judge(&self.layout, &records, partial) {
                self.joined = joined;
                self.carry = carry;
                self.seen.insert(data);
                return Ok(progress);
            }
            self.reset();
            return Ok(Progress::Complete(self.read_of(records)));
        }
        if self.joined.is_empty() {
            return Err(refusal.unwrap_or_else(|| RecordError::Foreign.into()));
        }
        // It does not continue what was read: another certificate's, or none at all.
        Err(match self.layout.records(&text) {
            Ok((alone, partial)) if !alone.is_empty() || partial => {
                CertificateError::OtherCertificate
            }
            Ok(_) => RecordError::Foreign.into(),
            Err(e) => e.into(),
        })
    }

    /// Whether `records` (read with a new symbol) continue `before`: at least one more
    /// record, the same count, no person twice.
    fn continues(before: &[Record], records: &[Record]) -> bool {
        let count = before.iter().find_map(|r| r.count);
        let mut numbers = BTreeSet::new();
        records.len() > before.len()
            && records.iter().all(|r| {
                (count.is_none() || r.count.is_none() || r.count == count)
                    && r.sequence.is_none_or(|n| numbers.insert(n))
            })
    }

    /// `None` when `records` are the whole certificate; else how far they go.
    fn judge(layout: &Layout, records: &[Record], partial: bool) -> Option<Progress> {
        let count = records.iter().find_map(|r| r.count);
        let numbers: BTreeSet<usize> = records.iter().filter_map(|r| r.sequence).collect();
        let complete = match (layout.numbered(), count) {
            (true, Some(count)) => (1..=count).all(|n| numbers.contains(&n)),
            // An unnumbered layout: one symbol (or its joined text) is the certificate.
            _ => !records.is_empty(),
        };
        (partial || !complete).then_some(Progress::Partial {
            persons: records.len(),
            of: count,
        })
    }

    fn progress_now(&self) -> Option<Progress> {
        if !self.in_progress() {
            return None;
        }
        if self.message.is_some() {
            return Some(Progress::Partial {
                persons: 0,
                of: None,
            });
        }
        let (records, partial) = self.layout.records(&self.joined).ok()?;
        Self::judge(&self.layout, &records, partial)
    }

    fn reset(&mut self) {
        self.appended.clear();
        self.message = None;
        self.joined.clear();
        self.carry.clear();
        self.seen.clear();
    }

    /// The records as one read: each person's items; the certificate's (household and
    /// visit) items from the first record that has them.
    fn read_of(&self, mut records: Vec<Record>) -> DocumentRead {
        records.sort_by_key(|r| r.sequence.unwrap_or(0));
        let mut read = DocumentRead::new(DocumentKind::TransferCertificate, ReadPath::Qr);
        for record in records {
            let mut person = BTreeMap::new();
            for (key, value) in record.items {
                if key.starts_with("person.") {
                    person.insert(key, value);
                } else {
                    read.items.entry(key).or_insert(value);
                }
            }
            read.persons.push(person);
        }
        read
    }
}

#[cfg(test)]
mod tests;
