//! The browser's network layer: sends the exchange adapters' requests with
//! a timeout, retries, a per-exchange concurrency limit and an in-memory
//! cache, and feeds the answers to a [`Collector`]. Browser-only and thin:
//! everything it decides about an answer is in `exchanges` (pure, tested).

use crate::engine::Source;
use crate::exchanges::collect::Collector;
use crate::exchanges::hyperliquid::accounts::{account_request, parse_account};
use crate::exchanges::Parsed;
use crate::exchanges::{
    candle_span, classify_http, depth_request, find_instrument, follow_up, funding_requests,
    instruments_request, open_interest_requests, page_request, parse_depth, parse_instruments,
    plan, Coverage, Depth, Exchange, ExchangeError, Instrument, Method, Purpose, Request,
    Resolution, Served,
};
use crate::live::{dydx, LiqEvent, LiveMessage};
use crate::measured::{Address, Position};
use crate::store;
use futures::future::{self, Either};
use futures::stream::{FuturesUnordered, StreamExt};
use gloo_net::http::{Request as HttpRequest, Response};
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use wasm_bindgen_futures::spawn_local;

/// One request may take this long before it counts as a hang.
pub const TIMEOUT_MS: u32 = 15_000;
/// Requests in flight per exchange (well inside every exchange's limits).
const CONCURRENCY: usize = 3;
/// Retries of a 429 or 5xx answer before giving up.
const RETRIES: u32 = 2;
/// A `Retry-After` longer than this is shown to the user, not waited out.
const LONGEST_WAIT_S: u64 = 20;

/// Base URL per exchange: a CORS proxy named when the page was built
/// (`LIQMAP_PROXY_<EXCHANGE>`, e.g. `LIQMAP_PROXY_OKX=https://proxy.example`),
/// else the exchange itself. Nothing at run time can change it.
pub fn base_url(exchange: Exchange) -> &'static str {
    let proxy = match exchange {
        Exchange::Binance => option_env!("LIQMAP_PROXY_BINANCE"),
        Exchange::Bybit => option_env!("LIQMAP_PROXY_BYBIT"),
        Exchange::Okx => option_env!("LIQMAP_PROXY_OKX"),
        Exchange::Hyperliquid => option_env!("LIQMAP_PROXY_HYPERLIQUID"),
        Exchange::Dydx => option_env!("LIQMAP_PROXY_DYDX"),
    };
    proxy.unwrap_or(exchange.default_base_url())
}

/// A request as the cache knows it: URL and body.
type CacheKey = (String, Option<String>);

thread_local! {
    /// Successful answers by request, so switching views does not refetch.
    static CACHE: RefCell<HashMap<CacheKey, Rc<str>>> = RefCell::new(HashMap::new());
}

/// Requests done out of all, reported as a load goes.
pub type Progress = Rc<dyn Fn(usize, usize)>;

/// Follow-ups of short answers one load may send, per planned request: a
/// page cut to a third of what was asked needs two; an exchange that keeps
/// answering a row at a time is left with gaps rather than flooded.
const FOLLOW_UPS_PER_REQUEST: usize = 3;

/// One exchange's series, and what the page says about it.
pub struct Loaded {
    pub source: Source,
    /// Candles asked for, delivered, and the gaps.
    pub coverage: Coverage,
    pub dropped: usize,
    /// The instrument's maximum leverage and maintenance rate are assumed.
    pub limits_assumed: bool,
    /// Every coin the exchange lists: the coin field offers them.
    pub coins: Vec<String>,
    /// The instrument loaded: live streams subscribe to it.
    pub instrument: Instrument,
}

/// What to load: one coin's window at one resolution.
#[derive(Clone, Debug)]
pub struct Want {
    pub coin: String,
    pub window_end_ms: i64,
    pub window_ms: i64,
    pub resolution: Resolution,
    /// Also the funding history (funding drift is on).
    pub funding: bool,
}

