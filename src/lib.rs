//! liqmap: where leveraged crypto positions are likely to be liquidated.
//!
//! The crate is split so that everything that computes is plain Rust,
//! built and tested natively, and only a thin layer needs a browser:
//!
//! - [`engine`]: the liquidation model of `docs/model.md` (pure).
//! - [`analysis`]: what the map implies: reach probabilities, cascades (pure).
//! - [`exchanges`]: one module per exchange: requests and answer parsing (pure).
//! - [`live`]: WebSocket subscriptions, heartbeats and message parsing for
//!   live mode, reconnect backoff, a bounded event buffer (pure).
//! - [`compute`]: the engine's work as messages to and from its Web Worker (pure).
//! - [`choice`]: the names of settings with a few values (pure).
//! - [`decimal`]: decimal text to `f64` without core's 10 KB table (pure).
//! - [`export`]: CSV of the heatmap and of the map (pure).
//! - [`json_text`]: JSON written without serde's float printer (pure).
//! - [`sim`]: the seeded synthetic market: demo data and ground truth (pure).
//! - [`render`]: grid → RGBA pixels, palettes, scales (pure).
//! - [`store`]: what the browser database keeps, evicts and trusts (pure).
//! - [`alerts`]: alert rules and when they fire, with hysteresis (pure).
//! - [`sorting`]: the one sort every module uses (smaller wasm).
//! - [`time`]: UTC times written and read as ISO-8601 text (pure).
//! - [`url_state`]: the view's settings in the query string (pure).
//! - `kept` (wasm only): the browser database (IndexedDB) around `store`.
//! - `net`, `stream`, `ui` need the `page` feature (default; the engine
//!   worker is built without it).
//! - `net` (wasm only): fetching, retries, cache around `exchanges`.
//! - `stream` (wasm only): reconnecting WebSockets around `live`.
//! - `worker_message` (wasm only): `compute`'s messages as transferable buffers.
//! - `ui` (wasm only): the Leptos components and canvas glue.

pub mod accuracy;
pub mod alerts;
pub mod analysis;
pub mod choice;
pub mod compute;
pub mod decimal;
pub mod engine;
pub mod exchanges;
pub mod export;
pub mod json_text;
pub mod live;
pub mod measured;
pub mod render;
pub mod sim;
pub mod sorting;
pub mod store;
pub mod time;
pub mod url_state;

#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod kept;
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod net;
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod stream;
#[cfg(all(target_arch = "wasm32", feature = "page"))]
pub mod ui;
#[cfg(target_arch = "wasm32")]
pub mod worker_message;
