use yew::prelude::*;

use crate::repo::RepoHandle;

/// The repo handle provided by the app.
#[hook]
pub fn use_repo() -> RepoHandle {
    use_context::<RepoHandle>().expect("the app provides the repo")
}
