//! Grid → pixels, labels, and the visible range (zoom). Pure: the canvas
//! glue in `ui` only copies the buffer.

pub mod chart;
pub mod tooltip;
pub mod zoom;

use crate::choice::Choice;
use crate::engine::{Candle, Grid, TimeAxis};
pub use crate::time::utc_label;
use colorous::Gradient;

/// How cell values map to colour intensity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Sqrt,
    Log,
}

impl Choice for Scale {
    const ALL: &'static [Self] = &[Scale::Linear, Scale::Sqrt, Scale::Log];
    fn id(self) -> &'static str {
        match self {
            Scale::Linear => "linear",
            Scale::Sqrt => "sqrt",
            Scale::Log => "log",
        }
    }
}

impl Scale {
    /// Maps `value / max` in `[0, 1]` to an intensity in `[0, 1]`.
    pub fn apply(self, fraction: f64) -> f64 {
        match self {
            Scale::Linear => fraction,
            Scale::Sqrt => fraction.sqrt(),
            // Four decades of dynamic range, then clipped to zero.
            Scale::Log => ((fraction.log10() + 4.0) / 4.0).max(0.0),
        }
    }
}

/// Colour schemes, from the maintained `colorous` colormaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Palette {
    /// Perceptually uniform black → purple → yellow (the default).
    Inferno,
    /// Purple → teal → yellow, as CoinGlass-style heatmaps look.
    Viridis,
}

impl Choice for Palette {
    const ALL: &'static [Self] = &[Palette::Inferno, Palette::Viridis];
    fn id(self) -> &'static str {
        match self {
            Palette::Inferno => "inferno",
            Palette::Viridis => "viridis",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Palette::Inferno => "Inferno (perceptual)",
            Palette::Viridis => "Purple → yellow",
        }
    }
}

impl Palette {
    fn gradient(self) -> Gradient {
        match self {
            Palette::Inferno => colorous::INFERNO,
            Palette::Viridis => colorous::VIRIDIS,
        }
    }

    /// RGB at intensity `t` in `[0, 1]` (starting a little above the
    /// darkest end so faint cells still show against the background).
    pub fn colour(self, t: f64) -> [u8; 3] {
        let c = self
            .gradient()
            .eval_continuous((0.08 + 0.92 * t).clamp(0.0, 1.0));
        [c.r, c.g, c.b]
    }
}

/// The page's colours: dark by default, light for print and daylight.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

impl Choice for Theme {
    const ALL: &'static [Self] = &[Theme::Dark, Theme::Light];
    fn id(self) -> &'static str {
        match self {
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }
}

/// How a heatmap is painted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Look {
    pub palette: Palette,
    pub scale: Scale,
    /// Cells below this share of the largest cell (after scaling) are left
    /// transparent: 0 shows everything.
    pub threshold: f64,
}

impl Default for Look {
    fn default() -> Self {
        Look {
            palette: Palette::Inferno,
            scale: Scale::Sqrt,
            threshold: 0.0,
        }
    }
}

/// Colours of a palette sampled at 256 intensities: painting looks up a
/// table instead of evaluating the colormap's spline per cell.
const SHADES: usize = 256;

/// Paints a grid as an RGBA image `grid.columns` wide and `grid.bins` high,
/// the highest price on the top row. Zero cells and cells under the
/// threshold stay transparent so the page background shows through.
pub fn heatmap_rgba(grid: &Grid, look: Look) -> Vec<u8> {
    let (bins, columns) = (grid.bins, grid.columns);
    let max = grid.values.iter().copied().fold(0.0_f64, f64::max);
    let mut pixels = vec![0_u8; bins * columns * 4];
    if max <= 0.0 || !max.is_finite() || bins == 0 {
        return pixels;
    }
    let shades: Vec<[u8; 3]> = (0..SHADES)
        .map(|i| look.palette.colour(i as f64 / (SHADES - 1) as f64))
        .collect();
    for (column, values) in grid.values.chunks_exact(bins).enumerate() {
        for (bin, value) in values.iter().enumerate() {
            let t = look.scale.apply(value / max);
            if *value > 0.0 && t >= look.threshold {
                // t ≥ 0: adding a half and truncating rounds, without
                // wasm's out-of-line `round` per cell.
                let shade = (t * (SHADES - 1) as f64 + 0.5) as usize;
                let [r, g, b] = shades[shade.min(SHADES - 1)];
                let i = ((bins - 1 - bin) * columns + column) * 4;
                pixels[i..i + 4].copy_from_slice(&[r, g, b, 255]);
            }
        }
    }
    pixels
}

/// The last close in each time column (`None` where a column has no
/// candle): the price line drawn over the heatmap.
pub fn column_closes(candles: &[Candle], time: &TimeAxis) -> Vec<Option<f64>> {
    let mut closes = vec![None; time.columns];
    for c in candles {
        if let Some(slot) = time
            .column_of(c.open_time_ms)
            .and_then(|i| closes.get_mut(i))
        {
            *slot = Some(c.close);
        }
    }
    closes
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
        let look = Look {
            scale: Scale::Linear,
            ..Look::default()
        };
        let pixels = heatmap_rgba(&grid, look);
        assert_eq!(pixels[3], 255, "top row opaque");
        assert_eq!(pixels[7], 0, "bottom row transparent");
    }

    #[test]
    fn empty_grid_is_transparent() {
        let grid = Grid::zeros(3, 2);
        assert!(heatmap_rgba(&grid, Look::default()).iter().all(|&b| b == 0));
    }

    #[test]
    fn labels() {
        assert_eq!(price_label(67_000.4), "67,000");
        assert_eq!(price_label(1_234_567.0), "1,234,567");
        assert_eq!(price_label(12.345), "12.35");
        assert_eq!(usd_label(1_234_567.0), "$1.23M");
    }

    #[test]
    fn threshold_hides_faint_cells_and_palettes_differ() {
        let grid = Grid {
            bins: 2,
            columns: 1,
            values: vec![1.0, 100.0],
        };
        let look = Look {
            scale: Scale::Linear,
            threshold: 0.5,
            ..Look::default()
        };
        let pixels = heatmap_rgba(&grid, look);
        assert_eq!(pixels[3], 255, "the large cell shows");
        assert_eq!(pixels[7], 0, "the faint cell is hidden");
        assert_ne!(Palette::Inferno.colour(0.5), Palette::Viridis.colour(0.5));
    }

    #[test]
    fn log_scale_stays_in_range() {
        for f in [1e-9, 1e-4, 0.01, 0.5, 1.0] {
            let t = Scale::Log.apply(f);
            assert!((0.0..=1.0).contains(&t), "{f} -> {t}");
        }
    }
}
