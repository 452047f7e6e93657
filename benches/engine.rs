//! Engine benchmarks (criterion). `make bench` turns criterion's medians into
//! `BENCH engine_<scale> native_ms=…`, `RATIO engine_M fast_vs_direct=…` and
//! `BENCH cascade ms=…`.

use criterion::{criterion_group, criterion_main, Criterion};
use liqmap::analysis::{cascade, runaway_shock, BookLevel, Direction, LiqLevels, OrderBook};
use liqmap::engine::{estimate, estimate_in, reference::estimate_direct, Params, Workspace};
use liqmap::sim::workload::{workload, Scale};
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
        // As the page does: one workspace reused across recomputations.
        let mut workspace = Workspace::default();
        group.bench_function("fast", |b| {
            b.iter(|| black_box(estimate_in(&mut workspace, &sources, &params, &spec)))
        });
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

criterion_group!(benches, engine, cascades);
criterion_main!(benches);
