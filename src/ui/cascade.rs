//! The cascade simulator: a price shock of X % walks the exchanges' order
//! books; liquidations it trips sell (or buy) into the depth, move the price
//! further and may trip the next level. Books load when the panel opens.

use super::canvas::{prepare, repaint, Prepared};
use super::ViewMemo;
use crate::analysis::{
    cascade, runaway_shock, BookLevel, BookSide, Direction, LiqLevels, OrderBook,
};
use crate::exchanges::Instrument;
use crate::net::load_depth;
use crate::render::chart::draw_cascade;
use crate::render::{price_label, usd_label, Theme};
use crate::sim::demo_order_book;
use crate::url_state::SHOCK_RANGE_PCT;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The demo's simulated book holds this share of the map's USD per level.
const DEMO_DEPTH_SHARE: f64 = 1.0 / 2000.0;

/// Where the books stand.
#[derive(Clone, Debug, Default, PartialEq)]
struct Books {
    /// All loaded books merged (equal prices summed).
    merged: Option<OrderBook>,
    /// Per exchange: loaded, or why not.
    notes: Vec<String>,
    loading: bool,
}

/// Sums books of several exchanges into one.
fn merge(books: &[OrderBook]) -> Option<OrderBook> {
    let collect = |side: fn(&OrderBook) -> &[BookLevel]| {
        books
            .iter()
            .flat_map(|b| side(b).iter().copied())
            .collect::<Vec<_>>()
    };
    OrderBook::from_levels(collect(OrderBook::bids), collect(OrderBook::asks)).ok()
}

#[component]
pub fn CascadePanel(
    view: ViewMemo,
    /// Instruments of the exchanges loaded (none on the simulated market).
    instruments: Signal<Vec<Instrument>>,
    demo: RwSignal<bool>,
    shock_pct: RwSignal<f64>,
    theme: RwSignal<Theme>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let books = RwSignal::new(Books::default());
    let generation = StoredValue::new(0_u64);
    // Books load when the panel is open, again for each new set of exchanges.
    Effect::new(move |_| {
        if !open.get() || demo.get() {
            return;
        }
        let chosen = instruments.get();
        generation.update_value(|g| *g += 1);
        let this = generation.get_value();
        books.set(Books {
            loading: true,
            ..Books::default()
        });
        spawn_local(async move {
            let mut loaded = Vec::new();
            let mut notes = Vec::new();
            for instrument in &chosen {
                let name = instrument.exchange.name();
                match load_depth(instrument).await {
                    Ok(depth) => {
                        let usd = depth.book.depth_usd(BookSide::Bids)
                            + depth.book.depth_usd(BookSide::Asks);
                        notes.push(format!("{name}: {} of depth", usd_label(usd)));
                        loaded.push(depth.book);
                    }
                    Err(e) => notes.push(format!("{name}: no order book ({e})")),
                }
            }
            if generation.get_value() == this {
                books.set(Books {
                    merged: merge(&loaded),
                    notes,
                    loading: false,
                });
            }
        });
    });

    // The map's levels and the book the shock walks (simulated on the demo).
    let setting = Memo::new(move |_| {
        let levels = view.with(|v| {
            v.as_ref()
                .and_then(|v| LiqLevels::from_estimate(&v.estimate))
        })?;
        let book = if demo.get() {
            let total: f64 = levels.long_usd.iter().chain(&levels.short_usd).sum();
            demo_order_book(levels.current_price, total * DEMO_DEPTH_SHARE)
        } else {
            books.with(|b| b.merged.clone())
        }?;
        Some((levels, book))
    });
    let result = Memo::new(move |_| {
        let shock = shock_pct.get();
        setting.with(|s| {
            let (levels, book) = s.as_ref()?;
            let path = cascade(levels, book, shock)?;
            let rule = Default::default();
            let runaway = [Direction::Down, Direction::Up]
                .map(|d| runaway_shock(levels, book, d, &rule).map(|c| c.shock_pct));
            Some((path, runaway))
        })
    });

    let canvas = NodeRef::<Canvas>::new();
    repaint(canvas, move |element| {
        let theme = theme.get();
        result.with(|r| {
            let (path, _) = r.as_ref()?;
            let Prepared { root, ratio, .. } = prepare(element)?;
            draw_cascade(&root, path, theme, ratio).ok()
        })
    });

    let summary = move || {
        result.with(|r| {
            let Some((path, runaway)) = r else {
                return if books.with(|b| b.loading) {
                    "Loading order books…".to_string()
                } else {
                    "No order book to walk (see below).".to_string()
                };
            };
            let runaway_text = |shock: Option<f64>, way: &str| match shock {
                Some(s) => format!("{way} from {s:+.2} %"),
                None => format!("{way}: not within ±20 %"),
            };
            format!(
                "Shock {:+.1} %: {} rounds, {} liquidated, price {} → {} (amplification {:.2}×{}). Runs away {}; {}.",
                path.shock_pct,
                path.steps.len(),
                usd_label(path.total_liquidated_usd),
                price_label(path.start_price),
                price_label(path.final_price),
                path.amplification,
                if path.book_exhausted { ", book exhausted" } else { "" },
                runaway_text(runaway[0], "down"),
                runaway_text(runaway[1], "up"),
            )
        })
    };
    let (low, high) = SHOCK_RANGE_PCT;
    view! {
        <details
            class="panel cascade-panel"
            data-testid="cascade"
            on:toggle=move |ev| {
                use wasm_bindgen::JsCast;
                if let Some(d) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlDetailsElement>().ok()) {
                    open.set(d.open());
                }
            }
        >
            <summary>"Cascade simulator: what if the price jumps?"</summary>
            <p class="hint">
                "A shock moves the price; liquidations it reaches become market orders that eat the order book (longs sell into bids, shorts buy into asks), the price moves on and may reach the next level. "
                {move || if demo.get() { "On the simulated market the book is simulated too." } else { "Books: the exchanges' public depth, summed." }}
            </p>
            <label class="shock">
                "Shock "
                <input
                    type="range"
                    data-testid="cascade-shock"
                    min=low
                    max=high
                    step="0.5"
                    aria-label="Price shock in percent"
                    prop:value=move || shock_pct.get().to_string()
                    on:input=move |ev| {
                        if let Some(x) = crate::decimal::parse(&event_target_value(&ev)) {
                            shock_pct.set(x.clamp(low, high));
                        }
                    }
                />
                <output>{move || format!("{:+.1} %", shock_pct.get())}</output>
            </label>
            <p data-testid="cascade-result" role="status">{summary}</p>
            <canvas node_ref=canvas class="cascade-chart" data-testid="cascade-chart" role="img"
                aria-label="Price after the shock and after each round of liquidations"></canvas>
            <ul class="hint book-notes" data-testid="cascade-books">
                {move || books.with(|b| b.notes.clone()).into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
            </ul>
        </details>
    }
}
