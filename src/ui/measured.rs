//! Measured positions (spec section 10), the browser side: the coin's
//! Hyperliquid trades name accounts, [`Scheduler`] picks which to ask, the
//! answers become the measured map beside the model's, its coverage, the
//! cosine between the two, a leverage mix to use instead of the assumed
//! one and the largest positions near the price. Live data: it follows the
//! coin and the live/paused state; a pinned view does not claim it. Once
//! per refresh period a snapshot goes to the browser database, and "As of"
//! draws a kept one instead (`measured::snapshot`).

use super::canvas::{prepare, repaint, Prepared};
use super::dom::{child, handler, part, set_text};
use super::effect::effect;
use super::liqmap::css;
use super::live::LiveFeed;
use super::view_settings::ViewSettings;
use super::{ViewData, ViewMemo};
use crate::alerts::Level;
use crate::engine::{ExchangeWeights, PriceBins, Tier};
use crate::exchanges::{Exchange, ExchangeError};
use crate::live::hyperliquid::trades::{connection, parse_trades};
use crate::measured::snapshot::Snapshot;
use crate::measured::text::SectionText;
use crate::measured::text::{
    figure, percent, refused_line, section_text, snapshot_label, status_line, when_line,
};
use crate::measured::{
    coverage, largest_near, leverage_mix, liquidation_levels, measured_map, model_map_of,
    parse_pasted, similarity, with_mix, Address, Holdings, MeasuredMap, NearRow, Next, Scheduler,
    REFRESH_MS,
};
use crate::net::load_account;
use crate::render::chart::{draw_measured_map, MEASURED, MODEL_OF_MEASURED};
use crate::stream::{open as open_stream, Handlers, Stream, StreamState};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

const HYPERLIQUID: &str = "Hyperliquid";
/// With nothing to ask, look again this often (new accounts come in trades).
const IDLE_MS: i64 = 1_000;
/// Accounts whose answers are kept at most (the oldest make room).
const MAX_HOLDINGS: usize = 5_000;
/// The table: positions liquidated within this distance of the price (its
/// caption says 20 %).
const NEAR_PCT: f64 = 20.0;
const NEAR_ROWS: usize = 10;

thread_local! {
    /// The kept snapshot "As of" shows, read from the browser database.
    static PAST: RefCell<Option<Snapshot>> = const { RefCell::new(None) };
}

/// What was measured, and what asks for more. Every field is a handle
/// (`Copy`); `App` creates one and shares it with `provide_context`.
#[derive(Clone, Copy)]
pub struct Measured {
    /// Accounts answered for the coin, each with its positions on it.
    holdings: RwSignal<Vec<Holdings>>,
    /// Accounts found (in trades or pasted).
    known: RwSignal<usize>,
    failures: RwSignal<usize>,
    last_failure: RwSignal<Option<String>>,
    /// A 429's wait, in seconds, while it lasts.
    backing_off_s: RwSignal<Option<i64>>,
    trades: RwSignal<Option<StreamState>>,
    refused: RwSignal<Vec<String>>,
    /// Whether measured data may show: on, live, and not the simulated market.
    pub shown: Memo<bool>,
    /// What the views draw from it, with the model's map beside.
    pub summary: Memo<Option<Summary>>,
    /// When the snapshot "As of" shows instead was taken (`None`: measured
    /// now); the snapshot itself is [`PAST`].
    past: RwSignal<Option<i64>>,
    coin: RwSignal<String>,
    view: ViewMemo,
    scheduler: StoredValue<Scheduler>,
    pasted: StoredValue<Vec<Address>>,
    socket: StoredValue<Option<Stream>, LocalStorage>,
    /// Bumped when asking stops (pause, coin, off): the loop of an older
    /// run ends. `epoch` is bumped when the coin changes: older answers are
    /// dropped.
    run: StoredValue<u64>,
    epoch: StoredValue<u64>,
}

/// What [`Measured::with_kept`] does with the kept snapshots.
enum Kept {
    Keep(Snapshot),
    /// Read the one taken then for "As of".
    Show(i64),
    List,
}

