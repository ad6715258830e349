//! [`PcscReader`]: the counter's smart-card reader through the OS's PC/SC service (pcscd on
//! Linux, WinSCard on Windows, CryptoTokenKit on macOS), with the `pcsc` crate.
//!
//! Each call opens its own PC/SC context, so a reader plugged in, or a PC/SC service
//! restarted, after the bridge started is seen at the next call. Reads run one at a time,
//! inside a PC/SC transaction so no other program's commands come between the VERIFY and the
//! READ BINARYs. The reader used is the first that has a card in it, else the first listed;
//! `--reader` narrows the list to names containing a text.

use std::ffi::CString;
use std::sync::Mutex;
use std::time::Duration;

use device_webusb::my_number_card::bridge::BridgeStatus;
use device_webusb::my_number_card::{CardError, CardTransport, TransportError, text_ap};
use pcsc::{Context, Protocols, ReaderState, Scope, ShareMode, State};
use shared_model::document_read::DocumentRead;

use crate::CardReader;

/// Readers through PC/SC.
#[derive(Debug, Default)]
pub struct PcscReader {
    /// Only readers whose name contains this (all if `None`).
    pub name_filter: Option<String>,
    one_at_a_time: Mutex<()>,
}

impl PcscReader {
    /// Readers whose name contains `name_filter`, or all.
    pub fn new(name_filter: Option<String>) -> PcscReader {
        PcscReader {
            name_filter,
            one_at_a_time: Mutex::new(()),
        }
    }

    /// The reader to use and whether a card is in it.
    fn pick(&self, context: &Context) -> Result<(CString, bool), CardError> {
        let names = context
            .list_readers_owned()
            .map_err(|e| CardError::from(transport_error(e)))?;
        let mut states: Vec<ReaderState> = names
            .into_iter()
            .filter(|name| {
                self.name_filter
                    .as_deref()
                    .is_none_or(|f| name.to_string_lossy().contains(f))
            })
            .map(|name| ReaderState::new(name, State::UNAWARE))
            .collect();
        if states.is_empty() {
            return Err(CardError::NoReader);
        }
        context
            .get_status_change(Duration::ZERO, &mut states)
            .map_err(|e| CardError::from(transport_error(e)))?;
        let with_card = states
            .iter()
            .position(|s| s.event_state().contains(State::PRESENT))
            .map(|i| (i, true))
            .unwrap_or((0, false));
        Ok((states[with_card.0].name().to_owned(), with_card.1))
    }
}

/// What a PC/SC error means to the read.
fn transport_error(error: pcsc::Error) -> TransportError {
    use pcsc::Error as E;
    match error {
        E::NoReadersAvailable
        | E::UnknownReader
        | E::ReaderUnavailable
        | E::NoService
        | E::ServiceStopped => TransportError::NoReader,
        E::NoSmartcard | E::RemovedCard | E::UnpoweredCard | E::ResetCard => TransportError::NoCard,
        other => TransportError::Reader(other.to_string()),
    }
}

/// One connected card, inside a transaction.
struct Connected<'a> {
    card: &'a pcsc::Card,
    context: &'a Context,
    reader: &'a CString,
}

impl Connected<'_> {
    /// Whether the card has left the reader. pcscd notices a removal at its next poll of the
    /// reader (every 0.4 s), so this waits up to 1.5 s for a change when it still shows the
    /// card.
    fn card_gone(&self) -> bool {
        let mut state = [ReaderState::new(self.reader.clone(), State::UNAWARE)];
        if self
            .context
            .get_status_change(Duration::ZERO, &mut state)
            .is_err()
        {
            return true;
        }
        if !state[0].event_state().contains(State::PRESENT) {
            return true;
        }
        state[0].sync_current_state();
        let _ = self
            .context
            .get_status_change(Duration::from_millis(1500), &mut state);
        !state[0].event_state().contains(State::PRESENT)
    }
}

impl CardTransport for Connected<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
        let error = match self.card.transmit(command, &mut buffer) {
            Ok(answer) if answer.len() >= 2 => return Ok(answer.to_vec()),
            // A card pulled out mid-command gives an empty answer through some drivers
            // (vpcd), a communication error through others: whether the card is still
            // there tells a removal from a reader failing.
            Ok(_) => TransportError::Reader("an answer without a status word".into()),
            Err(error) => transport_error(error),
        };
        Err(match error {
            TransportError::Reader(_) if self.card_gone() => TransportError::NoCard,
            other => other,
        })
    }
}

impl CardReader for PcscReader {
    fn status(&self) -> BridgeStatus {
        let picked = Context::establish(Scope::User)
            .map_err(|e| CardError::from(transport_error(e)))
            .and_then(|context| self.pick(&context));
        match picked {
            Ok((_, card)) => BridgeStatus { reader: true, card },
            Err(_) => BridgeStatus {
                reader: false,
                card: false,
            },
        }
    }

    fn read(&self, pin: &str) -> Result<DocumentRead, CardError> {
        if !text_ap::pin_well_formed(pin) {
            return Err(CardError::PinFormat);
        }
        let _one = self
            .one_at_a_time
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let context =
            Context::establish(Scope::User).map_err(|e| CardError::from(transport_error(e)))?;
        let (reader, present) = self.pick(&context)?;
        if !present {
            return Err(CardError::NoCard);
        }
        let mut card = context
            .connect(&reader, ShareMode::Shared, Protocols::ANY)
            .map_err(|e| CardError::from(transport_error(e)))?;
        let transaction = card
            .transaction()
            .map_err(|e| CardError::from(transport_error(e)))?;
        let result = text_ap::read(
            &mut Connected {
                card: &transaction,
                context: &context,
                reader: &reader,
            },
            pin,
        );
        // Reset the card when done, so the verified PIN does not stay usable by the next
        // program that talks to it.
        let _ = transaction.end(pcsc::Disposition::ResetCard);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcsc_errors_mean_no_reader_no_card_or_a_failing_reader() {
        for error in [
            pcsc::Error::NoReadersAvailable,
            pcsc::Error::NoService,
            pcsc::Error::ServiceStopped,
            pcsc::Error::UnknownReader,
        ] {
            assert_eq!(
                transport_error(error),
                TransportError::NoReader,
                "{error:?}"
            );
        }
        for error in [
            pcsc::Error::NoSmartcard,
            pcsc::Error::RemovedCard,
            pcsc::Error::UnpoweredCard,
        ] {
            assert_eq!(transport_error(error), TransportError::NoCard, "{error:?}");
        }
        assert!(matches!(
            transport_error(pcsc::Error::CommError),
            TransportError::Reader(_)
        ));
    }
}
