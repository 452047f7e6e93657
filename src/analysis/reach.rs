//! Reach: how likely the price is to touch a level within a horizon, and
//! the liquidation USD to expect from that.
//!
//! The log price is taken as a driftless Brownian motion whose volatility
//! is the one realised over recent candles. The chance that it touches a
//! level `L` from `S` within `T` is then, by the reflection principle,
//!
//! `P = 2·(1 − Φ(|ln(L/S)| / (σ√T))) = erfc(|ln(L/S)| / (σ√(2T)))`,
//!
//! computed with `libm::erfc` (accurate in the far tail, where `1 − Φ`
//! written out would cancel to 0). No drift: over hours the drift of a
//! perpetual is lost in the noise, and guessing one would only tilt the
//! map. The expected liquidation USD of a level is `P × USD`.

use super::LiqLevels;
use crate::engine::{Candle, Cluster, Side, Source};

const HOUR_MS: i64 = 3_600_000;
const YEAR_MS: f64 = 365.0 * 24.0 * HOUR_MS as f64;

/// The horizons a view shows: 1 h, 4 h and 24 h, in milliseconds.
pub const HORIZONS_MS: [i64; 3] = [HOUR_MS, 4 * HOUR_MS, 24 * HOUR_MS];

/// Volatility of the log price, per square root of a millisecond, so that
/// the deviation over any horizon `T` is `σ·√T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Volatility {
    per_sqrt_ms: f64,
}

impl Volatility {
    /// A volatility given per √ms; `None` unless finite and `>= 0`.
    pub fn new(per_sqrt_ms: f64) -> Option<Volatility> {
        (per_sqrt_ms.is_finite() && per_sqrt_ms >= 0.0).then_some(Volatility { per_sqrt_ms })
    }

    /// Parkinson's high-low estimator over `candles` of `interval_ms` each:
    /// `σ² = mean(ln(high/low)²) / (4·ln 2)` per candle, scaled to one ms.
    ///
    /// Why high-low rather than close-to-close: the touch probability is a
    /// statement about the path's extremes, and Parkinson's estimator reads
    /// exactly those under the same Brownian model (`E[ln(H/L)²] = 4·ln 2·σ²T`),
    /// with about five times the efficiency of close-to-close returns, so a
    /// few hours of candles give a usable figure. Its known bias (a range
    /// seen through discrete trades is a little short) errs low, like the
    /// model's missing jumps; both are documented limits, not tuned away.
    ///
    /// Candles without volume are skipped: the exchange adapters fill gaps
    /// with flat zero-volume candles, which would pull the estimate down.
    /// So are invalid ones (non-finite or non-positive prices, high < low).
    /// `None` when no candle is usable or the interval is not positive.
    pub fn parkinson(candles: &[Candle], interval_ms: i64) -> Option<Volatility> {
        if interval_ms <= 0 {
            return None;
        }
        let (sum, count) = candles
            .iter()
            .filter(|c| c.base_volume > 0.0 && c.low > 0.0 && c.high >= c.low)
            .map(|c| (c.high / c.low).ln())
            .filter(|r| r.is_finite())
            .fold((0.0, 0_usize), |(s, n), r| (s + r * r, n + 1));
        if count == 0 {
            return None;
        }
        let per_candle = sum / count as f64 / (4.0 * std::f64::consts::LN_2);
        Volatility::new((per_candle / interval_ms as f64).sqrt())
    }

    /// [`Volatility::parkinson`] over the last `lookback_ms` of `source`'s
    /// candles (e.g. a day: recent enough to follow the market, long enough
    /// to be stable).
    pub fn of_source(source: &Source, lookback_ms: i64) -> Option<Volatility> {
        let last = source.candles.last()?;
        let from = last
            .open_time_ms
            .saturating_add(source.interval_ms)
            .saturating_sub(lookback_ms);
        let start = source.candles.partition_point(|c| c.open_time_ms < from);
        Volatility::parkinson(source.candles.get(start..)?, source.interval_ms)
    }

    pub fn per_sqrt_ms(self) -> f64 {
        self.per_sqrt_ms
    }

    /// `σ·√T`: the deviation of the log price over `horizon_ms` (0 for a
    /// horizon that is not positive).
    pub fn over(self, horizon_ms: i64) -> f64 {
        self.per_sqrt_ms * (horizon_ms.max(0) as f64).sqrt()
    }

    /// Over a 365-day year, the usual way to quote it (0.5 = 50 %).
    pub fn annualised(self) -> f64 {
        self.per_sqrt_ms * YEAR_MS.sqrt()
    }
}

