//! The common grid every source is summed on (spec sections 5 and 6).

/// Price bins over `[low, high)`, equal in price or in log price.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PriceBins {
    pub low: f64,
    pub high: f64,
    pub count: usize,
    pub log: bool,
}

impl PriceBins {
    /// The spec's default range: the window's lowest low × 0.9 to its highest
    /// high × 1.1, in `count` linear bins.
    pub fn around(lowest: f64, highest: f64, count: usize) -> Self {
        PriceBins {
            low: lowest * 0.9,
            high: highest * 1.1,
            count,
            log: false,
        }
    }

    fn is_usable(&self) -> bool {
        self.count > 0
            && self.low.is_finite()
            && self.high.is_finite()
            && self.high > self.low
            && (!self.log || self.low > 0.0)
    }

    /// The bin holding `price` (half-open bins), or `None` outside the range.
    #[inline]
    pub fn bin_of(&self, price: f64) -> Option<usize> {
        if !(price >= self.low && price < self.high && self.is_usable()) {
            return None;
        }
        let fraction = if self.log {
            (price / self.low).ln() / (self.high / self.low).ln()
        } else {
            (price - self.low) / (self.high - self.low)
        };
        // `as` saturates; min() guards rounding right below `high`.
        Some(((fraction * self.count as f64) as usize).min(self.count - 1))
    }

    /// Lower edge of bin `bin` (`bin == count` gives the upper end).
    pub fn edge(&self, bin: usize) -> f64 {
        let fraction = bin as f64 / self.count as f64;
        if self.log {
            self.low * (self.high / self.low).powf(fraction)
        } else {
            self.low + (self.high - self.low) * fraction
        }
    }

    /// Middle of bin `bin` (geometric for log bins).
    pub fn centre(&self, bin: usize) -> f64 {
        let (lo, hi) = (self.edge(bin), self.edge(bin + 1));
        if self.log {
            (lo * hi).sqrt()
        } else {
            (lo + hi) / 2.0
        }
    }
}

/// Time columns over the shown window. Column `c` covers
/// `[start_ms + c·column_ms, start_ms + (c+1)·column_ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeAxis {
    pub start_ms: i64,
    pub column_ms: i64,
    pub columns: usize,
}

impl TimeAxis {
    /// Columns of whole candles covering `[start_ms, end_ms)`, at most
    /// `max_columns` of them: one candle each, or several where the window
    /// has more candles than columns.
    pub fn covering(start_ms: i64, end_ms: i64, interval_ms: i64, max_columns: usize) -> Self {
        let interval_ms = interval_ms.max(1);
        let candles = ((end_ms - start_ms).max(0) + interval_ms - 1) / interval_ms;
        let max_columns = max_columns.max(1) as i64;
        let per_column = ((candles + max_columns - 1) / max_columns).max(1);
        let column_ms = per_column * interval_ms;
        let columns = ((candles + per_column - 1) / per_column) as usize;
        TimeAxis {
            start_ms,
            column_ms,
            columns,
        }
    }

    pub fn end_ms(&self) -> i64 {
        self.start_ms + self.column_ms * self.columns as i64
    }

    /// The column holding time `t_ms`, or `None` before or after the window.
    pub fn column_of(&self, t_ms: i64) -> Option<usize> {
        if t_ms < self.start_ms || t_ms >= self.end_ms() {
            return None;
        }
        Some(((t_ms - self.start_ms) / self.column_ms) as usize)
    }

    /// Start time of column `c`.
    pub fn column_start_ms(&self, c: usize) -> i64 {
        self.start_ms + self.column_ms * c as i64
    }
}

/// What the heatmap is computed on: time columns × price bins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridSpec {
    pub time: TimeAxis,
    pub prices: PriceBins,
}

/// A `columns × bins` grid of USD values, stored column after column:
/// the value of bin `b` in column `c` is `values[c * bins + b]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub bins: usize,
    pub columns: usize,
    pub values: Vec<f64>,
}

impl Grid {
    pub fn zeros(columns: usize, bins: usize) -> Self {
        Grid {
            bins,
            columns,
            values: vec![0.0; columns * bins],
        }
    }

    pub fn get(&self, column: usize, bin: usize) -> f64 {
        if bin >= self.bins {
            return 0.0;
        }
        self.values
            .get(column * self.bins + bin)
            .copied()
            .unwrap_or(0.0)
    }

    /// One column's values, lowest price bin first.
    pub fn column(&self, column: usize) -> &[f64] {
        self.values
            .get(column * self.bins..(column + 1) * self.bins)
            .unwrap_or(&[])
    }

    /// Cell-wise sum with another grid of the same shape.
    pub fn plus(&self, other: &Grid) -> Grid {
        Grid {
            bins: self.bins,
            columns: self.columns,
            values: self
                .values
                .iter()
                .zip(&other.values)
                .map(|(a, b)| a + b)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_half_open() {
        let bins = PriceBins {
            low: 100.0,
            high: 200.0,
            count: 10,
            log: false,
        };
        assert_eq!(bins.bin_of(100.0), Some(0));
        assert_eq!(bins.bin_of(110.0), Some(1));
        assert_eq!(bins.bin_of(199.999), Some(9));
        assert_eq!(bins.bin_of(200.0), None);
        assert_eq!(bins.bin_of(99.99), None);
        assert_eq!(bins.bin_of(f64::NAN), None);
    }

    #[test]
    fn log_bins_have_equal_ratios() {
        let bins = PriceBins {
            low: 100.0,
            high: 10_000.0,
            count: 2,
            log: true,
        };
        assert!((bins.edge(1) - 1_000.0).abs() < 1e-9);
        assert_eq!(bins.bin_of(999.0), Some(0));
        assert_eq!(bins.bin_of(1_001.0), Some(1));
    }

    #[test]
    fn columns_downsample_whole_candles() {
        // 7 days of 5-minute candles into at most 1000 columns: 3 candles each.
        let axis = TimeAxis::covering(0, 7 * 86_400_000, 300_000, 1000);
        assert_eq!(axis.column_ms, 900_000);
        assert_eq!(axis.columns, 672);
        assert_eq!(axis.column_of(899_999), Some(0));
        assert_eq!(axis.column_of(900_000), Some(1));
        assert_eq!(axis.column_of(-1), None);
        // Fewer candles than columns: one candle per column.
        let axis = TimeAxis::covering(0, 3_600_000, 300_000, 1000);
        assert_eq!((axis.columns, axis.column_ms), (12, 300_000));
    }
}
