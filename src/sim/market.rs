//! The simulated market: price, traders, and the truth behind the candles.

use super::rng::Rng;
use crate::engine::{liquidation_price, Candle, ContractKind, Grid, GridSpec, Side, Source, Tier};
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// Everything that decides a simulated market. Same config, same bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    pub exchange: String,
    pub start_ms: i64,
    pub interval_ms: i64,
    pub candles: usize,
    /// Price steps per candle; positions open and die at step prices.
    pub substeps: usize,
    pub start_price: f64,
    /// Long-run volatility of one candle's log return.
    pub candle_volatility: f64,
    /// Chance per step of a jump, and the jump's log-return deviation.
    pub jump_chance: f64,
    pub jump_size: f64,
    /// The true leverage distribution and long share of new positions.
    pub tiers: Vec<Tier>,
    pub long_share: f64,
    pub maintenance_margin_rate: f64,
    /// Mean new positions per candle, and their median USD notional.
    pub arrivals_per_candle: f64,
    pub median_notional: f64,
    /// Log-normal spread of position notionals.
    pub notional_deviation: f64,
    /// Mean life in candles before a position closes by choice (constant
    /// hazard, as the spec says).
    pub mean_life_candles: f64,
    /// Openings come in waves: their intensity is multiplied by `exp(x)`,
    /// `x` an AR(1) per candle with this stationary deviation.
    pub regime_deviation: f64,
}

impl SimConfig {
    /// A BTC-like 5-minute market of `candles` candles.
    pub fn btc_like(seed: u64, start_ms: i64, candles: usize) -> Self {
        let tier = |leverage, weight| Tier { leverage, weight };
        SimConfig {
            seed,
            exchange: "Simulated".into(),
            start_ms,
            interval_ms: 300_000,
            candles,
            substeps: 10,
            start_price: 60_000.0,
            candle_volatility: 0.002,
            jump_chance: 0.0004,
            jump_size: 0.012,
            tiers: vec![
                tier(3.0, 0.10),
                tier(10.0, 0.30),
                tier(20.0, 0.25),
                tier(50.0, 0.20),
                tier(100.0, 0.15),
            ],
            long_share: 0.55,
            maintenance_margin_rate: 0.004,
            arrivals_per_candle: 40.0,
            median_notional: 2_500.0,
            notional_deviation: 0.8,
            mean_life_candles: 2016.0,
            regime_deviation: 2.0,
        }
    }
}

/// One simulated position with its true fate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TruePosition {
    pub side: Side,
    pub tier: usize,
    /// USD notional at entry.
    pub notional: f64,
    pub liquidation_price: f64,
    /// Alive at the close of candles `[open_candle, end_candle)`.
    pub open_candle: usize,
    pub end_candle: usize,
}

/// One true liquidation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiquidationEvent {
    pub time_ms: i64,
    pub price: f64,
    pub side: Side,
    /// Size × liquidation price.
    pub usd: f64,
}

/// What the simulator gives: exchange-like data and the truth behind it.
pub struct SimMarket {
    /// Candles with taker-buy volume, open interest, current open interest.
    pub source: Source,
    pub positions: Vec<TruePosition>,
    pub events: Vec<LiquidationEvent>,
}

/// Truth on an engine grid: what the estimate should have been.
pub struct Truth {
    /// Alive notional per cell (column mean), longs and shorts.
    pub heatmap: [Grid; 2],
    /// Alive notional per bin at the last candle, longs and shorts.
    pub map: [Vec<f64>; 2],
}

