//! Beyond the anchors: what the liquidation map implies (pure).
//!
//! - [`reach`]: realised volatility from candles, the probability that the
//!   price touches a level within a horizon, and the liquidation USD to
//!   expect per bin and per cluster.
//! - [`mod@cascade`]: a shock walked through an order book, liquidations tripping
//!   level after level, and the smallest shock that runs away.
//! - [`book`]: the order book those walks consume.
//!
//! The analyses read the map through [`LiqLevels`]: USD per price bin and
//! side, seen from one price.

pub mod book;
pub mod cascade;
pub mod reach;
pub mod text;

pub use book::{BookError, BookLevel, BookSide, OrderBook};
pub use cascade::{
    cascade, runaway_shock, Cascade, CascadeStep, Direction, RunawayRule, RUNAWAY_AMPLIFICATION,
    RUNAWAY_MAX_SHOCK_PCT,
};
pub use reach::{
    cluster_reach, reach_map, touch_probability, ClusterReach, ReachMap, Volatility, HORIZONS_MS,
};

use crate::engine::{Estimate, PriceBins, Side};

/// The liquidation map as the analyses read it: USD per price bin for each
/// side (all sources and tiers together) and the price it is seen from.
#[derive(Clone, Debug, PartialEq)]
pub struct LiqLevels {
    pub prices: PriceBins,
    /// USD of long liquidations per bin, lowest price first.
    pub long_usd: Vec<f64>,
    /// USD of short liquidations per bin, lowest price first.
    pub short_usd: Vec<f64>,
    /// The price the map is seen from (a shock moves it, a horizon starts
    /// there). A view may replace it with an order book's mid.
    pub current_price: f64,
}

impl LiqLevels {
    /// The map of `estimate` at its current price; `None` when the estimate
    /// has no current price (no candle in the window).
    pub fn from_estimate(estimate: &Estimate) -> Option<LiqLevels> {
        let current_price = estimate
            .current_price
            .filter(|p| p.is_finite() && *p > 0.0)?;
        Some(LiqLevels {
            prices: estimate.grid.prices,
            long_usd: estimate.map.side_totals(Side::Long),
            short_usd: estimate.map.side_totals(Side::Short),
            current_price,
        })
    }

    /// USD per bin of one side.
    pub fn usd(&self, side: Side) -> &[f64] {
        match side {
            Side::Long => &self.long_usd,
            Side::Short => &self.short_usd,
        }
    }

    /// Where the liquidations of `side` in `bin` are taken to sit: the middle
    /// of the part of the bin on that side of the current price (longs
    /// below, shorts above; geometric middle for log bins). The bin holding
    /// the current price thus gets a level on the right side of it rather
    /// than its centre, which may be past the price. A bin entirely on the
    /// wrong side (another exchange's price can leave some there) sits at
    /// the current price: any move its way reaches it.
    pub fn level(&self, side: Side, bin: usize) -> f64 {
        let current = self.current_price;
        let (low, high) = (self.prices.edge(bin), self.prices.edge(bin + 1));
        let (low, high) = match side {
            Side::Long => (low, high.min(current)),
            Side::Short => (low.max(current), high),
        };
        if high.is_nan() || low.is_nan() || high <= low {
            return current;
        }
        if self.prices.log {
            (low * high).sqrt()
        } else {
            (low + high) / 2.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(log: bool) -> LiqLevels {
        LiqLevels {
            prices: PriceBins {
                low: 100.0,
                high: 200.0,
                count: 10,
                log,
            },
            long_usd: vec![0.0; 10],
            short_usd: vec![0.0; 10],
            current_price: 155.0,
        }
    }

    #[test]
    fn levels_sit_on_their_side_of_the_price() {
        let l = levels(false);
        // Away from the price: the bin centre.
        assert_eq!(l.level(Side::Long, 2), 125.0);
        assert_eq!(l.level(Side::Short, 8), 185.0);
        // The bin [150, 160) holding the price: each side's own half.
        assert_eq!(l.level(Side::Long, 5), 152.5);
        assert_eq!(l.level(Side::Short, 5), 157.5);
        // Wrong side: at the price.
        assert_eq!(l.level(Side::Long, 8), 155.0);
        assert_eq!(l.level(Side::Short, 1), 155.0);
        let g = levels(true);
        let (lo, hi) = (g.prices.edge(2), g.prices.edge(3));
        assert!((g.level(Side::Long, 2) - (lo * hi).sqrt()).abs() < 1e-9);
    }
}
