//! The liquidation map panel: USD per price bin at the last candle, stacked
//! by leverage tier, longs below and shorts above the current price, with
//! the two cumulative curves.

use super::canvas::{prepare, window_resizes};
use super::ViewData;
use crate::engine::{Estimate, Side};
use crate::render::{price_label, usd_label};
use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::CanvasRenderingContext2d;

const AXIS_LEFT: f64 = 64.0;
const AXIS_BOTTOM: f64 = 22.0;
const CUMULATIVE_LONG: &str = "#ef5350";
const CUMULATIVE_SHORT: &str = "#26a69a";

/// What the map's bars are stacked by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackBy {
    Leverage,
    Exchange,
}

#[component]
pub fn LiquidationMap(view: Memo<Option<ViewData>>) -> impl IntoView {
    let stack_by = RwSignal::new(StackBy::Leverage);
    let canvas = NodeRef::<Canvas>::new();
    let resized = window_resizes();
    Effect::new(move |_| {
        resized.track();
        let stack_by = stack_by.get();
        let Some(element) = canvas.get() else {
            return;
        };
        // Read in place: the view is megabytes.
        view.with(|data| {
            if let Some(data) = data {
                if draw(&element, &data.estimate, stack_by).is_some() {
                    element.set_attribute("data-painted", "true").ok();
                }
            }
        });
    });
    view! {
        <canvas
            node_ref=canvas
            class="liqmap"
            data-testid="liqmap"
            role="img"
            aria-label="Liquidation map: estimated USD that would be liquidated at each price, by leverage"
        ></canvas>
        <div class="map-options" role="radiogroup" aria-label="Stack bars by">
            {[(StackBy::Leverage, "By leverage"), (StackBy::Exchange, "By exchange")]
                .into_iter()
                .map(|(choice, label)| {
                    view! {
                        <label>
                            <input
                                type="radio"
                                name="stack-by"
                                data-testid=format!("stack-{}", label.to_lowercase().replace(' ', "-"))
                                prop:checked=move || stack_by.get() == choice
                                on:change=move |_| stack_by.set(choice)
                            />
                            " "
                            {label}
                        </label>
                    }
                })
                .collect_view()}
        </div>
        <ul class="legend" aria-label="Legend">
            {move || {
                let names = match stack_by.get() {
                    StackBy::Leverage => view.with(|v| {
                        v.as_ref()
                            .map(|v| v.params.tiers.iter().map(|t| format!("{}x", t.leverage)).collect())
                            .unwrap_or_default()
                    }),
                    StackBy::Exchange => view.with(|v| v.as_ref().map(|v| v.estimate.sources.clone()).unwrap_or_default()),
                };
                names
                    .into_iter()
                    .enumerate()
                    .map(|(i, label)| {
                        view! {
                            <li>
                                <span class="swatch" style=format!("background:{}", stack_colour(i))></span>
                                {label}
                            </li>
                        }
                    })
                    .collect_view()
            }}
            <li><span class="swatch line" style=format!("background:{CUMULATIVE_LONG}")></span>"Cumulative longs"</li>
            <li><span class="swatch line" style=format!("background:{CUMULATIVE_SHORT}")></span>"Cumulative shorts"</li>
        </ul>
    }
}

/// A categorical colour per stack layer (Tableau 10, from the colormap crate).
pub fn stack_colour(layer: usize) -> String {
    let c = colorous::TABLEAU10[layer % colorous::TABLEAU10.len()];
    format!("rgb({},{},{})", c.r, c.g, c.b)
}

