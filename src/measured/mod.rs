//! Measured positions (spec section 10): Hyperliquid publishes every
//! account's positions with their own liquidation prices. Binned like the
//! model's map, they show what is *measured* beside what is estimated, say
//! how far the estimate is (cosine) and give a leverage mix to use instead
//! of the assumed one.
//!
//! Pure: no browser types. The page finds accounts in the coin's trades
//! (`live::hyperliquid::trades`), asks them through [`Scheduler`] and
//! reads the answers with `exchanges::hyperliquid::accounts`.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

mod address;
mod schedule;
pub mod snapshot;
pub mod text;

pub use address::{parse_pasted, Address, Pasted};
pub use schedule::{
    simulated_weight_per_min, Next, Scheduler, BUDGET_PER_MIN, REFRESH_MS, REQUEST_WEIGHT,
};

use crate::accuracy::cosine;
use crate::alerts::Level;
use crate::engine::{Estimate, PriceBins, Side, Tier};

/// Whether a position's margin is its own or the account's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Margin {
    Cross,
    Isolated,
}

/// One open position of one account, normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct Position {
    pub coin: String,
    pub side: Side,
    /// Size in base units (`|szi|`).
    pub size: f64,
    pub entry_price: f64,
    /// The exchange's own, `None` where it has none (cross margin covered
    /// by the account: no price liquidates it alone).
    pub liquidation_price: Option<f64>,
    /// The leverage the account set (`leverage.value`).
    pub leverage: f64,
    pub margin: Margin,
}

impl Position {
    /// USD notional at `mark`: `|szi| × markPx` (spec section 10).
    pub fn usd(&self, mark: f64) -> f64 {
        self.size * mark
    }
}

/// The sampled positions binned on the model's price bins, and what the
/// sample holds besides.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeasuredMap {
    /// USD per bin, longs and shorts (index by [`Side::index`]).
    pub bins: [Vec<f64>; 2],
    /// Accounts answered, and those holding the coin.
    pub accounts: usize,
    pub holders: usize,
    /// Positions on the coin, and their USD at the mark.
    pub positions: usize,
    pub sampled_usd: f64,
    /// Positions without a liquidation price: counted in coverage, not in
    /// the map.
    pub without_price: usize,
    /// Positions whose liquidation price lies outside the bins.
    pub outside: usize,
}

impl MeasuredMap {
    /// Both sides per bin.
    pub fn total(&self) -> Vec<f64> {
        let [longs, shorts] = &self.bins;
        longs.iter().zip(shorts).map(|(l, s)| l + s).collect()
    }
}

/// One account's positions, as last answered.
pub type Holdings = (Address, Vec<Position>);

/// Bins the positions on `coin` of every account in `accounts` at `mark`.
pub fn measured_map(accounts: &[Holdings], coin: &str, bins: &PriceBins, mark: f64) -> MeasuredMap {
    let positions = accounts
        .iter()
        .flat_map(|(_, ps)| ps)
        .filter(|p| p.coin == coin)
        .map(|p| (p.side, p.usd(mark), p.liquidation_price));
    MeasuredMap {
        accounts: accounts.len(),
        holders: accounts
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.coin == coin))
            .count(),
        ..bin_positions(positions, bins)
    }
}

/// Bins positions given as (side, USD, liquidation price); the counts of
/// accounts are left to the caller.
pub fn bin_positions(
    positions: impl Iterator<Item = (Side, f64, Option<f64>)>,
    bins: &PriceBins,
) -> MeasuredMap {
    let mut map = MeasuredMap {
        bins: [vec![0.0; bins.count], vec![0.0; bins.count]],
        ..MeasuredMap::default()
    };
    for (side, usd, liquidation_price) in positions {
        map.positions += 1;
        map.sampled_usd += usd;
        let Some(price) = liquidation_price else {
            map.without_price += 1;
            continue;
        };
        let slot = bins
            .bin_of(price)
            .and_then(|b| map.bins.get_mut(side.index())?.get_mut(b));
        match slot {
            Some(v) => *v += usd,
            None => map.outside += 1,
        }
    }
    map
}

/// Sampled notional ÷ Hyperliquid's open interest × mark (spec section 10).
/// The sample counts longs and shorts, so it is set against open interest
/// as Hyperliquid publishes it (both sides: twice the one side the model's
/// sources carry, see `exchanges::hyperliquid::one_side`).
pub fn coverage(sampled_usd: f64, one_side_open_interest: Option<f64>, mark: f64) -> Option<f64> {
    let whole = one_side_open_interest? * 2.0 * mark;
    (whole.is_finite() && whole > 0.0 && sampled_usd.is_finite()).then(|| sampled_usd / whole)
}