/// The measured map and the figures shown with it.
#[derive(Clone)]
pub struct Summary {
    pub map: MeasuredMap,
    pub prices: PriceBins,
    /// The model's map of Hyperliquid alone (`None`: not loaded).
    model: Option<Vec<f64>>,
    pub coverage: Option<f64>,
    pub cosine: Option<f64>,
    mix: Option<Vec<f64>>,
    tiers: Vec<Tier>,
    near: Vec<NearRow>,
    mark: f64,
    /// Every position's liquidation price and USD, for the alerts.
    levels: Vec<Level>,
}

impl Measured {
    pub fn new(settings: ViewSettings, feed: LiveFeed, view: ViewMemo) -> Self {
        let ViewSettings {
            coin,
            demo,
            at,
            measured,
            ..
        } = settings;
        let shown = Memo::new(move |_| measured.get() && !demo.get() && at.get().is_none());
        let holdings = RwSignal::new(Vec::<Holdings>::new());
        // Recomputed on every answer: always new, never compared.
        let summary = Memo::new_with_compare(
            move |_| {
                let coin = coin.get();
                holdings.with(|h| view.with(|v| summarise(h, &coin, v.as_ref()?)))
            },
            |_, _| true,
        );
        let m = Measured {
            holdings,
            known: RwSignal::new(0),
            failures: RwSignal::new(0),
            last_failure: RwSignal::new(None),
            backing_off_s: RwSignal::new(None),
            trades: RwSignal::new(None),
            refused: RwSignal::new(Vec::new()),
            shown,
            summary,
            past: RwSignal::new(None),
            coin,
            view,
            scheduler: StoredValue::new(Scheduler::default()),
            pasted: StoredValue::new(Vec::new()),
            socket: StoredValue::new_local(None),
            run: StoredValue::new(0),
            epoch: StoredValue::new(0),
        };
        let asked_for = StoredValue::new(String::new());
        effect(move || {
            let coin = coin.get();
            let running = shown.get() && !feed.paused.get() && !feed.hidden.get();
            if asked_for.get_value() != coin {
                asked_for.set_value(coin.clone());
                m.forget();
            }
            m.run.update_value(|r| *r += 1);
            m.socket.set_value(None);
            m.trades.set(None);
            if shown.get() {
                spawn_local(m.with_kept(Kept::List));
            }
            if running {
                m.start(coin);
            }
        });
        m
    }

    /// A new coin: what was measured is another coin's; pasted accounts
    /// stay wanted.
    fn forget(&self) {
        self.epoch.update_value(|e| *e += 1);
        self.holdings.set(Vec::new());
        self.past.set(None);
        PAST.with(|p| p.borrow_mut().take());
        let mut scheduler = Scheduler::default();
        self.pasted
            .with_value(|all| all.iter().for_each(|a| scheduler.add_pasted(a.clone())));
        self.known.set(scheduler.known());
        self.scheduler.set_value(scheduler);
        self.failures.set(0);
        self.last_failure.set(None);
    }

    /// Follows the coin's trades and asks accounts until the run ends.
    fn start(&self, coin: String) {
        let m = *self;
        let run = self.run.get_value();
        let reading = coin.clone();
        let handlers = Handlers {
            on_text: Box::new(move |text| {
                let Ok(trades) = parse_trades(text, &reading) else {
                    return;
                };
                if trades.is_empty() {
                    return;
                }
                let known = m.scheduler.try_update_value(|s| {
                    for t in trades {
                        s.saw_trade(t.buyer, t.usd);
                        s.saw_trade(t.seller, t.usd);
                    }
                    s.known()
                });
                m.known.set(known.unwrap_or(0));
            }),
            on_state: Box::new(move |state| m.trades.set(Some(state))),
            on_reopened: Box::new(|| {}),
        };
        self.socket
            .set_value(Some(open_stream(connection(&coin), handlers)));
        spawn_local(async move {
            // One snapshot per refresh period, the first a period after
            // measuring starts (the accounts found early have answered).
            let mut snapshot_due = js_sys::Date::now() as i64 + REFRESH_MS;
            while m.run.get_value() == run {
                let now = js_sys::Date::now() as i64;
                if now >= snapshot_due {
                    snapshot_due = now + REFRESH_MS;
                    m.keep_snapshot(&coin, now);
                }
                let wait = match m.scheduler.try_update_value(|s| s.next(now)) {
                    Some(Next::Ask(address)) => {
                        spawn_local(m.ask(address, coin.clone()));
                        0
                    }
                    Some(Next::Wait(ms)) => ms,
                    _ => IDLE_MS,
                };
                gloo_timers::future::TimeoutFuture::new(wait.clamp(0, 60_000) as u32).await;
            }
        });
    }

