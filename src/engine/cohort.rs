//! Cohorts (spec section 3): what both implementations walk.
//!
//! Everything here is shared by the fast path, the reference and the live
//! engine, so they can only differ in how they follow a cohort over time.

use super::funding::Drift;
use super::input::{Candle, ContractKind, Source};
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
    /// `None` where the position cannot be liquidated.
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
    new_notional: Vec<f64>,
    long_share: Vec<f64>,
    rules: CohortRules,
    /// Funding paid per candle and its epochs, when funding drift is on
    /// and some payment falls within the candles.
    pub drift: Option<Drift>,
    /// `1 / leverage` per tier: the margin per notional at entry.
    margins: Vec<f64>,
}

impl<'a> SourceModel<'a> {
    pub fn new(source: &'a Source, params: &Params, window_end_ms: i64) -> Self {
        let len = usable_len(source, window_end_ms);
        let candles = &source.candles[..len];
        let rules = CohortRules::new(source, params, len);
        let oi = (source.open_interest.as_deref()).filter(|_| rules.uses_open_interest);

        let mark = |k: usize| source.mark.as_ref().and_then(|m| m.get(k));
        // A missing candle's prices are unknown: NaN never triggers a
        // liquidation (spec section 1, "Gaps").
        let checked = |k: usize, price: f64| {
            if source.is_missing(k) {
                f64::NAN
            } else {
                price
            }
        };
        let lows: Vec<f64> = (0..len)
            .map(|k| checked(k, mark(k).map_or(candles[k].low, |m| m.low)))
            .collect();
        let highs: Vec<f64> = (0..len)
            .map(|k| checked(k, mark(k).map_or(candles[k].high, |m| m.high)))
            .collect();
        let long_share = candles.iter().map(|c| rules.long_share(c)).collect();
        let drift = params
            .funding_drift
            .then(|| Drift::new(&source.funding, candles, &lows, &highs))
            .flatten();

        let (new_notional, closing) = match oi {
            Some(oi) => {
                let rises = (0..len)
                    .map(|k| match k {
                        0 => 0.0,
                        _ => oi_rise_notional(oi[k - 1], oi[k], &candles[k]),
                    })
                    .collect();
                let closing = (0..len)
                    .map(|j| match j {
                        0 => 1.0,
                        _ => closing_ratio(oi[j - 1], oi[j]),
                    })
                    .collect();
                (rises, closing)
            }
            None => {
                let volumes = (0..len)
                    .map(|k| {
                        if k == 0 {
                            0.0
                        } else {
                            volume_notional(&candles[k])
                        }
                    })
                    .collect();
                (volumes, vec![1.0; len])
            }
        };

        let mut model = SourceModel {
            source,
            len,
            closing,
            max_life: rules.max_life,
            lows,
            highs,
            new_notional,
            long_share,
            rules,
            drift,
            margins: params.tiers.iter().map(|t| 1.0 / t.leverage).collect(),
        };
        // A missing candle opens nothing; open interest stays aligned, so
        // the next candle's rise counts from it.
        for (k, n) in model.new_notional.iter_mut().enumerate() {
            if source.is_missing(k) {
                *n = 0.0;
            }
        }
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
        let entry = self.source.candles[k].typical_price();
        self.rules
            .fill(k, entry, total, self.long_share[k], cohorts);
        true
    }

    /// Tier indices from the highest leverage to the lowest: liquidation
    /// prices usually closest to the entry first.
    pub fn tiers_by_leverage(&self) -> Vec<usize> {
        let leverages = &self.rules.leverages;
        let mut order: Vec<usize> = (0..leverages.len()).collect();
        crate::sorting::sort_by_key(&mut order, |&i| !crate::sorting::f64_key(leverages[i]));
        order
    }

    /// Volume mode's `α`: alive notional at the last candle equals current
    /// open interest × last price where the source gives it, else the default.
    fn volume_alpha(&self) -> f64 {
        let Some(last) = self.source.candles[..self.len].last() else {
            return DEFAULT_VOLUME_ALPHA;
        };
        if self.source.current_open_interest.is_none() {
            return DEFAULT_VOLUME_ALPHA;
        }
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
        volume_alpha(self.source.current_open_interest, last.close, alive)
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

/// How a source opens and closes cohorts, candle by candle: shared by the
/// batch engines ([`SourceModel`]) and the live one, so both open the very
/// same cohorts from the same candle.
pub(crate) struct CohortRules {
    kind: ContractKind,
    mmr: f64,
    long_share: LongShare,
    /// Per tier: its weight, 0 where the tier cannot exist on this source.
    weights: Vec<f64>,
    /// Per tier: the leverage it opens at on this source.
    leverages: Vec<f64>,
    /// Mode `oi` (the source has an open-interest series covering its first
    /// `len` candles and the parameters ask for it), else mode `volume`.
    pub uses_open_interest: bool,
    /// Longest life in candles (volume mode's memory; unbounded in OI mode).
    pub max_life: usize,
}

impl CohortRules {
    /// The rules for `source`'s first `len` candles.
    pub fn new(source: &Source, params: &Params, len: usize) -> Self {
        let uses_open_interest = params.mode == Mode::OpenInterest
            && source
                .open_interest
                .as_ref()
                .is_some_and(|oi| oi.len() >= len);
        let max_life = if uses_open_interest {
            usize::MAX
        } else {
            let interval = source.interval_ms.max(1);
            (params.memory_ms.max(0) / interval).max(1) as usize
        };
        let tiers = effective_tiers(source, params);
        CohortRules {
            kind: source.kind,
            mmr: source.maintenance_margin_rate,
            long_share: params.long_share,
            weights: tiers
                .iter()
                .map(|t| if t.dropped { 0.0 } else { t.weight })
                .collect(),
            leverages: tiers.iter().map(|t| t.leverage).collect(),
            uses_open_interest,
            max_life,
        }
    }

    /// Long share `s_k` of a candle's new notional.
    pub fn long_share(&self, candle: &Candle) -> f64 {
        match self.long_share {
            LongShare::Fixed(s) => clean_share(s),
            LongShare::Auto => match candle.taker_buy_base {
                Some(b) if candle.base_volume > 0.0 => clean_share(b / candle.base_volume),
                _ => 0.5,
            },
        }
    }

    /// Fills `cohorts` with those opened at candle `k` (entry `entry`, new
    /// notional `total`): tier `t`, side `s` at `t * 2 + s.index()`.
    pub fn fill(
        &self,
        k: usize,
        entry: f64,
        total: f64,
        long_share: f64,
        cohorts: &mut Vec<Cohort>,
    ) {
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
                    liquidation_price: liquidation_price(
                        self.kind, side, entry, leverage, self.mmr,
                    ),
                    notional: total * weight * share,
                });
            }
        }
    }
}

