//! Hooks shared by the components.

mod use_repo;
mod use_wedge_scanner;

pub use use_repo::use_repo;
pub use use_wedge_scanner::use_wedge_scanner;
