use super::text::{describe, from_form, read, to_form, write, KINDS};
use super::*;
use crate::exchanges::{Exchange, Side};
use proptest::prelude::*;

fn alert(id: u32, rule: Rule) -> Alert {
    Alert {
        id,
        rule,
        enabled: true,
    }
}

fn near(within_pct: f64, min_usd: f64, sides: Sides) -> Rule {
    Rule::NearCluster {
        within_pct,
        min_usd,
        sides,
    }
}

const CLUSTER: [Level; 2] = [
    Level {
        price: 100.0,
        usd: 5e6,
    },
    Level {
        price: 120.0,
        usd: 1e5,
    },
];

fn at(watch: &mut Watch, price: f64) -> usize {
    watch
        .on_market(&Market {
            price: Some(price),
            clusters: &CLUSTER,
            measured: &[],
        })
        .len()
}

#[test]
fn a_price_alert_fires_once_per_crossing_with_hysteresis() {
    let mut watch = Watch::default();
    watch.set_alerts(&[alert(1, near(1.0, 1e6, Sides::Both))]);
    assert_eq!(at(&mut watch, 110.0), 0);
    assert_eq!(at(&mut watch, 100.9), 1, "enters the band");
    assert_eq!(at(&mut watch, 100.5), 0, "still in: no repeat");
    // Hovering at the edge: out of the band but inside the release margin.
    assert_eq!(at(&mut watch, 101.1), 0);
    assert_eq!(at(&mut watch, 100.95), 0, "back in without having cleared");
    assert_eq!(at(&mut watch, 101.3), 0, "clears beyond 1.25 %");
    assert_eq!(at(&mut watch, 99.2), 1, "a new crossing, from below");
}

#[test]
fn a_price_alert_watches_only_its_side_and_size() {
    let mut above = Watch::default();
    above.set_alerts(&[alert(1, near(1.0, 1e6, Sides::Above))]);
    assert_eq!(at(&mut above, 100.5), 0, "the cluster is below");
    assert_eq!(at(&mut above, 99.5), 1);
    let mut big = Watch::default();
    big.set_alerts(&[alert(1, near(1.0, 1e6, Sides::Both))]);
    assert_eq!(at(&mut big, 119.9), 0, "the cluster at 120 is too small");
}

#[test]
fn a_disabled_alert_never_fires_and_an_edited_one_rearms() {
    let mut watch = Watch::default();
    let mut a = alert(1, near(1.0, 1e6, Sides::Both));
    a.enabled = false;
    watch.set_alerts(&[a]);
    assert_eq!(at(&mut watch, 100.0), 0);
    watch.set_alerts(&[
        alert(1, near(1.0, 1e6, Sides::Both)),
        alert(2, near(2.0, 1e6, Sides::Both)),
    ]);
    assert_eq!(at(&mut watch, 100.0), 2);
    // Editing alert 2 leaves alert 1 disarmed; the edited rule is new.
    watch.set_alerts(&[
        alert(1, near(1.0, 1e6, Sides::Both)),
        alert(2, near(3.0, 1e6, Sides::Both)),
    ]);
    assert_eq!(at(&mut watch, 100.0), 1);
}

fn liquidation(time_ms: i64, usd: f64) -> LiqEvent {
    LiqEvent {
        exchange: Exchange::Binance,
        time_ms,
        price: 100.0,
        usd,
        side: Side::Long,
    }
}

#[test]
fn every_large_liquidation_fires_and_small_ones_do_not() {
    let mut watch = Watch::default();
    watch.set_alerts(&[alert(1, Rule::LargeLiquidation { min_usd: 1e6 })]);
    assert_eq!(watch.on_liquidation(&liquidation(0, 2e6)).len(), 1);
    assert_eq!(watch.on_liquidation(&liquidation(1, 5e5)).len(), 0);
    let fired = watch.on_liquidation(&liquidation(2, 1e6));
    assert_eq!(fired.len(), 1);
    assert!(fired[0].message.contains("Binance"), "{}", fired[0].message);
}

#[test]
fn a_burst_fires_once_and_rearms_when_the_window_empties() {
    let minute = 60_000;
    let mut watch = Watch::default();
    watch.set_alerts(&[alert(
        7,
        Rule::Burst {
            min_usd: 1e6,
            minutes: 5,
        },
    )]);
    let mut fired = |t: i64, usd: f64| watch.on_liquidation(&liquidation(t, usd)).len();
    assert_eq!(fired(0, 6e5), 0);
    assert_eq!(fired(minute, 6e5), 1, "$1.2M within 5 min");
    assert_eq!(fired(2 * minute, 6e5), 0, "still above: no repeat");
    // 10 minutes on, only the new event is in the window: below 80 %.
    assert_eq!(fired(12 * minute, 1e5), 0);
    assert_eq!(fired(13 * minute, 1e6), 1, "a new crossing");
}

