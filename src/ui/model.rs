//! "How is this computed?": the model in plain words, its formulas, the
//! parameters in force and how accurate it measured. Text only.

use super::ViewMemo;
use crate::engine::{effective_tiers, LongShare, Mode, Params, Source};
use leptos::prelude::*;

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

#[component]
pub fn ModelPanel(view: ViewMemo) -> impl IntoView {
    // The parameters the shown view was computed with.
    let params = move || {
        view.with(|v| v.as_ref().map(|v| v.params.clone()))
            .unwrap_or_default()
    };
    let tiers = move || {
        let params = params();
        let weights = params.normalised_weights();
        params
            .tiers
            .iter()
            .zip(weights)
            .map(|(t, w)| format!("{}x {:.0} %", t.leverage, w * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let weights_origin = move || {
        let params = params();
        let all = if params.weights_measured {
            "Tier weights: measured on Hyperliquid (its sampled positions' leverage mix)"
        } else if params.tiers == Params::default().tiers {
            "Tier weights: assumed (the defaults)"
        } else {
            "Tier weights: set by hand"
        };
        match params.exchange_weights {
            Some(own) => format!(
                "{all}; {}: its own measured mix (see its line below)",
                own.exchange
            ),
            None => all.to_string(),
        }
    };
    let share_and_mode = move || {
        let params = params();
        let share = match params.long_share {
            LongShare::Auto => "taker-buy share (auto)".to_string(),
            LongShare::Fixed(s) => format!("fixed at {:.0} %", s * 100.0),
        };
        let mode = match params.mode {
            Mode::OpenInterest => "open interest",
            Mode::Volume => "volume",
        };
        format!("Long share: {share}; mode: {mode}")
    };
    let grid_text = move || {
        view.with(|v| {
            v.as_ref().map(|v| {
                let g = &v.estimate.grid;
                format!(
                    "{} price bins from {:.2} to {:.2}, {} time columns of {} minutes.",
                    g.prices.count,
                    g.prices.low,
                    g.prices.high,
                    g.time.columns,
                    g.time.column_ms / 60_000
                )
            })
        })
    };
    view! {
        <section id="model" class="panel model-page" data-testid="model" aria-labelledby="model-title">
            <h2 id="model-title">"How is this computed?"</h2>
            <p>
                "Exchanges do not publish where other people's positions would be liquidated, so "
                "liqmap estimates it from public data, in your browser:"
            </p>
            <ol>
                <li>
                    "New positions: whenever open interest rises in a candle, the rise × the candle's "
                    "typical price " <code>"(high + low + close) / 3"</code>
                    " is new notional. Where an exchange has no open-interest history (Hyperliquid), "
                    "a share of the traded volume is used instead, scaled so that what is still open "
                    "matches today's open interest (one side: Hyperliquid counts longs and shorts "
                    "together, so half of its figure). A candle the exchange did not deliver stays "
                    "missing: nothing opens or is liquidated there."
                </li>
                <li>
                    "Split by leverage (" {tiers} ") and by side: the long share is the "
                    "taker-buy share of the candle's volume where the exchange gives it, else 50 %. "
                    "A tier above what the instrument allows opens at its maximum leverage; a tier "
                    "that would be liquidated as it opens is left out (listed below)."
                </li>
                <li>
                    "Liquidation price of each group (isolated margin, maintenance rate m): long "
                    <code>"p·(1 − 1/ℓ)/(1 − m)"</code> ", short " <code>"p·(1 + 1/ℓ)/(1 + m)"</code>
                    " (coin-margined: " <code>"p·(1 + m)/(1 + 1/ℓ)"</code> " and "
                    <code>"p·(1 − m)/(1 − 1/ℓ)"</code> ")."
                </li>
                <li>
                    "A group is gone once the mark price reaches its liquidation price; when open "
                    "interest falls, every open group shrinks in proportion."
                </li>
                <li>
                    "The heatmap shows, per price band and time, the USD still open whose liquidation "
                    "price is in that band; the map shows the same now, by leverage and exchange."
                </li>
                <li>
                    "Funding drift (off unless chosen): a group's margin shrinks by the funding it pays "
                    "and grows by what it receives, so its liquidation price moves at each funding "
                    "payment: long " <code>"p·(1 − (1/ℓ − F))/(1 − m)"</code>
                    ", short " <code>"p·(1 + (1/ℓ + F))/(1 + m)"</code>
                    " with " <code>"F"</code> " the funding rates summed since entry (paid by longs when positive)."
                </li>
            </ol>
            <h3>"Beyond the levels"</h3>
            <ul>
                <li>
                    "Reach: the chance the price touches a level within the horizon, for a random walk "
                    "without drift at the realised volatility " <code>"σ"</code>
                    " (Parkinson's high–low estimator over the last day): "
                    <code>"P = 2·(1 − Φ(|ln(level/price)| / (σ·√T)))"</code>
                    ". Expected USD = reach × the level's USD."
                </li>
                <li>
                    "Cascade: a shock moves the price; liquidations it reaches become market orders "
                    "that walk the order book (the exchanges' public depth, summed), the price lands "
                    "where the walk stops and may reach further levels, round after round. "
                    "Amplification = final move ÷ shock; a cascade runs away when the book runs out "
                    "or the move reaches 3× the shock."
                </li>
            </ul>
            <h3>"Parameters in force"</h3>
            <ul>
                <li>"Leverage tiers: " {tiers}</li>
                <li data-testid="weights-origin">{weights_origin}</li>
                <li>{share_and_mode}</li>
                <li>{grid_text}</li>
                {move || {
                    view.with(|v| {
                        v.iter()
                            .flat_map(|v| v.sources.iter().map(|s| source_line(s, &v.params)))
                            .collect::<Vec<_>>()
                    })
                    .into_iter()
                    .map(|line| view! { <li data-testid="model-source">{line}</li> })
                    .collect_view()
                }}
            </ul>
            <h3>"How good is it?"</h3>
            <p>
                "On a simulated market where the truth is known, the estimated map matches the true "
                "one with a cosine similarity of 0.96–0.98 when the model is given the true leverage "
                "mix, and 0.77–0.89 with the defaults above (real traders' leverage is not public). "
                "Treat levels as likely zones, not exact prices. The full model is open: "
                "docs/model.md in the source."
            </p>
        </section>
    }
}
