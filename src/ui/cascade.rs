//! The cascade simulator: a price shock of X % walks the exchanges' order
//! books; liquidations it trips sell (or buy) into the depth, move the price
//! further and may trip the next level. Books load when the panel opens.

use super::canvas::{prepare, repaint_in, Prepared};
use super::dom::{handler, part, set_rows, set_text};
use super::effect::effect;
use super::ViewMemo;
use crate::analysis::text::{cascade_summary, shock_label};
use crate::analysis::{
    cascade, runaway_shock, BookLevel, BookSide, Direction, LiqLevels, OrderBook,
};
use crate::exchanges::Instrument;
use crate::net::load_depth;
use crate::render::chart::draw_cascade;
use crate::render::{usd_label, Theme};
use crate::sim::demo_order_book;
use crate::url_state::SHOCK_RANGE_PCT;
use leptos::html::Details;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

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
    effect(move || {
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

    let root = NodeRef::<Details>::new();
    let panel = move || root.get().map(Element::from);
    repaint_in(panel, move |element| {
        let theme = theme.get();
        result.with(|r| {
            let (path, _) = r.as_ref()?;
            let Prepared { root, ratio, .. } = prepare(element)?;
            draw_cascade(&root, path, theme, ratio).ok()
        })
    });
    effect(move || {
        let Some(panel) = panel() else {
            return;
        };
        let summary = result.with(|r| match r {
            Some((path, runaway)) => cascade_summary(path, *runaway),
            None if books.with(|b| b.loading) => "Loading order books…".to_string(),
            None => "No order book to walk (see below).".to_string(),
        });
        books.with(|b| write_panel(&panel, demo.get(), shock_pct.get(), &summary, &b.notes));
    });
    let (low, high) = SHOCK_RANGE_PCT;
    view! {
        <details
            node_ref=root
            class="panel cascade-panel"
            data-testid="cascade"
            inner_html=skeleton()
            on:toggle=handler(move |_: leptos::ev::Event| {
                if let Some(details) = root.get_untracked() {
                    open.set(details.open());
                }
            })
            on:input=handler(move |ev: leptos::ev::Event| {
                if let Some(x) = crate::decimal::parse(&event_target_value(&ev)) {
                    shock_pct.set(x.clamp(low, high));
                }
            })
        ></details>
    }
}

/// The panel's static part; [`write_panel`] fills it.
fn skeleton() -> String {
    let (low, high) = SHOCK_RANGE_PCT;
    format!(
        concat!(
            r#"<summary>Cascade simulator: what if the price jumps?</summary>"#,
            r#"<p class="hint">A shock moves the price; liquidations it reaches become market orders that eat the order book (longs sell into bids, shorts buy into asks), the price moves on and may reach the next level. <span data-part="books-kind"></span></p>"#,
            r#"<label class="shock">Shock <input type="range" data-testid="cascade-shock" min="{low}" max="{high}" step="0.5" aria-label="Price shock in percent"><output></output></label>"#,
            r#"<p data-testid="cascade-result" role="status"></p>"#,
            r#"<canvas class="cascade-chart" data-testid="cascade-chart" role="img" aria-label="Price after the shock and after each round of liquidations"></canvas>"#,
            r#"<ul class="hint book-notes" data-testid="cascade-books"></ul>"#,
        ),
        low = low,
        high = high
    )
}

/// Writes the book's kind, the shock, the result and the books' notes.
fn write_panel(
    root: &Element,
    demo: bool,
    shock_pct: f64,
    summary: &str,
    notes: &[String],
) -> Option<()> {
    let kind = if demo {
        "On the simulated market the book is simulated too."
    } else {
        "Books: the exchanges' public depth, summed."
    };
    set_text(root, "[data-part=books-kind]", kind);
    part(root, "[data-testid=cascade-shock]")?
        .dyn_into::<HtmlInputElement>()
        .ok()?
        .set_value(&shock_pct.to_string());
    set_text(root, "output", &shock_label(shock_pct));
    set_text(root, "[data-testid=cascade-result]", summary);
    let rows: Vec<(&str, &str)> = notes.iter().map(|n| ("", n.as_str())).collect();
    set_rows(root, "[data-testid=cascade-books]", "li", &rows)
}
