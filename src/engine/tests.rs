//! The fast path against the direct reference on random markets.

use super::reference::estimate_direct;
use super::*;
use crate::sim::rng::Rng;
use proptest::prelude::*;

/// What a random market may contain; each flag widens the cases covered.
#[derive(Clone, Copy, Debug)]
pub(super) struct Shape {
    pub(super) candles: usize,
    pub(super) warmup: usize,
    pub(super) inverse: bool,
    pub(super) flat: bool,
    pub(super) with_oi: bool,
    pub(super) oi_zeros: bool,
    pub(super) with_mark: bool,
    pub(super) with_taker: bool,
    pub(super) jumps: bool,
}

pub(super) const INTERVAL: i64 = 300_000;
pub(super) const T0: i64 = 1_700_000_000_000;

pub(super) fn random_source(rng: &mut Rng, shape: Shape, name: &str) -> Source {
    let mut price = rng.range(50.0, 150.0);
    let mut oi: f64 = rng.range(10.0, 1000.0);
    let mut candles = Vec::new();
    let mut mark = Vec::new();
    let mut open_interest = Vec::new();
    for k in 0..shape.candles {
        let open = price;
        if !shape.flat {
            let step = if shape.jumps && rng.chance(0.1) {
                0.3
            } else {
                0.02
            };
            price *= 1.0 + rng.range(-step, step);
        }
        let close = price;
        let wick = if shape.flat {
            0.0
        } else {
            rng.range(0.0, 0.03)
        };
        let high = open.max(close) * (1.0 + wick);
        let low = open.min(close) * (1.0 - wick * rng.uniform());
        let volume = rng.range(1.0, 100.0);
        candles.push(Candle {
            open_time_ms: T0 + k as i64 * INTERVAL,
            open,
            high,
            low,
            close,
            base_volume: volume,
            quote_volume: volume * close,
            taker_buy_base: shape.with_taker.then(|| volume * rng.range(0.2, 0.8)),
        });
        let m = 1.0 + rng.range(-0.005, 0.005);
        mark.push(HighLow {
            high: high * m,
            low: low * m,
        });
        oi = match rng.below(10) {
            0 if shape.oi_zeros => 0.0,
            0..=3 => oi * rng.range(0.5, 1.0),
            _ => oi * rng.range(1.0, 1.5) + rng.range(0.0, 20.0),
        };
        open_interest.push(oi);
    }
    Source {
        exchange: name.to_string(),
        kind: if shape.inverse {
            ContractKind::Inverse
        } else {
            ContractKind::Linear
        },
        interval_ms: INTERVAL,
        candles,
        mark: shape.with_mark.then_some(mark),
        open_interest: shape.with_oi.then_some(open_interest),
        current_open_interest: rng.chance(0.5).then(|| rng.range(100.0, 5000.0)),
        maintenance_margin_rate: rng.range(0.002, 0.02),
        funding: Vec::new(),
        max_leverage: None,
        missing: Vec::new(),
    }
}

