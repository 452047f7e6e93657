//! CSV export of an [`Estimate`]: the heatmap (time × price cells) and the
//! liquidation map (price bin × exchange × leverage × side). Pure Rust, no
//! browser types; never panics, whatever the estimate holds.
//!
//! Numbers use Rust's shortest round-trip `Display` for `f64` (parses back
//! to the same value, no thousands separators); text fields are quoted per
//! RFC 4180 where needed. Rows end in `\n`.

use crate::engine::{effective_tiers, Estimate, Params, PriceBins, Side, Source};
use crate::measured::MeasuredMap;
use crate::time::{utc_text, Precision};
use std::fmt::Write as _;

/// Header of [`heatmap_csv`].
pub const HEATMAP_HEADER: &str = "time,price_low,price_high,long_usd,short_usd";

/// Header of [`map_csv`].
pub const MAP_HEADER: &str = "price_low,price_high,exchange,leverage,side,usd";

/// One row per heatmap cell where longs or shorts are non-zero, ordered by
/// column then bin (low to high price): the column start in ISO-8601 UTC,
/// the bin's edges and the alive notional of longs and shorts, USD.
pub fn heatmap_csv(estimate: &Estimate) -> String {
    let mut out = String::new();
    out.push_str(HEATMAP_HEADER);
    out.push('\n');
    let [long, short] = &estimate.heatmap;
    let columns = long.columns.max(short.columns);
    let bins = long.bins.max(short.bins);
    let time = &estimate.grid.time;
    let prices = &estimate.grid.prices;
    for c in 0..columns {
        let start_ms = i64::try_from(c)
            .ok()
            .and_then(|c| time.column_ms.checked_mul(c))
            .and_then(|offset| time.start_ms.checked_add(offset))
            .unwrap_or(i64::MAX);
        let mut stamp: Option<String> = None;
        for b in 0..bins {
            let (l, s) = (long.get(c, b), short.get(c, b));
            if l == 0.0 && s == 0.0 {
                continue;
            }
            let stamp = stamp.get_or_insert_with(|| utc_text(start_ms, Precision::Second));
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                stamp,
                number(prices.edge(b)),
                number(prices.edge(b.saturating_add(1))),
                number(l),
                number(s),
            );
        }
    }
    out
}

/// One row per non-zero (bin, source, leverage, side) of the liquidation
/// map, ordered by bin, then source, leverage and side (long first): the
/// bin's edges, the exchange, the leverage the source opens the tier at
/// (`10x`: a tier above the instrument's maximum is folded into it, spec
/// section 2; empty if `params` has no such tier), `long`/`short` and the
/// alive notional, USD.
pub fn map_csv(estimate: &Estimate, sources: &[Source], params: &Params) -> String {
    let mut out = String::new();
    out.push_str(MAP_HEADER);
    out.push('\n');
    let map = &estimate.map;
    let prices = &estimate.grid.prices;
    let levels: Vec<Vec<(String, Vec<usize>)>> = (0..map.sources)
        .map(|source| leverage_levels(sources.get(source), params, map.tiers))
        .collect();
    for b in 0..map.bins {
        for (source, levels) in levels.iter().enumerate() {
            let exchange = estimate
                .sources
                .get(source)
                .map(|name| csv_field(name))
                .unwrap_or_default();
            for (leverage, tiers) in levels {
                for side in Side::BOTH {
                    let usd: f64 = tiers.iter().map(|t| map.get(source, *t, side, b)).sum();
                    if usd == 0.0 {
                        continue;
                    }
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{}",
                        number(prices.edge(b)),
                        number(prices.edge(b.saturating_add(1))),
                        exchange,
                        leverage,
                        side_name(side),
                        number(usd),
                    );
                }
            }
        }
    }
    out
}

/// The exchange column of measured rows.
pub const MEASURED_EXCHANGE: &str = "Hyperliquid (measured)";

/// The rows [`map_csv`] gains from measured positions (spec section 10),
/// in its columns, ordered by bin then side: exchange
/// [`MEASURED_EXCHANGE`], leverage empty (every leverage together).
pub fn measured_csv_rows(measured: &MeasuredMap, prices: &PriceBins) -> String {
    let mut out = String::new();
    for b in 0..prices.count {
        for side in Side::BOTH {
            let usd = measured
                .bins
                .get(side.index())
                .and_then(|v| v.get(b))
                .copied()
                .unwrap_or(0.0);
            if usd == 0.0 {
                continue;
            }
            let _ = writeln!(
                out,
                "{},{},{MEASURED_EXCHANGE},,{},{}",
                number(prices.edge(b)),
                number(prices.edge(b.saturating_add(1))),
                side_name(side),
                number(usd),
            );
        }
    }
    out
}