/// One of the parameters' tiers as a source opens it (spec sections 2
/// and 3).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EffectiveTier {
    /// The leverage the parameters ask for.
    pub asked: f64,
    /// The leverage it opens at: `asked`, or the instrument's maximum
    /// where that is lower (the tier's weight moves there).
    pub leverage: f64,
    /// Its normalised weight.
    pub weight: f64,
    /// Its liquidation price would lie on the wrong side of the entry
    /// (`m ≥ 1/ℓ`: liquidated as it opens), so it opens nothing.
    pub dropped: bool,
}

/// The tiers of `params` as `source` opens them, in the parameters' order:
/// with its exchange's own weights where it has them, folded to the
/// instrument's maximum leverage, and dropped where the position could not
/// exist.
pub fn effective_tiers(source: &Source, params: &Params) -> Vec<EffectiveTier> {
    let cap = source
        .max_leverage
        .filter(|l| l.is_finite() && *l >= 1.0)
        .unwrap_or(f64::INFINITY);
    params
        .tiers
        .iter()
        .zip(params.weights_for(&source.exchange))
        .map(|(tier, weight)| {
            let leverage = tier.leverage.min(cap);
            EffectiveTier {
                asked: tier.leverage,
                leverage,
                weight,
                dropped: !opens_on_its_side(source.kind, leverage, source.maintenance_margin_rate),
            }
        })
        .collect()
}

/// Whether a position at `leverage` under maintenance rate `mmr` has both
/// liquidation prices beyond its entry: a long's below, a short's above.
fn opens_on_its_side(kind: ContractKind, leverage: f64, mmr: f64) -> bool {
    // The formulas scale with the entry, so an entry of 1 decides.
    let beyond = |side: Side| match liquidation_price(kind, side, 1.0, leverage, mmr) {
        None => true, // never liquidated (an inverse short at 1x or less)
        Some(q) => match side {
            Side::Long => q < 1.0,
            Side::Short => q > 1.0,
        },
    };
    beyond(Side::Long) && beyond(Side::Short)
}

/// How many of `source`'s candles the model uses: those before
/// `window_end_ms`, and only while times increase (adapters sort; this keeps
/// a bad series from confusing the columns).
pub(crate) fn usable_len(source: &Source, window_end_ms: i64) -> usize {
    let candles = &source.candles;
    let sorted = candles
        .windows(2)
        .position(|w| w[1].open_time_ms <= w[0].open_time_ms)
        .map_or(candles.len(), |i| i + 1);
    candles[..sorted].partition_point(|c| c.open_time_ms < window_end_ms)
}

/// Mode `oi`: new notional `max(0, OI_k − OI_{k−1}) · p_k`.
pub(crate) fn oi_rise_notional(previous: f64, oi: f64, candle: &Candle) -> f64 {
    clean((oi - previous).max(0.0) * candle.typical_price())
}

/// Mode `oi`: the closing ratio `r_j` (1 where open interest did not fall,
/// 0 where it fell to zero).
pub(crate) fn closing_ratio(previous: f64, oi: f64) -> f64 {
    if oi < previous && previous > 0.0 {
        clean(oi / previous)
    } else {
        1.0
    }
}

/// Mode `volume`: new notional before `α`.
pub(crate) fn volume_notional(candle: &Candle) -> f64 {
    clean(candle.quote_volume)
}

/// Volume mode's `α` from the current open interest, the last close and the
/// unscaled notional alive at the last candle.
pub(crate) fn volume_alpha(current_open_interest: Option<f64>, last_close: f64, alive: f64) -> f64 {
    let target = current_open_interest.map_or(f64::NAN, |oi| oi * last_close);
    if alive > 0.0 && target.is_finite() && target > 0.0 {
        target / alive
    } else {
        DEFAULT_VOLUME_ALPHA
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
