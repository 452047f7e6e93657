//! The browser database (IndexedDB, through the `idb` crate): exchange
//! answers a reload reads back instead of asking again, what each load
//! drew (drawn at once by the next load of the view), the live
//! liquidations of the last 30 days, and Hyperliquid measured snapshots.
//! Thin: what may be kept, what a kept record must look like, what goes
//! first when full are `store` and `measured::snapshot` (pure).
//!
//! Nothing here may break the page: without IndexedDB (some private
//! windows), with a store the page cannot open, or once the browser refuses
//! a write (quota), the database is off for the rest of the visit, the page
//! works from memory as before and [`Summary::off`] says why.

use crate::compute::Drawn;
use crate::live::{LiqEvent, LiveMessage};
use crate::measured::snapshot::{self, Snapshot};
use crate::store::evict::{evictions, total_bytes, Usage};
use crate::store::{events, is_drawn_key, KeptAnswer, DEFAULT_CAP_BYTES, SCHEMA_VERSION};
use futures::future::{select, FutureExt, LocalBoxFuture, Shared};
use gloo_timers::future::TimeoutFuture;
use idb::event::DatabaseEvent;
use idb::{Database, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use js_sys::Array;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

const NAME: &str = "liqmap";
/// Exchange answers: key → `[key, body]`.
const ANSWERS: &str = "answers";
/// Per kept answer and snapshot: key → `[bytes, last used ms]` (eviction
/// reads only this).
const USAGE: &str = "usage";
/// Live liquidations: the line of `store::events` is the key, no value.
const EVENTS: &str = "events";
/// Hyperliquid measured snapshots: `measured::snapshot::key` → its numbers
/// (a `Float64Array`).
const SNAPSHOTS: &str = "snapshots";
/// What loads drew: `store::drawn_key` → the `compute::Drawn` record as
/// the worker's messages carry it (`worker_message::as_js`).
const DRAWN: &str = "drawn";
/// What eviction deletes from: a key is an answer's, a drawn record's or a
/// snapshot's.
const EVICTABLE: [&str; 4] = [ANSWERS, USAGE, SNAPSHOTS, DRAWN];
/// Every store, as laid out at `SCHEMA_VERSION`.
const ALL: [&str; 5] = [ANSWERS, USAGE, EVENTS, SNAPSHOTS, DRAWN];

/// Where the user's size cap is kept (MB).
const CAP_KEY: &str = "liqmap.store.cap_mb";

type DrawnRead = Shared<LocalBoxFuture<'static, Vec<Option<Drawn>>>>;
type Opening = Shared<LocalBoxFuture<'static, Result<Rc<Database>, &'static str>>>;

thread_local! {
    static OPENING: RefCell<Option<Opening>> = const { RefCell::new(None) };
    /// Why the database is off, once it is.
    static OFF: RefCell<Option<&'static str>> = const { RefCell::new(None) };
    /// The read [`read_drawn_early`] started, with its keys.
    static EARLY_DRAWN: RefCell<Option<(Vec<String>, DrawnRead)>> = const { RefCell::new(None) };
    /// Liquidations waiting for their write (see [`keep_live`]).
    static EVENT_WRITES: RefCell<EventWrites> = RefCell::new(EventWrites::default());
}

/// Opens the database (once per visit), to have it open when first used.
pub async fn open_early() {
    database().await;
}

/// Starts reading what loads drew under `keys`; the first [`read_drawn`]
/// of the same keys takes the answer up. Resolves once it is read, or
/// after `wait_ms` at most (the read goes on).
pub async fn read_drawn_early(keys: Vec<String>, wait_ms: u32) {
    let read = {
        let keys = keys.clone();
        async move { read_drawn_now(&keys).await }
            .boxed_local()
            .shared()
    };
    EARLY_DRAWN.with(|early| *early.borrow_mut() = Some((keys, read.clone())));
    wasm_bindgen_futures::spawn_local(read.clone().map(drop));
    select(read.map(drop), TimeoutFuture::new(wait_ms)).await;
}

/// The database, opened once per visit (every caller awaits the same
/// opening); `None` while it is off.
async fn database() -> Option<Rc<Database>> {
    if OFF.with(|off| off.borrow().is_some()) {
        return None;
    }
    let opening = OPENING.with(|o| o.borrow_mut().get_or_insert_with(open_fresh).clone());
    match opening.await {
        Ok(db) => Some(db),
        Err(why) => {
            switch_off(why);
            None
        }
    }
}

fn open_fresh() -> Opening {
    async {
        let factory =
            Factory::new().map_err(|_| "this browser keeps no data (a private window?)")?;
        match open(&factory).await {
            Ok(db) => Ok(Rc::new(db)),
            // A store from a newer page, or one the browser cannot read:
            // dropped and built again.
            Err(_) => {
                // The browser's own words are not shown: they say nothing
                // a visitor can act on.
                let unusable = "the stored data could not be opened";
                let deleted = factory.delete(NAME).map_err(|_| unusable)?;
                deleted.await.map_err(|_| unusable)?;
                open(&factory).await.map(Rc::new).map_err(|_| unusable)
            }
        }
    }
    .boxed_local()
    .shared()
}

/// Opens the database at [`SCHEMA_VERSION`]; a store of an older version
/// is emptied and laid out anew (it only holds what can be fetched again).
async fn open(factory: &Factory) -> Result<Database, idb::Error> {
    let mut request = factory.open(NAME, Some(SCHEMA_VERSION))?;
    request.on_upgrade_needed(|event| {
        let Ok(db) = event.database() else {
            return;
        };
        for name in db.store_names() {
            db.delete_object_store(&name).ok();
        }
        for name in ALL {
            db.create_object_store(name, ObjectStoreParams::new()).ok();
        }
    });
    request.await
}

fn switch_off(why: &'static str) {
    OFF.with(|off| {
        off.borrow_mut().get_or_insert(why);
    });
}

/// The kept answers for `keys` (`None`: not asked), read in one
/// transaction, each checked; one that fails the check is deleted (the
/// caller fetches). Reading marks them used, in the background.
pub async fn read_answers(keys: &[Option<String>]) -> Vec<Option<String>> {
    read_checked(ANSWERS, keys, |key, value| {
        let pair = value.dyn_into::<Array>().ok();
        let field = |i| pair.as_ref().and_then(|p| p.get(i).as_string());
        let kept = KeptAnswer::check(key, field(0).as_deref(), field(1))?;
        let bytes = kept.body.len() as u64;
        Some((kept.body, bytes))
    })
    .await
}

/// What loads drew under `keys` (`store::drawn_key`), read in one
/// transaction, each checked (`Drawn::decode`); one that fails the check
/// is deleted. Reading marks them used, in the background.
pub async fn read_drawn(keys: &[String]) -> Vec<Option<Drawn>> {
    match EARLY_DRAWN.with(|early| early.borrow_mut().take()) {
        Some((early_keys, read)) if early_keys == keys => read.await,
        _ => read_drawn_now(keys).await,
    }
}

async fn read_drawn_now(keys: &[String]) -> Vec<Option<Drawn>> {
    let keys: Vec<Option<String>> = keys.iter().cloned().map(Some).collect();
    read_checked(DRAWN, &keys, |_, value| {
        let buffers = crate::worker_message::from_js(&value)?;
        Some((Drawn::decode(&buffers)?, buffers.bytes()))
    })
    .await
}

/// The values of `store` under `keys` (`None`: not asked), read in one
/// transaction and each passed through `check` (the value and its size in
/// bytes, or `None`: damaged). Damaged ones are deleted before this
/// returns: deleted later, they could take a fresh one kept meanwhile with
/// them. Those read are marked used, in the background.
async fn read_checked<T: Clone>(
    store: &str,
    keys: &[Option<String>],
    check: impl Fn(&str, JsValue) -> Option<(T, u64)>,
) -> Vec<Option<T>> {
    let mut out = vec![None; keys.len()];
    let Some(db) = database().await else {
        return out;
    };
    let Some(values) = get_all(&db, store, keys).await else {
        return out;
    };
    let (mut used, mut damaged) = (Vec::new(), Vec::new());
    for ((slot, key), value) in out.iter_mut().zip(keys).zip(values) {
        let (Some(key), Some(value)) = (key, value) else {
            continue;
        };
        match check(key, value) {
            Some((kept, bytes)) => {
                used.push((key.clone(), bytes));
                *slot = Some(kept);
            }
            None => damaged.push(key.clone()),
        }
    }
    if !damaged.is_empty() {
        forget_keys(&[store, USAGE], &damaged).await;
    }
    if !used.is_empty() {
        wasm_bindgen_futures::spawn_local(async move { mark_used(&used).await });
    }
    out
}

/// The values of `store` under `keys` in one read-only transaction (all
/// requests go out before the first answer is awaited).
async fn get_all(
    db: &Database,
    store: &str,
    keys: &[Option<String>],
) -> Option<Vec<Option<JsValue>>> {
    let tx = db.transaction(&[store], TransactionMode::ReadOnly).ok()?;
    let store = tx.object_store(store).ok()?;
    let mut pending = Vec::new();
    for key in keys {
        pending.push(match key {
            Some(key) => Some(store.get(js_key(key)).ok()?),
            None => None,
        });
    }
    let mut values = Vec::new();
    for request in pending {
        values.push(match request {
            Some(request) => request.await.ok()?,
            None => None,
        });
    }
    Some(values)
}

/// Keeps what a load drew under `key` (`store::drawn_key`).
pub async fn keep_drawn(key: &str, drawn: &Drawn) {
    let buffers = drawn.encode();
    let value = crate::worker_message::as_js(&buffers);
    write(&[DRAWN, USAGE], &|tx| {
        tx.object_store(DRAWN)?.put(&value, Some(&js_key(key)))?;
        tx.object_store(USAGE)?
            .put(&usage_value(buffers.bytes()), Some(&js_key(key)))?;
        Ok(())
    })
    .await;
}

/// Records that what is kept under each key (so many bytes long) was
/// used now, in one transaction.
async fn mark_used(used: &[(String, u64)]) {
    write(&[USAGE], &|tx| {
        let usage = tx.object_store(USAGE)?;
        for (key, bytes) in used {
            usage.put(&usage_value(*bytes), Some(&js_key(key)))?;
        }
        Ok(())
    })
    .await;
}

/// Deletes a kept answer (it failed to parse: fetched again).
pub async fn forget_answer(key: &str) {
    forget_keys(&[ANSWERS, USAGE], &[key.to_string()]).await;
}

/// Keeps an answer (see `store::storable` and `store::complete`).
pub async fn keep_answer(key: &str, body: &str) {
    let pair = Array::of2(&js_key(key), &JsValue::from_str(body));
    write(&[ANSWERS, USAGE], &|tx| {
        tx.object_store(ANSWERS)?.put(&pair, Some(&js_key(key)))?;
        tx.object_store(USAGE)?
            .put(&usage_value(body.len() as u64), Some(&js_key(key)))?;
        Ok(())
    })
    .await;
}

fn js_key(key: &str) -> JsValue {
    JsValue::from_str(key)
}

fn usage_value(bytes: u64) -> Array {
    Array::of2(
        &JsValue::from_f64(bytes as f64),
        &JsValue::from_f64(js_sys::Date::now()),
    )
}

/// One read-write transaction over `stores`, filled by `fill`; a refused
/// write (quota, a damaged store) switches the database off. (`dyn`: one
/// copy of this future in the page, not one per caller.)
async fn write(
    stores: &[&str],
    fill: &dyn Fn(&idb::Transaction) -> Result<(), idb::Error>,
) -> bool {
    let Some(db) = database().await else {
        return false;
    };
    let done = async {
        let tx = db.transaction(stores, TransactionMode::ReadWrite)?;
        fill(&tx)?;
        tx.await
    };
    match done.await {
        Ok(idb::TransactionResult::Committed) => true,
        _ => {
            switch_off("the browser refused to store more (storage full?)");
            false
        }
    }
}

/// The usage rows as kept; a row that is not `[bytes, ms]` counts as used
/// at the epoch, so it goes first.
async fn usage(db: &Database) -> Option<Vec<Usage>> {
    let tx = db.transaction(&[USAGE], TransactionMode::ReadOnly).ok()?;
    let store = tx.object_store(USAGE).ok()?;
    let keys = store.get_all_keys(None, None).ok()?.await.ok()?;
    let values = store.get_all(None, None).ok()?.await.ok()?;
    let rows = keys.iter().zip(values.iter()).filter_map(|(k, v)| {
        let pair = v.dyn_ref::<Array>();
        let number = |i| {
            pair.and_then(|p| p.get(i).as_f64())
                .filter(|x| x.is_finite())
        };
        Some(Usage {
            key: k.as_string()?,
            bytes: number(0).unwrap_or(0.0).max(0.0) as u64,
            used_ms: number(1).unwrap_or(0.0) as i64,
        })
    });
    Some(rows.collect())
}

/// Deletes the least recently used answers until the store fits its cap.
pub async fn trim() {
    let Some(db) = database().await else {
        return;
    };
    let Some(rows) = usage(&db).await else {
        return;
    };
    let gone = evictions(&rows, cap_bytes());
    if gone.is_empty() {
        return;
    }
    forget_keys(&EVICTABLE, &gone).await;
}

/// Deletes `keys` from each of `stores`.
async fn forget_keys(stores: &[&str], keys: &[String]) {
    write(stores, &|tx| {
        for name in stores {
            let store = tx.object_store(name)?;
            for key in keys {
                store.delete(js_key(key))?;
            }
        }
        Ok(())
    })
    .await;
}

/// The size cap in force: the user's, else [`DEFAULT_CAP_BYTES`].
pub fn cap_bytes() -> u64 {
    let mb = local_storage()
        .and_then(|s| s.get_item(CAP_KEY).ok().flatten())
        .and_then(|text| text.parse::<u64>().ok())
        .filter(|mb| crate::store::CAP_CHOICES_MB.contains(mb));
    mb.map_or(DEFAULT_CAP_BYTES, |mb| mb * 1024 * 1024)
}

/// Sets the cap (one of `store::CAP_CHOICES_MB`) and trims to it.
pub async fn set_cap_mb(mb: u64) {
    if let Some(storage) = local_storage() {
        storage.set_item(CAP_KEY, &mb.to_string()).ok();
    }
    trim().await;
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Keeps the liquidations among a stream's `messages` on `symbol`, in the
/// background. One write at a time: what arrives meanwhile waits and goes
/// in the next one, since one transaction per frame fell behind a busy
/// stream (hundreds of frames a second) and the waiting transactions held
/// their lines in memory.
pub fn keep_live(symbol: &str, messages: &[LiveMessage]) {
    let lines = messages.iter().filter_map(|m| match m {
        LiveMessage::Liquidation(e) => events::encode(symbol, e),
        _ => None,
    });
    let start_writing = EVENT_WRITES.with(|writes| {
        let mut writes = writes.borrow_mut();
        writes.not_kept += events::wait_for_write(&mut writes.waiting, lines) as u64;
        let start = !writes.writing && !writes.waiting.is_empty();
        writes.writing |= start;
        start
    });
    if start_writing {
        wasm_bindgen_futures::spawn_local(write_waiting_events());
    }
}

/// Liquidations waiting for their write, whether one is under way, and
/// how many came faster than they could be written and were let go.
#[derive(Default)]
struct EventWrites {
    waiting: Vec<String>,
    writing: bool,
    not_kept: u64,
}

/// Writes what waits until nothing does.
async fn write_waiting_events() {
    loop {
        let lines = EVENT_WRITES.with(|writes| {
            let mut writes = writes.borrow_mut();
            writes.writing = !writes.waiting.is_empty();
            std::mem::take(&mut writes.waiting)
        });
        if lines.is_empty() {
            return;
        }
        keep_event_lines(lines).await;
    }
}

async fn keep_event_lines(lines: Vec<String>) {
    write(&[EVENTS], &|tx| {
        let store = tx.object_store(EVENTS)?;
        for line in &lines {
            store.put(&JsValue::NULL, Some(&js_key(line)))?;
        }
        Ok(())
    })
    .await;
}

/// The kept liquidations on `symbol` of `exchange` since `since_ms`, oldest
/// first. Events past the kept period and lines that do not read back are
/// deleted on the way.
pub async fn read_events(
    exchange: crate::exchanges::Exchange,
    symbol: &str,
    since_ms: i64,
) -> Vec<LiqEvent> {
    let Some(db) = database().await else {
        return Vec::new();
    };
    let now = js_sys::Date::now() as i64;
    let Some(lines) = event_lines(&db).await else {
        return Vec::new();
    };
    let mut damaged = Vec::new();
    let mut out = Vec::new();
    for line in lines {
        match events::decode(&line, now) {
            Some((s, e)) if s == symbol && e.exchange == exchange && e.time_ms >= since_ms => {
                out.push(e)
            }
            Some(_) => {}
            None => damaged.push(line),
        }
    }
    let expired = KeyRange::upper_bound(&js_key(&events::expiry_key(now)), Some(true));
    write(&[EVENTS], &|tx| {
        let store = tx.object_store(EVENTS)?;
        if let Ok(range) = &expired {
            store.delete(Query::KeyRange(range.clone()))?;
        }
        for line in &damaged {
            store.delete(js_key(line))?;
        }
        Ok(())
    })
    .await;
    out
}

async fn event_lines(db: &Database) -> Option<Vec<String>> {
    let tx = db.transaction(&[EVENTS], TransactionMode::ReadOnly).ok()?;
    let keys = tx.object_store(EVENTS).ok()?.get_all_keys(None, None);
    let keys = keys.ok()?.await.ok()?;
    Some(keys.iter().filter_map(JsValue::as_string).collect())
}

/// What the storage section shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Why nothing is kept, when it is off.
    pub off: Option<&'static str>,
    pub bytes: u64,
    pub answers: usize,
    pub events: usize,
    /// Live liquidations that came faster than they could be stored.
    pub events_not_kept: u64,
    pub cap_bytes: u64,
}

pub async fn summary() -> Summary {
    let db = database().await;
    let (rows, lines) = match &db {
        Some(db) => (usage(db).await, event_lines(db).await),
        None => (None, None),
    };
    let rows = rows.unwrap_or_default();
    let lines = lines.unwrap_or_default();
    Summary {
        off: OFF.with(|off| *off.borrow()),
        bytes: total_bytes(&rows) + lines.iter().map(|l| l.len() as u64).sum::<u64>(),
        // Snapshots and drawn records have usage rows too: not answers.
        answers: rows
            .iter()
            .filter(|r| snapshot::read_key(&r.key).is_none() && !is_drawn_key(&r.key))
            .count(),
        events: lines.len(),
        events_not_kept: EVENT_WRITES.with(|writes| writes.borrow().not_kept),
        cap_bytes: cap_bytes(),
    }
}

/// Empties the database ("Forget stored data").
pub async fn forget_all() {
    write(&ALL, &|tx| {
        for name in ALL {
            tx.object_store(name)?.clear()?;
        }
        Ok(())
    })
    .await;
}

/// Keeps a measured snapshot, then thins the kept ones (see
/// `measured::snapshot::to_forget`) and trims the store to its cap.
pub async fn keep_snapshot(taken: &Snapshot) {
    let Some(key) = taken.key() else {
        return;
    };
    let values = js_sys::Float64Array::from(taken.encode().as_slice());
    let bytes = u64::from(values.byte_length());
    let kept = write(&[SNAPSHOTS, USAGE], &|tx| {
        tx.object_store(SNAPSHOTS)?
            .put(&values, Some(&js_key(&key)))?;
        tx.object_store(USAGE)?
            .put(&usage_value(bytes), Some(&js_key(&key)))?;
        Ok(())
    })
    .await;
    let Some(db) = database().await.filter(|_| kept) else {
        return;
    };
    let keys = snapshot_keys(&db).await.unwrap_or_default();
    let gone = snapshot::to_forget(&keys, js_sys::Date::now() as i64);
    if !gone.is_empty() {
        forget_keys(&[SNAPSHOTS, USAGE], &gone).await;
    }
    trim().await;
}

async fn snapshot_keys(db: &Database) -> Option<Vec<String>> {
    let tx = db
        .transaction(&[SNAPSHOTS], TransactionMode::ReadOnly)
        .ok()?;
    let keys = tx.object_store(SNAPSHOTS).ok()?.get_all_keys(None, None);
    let keys = keys.ok()?.await.ok()?;
    Some(keys.iter().filter_map(JsValue::as_string).collect())
}

/// When the kept snapshots of `coin` were taken, newest first (IndexedDB
/// gives keys in order, and a key starts with the time).
pub async fn snapshot_times(coin: &str) -> Vec<i64> {
    let Some(db) = database().await else {
        return Vec::new();
    };
    let keys = snapshot_keys(&db).await.unwrap_or_default();
    keys.iter()
        .rev()
        .filter_map(|k| snapshot::read_key(k).filter(|(_, c)| *c == coin))
        .map(|(t, _)| t)
        .collect()
}

/// The snapshot of `coin` taken at `time_ms`, checked (reading it marks it
/// used); one that fails the check is deleted.
pub async fn read_snapshot(coin: &str, time_ms: i64) -> Option<Snapshot> {
    let key = snapshot::key(coin, time_ms)?;
    let db = database().await?;
    let tx = db
        .transaction(&[SNAPSHOTS], TransactionMode::ReadOnly)
        .ok()?;
    let value = tx
        .object_store(SNAPSHOTS)
        .ok()?
        .get(js_key(&key))
        .ok()?
        .await;
    let values = value
        .ok()
        .flatten()
        .and_then(|v| v.dyn_into::<js_sys::Float64Array>().ok())
        .map(|v| v.to_vec())
        .unwrap_or_default();
    match snapshot::decode(&key, &values, js_sys::Date::now() as i64) {
        Some(read) => {
            mark_used(&[(key, values.len() as u64 * 8)]).await;
            Some(read)
        }
        None => {
            forget_keys(&[SNAPSHOTS, USAGE], &[key]).await;
            None
        }
    }
}