/// Probability that the price, now `current`, touches `level` at least once
/// when its log moves with deviation `sigma_sqrt_t` over the horizon
/// ([`Volatility::over`]). 1 at the price itself; 0 for a level elsewhere
/// without volatility; 0 for prices that are not finite and positive. Never
/// NaN.
pub fn touch_probability(current: f64, level: f64, sigma_sqrt_t: f64) -> f64 {
    let valid = |p: f64| p.is_finite() && p > 0.0;
    if !valid(current) || !valid(level) {
        return 0.0;
    }
    let distance = (level / current).ln().abs();
    if distance == 0.0 {
        1.0
    } else if sigma_sqrt_t > 0.0 {
        libm::erfc(distance / (sigma_sqrt_t * std::f64::consts::SQRT_2))
    } else {
        0.0 // no volatility (or NaN): the price stays where it is
    }
}

/// The map weighted by how likely each level is to be reached.
#[derive(Clone, Debug, PartialEq)]
pub struct ReachMap {
    pub horizon_ms: i64,
    /// Touch probability of each bin's level ([`LiqLevels::level`]), per
    /// side (index by [`Side::index`]), lowest price first.
    pub probability: [Vec<f64>; 2],
    /// `probability × USD` per bin and side: the liquidations to expect.
    pub expected_usd: [Vec<f64>; 2],
    /// Sums of `expected_usd`, per side.
    pub total_usd: [f64; 2],
}

/// Expected liquidation USD per bin of `levels` within `horizon_ms`.
/// Non-finite or negative USD counts as 0.
pub fn reach_map(levels: &LiqLevels, volatility: Volatility, horizon_ms: i64) -> ReachMap {
    let deviation = volatility.over(horizon_ms);
    let side_of = |side: Side| {
        let usd = levels.usd(side);
        let probability: Vec<f64> = (0..usd.len())
            .map(|bin| touch_probability(levels.current_price, levels.level(side, bin), deviation))
            .collect();
        let expected: Vec<f64> = probability
            .iter()
            .zip(usd)
            .map(|(p, u)| p * clean_usd(*u))
            .collect();
        (probability, expected)
    };
    let (long_p, long_e) = side_of(Side::Long);
    let (short_p, short_e) = side_of(Side::Short);
    let total_usd = [long_e.iter().sum(), short_e.iter().sum()];
    ReachMap {
        horizon_ms,
        probability: [long_p, short_p],
        expected_usd: [long_e, short_e],
        total_usd,
    }
}

/// One cluster with its chance of being reached.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterReach {
    pub cluster: Cluster,
    /// Touch probability of the cluster's price within the horizon.
    pub probability: f64,
    /// `probability × notional`.
    pub expected_usd: f64,
}

/// Each of `clusters` (as [`crate::engine::Estimate::clusters`] lists them)
/// with its probability of being touched from `current` within `horizon_ms`.
pub fn cluster_reach(
    clusters: &[Cluster],
    current: f64,
    volatility: Volatility,
    horizon_ms: i64,
) -> Vec<ClusterReach> {
    let deviation = volatility.over(horizon_ms);
    clusters
        .iter()
        .map(|c| {
            let probability = touch_probability(current, c.price, deviation);
            ClusterReach {
                cluster: c.clone(),
                probability,
                expected_usd: probability * clean_usd(c.notional),
            }
        })
        .collect()
}

