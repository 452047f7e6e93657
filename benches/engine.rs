//! Engine benchmarks (criterion). `make bench` turns criterion's medians into
//! `BENCH engine_<load> native_ms=…` and `view_native_ms=…` (loads M, L, XL
//! and percandle), `RATIO engine_M fast_vs_direct=…`,
//! `BENCH live_candle_L native_ms=…` and `BENCH cascade ms=…`.
//!
//! What the page runs: `src/ui/view_data.rs` calls [`estimate_in`] (all four
//! grids, the predicted liquidations included, though no view shows them)
//! and drops each estimate it replaces. `native_ms` measures that call,
//! each estimate into fresh memory; natively, on fine grids, most of that
//! time is the system mapping the grids' pages on first touch (in wasm the
//! allocator hands freed grids back instead). `view_native_ms` measures what
//! the page runs once it asks for no predicted liquidations and hands back
//! the estimate it replaces ([`estimate_without_predicted_in`],
//! [`Workspace::recycle`]).

use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use criterion::{criterion_group, criterion_main, Criterion};
use liqmap::analysis::{cascade, runaway_shock, BookLevel, Direction, LiqLevels, OrderBook};
use liqmap::engine::{
    append_candle, default_grid, estimate, estimate_in, estimate_without_predicted_in,
    reference::estimate_direct, Candle, GridSpec, LiveCandle, Params, Source, Workspace,
};
use liqmap::sim::rng::Rng;
use liqmap::sim::workload::{per_candle_workload, workload, Scale, COLUMNS};
use std::hint::black_box;
use std::time::Duration;

fn engine(c: &mut Criterion) {
    let params = Params::default();
    for scale in [Scale::M, Scale::L, Scale::XL] {
        let (sources, spec) = workload(scale);
        let mut group = c.benchmark_group(scale.name());
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(if scale == Scale::XL { 8 } else { 4 }));
        fast_and_view(&mut group, &sources, &spec);
        if scale == Scale::M {
            // The direct walk takes seconds: few samples are enough for a ratio.
            group
                .sample_size(10)
                .measurement_time(Duration::from_secs(1));
            group.bench_function("direct", |b| {
                b.iter(|| black_box(estimate_direct(&sources, &params, &spec)))
            });
        }
        group.finish();
    }
}

/// One source, a column per candle over 60 days, $100 bins: the shape of
/// the open-source heatmap projects, where writing the grids dominates.
fn per_candle(c: &mut Criterion) {
    let (sources, spec) = per_candle_workload();
    let mut group = c.benchmark_group("engine_percandle");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    fast_and_view(&mut group, &sources, &spec);
    group.finish();
}

/// `fast`: what the page runs today, [`estimate_in`] with one workspace
/// reused across recomputations and each estimate dropped (fresh grids
/// every time). `view`: what the heatmap and map views can run, as they
/// never show predicted liquidations: [`estimate_without_predicted_in`],
/// handing back the estimate it replaces.
fn fast_and_view(group: &mut BenchmarkGroup<WallTime>, sources: &[Source], spec: &GridSpec) {
    let params = Params::default();
    let mut workspace = Workspace::default();
    group.bench_function("fast", |b| {
        b.iter(|| black_box(estimate_in(&mut workspace, sources, &params, spec)))
    });
    let mut workspace = Workspace::default();
    group.bench_function("view", |b| {
        b.iter(|| {
            let estimate = estimate_without_predicted_in(&mut workspace, sources, &params, spec);
            workspace.recycle(black_box(estimate));
        })
    });
}

/// What live mode does per closed candle on the engine_L workload: append
/// it to its source, slide the window by one candle, choose the grid again
/// and recompute (in the page's engine worker). The sources take turns,
/// each candle a small random step from the source's last close with open
/// interest up or down a little.
fn live_candle(c: &mut Criterion) {
    let (mut sources, spec) = workload(Scale::L);
    let window_ms = spec.time.end_ms() - spec.time.start_ms;
    let bins = spec.prices.count;
    let mut workspace = Workspace::default();
    let mut rng = Rng::new(7);
    let mut turn = 0;
    let mut group = c.benchmark_group("live_candle_L");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("append_and_recompute", |b| {
        b.iter(|| {
            let index = turn % sources.len();
            turn += 1;
            let candle = next_candle(&sources[index], &mut rng);
            let source = &mut sources[index];
            append_candle(source, &candle).expect("a valid next candle");
            let end = candle.candle.open_time_ms + source.interval_ms;
            source.drop_before(end - 2 * window_ms);
            let spec = default_grid(&sources, end - window_ms, end, COLUMNS, bins)
                .expect("workload sources have candles");
            black_box(estimate_in(
                &mut workspace,
                &sources,
                &Params::default(),
                &spec,
            ))
        })
    });
    group.finish();
}

/// A small random step from the source's last candle.
fn next_candle(source: &Source, rng: &mut Rng) -> LiveCandle {
    let last = *source
        .candles
        .last()
        .expect("workload sources have candles");
    let oi = source
        .open_interest
        .as_ref()
        .and_then(|oi| oi.last().copied());
    let open = last.close;
    let close = open * (1.0 + rng.range(-0.004, 0.004));
    let volume = rng.range(1.0, 50.0);
    let candle = Candle {
        open_time_ms: last.open_time_ms + source.interval_ms,
        open,
        high: open.max(close) * (1.0 + rng.range(0.0, 0.002)),
        low: open.min(close) * (1.0 - rng.range(0.0, 0.002)),
        close,
        base_volume: volume,
        quote_volume: volume * close,
        taker_buy_base: Some(volume * rng.range(0.3, 0.7)),
    };
    LiveCandle {
        candle,
        mark: None,
        open_interest: oi.map(|oi| oi * rng.range(0.99, 1.012)),
    }
}

/// A 1000-level book each side of `price`, levels 0.02 % apart, each
/// holding `usd` (a little more further out, as real books do).
fn book(price: f64, usd: f64) -> OrderBook {
    let side = |sign: f64| {
        (1..=1000)
            .map(|i| BookLevel {
                price: price * (1.0 + sign * 0.0002 * f64::from(i)),
                usd: usd * (1.0 + f64::from(i) / 500.0),
            })
            .collect()
    };
    OrderBook::new(side(-1.0), side(1.0)).expect("a valid book")
}

/// A shock through the engine_L map and a 1000-level book: what a view
/// does on every move of its shock slider; and the runaway search, both ways.
fn cascades(c: &mut Criterion) {
    let (sources, spec) = workload(Scale::L);
    let estimate = estimate(&sources, &Params::default(), &spec);
    let levels = LiqLevels::from_estimate(&estimate).expect("a current price");
    let total: f64 = levels.long_usd.iter().chain(&levels.short_usd).sum();
    let book = book(levels.current_price, total / 2000.0);
    let mut group = c.benchmark_group("cascade");
    group.sample_size(20);
    group.bench_function("shock", |b| {
        b.iter(|| black_box(cascade(&levels, &book, black_box(-2.0))))
    });
    group.bench_function("runaway", |b| {
        b.iter(|| {
            for direction in [Direction::Down, Direction::Up] {
                black_box(runaway_shock(
                    &levels,
                    &book,
                    direction,
                    &Default::default(),
                ));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, engine, per_candle, live_candle, cascades);
criterion_main!(benches);
