//! Zoom and pan of the heatmap: which part of the window and which price
//! band are visible. Zooming re-bins: the estimate is recomputed for the
//! visible range (the engine is fast enough), pixels are never stretched.

use crate::engine::{PriceBins, TimeAxis};

/// The visible part; `None` on an axis means "all of it".
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Zoom {
    pub time: Option<(i64, i64)>,
    pub prices: Option<(f64, f64)>,
}

/// No narrower than this many candles or this share of the price.
const MIN_CANDLES: i64 = 12;
const MIN_PRICE_SHARE: f64 = 0.002;

impl Zoom {
    /// Zooms the time axis by `factor` (< 1 in) around `at_ms`, within
    /// `[window_start, window_end)`.
    pub fn zoom_time(
        self,
        shown: &TimeAxis,
        factor: f64,
        at_ms: i64,
        window: (i64, i64),
        candle_ms: i64,
    ) -> Zoom {
        let (start, end) = (shown.start_ms, shown.end_ms());
        let span = (((end - start) as f64 * factor) as i64).max(MIN_CANDLES * candle_ms);
        let left = ((at_ms - start) as f64 / (end - start).max(1) as f64).clamp(0.0, 1.0);
        let new_start = at_ms - (span as f64 * left) as i64;
        Zoom {
            time: clamp_time(new_start, new_start + span, window),
            ..self
        }
    }

    /// Zooms the price axis by `factor` around `at_price`.
    pub fn zoom_prices(self, shown: &PriceBins, factor: f64, at_price: f64) -> Zoom {
        let span = ((shown.high - shown.low) * factor).max(at_price * MIN_PRICE_SHARE);
        let below = ((at_price - shown.low) / (shown.high - shown.low)).clamp(0.0, 1.0);
        let low = (at_price - span * below).max(f64::MIN_POSITIVE);
        Zoom {
            prices: Some((low, low + span)),
            ..self
        }
    }

    /// Two fingers moved from `before` to `after` (positions as shares of
    /// the plot: x to the right, y down). Each axis zooms by how much the
    /// fingers' spread along it changed, around their midpoint; an axis
    /// along which they are close together (a one-axis pinch) stays.
    pub fn pinch(
        self,
        (time, prices): (&TimeAxis, &PriceBins),
        before: [(f64, f64); 2],
        after: [(f64, f64); 2],
        window: (i64, i64),
        candle_ms: i64,
    ) -> Zoom {
        const MIN_SPREAD: f64 = 0.05;
        let spread = |p: [(f64, f64); 2]| ((p[0].0 - p[1].0).abs(), (p[0].1 - p[1].1).abs());
        let ((bx, by), (ax, ay)) = (spread(before), spread(after));
        let (mid_x, mid_y) = (
            (after[0].0 + after[1].0) / 2.0,
            (after[0].1 + after[1].1) / 2.0,
        );
        let mut next = self;
        if bx > MIN_SPREAD && ax > MIN_SPREAD {
            let span = (time.end_ms() - time.start_ms) as f64;
            let at = time.start_ms + (span * mid_x.clamp(0.0, 1.0)) as i64;
            next = next.zoom_time(time, (bx / ax).clamp(0.5, 2.0), at, window, candle_ms);
        }
        if by > MIN_SPREAD && ay > MIN_SPREAD {
            let at = prices.high - (prices.high - prices.low) * mid_y.clamp(0.0, 1.0);
            next = next.zoom_prices(prices, (by / ay).clamp(0.5, 2.0), at);
        }
        next
    }

    /// Moves the view by a share of the shown span (positive: later / higher).
    pub fn pan(
        self,
        shown_time: &TimeAxis,
        shown_prices: &PriceBins,
        time_share: f64,
        price_share: f64,
        window: (i64, i64),
    ) -> Zoom {
        let (start, end) = (shown_time.start_ms, shown_time.end_ms());
        let shift = ((end - start) as f64 * time_share) as i64;
        let time = if self.time.is_some() || shift != 0 {
            clamp_time(start + shift, end + shift, window)
        } else {
            None
        };
        let price_shift = (shown_prices.high - shown_prices.low) * price_share;
        let prices = if self.prices.is_some() || price_shift != 0.0 {
            let low = (shown_prices.low + price_shift).max(f64::MIN_POSITIVE);
            Some((low, low + (shown_prices.high - shown_prices.low)))
        } else {
            None
        };
        Zoom { time, prices }
    }
}

/// `[start, end)` moved inside the window; `None` when it covers it all.
fn clamp_time(start: i64, end: i64, (first, last): (i64, i64)) -> Option<(i64, i64)> {
    let span = (end - start).min(last - first);
    let start = start.clamp(first, last - span);
    (span < last - first).then_some((start, start + span))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn axis(start: i64, end: i64) -> TimeAxis {
        TimeAxis::covering(start, end, 300_000, 1000)
    }

    #[test]
    fn zooming_in_on_time_keeps_the_pointer_still_and_stays_in_the_window() {
        let window = (0, 24 * HOUR);
        let z = Zoom::default().zoom_time(&axis(0, 24 * HOUR), 0.5, 12 * HOUR, window, 300_000);
        assert_eq!(z.time, Some((6 * HOUR, 18 * HOUR)));
        // Zooming out past the window shows all of it again.
        let z = z.zoom_time(&axis(6 * HOUR, 18 * HOUR), 4.0, 12 * HOUR, window, 300_000);
        assert_eq!(z.time, None);
    }

    #[test]
    fn pinching_apart_zooms_in_on_the_axis_it_spreads_along() {
        let time = axis(0, 1_000_000);
        let prices = PriceBins {
            low: 100.0,
            high: 200.0,
            count: 10,
            log: false,
        };
        let window = (0, 1_000_000);
        // Fingers spread horizontally from 0.4–0.6 to 0.3–0.7: time halves.
        let z = Zoom::default().pinch(
            (&time, &prices),
            [(0.4, 0.5), (0.6, 0.5)],
            [(0.3, 0.5), (0.7, 0.5)],
            window,
            1_000,
        );
        assert_eq!(z.time, Some((300_000, 900_000)), "the axis covers 0–1.2M");
        assert_eq!(z.prices, None, "no vertical spread, no price zoom");
        // Vertically: prices zoom instead.
        let z = Zoom::default().pinch(
            (&time, &prices),
            [(0.5, 0.4), (0.5, 0.6)],
            [(0.5, 0.3), (0.5, 0.7)],
            window,
            1_000,
        );
        assert_eq!(z.time, None);
        assert_eq!(z.prices, Some((125.0, 175.0)));
    }

    #[test]
    fn price_zoom_and_pan() {
        let bins = PriceBins {
            low: 100.0,
            high: 200.0,
            count: 10,
            log: false,
        };
        let z = Zoom::default().zoom_prices(&bins, 0.5, 150.0);
        assert_eq!(z.prices, Some((125.0, 175.0)));
        let panned = Zoom::default().pan(&axis(0, 24 * HOUR), &bins, -0.25, 0.1, (0, 24 * HOUR));
        assert_eq!(panned.time, None, "cannot pan before the window's start");
        assert_eq!(panned.prices, Some((110.0, 210.0)));
    }
}
