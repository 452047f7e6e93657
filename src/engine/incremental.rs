//! Live mode: the model kept up to date one closed candle at a time.
//!
//! [`LiveEstimate`] starts from the inputs of [`super::estimate`] and takes
//! each new candle of a source with [`LiveEstimate::push`]. A push costs
//! O(bins · tiers + changed cohorts · log n), whatever the window's length:
//! - the alive cohorts of each source and side sit in a map ordered by
//!   liquidation price, so those the new candle's low (longs) or high
//!   (shorts) reaches are split off at once;
//! - proportional closing is lazy: a cohort stores `n / D_k` and is worth
//!   that times `D_j` at candle `j`, where `D = C / 2^E` (`C` of the spec,
//!   section 4). When `D` falls below 2^-256 every stored value is scaled by
//!   a power of two (exact), so long products of ratios cannot underflow;
//! - per-bin sums of those values (double-double, with a count of cohorts so
//!   that a bin where all have died is exactly 0) give the heatmap's column
//!   and the map;
//! - volume mode's `α` depends on the last candle: those sources keep
//!   unscaled grids of their own and `α` is applied to the output, so a push
//!   to one of them rescales its whole contribution (O(cells)).
//!
//! **Time axis**: a candle opening at or after the grid's end extends it by
//! whole columns (same column length, zeros until filled); the price bins
//! stay fixed. A column that stands for several candles holds the mean of
//! those seen so far, as a fresh estimate would. When a candle leaves the
//! price range, [`Pushed::out_of_range`] asks the caller to recompute on a
//! new grid. Memory grows by one column per column of time (and, in mode
//! `oi`, by the cohorts that never die): rebuild from time to time.
//!
//! **Exactness**: after any pushes, [`LiveEstimate::estimate`] equals
//! `estimate(live.sources(), params, live.spec())` to rounding (tested to
//! 1e-9 relative per cell).

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::ops::Range;

use super::clusters::{find_clusters, TOP_CLUSTERS};
use super::cohort::{
    closing_ratio, oi_rise_notional, usable_len, volume_alpha, volume_notional, Cohort, CohortRules,
};
use super::fast::two_sum;
use super::grid::{Grid, GridSpec};
use super::input::{Candle, HighLow, Source};
use super::liquidation::Side;
use super::output::{Estimate, LiqMap};
use super::params::Params;

/// One new closed candle of a source. The still-forming candle is not
/// pushed: its high, low and close may still change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveCandle {
    pub candle: Candle,
    /// Mark-price high/low over the candle where the stream gives them; the
    /// trade high/low stand in otherwise (as in a fresh estimate).
    pub mark: Option<HighLow>,
    /// Open interest at the candle's close, base units. Mode `oi` without it
    /// carries the last value forward (no new positions, no closing); in
    /// mode `volume` it is the current open interest that calibrates `α`.
    pub open_interest: Option<f64>,
}

impl From<Candle> for LiveCandle {
    fn from(candle: Candle) -> Self {
        LiveCandle {
            candle,
            mark: None,
            open_interest: None,
        }
    }
}

/// Why a candle was refused (nothing changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// No source at this index.
    NoSuchSource(usize),
    /// Candles of a source must come in time order.
    NotAfterLast { last_ms: i64, got_ms: i64 },
    /// A price not finite and positive, `high < low`, a negative or
    /// non-finite volume or open interest.
    InvalidCandle,
}

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PushError::NoSuchSource(i) => write!(f, "no source {i}"),
            PushError::NotAfterLast { last_ms, got_ms } => {
                write!(
                    f,
                    "candle at {got_ms} is not after the last one ({last_ms})"
                )
            }
            PushError::InvalidCandle => f.write_str("invalid candle"),
        }
    }
}

impl std::error::Error for PushError {}

/// What a push changed, so a view redraws only that.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pushed {
    /// Heatmap and predicted columns whose values changed (the map and the
    /// clusters change with every push).
    pub columns: Range<usize>,
    /// The time axis gained columns at its end.
    pub grew: bool,
    /// The candle's low or high lies outside the price bins: recompute on a
    /// new grid ([`super::default_grid`], then [`LiveEstimate::new`]).
    pub out_of_range: bool,
}

