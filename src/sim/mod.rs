//! The synthetic market (spec section 8): the app's offline demo source,
//! the ground truth of the accuracy tests and the benchmarks' load.

mod market;
pub mod rng;
pub mod workload;

pub use market::{checksum, LiquidationEvent, SimConfig, SimMarket, TruePosition, Truth};

/// The page's demo market: BTC-like 5-minute candles ending at `end_ms`,
/// covering `window_ms` plus an equal warm-up. Lighter than the accuracy
/// tests' market (fewer, larger positions) so it simulates in milliseconds.
pub fn demo_market(seed: u64, end_ms: i64, window_ms: i64) -> SimMarket {
    let interval_ms = 300_000;
    let end_ms = end_ms - end_ms.rem_euclid(interval_ms);
    let candles = (2 * window_ms / interval_ms).max(2) as usize;
    let mut config = SimConfig::btc_like(seed, end_ms - candles as i64 * interval_ms, candles);
    config.arrivals_per_candle = 4.0;
    config.median_notional = 25_000.0;
    config.regime_deviation = 1.0;
    SimMarket::generate(&config)
}
