//! The demo market's checksum is pinned in `tests/fixtures/sim-checksum.json`;
//! the browser test checks the wasm build against the same file, so native
//! and wasm simulate the same bytes.

use liqmap::sim::demo_market;

#[test]
fn native_checksum_matches_the_pinned_one() {
    let pinned: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sim-checksum.json")).expect("fixture is JSON");
    let number = |key: &str| pinned[key].as_f64().expect("numeric field");
    let market = demo_market(
        number("seed") as u64,
        number("end_ms") as i64,
        number("window_ms") as i64,
    );
    assert_eq!(
        market.checksum().to_string(),
        pinned["checksum"].as_str().expect("string")
    );
}