/// The model over a window that grows one candle at a time. See the module
/// docs. Cohorts are followed at their entry liquidation price: with
/// [`Params::funding_drift`] on, compute a fresh [`super::estimate`] instead.
pub struct LiveEstimate {
    params: Params,
    spec: GridSpec,
    sources: Vec<Source>,
    states: Vec<SourceState>,
    estimate: Estimate,
    /// The cohorts of one candle (reused).
    cohorts: Vec<Cohort>,
}

impl LiveEstimate {
    /// The model over `sources` on `spec`, ready for pushes. Candles the
    /// engine would not use (at or after the grid's end, or after a step
    /// back in time) are dropped, so [`Self::sources`] is what it used.
    pub fn new(mut sources: Vec<Source>, params: Params, spec: GridSpec) -> Self {
        let end_ms = spec.time.end_ms();
        for source in &mut sources {
            let len = usable_len(source, end_ms);
            source.candles.truncate(len);
            source.missing.truncate(len);
            // A shorter series stays as it is: the source is in volume mode.
            if let Some(oi) = &mut source.open_interest {
                oi.truncate(len);
            }
            if let Some(mark) = &mut source.mark {
                mark.truncate(len);
                let missing = source.candles.get(mark.len()..).unwrap_or_default();
                mark.extend(missing.iter().map(trade_high_low));
            }
        }
        let (columns, bins) = (spec.time.columns, spec.prices.count);
        let tiers = params.tiers.len();
        let empty = Grid::zeros(columns, bins);
        let mut live = LiveEstimate {
            states: sources
                .iter()
                .map(|s| SourceState::new(s, &params, &spec))
                .collect(),
            estimate: Estimate {
                grid: spec,
                sources: sources.iter().map(|s| s.exchange.clone()).collect(),
                heatmap: [empty.clone(), empty.clone()],
                predicted: [empty.clone(), empty],
                map: LiqMap::zeros(bins, sources.len(), tiers),
                current_price: None,
                clusters: Vec::new(),
            },
            params,
            spec,
            sources,
            cohorts: Vec::new(),
        };
        for (index, (state, source)) in live.states.iter_mut().zip(&live.sources).enumerate() {
            for k in 0..source.candles.len() {
                state.step(source, k, &live.spec, &mut live.estimate, &mut live.cohorts);
            }
            state.refresh_alpha(source, &mut live.estimate);
            state.write_map(index, &mut live.estimate.map);
        }
        live.refresh_summary();
        live
    }

    /// Adds the next closed candle of source `source` (index into
    /// [`Self::sources`]) and updates every output.
    pub fn push(&mut self, source: usize, live: LiveCandle) -> Result<Pushed, PushError> {
        let Some(src) = self.sources.get_mut(source) else {
            return Err(PushError::NoSuchSource(source));
        };
        append_candle(src, &live)?;
        let candle = live.candle;

        let before = self.spec.time.columns;
        let column = self.grow_to(candle.open_time_ms);
        let grew = self.spec.time.columns > before;
        let (Some(state), Some(src)) = (self.states.get_mut(source), self.sources.get(source))
        else {
            return Err(PushError::NoSuchSource(source));
        };
        let k = src.candles.len() - 1;
        state.step(src, k, &self.spec, &mut self.estimate, &mut self.cohorts);
        let rescaled = state.refresh_alpha(src, &mut self.estimate);
        state.write_map(source, &mut self.estimate.map);
        self.refresh_summary();

        let columns = self.spec.time.columns;
        let first = match (rescaled, column) {
            (true, _) => 0,
            (false, Some(c)) => c,
            (false, None) if grew => before,
            (false, None) => columns,
        };
        let prices = &self.spec.prices;
        Ok(Pushed {
            columns: first..columns,
            grew,
            out_of_range: prices.bin_of(candle.low).is_none()
                || prices.bin_of(candle.high).is_none(),
        })
    }

    /// Heatmap, predicted liquidations, map and clusters now.
    pub fn estimate(&self) -> &Estimate {
        &self.estimate
    }

