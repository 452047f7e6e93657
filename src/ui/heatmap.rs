//! The heatmap panel: estimate → pixels → canvas, with price and time axes.

use super::canvas::{blit_rgba, prepare};
use super::ViewData;
use crate::render::{heatmap_rgba, price_label, usd_label, utc_label, Look};
use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::CanvasRenderingContext2d;

/// Room for the price axis on the right and the time axis below.
const AXIS_RIGHT: f64 = 76.0;
const AXIS_BOTTOM: f64 = 22.0;

#[component]
pub fn Heatmap(view: Memo<Option<ViewData>>, look: RwSignal<Look>) -> impl IntoView {
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
        if draw(&element, &data, look.get()).is_some() {
            element.set_attribute("data-painted", "true").ok();
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                performance.mark("liqmap:heatmap-painted").ok();
            }
        }
    });

    // Hover: the cell under the pointer, described in words.
    let hover = RwSignal::new(None::<Hover>);
    let on_move = move |x: f64, y: f64| {
        let (Some(element), Some(data)) = (canvas.get_untracked(), view.get_untracked()) else {
            return;
        };
        let rect = element.get_bounding_client_rect();
        hover.set(describe(
            &data,
            x - rect.left(),
            y - rect.top(),
            rect.width(),
            rect.height(),
        ));
    };

    view! {
        <div class="heatmap-frame" on:mouseleave=move |_| hover.set(None)>
            <canvas
                node_ref=canvas
                class="heatmap"
                data-testid="heatmap"
                role="img"
                aria-label="Heatmap of estimated liquidation USD by price and time"
                on:mousemove=move |ev| on_move(f64::from(ev.client_x()), f64::from(ev.client_y()))
                on:touchstart=move |ev| {
                    if let Some(t) = ev.touches().get(0) {
                        on_move(f64::from(t.client_x()), f64::from(t.client_y()));
                    }
                }
            ></canvas>
            {move || {
                hover
                    .get()
                    .map(|h| {
                        view! {
                            <div class="crosshair-v" style=format!("left:{}px", h.x)></div>
                            <div class="crosshair-h" style=format!("top:{}px", h.y)></div>
                            <div
                                class="tooltip"
                                data-testid="heatmap-tooltip"
                                role="tooltip"
                                style=format!("left:{}px;top:{}px", h.x + 14.0, h.y + 14.0)
                            >
                                {h.lines.into_iter().map(|line| view! { <div>{line}</div> }).collect_view()}
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// What the tooltip shows, and where.
#[derive(Clone, Debug, PartialEq)]
struct Hover {
    x: f64,
    y: f64,
    lines: Vec<String>,
}

/// The cell at `(x, y)` CSS pixels inside a canvas `width × height`.
fn describe(data: &ViewData, x: f64, y: f64, width: f64, height: f64) -> Option<Hover> {
    let estimate = &data.estimate;
    let (plot_w, plot_h) = (width - AXIS_RIGHT, height - AXIS_BOTTOM);
    if !(0.0..plot_w).contains(&x) || !(0.0..plot_h).contains(&y) {
        return None;
    }
    let (grid, time) = (estimate.grid.prices, estimate.grid.time);
    let column = ((x / plot_w) * time.columns as f64) as usize;
    let bin = ((1.0 - y / plot_h) * grid.count as f64) as usize;
    let long = estimate.heatmap[0].get(column, bin);
    let short = estimate.heatmap[1].get(column, bin);
    let start = time.column_start_ms(column);
    Some(Hover {
        x,
        y,
        lines: vec![
            format!(
                "{} – {} UTC",
                utc_label(start),
                utc_label(start + time.column_ms)
            ),
            format!(
                "{} – {}",
                price_label(grid.edge(bin)),
                price_label(grid.edge(bin + 1))
            ),
            format!("Longs: {}", usd_label(long)),
            format!("Shorts: {}", usd_label(short)),
        ],
    })
}

fn draw(canvas: &web_sys::HtmlCanvasElement, data: &ViewData, look: Look) -> Option<()> {
    let (context, width, height) = prepare(canvas)?;
    let estimate = &data.estimate;
    let (plot_w, plot_h) = (width - AXIS_RIGHT, height - AXIS_BOTTOM);
    context.set_fill_style_str("#0b0e14");
    context.fill_rect(0.0, 0.0, width, height);

    let total = estimate.heatmap_total();
    let rgba = heatmap_rgba(&total, look);
    blit_rgba(
        &context,
        &rgba,
        (total.columns as u32, total.bins as u32),
        (0.0, 0.0, plot_w, plot_h),
    )?;

    let prices = estimate.grid.prices;
    let y_of = |price: f64| plot_h * (1.0 - (price - prices.low) / (prices.high - prices.low));
    draw_price_line(&context, &data.closes, plot_w, &y_of);
    let strongest = total.values.iter().copied().fold(0.0, f64::max);
    draw_colour_bar(&context, look, strongest);
    if let Some(price) = estimate.current_price {
        draw_current_price(&context, y_of(price), plot_w, price);
    }
    draw_axes(&context, data, plot_w, plot_h, y_of);
    Some(())
}

/// The price over time, over the heatmap.
fn draw_price_line(
    context: &CanvasRenderingContext2d,
    closes: &[Option<f64>],
    plot_w: f64,
    y_of: &impl Fn(f64) -> f64,
) {
    let column_w = plot_w / closes.len().max(1) as f64;
    context.set_stroke_style_str("rgba(255, 255, 255, 0.85)");
    context.set_line_width(1.25);
    context.begin_path();
    let mut pen_down = false;
    for (c, close) in closes.iter().enumerate() {
        let Some(price) = close else {
            pen_down = false;
            continue;
        };
        let (x, y) = ((c as f64 + 0.5) * column_w, y_of(*price));
        if pen_down {
            context.line_to(x, y);
        } else {
            context.move_to(x, y);
            pen_down = true;
        }
    }
    context.stroke();
}

/// A small legend: what the colours mean in USD per cell.
fn draw_colour_bar(context: &CanvasRenderingContext2d, look: Look, strongest: f64) {
    const X: f64 = 10.0;
    const Y: f64 = 10.0;
    const W: f64 = 140.0;
    const H: f64 = 8.0;
    context.set_fill_style_str("rgba(11, 14, 20, 0.75)");
    context.fill_rect(X - 6.0, Y - 6.0, W + 12.0, H + 28.0);
    for i in 0..W as usize {
        let [r, g, b] = look.palette.colour(i as f64 / W);
        context.set_fill_style_str(&format!("rgb({r},{g},{b})"));
        context.fill_rect(X + i as f64, Y, 1.0, H);
    }
    context.set_fill_style_str("#e6e9ef");
    context.set_font("10px system-ui, sans-serif");
    context
        .fill_text(&format!("{} scale", look.scale.id()), X, Y + H + 12.0)
        .ok();
    context
        .fill_text(&usd_label(strongest), X + W - 44.0, Y + H + 12.0)
        .ok();
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