impl Want {
    /// The key what a load of it drew for `exchange` is kept under.
    pub fn drawn_key(&self, exchange: Exchange) -> String {
        let step = self.resolution.ms();
        store::drawn_key(exchange, &self.coin, self.window_ms, step, self.funding)
    }
}

/// Whether this visit has `exchange`'s instrument list already (then a
/// load of it answers from memory at once).
pub fn listed_this_visit(exchange: Exchange) -> bool {
    let request = instruments_request(exchange, base_url(exchange));
    CACHE.with(|c| c.borrow().contains_key(&cache_key(&request)))
}

/// Loads one exchange's series for a [`Want`]. `still_wanted` is asked
/// before every request: a stale load (the user moved on) stops sending.
pub async fn load_exchange(
    exchange: Exchange,
    want: &Want,
    progress: Progress,
    still_wanted: Rc<dyn Fn() -> bool>,
) -> Result<Loaded, ExchangeError> {
    let Want {
        coin,
        window_end_ms,
        window_ms,
        resolution,
        funding,
    } = want;
    let (window_end_ms, window_ms, resolution) = (*window_end_ms, *window_ms, *resolution);
    let base = base_url(exchange);
    progress(0, 1);
    let listing = send(exchange, &instruments_request(exchange, base)).await?;
    let instruments = parse_instruments(exchange, &listing)?.rows;
    let coins = instruments.iter().map(|i| i.base.clone()).collect();
    let instrument = find_instrument(exchange, &instruments, coin)?.clone();
    let loaded_instrument = instrument.clone();
    let requests = plan(&instrument, window_end_ms, window_ms, resolution, base);
    let span = candle_span(&instrument, window_end_ms, window_ms, resolution);

    let mut collector = Collector::new(instrument, span, resolution);
    let mut planned = requests;
    if *funding {
        let start = window_end_ms - 2 * window_ms;
        planned.extend(funding_requests(
            &loaded_instrument,
            start,
            window_end_ms,
            base,
        ));
    }
    let now_ms = js_sys::Date::now() as i64;
    let (waiting, newest) = kept_pages(&mut collector, planned, now_ms, base).await;
    let mut waiting: VecDeque<Request> = waiting.into();
    // What the browser database did not have goes out, a few requests at
    // a time; an answer shorter than its page queues the rest of the page
    // behind them.
    let mut budget = FOLLOW_UPS_PER_REQUEST * waiting.len();
    let mut in_flight = FuturesUnordered::new();
    let (mut done, mut total) = (1, waiting.len() + 1);
    progress(done, total);
    loop {
        while in_flight.len() < CONCURRENCY {
            let Some(request) = waiting.pop_front() else {
                break;
            };
            if !still_wanted() {
                return Err(ExchangeError::Timeout { exchange }); // cancelled; never shown
            }
            in_flight.push(async move {
                let answer = send(exchange, &request).await;
                (request, answer)
            });
        }
        let Some((request, answer)) = in_flight.next().await else {
            break;
        };
        done += 1;
        progress(done, total);
        let served = answer.and_then(|body| {
            let served = collector.absorb(request.purpose, &body)?;
            keep(&request, &body, &served, &newest, now_ms);
            Ok(served)
        });
        let served = match (served, request.purpose) {
            (Ok(served), _) => served,
            // Funding is an extra: without it the drift has nothing to
            // move by, the view still shows.
            (Err(_), Purpose::Funding) => continue,
            (Err(error), _) => return Err(error),
        };
        let more = follow_up(&loaded_instrument, &request, &served, base);
        let more: Vec<Request> = more.into_iter().take(budget).collect();
        budget -= more.len();
        total += more.len();
        waiting.extend(more);
    }
    spawn_local(crate::kept::trim());
    let collected = collector.finish()?;
    Ok(Loaded {
        source: collected.source,
        coverage: collected.coverage,
        dropped: collected.dropped,
        limits_assumed: collected.limits_assumed,
        coins,
        instrument: loaded_instrument,
    })
}

