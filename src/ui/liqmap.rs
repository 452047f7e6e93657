//! The liquidation map panel: USD per price bin at the last candle, stacked
//! by leverage tier, longs below and shorts above the current price, with
//! the two cumulative curves.

use super::canvas::{prepare, repaint, Prepared};
use super::dom::classed_child;
use super::effect::effect;
use super::radios::Radios;
use super::ViewMemo;
use crate::engine::Estimate;
use crate::render::chart::{
    draw_liquidation_map, stack_colour, StackBy, CUMULATIVE_LONG, CUMULATIVE_SHORT,
};
use crate::render::Theme;
use leptos::html::{Canvas, Ul};
use leptos::prelude::*;
use web_sys::Element;

#[component]
pub fn LiquidationMap(
    view: ViewMemo,
    theme: RwSignal<Theme>,
    stack_by: RwSignal<StackBy>,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    repaint(canvas, move |element| {
        let (stack_by, theme) = (stack_by.get(), theme.get());
        // Read in place: the view is megabytes.
        view.with(|data| draw(element, &data.as_ref()?.estimate, stack_by, theme))
    });
    let legend = NodeRef::<Ul>::new();
    effect(move || {
        let Some(legend) = legend.get() else {
            return;
        };
        let names = match stack_by.get() {
            StackBy::Leverage => view.with(|v| {
                v.as_ref()
                    .map(|v| {
                        v.params
                            .tiers
                            .iter()
                            .map(|t| format!("{}x", t.leverage))
                            .collect()
                    })
                    .unwrap_or_default()
            }),
            StackBy::Exchange => view.with(|v| {
                v.as_ref()
                    .map(|v| v.estimate.sources.clone())
                    .unwrap_or_default()
            }),
        };
        write_legend(&legend, &names);
    });
    view! {
        <canvas
            node_ref=canvas
            class="liqmap"
            data-testid="liqmap"
            role="img"
            aria-label="Liquidation map: estimated USD that would be liquidated at each price, by leverage"
        ></canvas>
        <Radios
            value=stack_by
            choices=vec![(StackBy::Leverage, "By leverage"), (StackBy::Exchange, "By exchange")]
            name="stack"
            label="Stack bars by"
            class="map-options"
        />
        <ul class="legend" aria-label="Legend" node_ref=legend></ul>
    }
}

/// One item per stack (its colour, its name), then the cumulative curves.
fn write_legend(legend: &Element, names: &[String]) -> Option<()> {
    legend.set_text_content(None);
    let stacks = names
        .iter()
        .enumerate()
        .map(|(i, name)| ("swatch", stack_colour(i), name.as_str()));
    let curves = [
        ("swatch line", CUMULATIVE_LONG, "Cumulative longs"),
        ("swatch line", CUMULATIVE_SHORT, "Cumulative shorts"),
    ];
    for (class, colour, name) in stacks.chain(curves) {
        let item = classed_child(legend, "li", "", "")?;
        // The style object, not a style attribute: the CSP allows it.
        classed_child(&item, "span", class, "")?
            .style()
            .set_property("background", &css(colour))
            .ok()?;
        item.append_with_str_1(name).ok()?;
    }
    Some(())
}

fn draw(
    canvas: &web_sys::HtmlCanvasElement,
    estimate: &Estimate,
    stack_by: StackBy,
    theme: Theme,
) -> Option<()> {
    let Prepared { root, ratio, .. } = prepare(canvas)?;
    draw_liquidation_map(&root, estimate, stack_by, theme, ratio).ok()
}

/// A chart colour as CSS, for the legend.
pub(super) fn css([r, g, b]: [u8; 3]) -> String {
    format!("rgb({r},{g},{b})")
}