    async fn ask(self, address: Address, coin: String) {
        let epoch = self.epoch.get_value();
        let answer = load_account(&address).await;
        if self.epoch.get_value() != epoch {
            return;
        }
        match answer {
            Ok(parsed) => {
                self.scheduler.update_value(|s| s.answered(&address));
                self.backing_off_s.set(None);
                let mine = parsed.rows.into_iter().filter(|p| p.coin == coin).collect();
                self.holdings.update(|all| {
                    all.retain(|(a, _)| *a != address);
                    if all.len() >= MAX_HOLDINGS {
                        all.remove(0);
                    }
                    all.push((address, mine));
                });
            }
            Err(ExchangeError::RateLimited { retry_after_s, .. }) => {
                let now = js_sys::Date::now() as i64;
                let wait = self
                    .scheduler
                    .try_update_value(|s| s.rate_limited(&address, now, retry_after_s));
                if let Some(ms) = wait.flatten() {
                    self.backing_off_s.set(Some(ms / 1000));
                }
            }
            Err(error) => {
                self.scheduler.update_value(|s| s.answered(&address));
                self.failures.update(|n| *n += 1);
                self.last_failure.set(Some(error.to_string()));
            }
        }
    }

    /// Keeps what is measured now as a snapshot (nothing before an answer).
    fn keep_snapshot(&self, coin: &str, now: i64) {
        let taken = self.summary.with_untracked(|s| {
            let s = s.as_ref()?;
            self.holdings
                .with_untracked(|h| Snapshot::of(h, coin, now, s.mark, s.coverage))
        });
        if let Some(taken) = taken {
            spawn_local(self.with_kept(Kept::Keep(taken)));
        }
    }

    /// Does `what` with the kept snapshots, then lists when the coin's were
    /// taken in "As of" (one task type for all three: a smaller page).
    async fn with_kept(self, what: Kept) {
        let coin = self.coin.get_untracked();
        match what {
            Kept::Keep(taken) => crate::kept::keep_snapshot(&taken).await,
            Kept::Show(taken) => {
                let read = crate::kept::read_snapshot(&coin, taken).await;
                let found = read.is_some();
                PAST.with(|p| *p.borrow_mut() = read);
                self.past.set(found.then_some(taken));
                // One that no longer reads back leaves the list.
                if found {
                    return;
                }
            }
            Kept::List => {}
        }
        let times = crate::kept::snapshot_times(&coin).await;
        let select = document()
            .query_selector("[data-testid=measured-as-of]")
            .ok()
            .flatten();
        if let Some(select) = select {
            list_snapshots(&select, &times, self.past.get_untracked());
        }
    }

    /// What the section draws: the snapshot "As of" chose, or measured now.
    fn drawn(&self) -> Option<Summary> {
        self.past
            .get()
            .and_then(|_| {
                PAST.with(|p| {
                    self.view
                        .with(|v| Some(past_summary(p.borrow().as_ref()?, v.as_ref()?)))
                })
            })
            .or_else(|| self.summary.get())
    }

    /// Every measured position's liquidation price and USD now (live, never
    /// a past snapshot), for the alerts; empty while none are shown.
    pub fn levels(&self) -> Vec<Level> {
        if !self.shown.get() {
            return Vec::new();
        }
        self.summary
            .with(|s| s.as_ref().map(|s| s.levels.clone()))
            .unwrap_or_default()
    }

    /// Pasted text: its addresses are asked first, the rest refused (shown
    /// back, never sent).
    fn paste(&self, text: &str) {
        let pasted = parse_pasted(text);
        self.refused.set(pasted.refused);
        let known = self.scheduler.try_update_value(|s| {
            pasted
                .addresses
                .iter()
                .for_each(|a| s.add_pasted(a.clone()));
            s.known()
        });
        self.known.set(known.unwrap_or(0));
        self.pasted.update_value(|all| {
            all.extend(pasted.addresses);
            all.dedup();
        });
    }

