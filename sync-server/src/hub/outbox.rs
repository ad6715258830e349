//! The queue of messages to one peer, bounded in messages and bytes
//! ([`MemoryBounds::outbox_messages`], [`MemoryBounds::outbox_bytes`]).
//!
//! The hub never waits for a peer: it queues while holding a document's lock, so waiting
//! for one slow socket would stall every other peer of that document. Nor does it drop or
//! merge sync messages: each was generated from the peer's sync state, which then counts its
//! changes as sent, so a lost one would leave the peer without them for the rest of the
//! connection. A peer whose outbox fills is instead cut off: the outbox is marked
//! [`Overflowed`], nothing more is queued for it, and its connection closes (with 1013, try
//! again later). On reconnecting it starts fresh sync states and the automerge sync protocol
//! brings it up to date from its own heads; every change it missed is in the store. Ephemeral
//! messages (presence), which nobody can ask for again, are dropped instead once the outbox
//! is half full.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use shared_model::protocol::Message;
use tokio::sync::{Notify, mpsc};

use super::MemoryBounds;

/// What a message is counted as besides its payload (ids, framing).
const MESSAGE_OVERHEAD: usize = 128;

/// The peer fell too far behind: its outbox filled, and messages meant for it were not kept.
/// Its connection must close (the client reconnects and catches up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the peer's outbox overflowed")]
pub struct Overflowed;

/// How full an outbox is, shared by its two ends.
#[derive(Debug, Default)]
struct Fill {
    messages: AtomicUsize,
    bytes: AtomicUsize,
    overflowed: AtomicBool,
    /// Woken when the outbox overflows (the connection may be waiting for messages).
    overflow: Notify,
}

/// The hub's end: queues messages for a peer, within the bounds.
#[derive(Debug)]
pub(super) struct Outbox {
    queue: mpsc::UnboundedSender<Message>,
    fill: Arc<Fill>,
    max_messages: usize,
    max_bytes: usize,
}

/// The connection's end: the messages the hub has for a peer, in order.
#[derive(Debug)]
pub struct PeerInbox {
    queue: mpsc::UnboundedReceiver<Message>,
    fill: Arc<Fill>,
}

/// An outbox with `bounds` and its receiving end.
pub(super) fn channel(bounds: &MemoryBounds) -> (Outbox, PeerInbox) {
    let (queue, receiver) = mpsc::unbounded_channel();
    let fill = Arc::new(Fill::default());
    (
        Outbox {
            queue,
            fill: fill.clone(),
            max_messages: bounds.outbox_messages.max(1),
            max_bytes: bounds.outbox_bytes,
        },
        PeerInbox {
            queue: receiver,
            fill,
        },
    )
}

/// What a message weighs in the outbox, in bytes.
fn weight(message: &Message) -> usize {
    MESSAGE_OVERHEAD
        + match message {
            Message::Sync { data, .. }
            | Message::Request { data, .. }
            | Message::Ephemeral { data, .. } => data.len(),
            _ => 0,
        }
}

impl Outbox {
    /// Whether the outbox overflowed (its peer is being cut off).
    pub(super) fn overflowed(&self) -> bool {
        self.fill.overflowed.load(Ordering::Acquire)
    }

    /// Queues `message` for `peer` (named in the log only), unless the outbox is full: then
    /// the outbox overflows (sync messages) or the message is dropped (ephemeral ones, from
    /// half full).
    pub(super) fn send(&self, peer: &str, message: Message) {
        let fill = &self.fill;
        if fill.overflowed.load(Ordering::Acquire) {
            return;
        }
        let size = weight(&message);
        let messages = fill.messages.load(Ordering::Acquire);
        let bytes = fill.bytes.load(Ordering::Acquire);
        if matches!(message, Message::Ephemeral { .. })
            && (messages >= self.max_messages / 2 || bytes + size > self.max_bytes / 2)
        {
            return;
        }
        // One message is always taken into an empty outbox, however large.
        if messages >= self.max_messages || (messages > 0 && bytes + size > self.max_bytes) {
            tracing::warn!(
                peer = %peer,
                messages,
                bytes,
                "peer too far behind: outbox full; closing its connection"
            );
            fill.overflowed.store(true, Ordering::Release);
            fill.overflow.notify_one();
            return;
        }
        fill.messages.fetch_add(1, Ordering::AcqRel);
        fill.bytes.fetch_add(size, Ordering::AcqRel);
        if self.queue.send(message).is_err() {
            // The connection is ending; it disconnects itself.
            fill.messages.fetch_sub(1, Ordering::AcqRel);
            fill.bytes.fetch_sub(size, Ordering::AcqRel);
        }
    }
}

impl PeerInbox {
    /// The next message for the peer; `Ok(None)` when the hub let go of this connection (a
    /// newer socket of the same peer replaced it).
    ///
    /// # Errors
    /// [`Overflowed`] as soon as the outbox overflowed (queued messages are not delivered
    /// then: the connection must close).
    pub async fn recv(&mut self) -> Result<Option<Message>, Overflowed> {
        if self.fill.overflowed.load(Ordering::Acquire) {
            return Err(Overflowed);
        }
        tokio::select! {
            biased;
            _ = self.fill.overflow.notified() => Err(Overflowed),
            message = self.queue.recv() => {
                if self.fill.overflowed.load(Ordering::Acquire) {
                    return Err(Overflowed);
                }
                Ok(message.inspect(|m| self.taken(m)))
            }
        }
    }

    /// The next message if one is queued (see [`PeerInbox::recv`]).
    ///
    /// # Errors
    /// `Empty` when nothing is queued; `Disconnected` when the hub let go of this
    /// connection or its outbox overflowed.
    pub fn try_recv(&mut self) -> Result<Message, mpsc::error::TryRecvError> {
        if self.fill.overflowed.load(Ordering::Acquire) {
            return Err(mpsc::error::TryRecvError::Disconnected);
        }
        let message = self.queue.try_recv()?;
        self.taken(&message);
        Ok(message)
    }

    /// Whether the outbox overflowed.
    pub fn overflowed(&self) -> bool {
        self.fill.overflowed.load(Ordering::Acquire)
    }

    /// Messages and bytes queued now.
    pub fn queued(&self) -> (usize, usize) {
        (
            self.fill.messages.load(Ordering::Acquire),
            self.fill.bytes.load(Ordering::Acquire),
        )
    }

    fn taken(&self, message: &Message) {
        self.fill.messages.fetch_sub(1, Ordering::AcqRel);
        self.fill.bytes.fetch_sub(weight(message), Ordering::AcqRel);
    }
}
