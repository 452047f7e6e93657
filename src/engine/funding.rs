//! Funding drift: a model option ([`Params::funding_drift`], off by default)
//! that the spec leaves out.
//!
//! # The formula
//!
//! An isolated position of entry notional `N = Q·E` (linear: `Q` coins at
//! entry `E`; inverse: `N` USD of contracts) opens with margin `N/ℓ`. At
//! each funding time longs pay `f·N` to shorts (shorts pay when `f < 0`),
//! out of the position's margin. After payments `f₁ … fₙ` since entry, with
//! `F = f₁ + … + fₙ` and `s = +1` for a long, `−1` for a short, the margin
//! is `N·μ` with
//!
//! `μ = 1/ℓ − s·F`.
//!
//! The liquidation condition (equity = maintenance margin) is the one of
//! spec section 3 with `1/ℓ` replaced by `μ`:
//!
//! | contract | long | short |
//! |---|---|---|
//! | linear | `E·(1 − μ)/(1 − m)` | `E·(1 + μ)/(1 + m)` |
//! | inverse | `E·(1 + m)/(1 + μ)` | `E·(1 − m)/(1 − μ)`, none when `μ ≥ 1` |
//!
//! (linear long: `N·μ + Q·(P − E) = m·Q·P` gives `P = E·(1 − μ)/(1 − m)`;
//! inverse long, in coins: `N·μ/E + N·(1/E − 1/P) = m·N/P` gives
//! `P = E·(1 + m)/(1 + μ)`; the shorts likewise.) Positive funding thus
//! pulls longs' liquidation prices up towards the price and pushes shorts'
//! further away; a long whose margin is used up finds its price above the
//! market and is liquidated at the next candle.
//!
//! Readings:
//! - Payments are taken on the entry notional. Exchanges charge the
//!   notional at the mark price, `f·Q·P` (inverse: `f·N/P` coins); the
//!   difference is `F·(P/E − 1)`, second order in small quantities.
//! - A payment at time `t` counts for a cohort opened at candle `k` when
//!   `open_k < t`, and moves its price from the first candle opening at or
//!   after `t` (a payment inside a candle applies from the next one).
//! - So a cohort's price is constant between payments: candles are cut
//!   into *epochs* at each payment, and a cohort is followed epoch by
//!   epoch, each epoch with its own price, bin and first-passage query
//!   ([`Extremes::first_reach`]). The direct reference simply recomputes
//!   the price at every candle, from the same cumulative sums, so both see
//!   the very same numbers.

#[cfg(doc)]
use super::params::Params;

use super::input::{Candle, FundingRate};
use super::liquidation::Side;

/// Funding of one source on its candles: what cohorts have paid and where
/// their prices change.
pub struct Drift {
    /// `G_j`: the sum of rates paid at or before the open of candle `j`. A
    /// cohort opened at `k` has paid `G_j − G_k` by candle `j`.
    pub paid: Vec<f64>,
    /// Each candle's entry price (its typical price), asked once per epoch
    /// of every cohort.
    pub entry: Vec<f64>,
    /// First candle of the next epoch after each candle (`len` in the last).
    pub epoch_end: Vec<usize>,
    /// Range extremes of the lows and highs liquidations are checked on.
    pub extremes: Extremes,
}

impl Drift {
    /// `None` when no payment falls between the first and the last candle's
    /// open (then no cohort's price ever moves). Payments with a rate that
    /// is not finite or not below 1 in size are ignored.
    pub fn new(
        funding: &[FundingRate],
        candles: &[Candle],
        lows: &[f64],
        highs: &[f64],
    ) -> Option<Drift> {
        let mut payments: Vec<FundingRate> = funding
            .iter()
            .filter(|f| f.rate.is_finite() && f.rate.abs() < 1.0)
            .copied()
            .collect();
        crate::sorting::sort_by_key(&mut payments, |f| crate::sorting::i64_key(f.time_ms));
        let first = candles.first()?.open_time_ms;
        let last = candles.last()?.open_time_ms;
        if !payments
            .iter()
            .any(|f| f.time_ms > first && f.time_ms <= last)
        {
            return None;
        }
        let mut paid = Vec::with_capacity(candles.len());
        let (mut sum, mut next) = (0.0, payments.iter().peekable());
        for c in candles {
            while let Some(f) = next.next_if(|f| f.time_ms <= c.open_time_ms) {
                sum += f.rate;
            }
            paid.push(sum);
        }
        let len = candles.len();
        let mut epoch_end = vec![len; len];
        for j in (0..len.saturating_sub(1)).rev() {
            epoch_end[j] = if paid[j + 1] == paid[j] {
                epoch_end[j + 1]
            } else {
                j + 1
            };
        }
        Some(Drift {
            paid,
            entry: candles.iter().map(Candle::typical_price).collect(),
            epoch_end,
            extremes: Extremes::new(lows, highs),
        })
    }
}

