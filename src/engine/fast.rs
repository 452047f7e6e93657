//! The fast implementation (spec section 7), exact to rounding.
//!
//! Per source and side:
//! 1. each cohort's death by a galloping first-passage query on a sparse
//!    table of lows (longs) or highs (shorts): O(log life);
//! 2. columns where the cohort is alive from start to end go into a
//!    difference array over columns, in *block units*: `n / F_k` where
//!    `F_j = R(anchor, j)` for the block of candles `j` belongs to, so the
//!    birth and the death of a cohort add and remove the very same float;
//! 3. the one or two columns where it is alive for only part of the time get
//!    their exact mean directly, from in-column prefix sums;
//! 4. one sweep over columns: `acc += births − deaths` in double-double
//!    (so a small cohort left after a large one died keeps its digits), the
//!    column mean is `acc · F_{a_c} · γ_c` with `a_c` the column's first
//!    candle and `γ_c` the mean closing within the column. An integer count
//!    of cohorts per cell makes cells where every cohort has died exactly 0.
//!
//! `R(k, j) = r_{k+1} ⋯ r_j` is kept as differences of per-segment log sums, so
//! long products of closing ratios cannot underflow; an open interest that
//! falls to zero starts a new segment (every older cohort is closed there).

use super::cohort::{Cohort, SourceModel};
use super::finish;
use super::grid::{Grid, GridSpec, TimeAxis};
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
        let passages = [
            FirstPassage::new(&model.lows, Side::Long),
            FirstPassage::new(&model.highs, Side::Short),
        ];
        model.for_each_cohort(|cohort| {
            let side = cohort.side.index();
            let Some(q) = cohort.liquidation_price else {
                return;
            };
            let Some(bin) = spec.prices.bin_of(q) else {
                return;
            };
            let death = passages[side].first_hit(cohort.candle + 1, q);
            let life = Life::new(&model, &timeline, &cohort, death);
            if let Some((column, usd)) = life.liquidation(&timeline) {
                predicted[side].values[column * bins + bin] += usd;
            }
            if life.end == model.len {
                let usd = cohort.notional * timeline.ratio(cohort.candle, model.len - 1);
                map.add(source_index, cohort.tier, cohort.side, bin, usd);
            }
            life.add_to_heatmap(&timeline, bin, &mut scratch[side], &mut heatmap[side]);
        });
        for side in Side::BOTH {
            scratch[side.index()].sweep_into(&timeline, &mut heatmap[side.index()]);
        }
    }
    finish(sources, spec, heatmap, predicted, map)
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

/// One cohort's life: alive at candles `[start, end)`.
struct Life {
    start: usize,
    end: usize,
    notional: f64,
    /// Candle where it was liquidated, if it was.
    liquidated_at: Option<usize>,
}

impl Life {
    fn new(model: &SourceModel, timeline: &Timeline, cohort: &Cohort, death: usize) -> Self {
        let start = cohort.candle;
        let closed = timeline.next_reset[start].min(start.saturating_add(model.max_life));
        let end = death.min(closed).min(model.len);
        Life {
            start,
            end,
            notional: cohort.notional,
            liquidated_at: (death < closed && death < model.len).then_some(death),
        }
    }

    /// Column and USD of the liquidation, if it happened inside the window.
    fn liquidation(&self, timeline: &Timeline) -> Option<(usize, f64)> {
        let d = self.liquidated_at?;
        let column = *timeline.column_of.get(d).filter(|c| **c != NO_COLUMN)?;
        Some((column, self.notional * timeline.ratio(self.start, d)))
    }

    fn add_to_heatmap(&self, t: &Timeline, bin: usize, scratch: &mut Scratch, heatmap: &mut Grid) {
        let (k, e) = (self.start, self.end);
        let first_window_candle = t.column_start[0];
        if e <= first_window_candle {
            return; // died during the warm-up
        }
        let first = t.column_of[k.max(first_window_candle)];
        let last = t.column_of[e - 1];
        let full_from = if k <= t.column_start[first] {
            first
        } else {
            first + 1
        };
        let full_until = if e >= t.column_start[last + 1] {
            last + 1
        } else {
            last
        };
        let bins = heatmap.bins;

        if full_from < full_until {
            let i = full_from * bins + bin;
            scratch.add(
                i,
                bin,
                t.in_units(self.notional, k, t.column_start[full_from]),
                1,
            );
            let after = t.column_start.get(full_until).copied().unwrap_or(t.len);
            if full_until < t.column_start.len() - 1 && after < t.len {
                let i = full_until * bins + bin;
                scratch.add(i, bin, -t.in_units(self.notional, k, after), -1);
            }
        }
        let mut partial = |c: usize, x: usize, y: usize| {
            let mean = self.notional * t.partial_sum(k, x, y, c) / t.candles_in(c);
            heatmap.values[c * bins + bin] += mean;
        };
        if first == last {
            if full_from > first || full_until <= last {
                partial(first, k.max(first_window_candle), e);
            }
        } else {
            if full_from > first {
                partial(first, k, t.column_start[first + 1]);
            }
            if full_until <= last {
                partial(last, t.column_start[last], e);
            }
        }
    }
}

