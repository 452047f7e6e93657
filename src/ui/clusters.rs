//! The clusters table: the levels where the map piles up, above and below
//! the current price, with the chance the price reaches each within the
//! chosen horizon and the liquidation USD that chance is worth.

use super::{ViewData, ViewMemo};
use crate::analysis::{cluster_reach, ClusterReach, Volatility};
use crate::render::zoom::Zoom;
use crate::render::{price_label, usd_label};
use crate::url_state::HORIZONS;
use leptos::prelude::*;

/// Realised volatility is measured over the last day of candles.
const VOLATILITY_LOOKBACK_MS: i64 = 24 * 3_600_000;

/// The clusters with their reach, and the volatility used (annualised).
fn reach_rows(view: &ViewData, horizon_ms: i64) -> (Vec<ClusterReach>, Option<f64>) {
    let estimate = &view.estimate;
    let volatility = view
        .sources
        .first()
        .and_then(|s| Volatility::of_source(s, VOLATILITY_LOOKBACK_MS))
        .or_else(|| Volatility::new(0.0));
    let (Some(current), Some(volatility)) = (estimate.current_price, volatility) else {
        return (Vec::new(), None);
    };
    let mut rows = cluster_reach(&estimate.clusters, current, volatility, horizon_ms);
    // Nearest first on each side: shorts above, then longs below.
    crate::sorting::sort_by_key(&mut rows, |r| {
        !crate::sorting::f64_key(r.cluster.distance_pct)
    });
    (rows, Some(volatility.annualised()))
}

#[component]
pub fn ClustersTable(
    view: ViewMemo,
    zoom: RwSignal<Zoom>,
    horizon_ms: RwSignal<i64>,
) -> impl IntoView {
    let table = Memo::new(move |_| {
        let horizon = horizon_ms.get();
        view.with(|v| v.as_ref().map(|v| reach_rows(v, horizon)))
            .unwrap_or_default()
    });
    let rows = move || table.with(|t| t.0.clone());
    view! {
        <table class="clusters" data-testid="clusters">
            <caption>
                "Largest liquidation levels"
                <label class="horizon" title="How far ahead the chance of reaching a level looks">
                    " · reach within "
                    <select
                        data-testid="horizon"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Some((_, ms)) = HORIZONS.iter().find(|(name, _)| *name == value) {
                                horizon_ms.set(*ms);
                            }
                        }
                    >
                        {HORIZONS
                            .iter()
                            .map(|(name, ms)| {
                                let ms = *ms;
                                view! { <option value=*name prop:selected=move || horizon_ms.get() == ms>{*name}</option> }
                            })
                            .collect_view()}
                    </select>
                </label>
                <span class="hint" data-testid="volatility">
                    {move || {
                        table.with(|t| t.1)
                            .map(|v| format!(" · realised volatility {:.0} % a year (Parkinson, last day)", v * 100.0))
                            .unwrap_or_default()
                    }}
                </span>
            </caption>
            <thead>
                <tr>
                    <th scope="col">"Price"</th>
                    <th scope="col">"Est. USD"</th>
                    <th scope="col" title="Share of the level held by longs / shorts">"Long / short"</th>
                    <th scope="col">"Distance"</th>
                    <th scope="col" title="Chance the price touches the level within the horizon (driftless random walk at the realised volatility)">"Reach"</th>
                    <th scope="col" title="Reach × USD: the liquidations this level is expected to cause within the horizon">"Expected"</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    rows()
                        .into_iter()
                        .map(|row| {
                            let ClusterReach { cluster: c, probability, expected_usd } = row;
                            let side = if c.distance_pct >= 0.0 { "above" } else { "below" };
                            let price = c.price;
                            // Centre the heatmap on the level, ±3 % around it.
                            let centre = move || zoom.update(|z| z.prices = Some((price * 0.97, price * 1.03)));
                            view! {
                                <tr
                                    class=side
                                    tabindex="0"
                                    title="Centre the heatmap on this level"
                                    on:click=move |_| centre()
                                    on:keydown=move |ev| {
                                        if ev.key() == "Enter" {
                                            centre();
                                        }
                                    }
                                >
                                    <td>{price_label(c.price)}</td>
                                    <td>{usd_label(c.notional)}</td>
                                    <td>
                                        {format!(
                                            "{:.0}/{:.0} %",
                                            c.long_share * 100.0,
                                            (1.0 - c.long_share) * 100.0,
                                        )}
                                    </td>
                                    <td>{format!("{:+.2} %", c.distance_pct)}</td>
                                    <td data-testid="reach">{format!("{:.0} %", probability * 100.0)}</td>
                                    <td>{usd_label(expected_usd)}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}
