//! The fast implementation (spec section 7), exact to rounding.
//!
//! Per source and side:
//! 1. each cohort's death by a first-passage query: a galloping search on the
//!    chain of running minima of the lows (longs) or maxima of the highs
//!    (shorts) from its candle; candles are visited latest first so the
//!    chain grows backwards in amortised O(1). Tiers go from the closest
//!    liquidation price to the farthest, each searching only the part of
//!    the chain before the previous tier's death. What all cohorts of a
//!    candle share (start column, first partial column) is computed once;
//! 2. columns where the cohort is alive from start to end become two
//!    changes of the alive cohorts (a birth, a death), in *block units*:
//!    `n / F_k` where `F_j = R(anchor, j)` for the block of candles `j`
//!    belongs to, so the birth and the death of a cohort add and remove the
//!    very same float;
//! 3. the one or two columns where it is alive for only part of the time get
//!    their exact mean, from in-column prefix sums;
//! 4. changes, means and predicted liquidations wait in buckets, one per
//!    column ([`ByColumn`]), then one sweep over columns writes each output
//!    column once, whole: `acc += births − deaths` per bin in double-double
//!    (so a small cohort left after a large one died keeps its digits); the
//!    column mean is `acc · F_{a_c} · γ_c` with `a_c` the column's first
//!    candle and `γ_c` the mean closing within the column. An integer count
//!    of cohorts per bin makes cells where every cohort has died exactly 0.
//!    (Difference arrays of the grid's size, read and written at random,
//!    made this path memory-bound; the buckets hold a few bytes per cohort
//!    and are written nearly in order.)
//!
//! `R(k, j) = r_{k+1} ⋯ r_j` is kept as differences of per-segment log sums, so
//! long products of closing ratios cannot underflow; an open interest that
//! falls to zero starts a new segment (every older cohort is closed there).
//!
//! With funding drift ([`super::funding`]) a source's cohorts take another
//! loop, [`add_drifting`]: epoch by epoch, a range first-passage query per
//! epoch, one heatmap piece per stretch in one bin (steps 2–4 as above).
//! The spec's loop is left as it was, so the option costs nothing when off.

use super::cohort::{Cohort, SourceModel};
use super::finish;
use super::funding::Drift;
use super::grid::{Grid, GridSpec, PriceBins, TimeAxis};
use super::input::Source;
use super::liquidation::Side;
use super::output::{Estimate, LiqMap};
use super::params::Params;

/// Columns whose in-column closing falls below this use exact loops instead
/// of prefix-sum differences (which would lose digits there).
const STEEP_COLUMN: f64 = 1e-3;
const NO_COLUMN: usize = usize::MAX;

/// Buffers the fast path reuses from one call to the next: keep one per view
/// and a parameter change costs no large allocation (and, with
/// [`Workspace::recycle`], no fresh memory for the grids either).
#[derive(Default)]
pub struct Workspace {
    columns: ByColumn,
    /// Grid memory handed back with [`Workspace::recycle`].
    spare_grids: Vec<Vec<f64>>,
}

impl Workspace {
    /// Takes back an estimate the caller no longer needs: the next estimate
    /// writes its grids into that memory rather than into fresh memory,
    /// which the system has to map page by page on first touch (most of
    /// the time on fine grids). A view that recomputes hands back the
    /// estimate it replaces.
    pub fn recycle(&mut self, estimate: Estimate) {
        let [long, short] = estimate.heatmap;
        let [predicted_long, predicted_short] = estimate.predicted;
        let grids = [long, short, predicted_long, predicted_short];
        for values in grids.map(|g| g.values) {
            if values.capacity() > 0 && self.spare_grids.len() < 4 {
                self.spare_grids.push(values);
            }
        }
    }

    /// Empty memory for a grid of `cells` values: a recycled one large
    /// enough, else fresh (growing a smaller one would copy its old
    /// contents).
    fn grid_memory(&mut self, cells: usize) -> Vec<f64> {
        match self.spare_grids.pop() {
            Some(mut values) if values.capacity() >= cells => {
                values.clear();
                values
            }
            _ => Vec::with_capacity(cells),
        }
    }