fn draw(canvas: &web_sys::HtmlCanvasElement, estimate: &Estimate, stack_by: StackBy) -> Option<()> {
    let (context, width, height) = prepare(canvas)?;
    let (plot_w, plot_h) = (width - AXIS_LEFT, height - AXIS_BOTTOM);
    context.set_fill_style_str("#0b0e14");
    context.fill_rect(0.0, 0.0, width, height);

    let map = &estimate.map;
    let prices = estimate.grid.prices;
    let bins = map.bins;
    // Per bin and layer (tier or exchange), both sides: longs and shorts
    // never share a bin at the last candle (longs alive are below the
    // price, shorts above).
    let both =
        |s: usize, t: usize, b: usize| map.get(s, t, Side::Long, b) + map.get(s, t, Side::Short, b);
    let stacked: Vec<Vec<f64>> = (0..bins)
        .map(|b| match stack_by {
            StackBy::Leverage => (0..map.tiers)
                .map(|t| (0..map.sources).map(|s| both(s, t, b)).sum())
                .collect(),
            StackBy::Exchange => (0..map.sources)
                .map(|s| (0..map.tiers).map(|t| both(s, t, b)).sum())
                .collect(),
        })
        .collect();
    let tallest = stacked
        .iter()
        .map(|tiers| tiers.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let current_bin = estimate
        .current_price
        .and_then(|p| prices.bin_of(p))
        .unwrap_or(bins / 2);
    let long_curve = map.cumulative(Side::Long, current_bin);
    let short_curve = map.cumulative(Side::Short, current_bin);
    let curve_max = long_curve
        .iter()
        .chain(&short_curve)
        .copied()
        .fold(0.0, f64::max);
    if tallest <= 0.0 {
        return Some(());
    }

    let bar_w = plot_w / bins as f64;
    let x_of = |bin: f64| AXIS_LEFT + bin * bar_w;
    for (b, tiers) in stacked.iter().enumerate() {
        let mut top = plot_h;
        for (t, usd) in tiers.iter().enumerate() {
            let h = plot_h * usd / tallest;
            if h > 0.0 {
                context.set_fill_style_str(&stack_colour(t));
                context.fill_rect(x_of(b as f64), top - h, bar_w.max(1.0), h);
                top -= h;
            }
        }
    }
    for (curve, colour) in [
        (&long_curve, CUMULATIVE_LONG),
        (&short_curve, CUMULATIVE_SHORT),
    ] {
        draw_curve(&context, curve, curve_max, colour, plot_h, &x_of);
    }
    if let Some(price) = estimate.current_price {
        let x = AXIS_LEFT + plot_w * (price - prices.low) / (prices.high - prices.low);
        context.set_stroke_style_str("#4fc3f7");
        context.set_line_width(1.0);
        context.begin_path();
        context.move_to(x, 0.0);
        context.line_to(x, plot_h);
        context.stroke();
    }
    draw_axes(&context, estimate, tallest, plot_w, plot_h);
    Some(())
}

fn draw_curve(
    context: &CanvasRenderingContext2d,
    curve: &[f64],
    max: f64,
    colour: &str,
    plot_h: f64,
    x_of: &impl Fn(f64) -> f64,
) {
    if max <= 0.0 {
        return;
    }
    context.set_stroke_style_str(colour);
    context.set_line_width(2.0);
    context.begin_path();
    let mut started = false;
    for (b, value) in curve.iter().enumerate() {
        if *value <= 0.0 {
            continue;
        }
        let (x, y) = (x_of(b as f64 + 0.5), plot_h * (1.0 - value / max));
        if started {
            context.line_to(x, y);
        } else {
            context.move_to(x, y);
            started = true;
        }
    }
    context.stroke();
}

fn draw_axes(
    context: &CanvasRenderingContext2d,
    estimate: &Estimate,
    tallest: f64,
    plot_w: f64,
    plot_h: f64,
) {
    let prices = estimate.grid.prices;
    context.set_fill_style_str("#9aa4b2");
    context.set_font("11px system-ui, sans-serif");
    for i in 0..=4 {
        let usd = tallest * f64::from(i) / 4.0;
        let y = (plot_h * (1.0 - f64::from(i) / 4.0)).max(10.0);
        context.fill_text(&usd_label(usd), 4.0, y).ok();
    }
    let ticks = ((plot_w / 110.0) as usize).max(1);
    for i in 0..ticks {
        let price = prices.low + (prices.high - prices.low) * i as f64 / ticks as f64;
        let x = AXIS_LEFT + plot_w * i as f64 / ticks as f64;
        context
            .fill_text(&price_label(price), x + 2.0, plot_h + 15.0)
            .ok();
    }
}