    /// The sources as the estimate sees them: the starting candles and every
    /// pushed one (mark and open interest aligned).
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The grid, its time axis extended by pushes.
    pub fn spec(&self) -> &GridSpec {
        &self.spec
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Open time of the last candle of `source`: the next push must be later.
    pub fn last_open_time_ms(&self, source: usize) -> Option<i64> {
        self.sources
            .get(source)?
            .candles
            .last()
            .map(|c| c.open_time_ms)
    }

    /// Extends the time axis (and every grid) to cover `t_ms`; the column of
    /// `t_ms`, `None` before the window.
    fn grow_to(&mut self, t_ms: i64) -> Option<usize> {
        let time = &mut self.spec.time;
        if t_ms >= time.end_ms() && time.column_ms > 0 && t_ms >= time.start_ms {
            let needed = ((t_ms - time.start_ms) / time.column_ms) as usize + 1;
            time.columns = needed;
            let grids = self.estimate.heatmap.iter_mut();
            let grids = grids.chain(self.estimate.predicted.iter_mut());
            let own = self.states.iter_mut().filter_map(|s| s.own.as_mut());
            for grid in grids.chain(own.flatten()) {
                grid.columns = needed;
                grid.values.resize(needed * grid.bins, 0.0);
            }
            self.estimate.grid = self.spec;
        }
        self.spec.time.column_of(t_ms)
    }

    /// Current price and clusters (what `super::finish` does).
    fn refresh_summary(&mut self) {
        let e = &mut self.estimate;
        e.current_price = self
            .sources
            .first()
            .and_then(|s| s.candles.last())
            .map(|c| c.close);
        e.clusters = find_clusters(&e.map, &self.spec.prices, e.current_price, TOP_CLUSTERS);
    }
}

/// Appends a closed candle to a source's series (candles, mark, open
/// interest), as a fresh load would have them: the page keeps its sources
/// in step with the live engine through this.
pub fn append_candle(src: &mut Source, live: &LiveCandle) -> Result<(), PushError> {
    let candle = live.candle;
    if !is_valid(live) {
        return Err(PushError::InvalidCandle);
    }
    if let Some(last) = src.candles.last() {
        if candle.open_time_ms <= last.open_time_ms {
            return Err(PushError::NotAfterLast {
                last_ms: last.open_time_ms,
                got_ms: candle.open_time_ms,
            });
        }
    }

    let aligned_oi = src
        .open_interest
        .as_ref()
        .is_some_and(|oi| oi.len() == src.candles.len());
    if aligned_oi {
        if let Some(oi) = &mut src.open_interest {
            let carried = oi.last().copied().unwrap_or(f64::NAN);
            oi.push(live.open_interest.unwrap_or(carried));
        }
    }
    if live.open_interest.is_some() {
        src.current_open_interest = live.open_interest;
    }
    match (&mut src.mark, live.mark) {
        (Some(mark), m) => mark.push(m.unwrap_or(trade_high_low(&candle))),
        (None, Some(m)) => {
            let mut mark: Vec<HighLow> = src.candles.iter().map(trade_high_low).collect();
            mark.push(m);
            src.mark = Some(mark);
        }
        (None, None) => {}
    }
    // A pushed candle was delivered: flags past the series would mislabel it.
    src.missing.truncate(src.candles.len());
    src.candles.push(candle);
    Ok(())
}

fn trade_high_low(c: &Candle) -> HighLow {
    HighLow {
        high: c.high,
        low: c.low,
    }
}

fn is_valid(live: &LiveCandle) -> bool {
    let c = &live.candle;
    let price = |x: f64| x.is_finite() && x > 0.0;
    let amount = |x: f64| x.is_finite() && x >= 0.0;
    let prices = [c.open, c.high, c.low, c.close].into_iter().all(price) && c.high >= c.low;
    let volumes =
        amount(c.base_volume) && amount(c.quote_volume) && c.taker_buy_base.is_none_or(amount);
    let mark = live
        .mark
        .is_none_or(|m| price(m.high) && price(m.low) && m.high >= m.low);
    prices && volumes && mark && live.open_interest.is_none_or(amount)
}

/// Below this `D` is brought back near 1 by a power of two.
const RESCALE_BELOW: f64 = f64::from_bits((1023 - 256) << 52); // 2^-256
const NO_BIN: u32 = u32::MAX;

/// A double-double sum of cohort values and how many cohorts are in it:
/// when the last one leaves, the sum is exactly 0 again.
#[derive(Clone, Copy, Debug, Default)]
struct Sum {
    hi: f64,
    lo: f64,
    count: u32,
}

impl Sum {
    fn add(&mut self, x: f64) {
        self.count += 1;
        self.accumulate(x);
    }

    fn remove(&mut self, x: f64) {
        self.count = self.count.saturating_sub(1);
        if self.count == 0 {
            *self = Sum::default();
        } else {
            self.accumulate(-x);
        }
    }

