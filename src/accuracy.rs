//! Accuracy figures (spec section 9): how close an estimate is to the truth.

use crate::engine::{Estimate, Grid, GridSpec, Side};

/// Cosine similarity of two equally long vectors (0 when either is all zero).
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator > 0.0 {
        dot / denominator
    } else {
        0.0
    }
}

/// The estimate's map at the last candle per bin, both sides together.
pub fn map_total(estimate: &Estimate) -> Vec<f64> {
    let longs = estimate.map.side_totals(Side::Long);
    let shorts = estimate.map.side_totals(Side::Short);
    longs.iter().zip(&shorts).map(|(l, s)| l + s).collect()
}

/// An actual liquidation, wherever it comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    pub time_ms: i64,
    pub price: f64,
    pub usd: f64,
}

/// The top share of each column that counts as a hit.
const TOP: f64 = 0.2;

/// Share of actual liquidation USD that happened in cells whose estimated
/// density was in the top 20 % of their column, divided by 0.2: a map with
/// no information scores 1. Events outside the window are left out; events
/// in the window but outside the price range count as misses. `None` when no
/// event falls in the window.
pub fn hit_lift(density: &Grid, spec: &GridSpec, events: &[Event]) -> Option<f64> {
    let (mut hit, mut total) = (0.0, 0.0);
    for (e, is_hit) in hits(density, spec, events) {
        total += e.usd;
        if is_hit {
            hit += e.usd;
        }
    }
    (total > 0.0).then(|| hit / total / TOP)
}

/// Events in the window, each with whether it fell in a top-20 % cell.
fn hits<'a>(
    density: &'a Grid,
    spec: &'a GridSpec,
    events: &'a [Event],
) -> impl Iterator<Item = (&'a Event, bool)> + 'a {
    let top_cells = ((density.bins as f64 * TOP).ceil() as usize).max(1);
    // Per column, the smallest density still in the top 20 % (non-zero
    // only), found for the columns events fall in only: sorting all of a
    // 30-day heatmap's columns took the page's main thread ~50 ms.
    let mut thresholds: Vec<Option<f64>> = vec![None; density.columns];
    let threshold = move |column: usize| {
        let mut values: Vec<f64> = density.column(column).to_vec();
        crate::sorting::sort_f64(&mut values, true);
        values.get(top_cells - 1).copied().unwrap_or(0.0)
    };
    events.iter().filter_map(move |e| {
        let column = spec.time.column_of(e.time_ms)?;
        let is_hit = spec.prices.bin_of(e.price).is_some_and(|bin| {
            let value = density.get(column, bin);
            let t = thresholds
                .get_mut(column)
                .map(|t| *t.get_or_insert_with(|| threshold(column)));
            value > 0.0 && t.is_some_and(|t| value >= t)
        });
        Some((e, is_hit))
    })
}

/// Fewer events than this give no interval: it would span almost anything.
pub const MIN_EVENTS: usize = 10;

/// Hit lift with its 95 % interval, for showing how far a figure can be
/// trusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LiftInterval {
    /// Fewer than [`MIN_EVENTS`] events fell in the window.
    NotEnoughEvents { events: usize },
    Lift {
        /// Share of events in top-20 % cells, divided by 0.2.
        lift: f64,
        /// 95 % Wilson interval of that share, divided by 0.2.
        low: f64,
        high: f64,
        events: usize,
    },
}