    /// `cells` zeros, for a grid written only here and there (the predicted
    /// liquidations: a few cells per column). Fresh memory comes zeroed
    /// from the system (`calloc`), so pages never written are never
    /// touched; recycled memory is cleared in one pass.
    fn zeroed_grid_memory(&mut self, cells: usize) -> Vec<f64> {
        match self.spare_grids.pop() {
            Some(mut values) if values.capacity() >= cells => {
                values.clear();
                values.resize(cells, 0.0);
                values
            }
            _ => vec![0.0; cells],
        }
    }
}

/// Which grids an estimate fills.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grids {
    All,
    /// Everything but the predicted liquidations (left without values).
    WithoutPredicted,
}

/// The whole model on the common grid. See [`super::estimate`].
pub fn estimate_fast(
    workspace: &mut Workspace,
    sources: &[Source],
    params: &Params,
    spec: &GridSpec,
    grids: Grids,
) -> Estimate {
    let (columns, bins) = (spec.time.columns, spec.prices.count);
    let mut map = LiqMap::zeros(bins, sources.len(), params.tiers.len());
    let with_predicted = grids == Grids::All;
    let cells = columns * bins;
    // The heatmap is written column by column, whole; the predicted
    // liquidations cell by cell, into zeros.
    let memory = [HEATMAP, HEATMAP, PREDICTED, PREDICTED].map(|grid| match grid {
        HEATMAP => workspace.grid_memory(cells),
        _ if with_predicted => workspace.zeroed_grid_memory(cells),
        _ => Vec::new(),
    });
    let by_column = &mut workspace.columns;
    by_column.prepare(columns, bins, sources.len(), with_predicted);
    let mut factors = Vec::with_capacity(sources.len());

    for (source_index, source) in sources.iter().enumerate() {
        let model = SourceModel::new(source, params, spec.time.end_ms());
        if model.len == 0 {
            factors.push(None);
            continue;
        }
        let timeline = Timeline::new(&model, &spec.time);
        let mut out = Out {
            source_index,
            bins: &spec.prices,
            by_column: &mut *by_column,
            map: &mut map,
        };
        if let Some(drift) = &model.drift {
            add_drifting(&model, drift, &timeline, &mut out);
        } else {
            add_fixed(&model, &timeline, &mut out);
        }
        factors.push(Some(timeline.into_sweep_factors()));
    }
    let (heatmap, predicted) = by_column.sweep(&factors, memory);
    finish(sources, spec, heatmap, predicted, map)
}

/// The spec: each cohort's liquidation price stays where it was at entry.
fn add_fixed(model: &SourceModel, timeline: &Timeline, out: &mut Out) {
    let mut passages = [
        FirstPassage::new(&model.lows, Side::Long),
        FirstPassage::new(&model.highs, Side::Short),
    ];
    let tiers = model.tiers_by_leverage();
    let mut cohorts = Vec::new();
    // Latest candle first: the first-passage chains grow backwards.
    for k in (1..model.len).rev() {
        if !model.cohorts_at(k, &mut cohorts) {
            continue;
        }
        let birth = Birth::new(model, timeline, k);
        for side in Side::BOTH {
            let s = side.index();
            let passage = &mut passages[s];
            passage.start_at(k + 1);
            // Closest liquidation price first: a cohort no easier to hit
            // than the one before dies no earlier, so its search stays
            // within that one's.
            let mut previous: Option<(f64, Hit)> = None;
            for &tier in &tiers {
                let cohort = &cohorts[tier * 2 + s];
                if cohort.notional <= 0.0 || cohort.notional.is_nan() {
                    continue;
                }
                let Some(q) = cohort.liquidation_price else {
                    continue;
                };
                let Some(bin) = out.bins.bin_of(q) else {
                    continue;
                };
                let hit = match previous {
                    Some((p, hit)) if passage.no_easier(q, p) => passage.first_hit(q, hit),
                    _ => passage.first_hit(q, Hit::ANY),
                };
                previous = Some((q, hit));
                let life = Life::new(&birth, cohort.notional, hit.candle, model.len);
                let cell = out.cell(side, bin);
                life.add_to_heatmap(&birth, timeline, cell, out.by_column);
                out.finish_life(&birth, &life, timeline, cohort, bin);
            }
        }
    }
}

