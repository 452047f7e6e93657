//! Assembly of one source's parsed series onto its candle grid.

use super::{non_negative, Exchange, ExchangeError, Instrument, MarkRow, OiPoint, Resolution};
use crate::engine::input::{Candle, ContractKind, HighLow, Source};

/// Whether `exchange` counts this instrument's open interest in USD rather
/// than base units (Bybit inverse contracts: 1 contract = 1 USD).
pub fn oi_is_quoted_in_usd(exchange: Exchange, instrument: &Instrument) -> bool {
    exchange == Exchange::Bybit && instrument.kind == ContractKind::Inverse
}

/// Validate a maintenance margin rate (`0 <= m < 1`).
pub(crate) fn validate_mmr(m: Option<f64>) -> Option<f64> {
    non_negative(m).filter(|m| *m < 1.0)
}

/// Sort by key and keep the last row of each key.
pub(crate) fn sort_dedupe<T>(rows: Vec<T>, key: impl Fn(&T) -> i64) -> Vec<T> {
    // One sort of (key, position) pairs for every row type (see
    // `crate::sorting`): stable, and the wasm download stays smaller.
    let order = crate::sorting::sorted_keys(&rows, |r| crate::sorting::i64_key(key(r)));
    let mut slots: Vec<Option<T>> = rows.into_iter().map(Some).collect();
    let mut out: Vec<(u64, T)> = Vec::with_capacity(slots.len());
    for (k, i) in order {
        let Some(row) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        match out.last_mut() {
            Some(last) if last.0 == k => last.1 = row,
            _ => out.push((k, row)),
        }
    }
    out.into_iter().map(|(_, row)| row).collect()
}

/// Put one source's series on its candle grid.
///
/// - candles: sorted, deduplicated (the later row wins), those outside
///   `span` (`[start, end)`) or off the resolution grid dropped; from the
///   first delivered candle to the span's end, a candle the exchange did
///   not deliver is a placeholder flagged in [`Source::missing`] (flat at
///   the previous close, no volume: it opens and liquidates nothing);
/// - mark: aligned by open time, missing rows fall back to the trade
///   high/low; `None` if `mark` is empty;
/// - OI: for each candle the last point at or before its close
///   (`open + interval`), forward-filled, across missing candles too;
///   candles before the first point take the first point (no new positions
///   are inferred there); `None` if `oi_points` is `None` or empty;
/// - current OI and OI of Bybit inverse contracts converted from USD to
///   base with the aligned close; without a current OI, the last aligned
///   OI value stands for it.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    exchange: Exchange,
    instrument: &Instrument,
    candles: Vec<Candle>,
    mark: Vec<MarkRow>,
    oi_points: Option<Vec<OiPoint>>,
    current_oi: Option<f64>,
    mmr: f64,
    (span_start, span_end): (i64, i64),
    resolution: Resolution,
) -> Result<Source, ExchangeError> {
    let step = resolution.ms();
    let mmr = validate_mmr(Some(mmr)).ok_or_else(|| {
        ExchangeError::malformed(exchange, format!("maintenance margin rate {mmr}"))
    })?;
    let candles = sort_dedupe(candles, |c| c.open_time_ms);
    let mut grid: Vec<Candle> = Vec::with_capacity(candles.len());
    let mut missing: Vec<bool> = Vec::with_capacity(candles.len());
    let in_span = |t: i64| t >= span_start && t < span_end && t.rem_euclid(step) == 0;
    for c in candles.into_iter().filter(|c| in_span(c.open_time_ms)) {
        fill_missing(&mut grid, &mut missing, c.open_time_ms, step);
        grid.push(c);
        missing.push(false);
    }
    if grid.is_empty() {
        return Err(ExchangeError::malformed(
            exchange,
            "no valid candles in the requested window",
        ));
    }
    // Missing at the end too: alive positions carry on to the window's end.
    fill_missing(&mut grid, &mut missing, span_end, step);
    if !missing.contains(&true) {
        missing.clear();
    }

    let mark = if mark.is_empty() {
        None
    } else {
        let mark = sort_dedupe(mark, |m| m.0);
        let mut it = mark.iter().peekable();
        let mut out = Vec::with_capacity(grid.len());
        for c in &grid {
            while it.peek().is_some_and(|m| m.0 < c.open_time_ms) {
                it.next();
            }
            match it.peek() {
                Some(m) if m.0 == c.open_time_ms => out.push(m.1),
                _ => out.push(HighLow {
                    high: c.high,
                    low: c.low,
                }),
            }
        }
        Some(out)
    };

    let usd = oi_is_quoted_in_usd(exchange, instrument);
    let open_interest = match oi_points {
        Some(points) if !points.is_empty() => {
            let points = sort_dedupe(points, |p| p.time_ms);
            let mut out = Vec::with_capacity(grid.len());
            let mut idx = 0usize;
            let mut current: Option<f64> = points.first().map(|p| p.base);
            for c in &grid {
                let close = c.open_time_ms.saturating_add(step);
                while let Some(p) = points.get(idx) {
                    if p.time_ms > close {
                        break;
                    }
                    current = Some(p.base);
                    idx += 1;
                }
                let v = current.unwrap_or(0.0);
                out.push(if usd { v / c.close } else { v });
            }
            Some(out)
        }
        _ => None,
    };

    let last_close = grid.last().map(|c| c.close).unwrap_or(1.0);
    let current_open_interest = non_negative(current_oi)
        .map(|v| if usd { v / last_close } else { v })
        .or_else(|| open_interest.as_ref().and_then(|o| o.last().copied()));

    Ok(Source {
        exchange: exchange.name().to_string(),
        kind: instrument.kind,
        interval_ms: step,
        candles: grid,
        mark,
        open_interest,
        current_open_interest,
        maintenance_margin_rate: mmr,
        funding: Vec::new(),
        max_leverage: None,
        missing,
    })
}

