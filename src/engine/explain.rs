//! The model panel's "Parameters in force", in words: computed here (pure,
//! tested natively) so the page writes finished strings into its static
//! text instead of building them in reactive view closures.

use super::{effective_tiers, GridSpec, LongShare, Mode, Params, Source};

/// Every line of "Parameters in force".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamsText {
    /// The leverage tiers with their weights, e.g. "5x 10 %, 10x 25 %".
    pub tiers: String,
    pub weights_origin: String,
    pub share_and_mode: String,
    /// The grid's size (empty before there is a view).
    pub grid: String,
    /// One line per source.
    pub sources: Vec<String>,
}

/// The text for a view's parameters, grid and sources; before there is a
/// view, the defaults' (`grid` `None`, no sources).
pub fn params_text(params: &Params, grid: Option<&GridSpec>, sources: &[Source]) -> ParamsText {
    ParamsText {
        tiers: tiers_text(params),
        weights_origin: weights_origin(params),
        share_and_mode: share_and_mode(params),
        grid: grid.map(grid_text).unwrap_or_default(),
        sources: sources.iter().map(|s| source_line(s, params)).collect(),
    }
}

fn tiers_text(params: &Params) -> String {
    params
        .tiers
        .iter()
        .zip(params.normalised_weights())
        .map(|(t, w)| format!("{}x {:.0} %", t.leverage, w * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

fn weights_origin(params: &Params) -> String {
    let all = if params.weights_measured {
        "Tier weights: measured on Hyperliquid (its sampled positions' leverage mix)"
    } else if params.tiers == Params::default().tiers {
        "Tier weights: assumed (the defaults)"
    } else {
        "Tier weights: set by hand"
    };
    match &params.exchange_weights {
        Some(own) => format!(
            "{all}; {}: its own measured mix (see its line below)",
            own.exchange
        ),
        None => all.to_string(),
    }
}

fn share_and_mode(params: &Params) -> String {
    let share = match params.long_share {
        LongShare::Auto => "taker-buy share (auto)".to_string(),
        LongShare::Fixed(s) => format!("fixed at {:.0} %", s * 100.0),
    };
    let mode = match params.mode {
        Mode::OpenInterest => "open interest",
        Mode::Volume => "volume",
    };
    format!("Long share: {share}; mode: {mode}")
}

fn grid_text(g: &GridSpec) -> String {
    format!(
        "{} price bins from {:.2} to {:.2}, {} time columns of {} minutes.",
        g.prices.count,
        g.prices.low,
        g.prices.high,
        g.time.columns,
        g.time.column_ms / 60_000
    )
}

/// One source's line under "Parameters in force": its maintenance rate and
/// maximum leverage, the tiers as it opens them, and its missing candles.
fn source_line(source: &Source, params: &Params) -> String {
    let mut text = format!(
        "{}: maintenance margin rate {:.2} %",
        source.exchange,
        source.maintenance_margin_rate * 100.0
    );
    if let Some(max) = source.max_leverage {
        text.push_str(&format!(", at most {max}x"));
    }
    let tiers = effective_tiers(source, params);
    let opened: Vec<String> = tiers
        .iter()
        .filter(|t| !t.dropped)
        .map(|t| match t.leverage < t.asked {
            true => format!("{}x → {}x {:.0} %", t.asked, t.leverage, t.weight * 100.0),
            false => format!("{}x {:.0} %", t.leverage, t.weight * 100.0),
        })
        .collect();
    text.push_str(&format!("; tiers opened: {}", opened.join(", ")));
    let dropped: Vec<String> = tiers
        .iter()
        .filter(|t| t.dropped)
        .map(|t| format!("{}x", t.leverage))
        .collect();
    if !dropped.is_empty() {
        text.push_str(&format!(
            "; dropped: {} (liquidated as it opens: maintenance ≥ 1/leverage)",
            dropped.join(", ")
        ));
    }
    let missing = source.missing_count();
    if missing > 0 {
        let runs = source.missing.windows(2).filter(|w| !w[0] && w[1]).count()
            + usize::from(source.missing.first() == Some(&true));
        let gaps = if runs == 1 { "gap" } else { "gaps" };
        text.push_str(&format!(
            "; {missing} of {} candles missing ({runs} {gaps}: no positions opened or liquidated there)",
            source.candles.len()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Candle, ContractKind, ExchangeWeights, PriceBins, TimeAxis};

    fn source(missing: Vec<bool>) -> Source {
        let candle = Candle {
            open_time_ms: 0,
            open: 100.0,
            high: 101.0,
            low: 99.0,
            close: 100.5,
            base_volume: 10.0,
            quote_volume: 1000.0,
            taker_buy_base: None,
        };
        Source {
            exchange: "Binance".into(),
            kind: ContractKind::Linear,
            interval_ms: 60_000,
            candles: vec![candle; 4],
            mark: None,
            open_interest: None,
            current_open_interest: None,
            maintenance_margin_rate: 0.004,
            funding: Vec::new(),
            max_leverage: Some(75.0),
            missing,
        }
    }

    #[test]
    fn defaults_before_there_is_a_view() {
        let text = params_text(&Params::default(), None, &[]);
        assert_eq!(
            text.tiers,
            "5x 10 %, 10x 25 %, 25x 30 %, 50x 20 %, 100x 15 %"
        );
        assert_eq!(text.weights_origin, "Tier weights: assumed (the defaults)");
        assert_eq!(
            text.share_and_mode,
            "Long share: taker-buy share (auto); mode: open interest"
        );
        assert_eq!(text.grid, "");
        assert!(text.sources.is_empty());
    }

    #[test]
    fn says_where_the_weights_came_from() {
        let mut params = Params {
            long_share: LongShare::Fixed(0.6),
            mode: Mode::Volume,
            ..Params::default()
        };
        params.tiers[0].weight = 0.5;
        assert_eq!(weights_origin(&params), "Tier weights: set by hand");
        assert_eq!(
            share_and_mode(&params),
            "Long share: fixed at 60 %; mode: volume"
        );
        params.weights_measured = true;
        params.exchange_weights = Some(ExchangeWeights {
            exchange: "Hyperliquid".into(),
            weights: vec![1.0],
        });
        assert_eq!(
            weights_origin(&params),
            "Tier weights: measured on Hyperliquid (its sampled positions' leverage mix); \
             Hyperliquid: its own measured mix (see its line below)"
        );
    }

    #[test]
    fn grid_and_sources_in_words() {
        let grid = GridSpec {
            time: TimeAxis {
                start_ms: 0,
                column_ms: 300_000,
                columns: 288,
            },
            prices: PriceBins {
                low: 90_000.0,
                high: 100_000.0,
                count: 200,
                log: false,
            },
        };
        let text = params_text(
            &Params::default(),
            Some(&grid),
            &[source(vec![true, false, true, true])],
        );
        assert_eq!(
            text.grid,
            "200 price bins from 90000.00 to 100000.00, 288 time columns of 5 minutes."
        );
        assert_eq!(
            text.sources,
            vec![
                "Binance: maintenance margin rate 0.40 %, at most 75x; tiers opened: 5x 10 %, \
                 10x 25 %, 25x 30 %, 50x 20 %, 100x → 75x 15 %; 3 of 4 candles missing \
                 (2 gaps: no positions opened or liquidated there)"
                    .to_string()
            ]
        );
    }
}
