//! Measured positions against the simulator (spec section 10): a sample of
//! the positions alive at the end, drawn with the simulator's true leverage
//! mix, set against the model's map. Prints the `ACCURACY measured_vs_model`
//! and `NET measured_positions` lines `make bench` reads, and asserts that
//! the measured mix brings the model closer to what is measured.

use liqmap::engine::{default_grid, estimate, Params, Side};
use liqmap::measured::{
    leverage_mix, measured_map, model_map_of, similarity, simulated_weight_per_min, with_mix,
    Address, Holdings, Margin, Position, BUDGET_PER_MIN,
};
use liqmap::sim::{SimConfig, SimMarket};

const DAY_CANDLES: usize = 288;
/// One alive position in this many is sampled (a third: coverage as a
/// busy hour of trades would give).
const SAMPLE_EVERY: usize = 3;

#[test]
fn the_measured_mix_brings_the_model_closer_to_what_is_measured() {
    let (mut default_sum, mut measured_sum) = (0.0, 0.0);
    let seeds = 1..=5u64;
    for seed in seeds.clone() {
        let config = SimConfig::btc_like(seed, 1_700_000_000_000, 14 * DAY_CANDLES);
        let market = SimMarket::generate(&config);
        let start = config.start_ms + 7 * DAY_CANDLES as i64 * config.interval_ms;
        let end = config.start_ms + config.candles as i64 * config.interval_ms;
        let sources = [market.source.clone()];
        let spec = default_grid(&sources, start, end, 500, 300).expect("grid");
        let mark = market.source.candles.last().expect("candles").close;
        let alive = market
            .positions
            .iter()
            .filter(|p| p.end_candle >= market.source.candles.len());
        let sample: Vec<Holdings> = alive
            .step_by(SAMPLE_EVERY)
            .enumerate()
            .map(|(n, p)| {
                let address = Address::parse(&format!("0x{n:040x}")).expect("address");
                let position = Position {
                    coin: "BTC".into(),
                    side: p.side,
                    size: p.notional / mark,
                    entry_price: mark,
                    liquidation_price: Some(p.liquidation_price),
                    leverage: config.tiers[p.tier].leverage,
                    margin: Margin::Isolated,
                };
                (address, vec![position])
            })
            .collect();
        let measured = measured_map(&sample, "BTC", &spec.prices, mark).total();
        let cosine_with = |params: &Params| {
            let e = estimate(&sources, params, &spec);
            let model = model_map_of(&e, &config.exchange).expect("the source");
            similarity(&measured, &model).expect("both maps hold something")
        };
        let default = Params::default();
        let mix = leverage_mix(&sample, "BTC", &default.tiers, mark).expect("a sample");
        let with_measured = Params {
            tiers: with_mix(&default.tiers, &mix),
            weights_measured: true,
            ..Params::default()
        };
        let (before, after) = (cosine_with(&default), cosine_with(&with_measured));
        println!(
            "measured seed {seed}: {} positions sampled, longs {:.0} %, cosine {before:.4} → {after:.4} with the measured mix {mix:.3?}",
            sample.len(),
            100.0 * sample.iter().filter(|(_, p)| p[0].side == Side::Long).count() as f64 / sample.len() as f64,
        );
        assert!(after > before, "seed {seed}: {after} ≤ {before}");
        default_sum += before;
        measured_sum += after;
    }
    let n = seeds.count() as f64;
    println!(
        "ACCURACY measured_vs_model cosine={:.4} default_mix_cosine={:.4} sample=1/{SAMPLE_EVERY} seeds={n}",
        measured_sum / n,
        default_sum / n
    );
}

#[test]
fn the_scheduler_stays_within_half_of_the_limit() {
    // Ten minutes, a new trader every 50 ms (1200 a minute: more than the
    // budget), answers after 300 ms.
    let weight = simulated_weight_per_min(10, 50, 300);
    println!("NET measured_positions weight_per_min={weight} budget={BUDGET_PER_MIN} limit=1200");
    assert!(weight <= BUDGET_PER_MIN);
}