    fn accumulate(&mut self, x: f64) {
        let (sum, error) = two_sum(self.hi, x);
        let low = error + self.lo;
        self.hi = sum + low;
        self.lo = low - (self.hi - sum);
    }

    fn value(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.hi + self.lo
        }
    }

    fn scale(&mut self, factor: f64) {
        self.hi *= factor;
        self.lo *= factor;
    }
}

/// An alive cohort: `n / D_k`, its bin (`NO_BIN` outside the price range,
/// kept in volume mode for `α`) and tier.
#[derive(Clone, Copy, Debug)]
struct Alive {
    value: f64,
    bin: u32,
    tier: u32,
}

/// Liquidation price bits (positive floats order like their bits) and a
/// serial number that keeps equal prices apart.
type Key = (u64, u64);

/// The alive cohorts of one side, by liquidation price, and their per-bin sums.
#[derive(Default)]
struct Book {
    alive: BTreeMap<Key, Alive>,
    bins: Vec<Sum>,
}

/// Volume mode: the cohorts opened at one candle, to expire them together.
struct Births {
    candle: usize,
    keys: Vec<(Side, Key)>,
    /// Values of those without a liquidation price (they only count for `α`).
    unpriced: Vec<f64>,
}

/// The candle sums of the column a source is filling.
struct Column {
    column: usize,
    candles: usize,
    /// Per side and bin: alive USD summed over the column's candles so far.
    sums: [Vec<f64>; 2],
    /// Per side and bin: the mean last written (unscaled).
    written: [Vec<f64>; 2],
}

/// Everything one source carries from one candle to the next.
struct SourceState {
    rules: CohortRules,
    bins: usize,
    /// `D_j`: the alive notional of a cohort is its stored value times this.
    factor: f64,
    books: [Book; 2],
    /// The map's sums, laid out as [`LiqMap::source_mut`].
    map: Vec<Sum>,
    /// Volume mode: values of every alive cohort (also outside the bins):
    /// `α`'s denominator.
    alive: Sum,
    births: VecDeque<Births>,
    column: Option<Column>,
    /// The `α` the output holds this source at (0 before the first refresh).
    alpha: f64,
    /// Volume mode: this source's heatmap and predicted grids before `α`
    /// (`[heatmap long, heatmap short, predicted long, predicted short]`).
    own: Option<[Grid; 4]>,
    serial: u64,
}

impl SourceState {
    fn new(source: &Source, params: &Params, spec: &GridSpec) -> Self {
        let rules = CohortRules::new(source, params, source.candles.len());
        let bins = spec.prices.count;
        let book = || Book {
            alive: BTreeMap::new(),
            bins: vec![Sum::default(); bins],
        };
        let volume = !rules.uses_open_interest;
        let grid = || Grid::zeros(spec.time.columns, bins);
        SourceState {
            map: vec![Sum::default(); params.tiers.len() * 2 * bins],
            alpha: if volume { 0.0 } else { 1.0 },
            own: volume.then(|| [grid(), grid(), grid(), grid()]),
            rules,
            bins,
            factor: 1.0,
            books: [book(), book()],
            alive: Sum::default(),
            births: VecDeque::new(),
            column: None,
            serial: 0,
        }
    }

    fn volume_mode(&self) -> bool {
        !self.rules.uses_open_interest
    }

    /// Candle `k` of `source`: closing, expiry, liquidations, new cohorts,
    /// and the candle's share of its heatmap column.
    fn step(
        &mut self,
        source: &Source,
        k: usize,
        spec: &GridSpec,
        out: &mut Estimate,
        cohorts: &mut Vec<Cohort>,
    ) {
        let Some(candle) = source.candles.get(k) else {
            return;
        };
        let mark = source.mark.as_ref().and_then(|m| m.get(k));
        let (low, high) = mark.map_or((candle.low, candle.high), |m| (m.low, m.high));
        let column = spec.time.column_of(candle.open_time_ms);
        let oi = |j: usize| {
            let series = source.open_interest.as_ref();
            series
                .filter(|_| self.rules.uses_open_interest)?
                .get(j)
                .copied()
        };
        let previous = k.checked_sub(1);
        let oi_pair = previous.and_then(|p| Some((oi(p)?, oi(k)?)));

        if let Some((before, now)) = oi_pair {
            let r = closing_ratio(before, now);
            if r < 1.0 {
                self.close(r);
            }
        }
        self.expire(k);
        // A missing candle liquidates and opens nothing (spec section 1).
        let missing = source.is_missing(k);
        if !missing {
            self.liquidate(Side::Long, low, column, out);
            self.liquidate(Side::Short, high, column, out);
        }
        if previous.is_some() && !missing {
            let total = match oi_pair {
                Some((before, now)) => oi_rise_notional(before, now, candle),
                None if self.volume_mode() => volume_notional(candle),
                None => 0.0,
            };
            if total > 0.0 {
                self.open(k, candle, total, spec, cohorts);
            }
        }
        if let Some(c) = column {
            self.add_to_column(c, out);
        }
    }

