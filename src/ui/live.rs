//! Live mode: while the view follows now, the exchanges' streams bring new
//! candles and actual liquidations. Liquidations show as a feed, totals,
//! bubbles on the heatmap, and a hit lift saying how well the estimate did.

use super::dom::{classed_child, handler, part, set_text, target_of};
use super::effect::effect;
use super::{ViewData, ViewMemo};
use crate::accuracy::{hit_lift_interval, Event, LiftInterval};
use crate::engine::{Grid, LiveCandle};
use crate::exchanges::{Exchange, Side};
use crate::live::text::{feed_lines, lift_line, period_text, totals};
use crate::live::{EventRing, LiqEvent, LiveMessage};
use crate::render::chart::Bubble;
use crate::stream::StreamState;
use gloo_timers::callback::Timeout;
use leptos::html::Section;
use leptos::prelude::*;
use web_sys::Element;

/// Events kept (the oldest go first): memory stays bounded.
const EVENTS_KEPT: usize = 5_000;
/// Messages held while paused or hidden; beyond this the view reloads on
/// resume instead of replaying.
const HELD_MAX: usize = 20_000;
const FEED_ROWS: usize = 12;
/// Events reach the views at most this often.
const FLUSH_MS: u32 = 250;

/// What the streams bring, as signals, plus what waits while paused.
#[derive(Clone, Copy)]
pub struct LiveFeed {
    pub events: RwSignal<EventRing<LiqEvent>>,
    /// Frames that could not be read, and rows dropped inside good ones.
    pub malformed: RwSignal<u64>,
    pub streams: RwSignal<Vec<(Exchange, StreamState)>>,
    /// Paused by the user; `hidden`: the tab is in the background.
    pub paused: RwSignal<bool>,
    pub hidden: RwSignal<bool>,
    held: StoredValue<Vec<(Exchange, LiveMessage)>>,
    /// Events waiting for the next flush: the views update a few times a
    /// second, not once per message.
    arriving: StoredValue<Vec<LiqEvent>>,
    flush: StoredValue<Option<Timeout>, LocalStorage>,
    /// More arrived while paused than is held: reload on resume.
    pub overflowed: RwSignal<bool>,
}

impl LiveFeed {
    pub fn new() -> Self {
        let feed = LiveFeed {
            events: RwSignal::new(EventRing::new(EVENTS_KEPT)),
            malformed: RwSignal::new(0),
            streams: RwSignal::new(Vec::new()),
            paused: RwSignal::new(false),
            hidden: RwSignal::new(false),
            held: StoredValue::new(Vec::new()),
            arriving: StoredValue::new(Vec::new()),
            flush: StoredValue::new_local(None),
            overflowed: RwSignal::new(false),
        };
        // Background tabs get no updates; they catch up when shown.
        let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
            feed.hidden.set(document().hidden());
        });
        on_cleanup(move || listener.remove());
        feed
    }

    /// Starts afresh (a new load): no events, no streams.
    pub fn reset(&self) {
        self.events.update(EventRing::clear);
        self.streams.set(Vec::new());
        self.held.update_value(Vec::clear);
        self.overflowed.set(false);
    }

    pub fn set_state(&self, exchange: Exchange, index: usize, state: StreamState) {
        self.streams.update(|all| {
            let mine = all.iter().filter(|(e, _)| *e == exchange).count();
            if index < mine {
                if let Some(slot) = all.iter_mut().filter(|(e, _)| *e == exchange).nth(index) {
                    slot.1 = state;
                }
            } else {
                all.push((exchange, state));
            }
        });
    }

    /// Takes what a frame said; new candles go to `on_candle`.
    pub fn receive(
        &self,
        exchange: Exchange,
        messages: Vec<LiveMessage>,
        on_candle: &dyn Fn(Exchange, LiveMessage),
    ) {
        if self.paused.get_untracked() || self.hidden.get_untracked() {
            self.held.update_value(|held| {
                let room = HELD_MAX.saturating_sub(held.len());
                let overflow = messages.len() > room;
                held.extend(messages.into_iter().take(room).map(|m| (exchange, m)));
                if overflow {
                    self.overflowed.set(true);
                }
            });
            return;
        }
        let mut events = Vec::new();
        for message in messages {
            match message {
                LiveMessage::Liquidation(event) => events.push(event),
                LiveMessage::Dropped(n) => self.malformed.update(|m| *m += n as u64),
                LiveMessage::Candle(_) => on_candle(exchange, message),
                _ => {}
            }
        }
        if events.is_empty() {
            return;
        }
        self.arriving.update_value(|a| a.extend(events));
        if self.flush.with_value(Option::is_none) {
            let feed = *self;
            let timer = Timeout::new(FLUSH_MS, move || {
                feed.flush.set_value(None);
                let arrived = feed
                    .arriving
                    .try_update_value(std::mem::take)
                    .unwrap_or_default();
                feed.events
                    .update(|ring| arrived.into_iter().for_each(|e| ring.push(e)));
            });
            self.flush.set_value(Some(timer));
        }
    }

    /// Replays what was held while paused or hidden.
    pub fn catch_up(&self, on_candle: &dyn Fn(Exchange, LiveMessage)) {
        let held = self
            .held
            .try_update_value(std::mem::take)
            .unwrap_or_default();
        for (exchange, message) in held {
            self.receive(exchange, vec![message], on_candle);
        }
    }

    pub fn count_malformed(&self) {
        self.malformed.update(|m| *m += 1);
    }

    /// Actual liquidations as bubbles for the heatmap.
    pub fn bubbles(&self) -> Vec<Bubble> {
        self.events.with(|ring| {
            ring.iter()
                .map(|e| Bubble {
                    time_ms: e.time_ms,
                    price: e.price,
                    usd: e.usd,
                    long: e.side == Side::Long,
                })
                .collect()
        })
    }
}