    /// "Measured now · …" for the accuracy panel; `None` while nothing is.
    pub fn cosine_line(&self) -> Option<String> {
        let s = self.summary.get()?;
        self.shown.get().then(|| {
            format!(
                "Hyperliquid measured vs model: cosine {} (coverage {})",
                figure(s.cosine, 2),
                percent(s.coverage)
            )
        })
    }

    /// The map CSV's measured rows (empty when none are shown).
    pub fn csv_rows(&self) -> String {
        match (self.shown.get_untracked(), self.summary.get_untracked()) {
            (true, Some(s)) => crate::export::measured_csv_rows(&s.map, &s.prices),
            _ => String::new(),
        }
    }
}

fn summarise(holdings: &[Holdings], coin: &str, view: &ViewData) -> Option<Summary> {
    let estimate = &view.estimate;
    let hyperliquid = view.sources.iter().find(|s| s.exchange == HYPERLIQUID);
    // The mark: Hyperliquid's last close, else the map's current price.
    let mark = hyperliquid
        .and_then(|s| s.candles.last().map(|c| c.close))
        .or(estimate.current_price)?;
    let prices = estimate.grid.prices;
    let map = measured_map(holdings, coin, &prices, mark);
    let model = model_map_of(estimate, HYPERLIQUID);
    let tiers = view.params.tiers.clone();
    Some(Summary {
        coverage: coverage(
            map.sampled_usd,
            hyperliquid.and_then(|s| s.current_open_interest),
            mark,
        ),
        cosine: model.as_deref().and_then(|m| similarity(&map.total(), m)),
        mix: leverage_mix(holdings, coin, &tiers, mark),
        near: largest_near(holdings, coin, mark, NEAR_PCT, NEAR_ROWS),
        levels: liquidation_levels(holdings, coin, mark),
        map,
        prices,
        model,
        tiers,
        mark,
    })
}

/// A kept snapshot on the view's price bins: its map, coverage and mix as
/// they were; no model beside it (the model's map is today's) and no table
/// (snapshots keep no accounts).
fn past_summary(past: &Snapshot, view: &ViewData) -> Summary {
    let prices = view.estimate.grid.prices;
    let tiers = view.params.tiers.clone();
    Summary {
        map: past.map(&prices),
        prices,
        model: None,
        coverage: past.coverage,
        cosine: None,
        mix: past.mix(&tiers),
        tiers,
        near: Vec::new(),
        mark: past.mark,
        levels: Vec::new(),
    }
}

/// The "Measured" switch of the map panel.
#[component]
pub fn MeasuredToggle(on: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="measured-toggle" title="Hyperliquid's real positions and liquidation prices beside the estimate (asks Hyperliquid about the accounts seen trading)">
            <input
                type="checkbox"
                data-testid="measured-toggle"
                prop:checked=move || on.get()
                on:change=handler(move |ev: leptos::ev::Event| on.set(event_target_checked(&ev)))
            />
            " Measured"
        </label>
    }
}