/// Where one source's cohorts go.
struct Out<'a> {
    source_index: usize,
    bins: &'a PriceBins,
    by_column: &'a mut ByColumn,
    map: &'a mut LiqMap,
}

impl Out<'_> {
    /// Candles `[from, end)` of `cohort`'s life spent in `bin` (nothing when
    /// `bin` is `None` or the stretch is empty).
    fn add_piece(
        &mut self,
        birth: &Birth,
        cohort: &Cohort,
        (from, end): (usize, usize),
        bin: Option<usize>,
        timeline: &Timeline,
    ) {
        let Some(bin) = bin.filter(|_| from < end) else {
            return;
        };
        let piece = Life {
            start: birth.start,
            end,
            notional: cohort.notional,
            liquidated_at: None,
        };
        let starting = birth.starting_at(timeline, from);
        let cell = self.cell(cohort.side, bin);
        piece.add_to_heatmap(&starting, timeline, cell, self.by_column);
    }

    /// What a cohort's life (its last piece, in `bin`) leaves besides the
    /// heatmap: its liquidation, if inside the window, and its share of the
    /// map if it is alive at the last candle.
    fn finish_life(
        &mut self,
        birth: &Birth,
        life: &Life,
        timeline: &Timeline,
        cohort: &Cohort,
        bin: usize,
    ) {
        let cell = self.cell(cohort.side, bin);
        if let Some((column, usd)) = life.liquidation(timeline) {
            self.by_column.add(column, PREDICTED, cell, usd);
        }
        if life.end == timeline.len {
            let usd = cohort.notional * birth.alive_at_last;
            self.map
                .add(self.source_index, cohort.tier, cohort.side, bin, usd);
        }
    }

    fn cell(&self, side: Side, bin: usize) -> Cell {
        Cell {
            source: self.source_index,
            side: side.index(),
            bin,
        }
    }
}

/// Cohorts whose liquidation price moves with funding: followed epoch by
/// epoch, each with its price, its bin and its first-passage query; the
/// stretch a cohort spends in one bin goes into the heatmap as one piece.
// Kept out of `estimate_fast`, whose hot loop is the default path.
#[inline(never)]
fn add_drifting(model: &SourceModel, drift: &Drift, timeline: &Timeline, out: &mut Out) {
    let len = model.len;
    let mut cohorts = Vec::new();
    for k in 1..len {
        if !model.cohorts_at(k, &mut cohorts) {
            continue;
        }
        let birth = Birth::new(model, timeline, k);
        let open_until = birth.closed.min(len);
        for cohort in cohorts.iter().filter(|c| c.notional > 0.0) {
            let side = cohort.side;
            // The current piece: its bin (None: not drawn) and first candle.
            let (mut bin, mut from) = (None, k);
            let mut death = len;
            let mut epoch = k;
            while epoch < open_until {
                let end = drift.epoch_end[epoch].min(open_until);
                let q = model.liquidation_price_at(cohort, epoch);
                let epoch_bin = q.and_then(|q| out.bins.bin_of(q));
                if epoch_bin != bin {
                    out.add_piece(&birth, cohort, (from, epoch), bin, timeline);
                    (bin, from) = (epoch_bin, epoch);
                }
                let reached =
                    q.and_then(|q| drift.extremes.first_reach(side, q, epoch.max(k + 1), end));
                if let Some(hit) = reached {
                    death = hit;
                    break;
                }
                epoch = end;
            }
            let life = Life::new(&birth, cohort.notional, death, len);
            out.add_piece(&birth, cohort, (from, life.end), bin, timeline);
            if let Some(bin) = bin {
                out.finish_life(&birth, &life, timeline, cohort, bin);
            }
        }
    }
}

