//! Hooks shared by the components.

mod use_repo;

pub use use_repo::use_repo;