/// `f64` ordered by `total_cmp`, for the heaps.
#[derive(Clone, Copy, PartialEq)]
struct Price(f64);
impl Eq for Price {}
impl PartialOrd for Price {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Price {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

struct Open {
    size: f64,
    alive: bool,
}

impl SimMarket {
    pub fn generate(config: &SimConfig) -> SimMarket {
        let mut rng = Rng::new(config.seed);
        let steps = config.substeps.max(1);
        let step_ms = config.interval_ms / steps as i64;
        let total_weight: f64 = config.tiers.iter().map(|t| t.weight).sum();
        let step_sigma = config.candle_volatility / (steps as f64).sqrt();
        // GARCH(1,1) on step returns: clustered volatility, same long-run level.
        let (garch_a, garch_b) = (0.06, 0.93);
        let omega = step_sigma * step_sigma * (1.0 - garch_a - garch_b);
        let mut variance = step_sigma * step_sigma;
        let arrival_rate = config.arrivals_per_candle / steps as f64;
        let close_rate = 1.0 / (config.mean_life_candles * steps as f64);
        // Regime: AR(1) with persistence of about a day of candles.
        let persistence: f64 = 0.995;
        let regime_step = config.regime_deviation * (1.0 - persistence * persistence).sqrt();
        let mut regime = 0.0;

        let mut price = config.start_price;
        let mut open: Vec<Open> = Vec::new();
        let mut positions: Vec<TruePosition> = Vec::new();
        let mut events = Vec::new();
        let mut longs: BinaryHeap<(Price, usize)> = BinaryHeap::new();
        let mut shorts: BinaryHeap<Reverse<(Price, usize)>> = BinaryHeap::new();
        // Closing by choice: a position closes when a clock ticking at the
        // hazard rate passes its own exponential threshold.
        let mut closings: BinaryHeap<Reverse<(Price, usize)>> = BinaryHeap::new();
        let mut hazard_clock = 0.0;
        let mut open_interest = 0.0;
        let mut candles = Vec::with_capacity(config.candles);
        let mut oi_series = Vec::with_capacity(config.candles);

        for k in 0..config.candles {
            regime = persistence * regime + regime_step * rng.normal();
            let opening = libm::exp(regime);
            let open_time_ms = config.start_ms + k as i64 * config.interval_ms;
            let (open_price, mut high, mut low) = (price, price, price);
            let (mut volume, mut taker_buy) = (0.0, 0.0);
            for s in 0..steps {
                hazard_clock += close_rate;
                let shock = rng.normal() * variance.sqrt();
                variance = omega + garch_a * shock * shock + garch_b * variance;
                let jump = if rng.chance(config.jump_chance) {
                    rng.normal() * config.jump_size
                } else {
                    0.0
                };
                price *= libm::exp(shock + jump);
                high = high.max(price);
                low = low.min(price);
                let time_ms = open_time_ms + (s as i64 + 1) * step_ms;

                // Liquidations at the exact crossing; a liquidated long sells.
                let mut liquidate = |id: usize, side: Side, open: &mut Vec<Open>| {
                    let p = &mut positions[id];
                    let o = &mut open[id];
                    if o.alive {
                        o.alive = false;
                        p.end_candle = k;
                        open_interest -= o.size;
                        volume += o.size;
                        if side == Side::Short {
                            taker_buy += o.size;
                        }
                        events.push(LiquidationEvent {
                            time_ms,
                            price: p.liquidation_price,
                            side,
                            usd: o.size * p.liquidation_price,
                        });
                    }
                };
                while let Some(&(Price(q), id)) = longs.peek() {
                    if price > q {
                        break;
                    }
                    longs.pop();
                    liquidate(id, Side::Long, &mut open);
                }
                while let Some(&Reverse((Price(q), id))) = shorts.peek() {
                    if price < q {
                        break;
                    }
                    shorts.pop();
                    liquidate(id, Side::Short, &mut open);
                }
                // Closings by choice; closing a long sells.
                while let Some(&Reverse((Price(at), id))) = closings.peek() {
                    if at > hazard_clock {
                        break;
                    }
                    closings.pop();
                    let o = &mut open[id];
                    if o.alive {
                        o.alive = false;
                        positions[id].end_candle = k;
                        open_interest -= o.size;
                        volume += o.size;
                        if positions[id].side == Side::Short {
                            taker_buy += o.size;
                        }
                    }
                }
                // New positions: Poisson arrivals at this step's price.
                let mut arrivals = 0;
                let mut clock = rng.exponential(1.0);
                while clock < arrival_rate * opening {
                    arrivals += 1;
                    clock += rng.exponential(1.0);
                }
                for _ in 0..arrivals {
                    let side = if rng.chance(config.long_share) {
                        Side::Long
                    } else {
                        Side::Short
                    };
                    let mut pick = rng.uniform() * total_weight;
                    let tier = config
                        .tiers
                        .iter()
                        .position(|t| {
                            pick -= t.weight;
                            pick < 0.0
                        })
                        .unwrap_or(config.tiers.len() - 1);
                    let notional = config.median_notional
                        * libm::exp(rng.normal() * config.notional_deviation);
                    let size = notional / price;
                    let q = liquidation_price(
                        ContractKind::Linear,
                        side,
                        price,
                        config.tiers[tier].leverage,
                        config.maintenance_margin_rate,
                    )
                    .unwrap_or(0.0);
                    let id = positions.len();
                    positions.push(TruePosition {
                        side,
                        tier,
                        notional,
                        liquidation_price: q,
                        open_candle: k,
                        end_candle: config.candles,
                    });
                    open.push(Open { size, alive: true });
                    match side {
                        Side::Long => longs.push((Price(q), id)),
                        Side::Short => shorts.push(Reverse((Price(q), id))),
                    }
                    let threshold = hazard_clock + rng.exponential(1.0);
                    closings.push(Reverse((Price(threshold), id)));
                    open_interest += size;
                    volume += size;
                    if side == Side::Long {
                        taker_buy += size;
                    }
                }
            }
            // Other traders' flow: volume without a net position change.
            let churn =
                rng.range(0.5, 1.5) * config.arrivals_per_candle * config.median_notional / price;
            volume += churn;
            taker_buy += churn * rng.range(0.4, 0.6);
            candles.push(Candle {
                open_time_ms,
                open: open_price,
                high,
                low,
                close: price,
                base_volume: volume,
                quote_volume: volume * (high + low + price) / 3.0,
                taker_buy_base: Some(taker_buy),
            });
            oi_series.push(open_interest.max(0.0));
        }

        let current_open_interest = oi_series.last().copied();
        SimMarket {
            source: Source {
                exchange: config.exchange.clone(),
                kind: ContractKind::Linear,
                interval_ms: config.interval_ms,
                candles,
                mark: None,
                open_interest: Some(oi_series),
                current_open_interest,
                maintenance_margin_rate: config.maintenance_margin_rate,
                funding: Vec::new(),
                max_leverage: None,
                missing: Vec::new(),
            },
            positions,
            events,
        }
    }

