//! The engine's work as messages, so it can run in a Web Worker: what the
//! page asks ([`Request`]) and what the worker answers ([`Reply`]), each
//! encoded into two flat buffers ([`Buffers`]) that the browser moves as
//! transferable `ArrayBuffer`s (no JSON: every `f64` crosses bit for bit,
//! so an estimate computed in the worker equals one computed on the page).
//!
//! The page sends the sources once per load, then one [`Job`] per view it
//! wants: the worker keeps the sources and its [`Workspace`] between jobs.
//! A closed live candle crosses as a [`Push`] (a few numbers, not the
//! sources again), applied on both sides by the same [`Push::apply`], so
//! the worker's sources stay equal to the page's. [`run`] is the one place
//! a view's grid is chosen and estimated, in the worker and on the page.
//!
//! Decoding never panics: a truncated or foreign message decodes to `None`.

use crate::engine::{
    append_candle, cell_breakdown, default_grid, estimate_without_predicted_in, Candle,
    CellBreakdown, Cluster, ContractKind, Estimate, ExchangeWeights, FundingRate, Grid, GridSpec,
    HighLow, LiqMap, LiveCandle, LongShare, Mode, Params, PriceBins, Source, Tier, TimeAxis,
    Workspace,
};

/// What the worker posts once it listens (a text, unlike every reply).
pub const WORKER_READY: &str = "ready";
/// How the worker's start begins what it posts when the engine's files
/// fail to load (src/engine_worker_start.js), followed by which and why:
/// the page shows it.
pub const WORKER_FAILED: &str = "failed: ";

/// Heatmap resolution: at most this many time columns.
pub const MAX_COLUMNS: usize = 1000;

/// One view to estimate over the sources the worker holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Increases with every job the page sends; the reply carries it.
    pub id: u64,
    /// The shown time range `[start, end)`.
    pub time: (i64, i64),
    /// The shown price range, or `None` for the window's default range.
    pub prices: Option<(f64, f64)>,
    pub bins: usize,
    pub params: Params,
}

/// A closed live candle joining source `source` (an index into the
/// sources the worker holds); then the candles opening before
/// `drop_before_ms` leave, as the moving window's warm-up would.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Push {
    pub source: usize,
    pub candle: LiveCandle,
    pub drop_before_ms: Option<i64>,
}

impl Push {
    /// Appends the candle to `source` (the page's and the worker's copy
    /// alike); the close time of the candle when it joined.
    pub fn apply(&self, source: &mut Source) -> Option<i64> {
        append_candle(source, &self.candle).ok()?;
        if let Some(start) = self.drop_before_ms {
            source.drop_before(start);
        }
        Some(self.candle.candle.open_time_ms + source.interval_ms)
    }
}

/// Where the page's sources stand: a load (`epoch`) and how many live
/// candles joined it since. The worker is brought from one revision to a
/// later one of the same epoch by the pushes between them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Revision {
    pub epoch: u64,
    pub pushes: usize,
}

/// The pushes of the current epoch that the worker may still need.
#[derive(Debug, Default)]
pub struct PushLog {
    epoch: u64,
    /// The revision's push count of `kept[0]`.
    first: usize,
    kept: Vec<Push>,
}

impl PushLog {
    /// The sources changed otherwise (a load): a new epoch, no pushes.
    pub fn reset(&mut self) {
        self.epoch += 1;
        self.first = 0;
        self.kept.clear();
    }

    pub fn record(&mut self, push: Push) {
        self.kept.push(push);
    }

    pub fn revision(&self) -> Revision {
        Revision {
            epoch: self.epoch,
            pushes: self.first + self.kept.len(),
        }
    }

    /// The pushes from `from` to `to`; `None` when they are not both of
    /// the current epoch, `from` is later or its pushes were forgotten.
    pub fn between(&self, from: Revision, to: Revision) -> Option<&[Push]> {
        if from.epoch != self.epoch || to.epoch != self.epoch {
            return None;
        }
        let start = from.pushes.checked_sub(self.first)?;
        self.kept.get(start..to.pushes.checked_sub(self.first)?)
    }

    /// Drops the pushes before `revision` (the worker has them).
    pub fn forget_before(&mut self, revision: Revision) {
        if revision.epoch != self.epoch {
            return;
        }
        let done = revision
            .pushes
            .saturating_sub(self.first)
            .min(self.kept.len());
        self.kept.drain(..done);
        self.first += done;
    }
}

