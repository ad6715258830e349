//! The UI, one component per file.

mod admin;
mod app;
mod counter;
mod kiosk;
mod sync_badge;
mod visit_form;

pub use app::App;
