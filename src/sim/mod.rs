//! The synthetic market (spec section 8): the app's offline demo source,
//! the ground truth of the accuracy tests and the benchmarks' load.

mod market;
pub mod rng;
pub mod workload;

use crate::analysis::{BookLevel, OrderBook};
pub use market::{checksum, LiquidationEvent, SimConfig, SimMarket, TruePosition, Truth};

use crate::engine::FundingRate;
use rng::Rng;

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

/// A funding series for the demo and the tests: a payment every
/// `every_ms` from `start_ms` (inclusive) to `end_ms` (exclusive), each rate
/// `mean + deviation × N(0, 1)` from its own seeded stream (`deviation` 0:
/// constant). Separate from [`SimMarket`] so the market keeps its bytes.
pub fn funding_series(
    seed: u64,
    start_ms: i64,
    end_ms: i64,
    every_ms: i64,
    mean: f64,
    deviation: f64,
) -> Vec<FundingRate> {
    let mut rng = Rng::new(seed);
    let every_ms = every_ms.max(1);
    let payments = (end_ms.saturating_sub(start_ms).max(0) + every_ms - 1) / every_ms;
    (0..payments)
        .map(|i| FundingRate {
            time_ms: start_ms + i * every_ms,
            rate: mean + deviation * rng.normal(),
        })
        .collect()
}

/// A simulated order book for the demo's cascade: 1000 levels each side of
/// `mid`, 0.02 % apart, each holding `usd_per_level` (a little more further
/// out, as real books do). Labelled as simulated wherever it is shown.
pub fn demo_order_book(mid: f64, usd_per_level: f64) -> Option<OrderBook> {
    let side = |sign: f64| {
        (1..=1000)
            .map(|i| BookLevel {
                price: mid * (1.0 + sign * 0.0002 * f64::from(i)),
                usd: usd_per_level * (1.0 + f64::from(i) / 500.0),
            })
            .collect()
    };
    OrderBook::new(side(-1.0), side(1.0)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funding_series_is_seeded_and_constant_without_deviation() {
        let hour = 3_600_000;
        let constant = funding_series(1, 0, 24 * hour, 8 * hour, 0.0001, 0.0);
        let times: Vec<i64> = constant.iter().map(|f| f.time_ms).collect();
        assert_eq!(times, [0, 8 * hour, 16 * hour]);
        assert!(constant.iter().all(|f| f.rate == 0.0001));
        let a = funding_series(7, 0, 30 * 24 * hour, hour, 0.0, 0.0002);
        assert_eq!(a, funding_series(7, 0, 30 * 24 * hour, hour, 0.0, 0.0002));
        assert_ne!(a, funding_series(8, 0, 30 * 24 * hour, hour, 0.0, 0.0002));
        let mean = a.iter().map(|f| f.rate).sum::<f64>() / a.len() as f64;
        assert!(mean.abs() < 0.0002 * 4.0 / (a.len() as f64).sqrt());
    }
}
