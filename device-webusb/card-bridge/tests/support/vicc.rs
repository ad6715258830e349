//! A virtual マイナンバーカード for vpcd, the vsmartcard project's virtual reader driver for
//! pcscd. vpcd listens on a TCP port per slot (`DEVICENAME /dev/null:<port>` in reader.conf)
//! and the card connects to it; they speak vpcd's protocol (vsmartcard
//! `virtualsmartcard/src/vpcd/vpcd.c`): each message is a 2-byte big-endian length and that
//! many bytes; a 1-byte message is a control (0 power off, 1 power on, 2 reset, 4 "send the
//! ATR"), anything longer an APDU to answer. The card is "in the reader" while its
//! connection is up and answers the ATR; taking it out closes the connection.
//!
//! (vpcd can also connect to the card instead, `DEVICENAME 127.0.0.1:<port>`, but Debian 12's
//! vpcd 0.8 then crashes pcscd at the first reconnect, after a removal: its `vicc_connect`
//! takes the unset server socket for a listening one and `FD_SET`s -1; fixed upstream in
//! 2022, vsmartcard 76543ea. So the test runs vpcd as a server in a network namespace of its
//! own, where loopback is the only interface.)
//!
//! The answers come from device-webusb's `SimulatedCard`; the PIN's tries live in it, so
//! they last across removals as on a chip.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use device_webusb::my_number_card::simulated::SimulatedCard;

/// A contact card's ATR announcing T=1 (TS 3B, T0 80, TD1 80, TD2 01, TCK 01).
const ATR: [u8; 5] = [0x3B, 0x80, 0x80, 0x01, 0x01];

/// What the test sets: the card, whether it is in the reader, and when it is pulled out.
pub struct Slot {
    /// The card.
    pub card: SimulatedCard,
    /// Whether it is in the reader.
    pub inserted: bool,
    /// Pull the card out instead of answering the APDU after this many more.
    pub remove_after_apdus: Option<usize>,
    /// APDUs answered so far.
    pub apdus: usize,
}

/// The virtual card, connecting to vpcd's slot 0 on `127.0.0.1:<port>` while inserted.
pub struct Vicc {
    slot: Arc<Mutex<Slot>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Vicc {
    /// Starts with `card` in the reader of vpcd's `port`.
    pub fn start(card: SimulatedCard, port: u16) -> Vicc {
        let slot = Arc::new(Mutex::new(Slot {
            card,
            inserted: true,
            remove_after_apdus: None,
            apdus: 0,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (slot, stop) = (slot.clone(), stop.clone());
            std::thread::spawn(move || run(port, &slot, &stop))
        };
        Vicc {
            slot,
            stop,
            thread: Some(thread),
        }
    }

    /// Changes the slot (the card, inserting or removing it).
    pub fn with<R>(&self, change: impl FnOnce(&mut Slot) -> R) -> R {
        change(&mut self.slot.lock().unwrap())
    }
}

impl Drop for Vicc {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// While inserted, connects to vpcd (again after each removal) and answers it.
fn run(port: u16, slot: &Mutex<Slot>, stop: &AtomicBool) {
    while !stop.load(Ordering::SeqCst) {
        let inserted = slot.lock().unwrap().inserted;
        if inserted && let Ok(stream) = TcpStream::connect(("127.0.0.1", port)) {
            connection(stream, slot, stop);
            continue;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads exactly `buffer.len()` bytes; `Ok(false)` if nothing came before the read timeout
/// (only at a message's start), an error if the peer closed.
fn read_message_part(
    stream: &mut TcpStream,
    buffer: &mut [u8],
    at_start: bool,
) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buffer.len() {
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if at_start && filled == 0 {
                    return Ok(false);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn send(stream: &mut TcpStream, message: &[u8]) -> std::io::Result<()> {
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed)
}

fn connection(mut stream: TcpStream, slot: &Mutex<Slot>, stop: &AtomicBool) {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    loop {
        if stop.load(Ordering::SeqCst) || !slot.lock().unwrap().inserted {
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
        let mut length = [0u8; 2];
        match read_message_part(&mut stream, &mut length, true) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(_) => return,
        }
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(length))];
        if read_message_part(&mut stream, &mut message, false).is_err() {
            return;
        }
        let mut slot = slot.lock().unwrap();
        let answer = match message.as_slice() {
            [0] | [1] | [2] => {
                slot.card.reset();
                continue;
            }
            [4] => ATR.to_vec(),
            [_] => continue,
            apdu => {
                if slot.remove_after_apdus == Some(0) {
                    // Pulled out mid-read: the connection drops with the APDU unanswered.
                    slot.inserted = false;
                    slot.remove_after_apdus = None;
                    let _ = stream.shutdown(Shutdown::Both);
                    return;
                }
                if let Some(n) = slot.remove_after_apdus.as_mut() {
                    *n -= 1;
                }
                slot.apdus += 1;
                slot.card.answer(apdu)
            }
        };
        drop(slot);
        if send(&mut stream, &answer).is_err() {
            return;
        }
    }
}
