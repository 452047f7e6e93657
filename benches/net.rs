//! Requests one view costs: `NET <window> requests=<n>` for BTC with all
//! five exchanges at the resolution the page picks (no timing: counts).

use liqmap::exchanges::{auto_resolution, count_requests_all, Exchange, DAY_MS};

fn main() {
    for (label, days) in [("1d", 1), ("7d", 7), ("30d", 30)] {
        let window_ms = days * DAY_MS;
        let resolution = auto_resolution(&Exchange::ALL, "BTC", window_ms);
        let requests = count_requests_all(&Exchange::ALL, "BTC", window_ms, resolution);
        println!("NET {label} requests={requests}");
        println!("NET {label} resolution={}", resolution.label());
    }
    // Instrument lists: once per session, whatever the view.
    println!("NET session instrument_lists={}", Exchange::ALL.len());
}
