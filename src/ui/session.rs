//! The session: what the page has loaded for the view in force, and what
//! keeps it up to date. Loading each exchange, its live streams, the closed
//! candles waiting for their open interest, and which results are stale.
//!
//! A plain type with methods (every field is a handle into Leptos' arena,
//! so it is `Copy`); `App` creates one and shares it with `provide_context`,
//! components read the signals they need.

use super::effect::effect;
use super::engine_client::EngineClient;
use super::live::{closed_candle, LiveFeed};
use super::status::ExchangeStatus;
use super::view_settings::ViewSettings;
use crate::compute::{Drawn, Push, PushLog};
use crate::engine::{LiveCandle, Source};
use crate::exchanges::{candle_span, resolution_in_force, Exchange, Instrument, Resolution};
use crate::live::{connections, parse, AwaitingOpenInterest, CandleCloser, LiveMessage};
use crate::net::{load_exchange, load_liquidation_history, load_open_interest, Progress, Want};
use crate::stream::{open as open_stream, Handlers, Stream};
use crate::url_state::ViewState;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use std::rc::Rc;

/// The keys of what the first load of `state` finds drawn last time (see
/// [`Session::draw_kept`]), to read them before the page mounts.
pub fn first_drawn_keys(state: &ViewState) -> Vec<String> {
    if state.demo {
        return Vec::new();
    }
    let (coin, window_ms) = (&state.coin, state.window.ms());
    let want = Want {
        coin: coin.clone(),
        // Not part of the key.
        window_end_ms: 0,
        window_ms,
        resolution: resolution_in_force(&state.exchanges, coin, window_ms, state.resolution),
        funding: state.params.funding_drift,
    };
    state.exchanges.iter().map(|e| want.drawn_key(*e)).collect()
}

/// How long a load waits for its kept drawing to be on the page before
/// asking the exchanges (the engine's worker may still be starting).
const KEPT_DRAWING_WAIT_MS: u32 = 1_000;

/// Which load a result belongs to: one starting a new load makes every
/// older token stale, and what comes back for a stale token is dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadToken(u64);

/// What the page has loaded, and its live updates.
#[derive(Clone, Copy)]
pub struct Session {
    /// Where each chosen exchange's load stands.
    pub statuses: RwSignal<Vec<(Exchange, ExchangeStatus)>>,
    /// The loaded series, in exchange order; live candles are appended.
    pub sources: RwSignal<Vec<(Exchange, Source)>>,
    /// The end of the loaded window (moves on with live candles).
    pub end_ms: RwSignal<i64>,
    /// Every coin an exchange lists (the coin field offers them).
    pub listed_coins: RwSignal<BTreeSet<String>>,
    /// The instruments loaded (the cascade asks their order books).
    pub instruments: RwSignal<Vec<Instrument>>,
    /// Actual liquidations and the streams' states.
    pub feed: LiveFeed,
    /// Bumped to load again (after a stream reconnects: fill the gap).
    pub refresh: RwSignal<u32>,
    /// The live candles appended to `sources` since they last changed
    /// otherwise: what the engine's worker is sent instead of them.
    pub pushes: StoredValue<PushLog>,
    /// What the current load asked for (the live window keeps its length).
    want: StoredValue<Option<Want>>,
    current: StoredValue<LoadToken>,
    streams: StoredValue<Vec<Stream>, LocalStorage>,
    closers: StoredValue<Vec<(Exchange, CandleCloser)>, LocalStorage>,
    /// Closed candles waiting for the exchange's open interest (one request
    /// out per exchange).
    awaiting: StoredValue<AwaitingOpenInterest>,
}

impl Session {
    pub fn new() -> Self {
        let session = Session {
            statuses: RwSignal::new(Vec::new()),
            sources: RwSignal::new(Vec::new()),
            end_ms: RwSignal::new(0),
            listed_coins: RwSignal::new(BTreeSet::new()),
            instruments: RwSignal::new(Vec::new()),
            feed: LiveFeed::new(),
            refresh: RwSignal::new(0),
            pushes: StoredValue::new(PushLog::default()),
            want: StoredValue::new(None),
            current: StoredValue::new(LoadToken::default()),
            streams: StoredValue::new_local(Vec::new()),
            closers: StoredValue::new_local(Vec::new()),
            awaiting: StoredValue::new(AwaitingOpenInterest::default()),
        };
        // Back from pause or a hidden tab: replay what came meanwhile.
        effect(move || {
            let feed = session.feed;
            if !feed.paused.get() && !feed.hidden.get() {
                if feed.overflowed.get_untracked() {
                    session.reload();
                } else {
                    feed.catch_up(&move |e, m| session.on_candle(e, m));
                }
            }
        });
        session
    }

