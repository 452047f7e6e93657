//! The fast implementation (spec section 7), exact to rounding.
//!
//! Per source and side:
//! 1. each cohort's death by a first-passage query: a binary search on the
//!    chain of running minima of the lows (longs) or maxima of the highs
//!    (shorts) from its candle; candles are visited latest first so the
//!    chain grows backwards in amortised O(1). Tiers go from the closest
//!    liquidation price to the farthest, each searching only the part of
//!    the chain before the previous tier's death. What all cohorts of a
//!    candle share (start column, first partial column) is computed once;
//! 2. columns where the cohort is alive from start to end go into a
//!    difference array over columns, in *block units*: `n / F_k` where
//!    `F_j = R(anchor, j)` for the block of candles `j` belongs to, so the
//!    birth and the death of a cohort add and remove the very same float;
//! 3. the one or two columns where it is alive for only part of the time get
//!    their exact mean directly, from in-column prefix sums;
//! 4. one sweep over columns: `acc += births − deaths` in double-double
//!    (so a small cohort left after a large one died keeps its digits), read
//!    only in the bins written in that column; the column mean is
//!    `acc · F_{a_c} · γ_c` with `a_c` the column's first candle and `γ_c`
//!    the mean closing within the column. An integer count of cohorts per
//!    cell makes cells where every cohort has died exactly 0.
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
/// and a parameter change costs no large allocation (nor the page faults
/// of fresh memory).
#[derive(Default)]
pub struct Workspace {
    scratch: [Scratch; 2],
}

/// The whole model on the common grid. See [`super::estimate`].
pub fn estimate_fast(
    workspace: &mut Workspace,
    sources: &[Source],
    params: &Params,
    spec: &GridSpec,
) -> Estimate {
    let (columns, bins) = (spec.time.columns, spec.prices.count);
    let mut heatmap = [Grid::zeros(columns, bins), Grid::zeros(columns, bins)];
    let mut predicted = heatmap.clone();
    let mut map = LiqMap::zeros(bins, sources.len(), params.tiers.len());
    let scratch = &mut workspace.scratch;
    scratch.iter_mut().for_each(|s| s.prepare(columns, bins));

    for (source_index, source) in sources.iter().enumerate() {
        let model = SourceModel::new(source, params, spec.time.end_ms());
        if model.len == 0 {
            continue;
        }
        let timeline = Timeline::new(&model, &spec.time);
        if let Some(drift) = &model.drift {
            let mut out = Out {
                source_index,
                bins: &spec.prices,
                scratch: &mut *scratch,
                heatmap: &mut heatmap,
                predicted: &mut predicted,
                map: &mut map,
            };
            add_drifting(&model, drift, &timeline, &mut out);
        } else {
            // The spec: each cohort's liquidation price stays where it was at entry.
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
                let birth = Birth::new(&model, &timeline, k);
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
                        let Some(bin) = spec.prices.bin_of(q) else {
                            continue;
                        };
                        let hit = match previous {
                            Some((p, hit)) if passage.no_easier(q, p) => passage.first_hit(q, hit),
                            _ => passage.first_hit(q, Hit::ANY),
                        };
                        previous = Some((q, hit));
                        let life = Life::new(&birth, cohort.notional, hit.candle, model.len);
                        if let Some((column, usd)) = life.liquidation(&timeline) {
                            predicted[s].values[column * bins + bin] += usd;
                        }
                        if life.end == model.len {
                            let usd = cohort.notional * birth.alive_at_last;
                            map.add(source_index, cohort.tier, side, bin, usd);
                        }
                        life.add_to_heatmap(
                            &birth,
                            &timeline,
                            bin,
                            &mut scratch[s],
                            &mut heatmap[s],
                        );
                    }
                }
            }
        }
        for side in Side::BOTH {
            scratch[side.index()].sweep_into(&timeline, &mut heatmap[side.index()]);
        }
    }
    finish(sources, spec, heatmap, predicted, map)
}