/// A closed candle from a stream, for the page to append.
pub fn closed_candle(
    closers: &mut Vec<(Exchange, crate::live::CandleCloser)>,
    exchange: Exchange,
    message: LiveMessage,
) -> Option<LiveCandle> {
    let LiveMessage::Candle(update) = message else {
        return None;
    };
    let at = match closers.iter().position(|(e, _)| *e == exchange) {
        Some(at) => at,
        None => {
            closers.push((exchange, crate::live::CandleCloser::new()));
            closers.len() - 1
        }
    };
    closers.get_mut(at)?.1.offer(update)
}

/// The hit lift of spec section 9 over `events`. Events after the last
/// candle are scored against the last column: the map the estimate gave
/// for "now".
fn lift_of(view: &ViewData, density: &Grid, events: &[&LiqEvent]) -> LiftInterval {
    let grid = &view.estimate.grid;
    let last = grid.time.end_ms() - 1;
    let scored: Vec<Event> = events
        .iter()
        .map(|e| Event {
            time_ms: e.time_ms.min(last),
            ..Event::from(**e)
        })
        .collect();
    hit_lift_interval(density, grid, &scored)
}

fn state_text(state: StreamState) -> String {
    match state {
        StreamState::Connecting => "connecting".into(),
        StreamState::Open => "live".into(),
        StreamState::Retrying { attempt, in_ms } => {
            format!(
                "reconnecting (try {attempt} in {:.1} s)",
                in_ms as f64 / 1000.0
            )
        }
    }
}

/// The panel's static part; [`write_state`] and [`write_events`] fill it.
const SKELETON: &str = concat!(
    r#"<div class="panel-head">"#,
    r#"<h2>Actual liquidations</h2>"#,
    r#"<button data-testid="live-toggle" aria-pressed="false" title="Pause or resume live updates (they also pause while the tab is hidden)">Pause</button>"#,
    r#"<span class="hint" data-testid="live-state"></span>"#,
    r#"<span class="hint" data-testid="live-malformed"></span>"#,
    r#"</div>"#,
    r#"<p class="accuracy" data-testid="accuracy">"#,
    r#"<strong>Hit lift </strong>"#,
    r#"<span class="hint">(share of liquidations in the estimate's top 20 % cells ÷ 0.2; 1 = no better than chance)</span>"#,
    r#"</p>"#,
    r#"<table class="live-totals" data-testid="live-totals">"#,
    r#"<thead><tr><th>Exchange</th><th>Longs</th><th>Shorts</th><th>Events</th></tr></thead>"#,
    r#"<tbody></tbody>"#,
    r#"</table>"#,
    r#"<ol class="live-feed" data-testid="live-feed" aria-live="off"></ol>"#,
);