/// Per-source facts about time: columns, closing factors, resets.
struct Timeline<'a> {
    len: usize,
    closing: &'a [f64],
    /// Column of each candle, `NO_COLUMN` for warm-up.
    column_of: Vec<usize>,
    /// First candle of each column (`a_c`); one extra entry closes the last.
    column_start: Vec<usize>,
    /// `ln(r_{s+1} ⋯ r_j)` from the start `s` of the candle's segment.
    log_closing: Vec<f64>,
    /// First candle after `j` where open interest fell to zero, else `len`.
    next_reset: Vec<usize>,
    /// `exp(log_closing[j] − log_closing[anchor])` for the block of candles
    /// `j` belongs to; blocks are cut where the factor would leave
    /// `[e^-600, 1]`, so within a block `R(k, j)` is a division, not an `exp`.
    factor: Vec<f64>,
    block: Vec<u32>,
    /// `R(a_c, j)` for candles in column `c`, and its running sum in the column.
    weight: Vec<f64>,
    prefix: Vec<f64>,
    steep: Vec<bool>,
    /// Converts the accumulator from column `c−1`'s block units to column
    /// `c`'s (1 within a block).
    rescale: Vec<f64>,
    /// `F_{a_c} · γ_c`: block units → mean USD over column `c`.
    unit_to_mean: Vec<f64>,
}

impl<'a> Timeline<'a> {
    fn new(model: &'a SourceModel, axis: &TimeAxis) -> Self {
        let len = model.len;
        let candles = &model.source.candles[..len];
        let closing = &model.closing[..];
        let column_of: Vec<usize> = candles
            .iter()
            .map(|c| axis.column_of(c.open_time_ms).unwrap_or(NO_COLUMN))
            .collect();
        let column_start: Vec<usize> = (0..=axis.columns)
            .map(|c| candles.partition_point(|x| x.open_time_ms < axis.column_start_ms(c)))
            .collect();

        let mut log_closing = vec![0.0; len];
        let mut segment_start = vec![0; len];
        let mut running = (0.0, 0);
        for j in 1..len {
            running = match closing[j] {
                r if r > 0.0 => (running.0 + r.ln(), running.1),
                _ => (0.0, j),
            };
            (log_closing[j], segment_start[j]) = running;
        }
        let mut next_reset = vec![len; len];
        for j in (0..len.saturating_sub(1)).rev() {
            next_reset[j] = if closing[j + 1] > 0.0 {
                next_reset[j + 1]
            } else {
                j + 1
            };
        }

        let mut factor = vec![1.0; len];
        let mut block = vec![0_u32; len];
        let mut anchor = 0;
        for j in 0..len {
            // A reset starts a new block; so does a fall past e^-600.
            let reset = j > 0 && segment_start[j] == j;
            if reset || log_closing[j] - log_closing[anchor] < -600.0 {
                anchor = j;
            }
            block[j] = anchor as u32;
            factor[j] = (log_closing[j] - log_closing[anchor]).exp();
        }

        let columns = axis.columns;
        let mut weight = vec![0.0; len];
        let mut prefix = vec![0.0; len];
        let mut steep = vec![false; columns];
        let mut rescale = vec![1.0; columns];
        let mut unit_to_mean = vec![0.0; columns];
        let mut timeline = Timeline {
            len,
            closing,
            column_of,
            column_start,
            log_closing,
            next_reset,
            factor,
            block,
            weight: Vec::new(),
            prefix: Vec::new(),
            steep: Vec::new(),
            rescale: Vec::new(),
            unit_to_mean: Vec::new(),
        };
        for c in 0..columns {
            let (a, b) = (timeline.column_start[c], timeline.column_start[c + 1]);
            let mut sum = 0.0;
            let mut product = 1.0;
            for j in a..b {
                let base = a.max(segment_start[j]);
                weight[j] = (timeline.log_closing[j] - timeline.log_closing[base]).exp();
                prefix[j] = if j == base { 0.0 } else { prefix[j - 1] } + weight[j];
                steep[c] |= base != a || weight[j] < STEEP_COLUMN;
                if j > a {
                    product *= closing[j];
                }
                sum += product;
            }
            if b > a {
                unit_to_mean[c] = timeline.factor[a] * sum / (b - a) as f64;
            }
            let previous = c.checked_sub(1).map(|p| timeline.column_start[p]);
            if let Some(p) = previous.filter(|&p| a < len && timeline.block[p] != timeline.block[a])
            {
                rescale[c] = timeline.ratio(p, a) * timeline.factor[p] / timeline.factor[a];
            }
        }
        timeline.weight = weight;
        timeline.prefix = prefix;
        timeline.steep = steep;
        timeline.rescale = rescale;
        timeline.unit_to_mean = unit_to_mean;
        timeline
    }

