//! What comes out of the engine (spec section 5).

use super::grid::{Grid, GridSpec};
use super::liquidation::Side;

/// The liquidation map: alive notional at the last candle per price bin,
/// split by source, tier and side. USD.
#[derive(Clone, Debug, PartialEq)]
pub struct LiqMap {
    pub bins: usize,
    pub sources: usize,
    pub tiers: usize,
    values: Vec<f64>,
}

impl LiqMap {
    pub fn zeros(bins: usize, sources: usize, tiers: usize) -> Self {
        LiqMap {
            bins,
            sources,
            tiers,
            values: vec![0.0; bins * sources * tiers * 2],
        }
    }

    /// A map from its values as [`LiqMap::values`] gives them; `None`
    /// when their count does not fit the shape.
    pub fn from_values(
        bins: usize,
        sources: usize,
        tiers: usize,
        values: Vec<f64>,
    ) -> Option<Self> {
        let expected = bins
            .checked_mul(sources)?
            .checked_mul(tiers)?
            .checked_mul(2)?;
        (values.len() == expected).then_some(LiqMap {
            bins,
            sources,
            tiers,
            values,
        })
    }

    /// Every value, `((source * tiers + tier) * 2 + side) * bins + bin`
    /// (what crosses to and from the engine's worker).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    fn index(&self, source: usize, tier: usize, side: Side, bin: usize) -> usize {
        ((source * self.tiers + tier) * 2 + side.index()) * self.bins + bin
    }

    pub(crate) fn add(&mut self, source: usize, tier: usize, side: Side, bin: usize, usd: f64) {
        let i = self.index(source, tier, side, bin);
        if let Some(v) = self.values.get_mut(i) {
            *v += usd;
        }
    }

    /// USD of one source, tier and side in one bin.
    pub fn get(&self, source: usize, tier: usize, side: Side, bin: usize) -> f64 {
        if source >= self.sources || tier >= self.tiers || bin >= self.bins {
            return 0.0;
        }
        self.values[self.index(source, tier, side, bin)]
    }

    /// USD per bin of one side, all sources and tiers together.
    pub fn side_totals(&self, side: Side) -> Vec<f64> {
        let mut totals = vec![0.0; self.bins];
        for source in 0..self.sources {
            for tier in 0..self.tiers {
                let start = self.index(source, tier, side, 0);
                for (t, v) in totals
                    .iter_mut()
                    .zip(&self.values[start..start + self.bins])
                {
                    *t += v;
                }
            }
        }
        totals
    }

    /// Cumulative curve of one side from the bin of the current price:
    /// longs summed downwards, shorts upwards; zero on the other side.
    pub fn cumulative(&self, side: Side, current_bin: usize) -> Vec<f64> {
        let totals = self.side_totals(side);
        let mut curve = vec![0.0; self.bins];
        let mut running = 0.0;
        match side {
            Side::Long => {
                for b in (0..self.bins.min(current_bin + 1)).rev() {
                    running += totals[b];
                    curve[b] = running;
                }
            }
            Side::Short => {
                for b in current_bin.min(self.bins)..self.bins {
                    running += totals[b];
                    curve[b] = running;
                }
            }
        }
        curve
    }
}

/// One level where liquidations pile up (spec section 5, clusters).
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    /// Centre of the peak bin, USD.
    pub price: f64,
    /// USD of the peak bin and its two neighbours.
    pub notional: f64,
    /// Share of that notional held by longs, 0–1.
    pub long_share: f64,
    /// `(price / current − 1) × 100`.
    pub distance_pct: f64,
}

/// Everything the views need for one set of sources and parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub grid: GridSpec,
    /// Names of the sources, in the order of the map's source index.
    pub sources: Vec<String>,
    /// Alive notional per cell, longs and shorts (index by [`Side::index`]).
    pub heatmap: [Grid; 2],
    /// Notional liquidated per cell by the model, longs and shorts.
    pub predicted: [Grid; 2],
    pub map: LiqMap,
    /// Last close of the first source, USD.
    pub current_price: Option<f64>,
    /// Top levels by notional, largest first.
    pub clusters: Vec<Cluster>,
}

impl Estimate {
    /// Longs and shorts together: what the heatmap shows by default.
    pub fn heatmap_total(&self) -> Grid {
        self.heatmap[0].plus(&self.heatmap[1])
    }
}