/// What the page sends the worker.
#[derive(Clone, Debug, PartialEq)]
pub enum Request {
    /// The sources every following job is estimated over.
    Sources(Vec<Source>),
    /// A closed candle joins them; the next job recomputes in full (why not
    /// incrementally: `engine/append.rs`).
    Push(Push),
    Estimate(Job),
    /// Split a heatmap cell for the tooltip.
    Split(SplitJob),
}

/// A heatmap cell to split by source, tier and side (its
/// [`CellBreakdown`]): the tooltip's, which the page cannot compute (it
/// links no position model). Over the sources the worker holds, on the
/// grid and with the parameters of the view shown.
#[derive(Clone, Debug, PartialEq)]
pub struct SplitJob {
    pub id: u64,
    pub grid: GridSpec,
    /// `(column, bin)`.
    pub cell: (usize, usize),
    pub params: Params,
}

impl SplitJob {
    /// The breakdown of the cell over `sources`.
    pub fn run(&self, sources: &[Source]) -> CellBreakdown {
        let (column, bin) = self.cell;
        cell_breakdown(sources, &self.params, &self.grid, column, bin)
    }
}

/// What the worker answers to a [`SplitJob`].
#[derive(Clone, Debug, PartialEq)]
pub struct SplitReply {
    pub id: u64,
    pub breakdown: CellBreakdown,
}

/// What the worker answers to a [`Job`]: its estimate, or `None` when the
/// sources have no candle in the shown range.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub id: u64,
    pub estimate: Option<Estimate>,
}

/// The view a job describes, estimated over `sources`: the window's
/// default grid over the shown time, with the shown prices if given.
/// Without the predicted liquidations: no view shows them, and they would
/// double what crosses back.
pub fn run(workspace: &mut Workspace, sources: &[Source], job: &Job) -> Option<Estimate> {
    let (start, end) = job.time;
    let mut grid = default_grid(sources, start, end, MAX_COLUMNS, job.bins)?;
    if let Some((low, high)) = job.prices {
        grid.prices = PriceBins {
            low,
            high,
            count: job.bins,
            log: false,
        };
    }
    Some(estimate_without_predicted_in(
        workspace,
        sources,
        &job.params,
        &grid,
    ))
}

/// A message as it crosses to or from the worker: numbers (every count,
/// time and flag too, as `f64`: exact below 2^53) and the bytes of texts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Buffers {
    pub numbers: Vec<f64>,
    pub text: Vec<u8>,
}

/// The first number of a message says what it holds.
const SOURCES: f64 = 1.0;
const ESTIMATE: f64 = 2.0;
const REPLY: f64 = 3.0;
const PUSH: f64 = 4.0;
const SPLIT: f64 = 5.0;
const SPLIT_REPLY: f64 = 6.0;
const DRAWN: f64 = 7.0;

impl Request {
    pub fn encode(&self) -> Buffers {
        let mut out = Buffers::default();
        match self {
            Request::Sources(sources) => return Request::encode_sources(sources),
            Request::Push(push) => {
                out.number(PUSH);
                push.put(&mut out);
            }
            Request::Estimate(job) => {
                out.number(ESTIMATE);
                job.put(&mut out);
            }
            Request::Split(job) => {
                out.number(SPLIT);
                job.put(&mut out);
            }
        }
        out
    }

    /// `Request::Sources(sources).encode()` without owning them.
    pub fn encode_sources(sources: &[Source]) -> Buffers {
        let mut out = Buffers::default();
        out.number(SOURCES);
        out.list(sources, Source::put);
        out
    }

    pub fn decode(buffers: &Buffers) -> Option<Request> {
        let mut r = Reader::new(buffers);
        let kind = r.number()?;
        let request = if kind == SOURCES {
            Request::Sources(r.list(Source::take)?)
        } else if kind == PUSH {
            Request::Push(Push::take(&mut r)?)
        } else if kind == ESTIMATE {
            Request::Estimate(Job::take(&mut r)?)
        } else if kind == SPLIT {
            Request::Split(SplitJob::take(&mut r)?)
        } else {
            return None;
        };
        r.finished().then_some(request)
    }
}

impl Reply {
    pub fn encode(&self) -> Buffers {
        let mut out = Buffers::default();
        out.number(REPLY);
        out.int(self.id as i64);
        out.option(&self.estimate, put_estimate);
        out
    }