    /// Closing by the ratio `r < 1`: lazily through `D`; `r = 0` closes all.
    fn close(&mut self, r: f64) {
        self.factor *= r;
        if self.factor > 0.0 && self.factor < RESCALE_BELOW {
            // D ∈ [1, 2) again; stored values take the inverse power of two.
            let exponent = (-self.factor.log2().floor()).min(1000.0) as i32;
            let (up, down) = (2f64.powi(exponent), 2f64.powi(-exponent));
            self.factor *= up;
            for book in &mut self.books {
                book.alive.values_mut().for_each(|a| a.value *= down);
                book.bins.iter_mut().for_each(|s| s.scale(down));
            }
            self.map.iter_mut().for_each(|s| s.scale(down));
        } else if self.factor <= 0.0 {
            // Open interest fell to zero (or below what an f64 holds).
            for book in &mut self.books {
                book.alive.clear();
                book.bins.fill(Sum::default());
            }
            self.map.fill(Sum::default());
            self.factor = 1.0;
        }
    }

    /// Volume mode: cohorts older than the memory leave without liquidation.
    fn expire(&mut self, k: usize) {
        let max_life = self.rules.max_life;
        while self
            .births
            .front()
            .is_some_and(|b| b.candle.saturating_add(max_life) <= k)
        {
            let Some(births) = self.births.pop_front() else {
                break;
            };
            for (side, key) in births.keys {
                if let Some(a) = self.books[side.index()].alive.remove(&key) {
                    self.forget(side, a);
                }
            }
            births.unpriced.iter().for_each(|v| self.alive.remove(*v));
        }
    }

    /// Takes a dead or expired cohort out of the sums.
    fn forget(&mut self, side: Side, a: Alive) {
        if self.volume_mode() {
            self.alive.remove(a.value);
        }
        let b = a.bin as usize;
        if let Some(sum) = self.books[side.index()].bins.get_mut(b) {
            sum.remove(a.value);
        }
        if let Some(sum) = self
            .map
            .get_mut(map_index(a.tier as usize, side, b, self.bins))
        {
            sum.remove(a.value);
        }
    }

    /// Liquidates the cohorts of `side` that `price` (the candle's low for
    /// longs, high for shorts) reaches; their notional goes to the
    /// predicted liquidations of `column`.
    fn liquidate(&mut self, side: Side, price: f64, column: Option<usize>, out: &mut Estimate) {
        let alive = &mut self.books[side.index()].alive;
        let dead = match side {
            _ if price.is_nan() => return,
            Side::Long if price <= 0.0 => std::mem::take(alive),
            Side::Long => alive.split_off(&(price.to_bits(), 0)),
            Side::Short if price <= 0.0 => return,
            Side::Short if price == f64::INFINITY => std::mem::take(alive),
            Side::Short => {
                let survivors = alive.split_off(&(price.to_bits() + 1, 0));
                std::mem::replace(alive, survivors)
            }
        };
        let s = side.index();
        for a in dead.into_values() {
            self.forget(side, a);
            let (Some(c), true) = (column, a.bin != NO_BIN) else {
                continue;
            };
            let usd = a.value * self.factor;
            let cell = c * self.bins + a.bin as usize;
            if let Some(v) = self
                .own
                .as_mut()
                .and_then(|g| g[2 + s].values.get_mut(cell))
            {
                *v += usd;
            }
            if let Some(v) = out.predicted[s].values.get_mut(cell) {
                if self.alpha != 0.0 {
                    *v += self.alpha * usd;
                }
            }
        }
    }

