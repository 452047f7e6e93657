//! Effects through one compiled copy of Leptos's effect machinery.
//!
//! `Effect::new` is generic over its closure, so every call site compiles
//! its own copy of the task that reruns it (an async loop, some hundreds
//! of bytes of wasm each, with the body inlined into it). Boxed, every
//! body is one type and that task is compiled once.

use leptos::prelude::Effect;

/// Runs `body` now, and again after any signal it read has changed, for
/// as long as its owner lives (Leptos's `Effect::new`).
pub fn effect(body: impl FnMut() + 'static) {
    boxed(Box::new(body));
}

fn boxed(mut body: Box<dyn FnMut()>) {
    Effect::new(move |_| body());
}