    pub fn decode(buffers: &Buffers) -> Option<Reply> {
        let mut r = Reader::new(buffers);
        (r.number()? == REPLY).then_some(())?;
        let reply = Reply {
            id: u64::try_from(r.int()?).ok()?,
            estimate: r.option(take_estimate)?,
        };
        r.finished().then_some(reply)
    }
}

impl SplitReply {
    pub fn encode(&self) -> Buffers {
        let mut out = Buffers::default();
        out.number(SPLIT_REPLY);
        out.int(self.id as i64);
        let CellBreakdown { usd } = &self.breakdown;
        out.list(usd, |tiers, out| {
            out.list(tiers, |[long, short], out| {
                out.number(*long);
                out.number(*short);
            })
        });
        out
    }

    pub fn decode(buffers: &Buffers) -> Option<SplitReply> {
        let mut r = Reader::new(buffers);
        (r.number()? == SPLIT_REPLY).then_some(())?;
        let reply = SplitReply {
            id: u64::try_from(r.int()?).ok()?,
            breakdown: CellBreakdown {
                usd: r.list(|r| r.list(|r| Some([r.number()?, r.number()?])))?,
            },
        };
        r.finished().then_some(reply)
    }
}

/// One exchange's source as a load drew it, kept in the browser database
/// so that the next load of the same view draws at once, while the
/// exchange is asked again (`ui::session`). Read back like any outside
/// data: a record that does not decode whole, or whose source is not
/// shaped as a load leaves one ([`Source::is_consistent`]), is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// The end of the window it was loaded for: drawn only for the same.
    pub window_end_ms: i64,
    pub source: Source,
}

impl Drawn {
    pub fn encode(&self) -> Buffers {
        let mut out = Buffers::default();
        out.number(DRAWN);
        out.int(self.window_end_ms);
        self.source.put(&mut out);
        out
    }

    pub fn decode(buffers: &Buffers) -> Option<Drawn> {
        let mut r = Reader::new(buffers);
        (r.number()? == DRAWN).then_some(())?;
        let drawn = Drawn {
            window_end_ms: r.int()?,
            source: Source::take(&mut r)?,
        };
        (r.finished() && drawn.source.is_consistent()).then_some(drawn)
    }
}

impl Buffers {
    /// How much memory they take (what the browser database counts).
    pub fn bytes(&self) -> u64 {
        (self.numbers.len() * 8 + self.text.len()) as u64
    }
}

// Writing. Structs are taken apart field by field without `..`, so a new
// field fails to compile here until it crosses too.

impl Buffers {
    fn number(&mut self, x: f64) {
        self.numbers.push(x);
    }

    fn int(&mut self, x: i64) {
        self.numbers.push(x as f64);
    }

    fn flag(&mut self, x: bool) {
        self.numbers.push(if x { 1.0 } else { 0.0 });
    }

    fn slice(&mut self, xs: &[f64]) {
        self.int(xs.len() as i64);
        self.numbers.extend_from_slice(xs);
    }

    fn string(&mut self, s: &str) {
        self.int(s.len() as i64);
        self.text.extend_from_slice(s.as_bytes());
    }

    fn option<T>(&mut self, x: &Option<T>, put: impl Fn(&T, &mut Buffers)) {
        self.flag(x.is_some());
        if let Some(x) = x {
            put(x, self);
        }
    }

    fn list<T>(&mut self, xs: &[T], put: impl Fn(&T, &mut Buffers)) {
        self.int(xs.len() as i64);
        for x in xs {
            put(x, self);
        }
    }
}