/// Difference arrays of one side in double-double (`births + births_low`),
/// reused across sources.
#[derive(Default)]
struct Scratch {
    bins: usize,
    births: Vec<f64>,
    births_low: Vec<f64>,
    count: Vec<i32>,
    /// Bins written since the last sweep, `lowest..=highest`: the sweep
    /// skips the rest (longs never reach bins above their entries).
    lowest: usize,
    highest: usize,
}

/// `a + b` as a rounded sum and its exact rounding error (Knuth's TwoSum).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let sum = a + b;
    let b_virtual = sum - a;
    (sum, (a - (sum - b_virtual)) + (b - b_virtual))
}

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
                ..Scratch::default()
            };
        }
        self.lowest = usize::MAX;
        self.highest = 0;
    }

    /// Adds `value` to cell `i` (bin `bin`), and one cohort to its count.
    #[inline]
    fn add(&mut self, i: usize, bin: usize, value: f64, cohorts: i32) {
        let (sum, error) = two_sum(self.births[i], value);
        self.births[i] = sum;
        self.births_low[i] += error;
        self.count[i] += cohorts;
        self.lowest = self.lowest.min(bin);
        self.highest = self.highest.max(bin);
    }

    /// Prefix sums over columns into `heatmap`; leaves the arrays zeroed.
    fn sweep_into(&mut self, t: &Timeline, heatmap: &mut Grid) {
        if self.lowest > self.highest {
            return;
        }
        let touched = self.lowest..self.highest + 1;
        let mut acc = vec![(0.0, 0.0); touched.len()];
        let mut alive = vec![0_i32; touched.len()];
        let rows = self
            .births
            .chunks_exact_mut(self.bins)
            .zip(self.births_low.chunks_exact_mut(self.bins))
            .zip(self.count.chunks_exact_mut(self.bins))
            .zip(heatmap.values.chunks_exact_mut(self.bins));
        for (c, (((births, births_low), count), out)) in rows.enumerate() {
            let (rescale, to_mean) = (t.rescale[c], t.unit_to_mean[c]);
            if rescale != 1.0 {
                acc.iter_mut()
                    .for_each(|(hi, lo)| (*hi, *lo) = (*hi * rescale, *lo * rescale));
            }
            let r = touched.clone();
            let cells = acc
                .iter_mut()
                .zip(alive.iter_mut())
                .zip(
                    births[r.clone()]
                        .iter_mut()
                        .zip(births_low[r.clone()].iter_mut()),
                )
                .zip(count[r.clone()].iter_mut().zip(out[r].iter_mut()));
            for (((acc, alive), (birth, birth_low)), (count, out)) in cells {
                *alive += *count;
                if *alive == 0 {
                    *acc = (0.0, 0.0);
                } else if *birth != 0.0 {
                    let (sum, error) = two_sum(acc.0, *birth);
                    let low = error + acc.1 + *birth_low;
                    let hi = sum + low;
                    *acc = (hi, low - (hi - sum));
                }
                *out += (acc.0 + acc.1) * to_mean;
                *birth = 0.0;
                *birth_low = 0.0;
                *count = 0;
            }
        }
        self.lowest = usize::MAX;
        self.highest = 0;
    }
}

/// "First candle from `from` on where the price reaches `q`", by galloping
/// over a sparse table of minima. Shorts search the negated highs, so both
/// sides ask "first `x ≤ q`".
struct FirstPassage {
    len: usize,
    side: Side,
    /// Entries per level: `len + 1`.
    stride: usize,
    /// Level `l`, entry `i`: minimum of `x[i .. i + 2^l]`, or −∞ where that
    /// block runs past the end (a block "hits" there, so searches stop at
    /// `len` without a range check).
    table: Vec<f64>,
    levels: usize,
}

impl FirstPassage {
    fn new(values: &[f64], side: Side) -> Self {
        let len = values.len();
        let stride = len + 1;
        let levels = (usize::BITS - len.leading_zeros()).max(1) as usize;
        let mut table = vec![f64::NEG_INFINITY; levels * stride];
        for (cell, &v) in table.iter_mut().zip(values) {
            // A missing (NaN) price never triggers a liquidation.
            *cell = match side {
                _ if v.is_nan() => f64::INFINITY,
                Side::Long => v,
                Side::Short => -v,
            };
        }
        for level in 1..levels {
            let width = 1 << (level - 1);
            let (done, next) = table.split_at_mut(level * stride);
            let previous = &done[(level - 1) * stride..];
            for i in 0..(len + 1).saturating_sub(2 * width) {
                next[i] = previous[i].min(previous[i + width]);
            }
        }
        FirstPassage {
            len,
            side,
            stride,
            table,
            levels,
        }
    }

    #[inline]
    fn first_hit(&self, from: usize, q: f64) -> usize {
        if from >= self.len {
            return self.len;
        }
        let q = match self.side {
            Side::Long => q,
            Side::Short => -q,
        };
        let at = |level: usize, i: usize| self.table[level * self.stride + i];
        let top = self.levels - 1;
        let mut i = from;
        let mut level = 0;
        // Gallop up while whole blocks miss: short lives cost few steps.
        while at(level, i) > q {
            i += 1 << level;
            level = (level + 1).min(top);
        }
        // Then down: the hit (or the end) is within 2^(level+1) of i.
        for l in (0..=level).rev() {
            if at(l, i) > q {
                i += 1 << l;
            }
        }
        i.min(self.len)
    }
}
