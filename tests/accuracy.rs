//! Accuracy against the simulator's truth (spec section 9), on several seeds.
//! Prints the figures (`ACCURACY …` lines, also read by `make bench`) and
//! asserts the map cosine with the true parameters.

use liqmap::accuracy::{cosine, hit_lift, map_total, Event};
use liqmap::engine::{default_grid, estimate, LongShare, Params};
use liqmap::sim::{SimConfig, SimMarket};

const DAY_CANDLES: usize = 288;

#[test]
fn estimate_matches_the_simulated_truth() {
    for seed in 1..=5 {
        // 7 days of warm-up, then a 7-day window, 5-minute candles.
        let config = SimConfig::btc_like(seed, 1_700_000_000_000, 14 * DAY_CANDLES);
        let market = SimMarket::generate(&config);
        let start = config.start_ms + 7 * DAY_CANDLES as i64 * config.interval_ms;
        let end = config.start_ms + config.candles as i64 * config.interval_ms;
        let sources = [market.source.clone()];
        let spec = default_grid(&sources, start, end, 500, 300).expect("grid");
        let truth = market.truth(&spec);
        let true_map: Vec<f64> = truth.map[0]
            .iter()
            .zip(&truth.map[1])
            .map(|(l, s)| l + s)
            .collect();
        let true_heatmap = truth.heatmap[0].plus(&truth.heatmap[1]);
        let events: Vec<Event> = market
            .events
            .iter()
            .map(|e| Event {
                time_ms: e.time_ms,
                price: e.price,
                usd: e.usd,
            })
            .collect();
        // What a perfect estimate would score: the metric's ceiling here.
        let truth_lift = hit_lift(&true_heatmap, &spec, &events).unwrap_or(f64::NAN);

        let true_params = Params {
            tiers: config.tiers.clone(),
            long_share: LongShare::Fixed(config.long_share),
            ..Params::default()
        };
        for (label, params) in [("true", true_params), ("default", Params::default())] {
            let e = estimate(&sources, &params, &spec);
            let map_cos = cosine(&map_total(&e), &true_map);
            let heat_cos = cosine(&e.heatmap_total().values, &true_heatmap.values);
            let lift = hit_lift(&e.heatmap_total(), &spec, &events).unwrap_or(f64::NAN);
            println!(
                "ACCURACY seed{seed}_{label} map_cosine={map_cos:.4} heatmap_cosine={heat_cos:.4} \
                 hit_lift={lift:.2} truth_hit_lift={truth_lift:.2} events={}",
                events.len()
            );
            if label == "true" {
                assert!(
                    map_cos >= 0.95,
                    "seed {seed}: map cosine {map_cos:.4} < 0.95"
                );
            }
        }
    }
}
