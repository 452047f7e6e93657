//! Grid → pixels. Pure: the canvas glue in `ui` only copies the buffer.

use crate::engine::Grid;
use crate::time::civil_from_days;
use colorous::Gradient;

/// How cell values map to colour intensity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Sqrt,
    Log,
}

impl Scale {
    /// Maps `value / max` in `[0, 1]` to an intensity in `[0, 1]`.
    fn apply(self, fraction: f64) -> f64 {
        match self {
            Scale::Linear => fraction,
            Scale::Sqrt => fraction.sqrt(),
            // Four decades of dynamic range, then clipped to zero.
            Scale::Log => ((fraction.log10() + 4.0) / 4.0).max(0.0),
        }
    }
}

/// Paints a grid as an RGBA image `grid.columns` wide and `grid.bins` high,
/// the highest price on the top row. Zero cells stay transparent so the page
/// background shows through.
pub fn heatmap_rgba(grid: &Grid, scale: Scale) -> Vec<u8> {
    let (bins, columns) = (grid.bins, grid.columns);
    let max = grid.values.iter().copied().fold(0.0_f64, f64::max);
    let mut pixels = vec![0_u8; bins * columns * 4];
    if max <= 0.0 || !max.is_finite() {
        return pixels;
    }
    let gradient: Gradient = colorous::INFERNO;
    for (column, values) in grid.values.chunks_exact(bins).enumerate() {
        for (bin, value) in values.iter().enumerate() {
            if *value > 0.0 {
                // Start the gradient a little above black so faint cells show.
                let t = 0.08 + 0.92 * scale.apply(value / max);
                let c = gradient.eval_continuous(t.clamp(0.0, 1.0));
                let i = ((bins - 1 - bin) * columns + column) * 4;
                pixels[i..i + 4].copy_from_slice(&[c.r, c.g, c.b, 255]);
            }
        }
    }
    pixels
}

/// `MM-DD HH:MM` in UTC for an axis label.
pub fn utc_label(ms: i64) -> String {
    let (y_m_d, minutes) = (
        ms.div_euclid(86_400_000),
        ms.rem_euclid(86_400_000) / 60_000,
    );
    let (_, month, day) = civil_from_days(y_m_d);
    format!(
        "{month:02}-{day:02} {:02}:{:02}",
        minutes / 60,
        minutes % 60
    )
}

/// A price for an axis: thousands separated, decimals only where small.
pub fn price_label(price: f64) -> String {
    if !price.is_finite() {
        return "–".into();
    }
    if price >= 1000.0 {
        let whole = price.round() as i64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        out
    } else if price >= 1.0 {
        format!("{price:.2}")
    } else {
        format!("{price:.5}")
    }
}

/// USD with a unit: `$1.2M`, `$350K`.
pub fn usd_label(usd: f64) -> String {
    match usd.abs() {
        x if x >= 1e9 => format!("${:.2}B", usd / 1e9),
        x if x >= 1e6 => format!("${:.2}M", usd / 1e6),
        x if x >= 1e3 => format!("${:.1}K", usd / 1e3),
        _ => format!("${usd:.0}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_bin_is_painted_on_the_top_row() {
        // 1 column × 2 bins: only the upper bin has a value.
        let grid = Grid {
            bins: 2,
            columns: 1,
            values: vec![0.0, 5.0],
        };
        let pixels = heatmap_rgba(&grid, Scale::Linear);
        assert_eq!(pixels[3], 255, "top row opaque");
        assert_eq!(pixels[7], 0, "bottom row transparent");
    }

    #[test]
    fn empty_grid_is_transparent() {
        let grid = Grid::zeros(3, 2);
        assert!(heatmap_rgba(&grid, Scale::Sqrt).iter().all(|&b| b == 0));
    }

    #[test]
    fn labels() {
        assert_eq!(utc_label(0), "01-01 00:00");
        // 2024-02-29 13:05 UTC.
        assert_eq!(utc_label(1_709_211_900_000), "02-29 13:05");
        assert_eq!(price_label(67_000.4), "67,000");
        assert_eq!(price_label(1_234_567.0), "1,234,567");
        assert_eq!(price_label(12.345), "12.35");
        assert_eq!(usd_label(1_234_567.0), "$1.23M");
    }

    #[test]
    fn log_scale_stays_in_range() {
        for f in [1e-9, 1e-4, 0.01, 0.5, 1.0] {
            let t = Scale::Log.apply(f);
            assert!((0.0..=1.0).contains(&t), "{f} -> {t}");
        }
    }
}
