//! Browser UI (placeholder until the next commit).
pub fn start() {}