    /// What the sweep over columns needs once the cohorts are in.
    fn into_sweep_factors(self) -> SweepFactors {
        SweepFactors {
            rescale: self.rescale,
            unit_to_mean: self.unit_to_mean,
        }
    }

    /// `R(k, j)`: the share of a cohort opened at `k` still open at `j ≥ k`.
    #[inline]
    fn ratio(&self, k: usize, j: usize) -> f64 {
        if self.next_reset[k] <= j {
            0.0
        } else if self.block[k] == self.block[j] {
            self.factor[j] / self.factor[k]
        } else {
            (self.log_closing[j] - self.log_closing[k]).exp()
        }
    }

    /// `n·R(k, a)` in the block units of candle `a ≥ k`. Within one block it
    /// is `n / F_k` whatever `a` is: births and deaths cancel exactly.
    #[inline]
    fn in_units(&self, notional: f64, k: usize, a: usize) -> f64 {
        if self.block[k] == self.block[a] {
            notional / self.factor[k]
        } else {
            notional * self.ratio(k, a) / self.factor[a]
        }
    }

    /// `Σ R(k, j)` for `j` in `[x, y)`, all in column `c`, no reset between.
    fn partial_sum(&self, k: usize, x: usize, y: usize, c: usize) -> f64 {
        if self.steep[c] {
            let mut alive = self.ratio(k, x);
            let mut sum = alive;
            for j in x + 1..y {
                alive *= self.closing[j];
                sum += alive;
            }
            sum
        } else {
            // `R(k, a)` read backwards when `k ≥ a`: at most 1/STEEP_COLUMN.
            let a = self.column_start[c];
            let scale = if k <= a {
                self.ratio(k, a)
            } else {
                1.0 / self.weight[k]
            };
            (self.prefix[y - 1] - self.prefix[x] + self.weight[x]) * scale
        }
    }

    fn candles_in(&self, c: usize) -> f64 {
        (self.column_start[c + 1] - self.column_start[c]) as f64
    }
}

/// What all cohorts opened at one candle share: computed once per candle.
/// The column facts are those of a life drawn from candle `from` (the
/// birth itself, or where a drifting cohort enters a new bin).
#[derive(Clone, Copy)]
struct Birth {
    start: usize,
    /// Where a position closes without liquidation: a reset or expiry.
    closed: usize,
    /// `R(start, len − 1)`: the share alive at the last candle.
    alive_at_last: f64,
    from: usize,
    /// First window column it is alive in from `from` (`NO_COLUMN` when the
    /// window has no candles), and the first one it is alive in throughout.
    first: usize,
    full_from: usize,
    /// Mean of `R(start, ·)` over column `first` when that column is only
    /// partly alive and the cohort survives to its end.
    first_mean: f64,
}

impl Birth {
    fn new(model: &SourceModel, t: &Timeline, k: usize) -> Self {
        let birth = Birth {
            start: k,
            closed: t.next_reset[k].min(k.saturating_add(model.max_life)),
            alive_at_last: t.ratio(k, model.len - 1),
            from: k,
            first: NO_COLUMN,
            full_from: NO_COLUMN,
            first_mean: 0.0,
        };
        birth.starting_at(t, k)
    }

    /// The same cohort drawn from candle `from ≥ start` on.
    fn starting_at(&self, t: &Timeline, from: usize) -> Self {
        let first_window_candle = t.column_start[0];
        let first = t
            .column_of
            .get(from.max(first_window_candle))
            .copied()
            .unwrap_or(NO_COLUMN);
        let mut birth = Birth {
            from,
            first,
            full_from: first,
            first_mean: 0.0,
            ..*self
        };
        if first != NO_COLUMN && from > t.column_start[first] {
            birth.full_from = first + 1;
            let first_end = t.column_start[first + 1];
            if first_end <= t.next_reset[self.start] {
                birth.first_mean =
                    t.partial_sum(self.start, from, first_end, first) / t.candles_in(first);
            }
        }
        birth
    }
}

/// One cohort's life: alive at candles `[start, end)`.
struct Life {
    start: usize,
    end: usize,
    notional: f64,
    /// Candle where it was liquidated, if it was.
    liquidated_at: Option<usize>,
}