/// Sparse tables of the lows and the negated highs: "the first candle in
/// `[from, to)` where the price reaches `q`" in O(log n), for any range
/// (the fast path's running-minimum chain only answers from a start that
/// moves backwards, and a drifting cohort asks from every epoch's start).
pub struct Extremes {
    tables: [Sparse; 2],
}

impl Extremes {
    fn new(lows: &[f64], highs: &[f64]) -> Extremes {
        // A missing (NaN) price never triggers a liquidation.
        let clean = |v: f64| if v.is_nan() { f64::INFINITY } else { v };
        Extremes {
            tables: [
                Sparse::new(lows.iter().map(|&v| clean(v)).collect()),
                Sparse::new(highs.iter().map(|&v| clean(-v)).collect()),
            ],
        }
    }

    /// First candle `j` in `[from, to)` with `low_j ≤ q` (longs) or
    /// `high_j ≥ q` (shorts).
    pub fn first_reach(&self, side: Side, q: f64, from: usize, to: usize) -> Option<usize> {
        let q = match side {
            Side::Long => q,
            Side::Short => -q,
        };
        self.tables[side.index()].first_at_most(q, from, to)
    }
}

/// Minima of every power-of-two run: `level k` holds `min(v[i .. i + 2^k])`.
struct Sparse {
    levels: Vec<Vec<f64>>,
}

impl Sparse {
    fn new(values: Vec<f64>) -> Sparse {
        let mut levels = vec![values];
        let mut width = 1;
        while let Some(below) = levels.last().filter(|l| l.len() > width) {
            let next = (0..below.len() - width)
                .map(|i| below[i].min(below[i + width]))
                .collect();
            levels.push(next);
            width *= 2;
        }
        Sparse { levels }
    }

    /// First `j` in `[from, to)` with `v[j] ≤ q`: skip the longest runs
    /// whose minimum is above `q`, largest first. Most epochs hold no hit,
    /// so the range's minimum (two overlapping runs) is checked first.
    fn first_at_most(&self, q: f64, from: usize, to: usize) -> Option<usize> {
        let len = self.levels.first().map_or(0, Vec::len);
        let to = to.min(len);
        if from >= to {
            return None;
        }
        let k = (to - from).ilog2() as usize;
        let level = &self.levels[k];
        if level[from].min(level[to - (1 << k)]) > q {
            return None;
        }
        let mut at = from;
        for (k, level) in self.levels.iter().enumerate().rev() {
            let width = 1 << k;
            if at + width <= to && level[at] > q {
                at += width;
            }
        }
        (at < to).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::rng::Rng;

    #[test]
    fn sparse_first_reach_matches_a_scan() {
        let mut rng = Rng::new(9);
        for _ in 0..200 {
            let n = rng.below(70);
            let values: Vec<f64> = (0..n).map(|_| rng.range(0.0, 100.0)).collect();
            let table = Sparse::new(values.clone());
            for _ in 0..20 {
                let (from, to) = (rng.below(n + 1), rng.below(n + 2));
                let q = rng.range(-10.0, 110.0);
                let scan = (from..to.min(n)).find(|&j| values[j] <= q);
                assert_eq!(table.first_at_most(q, from, to), scan);
            }
        }
    }

    #[test]
    fn payments_make_epochs() {
        let candle = |t: i64| Candle {
            open_time_ms: t,
            open: 1.0,
            high: 1.0,
            low: 1.0,
            close: 1.0,
            base_volume: 0.0,
            quote_volume: 0.0,
            taker_buy_base: None,
        };
        let candles: Vec<Candle> = (0..6).map(|k| candle(k * 10)).collect();
        let pay = |time_ms, rate| FundingRate { time_ms, rate };
        let flat = vec![1.0; 6];
        // At an open (20), inside a candle (35), before the first (−5), a
        // rate to ignore (NaN), and none after the last open (50).
        let funding = [
            pay(35, 0.002),
            pay(-5, 0.5),
            pay(20, 0.001),
            pay(25, f64::NAN),
        ];
        let d = Drift::new(&funding, &candles, &flat, &flat).unwrap();
        let expected = [0.5, 0.5, 0.501, 0.501, 0.503, 0.503];
        assert!(d
            .paid
            .iter()
            .zip(expected)
            .all(|(a, b)| (a - b).abs() < 1e-15));
        assert_eq!(d.epoch_end, [2, 2, 4, 4, 6, 6]);
        // Nothing between the first and last open: no drift at all.
        assert!(Drift::new(&[pay(0, 0.1), pay(51, 0.1)], &candles, &flat, &flat).is_none());
    }
}