/// The measured section under the map: figures, chart, mix, table, paste.
///
/// Small in wasm on purpose: a static skeleton, two effects writing the
/// text of [`section_text`] and [`status_line`] into it (the histogram's
/// bars and the table's rows as plain DOM), and one click handler for both
/// buttons. Each reactive view closure, handler or `view!` shape would be
/// its own generic code.
#[component]
pub fn MeasuredSection(
    measured: Measured,
    settings: ViewSettings,
    theme: RwSignal<crate::render::Theme>,
) -> impl IntoView {
    let ViewSettings {
        params,
        measured: on,
        ..
    } = settings;
    let canvas = NodeRef::<Canvas>::new();
    repaint(canvas, move |element| {
        let theme = theme.get();
        let s = measured.drawn()?;
        let Prepared { root, ratio, .. } = prepare(element)?;
        let model = s.model.as_deref().unwrap_or(&[]);
        draw_measured_map(
            &root,
            s.prices,
            (&s.map.total(), model),
            Some(s.mark),
            theme,
            ratio,
        )
        .ok()
    });
    let root = NodeRef::<Div>::new();
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let text = measured.drawn().map_or_else(Default::default, |s| {
            section_text(
                &s.map,
                s.coverage,
                s.cosine,
                s.mix.as_deref(),
                &s.tiers,
                &s.near,
            )
        });
        write_section(&root, &text);
        let past = measured.past.get();
        let when = when_line(past, js_sys::Date::now() as i64);
        set_text(&root, "[data-testid=measured-when]", &when);
        root.toggle_attribute_with_force("data-past", past.is_some())
            .ok();
    });
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let trades = measured
            .trades
            .get()
            .map(|s| matches!(s, StreamState::Open));
        let last = measured.last_failure.get();
        let status = status_line(
            measured.known.get(),
            trades,
            measured.backing_off_s.get(),
            measured.failures.get(),
            last.as_deref(),
        );
        set_text(&root, "[data-testid=measured-status]", &status);
        let refused = measured.refused.with(|r| refused_line(r));
        set_text(&root, "[data-testid=measured-refused]", &refused);
    });
    // Both buttons, by the clicked element's test id.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let (Some(target), Some(root)) = (
            ev.target().and_then(|t| t.dyn_into::<Element>().ok()),
            root.get_untracked(),
        ) else {
            return;
        };
        match target.get_attribute("data-testid").as_deref() {
            Some("use-measured-mix") => {
                let only = part(&root, "[data-testid=mix-hyperliquid-only]")
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                    .is_some_and(|e| e.checked());
                use_mix(measured.drawn().and_then(|s| s.mix), params, only);
            }
            Some("measured-paste-add") => {
                if let Some(area) = part(&root, "#measured-paste")
                    .and_then(|e| e.dyn_into::<HtmlTextAreaElement>().ok())
                {
                    measured.paste(&area.value());
                }
            }
            _ => {}
        }
    };
    view! {
        <Show when=move || on.get()>
            <Show
                when=move || measured.shown.get()
                fallback=|| view! {
                    <p class="hint" data-testid="measured-pinned">
                        "Measured positions are Hyperliquid's accounts now: neither a pinned view nor the simulated market can show them. Follow now to measure."
                    </p>
                }
            >
                <div class="measured" data-testid="measured" node_ref=root on:click=handler(on_click)>
                    <label class="measured-as-of" title="Snapshots are kept in this browser, one per refresh (5 min), thinned to one an hour after two hours, for a week">
                        "As of "
                        <select
                            data-testid="measured-as-of"
                            on:change=handler(move |ev: leptos::ev::Event| match event_target_value(&ev).parse() {
                                Ok(taken) => spawn_local(measured.with_kept(Kept::Show(taken))),
                                Err(_) => measured.past.set(None),
                            })
                        >
                            <option value="">"now (live)"</option>
                        </select>
                    </label>
                    <p class="measured-figures" data-testid="measured-summary">
                        <strong data-testid="measured-when">"Measured now"</strong>
                        " · "
                        <span data-testid="measured-accounts">"–"</span>
                        " · coverage "
                        <span data-testid="measured-coverage" title="Sampled notional ÷ Hyperliquid's open interest × price">"–"</span>
                        " · cosine to the model's Hyperliquid map "
                        <span data-testid="measured-cosine" title="1 = the same shape; the sample's coverage says how far it is from the whole">"–"</span>
                        <span class="hint" data-testid="measured-no-price"></span>
                    </p>
                    <p class="hint" data-testid="measured-status" role="status"></p>
                    <canvas node_ref=canvas class="measured-map" data-testid="measured-map" role="img"
                        aria-label="Measured map: Hyperliquid positions' own liquidation prices beside the model's Hyperliquid map"></canvas>
                    <ul class="legend">
                        <li><span class="swatch" style:background=css(MEASURED)></span>"Measured (share of sampled USD)"</li>
                        <li><span class="swatch" style:background=css(MODEL_OF_MEASURED)></span>"Model, Hyperliquid only"</li>
                    </ul>
                    <div class="measured-mix">
                        <h3>"Sampled notional by leverage"</h3>
                        <ul class="histogram" data-testid="measured-mix"></ul>
                        <label title="Otherwise every exchange's tiers take the measured mix">
                            <input type="checkbox" data-testid="mix-hyperliquid-only" />
                            " Hyperliquid only"
                        </label>
                        <button
                            data-testid="use-measured-mix"
                            title="Set the tier weights to the measured mix (recorded in the link)"
                            disabled
                        >
                            "Use the measured mix"
                        </button>
                    </div>
                    <table class="measured-table" data-testid="measured-table">
                        <caption>"Largest measured positions within 20 % of the price"</caption>
                        <thead><tr><th>"Account"</th><th>"Side"</th><th>"Size"</th><th>"Leverage"</th><th>"Liquidation"</th><th>"Distance"</th></tr></thead>
                        <tbody data-testid="measured-rows"></tbody>
                    </table>
                    <div class="measured-paste">
                        <label for="measured-paste">"Also ask these accounts (0x + 40 hex digits, one per line or comma-separated)"</label>
                        <textarea id="measured-paste" data-testid="measured-paste" rows="2" spellcheck="false"></textarea>
                        <button data-testid="measured-paste-add">"Ask"</button>
                        <p class="error" data-testid="measured-refused" role="alert"></p>
                    </div>
                </div>
            </Show>
        </Show>
    }
}