impl Life {
    fn new(birth: &Birth, notional: f64, death: usize, len: usize) -> Self {
        let closed = birth.closed;
        Life {
            start: birth.start,
            end: death.min(closed).min(len),
            notional,
            liquidated_at: (death < closed && death < len).then_some(death),
        }
    }

    /// Column and USD of the liquidation, if it happened inside the window.
    fn liquidation(&self, timeline: &Timeline) -> Option<(usize, f64)> {
        let d = self.liquidated_at?;
        let column = *timeline.column_of.get(d).filter(|c| **c != NO_COLUMN)?;
        Some((column, self.notional * timeline.ratio(self.start, d)))
    }

    /// Emits the heatmap's share of this life in bin `cell`: a change of
    /// the alive cohorts where it is alive for whole columns (from
    /// `full_from` until `full_until`), the exact mean of the one or two
    /// columns where it is alive for part of the time.
    fn add_to_heatmap(&self, birth: &Birth, t: &Timeline, cell: Cell, out: &mut ByColumn) {
        let (k, e) = (self.start, self.end);
        let first_window_candle = t.column_start[0];
        if e <= first_window_candle {
            return; // died during the warm-up
        }
        let (first, full_from) = (birth.first, birth.full_from);
        let last = t.column_of[e - 1];
        let full_until = if e >= t.column_start[last + 1] {
            last + 1
        } else {
            last
        };

        if full_from < full_until {
            let units = t.in_units(self.notional, k, t.column_start[full_from]);
            out.change(full_from, cell, units, 1);
            let after = t.column_start.get(full_until).copied().unwrap_or(t.len);
            if full_until < t.column_start.len() - 1 && after < t.len {
                out.change(full_until, cell, -t.in_units(self.notional, k, after), -1);
            }
        }
        let mean = |c: usize, x: usize, y: usize| {
            self.notional * t.partial_sum(k, x, y, c) / t.candles_in(c)
        };
        if first == last {
            if full_from > first || full_until <= last {
                let usd = mean(first, birth.from.max(first_window_candle), e);
                out.add(first, HEATMAP, cell, usd);
            }
        } else {
            if full_from > first {
                out.add(first, HEATMAP, cell, self.notional * birth.first_mean);
            }
            if full_until <= last {
                out.add(last, HEATMAP, cell, mean(last, t.column_start[last], e));
            }
        }
    }
}

/// Where a cohort's USD goes: source, side and price bin.
#[derive(Clone, Copy)]
struct Cell {
    source: usize,
    side: usize,
    bin: usize,
}

/// Per column of one source: block units → mean USD (`F_{a_c} · γ_c`), and
/// the factor from the previous column's block units (1 within a block).
struct SweepFactors {
    rescale: Vec<f64>,
    unit_to_mean: Vec<f64>,
}

/// A change of one source's alive cohorts in one bin from a column on:
/// `count` cohorts (+1 born, −1 gone), worth `units` block units.
#[derive(Clone, Copy)]
struct AliveChange {
    /// `side · bins + bin`.
    slot: u32,
    count: i32,
    units: f64,
}

/// USD added to one cell of a column.
#[derive(Clone, Copy)]
struct CellAdd {
    /// `HEATMAP` or `PREDICTED`, plus the side's index.
    grid: u32,
    bin: u32,
    usd: f64,
}

const HEATMAP: usize = 0;
const PREDICTED: usize = 2;

/// The cohorts' contributions, bucketed by column until one sweep over the
/// columns turns them into the grids. Cohorts are found in any order (the
/// first passages go latest candle first) but each bucket is read once, in
/// column order, and each output column written once, whole: the sweep's
/// state (one column, per-bin accumulators) stays in cache, where difference
/// arrays of the grid's size would be read and written at random.
#[derive(Default)]
struct ByColumn {
    sources: usize,
    bins: usize,
    with_predicted: bool,
    /// Per column and source (`column · sources + source`).
    changes: Vec<Vec<AliveChange>>,
    /// Per column.
    adds: Vec<Vec<CellAdd>>,
    /// Per source and side: the bins any cohort was alive in (`lo..=hi`,
    /// empty when `lo > hi`); the sweep reads only those.
    touched: Vec<(usize, usize)>,
    /// Per source, side and bin while sweeping: block units alive
    /// (double-double), their sum and the count of cohorts alive (a bin
    /// where every cohort has died is exactly 0).
    acc: Vec<(f64, f64)>,
    value: Vec<f64>,
    alive: Vec<i32>,
}

