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
    /// Weights for the sources of one exchange instead of the tiers' own:
    /// Hyperliquid's measured mix applied to Hyperliquid only (spec
    /// section 10). `None`: every source uses the tiers' weights.
    pub exchange_weights: Option<ExchangeWeights>,
    /// The tiers' weights are a measured mix, not assumed (the model panel
    /// says where the weights came from).
    pub weights_measured: bool,
}

/// Tier weights for one exchange's sources, one per tier of
/// [`Params::tiers`] in its order (missing ones count as 0).
#[derive(Clone, Debug, PartialEq)]
pub struct ExchangeWeights {
    /// The sources' [`super::Source::exchange`] name, e.g. `"Hyperliquid"`.
    pub exchange: String,
    pub weights: Vec<f64>,
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
            exchange_weights: None,
            weights_measured: false,
        }
    }
}

impl Params {
    /// Tier weights scaled to sum to 1 (non-finite or negative weights count
    /// as 0; all zero gives all zero).
    pub fn normalised_weights(&self) -> Vec<f64> {
        normalised(self.tiers.iter().map(|t| t.weight))
    }

    /// The normalised weights the sources of `exchange` open their tiers
    /// with: its own (see [`ExchangeWeights`]) where they are set and not
    /// all zero, else the tiers'.
    pub fn weights_for(&self, exchange: &str) -> Vec<f64> {
        let own = self
            .exchange_weights
            .as_ref()
            .filter(|own| own.exchange == exchange)
            .map(|own| {
                let weight = |i: usize| own.weights.get(i).copied().unwrap_or(0.0);
                normalised((0..self.tiers.len()).map(weight))
            });
        match own {
            Some(weights) if weights.iter().any(|w| *w > 0.0) => weights,
            _ => self.normalised_weights(),
        }
    }

    /// The user changed the tiers by hand: the weights are no longer a
    /// measured mix, and one exchange's own weights no longer match them.
    pub fn tiers_edited(&mut self) {
        self.weights_measured = false;
        self.exchange_weights = None;
    }
}

/// Weights scaled to sum to 1 (non-finite or negative ones count as 0;
/// all zero gives all zero).
fn normalised(weights: impl Iterator<Item = f64> + Clone) -> Vec<f64> {
    let clean = |w: f64| if w.is_finite() && w > 0.0 { w } else { 0.0 };
    let total: f64 = weights.clone().map(clean).sum();
    weights
        .map(|w| if total > 0.0 { clean(w) / total } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_exchange_may_have_its_own_weights() {
        let mut p = Params {
            exchange_weights: Some(ExchangeWeights {
                exchange: "Hyperliquid".into(),
                weights: vec![1.0, 1.0],
            }),
            ..Params::default()
        };
        assert_eq!(p.weights_for("Hyperliquid"), vec![0.5, 0.5, 0.0, 0.0, 0.0]);
        assert_eq!(p.weights_for("Binance"), p.normalised_weights());
        p.exchange_weights.as_mut().unwrap().weights = vec![0.0];
        assert_eq!(p.weights_for("Hyperliquid"), p.normalised_weights());
        p.weights_measured = true;
        p.tiers_edited();
        assert_eq!((p.weights_measured, p.exchange_weights), (false, None));
    }
}