/// The planned pages the browser database keeps, read in one go: a
/// settled page whole (`store::storable`), the newest page of a series as
/// far as its rows reach (`store::tail_key`). What they hold goes into
/// `collector`; returns the requests still to send (only what is newer of
/// a newest page), and for each newest page asked whole, its request's key
/// and the key to keep its answer under. Never trusting a kept answer more
/// than a fetched one: one that does not parse whole is deleted and asked.
async fn kept_pages(
    collector: &mut Collector,
    planned: Vec<Request>,
    now_ms: i64,
    base: &str,
) -> (Vec<Request>, Vec<(String, String)>) {
    let instrument = collector.instrument().clone();
    let (exchange, symbol) = (instrument.exchange, &instrument.symbol);
    let tails: Vec<Option<String>> = planned
        .iter()
        .map(|r| store::tail_key(exchange, symbol, r, now_ms))
        .collect();
    let keys: Vec<Option<String>> = planned
        .iter()
        .zip(&tails)
        .map(|(r, tail)| {
            tail.clone()
                .or_else(|| store::storable(r, now_ms).then(|| store::key(r)))
        })
        .collect();
    let bodies = crate::kept::read_answers(&keys).await;
    let (mut waiting, mut newest) = (Vec::new(), Vec::new());
    for (((request, tail), key), body) in planned.into_iter().zip(tails).zip(keys).zip(bodies) {
        let (Some(key), Some(body)) = (key, body) else {
            newest.extend(tail.map(|tail| (store::key(&request), tail)));
            waiting.push(request);
            continue;
        };
        let reach = match &tail {
            Some(_) => kept_reach(collector, &request, &body),
            None => whole_and_clean(collector, &request, &body).then_some(i64::MAX),
        };
        let (Some(reach), Some(page)) = (reach, request.page) else {
            spawn_local(async move { crate::kept::forget_answer(&key).await });
            newest.extend(tail.map(|tail| (store::key(&request), tail)));
            waiting.push(request);
            continue;
        };
        // Checked on a scratch collector: it parses.
        collector.absorb(request.purpose, &body).ok();
        let rest = store::still_to_ask(page, reach);
        waiting
            .extend(rest.and_then(|rest| page_request(&instrument, request.purpose, rest, base)));
    }
    (waiting, newest)
}

/// Keeps a fetched answer that may be kept: a settled page's whole
/// (`store::complete`), a newest page's when its rows run without a hole.
fn keep(
    request: &Request,
    body: &Rc<str>,
    served: &Served,
    newest: &[(String, String)],
    now_ms: i64,
) {
    let key = store::key(request);
    let settled = store::storable(request, now_ms) && store::complete(request, served);
    let reach = request
        .page
        .and_then(|page| store::covered_until(page, &served.times));
    let keep_under = match newest.iter().find(|(asked, _)| *asked == key) {
        Some((_, tail)) => reach.map(|_| tail.clone()),
        None => settled.then_some(key),
    };
    if let Some(keep_under) = keep_under {
        let body = body.clone();
        spawn_local(async move { crate::kept::keep_answer(&keep_under, &body).await });
    }
}

/// How far a kept answer to the newest page of a series reaches (see
/// `store::covered_until`), when it parses and drops no row; checked on a
/// scratch collector, so a damaged answer leaves nothing behind.
fn kept_reach(collector: &Collector, request: &Request, body: &str) -> Option<i64> {
    let mut scratch = collector.empty_like();
    let served = scratch.absorb(request.purpose, body).ok()?;
    let page = request.page?;
    (scratch.dropped == 0).then(|| store::covered_until(page, &served.times))?
}

/// Whether a kept answer is as good as a fetched one that would be kept:
/// it parses, drops no row and fills its page (`store::complete`). Checked
/// on a scratch collector, so a damaged answer leaves nothing behind.
fn whole_and_clean(collector: &Collector, request: &Request, body: &str) -> bool {
    let mut scratch = collector.empty_like();
    let served = scratch.absorb(request.purpose, body);
    served.is_ok_and(|served| scratch.dropped == 0 && store::complete(request, &served))
}

