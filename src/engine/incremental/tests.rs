//! Candle by candle against a fresh estimate over the same candles.

use super::*;
use crate::engine::tests::{assert_close, random_case, random_source, Shape, INTERVAL, T0};
use crate::engine::{default_grid, estimate, ContractKind, PriceBins, TimeAxis};
use crate::export::heatmap_csv;
use crate::sim::rng::Rng;
use proptest::prelude::*;

/// The candle `k` of `source` as a push, with its mark and open interest.
fn live_candle(source: &Source, k: usize, rng: &mut Rng) -> LiveCandle {
    LiveCandle {
        candle: source.candles[k],
        mark: source.mark.as_ref().map(|m| m[k]),
        open_interest: match &source.open_interest {
            Some(oi) => Some(oi[k]),
            // Volume mode: now and then a new current open interest.
            None => rng.chance(0.3).then(|| rng.range(100.0, 5000.0)),
        },
    }
}

/// `source` cut to its first `n` candles (mark and OI too).
fn first(source: &Source, n: usize) -> Source {
    let mut s = source.clone();
    s.candles.truncate(n);
    if let Some(m) = &mut s.mark {
        m.truncate(n);
    }
    if let Some(oi) = &mut s.open_interest {
        oi.truncate(n);
    }
    s.missing.truncate(n);
    s
}

/// `spec`'s time axis cut to the columns that hold the given sources' candles.
fn cut_axis(spec: &GridSpec, sources: &[Source]) -> GridSpec {
    let last = sources
        .iter()
        .filter_map(|s| s.candles.last())
        .map(|c| c.open_time_ms)
        .max();
    let time = spec.time;
    let columns = match last {
        Some(t) if t >= time.start_ms => ((t - time.start_ms) / time.column_ms) as usize + 1,
        _ => 0,
    };
    GridSpec {
        time: TimeAxis { columns, ..time },
        prices: spec.prices,
    }
}

fn map_values(e: &Estimate) -> Vec<f64> {
    let mut v = Vec::new();
    for side in Side::BOTH {
        for source in 0..e.map.sources {
            for tier in 0..e.map.tiers {
                for bin in 0..e.map.bins {
                    v.push(e.map.get(source, tier, side, bin));
                }
            }
        }
    }
    v
}

/// The same clusters: same count, same notional in order; a different
/// price only where two notionals tie to rounding.
fn assert_same_clusters(live: &Estimate, fresh: &Estimate) {
    assert_eq!(live.clusters.len(), fresh.clusters.len(), "cluster count");
    let notional = |e: &Estimate| e.clusters.iter().map(|c| c.notional).collect::<Vec<_>>();
    assert_close("clusters", &notional(live), &notional(fresh));
    for (i, (a, b)) in live.clusters.iter().zip(&fresh.clusters).enumerate() {
        if a.price != b.price {
            let ties = fresh
                .clusters
                .iter()
                .enumerate()
                .any(|(j, c)| j != i && (c.notional - b.notional).abs() <= 1e-9 * b.notional);
            assert!(ties, "cluster {i}: price {} vs {}", a.price, b.price);
        }
        assert!((a.long_share - b.long_share).abs() <= 1e-9 || a.price != b.price);
    }
}

fn assert_fresh(live: &LiveEstimate) {
    let fresh = estimate(live.sources(), live.params(), live.spec());
    let e = live.estimate();
    assert_eq!(e.grid, fresh.grid);
    for s in 0..2 {
        assert_close("heatmap", &e.heatmap[s].values, &fresh.heatmap[s].values);
        assert_close(
            "predicted",
            &e.predicted[s].values,
            &fresh.predicted[s].values,
        );
    }
    assert_close("map", &map_values(e), &map_values(&fresh));
    assert_eq!(e.current_price, fresh.current_price);
    assert_same_clusters(e, &fresh);
}

