//! Live mode: while the view follows now, the exchanges' streams bring new
//! candles and actual liquidations. Liquidations show as a feed, totals,
//! bubbles on the heatmap, and a hit lift saying how well the estimate did.

use super::{ViewData, ViewMemo};
use crate::accuracy::{hit_lift_interval, Event, LiftInterval};
use crate::engine::{Grid, LiveCandle};
use crate::exchanges::{Exchange, Side};
use crate::live::{EventRing, LiqEvent, LiveMessage};
use crate::render::chart::Bubble;
use crate::render::{price_label, usd_label, utc_label};
use crate::stream::StreamState;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;

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

/// Over which period the lift is measured: events kept from earlier
/// visits count too, so the record grows with use.
fn period_text(events: &EventRing<LiqEvent>) -> String {
    let first = events.iter().map(|e| e.time_ms).min();
    let last = events.iter().map(|e| e.time_ms).max();
    match (first, last) {
        (Some(first), Some(last)) => format!(
            "over {} events from {} to {} UTC (kept in this browser for 30 days)",
            events.iter().len(),
            utc_label(first),
            utc_label(last)
        ),
        _ => String::new(),
    }
}

fn lift_text(lift: LiftInterval) -> String {
    match lift {
        LiftInterval::NotEnoughEvents { events } => {
            format!("not enough events yet ({events} of 10)")
        }
        LiftInterval::Lift {
            lift,
            low,
            high,
            events,
        } => format!("{lift:.2} (95 % {low:.2}–{high:.2}) over {events} events"),
    }
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
    let totals = move || {
        events.with(|ring| {
            let mut rows: Vec<(Exchange, [f64; 2], usize)> = Vec::new();
            for e in ring.iter() {
                let at = match rows.iter().position(|(x, _, _)| *x == e.exchange) {
                    Some(at) => at,
                    None => {
                        rows.push((e.exchange, [0.0; 2], 0));
                        rows.len() - 1
                    }
                };
                if let Some(row) = rows.get_mut(at) {
                    row.1[usize::from(e.side == Side::Short)] += e.usd;
                    row.2 += 1;
                }
            }
            rows
        })
    };
    // Both sides summed, once per view (megabytes: not once per event).
    let density = Memo::new_with_compare(
        move |_| view.with(|v| v.as_ref().map(|v| v.estimate.heatmap_total())),
        |_, _| true,
    );
    let accuracy = move || {
        view.with(|v| {
            let v = v.as_ref()?;
            density.with(|d| {
                let d = d.as_ref()?;
                Some(events.with(|ring| {
                    let all: Vec<&LiqEvent> = ring.iter().collect();
                    let mut lines = vec![("All exchanges".to_string(), lift_of(v, d, &all))];
                    for exchange in Exchange::ALL {
                        let mine: Vec<&LiqEvent> = all
                            .iter()
                            .copied()
                            .filter(|e| e.exchange == exchange)
                            .collect();
                        if !mine.is_empty() {
                            lines.push((exchange.name().to_string(), lift_of(v, d, &mine)));
                        }
                    }
                    lines
                }))
            })
        })
    };
    view! {
        <section class="panel live-panel" aria-label="Live liquidations" data-testid="live-panel">
            <div class="panel-head">
                <h2>"Actual liquidations"</h2>
                <button
                    data-testid="live-toggle"
                    aria-pressed=move || paused.get().to_string()
                    title="Pause or resume live updates (they also pause while the tab is hidden)"
                    on:click=move |_| paused.update(|p| *p = !*p)
                >
                    {move || if paused.get() { "Resume" } else { "Pause" }}
                </button>
                <span class="hint" data-testid="live-state">
                    {move || {
                        let paused = if paused.get() {
                            "paused · "
                        } else if hidden.get() {
                            "tab hidden · "
                        } else {
                            ""
                        };
                        let links = streams
                            .get()
                            .into_iter()
                            .map(|(e, s)| format!("{} {}", e.name(), state_text(s)))
                            .collect::<Vec<_>>()
                            .join(" · ");
                        format!("{paused}{links}")
                    }}
                </span>
                <span class="hint" data-testid="live-malformed">
                    {move || format!("{} unreadable messages skipped", malformed.get())}
                </span>
            </div>
            <p class="accuracy" data-testid="accuracy">
                <strong>"Hit lift "</strong>
                <span class="hint">
                    "(share of liquidations in the estimate's top 20 % cells ÷ 0.2; 1 = no better than chance)"
                </span>
                {move || {
                    let measured = use_context::<super::measured::Measured>().and_then(|m| m.cosine_line());
                    measured.map(|line| view! { <span class="lift" data-testid="accuracy-measured">{line}</span> })
                }}
                {move || {
                    accuracy()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(name, lift)| view! { <span class="lift">{format!("{name}: {}", lift_text(lift))}</span> })
                        .collect_view()
                }}
                <span class="hint" data-testid="accuracy-period">{move || events.with(period_text)}</span>
            </p>
            <table class="live-totals" data-testid="live-totals">
                <thead>
                    <tr><th>"Exchange"</th><th>"Longs"</th><th>"Shorts"</th><th>"Events"</th></tr>
                </thead>
                <tbody>
                    {move || {
                        totals()
                            .into_iter()
                            .map(|(e, usd, n)| {
                                view! {
                                    <tr>
                                        <td>{e.name()}</td>
                                        <td class="below">{usd_label(usd[0])}</td>
                                        <td class="above">{usd_label(usd[1])}</td>
                                        <td>{n}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
            <ol class="live-feed" data-testid="live-feed" aria-live="off">
                {move || {
                    events.with(|ring| {
                        ring.iter()
                            .rev()
                            .take(FEED_ROWS)
                            .map(|e| {
                                let side = if e.side == Side::Long { "long" } else { "short" };
                                view! {
                                    <li class=side>
                                        {format!(
                                            "{} {} {side} {} at {}",
                                            utc_label(e.time_ms),
                                            e.exchange.name(),
                                            usd_label(e.usd),
                                            price_label(e.price),
                                        )}
                                    </li>
                                }
                            })
                            .collect_view()
                    })
                }}
            </ol>
        </section>
    }
}