/// Hit lift by event count with a 95 % Wilson score interval. Each event
/// counts once (unlike [`hit_lift`], which weighs by USD), so that the
/// interval has a closed form and one whale cannot make a figure look
/// certain; the two agree when events are of similar size. Same window and
/// miss rules as [`hit_lift`].
pub fn hit_lift_interval(density: &Grid, spec: &GridSpec, events: &[Event]) -> LiftInterval {
    const Z: f64 = 1.959_963_984_540_054; // two-sided 95 %
    let (mut hit, mut n) = (0_usize, 0_usize);
    for (_, is_hit) in hits(density, spec, events) {
        n += 1;
        hit += usize::from(is_hit);
    }
    if n < MIN_EVENTS {
        return LiftInterval::NotEnoughEvents { events: n };
    }
    let (h, n_f) = (hit as f64, n as f64);
    let p = h / n_f;
    let z2 = Z * Z;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denominator;
    LiftInterval::Lift {
        lift: p / TOP,
        low: (centre - half).max(0.0) / TOP,
        high: (centre + half).min(1.0) / TOP,
        events: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{PriceBins, TimeAxis};

    /// One column of 10 bins over prices 0–10; density rising with the bin,
    /// so bins 8 and 9 are the top 20 %.
    fn setup() -> (Grid, GridSpec) {
        let spec = GridSpec {
            time: TimeAxis {
                start_ms: 0,
                column_ms: 100,
                columns: 1,
            },
            prices: PriceBins {
                low: 0.0,
                high: 10.0,
                count: 10,
                log: false,
            },
        };
        let density = Grid {
            bins: 10,
            columns: 1,
            values: (0..10).map(f64::from).collect(),
        };
        (density, spec)
    }

    /// `hits` events in the top bins and `misses` elsewhere, 1 USD each.
    fn events(hits: usize, misses: usize) -> Vec<Event> {
        let at = |price: f64| Event {
            time_ms: 50,
            price,
            usd: 1.0,
        };
        let mut v: Vec<Event> = (0..hits).map(|i| at(8.5 + (i % 2) as f64)).collect();
        v.extend((0..misses).map(|i| at((i % 8) as f64 + 0.5)));
        v
    }

    fn assert_lift(got: LiftInterval, lift: f64, low: f64, high: f64, n: usize) {
        let LiftInterval::Lift {
            lift: l,
            low: lo,
            high: hi,
            events,
        } = got
        else {
            panic!("{got:?}")
        };
        assert_eq!(events, n);
        for (a, b) in [(l, lift), (lo, low), (hi, high)] {
            assert!((a - b).abs() < 5e-4, "{got:?}");
        }
    }

    #[test]
    fn wilson_interval_known_values() {
        let (density, spec) = setup();
        // 5 of 10: Wilson 95 % is 0.2366–0.7634 on the share.
        let got = hit_lift_interval(&density, &spec, &events(5, 5));
        assert_lift(got, 2.5, 0.2366 / 0.2, 0.7634 / 0.2, 10);
        // 2 of 20: 0.0279–0.3010 (0.30104).
        let got = hit_lift_interval(&density, &spec, &events(2, 18));
        assert_lift(got, 0.5, 0.0279 / 0.2, 0.30104 / 0.2, 20);
        // 0 of 10: 0–0.2775; all 10: 0.7225–1.
        assert_lift(
            hit_lift_interval(&density, &spec, &events(0, 10)),
            0.0,
            0.0,
            0.2775 / 0.2,
            10,
        );
        assert_lift(
            hit_lift_interval(&density, &spec, &events(10, 0)),
            5.0,
            0.7225 / 0.2,
            5.0,
            10,
        );
        // The USD figure agrees when events are of one size.
        assert_eq!(hit_lift(&density, &spec, &events(5, 5)), Some(2.5));
    }

    #[test]
    fn few_events_give_no_interval() {
        let (density, spec) = setup();
        let mut e = events(3, 6);
        // Outside the window: not counted; outside the prices: a miss.
        e.push(Event {
            time_ms: 500,
            price: 8.5,
            usd: 1.0,
        });
        assert_eq!(
            hit_lift_interval(&density, &spec, &e),
            LiftInterval::NotEnoughEvents { events: 9 }
        );
        e.push(Event {
            time_ms: 10,
            price: 50.0,
            usd: 1.0,
        });
        assert_lift(
            hit_lift_interval(&density, &spec, &e),
            1.5,
            0.1078 / 0.2,
            0.6032 / 0.2,
            10,
        );
    }
}
