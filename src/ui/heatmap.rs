//! The heatmap panel: estimate → pixels → canvas, with price and time axes.

use super::canvas::{blit_rgba, prepare, repaint, Prepared};
use super::dom::{classed_child, handler};
use super::engine_client::EngineClient;
use super::{ViewData, ViewMemo};
use crate::engine::CellBreakdown;
use crate::render::chart::{
    draw_heatmap_overlay, fill_background, heatmap_plot_rect, Bubble, HeatmapOverlay,
    HEATMAP_AXIS_BOTTOM, HEATMAP_AXIS_RIGHT,
};
use crate::render::tooltip::{cell_at, cell_lines, has_usd};
use crate::render::zoom::Zoom;
use crate::render::{heatmap_rgba, Look, Theme};
use leptos::html::{Canvas, Div};
use leptos::prelude::*;
use std::sync::{Arc, Weak};
use web_sys::{Element, HtmlElement};

/// Room for the axes, in CSS pixels (the chart draws them there).
const AXIS_RIGHT: f64 = HEATMAP_AXIS_RIGHT;
const AXIS_BOTTOM: f64 = HEATMAP_AXIS_BOTTOM;

#[component]
pub fn Heatmap(
    view: ViewMemo,
    look: RwSignal<Look>,
    theme: RwSignal<Theme>,
    zoom: RwSignal<Zoom>,
    /// Actual liquidations to mark over the cells.
    bubbles: Signal<Vec<Bubble>>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    repaint(canvas, move |element| {
        let (look, theme) = (look.get(), theme.get());
        let bubbles = bubbles.get();
        // Read in place: the view is megabytes.
        view.with(|data| {
            let data = data.as_ref()?;
            draw(element, data, (look, theme), &bubbles)?;
            // What is shown, for tests and scripts: time and price range.
            let grid = &data.estimate.grid;
            let shown = format!(
                "{} {} {} {}",
                grid.time.start_ms,
                grid.time.end_ms(),
                grid.prices.low,
                grid.prices.high
            );
            element.set_attribute("data-shown", &shown).ok();
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                performance.mark("liqmap:heatmap-painted").ok();
            }
            Some(())
        })
    });

    // Hover: the cell under the pointer, described in words, written
    // straight into the frame (no signal: nothing else reads it). Its
    // split by exchange and leverage comes from the engine, which has the
    // position model: the tooltip shows it once the engine answers.
    let frame = NodeRef::<Div>::new();
    let engine = use_context::<EngineClient>();
    let shown = StoredValue::new(None::<ShownCell>);
    let write = move |data: &ViewData, cell: &ShownCell| {
        let lines = cell_lines(
            &data.estimate,
            &data.sources,
            &data.params,
            cell.split.as_ref(),
            cell.cell,
        );
        if let Some(frame) = frame.get_untracked() {
            write_hover(&frame, Some((cell.at, lines)));
        }
    };
    let hide = move || {
        shown.set_value(None);
        if let Some(frame) = frame.get_untracked() {
            write_hover(&frame, None);
        }
    };
    let hover = move |data: &Arc<ViewData>, p: PlotPoint| {
        let Some(cell) = cell_at(&data.estimate, (p.x, p.y), (p.w, p.h)) else {
            return hide();
        };
        let at = (p.x, p.y);
        // The same cell again keeps the split it has or awaits.
        let same = shown.try_update_value(|s| {
            let s = s.as_mut().filter(|s| s.is(data, cell))?;
            s.at = at;
            Some(s.clone())
        });
        if let Some(same) = same.flatten() {
            return write(data, &same);
        }
        let asked = ShownCell {
            view: Arc::downgrade(data),
            cell,
            at,
            split: None,
        };
        shown.set_value(Some(asked.clone()));
        write(data, &asked);
        let Some(engine) = engine.filter(|_| has_usd(&data.estimate, cell)) else {
            return;
        };
        engine.ask_split(data, cell, move |split| {
            let Some(data) = asked.view.upgrade() else {
                return;
            };
            let answered = shown.try_update_value(|s| {
                let s = s.as_mut().filter(|s| s.is(&data, cell))?;
                s.split = Some(split);
                Some(s.clone())
            });
            if let Some(answered) = answered.flatten() {
                write(&data, &answered);
            }
        });
    };
    // Where a drag last was, in client pixels.
    let dragging = StoredValue::new(None::<(f64, f64)>);
    // The pointer in plot coordinates, and the shown data, read in place
    // (the estimate is megabytes: never cloned per pointer event).
    let with_plot =
        move |client_x: f64, client_y: f64, f: &mut dyn FnMut(PlotPoint, &Arc<ViewData>)| {
            let Some(element) = canvas.get_untracked() else {
                return;
            };
            let rect = element.get_bounding_client_rect();
            let point = PlotPoint {
                x: client_x - rect.left(),
                y: client_y - rect.top(),
                w: rect.width() - AXIS_RIGHT,
                h: rect.height() - AXIS_BOTTOM,
            };
            view.with_untracked(|data| {
                if let Some(data) = data {
                    f(point, data);
                }
            });
        };
    let on_move = move |client_x: f64, client_y: f64| {
        with_plot(client_x, client_y, &mut |p, data| {
            if let Some((last_x, last_y)) = dragging.get_value() {
                let grid = &data.estimate.grid;
                let (dt, dp) = ((last_x - client_x) / p.w, (client_y - last_y) / p.h);
                let next = zoom
                    .get_untracked()
                    .pan(&grid.time, &grid.prices, dt, dp, data.window);
                dragging.set_value(Some((client_x, client_y)));
                hide();
                // Set after reading: the zoom change recomputes `view`.
                zoom.set(next);
            } else {
                hover(data, p);
            }
        });
    };
    // Fingers on the canvas (pointer id, client position): two pinch-zoom.
    let touching = StoredValue::new(Vec::<(i32, (f64, f64))>::new());
    let lift = move |id: i32| {
        touching.update_value(|t| t.retain(|(p, _)| *p != id));
        dragging.set_value(None);
    };
    // Returns whether the move was part of a pinch (and handled).
    let on_pinch = move |id: i32, at: (f64, f64)| -> bool {
        let Some(before) = touching.with_value(|t| two_fingers(t)) else {
            return false;
        };
        touching.update_value(|t| {
            if let Some(finger) = t.iter_mut().find(|(p, _)| *p == id) {
                finger.1 = at;
            }
        });
        let Some(after) = touching.with_value(|t| two_fingers(t)) else {
            return false;
        };
        let mut next = None;
        // The client origin in plot coordinates gives the plot's offset.
        with_plot(0.0, 0.0, &mut |origin, data| {
            let in_plot =
                |(x, y): (f64, f64)| ((x + origin.x) / origin.w, (y + origin.y) / origin.h);
            let share = |f: [(f64, f64); 2]| [in_plot(f[0]), in_plot(f[1])];
            let grid = &data.estimate.grid;
            next = Some(zoom.get_untracked().pinch(
                (&grid.time, &grid.prices),
                share(before),
                share(after),
                data.window,
                data.candle_ms,
            ));
        });
        hide();
        if let Some(next) = next {
            zoom.set(next);
        }
        true
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let factor = (ev.delta_y() * 0.0015).exp().clamp(0.5, 2.0);
        let mut next = None;
        with_plot(
            f64::from(ev.client_x()),
            f64::from(ev.client_y()),
            &mut |p, data| {
                let grid = &data.estimate.grid;
                let now = zoom.get_untracked();
                next = Some(if ev.shift_key() || p.x > p.w {
                    // Over the price axis (or with Shift): zoom prices.
                    let price =
                        grid.prices.high - (grid.prices.high - grid.prices.low) * (p.y / p.h);
                    now.zoom_prices(&grid.prices, factor, price)
                } else {
                    let time = &grid.time;
                    let share = p.x / p.w;
                    let at =
                        time.start_ms + ((time.end_ms() - time.start_ms) as f64 * share) as i64;
                    now.zoom_time(time, factor, at, data.window, data.candle_ms)
                });
            },
        );
        if let Some(next) = next {
            zoom.set(next);
        }
    };
    // Keyboard: + and − zoom time, arrows pan, 0 resets.
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let key = ev.key();
        let next = view.with_untracked(|data| {
            let data = data.as_ref()?;
            let grid = &data.estimate.grid;
            let (window, candle) = (data.window, data.candle_ms);
            let middle = (grid.time.start_ms + grid.time.end_ms()) / 2;
            let now = zoom.get_untracked();
            let pan = |dt: f64, dp: f64| now.pan(&grid.time, &grid.prices, dt, dp, window);
            Some(match key.as_str() {
                "+" | "=" => now.zoom_time(&grid.time, 0.8, middle, window, candle),
                "-" | "_" => now.zoom_time(&grid.time, 1.25, middle, window, candle),
                "ArrowLeft" => pan(-0.1, 0.0),
                "ArrowRight" => pan(0.1, 0.0),
                "ArrowUp" => pan(0.0, 0.1),
                "ArrowDown" => pan(0.0, -0.1),
                "0" => Zoom::default(),
                _ => return None,
            })
        });
        if let Some(next) = next {
            ev.prevent_default();
            zoom.set(next);
        }
    };

    view! {
        <div class="heatmap-frame" node_ref=frame on:mouseleave=handler(move |_: leptos::ev::MouseEvent| hide())>
            <canvas
                node_ref=canvas
                class="heatmap"
                data-testid="heatmap"
                role="img"
                tabindex="0"
                aria-label="Heatmap of estimated liquidation USD by price and time. Wheel or + and − zoom, drag or arrow keys pan, double-click or 0 resets."
                on:pointermove=handler(move |ev: leptos::ev::PointerEvent| {
                    let at = (f64::from(ev.client_x()), f64::from(ev.client_y()));
                    if !on_pinch(ev.pointer_id(), at) {
                        on_move(at.0, at.1);
                    }
                })
                on:pointerdown=handler(move |ev: leptos::ev::PointerEvent| {
                    let at = (f64::from(ev.client_x()), f64::from(ev.client_y()));
                    touching.update_value(|t| t.push((ev.pointer_id(), at)));
                    // A second finger turns the drag into a pinch.
                    let pinching = touching.with_value(|t| t.len() >= 2);
                    dragging.set_value((!pinching).then_some(at));
                    if let Some(c) = canvas.get_untracked() {
                        c.set_pointer_capture(ev.pointer_id()).ok();
                    }
                })
                on:pointerup=handler(move |ev: leptos::ev::PointerEvent| lift(ev.pointer_id()))
                on:pointercancel=handler(move |ev: leptos::ev::PointerEvent| lift(ev.pointer_id()))
                on:wheel=handler(on_wheel)
                on:dblclick=handler(move |_: leptos::ev::MouseEvent| zoom.set(Zoom::default()))
                on:keydown=handler(on_key)
            ></canvas>
        </div>
    }
}

