//! The clusters table: the levels where the map piles up, above and below
//! the current price.

use super::ViewData;
use crate::render::zoom::Zoom;
use crate::render::{price_label, usd_label};
use leptos::prelude::*;

#[component]
pub fn ClustersTable(view: Memo<Option<ViewData>>, zoom: RwSignal<Zoom>) -> impl IntoView {
    let rows = move || {
        let mut clusters = view.get().map(|v| v.estimate.clusters).unwrap_or_default();
        // Nearest first on each side: shorts above, then longs below.
        crate::sorting::sort_by_key(&mut clusters, |c| !crate::sorting::f64_key(c.distance_pct));
        clusters
    };
    view! {
        <table class="clusters" data-testid="clusters">
            <caption>"Largest liquidation levels"</caption>
            <thead>
                <tr>
                    <th scope="col">"Price"</th>
                    <th scope="col">"Est. USD"</th>
                    <th scope="col" title="Share of the level held by longs / shorts">"Long / short"</th>
                    <th scope="col">"Distance"</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    rows()
                        .into_iter()
                        .map(|c| {
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
                                            "{:.0} % / {:.0} %",
                                            c.long_share * 100.0,
                                            (1.0 - c.long_share) * 100.0,
                                        )}
                                    </td>
                                    <td>{format!("{:+.2} %", c.distance_pct)}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}