/// "Use the measured mix": every exchange's tiers, or Hyperliquid's alone.
fn use_mix(mix: Option<Vec<f64>>, params: RwSignal<crate::engine::Params>, only: bool) {
    let Some(mix) = mix else {
        return;
    };
    params.update(|p| {
        if only {
            let exchange = Exchange::Hyperliquid.name().into();
            p.exchange_weights = Some(ExchangeWeights {
                exchange,
                weights: mix,
            });
        } else {
            p.tiers = with_mix(&p.tiers, &mix);
            p.weights_measured = true;
            p.exchange_weights = None;
        }
    });
}

/// "As of": "now (live)" (the skeleton's option) and when each kept
/// snapshot was taken, newest first; `chosen` is selected.
fn list_snapshots(select: &Element, times: &[i64], chosen: Option<i64>) {
    while let Some(old) = select
        .last_element_child()
        .filter(|_| select.child_element_count() > 1)
    {
        old.remove();
    }
    for taken in times {
        if let Some(option) = child(select, "option", &snapshot_label(*taken)) {
            option.set_attribute("value", &taken.to_string()).ok();
        }
    }
    let value = chosen.map_or(String::new(), |t| t.to_string());
    js_sys::Reflect::set(select, &"value".into(), &value.into()).ok();
}

/// Writes the section's text, histogram bars and table rows.
fn write_section(root: &Element, t: &SectionText) -> Option<()> {
    set_text(root, "[data-testid=measured-accounts]", &t.accounts);
    set_text(root, "[data-testid=measured-coverage]", &t.coverage);
    set_text(root, "[data-testid=measured-cosine]", &t.cosine);
    set_text(root, "[data-testid=measured-no-price]", &t.no_price);
    part(root, "[data-testid=use-measured-mix]")?
        .toggle_attribute_with_force("disabled", !t.has_mix)
        .ok()?;
    let bars = part(root, "[data-testid=measured-mix]")?;
    bars.set_text_content(None);
    for [label, width, value] in &t.mix {
        let li = child(&bars, "li", "")?;
        child(&li, "span", label)?.set_class_name("label");
        let bar = child(&li, "span", "")?.dyn_into::<HtmlElement>().ok()?;
        bar.set_class_name("bar");
        // The style object, not a style attribute: the CSP allows it.
        bar.style().set_property("width", width).ok()?;
        child(&li, "span", value)?.set_class_name("value");
    }
    let rows = part(root, "[data-testid=measured-rows]")?;
    rows.set_text_content(None);
    for r in &t.rows {
        let tr = child(&rows, "tr", "")?;
        let a = child(&child(&tr, "td", "")?, "a", &r.short)?;
        for (name, value) in [
            ("href", r.href.as_str()),
            ("target", "_blank"),
            ("rel", "noopener noreferrer"),
            ("title", &r.address),
        ] {
            a.set_attribute(name, value).ok()?;
        }
        child(&tr, "td", r.side)?.set_class_name(r.side);
        for cell in &r.cells {
            child(&tr, "td", cell)?;
        }
    }
    Some(())
}