/// The positions of the first two fingers down, if two are.
fn two_fingers(touching: &[(i32, (f64, f64))]) -> Option<[(f64, f64); 2]> {
    match touching {
        [(_, a), (_, b), ..] => Some([*a, *b]),
        _ => None,
    }
}

/// A pointer position over the plot, and the plot's size.
#[derive(Clone, Copy)]
struct PlotPoint {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// The cell the tooltip shows: of which view, where the pointer is, and
/// the cell's split once the engine gave it.
#[derive(Clone)]
struct ShownCell {
    /// Weak: the tooltip keeps no view alive (the allocation it points at
    /// stays, so no other view can take its address).
    view: Weak<ViewData>,
    cell: (usize, usize),
    at: (f64, f64),
    split: Option<CellBreakdown>,
}

impl ShownCell {
    fn is(&self, view: &Arc<ViewData>, cell: (usize, usize)) -> bool {
        self.cell == cell && std::ptr::eq(self.view.as_ptr(), Arc::as_ptr(view))
    }
}

/// Shows the crosshair at `(x, y)` and the tooltip of `lines` beside it
/// (after the canvas, the frame's first child), or nothing.
fn write_hover(frame: &Element, hover: Option<((f64, f64), Vec<String>)>) -> Option<()> {
    while frame.child_element_count() > 1 {
        frame.last_element_child()?.remove();
    }
    let Some(((x, y), lines)) = hover else {
        return Some(());
    };
    // Positions go through the style object: the CSP forbids style attributes.
    let place = |class: &str, at: &[(&str, f64)]| -> Option<HtmlElement> {
        let e = classed_child(frame, "div", class, "")?;
        for (side, px) in at {
            e.style().set_property(side, &format!("{px}px")).ok()?;
        }
        Some(e)
    };
    place("crosshair-v", &[("left", x)])?;
    place("crosshair-h", &[("top", y)])?;
    let tooltip = place("tooltip", &[("left", x + 14.0), ("top", y + 14.0)])?;
    tooltip
        .set_attribute("data-testid", "heatmap-tooltip")
        .ok()?;
    tooltip.set_attribute("role", "tooltip").ok()?;
    for line in &lines {
        classed_child(&tooltip, "div", "", line)?;
    }
    Some(())
}

fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    data: &ViewData,
    (look, theme): (Look, Theme),
    bubbles: &[Bubble],
) -> Option<()> {
    let Prepared {
        root,
        context,
        ratio,
    } = prepare(canvas)?;
    let estimate = &data.estimate;
    let plot = heatmap_plot_rect(canvas.width(), canvas.height(), ratio);
    fill_background(&root, theme, look, plot).ok()?;
    let total = estimate.heatmap_total();
    let rgba = heatmap_rgba(&total, look);
    blit_rgba(
        &context,
        &rgba,
        (total.columns as u32, total.bins as u32),
        plot,
    )?;
    let overlay = HeatmapOverlay {
        grid: &estimate.grid,
        closes: &data.closes,
        current_price: estimate.current_price,
        strongest: total.values.iter().copied().fold(0.0, f64::max),
        look,
        theme,
        bubbles,
    };
    draw_heatmap_overlay(&root, &overlay, ratio).ok()
}
