//! The model's user-adjustable parameters (spec section 2).

use crate::choice::Choice;

/// One leverage tier and the share of new notional opened at it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tier {
    /// Leverage, e.g. `10.0` for 10x.
    pub leverage: f64,
    /// Weight; the weights of all tiers are normalised to sum to 1.
    pub weight: f64,
}

/// Share of new notional that goes long.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LongShare {
    /// Taker-buy share `b_k / v_k` where the exchange gives it, else 0.5.
    Auto,
    /// The same share for every candle, in `[0, 1]`.
    Fixed(f64),
}

/// Where new positions are inferred from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Rises of open interest (sources without OI history fall back to volume).
    OpenInterest,
    /// A share `α` of quote volume, no closing, expiry after `memory_ms`.
    Volume,
}

impl Choice for Mode {
    const ALL: &'static [Self] = &[Mode::OpenInterest, Mode::Volume];
    fn id(self) -> &'static str {
        match self {
            Mode::OpenInterest => "oi",
            Mode::Volume => "volume",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Mode::OpenInterest => "Rises of open interest",
            Mode::Volume => "Traded volume",
        }
    }
}

/// Everything the model lets a user adjust.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub tiers: Vec<Tier>,
    pub long_share: LongShare,
    pub mode: Mode,
    /// Volume mode only: cohorts older than this expire.
    pub memory_ms: i64,
    /// Funding moves liquidation prices: margin shrinks by the funding a
    /// position pays and grows by what it receives (see
    /// [`super::funding`]). Off by default: the spec's prices are fixed.
    pub funding_drift: bool,
}

/// `α` of volume mode when the source gives no current open interest.
pub const DEFAULT_VOLUME_ALPHA: f64 = 0.05;

impl Default for Params {
    fn default() -> Self {
        let tier = |leverage, weight| Tier { leverage, weight };
        Params {
            tiers: vec![
                tier(5.0, 0.10),
                tier(10.0, 0.25),
                tier(25.0, 0.30),
                tier(50.0, 0.20),
                tier(100.0, 0.15),
            ],
            long_share: LongShare::Auto,
            mode: Mode::OpenInterest,
            memory_ms: 7 * 24 * 3_600_000,
            funding_drift: false,
        }
    }
}

impl Params {
    /// Tier weights scaled to sum to 1 (non-finite or negative weights count
    /// as 0; all zero gives all zero).
    pub fn normalised_weights(&self) -> Vec<f64> {
        let clean = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
        let total: f64 = self.tiers.iter().map(|t| clean(t.weight)).sum();
        self.tiers
            .iter()
            .map(|t| {
                if total > 0.0 {
                    clean(t.weight) / total
                } else {
                    0.0
                }
            })
            .collect()
    }
}
