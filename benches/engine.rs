//! Engine benchmarks (criterion). `make bench` turns criterion's medians into
//! `BENCH engine_<scale> native_ms=…` and `RATIO engine_M fast_vs_direct=…`.

use criterion::{criterion_group, criterion_main, Criterion};
use liqmap::engine::{estimate_in, reference::estimate_direct, Params, Workspace};
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

criterion_group!(benches, engine);
criterion_main!(benches);
