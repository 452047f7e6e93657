//! Benchmark loads: simulated multi-exchange markets of fixed sizes.

use super::{SimConfig, SimMarket};
use crate::engine::{default_grid, GridSpec, PriceBins, Source, TimeAxis};

/// The benchmark sizes: 4 sources, window + equal warm-up,
/// a 1000-column × 600-bin grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// 7 days at 5 m.
    M,
    /// 30 days at 5 m (≈ 690k cohorts).
    L,
    /// 30 days at 1 m (≈ 3.5M cohorts).
    XL,
}

impl Scale {
    pub fn name(self) -> &'static str {
        match self {
            Scale::M => "engine_M",
            Scale::L => "engine_L",
            Scale::XL => "engine_XL",
        }
    }

    fn window(self) -> (usize, i64) {
        match self {
            Scale::M => (7, 300_000),
            Scale::L => (30, 300_000),
            Scale::XL => (30, 60_000),
        }
    }
}

pub const SOURCES: usize = 4;
pub const COLUMNS: usize = 1000;
pub const BINS: usize = 600;
const START_MS: i64 = 1_700_000_000_000;

/// Four simulated exchanges (different seeds) and the grid over the window.
pub fn workload(scale: Scale) -> (Vec<Source>, GridSpec) {
    let (days, interval_ms) = scale.window();
    let per_day = (86_400_000 / interval_ms) as usize;
    let candles = 2 * days * per_day;
    let sources: Vec<Source> = (0..SOURCES as u64)
        .map(|i| SimMarket::generate(&light_config(i, interval_ms, candles)).source)
        .collect();
    let window_start = START_MS + (days * per_day) as i64 * interval_ms;
    let end = START_MS + candles as i64 * interval_ms;
    let spec = default_grid(&sources, window_start, end, COLUMNS, BINS)
        .expect("simulated candles are positive and span the window");
    (sources, spec)
}

/// Candles of the per-candle load: 60 days at 5 m.
pub const PER_CANDLE_CANDLES: usize = 60 * 288;
/// Its bin width, USD.
pub const PER_CANDLE_BIN_USD: f64 = 100.0;

/// The output shape of the open-source liquidation-heatmap projects: one
/// source (mode `oi`), a time column per candle over all of its 60 days
/// and $100 price bins over the default range (about 17,280 × 450 cells).
pub fn per_candle_workload() -> (Vec<Source>, GridSpec) {
    let interval_ms = 300_000;
    let mut config = light_config(0, interval_ms, PER_CANDLE_CANDLES);
    // Around today's BTC price, so $100 bins are as many as on those pages.
    config.start_price = 90_000.0;
    let source = SimMarket::generate(&config).source;
    let end = START_MS + PER_CANDLE_CANDLES as i64 * interval_ms;
    let default = default_grid(std::slice::from_ref(&source), START_MS, end, usize::MAX, 1)
        .expect("simulated candles are positive");
    // The default range, widened to whole $100 bins.
    let low = (default.prices.low / PER_CANDLE_BIN_USD).floor() * PER_CANDLE_BIN_USD;
    let high = (default.prices.high / PER_CANDLE_BIN_USD).ceil() * PER_CANDLE_BIN_USD;
    let spec = GridSpec {
        time: TimeAxis::covering(START_MS, end, interval_ms, PER_CANDLE_CANDLES),
        prices: PriceBins {
            low,
            high,
            count: ((high - low) / PER_CANDLE_BIN_USD).round() as usize,
            log: false,
        },
    };
    (vec![source], spec)
}

/// Simulated exchange number `index` (its own seed), `candles` candles of
/// `interval_ms` from `START_MS`.
fn light_config(index: u64, interval_ms: i64, candles: usize) -> SimConfig {
    let mut config = SimConfig::btc_like(100 + index, START_MS, candles);
    config.exchange = format!("Sim{}", index + 1);
    config.interval_ms = interval_ms;
    // The engine's load depends on candles, not on how many traders
    // made them: keep generation light.
    config.arrivals_per_candle = 1.0;
    config.regime_deviation = 0.5;
    config.median_notional = 100_000.0;
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_candle_load_has_a_column_per_candle_and_100_usd_bins() {
        let (sources, spec) = per_candle_workload();
        assert_eq!(sources.len(), 1);
        assert_eq!(spec.time.columns, PER_CANDLE_CANDLES);
        assert_eq!(spec.time.column_ms, sources[0].interval_ms);
        let width = (spec.prices.high - spec.prices.low) / spec.prices.count as f64;
        assert!((width - PER_CANDLE_BIN_USD).abs() < 1e-6, "{width}");
        println!("per-candle load: {} bins", spec.prices.count);
    }
}