    /// Opens the cohorts of candle `k` (new notional `total`, before `α`).
    fn open(
        &mut self,
        k: usize,
        candle: &Candle,
        total: f64,
        spec: &GridSpec,
        cohorts: &mut Vec<Cohort>,
    ) {
        let share = self.rules.long_share(candle);
        self.rules
            .fill(k, candle.typical_price(), total, share, cohorts);
        let volume = self.volume_mode();
        let mut births = Births {
            candle: k,
            keys: Vec::new(),
            unpriced: Vec::new(),
        };
        for c in cohorts.iter() {
            if c.notional.is_nan() || c.notional <= 0.0 {
                continue;
            }
            let value = c.notional / self.factor;
            let bin = c.liquidation_price.and_then(|q| spec.prices.bin_of(q));
            if volume {
                self.alive.add(value);
            }
            let Some(q) = c.liquidation_price else {
                births.unpriced.push(value);
                continue;
            };
            if bin.is_none() && !volume {
                continue; // outside the bins, and no `α` to count it for
            }
            let key = (q.to_bits(), self.serial);
            self.serial += 1;
            if let Some(b) = bin {
                self.books[c.side.index()].bins[b].add(value);
                let i = map_index(c.tier, c.side, b, self.bins);
                if let Some(sum) = self.map.get_mut(i) {
                    sum.add(value);
                }
            }
            let alive = Alive {
                value,
                bin: bin.map_or(NO_BIN, |b| b as u32),
                tier: c.tier as u32,
            };
            self.books[c.side.index()].alive.insert(key, alive);
            births.keys.push((c.side, key));
        }
        if volume && !(births.keys.is_empty() && births.unpriced.is_empty()) {
            self.births.push_back(births);
        }
    }

    /// Adds the alive notional at this candle to column `c`'s sums and
    /// writes the column's new mean.
    fn add_to_column(&mut self, c: usize, out: &mut Estimate) {
        let bins = self.bins;
        if self.column.as_ref().is_none_or(|col| col.column != c) {
            let zeros = || [vec![0.0; bins], vec![0.0; bins]];
            self.column = Some(Column {
                column: c,
                candles: 0,
                sums: zeros(),
                written: zeros(),
            });
        }
        let Some(col) = self.column.as_mut() else {
            return;
        };
        col.candles += 1;
        let candles = col.candles as f64;
        for s in 0..2 {
            let book = &self.books[s];
            let cells = c * bins..(c + 1) * bins;
            let mut own = self
                .own
                .as_mut()
                .and_then(|g| g[s].values.get_mut(cells.clone()));
            let Some(out) = out.heatmap[s].values.get_mut(cells) else {
                continue;
            };
            let columns = col.sums[s].iter_mut().zip(&mut col.written[s]);
            for (b, ((sum, written), (bin, cell))) in
                columns.zip(book.bins.iter().zip(out)).enumerate()
            {
                if bin.count > 0 {
                    *sum += bin.value() * self.factor;
                }
                let mean = *sum / candles;
                if mean == *written {
                    continue;
                }
                if let Some(v) = own.as_deref_mut().and_then(|o| o.get_mut(b)) {
                    *v = mean;
                }
                if self.alpha != 0.0 {
                    *cell += self.alpha * (mean - *written);
                }
                *written = mean;
            }
        }
    }

    /// Volume mode: sets `α` from the cohorts alive now and rescales this
    /// source's share of the output. True when the output changed.
    fn refresh_alpha(&mut self, source: &Source, out: &mut Estimate) -> bool {
        let Some(own) = &self.own else {
            return false;
        };
        let alpha = match source.candles.last() {
            Some(last) => {
                volume_alpha(source.current_open_interest, last.close, self.alive.value())
            }
            None => super::params::DEFAULT_VOLUME_ALPHA,
        };
        let delta = alpha - self.alpha;
        if delta == 0.0 {
            return false;
        }
        let outputs = out.heatmap.iter_mut().chain(out.predicted.iter_mut());
        for (output, own) in outputs.zip(own) {
            for (o, v) in output.values.iter_mut().zip(&own.values) {
                if *v != 0.0 {
                    *o += delta * v;
                }
            }
        }
        self.alpha = alpha;
        true
    }

    /// Rewrites this source's part of the map: sums × `D` × `α`.
    fn write_map(&self, source: usize, map: &mut LiqMap) {
        let scale = self.factor * self.alpha;
        for (v, sum) in map.source_mut(source).iter_mut().zip(&self.map) {
            *v = sum.value() * scale;
        }
    }
}

fn map_index(tier: usize, side: Side, bin: usize, bins: usize) -> usize {
    (tier * 2 + side.index()) * bins + bin
}

#[cfg(test)]
mod tests;