/// Starts from a random cut of each source, pushes the rest in a random
/// order across sources and checks against a fresh estimate on the way.
fn check_pushes(seed: u64) {
    let (sources, mut params, spec) = random_case(seed);
    // The live engine follows cohorts at their entry price (see
    // `LiveEstimate`): funding drift needs a fresh estimate.
    params.funding_drift = false;
    let mut rng = Rng::new(seed ^ 0x5eed);
    let cuts: Vec<usize> = sources
        .iter()
        .map(|s| rng.below(s.candles.len() + 1))
        .collect();
    let start: Vec<Source> = sources
        .iter()
        .zip(&cuts)
        .map(|(s, &n)| first(s, n))
        .collect();
    let start_spec = cut_axis(&spec, &start);
    let mut live = LiveEstimate::new(start, params, start_spec);
    assert_fresh(&live);

    let mut next = cuts.clone();
    let total: usize = sources
        .iter()
        .zip(&cuts)
        .map(|(s, c)| s.candles.len() - c)
        .sum();
    let checks = 4;
    for pushed in 0..total {
        let waiting: Vec<usize> = (0..sources.len())
            .filter(|&i| next[i] < sources[i].candles.len())
            .collect();
        let i = waiting[rng.below(waiting.len())];
        let candle = live_candle(&sources[i], next[i], &mut rng);
        let outcome = live.push(i, candle).unwrap();
        assert!(outcome.columns.end == live.spec().time.columns);
        next[i] += 1;
        if rng.below(total) < checks || pushed + 1 == total {
            assert_fresh(&live);
        }
    }
    assert_eq!(live.spec(), &spec, "the axis grew back to the full window");
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 300,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x11ce_7e57),
        ..ProptestConfig::default()
    })]

    #[test]
    fn live_equals_fresh_on_random_markets(seed in any::<u64>()) {
        check_pushes(seed);
    }
}

/// `cargo test --release -- --ignored many_live_markets`: 20k markets.
#[test]
#[ignore]
fn many_live_markets() {
    for seed in 0..20_000 {
        check_pushes(seed);
    }
}

fn halving_source(candles: usize, oi: impl Fn(usize) -> f64) -> Source {
    let mut rng = Rng::new(3);
    let shape = Shape {
        candles,
        warmup: 0,
        inverse: false,
        flat: true,
        with_oi: true,
        oi_zeros: false,
        with_mark: false,
        with_taker: false,
        jumps: false,
    };
    let mut source = random_source(&mut rng, shape, "halving");
    source.open_interest = Some((0..candles).map(oi).collect());
    source
}

fn push_all_from(source: &Source, from: usize, spec: GridSpec) -> LiveEstimate {
    let start = first(source, from);
    let mut live = LiveEstimate::new(
        vec![start.clone()],
        Params::default(),
        cut_axis(&spec, &[start]),
    );
    let mut rng = Rng::new(1);
    for k in from..source.candles.len() {
        live.push(0, live_candle(source, k, &mut rng)).unwrap();
    }
    live
}

#[test]
fn long_closing_products_do_not_underflow() {
    // Open interest halves 1000 times (2^-1000) after rises: D is rescaled
    // by powers of two on the way.
    let source = halving_source(2100, |k| {
        if k < 50 {
            1e6 + k as f64 * 1e3
        } else {
            1e6 * 0.5f64.powi((k - 50).min(1000) as i32)
        }
    });
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + 2100 * INTERVAL, INTERVAL, 300),
        prices: PriceBins::around(1.0, 1000.0, 100),
    };
    let live = push_all_from(&source, 40, spec);
    assert_fresh(&live);
}

#[test]
fn steep_falls_and_rises_interleaved() {
    // Falls of 1e-30 per candle between rises: rescaled every few candles,
    // and new cohorts far larger than old ones in the same bins.
    let source = halving_source(120, |k| match k % 3 {
        0 => 1e6 * (k + 1) as f64,
        1 => 2e6 * (k + 1) as f64,
        _ => 2e-24 * (k + 1) as f64,
    });
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + 120 * INTERVAL, INTERVAL, 40),
        prices: PriceBins::around(1.0, 1000.0, 50),
    };
    assert_fresh(&push_all_from(&source, 10, spec));
}

