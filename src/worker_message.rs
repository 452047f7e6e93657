//! Browser side of [`crate::compute`]'s messages: [`Buffers`] as a JS array
//! of a `Float64Array` and a `Uint8Array`, whose `ArrayBuffer`s are
//! transferred with the message (moved, not copied or serialised).

use crate::compute::Buffers;
use js_sys::{Array, Float64Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// The message and its transfer list, for `postMessage`.
pub fn to_js(buffers: &Buffers) -> (JsValue, Array) {
    let numbers = Float64Array::from(buffers.numbers.as_slice());
    let text = Uint8Array::from(buffers.text.as_slice());
    let transfer = Array::of2(&numbers.buffer(), &text.buffer());
    (Array::of2(&numbers, &text).into(), transfer)
}

/// The buffers of a message [`to_js`] made; `None` for anything else.
pub fn from_js(data: &JsValue) -> Option<Buffers> {
    let parts = data.dyn_ref::<Array>()?;
    Some(Buffers {
        numbers: parts.get(0).dyn_into::<Float64Array>().ok()?.to_vec(),
        text: parts.get(1).dyn_into::<Uint8Array>().ok()?.to_vec(),
    })
}