pub(super) fn random_case(seed: u64) -> (Vec<Source>, Params, GridSpec) {
    let mut rng = Rng::new(seed);
    let candles = 1 + rng.below(160);
    let shape = |rng: &mut Rng| Shape {
        candles,
        warmup: rng.below(candles),
        inverse: rng.chance(0.3),
        flat: rng.chance(0.1),
        with_oi: rng.chance(0.8),
        oi_zeros: rng.chance(0.3),
        with_mark: rng.chance(0.5),
        with_taker: rng.chance(0.5),
        jumps: rng.chance(0.5),
    };
    let first = shape(&mut rng);
    let count = 1 + rng.below(3);
    let sources: Vec<Source> = (0..count)
        .map(|i| {
            let s = if i == 0 { first } else { shape(&mut rng) };
            random_source(&mut rng, s, &format!("ex{i}"))
        })
        .collect();
    let tiers = (0..1 + rng.below(5))
        .map(|_| Tier {
            leverage: [1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 125.0][rng.below(8)],
            weight: rng.range(0.05, 1.0),
        })
        .collect::<Vec<Tier>>();
    // Sometimes the first source's exchange opens its tiers with weights
    // of its own (a measured mix for one exchange). Drawn from a generator
    // of their own, so the cases drawn before these weights existed stay.
    let mut own = Rng::new(seed ^ 0x5eed_f00d);
    let exchange_weights = own.chance(0.3).then(|| ExchangeWeights {
        exchange: "ex0".into(),
        weights: tiers.iter().map(|_| own.range(0.0, 1.0)).collect(),
    });
    let params = Params {
        tiers,
        long_share: if rng.chance(0.5) {
            LongShare::Auto
        } else {
            LongShare::Fixed(rng.uniform())
        },
        mode: if rng.chance(0.7) {
            Mode::OpenInterest
        } else {
            Mode::Volume
        },
        memory_ms: INTERVAL * (1 + rng.below(60)) as i64,
        funding_drift: false,
        exchange_weights,
        weights_measured: false,
    };
    let start = T0 + first.warmup as i64 * INTERVAL;
    let end = T0 + candles as i64 * INTERVAL;
    let max_columns = 1 + rng.below(50);
    let bins = 1 + rng.below(80);
    let mut spec = default_grid(&sources, start, end, max_columns, bins).unwrap_or(GridSpec {
        time: TimeAxis::covering(start, end, INTERVAL, max_columns),
        prices: PriceBins::around(50.0, 150.0, bins),
    });
    // Flat prices give an empty range; log bins half of the time.
    if spec.prices.high <= spec.prices.low * 1.0001 {
        spec.prices = PriceBins::around(spec.prices.low * 0.5, spec.prices.low * 2.0, bins);
    }
    spec.prices.log = rng.chance(0.5);
    // Drawn last, so the cases above keep their seeds' markets.
    let mut params = params;
    params.funding_drift = rng.chance(0.5);
    let mut sources = sources;
    for source in &mut sources {
        source.funding = random_funding(&mut rng, candles);
    }
    // Then the instruments' limits and the candles an exchange left out.
    for source in &mut sources {
        source.max_leverage = [
            None,
            Some(1.0),
            Some(5.0),
            Some(20.0),
            Some(40.0),
            Some(125.0),
        ][rng.below(6)];
        source.missing = random_gaps(&mut rng, source.candles.len());
    }
    (sources, params, spec)
}

/// Runs of missing candles now and then (sometimes the first or the last
/// ones), or none at all.
fn random_gaps(rng: &mut Rng, candles: usize) -> Vec<bool> {
    if rng.chance(0.4) {
        return Vec::new();
    }
    let mut missing = vec![false; candles];
    for _ in 0..1 + rng.below(4) {
        let start = rng.below(candles.max(1));
        let length = 1 + rng.below(12);
        let end = (start + length).min(candles);
        missing[start..end].fill(true);
    }
    missing
}

/// Payments every few candles, at an open or inside a candle, rates large
/// enough to move prices across bins (and wipe out high leverage's
/// margin), sometimes none at all.
fn random_funding(rng: &mut Rng, candles: usize) -> Vec<FundingRate> {
    if rng.chance(0.2) {
        return Vec::new();
    }
    let every = INTERVAL * (1 + rng.below(20)) as i64;
    let offset = if rng.chance(0.5) {
        0
    } else {
        rng.below(INTERVAL as usize) as i64
    };
    let scale = [0.0001, 0.001, 0.01][rng.below(3)];
    let bias = rng.range(-1.0, 1.0);
    let mut t = T0 - every + offset;
    let mut out = Vec::new();
    while t < T0 + candles as i64 * INTERVAL {
        out.push(FundingRate {
            time_ms: t,
            rate: scale * (bias + rng.range(-1.0, 1.0)),
        });
        t += every;
    }
    out
}

