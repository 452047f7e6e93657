//! Browser side of [`crate::compute`]'s messages: [`Buffers`] as a JS array
//! of a `Float64Array` and a `Uint8Array`, whose `ArrayBuffer`s are
//! transferred with the message (moved, not copied or serialised), and the
//! [`Endpoint`]s they cross between.

use crate::compute::Buffers;
use js_sys::{Array, Float64Array, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// One end of the engine's messages: the worker's global scope and the
    /// page's `Worker`, or, where the engine runs on the page's thread, the
    /// two ports of a `MessageChannel`. All post and receive alike, so the
    /// engine answers the same messages wherever it runs.
    #[derive(Clone)]
    pub type Endpoint;

    #[wasm_bindgen(method, setter = onmessage)]
    pub fn set_onmessage(this: &Endpoint, handler: &js_sys::Function);

    #[wasm_bindgen(method, js_name = postMessage, catch)]
    fn post_message(this: &Endpoint, message: &JsValue, transfer: &Array) -> Result<(), JsValue>;
}

impl Endpoint {
    /// Posts `buffers`, moving their memory to the other end.
    pub fn post(&self, buffers: &Buffers) {
        let (message, transfer) = to_js(buffers);
        self.post_message(&message, &transfer).ok();
    }

    /// Posts a text (the engine's and its start's signals, see
    /// `compute::WORKER_READY`).
    pub fn post_text(&self, text: &str) {
        self.post_message(&text.into(), &Array::new()).ok();
    }
}

/// The message and its transfer list, for `postMessage`.
fn to_js(buffers: &Buffers) -> (JsValue, Array) {
    let numbers = Float64Array::from(buffers.numbers.as_slice());
    let text = Uint8Array::from(buffers.text.as_slice());
    let transfer = Array::of2(&numbers.buffer(), &text.buffer());
    (Array::of2(&numbers, &text).into(), transfer)
}

/// `buffers` as [`Endpoint::post`] sends them (the browser database keeps
/// them so too, see `kept::keep_drawn`); [`from_js`] reads them back.
pub fn as_js(buffers: &Buffers) -> JsValue {
    to_js(buffers).0
}

/// The buffers of a message [`Endpoint::post`] sent; `None` for anything
/// else.
pub fn from_js(data: &JsValue) -> Option<Buffers> {
    let parts = data.dyn_ref::<Array>()?;
    Some(Buffers {
        numbers: parts.get(0).dyn_into::<Float64Array>().ok()?.to_vec(),
        text: parts.get(1).dyn_into::<Uint8Array>().ok()?.to_vec(),
    })
}
