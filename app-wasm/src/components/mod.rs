//! The UI, one component per file.

mod admin;
mod app;
mod audit_log;
mod count_input;
mod counter;
mod day_statistics;
mod exchange_status;
mod item_input;
mod kiosk;
mod navi_panel;
mod print_view;
mod resident_lookup;
mod sign_in;
mod sync_badge;
mod terminal_list;
mod visit_actions;
mod visit_form;
mod visit_screen;

pub use app::App;