/// Reads a message back in the order it was written.
struct Reader<'a> {
    numbers: &'a [f64],
    text: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(buffers: &'a Buffers) -> Self {
        Reader {
            numbers: &buffers.numbers,
            text: &buffers.text,
        }
    }

    fn finished(&self) -> bool {
        self.numbers.is_empty() && self.text.is_empty()
    }

    fn number(&mut self) -> Option<f64> {
        let (first, rest) = self.numbers.split_first()?;
        self.numbers = rest;
        Some(*first)
    }

    /// A whole number within ±2^53 (what [`Buffers::int`] wrote).
    fn int(&mut self) -> Option<i64> {
        let x = self.number()?;
        (x.fract() == 0.0 && x.abs() <= 9_007_199_254_740_992.0).then_some(x as i64)
    }

    fn count(&mut self) -> Option<usize> {
        usize::try_from(self.int()?).ok()
    }

    fn flag(&mut self) -> Option<bool> {
        let x = self.number()?;
        (x == 0.0 || x == 1.0).then_some(x == 1.0)
    }

    fn slice(&mut self) -> Option<Vec<f64>> {
        let n = self.count()?;
        let values = self.numbers.get(..n)?.to_vec();
        self.numbers = self.numbers.get(n..)?;
        Some(values)
    }

    fn string(&mut self) -> Option<String> {
        let n = self.count()?;
        let bytes = self.text.get(..n)?;
        self.text = self.text.get(n..)?;
        String::from_utf8(bytes.to_vec()).ok()
    }

    fn option<T>(&mut self, take: impl Fn(&mut Self) -> Option<T>) -> Option<Option<T>> {
        Some(if self.flag()? {
            Some(take(self)?)
        } else {
            None
        })
    }

    fn list<T>(&mut self, take: impl Fn(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.count()?;
        // Every element takes at least one number: a wrong count cannot
        // make us reserve more than the message holds.
        let mut out = Vec::with_capacity(n.min(self.numbers.len()));
        for _ in 0..n {
            out.push(take(self)?);
        }
        Some(out)
    }
}

impl Job {
    fn put(&self, out: &mut Buffers) {
        let Job {
            id,
            time,
            prices,
            bins,
            params,
        } = self;
        out.int(*id as i64);
        out.int(time.0);
        out.int(time.1);
        out.option(prices, |(low, high), out| {
            out.number(*low);
            out.number(*high);
        });
        out.int(*bins as i64);
        put_params(params, out);
    }

    fn take(r: &mut Reader) -> Option<Job> {
        Some(Job {
            id: u64::try_from(r.int()?).ok()?,
            time: (r.int()?, r.int()?),
            prices: r.option(|r| Some((r.number()?, r.number()?)))?,
            bins: r.count()?,
            params: take_params(r)?,
        })
    }
}

impl SplitJob {
    fn put(&self, out: &mut Buffers) {
        let SplitJob {
            id,
            grid,
            cell,
            params,
        } = self;
        out.int(*id as i64);
        put_grid_spec(grid, out);
        out.int(cell.0 as i64);
        out.int(cell.1 as i64);
        put_params(params, out);
    }

    fn take(r: &mut Reader) -> Option<SplitJob> {
        Some(SplitJob {
            id: u64::try_from(r.int()?).ok()?,
            grid: take_grid_spec(r)?,
            cell: (r.count()?, r.count()?),
            params: take_params(r)?,
        })
    }
}

impl Push {
    fn put(&self, out: &mut Buffers) {
        let Push {
            source,
            candle,
            drop_before_ms,
        } = self;
        let LiveCandle {
            candle,
            mark,
            open_interest,
        } = candle;
        out.int(*source as i64);
        put_candle(candle, out);
        out.option(mark, |HighLow { high, low }, out| {
            out.number(*high);
            out.number(*low);
        });
        out.option(open_interest, |x, out| out.number(*x));
        out.option(drop_before_ms, |x, out| out.int(*x));
    }

    fn take(r: &mut Reader) -> Option<Push> {
        Some(Push {
            source: r.count()?,
            candle: LiveCandle {
                candle: take_candle(r)?,
                mark: r.option(|r| {
                    Some(HighLow {
                        high: r.number()?,
                        low: r.number()?,
                    })
                })?,
                open_interest: r.option(Reader::number)?,
            },
            drop_before_ms: r.option(Reader::int)?,
        })
    }
}

fn put_params(params: &Params, out: &mut Buffers) {
    let Params {
        tiers,
        long_share,
        mode,
        memory_ms,
        funding_drift,
        exchange_weights,
        weights_measured,
    } = params;
    out.list(tiers, |Tier { leverage, weight }, out| {
        out.number(*leverage);
        out.number(*weight);
    });
    let fixed = match long_share {
        LongShare::Auto => None,
        LongShare::Fixed(share) => Some(*share),
    };
    out.option(&fixed, |share, out| out.number(*share));
    out.flag(*mode == Mode::Volume);
    out.int(*memory_ms);
    out.flag(*funding_drift);
    out.option(exchange_weights, |own, out| {
        out.string(&own.exchange);
        out.list(&own.weights, |w, out| out.number(*w));
    });
    out.flag(*weights_measured);
}

