//! What the heatmap's tooltip says about the cell under the pointer: its
//! time and price band, the USD of longs and shorts, that USD by exchange
//! and by leverage, and the exchanges that delivered no candle there.

use super::{price_label, usd_label, utc_label};
use crate::engine::{effective_tiers, CellBreakdown, Estimate, Params, Source};

/// The cell `(column, bin)` at `(x, y)` pixels inside a plot of
/// `(width, height)` pixels (time left to right, prices bottom to top);
/// `None` outside the plot.
pub fn cell_at(
    estimate: &Estimate,
    (x, y): (f64, f64),
    (width, height): (f64, f64),
) -> Option<(usize, usize)> {
    if !(0.0..width).contains(&x) || !(0.0..height).contains(&y) {
        return None;
    }
    let (columns, bins) = (estimate.grid.time.columns, estimate.grid.prices.count);
    // `as` saturates; min() keeps the plot's top row in the highest bin.
    let column = ((x / width) * columns as f64) as usize;
    let bin = ((1.0 - y / height) * bins as f64) as usize;
    Some((
        column.min(columns.saturating_sub(1)),
        bin.min(bins.saturating_sub(1)),
    ))
}

/// Whether the cell `(column, bin)` holds any USD: only then does its
/// tooltip split it by exchange and leverage, from its
/// [`CellBreakdown`], which the engine computes (the page links no
/// position model).
pub fn has_usd(estimate: &Estimate, (column, bin): (usize, usize)) -> bool {
    estimate.heatmap[0].get(column, bin) + estimate.heatmap[1].get(column, bin) > 0.0
}

/// The tooltip's lines for the cell `(column, bin)` of `estimate`, which
/// was computed from `sources` with `params`; split by exchange and
/// leverage once the engine gave the cell's `breakdown`.
pub fn cell_lines(
    estimate: &Estimate,
    sources: &[Source],
    params: &Params,
    breakdown: Option<&CellBreakdown>,
    (column, bin): (usize, usize),
) -> Vec<String> {
    let (prices, time) = (estimate.grid.prices, estimate.grid.time);
    let long = estimate.heatmap[0].get(column, bin);
    let short = estimate.heatmap[1].get(column, bin);
    let start = time.column_start_ms(column);
    let end = start + time.column_ms;
    let mut lines = vec![
        format!("{} – {} UTC", utc_label(start), utc_label(end)),
        format!(
            "{} – {}",
            price_label(prices.edge(bin)),
            price_label(prices.edge(bin + 1))
        ),
        format!("Longs: {}", usd_label(long)),
        format!("Shorts: {}", usd_label(short)),
    ];
    if let Some(breakdown) = breakdown.filter(|_| long + short > 0.0) {
        lines.extend(split_lines(estimate, sources, params, breakdown));
    }
    for source in sources.iter().filter(|s| !s.delivered_in(start, end)) {
        lines.push(format!(
            "{}: no candle here (the exchange did not deliver it)",
            source.exchange
        ));
    }
    lines
}