#[test]
fn refuses_bad_candles_and_flags_leaving_the_range() {
    let (sources, params, spec) = random_case(7);
    let mut live = LiveEstimate::new(sources.clone(), params, spec);
    let last = *live.sources()[0].candles.last().unwrap();
    let before = live.estimate().clone();
    assert_eq!(
        live.push(0, last.into()),
        Err(PushError::NotAfterLast {
            last_ms: last.open_time_ms,
            got_ms: last.open_time_ms
        })
    );
    assert_eq!(live.push(9, last.into()), Err(PushError::NoSuchSource(9)));
    let next = Candle {
        open_time_ms: last.open_time_ms + INTERVAL,
        ..last
    };
    for bad in [
        Candle {
            low: f64::NAN,
            ..next
        },
        Candle {
            high: next.low * 0.5,
            ..next
        },
        Candle {
            close: -1.0,
            ..next
        },
        Candle {
            quote_volume: f64::INFINITY,
            ..next
        },
    ] {
        assert_eq!(live.push(0, bad.into()), Err(PushError::InvalidCandle));
    }
    let bad_oi = LiveCandle {
        open_interest: Some(-1.0),
        ..next.into()
    };
    assert_eq!(live.push(0, bad_oi), Err(PushError::InvalidCandle));
    assert_eq!(live.estimate(), &before, "refused pushes change nothing");

    // Far above the range: accepted, still exact, flagged.
    let high = live.spec().prices.high;
    let spike = Candle {
        high: high * 2.0,
        close: high * 1.5,
        ..next
    };
    let pushed = live.push(0, spike.into()).unwrap();
    assert!(pushed.out_of_range);
    assert_fresh(&live);
}

#[test]
fn the_axis_grows_by_whole_columns() {
    // Three candles per column; pushes past a gap add zero columns.
    let mut rng = Rng::new(5);
    let shape = Shape {
        candles: 30,
        warmup: 0,
        inverse: false,
        flat: false,
        with_oi: true,
        oi_zeros: false,
        with_mark: true,
        with_taker: true,
        jumps: false,
    };
    let source = random_source(&mut rng, shape, "ex");
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + 30 * INTERVAL, INTERVAL, 10),
        prices: PriceBins::around(10.0, 1000.0, 40),
    };
    assert_eq!(spec.time.column_ms, 3 * INTERVAL);
    let mut live = LiveEstimate::new(vec![source.clone()], Params::default(), spec);
    let mut candle = source.candles[29];
    candle.open_time_ms += INTERVAL;
    let pushed = live.push(0, candle.into()).unwrap();
    assert_eq!((pushed.columns, pushed.grew), (10..11, true));
    candle.open_time_ms += 9 * INTERVAL; // a gap: columns 11, 12 empty, candle in 13
    let pushed = live.push(0, candle.into()).unwrap();
    assert_eq!((pushed.columns, pushed.grew), (13..14, true));
    assert_eq!(live.estimate().heatmap[0].columns, 14);
    assert!(live
        .estimate()
        .heatmap_total()
        .column(12)
        .iter()
        .all(|v| *v == 0.0));
    assert_fresh(&live);
}

#[test]
fn a_volume_source_rescales_everything() {
    let (mut sources, mut params, spec) = random_case(21);
    params.mode = crate::engine::Mode::Volume;
    sources.truncate(1);
    sources[0].kind = ContractKind::Linear;
    sources[0].current_open_interest = Some(1000.0);
    let n = sources[0].candles.len();
    let start = first(&sources[0], n.saturating_sub(3));
    let mut live = LiveEstimate::new(vec![start.clone()], params, cut_axis(&spec, &[start]));
    let mut rng = Rng::new(2);
    for k in n.saturating_sub(3)..n {
        let pushed = live.push(0, live_candle(&sources[0], k, &mut rng)).unwrap();
        assert_eq!(pushed.columns.start, 0, "α moved every column");
    }
    assert_fresh(&live);
}

