//! Export buttons: the heatmap as PNG, the heatmap and the map as CSV.
//! The CSV text comes from the pure `crate::export`; this only downloads.

use super::dom::{handler, target_of};
use super::engine_client::EngineClient;
use super::measured::Measured;
use super::ViewMemo;
use crate::export::{heatmap_csv, map_csv};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn ExportBar(
    /// What the heatmap shows (maybe zoomed): the PNG and the heatmap CSV.
    shown: ViewMemo,
    /// The whole window: the map CSV (the map is at the last candle).
    whole: ViewMemo,
) -> impl IntoView {
    // The three buttons, by the pressed one's test id.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        match target_of(&ev).map(|(_, testid)| testid).as_deref() {
            Some("export-png") => download_heatmap_png(),
            Some("export-heatmap-csv") => shown.with_untracked(|d| {
                let text = heatmap_csv(&d.as_ref()?.estimate);
                download_text(&text, "liqmap-heatmap.csv")
            }),
            Some("export-map-csv") => {
                // Measured positions, where shown, are rows of the map too.
                let measured = use_context::<Measured>()
                    .map(|m| m.csv_rows())
                    .unwrap_or_default();
                whole.with_untracked(|d| {
                    let d = d.as_ref()?;
                    let text = map_csv(&d.estimate, &d.sources, &d.params) + &measured;
                    download_text(&text, "liqmap-map.csv")
                })
            }
            _ => None,
        };
    };
    // Without the engine there is nothing to export, nor to draw: the page
    // says what failed (the exchanges' chips and the rest stay).
    let failure = use_context::<EngineClient>().map(|engine| engine.failure);
    let failed = move || {
        let what = failure?.get()?;
        Some(view! {
            <p class="empty" role="alert" data-testid="engine-failed">
                {format!("The estimation engine could not be loaded ({what}); reload to retry.")}
            </p>
        })
    };
    view! {
        {failed}
        <div class="exports" role="group" aria-label="Export" on:click=handler(on_click)>
            <button data-testid="export-png" title="The heatmap as a PNG image">
                "PNG"
            </button>
            <button
                data-testid="export-heatmap-csv"
                title="time, price band, long and short USD per non-empty cell"
            >
                "Heatmap CSV"
            </button>
            <button
                data-testid="export-map-csv"
                title="price band, exchange, leverage, side and USD"
            >
                "Map CSV"
            </button>
        </div>
    }
}

/// Offers the CSV `text` as a file download.
fn download_text(text: &str, name: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&text.into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/csv");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    click_download(&url, name);
    web_sys::Url::revoke_object_url(&url).ok()
}

fn download_heatmap_png() -> Option<()> {
    let document = web_sys::window()?.document()?;
    let canvas: web_sys::HtmlCanvasElement = document
        .query_selector("[data-testid=heatmap]")
        .ok()??
        .dyn_into()
        .ok()?;
    let url = canvas.to_data_url_with_type("image/png").ok()?;
    click_download(&url, "liqmap-heatmap.png")
}

fn click_download(url: &str, name: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let anchor: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Some(())
}
