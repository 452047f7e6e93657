//! Benchmark loads: simulated multi-exchange markets of fixed sizes.

use super::{SimConfig, SimMarket};
use crate::engine::{default_grid, GridSpec, Source};

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

/// Four simulated exchanges (different seeds) and the grid over the window.
pub fn workload(scale: Scale) -> (Vec<Source>, GridSpec) {
    let (days, interval_ms) = scale.window();
    let per_day = (86_400_000 / interval_ms) as usize;
    let candles = 2 * days * per_day;
    let start_ms = 1_700_000_000_000;
    let sources: Vec<Source> = (0..SOURCES as u64)
        .map(|i| {
            let mut config = SimConfig::btc_like(100 + i, start_ms, candles);
            config.exchange = format!("Sim{}", i + 1);
            config.interval_ms = interval_ms;
            // The engine's load depends on candles, not on how many traders
            // made them: keep generation light.
            config.arrivals_per_candle = 1.0;
            config.regime_deviation = 0.5;
            config.median_notional = 100_000.0;
            SimMarket::generate(&config).source
        })
        .collect();
    let window_start = start_ms + (days * per_day) as i64 * interval_ms;
    let end = start_ms + candles as i64 * interval_ms;
    let spec = default_grid(&sources, window_start, end, COLUMNS, BINS)
        .expect("simulated candles are positive and span the window");
    (sources, spec)
}