/// The cell's USD by exchange (when there are several) and by leverage.
fn split_lines(
    estimate: &Estimate,
    sources: &[Source],
    params: &Params,
    split: &CellBreakdown,
) -> Vec<String> {
    let both = |v: &[f64; 2]| v[0] + v[1];
    let mut lines = Vec::new();
    if split.usd.len() > 1 {
        for (name, tiers) in estimate.sources.iter().zip(&split.usd) {
            let usd: f64 = tiers.iter().map(both).sum();
            if usd > 0.0 {
                lines.push(format!("{name}: {}", usd_label(usd)));
            }
        }
    }
    // By the leverage each source opens a tier at (folded to its maximum).
    let mut by_leverage: Vec<(f64, f64)> = Vec::new();
    for (source, tiers) in sources.iter().zip(&split.usd) {
        for (tier, usd) in effective_tiers(source, params).iter().zip(tiers) {
            match by_leverage.iter_mut().find(|(l, _)| *l == tier.leverage) {
                Some(entry) => entry.1 += both(usd),
                None => by_leverage.push((tier.leverage, both(usd))),
            }
        }
    }
    crate::sorting::sort_by_key(&mut by_leverage, |(l, _)| crate::sorting::f64_key(*l));
    let by_tier: Vec<String> = by_leverage
        .into_iter()
        .filter(|(_, usd)| *usd > 0.0)
        .map(|(leverage, usd)| format!("{leverage}x {}", usd_label(usd)))
        .collect();
    if !by_tier.is_empty() {
        lines.push(by_tier.join(" · "));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{cell_breakdown, default_grid, estimate};

    const END_MS: i64 = 1_767_225_600_000;
    const WINDOW_MS: i64 = 12 * 3_600_000;

    /// The simulated market under two exchange names, estimated over 12 h.
    fn two_sources() -> (Estimate, Vec<Source>, Params) {
        let source = crate::sim::demo_market(1, END_MS, WINDOW_MS).source;
        let mut other = source.clone();
        other.exchange = "Other".into();
        let sources = vec![source, other];
        let spec = default_grid(&sources, END_MS - WINDOW_MS, END_MS, 40, 30).expect("grid");
        let params = Params::default();
        (estimate(&sources, &params, &spec), sources, params)
    }

    /// The cell holding the most USD.
    fn fullest(estimate: &Estimate) -> (usize, usize) {
        let total = estimate.heatmap_total();
        let cells = (0..total.columns).flat_map(|c| (0..total.bins).map(move |b| (c, b)));
        let mut best = (0, 0);
        for cell in cells {
            if total.get(cell.0, cell.1) > total.get(best.0, best.1) {
                best = cell;
            }
        }
        best
    }

    #[test]
    fn cells_are_found_under_the_pointer() {
        let (estimate, _, _) = two_sources();
        let (columns, bins) = (estimate.grid.time.columns, estimate.grid.prices.count);
        let plot = (400.0, 300.0);
        assert_eq!(cell_at(&estimate, (0.0, 0.0), plot), Some((0, bins - 1)));
        assert_eq!(
            cell_at(&estimate, (399.9, 299.9), plot),
            Some((columns - 1, 0))
        );
        for outside in [(-1.0, 10.0), (400.0, 10.0), (10.0, 300.0), (10.0, -0.5)] {
            assert_eq!(cell_at(&estimate, outside, plot), None, "{outside:?}");
        }
        assert_eq!(cell_at(&estimate, (1.0, 1.0), (0.0, 0.0)), None);
    }

    #[test]
    fn a_full_cell_is_split_by_exchange_and_leverage() {
        let (estimate, sources, params) = two_sources();
        let cell = fullest(&estimate);
        let (column, bin) = cell;
        let breakdown = cell_breakdown(&sources, &params, &estimate.grid, column, bin);
        assert!(has_usd(&estimate, cell));
        // Until the engine gives the breakdown, the cell's totals alone.
        assert_eq!(
            cell_lines(&estimate, &sources, &params, None, cell).len(),
            4
        );
        let lines = cell_lines(&estimate, &sources, &params, Some(&breakdown), cell);
        let start = estimate.grid.time.column_start_ms(cell.0);
        let end = start + estimate.grid.time.column_ms;
        assert_eq!(
            lines[0],
            format!("{} – {} UTC", utc_label(start), utc_label(end))
        );
        assert!(lines[1].contains(" – "), "{lines:?}");
        assert!(lines[2].starts_with("Longs: $"), "{lines:?}");
        assert!(lines[3].starts_with("Shorts: $"), "{lines:?}");
        // Both names share the cell equally (the same market twice).
        assert_eq!(lines[4].split(": ").nth(1), lines[5].split(": ").nth(1));
        assert!(lines[4].starts_with(&format!("{}: $", sources[0].exchange)));
        assert!(lines[5].starts_with("Other: $"), "{lines:?}");
        assert!(
            lines[6].split(" · ").all(|part| part.contains("x $")),
            "{lines:?}"
        );
        assert_eq!(lines.len(), 7, "{lines:?}");
    }

    #[test]
    fn an_empty_cell_shows_no_split_and_gaps_are_named() {
        let (estimate, mut sources, params) = two_sources();
        let total = estimate.heatmap_total();
        let empty = (0..total.columns)
            .flat_map(|c| (0..total.bins).map(move |b| (c, b)))
            .find(|&(c, b)| total.get(c, b) == 0.0)
            .expect("an empty cell");
        let breakdown = cell_breakdown(&sources, &params, &estimate.grid, empty.0, empty.1);
        assert!(!has_usd(&estimate, empty));
        let lines = cell_lines(&estimate, &sources, &params, Some(&breakdown), empty);
        assert_eq!(lines[2], "Longs: $0");
        assert_eq!(lines.len(), 4, "{lines:?}");
        // Every candle of "Other" missing: each cell names it.
        sources[1].missing = vec![true; sources[1].candles.len()];
        let lines = cell_lines(&estimate, &sources, &params, None, empty);
        assert_eq!(
            lines.last().map(String::as_str),
            Some("Other: no candle here (the exchange did not deliver it)")
        );
    }
}
