//! Grid → pixels. Pure: the canvas glue in `ui` only copies the buffer.

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

/// Paints a `bins × columns` grid (row-major by price bin, bin 0 = lowest
/// price) as RGBA with the highest price on the top row. Zero cells stay
/// transparent so the page background shows through.
pub fn heatmap_rgba(grid: &[f64], bins: usize, columns: usize, scale: Scale) -> Vec<u8> {
    let max = grid.iter().copied().fold(0.0_f64, f64::max);
    let mut pixels = vec![0_u8; bins * columns * 4];
    if max <= 0.0 || !max.is_finite() {
        return pixels;
    }
    let gradient: Gradient = colorous::INFERNO;
    for (bin, row) in grid.chunks_exact(columns).take(bins).enumerate() {
        let top_row = bins - 1 - bin;
        let out = &mut pixels[top_row * columns * 4..(top_row + 1) * columns * 4];
        for (value, px) in row.iter().zip(out.chunks_exact_mut(4)) {
            if *value > 0.0 {
                // Start the gradient a little above black so faint cells show.
                let t = 0.08 + 0.92 * scale.apply(value / max);
                let c = gradient.eval_continuous(t.clamp(0.0, 1.0));
                px.copy_from_slice(&[c.r, c.g, c.b, 255]);
            }
        }
    }
    pixels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highest_bin_is_painted_on_the_top_row() {
        // 2 bins × 1 column: only the upper bin has a value.
        let pixels = heatmap_rgba(&[0.0, 5.0], 2, 1, Scale::Linear);
        assert_eq!(pixels[3], 255, "top row opaque");
        assert_eq!(pixels[7], 0, "bottom row transparent");
    }

    #[test]
    fn empty_grid_is_transparent() {
        assert!(heatmap_rgba(&[0.0; 6], 2, 3, Scale::Sqrt)
            .iter()
            .all(|&b| b == 0));
    }

    #[test]
    fn log_scale_stays_in_range() {
        for f in [1e-9, 1e-4, 0.01, 0.5, 1.0] {
            let t = Scale::Log.apply(f);
            assert!((0.0..=1.0).contains(&t), "{f} -> {t}");
        }
    }
}
