//! Reading a reception slip's code at the counter, wherever it arrives (the page-wide
//! keyboard-wedge listener, or typed by the reader into 受付番号 or 文書ID because the focus
//! was there): what the counter is told when it cannot be read.

use shared_model::handoff::ScanError;

use crate::i18n::Text;

/// The message for a scan that is not a slip's code: the cause the counter can fix first
/// (the IME took the keys, the reader changed the letters' case of an older slip, the reader
/// types for another keyboard layout), else that the scan was damaged or is not a slip's at
/// all. Caps Lock alone never breaks a slip's code (it reads in any case), so it is named
/// only where the case was what went wrong.
pub fn problem(error: &ScanError, ime_took_keys: bool) -> Text {
    match error {
        _ if ime_took_keys => Text::ErrorScanIme,
        ScanError::ImeOn { .. } => Text::ErrorScanIme,
        ScanError::CaseChanged => Text::ErrorScanCase,
        ScanError::KeyboardLayout { .. } => Text::ErrorScanLayout,
        ScanError::WrongLength { .. } | ScanError::CheckFailed => Text::ErrorScanDamaged,
        ScanError::Empty | ScanError::NotASlip => Text::ErrorUnknownScan,
    }
}
