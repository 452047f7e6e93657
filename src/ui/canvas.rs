//! Canvas glue: sizing for the device pixel ratio and blitting RGBA buffers.

use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Sizes the canvas' backing store to its CSS box × device pixel ratio and
/// returns its 2D context scaled so drawing uses CSS pixels, with the CSS
/// width and height.
pub fn prepare(canvas: &HtmlCanvasElement) -> Option<(CanvasRenderingContext2d, f64, f64)> {
    let ratio = web_sys::window()?.device_pixel_ratio().max(1.0);
    let rect = canvas.get_bounding_client_rect();
    let (width, height) = (rect.width().max(1.0), rect.height().max(1.0));
    canvas.set_width((width * ratio).round() as u32);
    canvas.set_height((height * ratio).round() as u32);
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    context.scale(ratio, ratio).ok()?;
    Some((context, width, height))
}

/// Draws an RGBA image of `width × height` pixels stretched over the
/// rectangle `(x, y, w, h)` without smoothing, in one call.
pub fn blit_rgba(
    context: &CanvasRenderingContext2d,
    rgba: &[u8],
    (width, height): (u32, u32),
    (x, y, w, h): (f64, f64, f64, f64),
) -> Option<()> {
    if width == 0 || height == 0 {
        return Some(());
    }
    let image = ImageData::new_with_u8_clamped_array_and_sh(Clamped(rgba), width, height).ok()?;
    let document = web_sys::window()?.document()?;
    let offscreen: HtmlCanvasElement = document.create_element("canvas").ok()?.dyn_into().ok()?;
    offscreen.set_width(width);
    offscreen.set_height(height);
    let off_context: CanvasRenderingContext2d =
        offscreen.get_context("2d").ok()??.dyn_into().ok()?;
    off_context.put_image_data(&image, 0.0, 0.0).ok()?;
    context.set_image_smoothing_enabled(false);
    context
        .draw_image_with_html_canvas_element_and_dw_and_dh(&offscreen, x, y, w, h)
        .ok()
}

/// A signal that changes whenever the window is resized: a drawing effect
/// tracks it to redraw at the new size. The listener goes with the owner.
pub fn window_resizes() -> RwSignal<u32> {
    let resized = RwSignal::new(0_u32);
    let listener = window_event_listener(leptos::ev::resize, move |_| {
        resized.update(|n| *n += 1);
    });
    on_cleanup(move || listener.remove());
    resized
}
