//! Live streams: one reconnecting WebSocket per [`live::Connection`], with
//! the heartbeat the exchange requires, the subscription sent again after
//! every reconnect, and a socket silent for longer than the connection's
//! `silence_limit_ms` given up and opened again. Browser-only glue; what the
//! frames mean is `live`'s job.

use crate::live::{backoff_ms, Connection};
use gloo_timers::callback::{Interval, Timeout};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, WebSocket};

/// How often a socket's silence is checked: a fraction of the shortest
/// limit (40 s).
const WATCHDOG_TICK_MS: u32 = 5_000;

/// Where a stream stands, for its status line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamState {
    Connecting,
    Open,
    /// Dropped; the next try is in `in_ms` (try number `attempt`).
    Retrying {
        attempt: u32,
        in_ms: u64,
    },
}

/// What the page does with a stream's news.
pub struct Handlers {
    pub on_text: Box<dyn Fn(&str)>,
    pub on_state: Box<dyn Fn(StreamState)>,
    /// The connection opened again after a drop: candles may be missing.
    pub on_reopened: Box<dyn Fn()>,
}

/// An open stream. Dropping it closes the socket and stops reconnecting.
pub struct Stream(Rc<RefCell<Inner>>);

struct Inner {
    connection: Connection,
    handlers: Rc<Handlers>,
    socket: Option<WebSocket>,
    heartbeat: Option<Interval>,
    /// Gives the socket up once it has been silent too long.
    watchdog: Option<Interval>,
    retry: Option<Timeout>,
    failures: u32,
    opened_before: bool,
    /// The socket's callbacks live as long as it may call them.
    callbacks: Vec<Closure<dyn FnMut(JsValue)>>,
}

/// Opens `connection` and keeps it open until the returned stream is dropped.
pub fn open(connection: Connection, handlers: Handlers) -> Stream {
    let inner = Rc::new(RefCell::new(Inner {
        connection,
        handlers: Rc::new(handlers),
        socket: None,
        heartbeat: None,
        watchdog: None,
        retry: None,
        failures: 0,
        opened_before: false,
        callbacks: Vec::new(),
    }));
    connect(&inner);
    Stream(inner)
}

fn connect(inner: &Rc<RefCell<Inner>>) {
    let (url, handlers, silence_limit_ms) = {
        let i = inner.borrow();
        let limit = i.connection.silence_limit_ms;
        (i.connection.url.clone(), i.handlers.clone(), limit)
    };
    (handlers.on_state)(StreamState::Connecting);
    let Ok(socket) = WebSocket::new(&url) else {
        schedule_retry(inner);
        return;
    };
    let weak = Rc::downgrade(inner);
    let on_open = callback(&weak, opened);
    let on_close = callback(&weak, dropped);
    // Wall-clock time, so that a laptop waking from sleep counts the sleep.
    let heard_ms = Rc::new(Cell::new(js_sys::Date::now()));
    let heard = heard_ms.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        heard.set(js_sys::Date::now());
        let text = event
            .dyn_ref::<MessageEvent>()
            .and_then(|m| m.data().as_string());
        if let Some(text) = text {
            (handlers.on_text)(&text);
        }
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    let watchdog = Interval::new(WATCHDOG_TICK_MS, move || {
        let silent_ms = js_sys::Date::now() - heard_ms.get();
        if silent_ms > f64::from(silence_limit_ms) {
            if let Some(inner) = weak.upgrade() {
                given_up(&inner);
            }
        }
    });
    let mut i = inner.borrow_mut();
    i.socket = Some(socket);
    i.watchdog = Some(watchdog);
    // The previous socket's callbacks are not running now: safe to drop.
    i.callbacks = vec![on_open, on_close, on_message];
}

/// A socket callback that reaches the stream while it exists.
fn callback(
    weak: &Weak<RefCell<Inner>>,
    then: fn(&Rc<RefCell<Inner>>),
) -> Closure<dyn FnMut(JsValue)> {
    let weak = weak.clone();
    Closure::new(move |_: JsValue| {
        if let Some(inner) = weak.upgrade() {
            then(&inner);
        }
    })
}

fn opened(inner: &Rc<RefCell<Inner>>) {
    let (handlers, reopened) = {
        let mut i = inner.borrow_mut();
        let Some(socket) = i.socket.clone() else {
            return;
        };
        for text in &i.connection.subscribe {
            socket.send_with_str(text).ok();
        }
        i.heartbeat = i.connection.heartbeat.map(|beat| {
            Interval::new(beat.every_ms, move || {
                socket.send_with_str(beat.text).ok();
            })
        });
        i.failures = 0;
        let reopened = i.opened_before;
        i.opened_before = true;
        (i.handlers.clone(), reopened)
    };
    (handlers.on_state)(StreamState::Open);
    if reopened {
        (handlers.on_reopened)();
    }
}

fn dropped(inner: &Rc<RefCell<Inner>>) {
    {
        let mut i = inner.borrow_mut();
        i.heartbeat = None;
        i.watchdog = None;
        i.socket = None;
    }
    schedule_retry(inner);
}

/// The socket said nothing for too long: closed without waiting for its
/// close event (a dead connection may never send one), then reopened.
fn given_up(inner: &Rc<RefCell<Inner>>) {
    let socket = inner.borrow_mut().socket.take();
    if let Some(socket) = socket {
        close_quietly(&socket);
    }
    dropped(inner);
}

/// Closes `socket` without letting it call back.
fn close_quietly(socket: &WebSocket) {
    socket.set_onopen(None);
    socket.set_onclose(None);
    socket.set_onmessage(None);
    socket.close().ok();
}

fn schedule_retry(inner: &Rc<RefCell<Inner>>) {
    let (handlers, attempt, delay) = {
        let mut i = inner.borrow_mut();
        let delay = backoff_ms(i.failures, js_sys::Math::random());
        i.failures += 1;
        (i.handlers.clone(), i.failures, delay)
    };
    (handlers.on_state)(StreamState::Retrying {
        attempt,
        in_ms: delay,
    });
    let weak = Rc::downgrade(inner);
    let timer = Timeout::new(u32::try_from(delay).unwrap_or(u32::MAX), move || {
        if let Some(inner) = weak.upgrade() {
            connect(&inner);
        }
    });
    inner.borrow_mut().retry = Some(timer);
}

impl Drop for Stream {
    fn drop(&mut self) {
        let mut i = self.0.borrow_mut();
        i.heartbeat = None;
        i.watchdog = None;
        i.retry = None;
        if let Some(socket) = i.socket.take() {
            close_quietly(&socket);
        }
    }
}
