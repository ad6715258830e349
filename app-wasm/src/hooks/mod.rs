//! Hooks shared by the components.

mod use_app_update;
mod use_certificate_reader;
mod use_composition_end;
mod use_draft;
mod use_repo;
mod use_shortcuts;
mod use_terminal_heartbeat;
mod use_wedge_scanner;
mod use_window_keydown;

pub use use_app_update::{request_persistent_storage, use_app_update};
pub use use_certificate_reader::use_certificate_reader;
pub use use_composition_end::use_composition_end;
pub use use_draft::use_draft;
pub use use_repo::use_repo;
pub use use_shortcuts::{SHORTCUTS, use_shortcuts};
pub use use_terminal_heartbeat::use_terminal_heartbeat;
pub use use_wedge_scanner::{SlipScan, use_wedge_scanner};
use use_window_keydown::use_window_keydown;