    /// Loads what `settings` ask for, again whenever the coin, window,
    /// exchanges, resolution or pinned end change (or [`Self::reload`]);
    /// the simulated market asks nothing. Returns the resolution in force:
    /// the one asked for when the exchanges can afford it for this window,
    /// else the automatic one.
    pub fn follow(&self, settings: ViewSettings) -> Memo<Resolution> {
        let ViewSettings {
            coin,
            exchanges,
            window,
            resolution,
            params,
            demo,
            at,
            ..
        } = settings;
        let resolution_used = Memo::new(move |_| {
            let (chosen, window_ms) = (exchanges.get(), window.get().ms());
            resolution_in_force(&chosen, &coin.get(), window_ms, resolution.get())
        });
        // Of the model's parameters only funding drift changes what is
        // fetched: a tier weight recomputes, it does not load again.
        let funding_drift = Memo::new(move |_| params.with(|p| p.funding_drift));
        let session = *self;
        effect(move || {
            let (coin, window_ms, demo) = (coin.get(), window.get().ms(), demo.get());
            let (chosen, resolution, pinned) = (exchanges.get(), resolution_used.get(), at.get());
            let funding = funding_drift.get();
            session.refresh.track();
            if demo {
                session.clear();
                return;
            }
            let now = pinned.unwrap_or(js_sys::Date::now() as i64);
            let want = Want {
                coin,
                window_end_ms: now - now.rem_euclid(resolution.ms()),
                window_ms,
                resolution,
                funding,
            };
            // A view pinned at a past time has no live updates.
            session.load(chosen, want, pinned.is_none());
        });
        resolution_used
    }

    /// Loads again what is loaded (the effect that calls [`Self::load`]
    /// tracks [`Self::refresh`]).
    pub fn reload(&self) {
        self.refresh.update(|r| *r += 1);
    }

    /// Forgets everything loaded and streamed; older results become stale.
    pub fn clear(&self) -> LoadToken {
        self.current.update_value(|t| t.0 += 1);
        self.sources.set(Vec::new());
        self.pushes.update_value(PushLog::reset);
        self.instruments.set(Vec::new());
        self.statuses.set(Vec::new());
        self.streams.set_value(Vec::new());
        self.closers.set_value(Vec::new());
        self.awaiting.set_value(AwaitingOpenInterest::default());
        self.feed.reset();
        self.current.get_value()
    }

    fn is_current(&self, token: LoadToken) -> bool {
        self.current.get_value() == token
    }

    /// Loads `want` from each of `exchanges`, each on its own (one failing
    /// leaves the others); `live`: then follow each one's streams. First
    /// comes what this browser drew last for the view, if anything.
    pub fn load(&self, exchanges: Vec<Exchange>, want: Want, live: bool) {
        let token = self.clear();
        let session = *self;
        self.end_ms.set(want.window_end_ms);
        self.want.set_value(Some(want.clone()));
        let loading = ExchangeStatus::Loading { done: 0, total: 1 };
        self.statuses
            .set(exchanges.iter().map(|e| (*e, loading.clone())).collect());
        let engine = use_context::<EngineClient>();
        spawn_local(async move {
            // The exchanges are asked once the kept drawing is on the page:
            // reading their answers takes the page's thread, and would
            // hold it up.
            if session.draw_kept(token, &exchanges, &want).await {
                if let Some(engine) = engine {
                    engine.first_view(KEPT_DRAWING_WAIT_MS).await;
                }
            }
            for exchange in exchanges {
                spawn_local(session.load_one(token, exchange, want.clone(), live));
            }
        });
    }