fn take_params(r: &mut Reader) -> Option<Params> {
    Some(Params {
        tiers: r.list(|r| {
            Some(Tier {
                leverage: r.number()?,
                weight: r.number()?,
            })
        })?,
        long_share: r
            .option(Reader::number)?
            .map_or(LongShare::Auto, LongShare::Fixed),
        mode: if r.flag()? {
            Mode::Volume
        } else {
            Mode::OpenInterest
        },
        memory_ms: r.int()?,
        funding_drift: r.flag()?,
        exchange_weights: r.option(|r| {
            Some(ExchangeWeights {
                exchange: r.string()?,
                weights: r.list(Reader::number)?,
            })
        })?,
        weights_measured: r.flag()?,
    })
}

impl Source {
    fn put(&self, out: &mut Buffers) {
        let Source {
            exchange,
            kind,
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
        out.string(exchange);
        out.flag(*kind == ContractKind::Inverse);
        out.int(*interval_ms);
        out.list(candles, put_candle);
        out.option(mark, |marks, out| {
            out.list(marks, |HighLow { high, low }, out| {
                out.number(*high);
                out.number(*low);
            })
        });
        out.option(open_interest, |oi, out| out.slice(oi));
        out.option(current_open_interest, |oi, out| out.number(*oi));
        out.number(*maintenance_margin_rate);
        out.list(funding, |FundingRate { time_ms, rate }, out| {
            out.int(*time_ms);
            out.number(*rate);
        });
        out.option(max_leverage, |x, out| out.number(*x));
        out.list(missing, |m, out| out.flag(*m));
    }

    fn take(r: &mut Reader) -> Option<Source> {
        Some(Source {
            exchange: r.string()?,
            kind: if r.flag()? {
                ContractKind::Inverse
            } else {
                ContractKind::Linear
            },
            interval_ms: r.int()?,
            candles: r.list(take_candle)?,
            mark: r.option(|r| {
                r.list(|r| {
                    Some(HighLow {
                        high: r.number()?,
                        low: r.number()?,
                    })
                })
            })?,
            open_interest: r.option(Reader::slice)?,
            current_open_interest: r.option(Reader::number)?,
            maintenance_margin_rate: r.number()?,
            funding: r.list(|r| {
                Some(FundingRate {
                    time_ms: r.int()?,
                    rate: r.number()?,
                })
            })?,
            max_leverage: r.option(Reader::number)?,
            missing: r.list(Reader::flag)?,
        })
    }
}

fn put_candle(candle: &Candle, out: &mut Buffers) {
    let Candle {
        open_time_ms,
        open,
        high,
        low,
        close,
        base_volume,
        quote_volume,
        taker_buy_base,
    } = candle;
    out.int(*open_time_ms);
    for x in [open, high, low, close, base_volume, quote_volume] {
        out.number(*x);
    }
    out.option(taker_buy_base, |x, out| out.number(*x));
}

fn take_candle(r: &mut Reader) -> Option<Candle> {
    Some(Candle {
        open_time_ms: r.int()?,
        open: r.number()?,
        high: r.number()?,
        low: r.number()?,
        close: r.number()?,
        base_volume: r.number()?,
        quote_volume: r.number()?,
        taker_buy_base: r.option(Reader::number)?,
    })
}

fn put_estimate(estimate: &Estimate, out: &mut Buffers) {
    let Estimate {
        grid,
        sources,
        heatmap,
        predicted,
        map,
        current_price,
        clusters,
    } = estimate;
    put_grid_spec(grid, out);
    out.list(sources, |name, out| out.string(name));
    for g in heatmap.iter().chain(predicted) {
        put_grid(g, out);
    }
    out.int(map.bins as i64);
    out.int(map.sources as i64);
    out.int(map.tiers as i64);
    out.slice(map.values());
    out.option(current_price, |x, out| out.number(*x));
    out.list(clusters, |cluster, out| {
        let Cluster {
            price,
            notional,
            long_share,
            distance_pct,
        } = cluster;
        for x in [price, notional, long_share, distance_pct] {
            out.number(*x);
        }
    });
}

fn take_estimate(r: &mut Reader) -> Option<Estimate> {
    Some(Estimate {
        grid: take_grid_spec(r)?,
        sources: r.list(Reader::string)?,
        heatmap: [take_grid(r)?, take_grid(r)?],
        predicted: [take_grid(r)?, take_grid(r)?],
        map: LiqMap::from_values(r.count()?, r.count()?, r.count()?, r.slice()?)?,
        current_price: r.option(Reader::number)?,
        clusters: r.list(|r| {
            Some(Cluster {
                price: r.number()?,
                notional: r.number()?,
                long_share: r.number()?,
                distance_pct: r.number()?,
            })
        })?,
    })
}

fn put_grid_spec(grid: &GridSpec, out: &mut Buffers) {
    let GridSpec { time, prices } = grid;
    out.int(time.start_ms);
    out.int(time.column_ms);
    out.int(time.columns as i64);
    out.number(prices.low);
    out.number(prices.high);
    out.int(prices.count as i64);
    out.flag(prices.log);
}

fn take_grid_spec(r: &mut Reader) -> Option<GridSpec> {
    let time = TimeAxis {
        start_ms: r.int()?,
        column_ms: r.int()?,
        columns: r.count()?,
    };
    let prices = PriceBins {
        low: r.number()?,
        high: r.number()?,
        count: r.count()?,
        log: r.flag()?,
    };
    Some(GridSpec { time, prices })
}

fn put_grid(grid: &Grid, out: &mut Buffers) {
    out.int(grid.bins as i64);
    out.int(grid.columns as i64);
    out.slice(&grid.values);
}

/// A grid of its shape, or one left without values (the predicted
/// liquidations [`run`] does not compute).
fn take_grid(r: &mut Reader) -> Option<Grid> {
    let (bins, columns, values) = (r.count()?, r.count()?, r.slice()?);
    let cells = bins.checked_mul(columns)?;
    (values.is_empty() || values.len() == cells).then_some(Grid {
        bins,
        columns,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::workload::{workload, Scale};

    fn job(id: u64, sources: &[Source]) -> Job {
        let first = sources[0].candles[0].open_time_ms;
        let last = sources[0].candles.last().unwrap().open_time_ms;
        Job {
            id,
            time: (first + (last - first) / 2, last + 1),
            prices: None,
            bins: 120,
            params: Params::default(),
        }
    }

    /// Sources with every optional part present and absent, and awkward
    /// numbers (negative zero, subnormal, NaN, infinities, 2^53).
    fn awkward_sources() -> Vec<Source> {
        let (mut sources, _) = workload(Scale::M);
        let first = &mut sources[0];
        first.exchange = "Bybit ünïcode".into();
        first.kind = ContractKind::Inverse;
        first.candles[0].open = -0.0;
        first.candles[1].taker_buy_base = None;
        first.candles[2].taker_buy_base = Some(f64::MIN_POSITIVE / 4.0);
        first.candles[3].base_volume = f64::NAN;
        first.candles[4].quote_volume = f64::INFINITY;
        first.candles[5].open_time_ms = 9_007_199_254_740_992;
        first.mark = Some(vec![
            HighLow {
                high: 2.5,
                low: 1.5
            };
            3
        ]);
        first.open_interest = None;
        first.current_open_interest = Some(123.25);
        first.funding = vec![FundingRate {
            time_ms: -5,
            rate: -1e-4,
        }];
        first.max_leverage = Some(50.0);
        first.missing = vec![false, true, false];
        sources
    }

    /// Bit for bit: NaN == NaN here, and -0.0 != 0.0.
    fn same_bits(a: &Buffers, b: &Buffers) -> bool {
        let bits = |b: &Buffers| b.numbers.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        bits(a) == bits(b) && a.text == b.text
    }

    #[test]
    fn sources_cross_bit_for_bit() {
        let request = Request::Sources(awkward_sources());
        let encoded = request.encode();
        let decoded = Request::decode(&encoded).expect("decodes");
        // Encoding again gives the same bits: nothing was lost or rounded.
        assert!(same_bits(&decoded.encode(), &encoded));
        let Request::Sources(back) = decoded else {
            panic!("a sources request")
        };
        assert_eq!(back[0].exchange, "Bybit ünïcode");
        assert_eq!(back[0].candles[5].open_time_ms, 9_007_199_254_740_992);
        assert!(back[0].candles[3].base_volume.is_nan());
        assert_eq!(back[1..], awkward_sources()[1..]);
    }

    #[test]
    fn a_push_crosses_and_leaves_both_sides_equal() {
        let (mut page, _) = workload(Scale::M);
        let mut worker = page.clone();
        let last = *page[1].candles.last().unwrap();
        let candle = Candle {
            open_time_ms: last.open_time_ms + page[1].interval_ms,
            ..last
        };
        for live in [
            LiveCandle {
                candle,
                mark: Some(HighLow {
                    high: candle.high,
                    low: candle.low,
                }),
                open_interest: Some(12.5),
            },
            LiveCandle {
                candle: Candle {
                    open_time_ms: candle.open_time_ms + page[1].interval_ms,
                    taker_buy_base: None,
                    ..candle
                },
                mark: None,
                open_interest: None,
            },
        ] {
            let push = Push {
                source: 1,
                candle: live,
                drop_before_ms: Some(page[1].candles[3].open_time_ms),
            };
            let Some(Request::Push(crossed)) = Request::decode(&Request::Push(push).encode())
            else {
                panic!("a push decodes")
            };
            assert_eq!(crossed, push);
            assert!(push.apply(&mut page[1]).is_some());
            assert!(crossed.apply(&mut worker[1]).is_some());
        }
        assert_eq!(page, worker);
        assert_eq!(
            page[1].candles[0].open_time_ms,
            worker[1].candles[0].open_time_ms
        );
        // A candle not after the last one does not join.
        let push = Push {
            source: 1,
            candle: last.into(),
            drop_before_ms: None,
        };
        assert_eq!(push.apply(&mut page[1]), None);
    }

    #[test]
    fn the_push_log_hands_out_what_the_worker_lacks() {
        let (sources, _) = workload(Scale::M);
        let push = |i: i64| Push {
            source: 0,
            candle: Candle {
                open_time_ms: i,
                ..sources[0].candles[0]
            }
            .into(),
            drop_before_ms: None,
        };
        let mut log = PushLog::default();
        log.reset();
        let start = log.revision();
        (0..3).for_each(|i| log.record(push(i)));
        let now = log.revision();
        assert_eq!(log.between(start, now).map(<[Push]>::len), Some(3));
        log.forget_before(Revision { pushes: 2, ..now });
        assert_eq!(log.between(start, now), None, "forgotten");
        let two = Revision { pushes: 2, ..now };
        assert_eq!(log.between(two, now), Some(&[push(2)][..]));
        assert_eq!(log.between(now, two), None, "backwards");
        log.reset();
        assert_eq!(log.between(two, now), None, "another epoch");
        assert_eq!(log.between(log.revision(), log.revision()), Some(&[][..]));
    }

    #[test]
    fn jobs_cross_with_every_parameter() {
        let (sources, _) = workload(Scale::M);
        let mut params = Params {
            long_share: LongShare::Fixed(0.7),
            mode: Mode::Volume,
            memory_ms: 3_600_000,
            funding_drift: true,
            exchange_weights: Some(ExchangeWeights {
                exchange: "Hyperliquid".into(),
                weights: vec![0.5, 0.0, 0.25],
            }),
            weights_measured: true,
            ..Params::default()
        };
        params.tiers[1].weight = 0.0;
        for job in [
            Job {
                params,
                prices: Some((100.5, 200.25)),
                ..job(7, &sources)
            },
            job(u64::from(u32::MAX) * 1000, &sources),
        ] {
            let request = Request::Estimate(job);
            assert_eq!(Request::decode(&request.encode()), Some(request));
        }
    }

    #[test]
    fn an_estimate_crosses_unchanged() {
        let (sources, _) = workload(Scale::M);
        let mut workspace = Workspace::default();
        for job in [
            job(1, &sources),
            Job {
                prices: Some((1.0, 2.0)),
                ..job(2, &sources)
            },
        ] {
            let estimate = run(&mut workspace, &sources, &job);
            assert!(estimate.is_some());
            let reply = Reply {
                id: job.id,
                estimate,
            };
            assert_eq!(Reply::decode(&reply.encode()), Some(reply));
        }
        let none = Reply {
            id: 3,
            estimate: None,
        };
        assert_eq!(Reply::decode(&none.encode()), Some(none));
    }

    #[test]
    fn a_cell_split_crosses_both_ways() {
        let (sources, _) = workload(Scale::M);
        let estimate = run(&mut Workspace::default(), &sources, &job(1, &sources));
        let grid = estimate.expect("an estimate").grid;
        let split = SplitJob {
            id: 9,
            grid,
            cell: (grid.time.columns - 1, grid.prices.count / 2),
            params: Params::default(),
        };
        let request = Request::Split(split.clone());
        assert_eq!(Request::decode(&request.encode()), Some(request));
        let reply = SplitReply {
            id: split.id,
            breakdown: split.run(&sources),
        };
        assert_eq!(reply.breakdown.usd.len(), sources.len());
        assert_eq!(SplitReply::decode(&reply.encode()), Some(reply.clone()));
        // Not a reply to a job, nor the other way round.
        assert_eq!(Reply::decode(&reply.encode()), None);
        let estimate = Reply {
            id: 1,
            estimate: None,
        }
        .encode();
        assert_eq!(SplitReply::decode(&estimate), None);
    }

    #[test]
    fn the_worker_computes_what_the_page_would() {
        // Sources and job through the wire, estimate back through it:
        // the same estimate as computed in place.
        let (sources, _) = workload(Scale::M);
        let job = job(5, &sources);
        let here = run(&mut Workspace::default(), &sources, &job);
        let Some(Request::Sources(there_sources)) =
            Request::decode(&Request::Sources(sources).encode())
        else {
            panic!("sources decode")
        };
        let there = Reply {
            id: job.id,
            estimate: run(&mut Workspace::default(), &there_sources, &job),
        };
        let back = Reply::decode(&there.encode()).expect("reply decodes");
        assert_eq!(back.estimate, here);
    }

    #[test]
    fn a_drawn_source_comes_back_only_whole_and_consistent() {
        let (sources, _) = workload(Scale::M);
        let drawn = Drawn {
            window_end_ms: 1_700_000_000_000,
            source: sources[0].clone(),
        };
        assert!(drawn.source.is_consistent());
        let good = drawn.encode();
        assert_eq!(Drawn::decode(&good), Some(drawn.clone()));
        // Cut short, another message, or read as one.
        let mut cut = good.clone();
        cut.numbers.pop();
        assert_eq!(Drawn::decode(&cut), None);
        let sources_message = Request::Sources(vec![drawn.source.clone()]).encode();
        assert_eq!(Drawn::decode(&sources_message), None);
        assert_eq!(Request::decode(&good), None);
        // Decodes, but is not what a load leaves.
        let damaged = |change: &dyn Fn(&mut Source)| {
            let mut source = drawn.source.clone();
            change(&mut source);
            let record = Drawn {
                source,
                ..drawn.clone()
            }
            .encode();
            Drawn::decode(&record)
        };
        assert_eq!(damaged(&|s| s.candles[3].close = f64::NAN), None);
        assert_eq!(damaged(&|s| s.candles[3].low = -1.0), None);
        assert_eq!(damaged(&|s| s.candles[3].open_time_ms += 1), None);
        assert_eq!(
            damaged(&|s| {
                s.candles.pop();
            }),
            None
        );
        assert_eq!(damaged(&|s| s.interval_ms = 0), None);
        assert_eq!(damaged(&|s| s.maintenance_margin_rate = 0.0), None);
        assert_eq!(damaged(&|s| s.missing = vec![true]), None);
        assert_eq!(damaged(&|s| s.max_leverage = Some(f64::INFINITY)), None);
    }

    #[test]
    fn damaged_messages_decode_to_none() {
        let (sources, _) = workload(Scale::M);
        let reply = Reply {
            id: 1,
            estimate: run(&mut Workspace::default(), &sources, &job(1, &sources)),
        };
        let good = reply.encode();
        // Cut anywhere, a number changed, or something left over.
        for cut in [0, 1, 2, 10, good.numbers.len() / 2, good.numbers.len() - 1] {
            let mut bad = good.clone();
            bad.numbers.truncate(cut);
            assert_eq!(Reply::decode(&bad), None, "cut at {cut}");
        }
        let mut bad = good.clone();
        bad.text.push(b'x');
        assert_eq!(Reply::decode(&bad), None);
        for kind in [0.0, 1.5, f64::NAN, 1e300] {
            let mut bad = good.clone();
            bad.numbers[0] = kind;
            assert_eq!(Reply::decode(&bad), None);
            assert_eq!(Request::decode(&bad), None);
        }
        // A huge count does not reserve memory it cannot fill.
        let mut bad = Request::Sources(sources).encode();
        bad.numbers[1] = 1e15;
        assert_eq!(Request::decode(&bad), None);
        // A negative count (of the heatmap's columns).
        let mut bad = good.clone();
        bad.numbers[5] = -1.0;
        assert_eq!(Reply::decode(&bad), None);
    }
}