/// One exchange's order book now, for the cascade simulator.
pub async fn load_depth(instrument: &Instrument) -> Result<Depth, ExchangeError> {
    let exchange = instrument.exchange;
    let request = depth_request(instrument, base_url(exchange));
    let body = send(exchange, &request).await?;
    parse_depth(instrument, &body)
}

/// One Hyperliquid account's positions now (measured positions, spec
/// section 10). Sent once, never cached: `measured::Scheduler` decides
/// when to ask and backs off a 429 itself.
pub async fn load_account(user: &Address) -> Result<Parsed<Position>, ExchangeError> {
    let exchange = Exchange::Hyperliquid;
    let request = account_request(base_url(exchange), user);
    parse_account(&fetch(exchange, &request).await?)
}

/// How long a closed candle waits for its open interest; then it joins with
/// the last value carried forward (a live view must not lag by a timeout).
const OPEN_INTEREST_WAIT_MS: u32 = 5_000;

/// The open interest at the close of the candle opening at `open_ms`, for a
/// stream that carries none (see [`open_interest_requests`]); `None` when
/// the exchange does not answer within [`OPEN_INTEREST_WAIT_MS`]. Asked
/// afresh: a snapshot cached at load time would be stale.
pub async fn load_open_interest(
    instrument: &Instrument,
    open_ms: i64,
    resolution: Resolution,
    close: f64,
) -> Option<f64> {
    let exchange = instrument.exchange;
    let close_ms = open_ms.saturating_add(resolution.ms());
    let requests = open_interest_requests(instrument, open_ms, resolution, base_url(exchange));
    let ask = async move {
        let mut collector = Collector::new(instrument.clone(), (open_ms, close_ms), resolution);
        for request in &requests {
            let body = send_fresh(exchange, request).await.ok()?;
            collector.absorb(request.purpose, &body).ok()?;
        }
        collector.open_interest_at(close_ms, close)
    };
    let waited = gloo_timers::future::TimeoutFuture::new(OPEN_INTEREST_WAIT_MS);
    match future::select(Box::pin(ask), waited).await {
        Either::Left((open_interest, _)) => open_interest,
        Either::Right(_) => None,
    }
}

/// Pages of past liquidations fetched at most (dYdX serves 1000 trades a page).
const HISTORY_PAGES: usize = 5;

/// Liquidations that happened since `since_ms`, where an exchange serves
/// them over REST (dYdX trades): a fresh page then shows some at once.
pub async fn load_liquidation_history(
    instrument: &Instrument,
    since_ms: i64,
) -> Result<Vec<LiqEvent>, ExchangeError> {
    if instrument.exchange != Exchange::Dydx {
        return Ok(Vec::new());
    }
    let base = base_url(Exchange::Dydx);
    let mut events: Vec<LiqEvent> = Vec::new();
    let mut before = None;
    for _ in 0..HISTORY_PAGES {
        let url = dydx::trades_url(base, &instrument.symbol, before);
        let body = send(Exchange::Dydx, &Request::get(url, Purpose::Liquidations)).await?;
        let page = dydx::parse_trades_page(&body).map_err(|e| ExchangeError::Malformed {
            exchange: Exchange::Dydx,
            what: e.to_string(),
        })?;
        let oldest = page.iter().filter_map(liquidation_time).min();
        for message in page {
            if let LiveMessage::Liquidation(e) = message {
                // Pages overlap by the boundary trade: keep one of each.
                if e.time_ms >= since_ms && !events.contains(&e) {
                    events.push(e);
                }
            }
        }
        match oldest {
            Some(t) if t > since_ms && before != Some(t) => before = Some(t),
            _ => break,
        }
    }
    crate::sorting::sort_by_key(&mut events, |e| crate::sorting::i64_key(e.time_ms));
    Ok(events)
}

/// The time of a liquidation read from a trades page, for paging back.
fn liquidation_time(message: &LiveMessage) -> Option<i64> {
    match message {
        LiveMessage::Liquidation(e) => Some(e.time_ms),
        _ => None,
    }
}

