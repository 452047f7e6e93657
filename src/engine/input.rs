//! What goes into the engine: one [`Source`] per exchange and instrument,
//! already normalised (USD notional, base units, candles on one time grid).

/// How a contract is margined; decides the liquidation price formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContractKind {
    /// USDT/USDC margined: PnL and margin in USD.
    Linear,
    /// Coin margined: PnL and margin in the base coin.
    Inverse,
}

/// One trade candle. Prices in USD, volumes in base units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candle {
    /// Open time, milliseconds since the Unix epoch (UTC).
    pub open_time_ms: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    /// Traded volume in base units.
    pub base_volume: f64,
    /// Traded volume in USD.
    pub quote_volume: f64,
    /// Taker-buy volume in base units, where the exchange gives it.
    pub taker_buy_base: Option<f64>,
}

impl Candle {
    /// The model's entry price `(high + low + close) / 3`.
    pub fn typical_price(&self) -> f64 {
        (self.high + self.low + self.close) / 3.0
    }
}

/// High and low of the mark price over one candle (exchanges liquidate on it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HighLow {
    pub high: f64,
    pub low: f64,
}

/// One funding payment: at `time_ms`, longs pay shorts `rate` × their
/// notional (shorts pay longs when it is negative). E.g. `0.0001` = 0.01 %.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FundingRate {
    pub time_ms: i64,
    pub rate: f64,
}

/// One exchange instrument's series, aligned on one candle grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Source {
    /// Exchange name shown to the user, e.g. `"Binance"`.
    pub exchange: String,
    pub kind: ContractKind,
    /// Candle length in milliseconds; `candles[k].open_time_ms` steps by it.
    pub interval_ms: i64,
    /// Warm-up then window, oldest first.
    pub candles: Vec<Candle>,
    /// Mark-price high/low per candle (same length as `candles`), if given.
    pub mark: Option<Vec<HighLow>>,
    /// Open interest in base units at each candle's close (same length as
    /// `candles`, forward-filled), if the exchange serves its history.
    pub open_interest: Option<Vec<f64>>,
    /// Open interest now, in base units, if known (calibrates volume mode).
    pub current_open_interest: Option<f64>,
    /// Tier-1 maintenance margin rate, e.g. `0.004` for 0.4 %.
    pub maintenance_margin_rate: f64,
    /// Funding payments, in any order (only [`super::Params::funding_drift`]
    /// reads them); empty where unknown.
    pub funding: Vec<FundingRate>,
    /// The highest leverage the instrument allows at its first tier; tiers
    /// above it are opened at it (spec section 2). `None`: no limit known.
    pub max_leverage: Option<f64>,
    /// `missing[k]`: candle `k` is a placeholder for one the exchange did
    /// not deliver (spec section 1, "Gaps"): it opens and liquidates
    /// nothing. Empty (or shorter than `candles`) where nothing is missing.
    pub missing: Vec<bool>,
}

impl Source {
    /// Whether candle `k` is a placeholder for a missing one.
    pub fn is_missing(&self, k: usize) -> bool {
        self.missing.get(k).copied().unwrap_or(false)
    }

    /// Whether the exchange delivered a candle opening in `[start_ms, end_ms)`.
    pub fn delivered_in(&self, start_ms: i64, end_ms: i64) -> bool {
        let first = self.candles.partition_point(|c| c.open_time_ms < start_ms);
        let end = self.candles.partition_point(|c| c.open_time_ms < end_ms);
        (first..end).any(|k| !self.is_missing(k))
    }

    /// Drops the candles opening before `start_ms`, with their mark, open
    /// interest and missing flags: a live window that moves on keeps the
    /// warm-up a fresh load of it would have.
    pub fn drop_before(&mut self, start_ms: i64) {
        let n = self.candles.partition_point(|c| c.open_time_ms < start_ms);
        let cut = |len: usize| n.min(len);
        self.candles.drain(..n);
        if let Some(mark) = &mut self.mark {
            mark.drain(..cut(mark.len()));
        }
        if let Some(oi) = &mut self.open_interest {
            oi.drain(..cut(oi.len()));
        }
        self.missing.drain(..cut(self.missing.len()));
    }

    /// How many candles are placeholders.
    pub fn missing_count(&self) -> usize {
        self.missing.iter().filter(|m| **m).count()
    }

    /// Whether it is shaped as the exchanges' assembly leaves a source
    /// (`exchanges::assemble`): candles one interval apart, mark, open
    /// interest and missing flags one per candle, every number finite and
    /// every price positive. A source read back from the browser database
    /// is outside data: one that is not is not used.
    pub fn is_consistent(&self) -> bool {
        let Source {
            exchange: _,
            kind: _,
            interval_ms,
            candles,
            mark,
            open_interest,
            current_open_interest,
            maintenance_margin_rate,
            funding,
            max_leverage,
            missing,
        } = self;
        let positive = |x: f64| x.is_finite() && x > 0.0;
        let not_negative = |x: f64| x.is_finite() && x >= 0.0;
        let one_per_candle = |len: usize| len == candles.len();
        let candle_ok = |c: &Candle| {
            [c.open, c.high, c.low, c.close].into_iter().all(positive)
                && c.low <= c.high
                && [c.base_volume, c.quote_volume]
                    .into_iter()
                    .chain(c.taker_buy_base)
                    .all(not_negative)
        };
        let stepped = candles
            .windows(2)
            .all(|w| matches!(w, [a, b] if b.open_time_ms - a.open_time_ms == *interval_ms));
        *interval_ms > 0
            && !candles.is_empty()
            && stepped
            && candles.iter().all(candle_ok)
            && mark.as_ref().is_none_or(|m| {
                one_per_candle(m.len()) && m.iter().all(|m| positive(m.high) && positive(m.low))
            })
            && open_interest
                .as_ref()
                .is_none_or(|oi| one_per_candle(oi.len()) && oi.iter().copied().all(not_negative))
            && current_open_interest.is_none_or(not_negative)
            && positive(*maintenance_margin_rate)
            && *maintenance_margin_rate < 1.0
            && funding.iter().all(|f| f.rate.is_finite())
            && max_leverage.is_none_or(positive)
            && (missing.is_empty() || one_per_candle(missing.len()))
    }
}
