//! The live panel's text, computed here (pure, tested natively) so the page
//! writes finished strings into a static skeleton instead of building them
//! in reactive view closures (each one costs wasm).

use super::{EventRing, LiqEvent};
use crate::accuracy::LiftInterval;
use crate::exchanges::{Exchange, Side};
use crate::render::{price_label, usd_label, utc_label};

/// The newest `rows` events, newest first: the row's class (`long` or
/// `short`) and its line.
pub fn feed_lines(events: &EventRing<LiqEvent>, rows: usize) -> Vec<(&'static str, String)> {
    events
        .iter()
        .rev()
        .take(rows)
        .map(|e| {
            let side = side_class(e.side);
            let line = format!(
                "{} {} {side} {} at {}",
                utc_label(e.time_ms),
                e.exchange.name(),
                usd_label(e.usd),
                price_label(e.price),
            );
            (side, line)
        })
        .collect()
}

fn side_class(side: Side) -> &'static str {
    match side {
        Side::Long => "long",
        Side::Short => "short",
    }
}

/// Per exchange, in the order they first appear: name, longs and shorts
/// liquidated (USD) and the number of events.
pub fn totals(events: &EventRing<LiqEvent>) -> Vec<[String; 4]> {
    // Per exchange: longs, shorts (USD) and events.
    let mut rows: Vec<(Exchange, f64, f64, usize)> = Vec::new();
    for e in events.iter() {
        let at = match rows.iter().position(|row| row.0 == e.exchange) {
            Some(at) => at,
            None => {
                rows.push((e.exchange, 0.0, 0.0, 0));
                rows.len() - 1
            }
        };
        if let Some((_, longs, shorts, n)) = rows.get_mut(at) {
            match e.side {
                Side::Long => *longs += e.usd,
                Side::Short => *shorts += e.usd,
            }
            *n += 1;
        }
    }
    rows.into_iter()
        .map(|(exchange, longs, shorts, n)| {
            [
                exchange.name().to_string(),
                usd_label(longs),
                usd_label(shorts),
                n.to_string(),
            ]
        })
        .collect()
}

/// Over which period the lift is measured: events kept from earlier
/// visits count too, so the record grows with use.
pub fn period_text(events: &EventRing<LiqEvent>) -> String {
    let first = events.iter().map(|e| e.time_ms).min();
    let last = events.iter().map(|e| e.time_ms).max();
    match (first, last) {
        (Some(first), Some(last)) => format!(
            "over {} events from {} to {} UTC (kept in this browser for 30 days)",
            events.len(),
            utc_label(first),
            utc_label(last)
        ),
        _ => String::new(),
    }
}

/// One line of the hit lift: `who` (all exchanges, or one) and its lift.
pub fn lift_line(who: &str, lift: LiftInterval) -> String {
    match lift {
        LiftInterval::NotEnoughEvents { events } => {
            format!("{who}: not enough events yet ({events} of 10)")
        }
        LiftInterval::Lift {
            lift,
            low,
            high,
            events,
        } => format!("{who}: {lift:.2} (95 % {low:.2}–{high:.2}) over {events} events"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(exchange: Exchange, time_ms: i64, usd: f64, side: Side) -> LiqEvent {
        LiqEvent {
            exchange,
            time_ms,
            price: 96_299.0,
            usd,
            side,
        }
    }

    fn ring(events: &[LiqEvent]) -> EventRing<LiqEvent> {
        let mut ring = EventRing::new(10);
        events.iter().for_each(|e| ring.push(*e));
        ring
    }

    #[test]
    fn feed_shows_the_newest_first_with_their_side() {
        let ring = ring(&[
            event(Exchange::Binance, 0, 1_160_000.0, Side::Long),
            event(Exchange::Okx, 60_000, 5_000.0, Side::Short),
        ]);
        let lines = feed_lines(&ring, 12);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].0, "short");
        assert_eq!(lines[1].0, "long");
        assert_eq!(
            lines[1].1,
            format!(
                "{} Binance long {} at {}",
                utc_label(0),
                usd_label(1_160_000.0),
                price_label(96_299.0)
            )
        );
        assert_eq!(feed_lines(&ring, 1).len(), 1);
    }

    #[test]
    fn totals_sum_each_side_per_exchange_in_order_of_appearance() {
        let ring = ring(&[
            event(Exchange::Okx, 0, 100.0, Side::Long),
            event(Exchange::Binance, 0, 50.0, Side::Short),
            event(Exchange::Okx, 0, 300.0, Side::Short),
            event(Exchange::Okx, 0, 1.0, Side::Long),
        ]);
        let rows = totals(&ring);
        assert_eq!(
            rows,
            vec![
                [
                    "OKX".to_string(),
                    usd_label(101.0),
                    usd_label(300.0),
                    "3".to_string()
                ],
                [
                    "Binance".to_string(),
                    usd_label(0.0),
                    usd_label(50.0),
                    "1".to_string()
                ],
            ]
        );
    }

    #[test]
    fn period_spans_the_events_kept() {
        assert_eq!(period_text(&ring(&[])), "");
        let ring = ring(&[
            event(Exchange::Okx, 120_000, 1.0, Side::Long),
            event(Exchange::Okx, 0, 1.0, Side::Long),
        ]);
        assert_eq!(
            period_text(&ring),
            format!(
                "over 2 events from {} to {} UTC (kept in this browser for 30 days)",
                utc_label(0),
                utc_label(120_000)
            )
        );
    }

    #[test]
    fn lift_lines_say_when_there_are_too_few_events() {
        assert_eq!(
            lift_line("All exchanges", LiftInterval::NotEnoughEvents { events: 3 }),
            "All exchanges: not enough events yet (3 of 10)"
        );
        let lift = LiftInterval::Lift {
            lift: 2.5,
            low: 1.25,
            high: 3.0,
            events: 40,
        };
        assert_eq!(
            lift_line("OKX", lift),
            "OKX: 2.50 (95 % 1.25–3.00) over 40 events"
        );
    }
}
