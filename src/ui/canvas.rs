//! Canvas glue: sizing for the device pixel ratio and blitting RGBA buffers.

use super::dom::part;
use super::effect::effect;
use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

/// Sizes the canvas' backing store to its CSS box × device pixel ratio and
/// returns a plotters drawing area over it (in device pixels), its 2D
/// context for the pixel blit, and the ratio.
pub fn prepare(canvas: &HtmlCanvasElement) -> Option<Prepared> {
    let ratio = web_sys::window()?.device_pixel_ratio().max(1.0);
    let rect = canvas.get_bounding_client_rect();
    let (width, height) = (rect.width().max(1.0), rect.height().max(1.0));
    // Resizing reallocates (and clears) the backing store: only when needed.
    let (w, h) = (
        (width * ratio).round() as u32,
        (height * ratio).round() as u32,
    );
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let backend = CanvasBackend::with_canvas_object(canvas.clone())?;
    let root = MeasuredCanvas {
        inner: backend,
        context: context.clone(),
    }
    .into_drawing_area();
    Some(Prepared {
        root,
        context,
        ratio,
    })
}

/// A canvas ready to draw on.
pub struct Prepared {
    pub root: DrawingArea<MeasuredCanvas, Shift>,
    pub context: CanvasRenderingContext2d,
    pub ratio: f64,
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
    let offscreen = OFFSCREEN.with(|cell| {
        if cell.borrow().is_none() {
            let document = web_sys::window()?.document()?;
            let canvas: HtmlCanvasElement =
                document.create_element("canvas").ok()?.dyn_into().ok()?;
            *cell.borrow_mut() = Some(canvas);
        }
        cell.borrow().clone()
    })?;
    if offscreen.width() != width || offscreen.height() != height {
        offscreen.set_width(width);
        offscreen.set_height(height);
    }
    let off_context: CanvasRenderingContext2d =
        offscreen.get_context("2d").ok()??.dyn_into().ok()?;
    // put_image_data replaces the pixels, transparent ones included.
    off_context.put_image_data(&image, 0.0, 0.0).ok()?;
    context.set_image_smoothing_enabled(false);
    context
        .draw_image_with_html_canvas_element_and_dw_and_dh(&offscreen, x, y, w, h)
        .ok()
}

/// plotters' canvas back end, measuring text with the canvas itself:
/// plotters would otherwise measure it in a DOM element given an inline
/// style, which the page's Content-Security-Policy forbids.
pub struct MeasuredCanvas {
    inner: CanvasBackend,
    context: CanvasRenderingContext2d,
}

type DrawResult = Result<(), DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

impl DrawingBackend for MeasuredCanvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }
    fn ensure_prepared(&mut self) -> DrawResult {
        self.inner.ensure_prepared()
    }
    fn present(&mut self) -> DrawResult {
        self.inner.present()
    }
    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> DrawResult {
        self.inner.draw_pixel(point, color)
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> DrawResult {
        self.inner.draw_line(from, to, style)
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> DrawResult {
        self.inner.draw_path(path, style)
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> DrawResult {
        self.inner.draw_circle(center, radius, style, fill)
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> DrawResult {
        self.inner.fill_polygon(vertices, style)
    }
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> DrawResult {
        self.inner.draw_text(text, style, pos)
    }
    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        // The same font string the canvas back end draws with.
        self.context.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        ));
        let width = self.context.measure_text(text).map_or(0.0, |m| m.width());
        Ok((width.ceil() as u32, style.size().ceil() as u32))
    }
}

thread_local! {
    /// The scratch canvas the RGBA image goes through, reused: creating one
    /// per frame costs an allocation and a raster surface.
    static OFFSCREEN: std::cell::RefCell<Option<HtmlCanvasElement>> = const { std::cell::RefCell::new(None) };
}

/// Paints a chart: `paint` runs once the canvas is in the page, and again
/// whenever a signal it reads changes or the window is resized. When it
/// painted (`Some`), the canvas is marked `data-painted="true"`, which the
/// browser tests wait for.
pub fn repaint(
    canvas: NodeRef<Canvas>,
    paint: impl Fn(&HtmlCanvasElement) -> Option<()> + 'static,
) {
    repaint_found(move || canvas.get(), paint);
}

/// [`repaint`] for a canvas written as HTML: the first `canvas` under
/// `root` (the panel's node), once it is in the page.
pub fn repaint_in(
    root: impl Fn() -> Option<web_sys::Element> + 'static,
    paint: impl Fn(&HtmlCanvasElement) -> Option<()> + 'static,
) {
    repaint_found(move || part(&root()?, "canvas")?.dyn_into().ok(), paint);
}

fn repaint_found(
    canvas: impl Fn() -> Option<HtmlCanvasElement> + 'static,
    paint: impl Fn(&HtmlCanvasElement) -> Option<()> + 'static,
) {
    let resized = window_resizes();
    effect(move || {
        resized.track();
        let Some(element) = canvas() else {
            return;
        };
        if paint(&element).is_some() {
            element.set_attribute("data-painted", "true").ok();
        }
    });
}

/// A signal that changes whenever the window is resized: a drawing effect
/// tracks it to redraw at the new size. The listener goes with the owner.
fn window_resizes() -> RwSignal<u32> {
    let resized = RwSignal::new(0_u32);
    let listener = window_event_listener(leptos::ev::resize, move |_| {
        resized.update(|n| *n += 1);
    });
    on_cleanup(move || listener.remove());
    resized
}
