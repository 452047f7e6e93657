//! Cohorts (spec section 3): what both implementations walk.
//!
//! Everything here is shared by the fast path and the reference, so the two
//! can only differ in how they follow a cohort over time.

use super::funding::Drift;
use super::input::Source;
use super::liquidation::{liquidation_price, liquidation_price_at_margin, Side};
use super::params::{LongShare, Mode, Params, DEFAULT_VOLUME_ALPHA};

/// The positions opened at one candle, at one leverage tier, on one side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cohort {
    /// Index of the candle it was opened in (its entry is that candle's
    /// typical price).
    pub candle: usize,
    pub tier: usize,
    pub side: Side,
    /// At entry; `None` where the position cannot be liquidated. Funding
    /// drift moves it later (`SourceModel::liquidation_price_at`).
    pub liquidation_price: Option<f64>,
    /// USD notional at entry.
    pub notional: f64,
}

/// One source prepared for the model: the candles it uses, how positions
/// close, how long they may live, and the volume-mode scale `α`.
pub struct SourceModel<'a> {
    pub source: &'a Source,
    /// Candles used: those opening before the window end.
    pub len: usize,
    /// Per-candle closing ratio `r_j` (1 where open interest did not fall).
    pub closing: Vec<f64>,
    /// Longest life in candles (volume mode's memory; unbounded in OI mode).
    pub max_life: usize,
    /// Lows and highs liquidations are checked against (mark price where given).
    pub lows: Vec<f64>,
    pub highs: Vec<f64>,
    /// Funding paid per candle and its epochs, when funding drift is on
    /// and some payment falls within the candles.
    pub drift: Option<Drift>,
    new_notional: Vec<f64>,
    long_share: Vec<f64>,
    weights: Vec<f64>,
    leverages: Vec<f64>,
    /// `1 / leverage` per tier: the margin per notional at entry.
    margins: Vec<f64>,
}

impl<'a> SourceModel<'a> {
    pub fn new(source: &'a Source, params: &Params, window_end_ms: i64) -> Self {
        let candles = &source.candles;
        // Only candles before the window end, and only while times increase
        // (adapters sort; this keeps a bad series from confusing the columns).
        let sorted = candles
            .windows(2)
            .position(|w| w[1].open_time_ms <= w[0].open_time_ms)
            .map_or(candles.len(), |i| i + 1);
        let len = candles[..sorted].partition_point(|c| c.open_time_ms < window_end_ms);
        let candles = &candles[..len];
        let oi = source
            .open_interest
            .as_deref()
            .filter(|oi| oi.len() >= len && params.mode == Mode::OpenInterest);

        let mark = |k: usize| source.mark.as_ref().and_then(|m| m.get(k));
        let lows: Vec<f64> = (0..len)
            .map(|k| mark(k).map_or(candles[k].low, |m| m.low))
            .collect();
        let highs: Vec<f64> = (0..len)
            .map(|k| mark(k).map_or(candles[k].high, |m| m.high))
            .collect();
        let drift = params
            .funding_drift
            .then(|| Drift::new(&source.funding, candles, &lows, &highs))
            .flatten();

        let long_share = candles
            .iter()
            .map(|c| match params.long_share {
                LongShare::Fixed(s) => clean_share(s),
                LongShare::Auto => match c.taker_buy_base {
                    Some(b) if c.base_volume > 0.0 => clean_share(b / c.base_volume),
                    _ => 0.5,
                },
            })
            .collect();

        let (new_notional, closing, max_life) = match oi {
            Some(oi) => {
                let rises = (0..len)
                    .map(|k| match k {
                        0 => 0.0,
                        _ => clean((oi[k] - oi[k - 1]).max(0.0) * candles[k].typical_price()),
                    })
                    .collect();
                let closing = (0..len)
                    .map(|j| match j {
                        0 => 1.0,
                        _ if oi[j] < oi[j - 1] && oi[j - 1] > 0.0 => clean(oi[j] / oi[j - 1]),
                        _ => 1.0,
                    })
                    .collect();
                (rises, closing, usize::MAX)
            }
            None => {
                let interval = source.interval_ms.max(1);
                let memory = (params.memory_ms.max(0) / interval).max(1) as usize;
                let volumes = (0..len)
                    .map(|k| {
                        if k == 0 {
                            0.0
                        } else {
                            clean(candles[k].quote_volume)
                        }
                    })
                    .collect();
                (volumes, vec![1.0; len], memory)
            }
        };

        let mut model = SourceModel {
            source,
            len,
            closing,
            max_life,
            lows,
            highs,
            drift,
            new_notional,
            long_share,
            weights: params.normalised_weights(),
            leverages: params.tiers.iter().map(|t| t.leverage).collect(),
            margins: params.tiers.iter().map(|t| 1.0 / t.leverage).collect(),
        };
        if oi.is_none() {
            let alpha = model.volume_alpha();
            model.new_notional.iter_mut().for_each(|n| *n *= alpha);
        }
        model
    }

    /// Calls `f` for every cohort with a positive notional, in candle, tier,
    /// side order.
    pub fn for_each_cohort(&self, mut f: impl FnMut(Cohort)) {
        let mut cohorts = Vec::new();
        for k in 1..self.len {
            if self.cohorts_at(k, &mut cohorts) {
                cohorts
                    .iter()
                    .filter(|c| c.notional > 0.0)
                    .for_each(|c| f(*c));
            }
        }
    }