pub(super) fn assert_close(what: &str, fast: &[f64], direct: &[f64]) {
    assert_eq!(fast.len(), direct.len(), "{what}: lengths");
    for (i, (a, b)) in fast.iter().zip(direct).enumerate() {
        let tolerance = 1e-9 * a.abs().max(b.abs());
        assert!(
            (a - b).abs() <= tolerance,
            "{what}[{i}]: fast {a:e} vs direct {b:e} (rel {:e})",
            (a - b).abs() / b.abs()
        );
    }
}

fn assert_agree(sources: &[Source], params: &Params, spec: &GridSpec) {
    let fast = estimate(sources, params, spec);
    let direct = estimate_direct(sources, params, spec);
    for side in Side::BOTH {
        let s = side.index();
        assert_close(
            "heatmap",
            &fast.heatmap[s].values,
            &direct.heatmap[s].values,
        );
        assert_close(
            "predicted",
            &fast.predicted[s].values,
            &direct.predicted[s].values,
        );
        let map = |e: &Estimate| {
            let mut v = Vec::new();
            for source in 0..e.map.sources {
                for tier in 0..e.map.tiers {
                    for bin in 0..e.map.bins {
                        v.push(e.map.get(source, tier, side, bin));
                    }
                }
            }
            v
        };
        assert_close("map", &map(&fast), &map(&direct));
    }
    // Cluster lists can differ where two peaks tie to the last digit; the
    // largest notional cannot.
    let top = |e: &Estimate| e.clusters.first().map_or(0.0, |c| c.notional);
    assert_close("top cluster", &[top(&fast)], &[top(&direct)]);
}

proptest! {
    // A fixed seed keeps CI deterministic; `many_random_markets` below runs
    // far more cases on demand.
    #![proptest_config(ProptestConfig {
        cases: 1000,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x11c3_a9e5),
        ..ProptestConfig::default()
    })]

    #[test]
    fn fast_equals_direct_on_random_markets(seed in any::<u64>()) {
        let (sources, params, spec) = random_case(seed);
        assert_agree(&sources, &params, &spec);
    }
}

/// `cargo test --release -- --ignored many_random_markets`: 100k markets.
#[test]
#[ignore]
fn many_random_markets() {
    for seed in 0..100_000 {
        let (sources, params, spec) = random_case(seed);
        assert_agree(&sources, &params, &spec);
    }
}

#[test]
fn a_cell_breakdown_sums_to_the_heatmap_cell() {
    for seed in 0..200 {
        let (sources, params, spec) = random_case(seed);
        let estimate = estimate(&sources, &params, &spec);
        let mut rng = Rng::new(seed);
        for _ in 0..5 {
            let (column, bin) = (rng.below(spec.time.columns), rng.below(spec.prices.count));
            let [long, short] = cell_breakdown(&sources, &params, &spec, column, bin).totals();
            let cell = [
                estimate.heatmap[0].get(column, bin),
                estimate.heatmap[1].get(column, bin),
            ];
            assert_close("breakdown", &[long, short], &cell);
        }
    }
}

#[test]
fn one_candle() {
    for seed in 0..50 {
        let (mut sources, params, _) = random_case(seed);
        for s in &mut sources {
            s.candles.truncate(1);
        }
        let t = sources[0].candles[0].open_time_ms;
        let spec = GridSpec {
            time: TimeAxis::covering(t, t + INTERVAL, INTERVAL, 10),
            prices: PriceBins::around(10.0, 1000.0, 40),
        };
        assert_agree(&sources, &params, &spec);
    }
}

#[test]
fn long_closing_products_do_not_underflow() {
    // Open interest halves 2000 times (2^-2000 underflows f64) after one rise.
    let mut rng = Rng::new(3);
    let mut source = random_source(
        &mut rng,
        Shape {
            candles: 2100,
            warmup: 0,
            inverse: false,
            flat: true,
            with_oi: true,
            oi_zeros: false,
            with_mark: false,
            with_taker: false,
            jumps: false,
        },
        "halving",
    );
    let oi: Vec<f64> = (0..2100)
        .map(|k| {
            if k < 50 {
                1e6 + k as f64 * 1e3
            } else {
                1e6 * 0.5f64.powi((k - 50).min(1000))
            }
        })
        .collect();
    source.open_interest = Some(oi);
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + 2100 * INTERVAL, INTERVAL, 300),
        prices: PriceBins::around(1.0, 1000.0, 100),
    };
    let sources = [source];
    let params = Params::default();
    assert_agree(&sources, &params, &spec);
    let fast = estimate(&sources, &params, &spec);
    assert!(fast
        .heatmap_total()
        .values
        .iter()
        .all(|v| v.is_finite() && *v >= 0.0));
}