#[test]
fn the_measured_seam_holds_only_with_measured_levels() {
    let mut watch = Watch::default();
    let rule = Rule::MeasuredPosition {
        within_pct: 1.0,
        min_usd: 1e6,
    };
    watch.set_alerts(&[alert(1, rule)]);
    assert_eq!(at(&mut watch, 100.0), 0, "no measured positions yet");
    let measured = [Level {
        price: 100.5,
        usd: 2e6,
    }];
    let market = Market {
        price: Some(100.0),
        clusters: &[],
        measured: &measured,
    };
    assert_eq!(watch.on_market(&market).len(), 1);
}

#[test]
fn a_measured_position_alert_fires_once_per_crossing_and_only_for_its_size() {
    let mut watch = Watch::default();
    let rule = Rule::MeasuredPosition {
        within_pct: 2.0,
        min_usd: 1e5,
    };
    watch.set_alerts(&[alert(1, rule)]);
    // A long liquidated at 82,500 ($173k) and a small one nearer.
    let measured = [
        Level {
            price: 82_500.0,
            usd: 173_075.0,
        },
        Level {
            price: 85_900.0,
            usd: 5e4,
        },
    ];
    let mut at = |price: f64| {
        watch
            .on_market(&Market {
                price: Some(price),
                clusters: &CLUSTER,
                measured: &measured,
            })
            .into_iter()
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    assert!(at(86_000.0).is_empty(), "only the small one is near");
    let fired = at(84_000.0);
    assert_eq!(
        fired,
        ["A measured position of $173.1K is 1.79% from the price, at 82,500"]
    );
    assert!(at(83_500.0).is_empty(), "still near: no repeat");
    assert!(at(84_300.0).is_empty(), "2.13 %: at the edge, not cleared");
    assert!(at(84_100.0).is_empty(), "back in without having cleared");
    assert!(at(87_000.0).is_empty(), "5.2 %: cleared");
    assert_eq!(at(84_000.0).len(), 1, "a new crossing");
}

#[test]
fn the_form_reads_every_kind_and_gives_it_back_for_editing() {
    let rules = [
        near(1.5, 2e6, Sides::Above),
        Rule::LargeLiquidation { min_usd: 1e6 },
        Rule::Burst {
            min_usd: 5e6,
            minutes: 15,
        },
        Rule::MeasuredPosition {
            within_pct: 2.0,
            min_usd: 1e5,
        },
    ];
    for (rule, (kind, _)) in rules.iter().zip(KINDS) {
        let fields = to_form(rule);
        assert_eq!(fields[0], kind);
        assert_eq!(from_form(fields.each_ref().map(String::as_str)), Ok(*rule));
    }
    assert_eq!(
        describe(&rules[3]),
        "A measured position of $100.0K or more within 2%"
    );
    let wrong = |fields| from_form(fields).unwrap_err();
    assert!(wrong(["measured", "60", "1", "5", "both"]).contains("between 0 and 50"));
    assert!(wrong(["large", "1", "abc", "5", "both"]).contains("positive number"));
    assert!(wrong(["burst", "1", "5", "0", "both"]).contains("minutes"));
}

#[test]
fn alerts_read_back_as_written() {
    let alerts = [
        alert(1, near(0.5, 2.5e6, Sides::Below)),
        Alert {
            enabled: false,
            ..alert(2, Rule::LargeLiquidation { min_usd: 1e6 })
        },
        alert(
            3,
            Rule::Burst {
                min_usd: 1e7,
                minutes: 15,
            },
        ),
        alert(
            4,
            Rule::MeasuredPosition {
                within_pct: 2.0,
                min_usd: 1e6,
            },
        ),
    ];
    assert_eq!(read(&write(&alerts)), alerts);
}

#[test]
fn damaged_alert_lines_are_dropped() {
    let text = "1|1|near|0|5|both\n2|1|near|1|5|sideways\n3|2|large|5\nx|1|large|5\n\
                4|1|burst|5|0\n5|1|large|-1\n6|1|large|NaN\n7|1|large|5\n7|1|large|6";
    let read = read(text);
    assert_eq!(
        read,
        vec![alert(7, Rule::LargeLiquidation { min_usd: 5.0 })]
    );
}

proptest! {
    #[test]
    fn reading_any_text_never_panics(text in ".{0,120}") {
        let _ = read(&text);
    }
}