/// Where one source's cohorts go.
struct Out<'a> {
    source_index: usize,
    bins: &'a PriceBins,
    scratch: &'a mut [Scratch; 2],
    heatmap: &'a mut [Grid; 2],
    predicted: &'a mut [Grid; 2],
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
        let s = cohort.side.index();
        let starting = birth.starting_at(timeline, from);
        piece.add_to_heatmap(
            &starting,
            timeline,
            bin,
            &mut self.scratch[s],
            &mut self.heatmap[s],
        );
    }

    /// A cohort's liquidation (if inside the window) in `bin`.
    fn predict(&mut self, life: &Life, timeline: &Timeline, side: Side, bin: usize) {
        if let Some((column, usd)) = life.liquidation(timeline) {
            let grid = &mut self.predicted[side.index()];
            grid.values[column * grid.bins + bin] += usd;
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
            let Some(bin) = bin else {
                continue;
            };
            out.predict(&life, timeline, side, bin);
            if life.end == len {
                let usd = cohort.notional * birth.alive_at_last;
                out.map.add(out.source_index, cohort.tier, side, bin, usd);
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

    fn add_to_heatmap(
        &self,
        birth: &Birth,
        t: &Timeline,
        bin: usize,
        scratch: &mut Scratch,
        heatmap: &mut Grid,
    ) {
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
        let bins = heatmap.bins;

        if full_from < full_until {
            scratch.add(
                full_from,
                bin,
                t.in_units(self.notional, k, t.column_start[full_from]),
                1,
            );
            let after = t.column_start.get(full_until).copied().unwrap_or(t.len);
            if full_until < t.column_start.len() - 1 && after < t.len {
                scratch.add(full_until, bin, -t.in_units(self.notional, k, after), -1);
            }
        }
        let mean = |c: usize, x: usize, y: usize| {
            self.notional * t.partial_sum(k, x, y, c) / t.candles_in(c)
        };
        let cells = &mut heatmap.values;
        if first == last {
            if full_from > first || full_until <= last {
                cells[first * bins + bin] += mean(first, birth.from.max(first_window_candle), e);
            }
        } else {
            if full_from > first {
                cells[first * bins + bin] += self.notional * birth.first_mean;
            }
            if full_until <= last {
                cells[last * bins + bin] += mean(last, t.column_start[last], e);
            }
        }
    }
}

/// Difference arrays of one side in double-double (`births + births_low`),
/// reused across sources, and the running column state of the sweep.
#[derive(Default)]
struct Scratch {
    bins: usize,
    births: Vec<f64>,
    births_low: Vec<f64>,
    count: Vec<i32>,
    /// Per column, the bins written since the last sweep (`lo..=hi`, empty
    /// when `lo > hi`): the sweep reads only those, and adds to the heatmap
    /// only bins written in some column (longs never reach bins above their
    /// entries).
    written: Vec<(usize, usize)>,
    /// Per bin while sweeping: block units alive (double-double), their sum
    /// and the count of cohorts alive.
    acc: Vec<(f64, f64)>,
    value: Vec<f64>,
    alive: Vec<i32>,
}

/// `a + b` as a rounded sum and its exact rounding error (Knuth's TwoSum).
#[inline]
pub(super) fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    (sum, (a - (sum - b_virtual)) + (b - b_virtual))
}

const NOTHING_WRITTEN: (usize, usize) = (usize::MAX, 0);

impl Scratch {
    /// Sizes the (zeroed) arrays for a grid; sweeps leave them zeroed.
    fn prepare(&mut self, columns: usize, bins: usize) {
        let cells = columns * bins;
        if self.bins != bins || self.births.len() != cells {
            *self = Scratch {
                bins,
                births: vec![0.0; cells],
                births_low: vec![0.0; cells],
                count: vec![0; cells],
                written: vec![NOTHING_WRITTEN; columns],
                acc: vec![(0.0, 0.0); bins],
                value: vec![0.0; bins],
                alive: vec![0; bins],
            };
        }
    }

    /// Adds `value` to cell (`column`, `bin`), and `cohorts` to its count.
    #[inline]
    fn add(&mut self, column: usize, bin: usize, value: f64, cohorts: i32) {
        let i = column * self.bins + bin;
        let (sum, error) = two_sum(self.births[i], value);
        self.births[i] = sum;
        self.births_low[i] += error;
        self.count[i] += cohorts;
        let written = &mut self.written[column];
        *written = (written.0.min(bin), written.1.max(bin));
    }

    /// Prefix sums over columns into `heatmap`; leaves the arrays zeroed.
    fn sweep_into(&mut self, t: &Timeline, heatmap: &mut Grid) {
        let bins = self.bins;
        let (lowest, highest) = self
            .written
            .iter()
            .fold(NOTHING_WRITTEN, |(lo, hi), w| (lo.min(w.0), hi.max(w.1)));
        if lowest > highest {
            return;
        }
        let touched = lowest..highest + 1;
        let out_rows = heatmap.values.chunks_exact_mut(bins);
        for (c, out) in out_rows.enumerate() {
            let rescale = t.rescale[c];
            if rescale != 1.0 {
                let state = self.acc[touched.clone()].iter_mut();
                for (acc, value) in state.zip(&mut self.value[touched.clone()]) {
                    *acc = (acc.0 * rescale, acc.1 * rescale);
                    *value = acc.0 + acc.1;
                }
            }
            let (lo, hi) = std::mem::replace(&mut self.written[c], NOTHING_WRITTEN);
            if lo <= hi {
                let cells = c * bins + lo..c * bins + hi + 1;
                let births = &mut self.births[cells.clone()];
                let births_low = &mut self.births_low[cells.clone()];
                let count = &mut self.count[cells];
                let events = births.iter().zip(&*births_low).zip(&*count);
                let state = self.acc[lo..=hi]
                    .iter_mut()
                    .zip(&mut self.value[lo..=hi])
                    .zip(&mut self.alive[lo..=hi]);
                for (((birth, birth_low), count), ((acc, value), alive)) in events.zip(state) {
                    if *count == 0 && *birth == 0.0 {
                        continue;
                    }
                    *alive += *count;
                    if *alive == 0 {
                        *acc = (0.0, 0.0);
                    } else if *birth != 0.0 {
                        let (sum, error) = two_sum(acc.0, *birth);
                        let low = error + acc.1 + *birth_low;
                        let hi = sum + low;
                        *acc = (hi, low - (hi - sum));
                    }
                    *value = acc.0 + acc.1;
                }
                births.fill(0.0);
                births_low.fill(0.0);
                count.fill(0);
            }
            // Cells where every cohort has died hold exactly 0.
            let to_mean = t.unit_to_mean[c];
            for (out, value) in out[touched.clone()]
                .iter_mut()
                .zip(&self.value[touched.clone()])
            {
                *out += value * to_mean;
            }
        }
        self.acc.fill((0.0, 0.0));
        self.value.fill(0.0);
        self.alive.fill(0);
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
        let reached = searched.partition_point(|&x| x <= q);
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