    /// Draws at once what this browser drew for the view last time (the
    /// same coin, window, resolution and window end: a reload, a link
    /// opened again within the candle), while the exchanges are asked
    /// again; their answers replace it, a failure removes it. Not when the
    /// visit has the exchange's answers in memory: then they come at once.
    /// Whether anything was drawn.
    async fn draw_kept(self, token: LoadToken, exchanges: &[Exchange], want: &Want) -> bool {
        let first_asked: Vec<Exchange> = exchanges
            .iter()
            .copied()
            .filter(|e| !crate::net::listed_this_visit(*e))
            .collect();
        if first_asked.is_empty() {
            return false;
        }
        let keys: Vec<String> = first_asked.iter().map(|e| want.drawn_key(*e)).collect();
        let kept = crate::kept::read_drawn(&keys).await;
        if !self.is_current(token) {
            return false;
        }
        let mut drawn_any = false;
        for (exchange, drawn) in first_asked.into_iter().zip(kept) {
            if let Some(drawn) = drawn.filter(|d| d.window_end_ms == want.window_end_ms) {
                self.put_source(exchange, Some(drawn.source));
                let refreshing = ExchangeStatus::Refreshing { done: 0, total: 1 };
                self.set_status(token, exchange, refreshing);
                drawn_any = true;
            }
        }
        drawn_any
    }

    /// Loads one exchange, shows what came (or why nothing did) and keeps
    /// what it drew for the next load of the view.
    async fn load_one(self, token: LoadToken, exchange: Exchange, want: Want, live: bool) {
        let session = self;
        let progress: Progress = Rc::new(move |done, total| {
            let now = session.status_of(exchange);
            let progressed = now.map_or(ExchangeStatus::Loading { done, total }, |s| {
                s.progressed(done, total)
            });
            session.set_status(token, exchange, progressed)
        });
        let still_wanted = Rc::new(move || session.is_current(token));
        let result = load_exchange(exchange, &want, progress, still_wanted).await;
        if !self.is_current(token) {
            return;
        }
        let loaded = match result {
            Ok(loaded) => loaded,
            Err(error) => {
                self.put_source(exchange, None);
                let failed = ExchangeStatus::Failed(error.to_string());
                return self.set_status(token, exchange, failed);
            }
        };
        self.listed_coins
            .update(|all| all.extend(loaded.coins.iter().cloned()));
        self.instruments
            .update(|all| all.push(loaded.instrument.clone()));
        if live {
            let since_ms = want.window_end_ms - want.window_ms;
            self.go_live(&loaded.instrument, want.resolution, since_ms, token);
        }
        let ready = ExchangeStatus::Ready {
            coverage: loaded.coverage.clone(),
            dropped: loaded.dropped,
            limits_assumed: loaded.limits_assumed,
        };
        self.set_status(token, exchange, ready);
        let drawn = Drawn {
            window_end_ms: want.window_end_ms,
            source: loaded.source.clone(),
        };
        spawn_local(
            async move { crate::kept::keep_drawn(&want.drawn_key(exchange), &drawn).await },
        );
        self.put_source(exchange, Some(loaded.source));
    }

    /// Puts `exchange`'s source in its place among the sources (in
    /// exchange order), in place of the one there; `None` removes it.
    fn put_source(&self, exchange: Exchange, source: Option<Source>) {
        let held = self
            .sources
            .with_untracked(|all| all.iter().any(|(e, _)| *e == exchange));
        if source.is_none() && !held {
            return;
        }
        self.pushes.update_value(PushLog::reset);
        self.sources.update(|all| {
            all.retain(|(e, _)| *e != exchange);
            if let Some(source) = source {
                let at = all.partition_point(|(e, _)| *e < exchange);
                all.insert(at, (exchange, source));
            }
        });
    }

    fn status_of(&self, exchange: Exchange) -> Option<ExchangeStatus> {
        self.statuses.with_untracked(|all| {
            let found = all.iter().find(|(e, _)| *e == exchange);
            found.map(|(_, status)| status.clone())
        })
    }

    fn set_status(&self, token: LoadToken, exchange: Exchange, status: ExchangeStatus) {
        if !self.is_current(token) {
            return;
        }
        self.statuses.update(|all| {
            if let Some(entry) = all.iter_mut().find(|(e, _)| *e == exchange) {
                entry.1 = status;
            }
        });
    }

