//! The clusters table: the levels where the map piles up, above and below
//! the current price, with the chance the price reaches each within the
//! chosen horizon and the liquidation USD that chance is worth.

use super::dom::{
    by_testid, child, fit_rows, handler, part, set_attrs, set_prop, set_text, target_of,
};
use super::effect::effect;
use super::{ViewData, ViewMemo};
use crate::analysis::{cluster_reach, ClusterReach, Volatility};
use crate::render::zoom::Zoom;
use crate::render::{price_label, usd_label};
use crate::url_state::HORIZONS;
use leptos::html::Table;
use leptos::prelude::*;
use web_sys::Element;

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

/// One row's cells: price, USD, long/short split, distance, reach and
/// expected USD.
fn row_cells(row: &ClusterReach) -> [String; 6] {
    let ClusterReach {
        cluster: c,
        probability,
        expected_usd,
    } = row;
    [
        price_label(c.price),
        usd_label(c.notional),
        format!(
            "{:.0}/{:.0} %",
            c.long_share * 100.0,
            (1.0 - c.long_share) * 100.0
        ),
        format!("{:+.2} %", c.distance_pct),
        format!("{:.0} %", probability * 100.0),
        usd_label(*expected_usd),
    ]
}

/// The table is fixed; one effect writes its rows, the horizon picked and
/// the volatility, and one handler on the rows centres the heatmap on the
/// level clicked (or entered).
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
    let root = NodeRef::<Table>::new();
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let horizon = horizon_ms.get();
        if let (Some(select), Some((name, _))) = (
            by_testid(&root, "horizon"),
            HORIZONS.iter().find(|(_, ms)| *ms == horizon),
        ) {
            set_prop(&select, "value", *name);
        }
        table.with(|(rows, volatility)| write_table(&root, rows, *volatility));
    });
    let on_horizon = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        if let Some((_, ms)) = HORIZONS.iter().find(|(name, _)| *name == value) {
            horizon_ms.set(*ms);
        }
    };
    // Centre the heatmap on the row's level, ±3 % around it.
    let centre = move |ev: &leptos::ev::Event| {
        let Some((target, _)) = target_of(ev) else {
            return;
        };
        let index = target
            .closest("tr[data-row]")
            .ok()
            .flatten()
            .and_then(|tr| tr.get_attribute("data-row"))
            .and_then(|i| i.parse::<usize>().ok());
        let price =
            index.and_then(|i| table.with_untracked(|t| t.0.get(i).map(|r| r.cluster.price)));
        if let Some(price) = price {
            zoom.update(|z| z.prices = Some((price * 0.97, price * 1.03)));
        }
    };
    view! {
        <table class="clusters" data-testid="clusters" node_ref=root>
            <caption>
                "Largest liquidation levels"
                <label class="horizon" title="How far ahead the chance of reaching a level looks">
                    " · reach within "
                    <select data-testid="horizon" on:change=handler(on_horizon)>
                        {HORIZONS
                            .iter()
                            .map(|(name, _)| view! { <option value=*name>{*name}</option> })
                            .collect_view()}
                    </select>
                </label>
                <span class="hint" data-testid="volatility"></span>
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
            <tbody
                on:click=handler(move |ev: leptos::ev::MouseEvent| centre(&ev))
                on:keydown=handler(move |ev: leptos::ev::KeyboardEvent| {
                    if ev.key() == "Enter" {
                        centre(&ev);
                    }
                })
            ></tbody>
        </table>
    }
}

/// Writes the rows (in place: a focused row stays) and the volatility line.
fn write_table(root: &Element, rows: &[ClusterReach], volatility: Option<f64>) -> Option<()> {
    let volatility = volatility
        .map(|v| {
            format!(
                " · realised volatility {:.0} % a year (Parkinson, last day)",
                v * 100.0
            )
        })
        .unwrap_or_default();
    set_text(root, "[data-testid=volatility]", &volatility);
    let body = part(root, "tbody")?;
    fit_rows(&body, rows.len(), cluster_row)?;
    let trs = body.children();
    for (i, row) in rows.iter().enumerate() {
        let tr = trs.item(i as u32)?;
        let side = if row.cluster.distance_pct >= 0.0 {
            "above"
        } else {
            "below"
        };
        tr.set_class_name(side);
        let tds = tr.children();
        for (column, cell) in row_cells(row).iter().enumerate() {
            tds.item(column as u32)?.set_text_content(Some(cell));
        }
    }
    Some(())
}

/// An empty row `i`: six cells, the reach column's with its test id.
fn cluster_row(body: &Element, i: usize) -> Option<()> {
    let tr = child(body, "tr", "")?;
    set_attrs(
        &tr,
        &[
            ("tabindex", "0"),
            ("title", "Centre the heatmap on this level"),
            ("data-row", &i.to_string()),
        ],
    );
    for column in 0..6 {
        let td = child(&tr, "td", "")?;
        // The reach column: the browser tests read it.
        if column == 4 {
            td.set_attribute("data-testid", "reach").ok()?;
        }
    }
    Some(())
}
