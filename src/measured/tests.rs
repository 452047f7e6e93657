use super::*;
use crate::engine::{default_grid, estimate, Params};

fn address(n: u64) -> Address {
    Address::parse(&format!("0x{n:040x}")).unwrap()
}

fn position(side: Side, size: f64, liquidation: Option<f64>, leverage: f64) -> Position {
    Position {
        coin: "BTC".into(),
        side,
        size,
        entry_price: 100.0,
        liquidation_price: liquidation,
        leverage,
        margin: Margin::Isolated,
    }
}

/// Bins of width 10 from 0 to 200.
fn bins() -> PriceBins {
    PriceBins {
        low: 0.0,
        high: 200.0,
        count: 20,
        log: false,
    }
}

fn sample() -> Vec<Holdings> {
    vec![
        (
            address(1),
            vec![
                position(Side::Long, 2.0, Some(91.0), 10.0),
                position(Side::Short, 1.0, Some(125.0), 5.0),
                // Another coin: not in this map.
                Position {
                    coin: "ETH".into(),
                    ..position(Side::Long, 9.0, Some(95.0), 10.0)
                },
            ],
        ),
        // Cross margin, well covered: no liquidation price.
        (address(2), vec![position(Side::Long, 3.0, None, 3.0)]),
        (address(3), vec![]),
        (
            address(4),
            vec![position(Side::Short, 1.0, Some(500.0), 40.0)],
        ),
    ]
}

#[test]
fn measured_map_bins_usd_at_the_mark_by_side() {
    let m = measured_map(&sample(), "BTC", &bins(), 110.0);
    assert_eq!(m.bins[Side::Long.index()][9], 2.0 * 110.0);
    assert_eq!(m.bins[Side::Short.index()][12], 110.0);
    assert_eq!(m.bins.iter().flatten().sum::<f64>(), 3.0 * 110.0);
    assert_eq!((m.accounts, m.holders, m.positions), (4, 3, 4));
    assert_eq!((m.without_price, m.outside), (1, 1));
    // All four count in the sample, mapped or not.
    assert_eq!(m.sampled_usd, 7.0 * 110.0);
    let total = m.total();
    assert_eq!(
        (total[9], total[12], total.iter().sum::<f64>()),
        (220.0, 110.0, 330.0)
    );
}

#[test]
fn coverage_sets_the_sample_against_both_sides_of_open_interest() {
    // One side 35 coins: Hyperliquid publishes 70; 7 coins sampled = 10 %.
    assert_eq!(coverage(7.0 * 110.0, Some(35.0), 110.0), Some(0.1));
    assert_eq!(coverage(1.0, None, 110.0), None);
    assert_eq!(coverage(1.0, Some(0.0), 110.0), None);
    assert_eq!(coverage(f64::NAN, Some(1.0), 1.0), None);
}

#[test]
fn leverage_rounds_to_the_nearest_tier_on_a_log_scale() {
    let tiers = Params::default().tiers; // 5, 10, 25, 50, 100
    let at = |l: f64| nearest_tier(l, &tiers);
    assert_eq!(at(1.0), Some(0));
    assert_eq!(at(7.0), Some(0)); // √50 ≈ 7.07 is the boundary
    assert_eq!(at(7.1), Some(1));
    assert_eq!(at(15.0), Some(1)); // √250 ≈ 15.8
    assert_eq!(at(16.0), Some(2));
    assert_eq!(at(40.0), Some(3));
    assert_eq!(at(200.0), Some(4));
    assert_eq!(at(0.0), None);
    assert_eq!(at(f64::NAN), None);
    assert_eq!(nearest_tier(3.0, &[]), None);
}

#[test]
fn the_mix_is_notional_weighted_and_counts_every_position() {
    let tiers = Params::default().tiers;
    let mix = leverage_mix(&sample(), "BTC", &tiers, 1.0).unwrap();
    // 3x (3 coins, no price) and 5x (1) → 5x; 10x (2); 40x (1) → 50x.
    assert_eq!(mix, vec![4.0 / 7.0, 2.0 / 7.0, 0.0, 1.0 / 7.0, 0.0]);
    assert_eq!(leverage_mix(&sample(), "DOGE", &tiers, 1.0), None);
    let applied = with_mix(&tiers, &mix);
    assert_eq!(applied[1].leverage, 10.0);
    assert_eq!(applied[1].weight, 2.0 / 7.0);
}

#[test]
fn similarity_is_the_cosine_of_shapes() {
    assert_eq!(similarity(&[1.0, 0.0], &[5.0, 0.0]), Some(1.0));
    assert_eq!(
        similarity(&[1.0, 1.0], &[3.0, 0.0]),
        Some(1.0 / 2f64.sqrt())
    );
    assert_eq!(similarity(&[0.0, 0.0], &[1.0, 0.0]), None);
    assert_eq!(similarity(&[1.0], &[1.0, 0.0]), None);
}

#[test]
fn model_map_of_one_source_sums_its_tiers_and_sides() {
    let market = crate::sim::demo_market(1, 1_700_000_000_000, 86_400_000);
    let mut other = market.source.clone();
    other.exchange = "Other".into();
    let sources = [market.source.clone(), other];
    let spec = default_grid(
        &sources,
        1_700_000_000_000 - 86_400_000,
        1_700_000_000_000,
        50,
        40,
    )
    .unwrap();
    let e = estimate(&sources, &Params::default(), &spec);
    let one = model_map_of(&e, &market.source.exchange).unwrap();
    let both = crate::accuracy::map_total(&e);
    for (o, b) in one.iter().zip(&both) {
        assert!((2.0 * o - b).abs() <= 1e-9 * b.abs().max(1.0));
    }
    assert_eq!(model_map_of(&e, "Nowhere"), None);
}

#[test]
fn largest_near_the_price_first() {
    let rows = largest_near(&sample(), "BTC", 110.0, 20.0, 10);
    let seen: Vec<(f64, f64)> = rows.iter().map(|r| (r.usd, r.liquidation_price)).collect();
    // 500 is too far; the position without a price is not near anything.
    assert_eq!(seen, vec![(220.0, 91.0), (110.0, 125.0)]);
    assert!((rows[0].distance_pct - (91.0 / 110.0 - 1.0) * 100.0).abs() < 1e-12);
    assert_eq!(largest_near(&sample(), "BTC", 110.0, 20.0, 1).len(), 1);
}
