//! The page: Leptos components around the pure core. Browser-only.

mod canvas;
mod controls;
mod heatmap;
mod panic;
mod test_hooks;

use crate::engine::{default_grid, estimate, Estimate, Params};
use crate::sim::demo_market;
use controls::{ControlBar, WindowChoice};
use heatmap::Heatmap;
use leptos::prelude::*;

/// Seed of the demo market shown until real exchanges are wired in.
const DEMO_SEED: u64 = 1;
/// Heatmap resolution: at most this many time columns and price bins.
const MAX_COLUMNS: usize = 1000;
const PRICE_BINS: usize = 400;

/// Entry point called from `main`.
pub fn start() {
    panic::install_hook();
    mount_to_body(App);
}

/// The demo estimate for one window: simulated market → real engine.
#[derive(Clone, PartialEq)]
pub struct DemoView {
    pub estimate: Estimate,
    /// Same seed, same number natively and in wasm (checked by a browser test).
    pub checksum: u64,
}

fn demo_view(window: WindowChoice, now_ms: i64) -> Option<DemoView> {
    let market = demo_market(DEMO_SEED, now_ms, window.ms());
    let sources = [market.source];
    let last = sources[0].candles.last()?.open_time_ms + sources[0].interval_ms;
    let grid = default_grid(&sources, last - window.ms(), last, MAX_COLUMNS, PRICE_BINS)?;
    Some(DemoView {
        estimate: estimate(&sources, &Params::default(), &grid),
        checksum: crate::sim::checksum(&sources[0]),
    })
}

#[component]
fn App() -> impl IntoView {
    let window = RwSignal::new(WindowChoice::default());
    let now_ms = js_sys::Date::now() as i64;
    let view_data = Memo::new(move |_| demo_view(window.get(), now_ms));

    view! {
        <header class="top">
            <h1 class="brand">"liqmap"</h1>
            <span class="tagline">"Where leveraged positions get liquidated"</span>
        </header>
        <ControlBar window=window />
        <main>
            <section class="panel heatmap-panel" aria-label="Liquidation heatmap">
                <div class="panel-head">
                    <h2>"Liquidation heatmap"</h2>
                    <span
                        class="badge simulated"
                        data-testid="simulated-label"
                        title="No exchange data yet: a seeded simulated market run through the real engine"
                        data-sim-checksum=move || {
                            view_data.get().map(|v| v.checksum.to_string()).unwrap_or_default()
                        }
                    >
                        "Simulated data"
                    </span>
                </div>
                <Heatmap view=view_data />
            </section>
        </main>
        <footer class="bottom">
            <a href="#model" data-testid="model-link">"How is this computed?"</a>
            <span>" · The model is open: every parameter adjustable."</span>
        </footer>
        <section id="model" class="panel model-page">
            <h2>"How is this computed?"</h2>
            <p>
                "Positions are inferred from rises of open interest, split over leverage tiers "
                "(5x 10 %, 10x 25 %, 25x 30 %, 50x 20 %, 100x 15 %) and sides by the taker-buy "
                "share. Each cohort is liquidated when the mark price crosses its liquidation "
                "price, and closed in proportion when open interest falls. Full model and "
                "formulas: liquidation-model.md."
            </p>
        </section>
    }
}