#[test]
fn empty_and_degenerate_inputs_do_not_panic() {
    let params = Params::default();
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + 10 * INTERVAL, INTERVAL, 5),
        prices: PriceBins::around(1.0, 10.0, 10),
    };
    let empty = Source {
        exchange: "empty".into(),
        kind: ContractKind::Linear,
        interval_ms: INTERVAL,
        candles: vec![],
        mark: None,
        open_interest: None,
        current_open_interest: Some(f64::NAN),
        maintenance_margin_rate: 0.005,
        funding: Vec::new(),
        max_leverage: None,
        missing: Vec::new(),
    };
    let e = estimate(std::slice::from_ref(&empty), &params, &spec);
    assert!(e.heatmap_total().values.iter().all(|v| *v == 0.0));
    assert_eq!(e.current_price, None);
    // Unsorted times and NaN prices are cut or ignored, never a panic.
    let (mut sources, _, _) = random_case(11);
    sources[0].candles.reverse();
    if let Some(c) = sources[0].candles.get_mut(0) {
        c.low = f64::NAN;
    }
    estimate(&sources, &params, &spec);
    estimate(&[], &params, &spec);
}

/// How far funding moves the map: longs and shorts opened at 87,000 at 10x,
/// prices flat for 30 days of hourly candles, longs paying 0.01 % every
/// 8 h. By the last candle 89 payments are in (`F = 0.89 %`): the long
/// level moves from `87,000·0.9/0.996 = 78,614` to
/// `87,000·(0.9 + F)/0.996 = 79,392` (+777 USD, +0.99 %), the short level
/// from `87,000·1.1/1.004 = 95,319` to `87,000·(1.1 + F)/1.004 = 96,090`.
#[test]
fn funding_drift_moves_the_map_by_the_formula() {
    const HOUR: i64 = 3_600_000;
    let n = 30 * 24;
    let flat = |k: usize| Candle {
        open_time_ms: T0 + k as i64 * HOUR,
        open: 87_000.0,
        high: 87_000.0,
        low: 87_000.0,
        close: 87_000.0,
        base_volume: 1.0,
        quote_volume: 87_000.0,
        taker_buy_base: None,
    };
    let mut open_interest = vec![100.0; n];
    open_interest[0] = 0.0; // one rise, at candle 1
    let source = Source {
        exchange: "flat".into(),
        kind: ContractKind::Linear,
        interval_ms: HOUR,
        candles: (0..n).map(flat).collect(),
        mark: None,
        open_interest: Some(open_interest),
        current_open_interest: None,
        maintenance_margin_rate: 0.004,
        funding: (0..100)
            .map(|i| FundingRate {
                time_ms: T0 + i * 8 * HOUR,
                rate: 0.0001,
            })
            .collect(),
        max_leverage: None,
        missing: Vec::new(),
    };
    let spec = GridSpec {
        time: TimeAxis::covering(T0, T0 + n as i64 * HOUR, HOUR, 100),
        prices: PriceBins {
            low: 70_000.0,
            high: 100_000.0,
            count: 30_000, // 1 USD bins
            log: false,
        },
    };
    let params = |funding_drift| Params {
        tiers: vec![Tier {
            leverage: 10.0,
            weight: 1.0,
        }],
        long_share: LongShare::Fixed(0.5),
        funding_drift,
        ..Params::default()
    };
    let sources = [source];
    let level = |e: &Estimate, side: Side| {
        let totals = e.map.side_totals(side);
        let bin = totals.iter().position(|v| *v > 0.0).expect("a level");
        assert_eq!(totals[bin], 100.0 * 87_000.0 * 0.5, "all of it, in one bin");
        spec.prices.centre(bin)
    };
    let fixed = estimate(&sources, &params(false), &spec);
    let drifted = estimate(&sources, &params(true), &spec);
    assert_agree(&sources, &params(true), &spec);
    let paid = 89.0 * 0.0001;
    for (side, margin, mmr) in [(Side::Long, 0.9, 0.996), (Side::Short, 1.1, 1.004)] {
        let sign = if side == Side::Long { 1.0 } else { -1.0 };
        let before = 87_000.0 * margin / mmr;
        let after = 87_000.0 * (margin + paid) / mmr;
        assert!((level(&fixed, side) - before).abs() <= 0.5);
        assert!((level(&drifted, side) - after).abs() <= 0.5);
        println!(
            "DRIFT {side:?} level {before:.0} -> {after:.0} ({:+.0} USD, {:+.2} %)",
            after - before,
            100.0 * (after / before - 1.0)
        );
        assert!(sign * (after - before) > 0.0 || side == Side::Short);
    }
    // The heatmap walks the level up payment by payment: its long mass
    // sits at the fixed level in the first column, at the drifted one in
    // the last.
    let column_level = |column: usize| {
        let values = drifted.heatmap[0].column(column);
        spec.prices
            .centre(values.iter().position(|v| *v > 0.0).expect("alive"))
    };
    assert!((column_level(0) - 87_000.0 * 0.9 / 0.996).abs() <= 0.5);
    let last = drifted.heatmap[0].columns - 1;
    assert!((column_level(last) - 87_000.0 * (0.9 + paid) / 0.996).abs() <= 0.5);
    // With no funding, drift on changes nothing, to the bit.
    let mut unfunded = sources.clone();
    unfunded[0].funding.clear();
    assert_eq!(
        estimate(&unfunded, &params(true), &spec),
        estimate(&unfunded, &params(false), &spec)
    );
}

