//! What leaves the store when it is over its cap: least recently used
//! first.

/// One kept answer's bookkeeping.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    pub key: String,
    pub bytes: u64,
    /// When a load last used it (stored or read), ms since the epoch.
    pub used_ms: i64,
}

/// The bytes `entries` take.
pub fn total_bytes(entries: &[Usage]) -> u64 {
    entries.iter().map(|e| e.bytes).sum()
}

/// The keys to delete so that what remains fits in `cap_bytes`: the least
/// recently used first (of two used at the same time, the one read first).
pub fn evictions(entries: &[Usage], cap_bytes: u64) -> Vec<String> {
    let mut total = total_bytes(entries);
    if total <= cap_bytes {
        return Vec::new();
    }
    let mut order: Vec<&Usage> = entries.iter().collect();
    crate::sorting::sort_by_key(&mut order, |e| crate::sorting::i64_key(e.used_ms));
    let mut out = Vec::new();
    for entry in order {
        if total <= cap_bytes {
            break;
        }
        total = total.saturating_sub(entry.bytes);
        out.push(entry.key.clone());
    }
    out
}
