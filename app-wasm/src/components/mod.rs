//! The UI, one component per file, grouped by face: [`counter`] (the counters' visit
//! screens), [`kiosk`] (the citizens' tablet), [`admin`] (the administrators' status page), [`display`] (the
//! waiting-room TV);
//! the shell ([`app`]) and what every face shows (sign-in, the sync badge) sit here.

mod admin;
mod app;
mod counter;
mod display;
mod kiosk;
mod sign_in;
mod sync_badge;

pub use app::App;