    /// Streams for a loaded instrument, and its past liquidations.
    fn go_live(
        &self,
        instrument: &Instrument,
        resolution: Resolution,
        since_ms: i64,
        token: LoadToken,
    ) {
        let session = *self;
        let exchange = instrument.exchange;
        let feed = self.feed;
        for (index, connection) in connections(instrument, resolution).into_iter().enumerate() {
            let reader = instrument.clone();
            let handlers = Handlers {
                on_text: Box::new(move |text| match parse(&reader, text) {
                    Ok(messages) => {
                        // Kept and watched as they come, hidden tab or not.
                        crate::kept::keep_live(&reader.symbol, &messages);
                        super::alerts::observe(&messages);
                        feed.receive(exchange, messages, &move |e, m| session.on_candle(e, m))
                    }
                    Err(_) => feed.count_malformed(),
                }),
                on_state: Box::new(move |state| feed.set_state(exchange, index, state)),
                on_reopened: Box::new(move || session.reload()),
            };
            let stream = open_stream(connection, handlers);
            self.streams.update_value(|all| all.push(stream));
        }
        let instrument = instrument.clone();
        spawn_local(async move {
            // What earlier visits saw live, then what the exchange still serves.
            let kept = crate::kept::read_events(exchange, &instrument.symbol, since_ms).await;
            let mut events = load_liquidation_history(&instrument, since_ms)
                .await
                .unwrap_or_default();
            events.retain(|e| !kept.contains(e));
            events.extend(kept);
            crate::sorting::sort_by_key(&mut events, |e| crate::sorting::i64_key(e.time_ms));
            if session.is_current(token) {
                let messages = events.into_iter().map(LiveMessage::Liquidation).collect();
                feed.receive(exchange, messages, &move |e, m| session.on_candle(e, m));
            }
        });
    }

    /// A candle message from a stream: once closed, it joins its source —
    /// at once where the stream carries open interest, else after the
    /// exchange has said what the open interest was at its close.
    fn on_candle(&self, exchange: Exchange, message: LiveMessage) {
        let Some(candle) = self
            .closers
            .try_update_value(|c| closed_candle(c, exchange, message))
            .flatten()
        else {
            return;
        };
        if candle.open_interest.is_some() {
            return self.append(exchange, candle);
        }
        let ask_now = self.awaiting.try_update_value(|a| a.hold(exchange, candle));
        if ask_now != Some(true) {
            return;
        }
        let session = *self;
        let token = self.current.get_value();
        let instrument = self
            .instruments
            .with_untracked(|all| all.iter().find(|i| i.exchange == exchange).cloned());
        let resolution = self.sources.with_untracked(|all| {
            let source = all.iter().find(|(e, _)| *e == exchange);
            source.and_then(|(_, s)| Resolution::of_ms(s.interval_ms))
        });
        spawn_local(async move {
            let open_interest = match (instrument, resolution) {
                (Some(i), Some(r)) => {
                    let c = candle.candle;
                    load_open_interest(&i, c.open_time_ms, r, c.close).await
                }
                _ => None,
            };
            if session.is_current(token) {
                let released = session
                    .awaiting
                    .try_update_value(|a| a.release(exchange, open_interest));
                for candle in released.unwrap_or_default() {
                    session.append(exchange, candle);
                }
            }
        });
    }

    /// A closed candle joins its source; the window moves on, and the
    /// oldest candles leave the warm-up as a fresh load would leave them out.
    fn append(&self, exchange: Exchange, candle: LiveCandle) {
        let want = self.want.get_value();
        let instrument = self
            .instruments
            .with_untracked(|all| all.iter().find(|i| i.exchange == exchange).cloned());
        let mut appended = None;
        self.sources.update(|all| {
            let Some(index) = all.iter().position(|(e, _)| *e == exchange) else {
                return;
            };
            let Some((_, source)) = all.get_mut(index) else {
                return;
            };
            let close = candle.candle.open_time_ms + source.interval_ms;
            let drop_before_ms = want
                .as_ref()
                .zip(instrument.as_ref())
                .map(|(want, i)| candle_span(i, close, want.window_ms, want.resolution).0);
            let push = Push {
                source: index,
                candle,
                drop_before_ms,
            };
            appended = push.apply(source);
            if appended.is_some() {
                self.pushes.update_value(|log| log.record(push));
            }
        });
        if let Some(close) = appended {
            self.end_ms.update(|end| *end = (*end).max(close));
        }
    }
}