// Issue #15 asks the live view, after a streamed candle, to equal a fresh
// load byte for byte in the heatmap CSV. The export writes each cell as
// Rust's shortest round-trip `f64`, so that means bit-equal cells. These
// two tests show what that rules out; they fail, and are ignored until the
// lead settles the issue (`cargo test --release -- --ignored byte_equal`).

/// The first line where two CSVs differ, for the failure message.
fn first_difference<'a>(a: &'a str, b: &'a str) -> Option<(usize, &'a str, &'a str)> {
    let (mut a, mut b) = (a.lines(), b.lines());
    for line in 0.. {
        match (a.next(), b.next()) {
            (None, None) => break,
            (x, y) if x != y => return Some((line, x.unwrap_or("(end)"), y.unwrap_or("(end)"))),
            _ => {}
        }
    }
    None
}

/// The incremental engine agrees with a fresh estimate to 1e-9, not to the
/// bit: its sums are taken in another order (per bin as candles come, `α`
/// applied to the sum, closing as a lazy factor), so the CSVs differ.
#[test]
#[ignore = "counterexample for issue #15: incremental sums are not bit-equal"]
fn byte_equal_csv_after_pushes() {
    for seed in 0..50 {
        let (sources, mut params, spec) = random_case(seed);
        params.funding_drift = false;
        let n = |s: &Source| s.candles.len();
        let start: Vec<Source> = sources.iter().map(|s| first(s, n(s) / 2)).collect();
        let mut live = LiveEstimate::new(start.clone(), params, cut_axis(&spec, &start));
        let mut rng = Rng::new(seed);
        for (i, source) in sources.iter().enumerate() {
            for k in n(source) / 2..n(source) {
                live.push(i, live_candle(source, k, &mut rng)).unwrap();
            }
        }
        assert_fresh(&live);
        let fresh = estimate(live.sources(), live.params(), live.spec());
        let (a, b) = (heatmap_csv(live.estimate()), heatmap_csv(&fresh));
        assert_eq!(first_difference(&a, &b), None, "seed {seed}: live vs fresh");
    }
}

/// Sliding the window drops the oldest candle. Here that candle is inert
/// (open interest falls at the next one, before any cohort is open, so it
/// opens and closes nothing): the model's numbers are the same with it or
/// without it, and they agree to 1e-9. But the fast path keeps `ln` of the
/// closing ratios as running sums from the first candle and scales cohorts
/// by `exp` of them, so every cell after a fall is rounded differently: the
/// bits of a fresh estimate depend on where the held series starts, and no
/// update carried over from the previous window can reproduce them without
/// redoing those sums and every cohort's value.
#[test]
#[ignore = "counterexample for issue #15: a fresh estimate's bits depend on the first held candle"]
fn byte_equal_csv_without_an_inert_first_candle() {
    let mut rng = Rng::new(15);
    let shape = Shape {
        candles: 200,
        warmup: 0,
        inverse: false,
        flat: false,
        with_oi: true,
        oi_zeros: false,
        with_mark: false,
        with_taker: true,
        jumps: false,
    };
    let mut held = random_source(&mut rng, shape, "ex");
    if let Some(oi) = &mut held.open_interest {
        oi[0] = oi[1] / 0.37;
    }
    let mut slid = held.clone();
    slid.drop_before(T0 + INTERVAL);
    let window_start = T0 + 100 * INTERVAL;
    let (with, without) = ([held], [slid]);
    let spec = default_grid(&with, window_start, T0 + 200 * INTERVAL, 100, 200).unwrap();
    let params = Params::default();
    let (a, b) = (
        estimate(&with, &params, &spec),
        estimate(&without, &params, &spec),
    );
    for s in 0..2 {
        assert_close("heatmap", &a.heatmap[s].values, &b.heatmap[s].values);
    }
    let (a, b) = (heatmap_csv(&a), heatmap_csv(&b));
    assert_eq!(
        first_difference(&a, &b),
        None,
        "with vs without the inert candle"
    );
}