    /// Fills `cohorts` with those opened at candle `k` (`1 ≤ k < len`), of
    /// every tier and side: tier `t`, side `s` at `t * 2 + s.index()`, its
    /// notional possibly 0 (callers skip those). False where the candle
    /// opens nothing.
    pub fn cohorts_at(&self, k: usize, cohorts: &mut Vec<Cohort>) -> bool {
        let total = self.new_notional[k];
        if total <= 0.0 {
            return false;
        }
        let kind = self.source.kind;
        let mmr = self.source.maintenance_margin_rate;
        let entry = self.source.candles[k].typical_price();
        let long_share = self.long_share[k];
        cohorts.clear();
        for (tier, (&weight, &leverage)) in self.weights.iter().zip(&self.leverages).enumerate() {
            for side in Side::BOTH {
                let share = match side {
                    Side::Long => long_share,
                    Side::Short => 1.0 - long_share,
                };
                cohorts.push(Cohort {
                    candle: k,
                    tier,
                    side,
                    liquidation_price: liquidation_price(kind, side, entry, leverage, mmr),
                    notional: total * weight * share,
                });
            }
        }
        true
    }

    /// Tier indices from the highest leverage to the lowest: liquidation
    /// prices usually closest to the entry first.
    pub fn tiers_by_leverage(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.leverages.len()).collect();
        order.sort_by(|&a, &b| self.leverages[b].total_cmp(&self.leverages[a]));
        order
    }

    /// Volume mode's `α`: alive notional at the last candle equals current
    /// open interest × last price where the source gives it, else the default.
    fn volume_alpha(&self) -> f64 {
        let (Some(oi), Some(last)) = (
            self.source.current_open_interest,
            self.source.candles[..self.len].last(),
        ) else {
            return DEFAULT_VOLUME_ALPHA;
        };
        let target = oi * last.close;
        // Suffix extremes answer "liquidated before the end?" in O(1).
        let mut low_after = vec![f64::INFINITY; self.len + 1];
        let mut high_after = vec![f64::NEG_INFINITY; self.len + 1];
        for j in (0..self.len).rev() {
            low_after[j] = low_after[j + 1].min(self.lows[j]);
            high_after[j] = high_after[j + 1].max(self.highs[j]);
        }
        let mut alive = 0.0;
        self.for_each_cohort(|c| {
            let expired = c.candle.saturating_add(self.max_life) < self.len;
            let liquidated = match (&self.drift, c.side, c.liquidation_price) {
                (Some(drift), _, _) => self.liquidated_by_end(&c, drift),
                (None, _, None) => false,
                (None, Side::Long, Some(q)) => low_after[c.candle + 1] <= q,
                (None, Side::Short, Some(q)) => high_after[c.candle + 1] >= q,
            };
            if !expired && !liquidated {
                alive += c.notional;
            }
        });
        if alive > 0.0 && target.is_finite() && target > 0.0 {
            target / alive
        } else {
            DEFAULT_VOLUME_ALPHA
        }
    }

    /// Whether a drifting cohort is liquidated before the last candle ends:
    /// epoch by epoch, each with its own price.
    fn liquidated_by_end(&self, cohort: &Cohort, drift: &Drift) -> bool {
        let mut epoch = cohort.candle;
        while epoch < self.len {
            let end = drift.epoch_end[epoch];
            let from = epoch.max(cohort.candle + 1);
            let reached = self.liquidation_price_at(cohort, epoch).is_some_and(|q| {
                let hit = drift.extremes.first_reach(cohort.side, q, from, end);
                hit.is_some()
            });
            if reached {
                return true;
            }
            epoch = end;
        }
        false
    }

    /// A cohort's liquidation price at candle `j ≥ cohort.candle`: the one
    /// at entry, moved by the funding paid since when funding drift is on
    /// (see [`super::funding`]). Constant within an epoch.
    #[inline]
    pub fn liquidation_price_at(&self, cohort: &Cohort, j: usize) -> Option<f64> {
        let Some(drift) = &self.drift else {
            return cohort.liquidation_price;
        };
        let paid = drift.paid[j] - drift.paid[cohort.candle];
        let payer = match cohort.side {
            Side::Long => 1.0,
            Side::Short => -1.0,
        };
        let margin = self.margins[cohort.tier] - payer * paid;
        let entry = drift.entry[cohort.candle];
        let mmr = self.source.maintenance_margin_rate;
        liquidation_price_at_margin(self.source.kind, cohort.side, entry, margin, mmr)
    }

    /// Whether a cohort's liquidation price is reached at candle `j`.
    #[inline]
    pub fn is_hit(&self, side: Side, price: f64, j: usize) -> bool {
        match side {
            Side::Long => self.lows[j] <= price,
            Side::Short => self.highs[j] >= price,
        }
    }
}

/// Non-finite or negative inputs count as zero rather than poisoning sums.
fn clean(x: f64) -> f64 {
    if x.is_finite() && x > 0.0 {
        x
    } else {
        0.0
    }
}

fn clean_share(s: f64) -> f64 {
    if s.is_finite() {
        s.clamp(0.0, 1.0)
    } else {
        0.5
    }
}