/// One request with the cache, the timeout and retries of 429/5xx. Order
/// books and recent liquidations change by the second: never cached.
async fn send(exchange: Exchange, request: &Request) -> Result<Rc<str>, ExchangeError> {
    let hit = CACHE.with(|c| c.borrow().get(&cache_key(request)).cloned());
    match hit.filter(|_| cacheable(request)) {
        Some(body) => Ok(body),
        None => send_fresh(exchange, request).await,
    }
}

fn cacheable(request: &Request) -> bool {
    !matches!(request.purpose, Purpose::OrderBook | Purpose::Liquidations)
}

fn cache_key(request: &Request) -> (String, Option<String>) {
    (request.url.clone(), request.body.clone())
}

/// [`send`] without looking in the cache (the answer still goes there).
async fn send_fresh(exchange: Exchange, request: &Request) -> Result<Rc<str>, ExchangeError> {
    let mut attempt = 0;
    loop {
        let outcome = fetch(exchange, request).await;
        let retry_in_ms = match &outcome {
            Err(ExchangeError::RateLimited { retry_after_s, .. }) if attempt < RETRIES => {
                match retry_after_s {
                    Some(s) if *s > LONGEST_WAIT_S => None,
                    Some(s) => Some(*s as u32 * 1000),
                    None => Some(1000 << attempt),
                }
            }
            Err(ExchangeError::ExchangeError { code, .. })
                if attempt < RETRIES && code.starts_with("HTTP 5") =>
            {
                Some(500 << attempt)
            }
            _ => None,
        };
        match (outcome, retry_in_ms) {
            (_, Some(ms)) => {
                gloo_timers::future::TimeoutFuture::new(ms).await;
                attempt += 1;
            }
            (Ok(body), None) => {
                let body: Rc<str> = body.into();
                if cacheable(request) {
                    CACHE.with(|c| c.borrow_mut().insert(cache_key(request), body.clone()));
                }
                return Ok(body);
            }
            (Err(e), None) => return Err(e),
        }
    }
}

/// The request as the browser sends it: no custom headers (a CORS "simple
/// request"), except the JSON content type Hyperliquid's POST needs.
async fn fetch(exchange: Exchange, request: &Request) -> Result<String, ExchangeError> {
    // A timer that aborts the request: a hang becomes a clear timeout.
    let controller =
        web_sys::AbortController::new().map_err(|_| ExchangeError::Blocked { exchange })?;
    let signal = controller.signal();
    let timed_out = Rc::new(Cell::new(false));
    let _timer = Timeout::new(TIMEOUT_MS, {
        let timed_out = timed_out.clone();
        move || {
            timed_out.set(true);
            controller.abort();
        }
    });
    let sent = match (request.method, &request.body) {
        (Method::Post, Some(body)) => {
            HttpRequest::post(&request.url)
                .header("content-type", "application/json")
                .abort_signal(Some(&signal))
                .body(body.clone())
                .map_err(|_| ExchangeError::Blocked { exchange })?
                .send()
                .await
        }
        _ => {
            HttpRequest::get(&request.url)
                .abort_signal(Some(&signal))
                .send()
                .await
        }
    };
    let response: Response = match sent {
        Ok(r) => r,
        Err(_) if timed_out.get() => return Err(ExchangeError::Timeout { exchange }),
        // "Failed to fetch": CORS, a ban, a geo-block or no network.
        Err(_) => return Err(ExchangeError::Blocked { exchange }),
    };
    let status = response.status();
    let retry_after = response.headers().get("retry-after");
    let body = match response.text().await {
        Ok(body) => body,
        Err(_) if timed_out.get() => return Err(ExchangeError::Timeout { exchange }),
        Err(_) => {
            return Err(ExchangeError::malformed(
                exchange,
                "the answer could not be read",
            ))
        }
    };
    classify_http(exchange, status, retry_after.as_deref(), &body)?;
    Ok(body)
}
