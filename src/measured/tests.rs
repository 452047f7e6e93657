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

#[test]
fn every_position_with_a_liquidation_price_is_a_level_for_alerts() {
    let levels = liquidation_levels(&sample(), "BTC", 110.0);
    let seen: Vec<(f64, f64)> = levels.iter().map(|l| (l.price, l.usd)).collect();
    assert_eq!(seen, vec![(91.0, 220.0), (125.0, 110.0), (500.0, 110.0)]);
}

mod snapshots {
    use super::super::snapshot::*;
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_767_225_600_000;
    const MIN: i64 = 60_000;

    fn taken() -> Snapshot {
        Snapshot::of(&sample(), "BTC", NOW, 110.0, Some(0.25)).unwrap()
    }

    #[test]
    fn a_snapshot_draws_the_map_and_mix_its_holdings_drew() {
        let s = taken();
        assert_eq!((s.accounts, s.holders, s.positions.len()), (4, 3, 4));
        assert_eq!(
            s.map(&bins()),
            measured_map(&sample(), "BTC", &bins(), 110.0)
        );
        let tiers = Params::default().tiers;
        assert_eq!(s.mix(&tiers), leverage_mix(&sample(), "BTC", &tiers, 110.0));
        assert_eq!(Snapshot::of(&[], "BTC", NOW, 110.0, None), None);
    }

    #[test]
    fn a_snapshot_reads_back_as_kept() {
        let s = taken();
        let kept = s.key().unwrap();
        assert_eq!(kept, format!("{NOW}|BTC"));
        assert_eq!(read_key(&kept), Some((NOW, "BTC")));
        // Three numbers a position, after a header of five.
        assert_eq!(s.encode().len(), 5 + 3 * 4);
        assert_eq!(decode(&kept, &s.encode(), NOW + 3_600_000), Some(s.clone()));
        let none = Snapshot {
            coverage: None,
            ..s.clone()
        };
        assert_eq!(decode(&kept, &none.encode(), NOW), Some(none));
        assert_eq!(key("a|b", NOW), None);
    }

    #[test]
    fn a_damaged_or_expired_snapshot_is_dropped() {
        let s = taken();
        let key = s.key().unwrap();
        let good = s.encode();
        let damaged = |at: usize, value: f64| {
            let mut v = good.clone();
            v[at] = value;
            decode(&key, &v, NOW)
        };
        assert_eq!(damaged(0, 2.0), None, "another format");
        assert_eq!(damaged(1, 0.0), None, "no mark");
        assert_eq!(damaged(2, 1.5), None, "a count that is not whole");
        assert_eq!(damaged(3, 9.0), None, "more holders than accounts");
        assert_eq!(damaged(4, -1.0), None, "negative coverage");
        assert_eq!(damaged(5, 0.0), None, "a position of no size");
        assert_eq!(damaged(6, -5.0), None, "a negative liquidation price");
        assert_eq!(damaged(7, f64::INFINITY), None, "an infinite leverage");
        assert_eq!(decode(&key, &good[..good.len() - 1], NOW), None);
        assert_eq!(decode(&key, &good[..3], NOW), None);
        assert_eq!(decode("BTC", &good, NOW), None, "a key without a time");
        assert_eq!(decode("12|BTC", &good, NOW), None);
        let week = 7 * 24 * 60 * MIN;
        assert_eq!(decode(&key, &good, NOW + week + 1), None, "expired");
        assert_eq!(decode(&key, &good, NOW - 2 * 24 * 60 * MIN), None, "future");
    }

    #[test]
    fn one_per_refresh_all_of_the_last_two_hours_then_one_per_hour() {
        let keys: Vec<String> = [
            (NOW - 8 * 24 * 60 * MIN, "BTC"),       // past the kept week
            (NOW - 5 * 60 * MIN, "BTC"),            // 19:00: first of its hour
            (NOW - 5 * 60 * MIN + 10 * MIN, "BTC"), // same hour: thinned
            (NOW - 5 * 60 * MIN + 10 * MIN, "ETH"), // another coin's first
            (NOW - 4 * 60 * MIN + 5 * MIN, "BTC"),  // the next hour
            (NOW - 30 * MIN, "BTC"),
            (NOW - 28 * MIN, "BTC"), // within a refresh of the one before
            (NOW - 20 * MIN, "BTC"), // recent: kept, same hour or not
            (NOW - 15 * MIN, "BTC"),
        ]
        .iter()
        .map(|(t, c)| key(c, *t).unwrap())
        .chain(["damaged".to_string()])
        .collect();
        let mut in_order = keys.clone();
        in_order.sort();
        let mut gone = to_forget(&in_order, NOW);
        gone.sort();
        let mut expected: Vec<String> = [0, 2, 6, 9].iter().map(|i| keys[*i].clone()).collect();
        expected.sort();
        assert_eq!(gone, expected);
    }

    proptest! {
        #[test]
        fn decoding_any_numbers_never_panics(
            values in proptest::collection::vec(proptest::num::f64::ANY, 0..20),
            key in ".{0,20}",
        ) {
            let _ = decode(&key, &values, NOW);
            let _ = to_forget(&[key], NOW);
        }
    }
}