#[test]
fn dropping_the_oldest_candles_keeps_the_series_aligned() {
    let (mut sources, _, _) = random_case(5);
    let mut source = sources.remove(0);
    source.missing = (0..source.candles.len()).map(|k| k % 3 == 0).collect();
    let before = source.clone();
    let n = before.candles.len().min(4);
    let start = before.candles.get(n).map_or(i64::MAX, |c| c.open_time_ms);
    source.drop_before(start);
    assert_eq!(source.candles, before.candles[n..]);
    assert_eq!(source.missing, before.missing[n..]);
    if let (Some(oi), Some(was)) = (&source.open_interest, &before.open_interest) {
        assert_eq!(oi[..], was[n..]);
    }
    if let (Some(mark), Some(was)) = (&source.mark, &before.mark) {
        assert_eq!(mark[..], was[n..]);
    }
}

#[test]
fn recycled_memory_and_skipped_predictions_change_nothing_else() {
    let mut workspace = Workspace::default();
    let mut previous: Option<Estimate> = None;
    for seed in 0..200 {
        // Grids of every size in turn: recycled memory is too small, too
        // large or just right.
        let (sources, params, spec) = random_case(seed);
        let fresh = estimate(&sources, &params, &spec);
        if let Some(previous) = previous.take() {
            workspace.recycle(previous);
        }
        let recycled = estimate_in(&mut workspace, &sources, &params, &spec);
        assert_eq!(recycled, fresh, "seed {seed}");
        workspace.recycle(recycled);
        let without = estimate_without_predicted_in(&mut workspace, &sources, &params, &spec);
        for (grid, full) in without.predicted.iter().zip(&fresh.predicted) {
            assert_eq!((grid.columns, grid.bins), (full.columns, full.bins));
            assert!(grid.values.is_empty());
        }
        let mut with_predicted = without.clone();
        with_predicted.predicted = fresh.predicted.clone();
        assert_eq!(with_predicted, fresh, "seed {seed}");
        previous = Some(without);
    }
}