#[component]
pub fn LivePanel(feed: LiveFeed, view: ViewMemo) -> impl IntoView {
    let LiveFeed {
        events,
        malformed,
        streams,
        paused,
        hidden,
        ..
    } = feed;
    // Both sides summed, once per view (megabytes: not once per event).
    let density = Memo::new_with_compare(
        move |_| view.with(|v| v.as_ref().map(|v| v.estimate.heatmap_total())),
        |_, _| true,
    );
    let root = NodeRef::<Section>::new();
    effect(move || {
        if let Some(root) = root.get() {
            streams.with(|streams| {
                write_state(&root, paused.get(), hidden.get(), streams, malformed.get())
            });
        }
    });
    let measured = use_context::<super::measured::Measured>();
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let measured = measured.and_then(|m| m.cosine_line());
        view.with(|v| {
            density.with(|d| {
                events.with(|ring| {
                    let lifts = match (v, d) {
                        (Some(v), Some(d)) => lift_lines(v, d, ring),
                        _ => Vec::new(),
                    };
                    write_events(&root, ring, measured.as_deref(), &lifts);
                })
            })
        });
    });
    view! {
        <section
            node_ref=root
            class="panel live-panel"
            aria-label="Live liquidations"
            data-testid="live-panel"
            inner_html=SKELETON
            on:click=handler(move |ev: leptos::ev::MouseEvent| {
                if target_of(&ev).is_some_and(|(_, id)| id == "live-toggle") {
                    paused.update(|p| *p = !*p);
                }
            })
        ></section>
    }
}

/// The hit lift over all exchanges, then over each one with events.
fn lift_lines(view: &ViewData, density: &Grid, events: &EventRing<LiqEvent>) -> Vec<String> {
    let all: Vec<&LiqEvent> = events.iter().collect();
    let mut lines = vec![lift_line("All exchanges", lift_of(view, density, &all))];
    for exchange in Exchange::ALL {
        let mine: Vec<&LiqEvent> = all
            .iter()
            .copied()
            .filter(|e| e.exchange == exchange)
            .collect();
        if !mine.is_empty() {
            lines.push(lift_line(exchange.name(), lift_of(view, density, &mine)));
        }
    }
    lines
}

/// The pause button, the streams' state and the unreadable count.
fn write_state(
    root: &Element,
    paused: bool,
    hidden: bool,
    streams: &[(Exchange, StreamState)],
    malformed: u64,
) {
    if let Some(button) = part(root, "[data-testid=live-toggle]") {
        button
            .set_attribute("aria-pressed", &paused.to_string())
            .ok();
        button.set_text_content(Some(if paused { "Resume" } else { "Pause" }));
    }
    let why = if paused {
        "paused · "
    } else if hidden {
        "tab hidden · "
    } else {
        ""
    };
    let links = streams
        .iter()
        .map(|(e, s)| format!("{} {}", e.name(), state_text(*s)))
        .collect::<Vec<_>>()
        .join(" · ");
    set_text(root, "[data-testid=live-state]", &format!("{why}{links}"));
    let skipped = format!("{malformed} unreadable messages skipped");
    set_text(root, "[data-testid=live-malformed]", &skipped);
}

/// The accuracy line (the measured cosine, the lifts and their period),
/// the totals per exchange and the newest events.
fn write_events(
    root: &Element,
    events: &EventRing<LiqEvent>,
    measured: Option<&str>,
    lifts: &[String],
) -> Option<()> {
    let accuracy = part(root, "[data-testid=accuracy]")?;
    // After the title and its hint come the figures: written afresh.
    while accuracy.child_element_count() > 2 {
        accuracy.last_element_child()?.remove();
    }
    if let Some(line) = measured {
        classed_child(&accuracy, "span", "lift", line)?
            .set_attribute("data-testid", "accuracy-measured")
            .ok()?;
    }
    for line in lifts {
        classed_child(&accuracy, "span", "lift", line)?;
    }
    classed_child(&accuracy, "span", "hint", &period_text(events))?
        .set_attribute("data-testid", "accuracy-period")
        .ok()?;
    let body = part(root, "[data-testid=live-totals] tbody")?;
    body.set_text_content(None);
    for [name, longs, shorts, count] in totals(events) {
        let row = classed_child(&body, "tr", "", "")?;
        classed_child(&row, "td", "", &name)?;
        classed_child(&row, "td", "below", &longs)?;
        classed_child(&row, "td", "above", &shorts)?;
        classed_child(&row, "td", "", &count)?;
    }
    let feed = part(root, "[data-testid=live-feed]")?;
    feed.set_text_content(None);
    for (side, line) in feed_lines(events, FEED_ROWS) {
        classed_child(&feed, "li", side, &line)?;
    }
    Some(())
}