/// The map's tiers of one source grouped by the leverage it opens them at,
/// in the parameters' order: `("40x", [3, 4])` where 50x and 100x fold to
/// 40x.
fn leverage_levels(
    source: Option<&Source>,
    params: &Params,
    tiers: usize,
) -> Vec<(String, Vec<usize>)> {
    let opened: Vec<f64> = match source {
        Some(source) => effective_tiers(source, params)
            .iter()
            .map(|t| t.leverage)
            .collect(),
        None => params.tiers.iter().map(|t| t.leverage).collect(),
    };
    let mut levels: Vec<(String, Vec<usize>)> = Vec::new();
    for tier in 0..tiers {
        let label = opened
            .get(tier)
            .map(|l| format!("{}x", number(*l)))
            .unwrap_or_default();
        match levels.iter_mut().find(|(l, _)| *l == label) {
            Some((_, group)) => group.push(tier),
            None => levels.push((label, vec![tier])),
        }
    }
    levels
}

/// A number as CSV text: shortest representation that parses back to the
/// same `f64`, no thousands separators (`NaN`/`inf` as Rust writes them).
fn number(x: f64) -> String {
    format!("{x}")
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Long => "long",
        Side::Short => "short",
    }
}

/// `text` as one CSV field: quoted, with quotes doubled, when it holds a
/// comma, a quote or a line break (RFC 4180); as is otherwise.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{default_grid, estimate, Grid, LiqMap};
    use crate::time::parse_utc;

    fn demo() -> (Estimate, Params) {
        let window = 3_600_000 * 12;
        let market = crate::sim::demo_market(1, 1_767_225_600_000, window);
        let source = market.source;
        let last = source.candles.last().expect("demo has candles");
        let end = last.open_time_ms + source.interval_ms;
        let sources = [source];
        let spec = default_grid(&sources, end - window, end, 50, 40).expect("grid");
        let params = Params::default();
        (estimate(&sources, &params, &spec), params)
    }

    /// Fields of one CSV row, honouring RFC 4180 quotes.
    fn fields(row: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        let mut chars = row.chars().peekable();
        while let Some(ch) = chars.next() {
            match ch {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    chars.next();
                    out.last_mut().unwrap().push('"');
                }
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(String::new()),
                _ => out.last_mut().unwrap().push(ch),
            }
        }
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-300)
    }

    fn parse_iso(text: &str) -> i64 {
        assert_eq!(text.len(), 20, "{text}");
        parse_utc(text).unwrap()
    }

    #[test]
    fn heatmap_rows_sum_to_the_grid() {
        let (est, _) = demo();
        let csv = heatmap_csv(&est);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(HEATMAP_HEADER));
        let rows: Vec<Vec<String>> = lines.map(fields).collect();
        assert!(!rows.is_empty());
        let (mut long, mut short) = (0.0, 0.0);
        for row in &rows {
            assert_eq!(row.len(), 5, "{row:?}");
            let low: f64 = row[1].parse().unwrap();
            let high: f64 = row[2].parse().unwrap();
            assert!(low < high);
            long += row[3].parse::<f64>().unwrap();
            short += row[4].parse::<f64>().unwrap();
        }
        let grid_long: f64 = est.heatmap[0].values.iter().sum();
        let grid_short: f64 = est.heatmap[1].values.iter().sum();
        assert!(grid_long > 0.0 && grid_short > 0.0);
        assert!(close(long, grid_long), "{long} vs {grid_long}");
        assert!(close(short, grid_short), "{short} vs {grid_short}");
        // Times are column starts, non-decreasing.
        let times: Vec<i64> = rows.iter().map(|r| parse_iso(&r[0])).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn first_time_is_the_grid_start() {
        let (est, _) = demo();
        assert_eq!(
            parse_iso(&utc_text(est.grid.time.start_ms, Precision::Second)),
            est.grid.time.start_ms
        );
        // The first exported row belongs to the first column with data.
        let csv = heatmap_csv(&est);
        let first = fields(csv.lines().nth(1).unwrap());
        let c = (0..est.grid.time.columns)
            .find(|&c| {
                (0..est.grid.prices.count)
                    .any(|b| est.heatmap[0].get(c, b) != 0.0 || est.heatmap[1].get(c, b) != 0.0)
            })
            .unwrap();
        assert_eq!(parse_iso(&first[0]), est.grid.time.column_start_ms(c));
        // The demo's warm-up fills column 0, so the first row is the start.
        assert_eq!(c, 0);
        assert_eq!(parse_iso(&first[0]), est.grid.time.start_ms);
    }

    #[test]
    fn map_rows_sum_to_side_totals() {
        let (est, params) = demo();
        let csv = map_csv(&est, &[], &params);
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some(MAP_HEADER));
        let (mut long, mut short) = (0.0, 0.0);
        let mut count = 0;
        for row in lines.map(fields) {
            count += 1;
            assert_eq!(row.len(), 6, "{row:?}");
            assert_eq!(row[2], est.sources[0]);
            assert!(row[3].ends_with('x'), "{row:?}");
            let usd: f64 = row[5].parse().unwrap();
            match row[4].as_str() {
                "long" => long += usd,
                "short" => short += usd,
                other => panic!("side {other}"),
            }
        }
        assert!(count > 0);
        let want_long: f64 = est.map.side_totals(Side::Long).iter().sum();
        let want_short: f64 = est.map.side_totals(Side::Short).iter().sum();
        assert!(close(long, want_long), "{long} vs {want_long}");
        assert!(close(short, want_short), "{short} vs {want_short}");
    }

    #[test]
    fn tiers_above_the_maximum_leverage_are_one_row_at_it() {
        let (est, params) = demo();
        let mut source = crate::sim::demo_market(1, 1_767_225_600_000, 3_600_000 * 12).source;
        source.max_leverage = Some(20.0);
        let csv = map_csv(&est, &[source], &params);
        let levels: std::collections::BTreeSet<String> =
            csv.lines().skip(1).map(|r| fields(r)[3].clone()).collect();
        // 5x and 10x, then 25x, 50x and 100x all opened at 20x.
        assert!(levels.contains("20x"), "{levels:?}");
        assert!(levels
            .iter()
            .all(|l| ["5x", "10x", "20x"].contains(&l.as_str())));
        let total = |csv: &str| -> f64 {
            csv.lines()
                .skip(1)
                .map(|r| fields(r)[5].parse::<f64>().unwrap())
                .sum()
        };
        assert!(close(total(&csv), total(&map_csv(&est, &[], &params))));
    }

    #[test]
    fn names_with_commas_are_quoted() {
        let (mut est, params) = demo();
        est.sources[0] = "Foo, \"Bar\"".into();
        let csv = map_csv(&est, &[], &params);
        assert!(csv.contains(",\"Foo, \"\"Bar\"\"\","));
        let row = fields(csv.lines().nth(1).unwrap());
        assert_eq!(row.len(), 6);
        assert_eq!(row[2], "Foo, \"Bar\"");
        assert_eq!(csv_field("Binance"), "Binance");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn leverage_and_numbers_format_plainly() {
        assert_eq!(number(10.0), "10");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(1_234_567.25), "1234567.25");
        assert_eq!(number(0.1).parse::<f64>().unwrap(), 0.1);
    }

    #[test]
    fn all_zero_estimate_gives_only_headers() {
        let (mut est, params) = demo();
        let (columns, bins) = (est.heatmap[0].columns, est.heatmap[0].bins);
        est.heatmap = [Grid::zeros(columns, bins), Grid::zeros(columns, bins)];
        est.map = LiqMap::zeros(est.map.bins, est.map.sources, est.map.tiers);
        assert_eq!(heatmap_csv(&est), format!("{HEATMAP_HEADER}\n"));
        assert_eq!(map_csv(&est, &[], &params), format!("{MAP_HEADER}\n"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let (mut est, _) = demo();
        est.sources.clear();
        est.grid.time.start_ms = i64::MAX - 1;
        est.grid.time.column_ms = i64::MAX;
        est.grid.prices.count = 0;
        let _ = heatmap_csv(&est);
        let csv = map_csv(
            &est,
            &[],
            &Params {
                tiers: vec![],
                ..Params::default()
            },
        );
        assert!(csv.lines().skip(1).all(|r| fields(r).len() == 6));
    }

    #[test]
    fn measured_rows_name_the_measured_exchange() {
        let prices = PriceBins {
            low: 0.0,
            high: 40.0,
            count: 4,
            log: false,
        };
        let measured = MeasuredMap {
            bins: [vec![0.0, 5.0, 0.0, 0.0], vec![0.0, 0.0, 0.0, 2.5]],
            ..MeasuredMap::default()
        };
        assert_eq!(
            measured_csv_rows(&measured, &prices),
            "10,20,Hyperliquid (measured),,long,5\n30,40,Hyperliquid (measured),,short,2.5\n"
        );
        assert_eq!(measured_csv_rows(&MeasuredMap::default(), &prices), "");
    }
}