/// Placeholders for the candles between the last one of `grid` and
/// `until` (exclusive), flagged missing.
fn fill_missing(grid: &mut Vec<Candle>, missing: &mut Vec<bool>, until: i64, step: i64) {
    let Some(prev) = grid.last().copied() else {
        return;
    };
    let mut t = prev.open_time_ms.saturating_add(step);
    while t < until && grid.len() < MAX_CANDLES {
        grid.push(Candle {
            open_time_ms: t,
            open: prev.close,
            high: prev.close,
            low: prev.close,
            close: prev.close,
            base_volume: 0.0,
            quote_volume: 0.0,
            taker_buy_base: prev.taker_buy_base.map(|_| 0.0),
        });
        missing.push(true);
        t = t.saturating_add(step);
    }
}

/// Most candles one source may hold (guards absurd spans).
const MAX_CANDLES: usize = 10_000_000;

/// How much of its span a source's candles cover: what the page tells the
/// user (spec section 1, "Gaps").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Candles the span asks for.
    pub expected: usize,
    /// Candles the exchange delivered in it.
    pub delivered: usize,
    /// Runs of missing candles, `[from, to)` in open times, oldest first
    /// (one before the first delivered candle where the series starts late).
    pub gaps: Vec<(i64, i64)>,
}

impl Coverage {
    /// The coverage of `source` (as [`assemble`] built it) over `span`.
    pub fn of(source: &Source, (start, end): (i64, i64)) -> Coverage {
        let step = source.interval_ms.max(1);
        let page = super::Page {
            start_ms: start,
            end_ms: end,
            step_ms: step,
        };
        let mut gaps = Vec::new();
        let first = source.candles.first().map_or(end, |c| c.open_time_ms);
        if first > start {
            gaps.push((start, first));
        }
        let mut run: Option<i64> = None;
        for (k, c) in source.candles.iter().enumerate() {
            match (source.is_missing(k), run) {
                (true, None) => run = Some(c.open_time_ms),
                (false, Some(from)) => {
                    gaps.push((from, c.open_time_ms));
                    run = None;
                }
                _ => {}
            }
        }
        if let Some(from) = run {
            gaps.push((from, end));
        }
        Coverage {
            expected: page.rows(),
            delivered: source.candles.len() - source.missing_count(),
            gaps,
        }
    }

    /// Whether every candle asked for came.
    pub fn is_complete(&self) -> bool {
        self.delivered >= self.expected
    }
}