/// `a + b` as a rounded sum and its exact rounding error (Knuth's TwoSum).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    (sum, (a - (sum - b_virtual)) + (b - b_virtual))
}

const NOTHING_TOUCHED: (usize, usize) = (usize::MAX, 0);

impl ByColumn {
    /// Empties the buckets (keeping their memory) and sizes the state.
    fn prepare(&mut self, columns: usize, bins: usize, sources: usize, with_predicted: bool) {
        self.sources = sources;
        self.bins = bins;
        self.with_predicted = with_predicted;
        self.changes.resize_with(columns * sources, Vec::new);
        self.changes.iter_mut().for_each(Vec::clear);
        self.adds.resize_with(columns, Vec::new);
        self.adds.iter_mut().for_each(Vec::clear);
        self.touched.clear();
        self.touched.resize(sources * 2, NOTHING_TOUCHED);
        let slots = sources * 2 * bins;
        self.acc.clear();
        self.acc.resize(slots, (0.0, 0.0));
        self.value.clear();
        self.value.resize(slots, 0.0);
        self.alive.clear();
        self.alive.resize(slots, 0);
    }

    /// `count` cohorts worth `units` start (or stop) being alive in `cell`
    /// from `column` on.
    #[inline]
    fn change(&mut self, column: usize, cell: Cell, units: f64, count: i32) {
        let slot = (cell.side * self.bins + cell.bin) as u32;
        self.changes[column * self.sources + cell.source].push(AliveChange { slot, count, units });
        let touched = &mut self.touched[cell.source * 2 + cell.side];
        *touched = (touched.0.min(cell.bin), touched.1.max(cell.bin));
    }

    /// `usd` more in `cell` of `column` of `grid`.
    #[inline]
    fn add(&mut self, column: usize, grid: usize, cell: Cell, usd: f64) {
        if grid == PREDICTED && !self.with_predicted {
            return;
        }
        self.adds[column].push(CellAdd {
            grid: (grid + cell.side) as u32,
            bin: cell.bin as u32,
            usd,
        });
    }

    /// Column by column: each source's accumulators take the column's
    /// changes, their means and the column's additions make its cells.
    /// Leaves the buckets empty. `factors[s]` is `None` for a source with
    /// no candles (it has no contributions); `values` is the memory of
    /// the grids to fill: heatmap long and short (empty), predicted long and
    /// short (zeros, or empty when not asked for).
    fn sweep(
        &mut self,
        factors: &[Option<SweepFactors>],
        mut values: [Vec<f64>; 4],
    ) -> ([Grid; 2], [Grid; 2]) {
        let (bins, columns) = (self.bins, self.adds.len());
        let grid_with = |values| Grid {
            bins,
            columns,
            values,
        };
        for c in 0..columns {
            // The column's heatmap cells, zeroed in place: written once, in
            // order (the predicted grids come zeroed whole).
            for values in &mut values[HEATMAP..HEATMAP + 2] {
                values.resize((c + 1) * bins, 0.0);
            }
            let column = values
                .each_mut()
                .map(|v| v.get_mut(c * bins..).unwrap_or_default());
            for (s, factors) in factors.iter().enumerate() {
                let Some(factors) = factors else {
                    continue;
                };
                let state = s * 2 * bins..(s + 1) * 2 * bins;
                let acc = &mut self.acc[state.clone()];
                let value = &mut self.value[state.clone()];
                let alive = &mut self.alive[state];
                let touched = [self.touched[s * 2], self.touched[s * 2 + 1]];
                let rescale = factors.rescale[c];
                if rescale != 1.0 {
                    for (side, &(lo, hi)) in touched.iter().enumerate() {
                        if lo > hi {
                            continue;
                        }
                        let range = side * bins + lo..side * bins + hi + 1;
                        for (acc, value) in acc[range.clone()].iter_mut().zip(&mut value[range]) {
                            *acc = (acc.0 * rescale, acc.1 * rescale);
                            *value = acc.0 + acc.1;
                        }
                    }
                }
                for change in self.changes[c * self.sources + s].drain(..) {
                    let i = change.slot as usize;
                    alive[i] += change.count;
                    let acc = &mut acc[i];
                    if alive[i] == 0 {
                        *acc = (0.0, 0.0);
                    } else if change.units != 0.0 {
                        let (sum, error) = two_sum(acc.0, change.units);
                        let low = error + acc.1;
                        let hi = sum + low;
                        *acc = (hi, low - (hi - sum));
                    }
                    value[i] = acc.0 + acc.1;
                }
                let to_mean = factors.unit_to_mean[c];
                for (side, &(lo, hi)) in touched.iter().enumerate() {
                    if lo > hi {
                        continue;
                    }
                    let alive_units = &value[side * bins + lo..side * bins + hi + 1];
                    for (out, value) in column[HEATMAP + side][lo..].iter_mut().zip(alive_units) {
                        *out += value * to_mean;
                    }
                }
            }
            for add in self.adds[c].drain(..) {
                column[add.grid as usize][add.bin as usize] += add.usd;
            }
        }
        let [long, short, predicted_long, predicted_short] = values.map(grid_with);
        ([long, short], [predicted_long, predicted_short])
    }
}

