//! The heatmap panel: estimate → pixels → canvas, with price and time axes.

use super::canvas::{blit_rgba, prepare};
use super::ViewData;
use crate::render::{heatmap_rgba, price_label, utc_label, Scale};
use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::CanvasRenderingContext2d;

/// Room for the price axis on the right and the time axis below.
const AXIS_RIGHT: f64 = 76.0;
const AXIS_BOTTOM: f64 = 22.0;

#[component]
pub fn Heatmap(view: Memo<Option<ViewData>>) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let resized = RwSignal::new(0_u32);
    let resize_listener = window_event_listener(leptos::ev::resize, move |_| {
        resized.update(|n| *n += 1);
    });
    on_cleanup(move || resize_listener.remove());

    Effect::new(move |_| {
        resized.track();
        let (Some(element), Some(data)) = (canvas.get(), view.get()) else {
            return;
        };
        if draw(&element, &data).is_some() {
            element.set_attribute("data-painted", "true").ok();
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                performance.mark("liqmap:heatmap-painted").ok();
            }
        }
    });

    view! {
        <canvas
            node_ref=canvas
            class="heatmap"
            data-testid="heatmap"
            role="img"
            aria-label="Heatmap of estimated liquidation USD by price and time"
        ></canvas>
    }
}

fn draw(canvas: &web_sys::HtmlCanvasElement, data: &ViewData) -> Option<()> {
    let (context, width, height) = prepare(canvas)?;
    let estimate = &data.estimate;
    let (plot_w, plot_h) = (width - AXIS_RIGHT, height - AXIS_BOTTOM);
    context.set_fill_style_str("#0b0e14");
    context.fill_rect(0.0, 0.0, width, height);

    let total = estimate.heatmap_total();
    let rgba = heatmap_rgba(&total, Scale::Sqrt);
    blit_rgba(
        &context,
        &rgba,
        (total.columns as u32, total.bins as u32),
        (0.0, 0.0, plot_w, plot_h),
    )?;

    let prices = estimate.grid.prices;
    let y_of = |price: f64| plot_h * (1.0 - (price - prices.low) / (prices.high - prices.low));
    if let Some(price) = estimate.current_price {
        draw_current_price(&context, y_of(price), plot_w, price);
    }
    draw_axes(&context, data, plot_w, plot_h, y_of);
    Some(())
}

fn draw_current_price(context: &CanvasRenderingContext2d, y: f64, plot_w: f64, price: f64) {
    context.set_stroke_style_str("#4fc3f7");
    context.set_line_width(1.0);
    context.begin_path();
    context.move_to(0.0, y);
    context.line_to(plot_w, y);
    context.stroke();
    context.set_fill_style_str("#4fc3f7");
    context.fill_rect(plot_w, y - 9.0, AXIS_RIGHT, 18.0);
    context.set_fill_style_str("#0b0e14");
    context.set_font("bold 11px system-ui, sans-serif");
    context
        .fill_text(&price_label(price), plot_w + 6.0, y + 4.0)
        .ok();
}

fn draw_axes(
    context: &CanvasRenderingContext2d,
    data: &ViewData,
    plot_w: f64,
    plot_h: f64,
    y_of: impl Fn(f64) -> f64,
) {
    let grid = &data.estimate.grid;
    context.set_fill_style_str("#9aa4b2");
    context.set_font("11px system-ui, sans-serif");
    const PRICE_TICKS: usize = 6;
    for i in 0..=PRICE_TICKS {
        let price =
            grid.prices.low + (grid.prices.high - grid.prices.low) * i as f64 / PRICE_TICKS as f64;
        let y = y_of(price).clamp(10.0, plot_h);
        context.fill_text(&price_label(price), plot_w + 6.0, y).ok();
    }
    // One label per ~130 px so they never overlap, even on a phone.
    let time_ticks = ((plot_w / 130.0) as i64).max(1);
    let (start, end) = (grid.time.start_ms, grid.time.end_ms());
    for i in 0..time_ticks {
        let t = start + (end - start) * i / time_ticks;
        let x = plot_w * i as f64 / time_ticks as f64;
        context
            .fill_text(&utc_label(t), x + 4.0, plot_h + 15.0)
            .ok();
    }
}
