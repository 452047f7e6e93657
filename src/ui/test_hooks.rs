//! Functions the browser tests and the timing script call through
//! `window.wasmBindings` (src/boot.js exposes the wasm exports there). Only
//! in builds with the `test-hooks` feature (`make build-e2e`): the page
//! visitors download has none of them.

use crate::engine::{estimate_in, Workspace};
use crate::sim::workload::{workload, Scale};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Panics on purpose, so a browser test can check the error box.
#[wasm_bindgen]
pub fn debug_panic() {
    panic!("debug_panic called (browser test of the panic box)");
}

/// Checksum of the simulated market for `seed` as the demo builds it, to
/// compare with the native build's.
#[wasm_bindgen]
pub fn sim_checksum(seed: u64, end_ms: f64, window_ms: f64) -> String {
    crate::sim::demo_market(seed, end_ms as i64, window_ms as i64)
        .checksum()
        .to_string()
}

/// Runs the engine on a benchmark load `runs` times; returns the times in
/// milliseconds as JSON, for the browser timing script.
#[wasm_bindgen]
pub fn bench_engine(scale: &str, runs: u32) -> String {
    let scale = match scale {
        "M" => Scale::M,
        "XL" => Scale::XL,
        _ => Scale::L,
    };
    let (sources, spec) = workload(scale);
    let params = crate::engine::Params::default();
    let performance = web_sys::window().and_then(|w| w.performance());
    let now = || performance.as_ref().map_or(0.0, |p| p.now());
    // As the page does: one workspace reused across recomputations.
    let mut workspace = Workspace::default();
    let times: Vec<String> = (0..runs)
        .map(|_| {
            let start = now();
            let e = estimate_in(&mut workspace, &sources, &params, &spec);
            std::hint::black_box(&e);
            format!("{:.3}", now() - start)
        })
        .collect();
    format!("[{}]", times.join(","))
}

/// Size of the wasm linear memory in bytes (it only grows: the peak so far).
#[wasm_bindgen]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0.0, |m| {
            m.buffer()
                .dyn_into::<js_sys::ArrayBuffer>()
                .map_or(0.0, |b| b.byte_length() as f64)
        })
}

/// The heatmap CSV of the simulated market's view for a window ending at
/// `now_ms`, computed apart from the page, to compare with its export.
#[wasm_bindgen]
pub fn demo_heatmap_csv(now_ms: f64, window_ms: f64) -> String {
    let defaults = crate::url_state::ViewState::default();
    super::view_data::Inputs::demo(defaults.seed, window_ms as i64, now_ms as i64)
        .and_then(|inputs| {
            let job = inputs.job(0, Default::default(), defaults.bins, &defaults.params);
            crate::compute::run(&mut Workspace::default(), &inputs.sources, &job)
        })
        .map(|estimate| crate::export::heatmap_csv(&estimate))
        .unwrap_or_default()
}