/// "First candle from `from` on where the price reaches `q`", answered on
/// the chain of strict running minima that starts at `from`: the first
/// candle at or below `q` is on it, and along it prices fall, so a binary
/// search finds it. Shorts search the negated highs, so both sides ask
/// "first `x ≤ q`". The chain is kept as a stack and grows backwards, one
/// candle at a time (amortised O(1)), so `from` may only decrease.
struct FirstPassage {
    side: Side,
    /// `len` where nothing hits.
    len: usize,
    values: Vec<f64>,
    /// The chain from `from`: candles and their values, latest (lowest)
    /// first, so `chain_values` rises to `values[from]` at the end.
    chain: Vec<usize>,
    chain_values: Vec<f64>,
    from: usize,
}

/// A first passage: the candle, and how much of the chain was searched for
/// it (a harder-to-reach price only needs that part).
#[derive(Clone, Copy)]
struct Hit {
    candle: usize,
    within: usize,
}

impl Hit {
    const ANY: Hit = Hit {
        candle: usize::MAX,
        within: usize::MAX,
    };
}

impl FirstPassage {
    fn new(values: &[f64], side: Side) -> Self {
        let values: Vec<f64> = values
            .iter()
            .map(|&v| match side {
                // A missing (NaN) price never triggers a liquidation.
                _ if v.is_nan() => f64::INFINITY,
                Side::Long => v,
                Side::Short => -v,
            })
            .collect();
        FirstPassage {
            side,
            len: values.len(),
            from: values.len(),
            values,
            chain: Vec::new(),
            chain_values: Vec::new(),
        }
    }

    /// Moves the start of the chain back to `from`.
    fn start_at(&mut self, from: usize) {
        while self.from > from {
            self.from -= 1;
            let x = self.values[self.from];
            while self.chain_values.last().is_some_and(|&top| top >= x) {
                self.chain.pop();
                self.chain_values.pop();
            }
            self.chain.push(self.from);
            self.chain_values.push(x);
        }
    }

    /// Whether price `q` is reached no earlier than price `p`.
    #[inline]
    fn no_easier(&self, q: f64, p: f64) -> bool {
        match self.side {
            Side::Long => q <= p,
            Side::Short => q >= p,
        }
    }

    /// First hit of `q`, searching the part of the chain `within` covers.
    #[inline]
    fn first_hit(&self, q: f64, within: Hit) -> Hit {
        let q = match self.side {
            Side::Long => q,
            Side::Short => -q,
        };
        let searched = &self.chain_values[..within.within.min(self.chain_values.len())];
        // Galloping from the end (the candles right after the cohort's):
        // most liquidation prices are reached soon, if at all.
        let mut end = searched.len();
        let mut step = 1;
        let start = loop {
            if step >= end {
                break 0;
            }
            let probe = end - step;
            if searched[probe] <= q {
                break probe + 1;
            }
            end = probe;
            step *= 2;
        };
        let reached = start + searched[start..end].partition_point(|&x| x <= q);
        let candle = match reached {
            0 => self.len,
            n => self.chain[n - 1],
        };
        Hit {
            candle,
            within: reached,
        }
    }
}