fn clean_usd(usd: f64) -> f64 {
    if usd.is_finite() && usd > 0.0 {
        usd
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PriceBins;
    use crate::sim::rng::Rng;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    #[test]
    fn closed_form_at_known_values() {
        // 2·(1 − Φ(z)) for z = 1, 1.959964 and 3 (tables / high-precision values).
        for (z, p) in [
            (1.0, 0.317_310_507_862_914_1),
            (1.959_963_984_540_054, 0.05),
            (3.0, 0.002_699_796_063_260_186_6),
        ] {
            let sigma: f64 = 0.02;
            let up = 100.0 * (z * sigma).exp();
            let down = 100.0 * (-z * sigma).exp();
            assert!(close(touch_probability(100.0, up, sigma), p, 1e-14));
            assert!(close(touch_probability(100.0, down, sigma), p, 1e-14));
        }
        // Far tail: no cancellation to 0.
        let tail = touch_probability(100.0, 100.0 * (10.0_f64 * 0.01).exp(), 0.01);
        assert!(tail > 1e-23 && tail < 2e-23, "{tail}");
    }

    #[test]
    fn edge_cases_are_exact_and_nan_free() {
        assert_eq!(touch_probability(100.0, 100.0, 0.05), 1.0);
        assert_eq!(touch_probability(100.0, 100.0, 0.0), 1.0);
        assert_eq!(touch_probability(100.0, 99.0, 0.0), 0.0);
        assert_eq!(touch_probability(100.0, 99.0, f64::NAN), 0.0);
        assert_eq!(touch_probability(100.0, 99.0, f64::INFINITY), 1.0);
        for bad in [f64::NAN, 0.0, -1.0, f64::INFINITY] {
            assert_eq!(touch_probability(bad, 99.0, 0.05), 0.0);
            assert_eq!(touch_probability(100.0, bad, 0.05), 0.0);
        }
        assert_eq!(Volatility::new(f64::NAN), None);
        assert_eq!(Volatility::new(-1.0), None);
    }

    /// Driftless Brownian motion in log price, simulated in discrete steps.
    /// Watched only at the steps, a path misses touches between them, so
    /// the raw estimate sits below the closed form by what Broadie, Glasserman
    /// and Kou's correction says (the level moved away by 0.5826·σ·√Δt);
    /// with a Brownian bridge between the steps it is exact.
    #[test]
    fn monte_carlo_agrees_with_the_closed_form() {
        let (paths, steps) = (20_000, 250);
        let sigma_sqrt_t = 0.05;
        let dt_sd = sigma_sqrt_t / (steps as f64).sqrt();
        let mut rng = Rng::new(42);
        for level in [95.0, 103.0] {
            let barrier = (level / 100.0_f64).ln();
            let sign = barrier.signum();
            let (mut seen, mut bridged) = (0_usize, 0.0);
            for _ in 0..paths {
                let mut x = 0.0_f64;
                let mut missed = 1.0; // bridge: chance of no touch so far
                let mut touched = false;
                for _ in 0..steps {
                    let next = x + dt_sd * rng.normal();
                    let (a, b) = (sign * (barrier - x), sign * (barrier - next));
                    if b <= 0.0 {
                        touched = true;
                        missed = 0.0;
                        break;
                    }
                    missed *= 1.0 - (-2.0 * a * b / (dt_sd * dt_sd)).exp();
                    x = next;
                }
                seen += usize::from(touched);
                bridged += 1.0 - missed;
            }
            let exact = touch_probability(100.0, level, sigma_sqrt_t);
            let shifted = 100.0 * (barrier + sign * 0.5826 * dt_sd).exp();
            let discrete = touch_probability(100.0, shifted, sigma_sqrt_t);
            let se = (exact * (1.0 - exact) / paths as f64).sqrt();
            let raw = seen as f64 / paths as f64;
            let bridge = bridged / paths as f64;
            assert!(close(bridge, exact, 4.0 * se), "{bridge} vs {exact}");
            assert!(
                close(raw, discrete, 4.0 * se + 0.003),
                "{raw} vs {discrete}"
            );
            assert!(raw < exact, "watching at steps only misses touches");
        }
    }

    /// Candles cut from a simulated Brownian motion of known volatility.
    fn brownian_candles(sigma_per_candle: f64, candles: usize, steps: usize) -> Vec<Candle> {
        let mut rng = Rng::new(7);
        let mut price: f64 = 87_000.0;
        let step_sd = sigma_per_candle / (steps as f64).sqrt();
        (0..candles)
            .map(|k| {
                let open = price;
                let (mut high, mut low) = (price, price);
                for _ in 0..steps {
                    price *= (step_sd * rng.normal()).exp();
                    high = high.max(price);
                    low = low.min(price);
                }
                Candle {
                    open_time_ms: k as i64 * 300_000,
                    open,
                    high,
                    low,
                    close: price,
                    base_volume: 1.0,
                    quote_volume: price,
                    taker_buy_base: None,
                }
            })
            .collect()
    }

    #[test]
    fn parkinson_recovers_a_known_volatility() {
        let sigma = 0.002; // per 5-minute candle
        let mut candles = brownian_candles(sigma, 2_000, 1_000);
        // Gap fillers (flat, no volume) are skipped, not counted as calm.
        let last = candles[candles.len() - 1];
        candles.extend((1..500).map(|i| Candle {
            open_time_ms: last.open_time_ms + i * 300_000,
            open: last.close,
            high: last.close,
            low: last.close,
            close: last.close,
            base_volume: 0.0,
            quote_volume: 0.0,
            taker_buy_base: None,
        }));
        let v = Volatility::parkinson(&candles, 300_000).unwrap();
        let per_candle = v.over(300_000);
        // Within sampling noise (≈1.5 %) and the discrete-range bias (≈2 %).
        assert!((per_candle / sigma - 1.0).abs() < 0.05, "{per_candle}");
        assert!(close(v.over(4 * HOUR_MS), 2.0 * v.over(HOUR_MS), 1e-15));
        assert!(close(
            v.annualised(),
            per_candle * (YEAR_MS / 300_000.0).sqrt(),
            1e-12
        ));
        assert_eq!(Volatility::parkinson(&candles[2_000..], 300_000), None);
        assert_eq!(Volatility::parkinson(&candles, 0), None);
    }

    #[test]
    fn of_source_reads_the_last_lookback() {
        let candles = brownian_candles(0.002, 600, 50);
        let source = Source {
            exchange: "x".into(),
            kind: crate::engine::ContractKind::Linear,
            interval_ms: 300_000,
            candles: candles.clone(),
            mark: None,
            open_interest: None,
            current_open_interest: None,
            maintenance_margin_rate: 0.004,
            funding: Vec::new(),
            max_leverage: None,
            missing: Vec::new(),
        };
        let day = Volatility::of_source(&source, 24 * HOUR_MS).unwrap();
        let direct = Volatility::parkinson(&candles[600 - 288..], 300_000).unwrap();
        assert_eq!(day, direct);
    }

    fn map() -> LiqLevels {
        LiqLevels {
            prices: PriceBins {
                low: 80_000.0,
                high: 94_000.0,
                count: 14,
                log: false,
            },
            long_usd: (0..14)
                .map(|b| if b < 7 { 1e6 * (b + 1) as f64 } else { 0.0 })
                .collect(),
            short_usd: (0..14).map(|b| if b >= 7 { 2e6 } else { 0.0 }).collect(),
            current_price: 87_000.0,
        }
    }

    #[test]
    fn reach_map_weights_each_bin_by_its_touch_probability() {
        let levels = map();
        let v = Volatility::new(0.01 / (HOUR_MS as f64).sqrt()).unwrap(); // 1 % per hour
        let r = reach_map(&levels, v, 4 * HOUR_MS);
        for side in Side::BOTH {
            let s = side.index();
            for bin in 0..14 {
                let p = touch_probability(87_000.0, levels.level(side, bin), 0.02);
                assert!(close(r.probability[s][bin], p, 1e-15));
                assert!(close(
                    r.expected_usd[s][bin],
                    p * levels.usd(side)[bin],
                    1e-6
                ));
            }
            let total: f64 = r.expected_usd[s].iter().sum();
            assert!(close(r.total_usd[s], total, 1e-6));
        }
        // Closer levels are likelier; the bin [86k, 87k) is the nearest long.
        assert!(r.probability[0][6] > r.probability[0][5]);
        assert!(r.probability[0][6] > 0.75);
        // Longer horizons reach further.
        let day = reach_map(&levels, v, 24 * HOUR_MS);
        assert!(day.total_usd[0] > r.total_usd[0] && day.total_usd[1] > r.total_usd[1]);
    }

    #[test]
    fn reach_map_is_nan_free() {
        let mut levels = map();
        levels.long_usd[3] = f64::NAN;
        levels.short_usd[9] = f64::INFINITY;
        let r = reach_map(&levels, Volatility::new(0.0).unwrap(), HOUR_MS);
        for s in 0..2 {
            assert!(r.expected_usd[s].iter().all(|v| v.is_finite()));
            assert!(r.probability[s].iter().all(|v| (0.0..=1.0).contains(v)));
        }
        // No volatility: nothing is reached (no level sits exactly at the price).
        assert_eq!(r.total_usd, [0.0, 0.0]);
    }

    #[test]
    fn clusters_get_their_probability() {
        let clusters = [
            Cluster {
                price: 86_500.0,
                notional: 5e6,
                long_share: 1.0,
                distance_pct: -0.57,
            },
            Cluster {
                price: 80_000.0,
                notional: 9e6,
                long_share: 1.0,
                distance_pct: -8.0,
            },
        ];
        let v = Volatility::new(0.01 / (HOUR_MS as f64).sqrt()).unwrap();
        let r = cluster_reach(&clusters, 87_000.0, v, HOUR_MS);
        assert_eq!(r.len(), 2);
        let p = touch_probability(87_000.0, 86_500.0, 0.01);
        assert!(close(r[0].probability, p, 1e-15));
        assert!(close(r[0].expected_usd, p * 5e6, 1e-6));
        assert!(r[1].probability < 1e-10);
        assert_eq!(r[1].cluster, clusters[1]);
    }
}
