//! [`AppContext`]: the app's state as every component reads it (`use_context`), kept apart
//! from the root component so that components depend on the state, not on the file that
//! renders them.

use yew::UseReducerHandle;

use crate::state::AppState;

/// The state handle every component can read, and dispatch [`crate::state::Action`]s to.
pub type AppContext = UseReducerHandle<AppState>;