    /// The true heatmap and map on `spec`, built like the estimate's.
    pub fn truth(&self, spec: &GridSpec) -> Truth {
        let (columns, bins) = (spec.time.columns, spec.prices.count);
        let mut heatmap = [Grid::zeros(columns, bins), Grid::zeros(columns, bins)];
        let mut map = [vec![0.0; bins], vec![0.0; bins]];
        let candles = &self.source.candles;
        let column_of: Vec<Option<usize>> = candles
            .iter()
            .map(|c| spec.time.column_of(c.open_time_ms))
            .collect();
        let mut per_column = vec![0.0; columns];
        for c in column_of.iter().flatten() {
            per_column[*c] += 1.0;
        }
        // Difference array over candles per bin would be faster; this runs in
        // tests only and stays obviously right.
        for p in &self.positions {
            let Some(bin) = spec.prices.bin_of(p.liquidation_price) else {
                continue;
            };
            let side = p.side.index();
            let alive = p.open_candle..p.end_candle.min(candles.len());
            for c in column_of[alive].iter().flatten() {
                heatmap[side].values[c * bins + bin] += p.notional / per_column[*c];
            }
            if p.end_candle >= candles.len() {
                map[side][bin] += p.notional;
            }
        }
        Truth { heatmap, map }
    }

    /// See [`checksum`].
    pub fn checksum(&self) -> u64 {
        checksum(&self.source)
    }
}

/// FNV-1a over every number an exchange would show of a source (not the
/// times), to check that native and wasm builds simulate the same market.
pub fn checksum(source: &Source) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: f64| {
        for byte in x.to_bits().to_le_bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for c in &source.candles {
        for x in [
            c.open,
            c.high,
            c.low,
            c.close,
            c.base_volume,
            c.quote_volume,
        ] {
            eat(x);
        }
        eat(c.taker_buy_base.unwrap_or(0.0));
    }
    for x in source.open_interest.iter().flatten() {
        eat(*x);
    }
    hash
}