/// The model's map of one source alone, both sides per bin; `None` when
/// the estimate has no source of that name.
pub fn model_map_of(estimate: &Estimate, source_name: &str) -> Option<Vec<f64>> {
    let source = estimate.sources.iter().position(|s| s == source_name)?;
    let map = &estimate.map;
    Some(
        (0..map.bins)
            .map(|bin| {
                (0..map.tiers)
                    .flat_map(|tier| Side::BOTH.map(|side| map.get(source, tier, side, bin)))
                    .sum()
            })
            .collect(),
    )
}

/// Cosine similarity of the measured map and the model's (spec section
/// 10): shapes, not totals (the cosine does not change when either map is
/// scaled to its own total). `None` while either is empty.
pub fn similarity(measured: &[f64], model: &[f64]) -> Option<f64> {
    let empty = |v: &[f64]| !v.iter().any(|x| *x > 0.0);
    (!empty(measured) && !empty(model) && measured.len() == model.len())
        .then(|| cosine(measured, model))
}

/// The index of the tier nearest to `leverage` on a log scale (spec
/// section 10); `None` without tiers or for a leverage that is not a
/// positive number.
pub fn nearest_tier(leverage: f64, tiers: &[Tier]) -> Option<usize> {
    if !(leverage.is_finite() && leverage > 0.0) {
        return None;
    }
    let distance = |t: &Tier| (t.leverage.ln() - leverage.ln()).abs();
    (0..tiers.len()).min_by(|&a, &b| {
        let (a, b) = (tiers.get(a).map(distance), tiers.get(b).map(distance));
        a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal)
    })
}

/// Notional-weighted share of the sample per tier of `tiers` (every
/// position on `coin`, with or without a liquidation price); `None` for an
/// empty sample.
pub fn leverage_mix(
    accounts: &[Holdings],
    coin: &str,
    tiers: &[Tier],
    mark: f64,
) -> Option<Vec<f64>> {
    let positions = accounts
        .iter()
        .flat_map(|(_, ps)| ps)
        .filter(|p| p.coin == coin)
        .map(|p| (p.leverage, p.usd(mark)));
    mix_of(positions, tiers)
}

/// The mix of positions given as (leverage, USD); see [`leverage_mix`].
pub fn mix_of(positions: impl Iterator<Item = (f64, f64)>, tiers: &[Tier]) -> Option<Vec<f64>> {
    let mut usd = vec![0.0; tiers.len()];
    for (leverage, notional) in positions {
        if let Some(slot) = nearest_tier(leverage, tiers).and_then(|t| usd.get_mut(t)) {
            *slot += notional;
        }
    }
    let total: f64 = usd.iter().sum();
    (total.is_finite() && total > 0.0).then(|| usd.iter().map(|u| u / total).collect())
}

/// `tiers` with the weights of `mix` (same order), for "Use the measured
/// mix".
pub fn with_mix(tiers: &[Tier], mix: &[f64]) -> Vec<Tier> {
    tiers
        .iter()
        .zip(mix)
        .map(|(t, w)| Tier {
            leverage: t.leverage,
            weight: *w,
        })
        .collect()
}

/// One row of the table of measured positions near the price.
#[derive(Clone, Debug, PartialEq)]
pub struct NearRow {
    pub address: Address,
    pub position: Position,
    pub usd: f64,
    pub liquidation_price: f64,
    /// `(liquidation / mark − 1) × 100`.
    pub distance_pct: f64,
}

/// The `count` largest positions on `coin` whose liquidation price lies
/// within `within_pct` of the mark, largest first.
pub fn largest_near(
    accounts: &[Holdings],
    coin: &str,
    mark: f64,
    within_pct: f64,
    count: usize,
) -> Vec<NearRow> {
    let mut rows: Vec<NearRow> = accounts
        .iter()
        .flat_map(|(a, ps)| ps.iter().map(move |p| (a, p)))
        .filter(|(_, p)| p.coin == coin)
        .filter_map(|(address, p)| {
            let price = p.liquidation_price?;
            let distance_pct = (price / mark - 1.0) * 100.0;
            (distance_pct.abs() <= within_pct).then(|| NearRow {
                address: address.clone(),
                position: p.clone(),
                usd: p.usd(mark),
                liquidation_price: price,
                distance_pct,
            })
        })
        .collect();
    crate::sorting::sort_by_key(&mut rows, |r| crate::sorting::f64_key(-r.usd));
    rows.truncate(count);
    rows
}

/// Every position on `coin` that has a liquidation price, as a level for
/// the measured-position alert: that price and the position's USD at
/// `mark`.
pub fn liquidation_levels(accounts: &[Holdings], coin: &str, mark: f64) -> Vec<Level> {
    accounts
        .iter()
        .flat_map(|(_, ps)| ps)
        .filter(|p| p.coin == coin)
        .filter_map(|p| {
            Some(Level {
                price: p.liquidation_price?,
                usd: p.usd(mark),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
