//! "How is this computed?": the model in plain words, its formulas, the
//! parameters in force and how accurate it measured. Text only: static
//! HTML, with the parameters written in by one effect.

use super::dom::{classed_child, part};
use super::effect::effect;
use super::ViewMemo;
use crate::engine::explain::{params_text, ParamsText};
use crate::engine::Params;
use leptos::html::Section;
use leptos::prelude::*;
use web_sys::Element;

/// The panel's text: static (the parameters are written into its
/// `data-part` spans and list by [`write_params`]).
const TEXT: &str = concat!(
    r#"<h2 id="model-title">How is this computed?</h2>"#,
    r#"<p>Exchanges do not publish where other people's positions would be liquidated, so liqmap estimates it from public data, in your browser:</p>"#,
    r#"<ol>"#,
    r#"<li>New positions: whenever open interest rises in a candle, the rise × the candle's typical price <code>(high + low + close) / 3</code> is new notional. Where an exchange has no open-interest history (Hyperliquid), a share of the traded volume is used instead, scaled so that what is still open matches today's open interest (one side: Hyperliquid counts longs and shorts together, so half of its figure). A candle the exchange did not deliver stays missing: nothing opens or is liquidated there.</li>"#,
    r#"<li>Split by leverage (<span data-part="tiers-step"></span>) and by side: the long share is the taker-buy share of the candle's volume where the exchange gives it, else 50 %. A tier above what the instrument allows opens at its maximum leverage; a tier that would be liquidated as it opens is left out (listed below).</li>"#,
    r#"<li>Liquidation price of each group (isolated margin, maintenance rate m): long <code>p·(1 − 1/ℓ)/(1 − m)</code>, short <code>p·(1 + 1/ℓ)/(1 + m)</code> (coin-margined: <code>p·(1 + m)/(1 + 1/ℓ)</code> and <code>p·(1 − m)/(1 − 1/ℓ)</code>).</li>"#,
    r#"<li>A group is gone once the mark price reaches its liquidation price; when open interest falls, every open group shrinks in proportion.</li>"#,
    r#"<li>The heatmap shows, per price band and time, the USD still open whose liquidation price is in that band; the map shows the same now, by leverage and exchange.</li>"#,
    r#"<li>Funding drift (off unless chosen): a group's margin shrinks by the funding it pays and grows by what it receives, so its liquidation price moves at each funding payment: long <code>p·(1 − (1/ℓ − F))/(1 − m)</code>, short <code>p·(1 + (1/ℓ + F))/(1 + m)</code> with <code>F</code> the funding rates summed since entry (paid by longs when positive).</li>"#,
    r#"</ol>"#,
    r#"<h3>Beyond the levels</h3>"#,
    r#"<ul>"#,
    r#"<li>Reach: the chance the price touches a level within the horizon, for a random walk without drift at the realised volatility <code>σ</code> (Parkinson's high–low estimator over the last day): <code>P = 2·(1 − Φ(|ln(level/price)| / (σ·√T)))</code>. Expected USD = reach × the level's USD.</li>"#,
    r#"<li>Cascade: a shock moves the price; liquidations it reaches become market orders that walk the order book (the exchanges' public depth, summed), the price lands where the walk stops and may reach further levels, round after round. Amplification = final move ÷ shock; a cascade runs away when the book runs out or the move reaches 3× the shock.</li>"#,
    r#"</ul>"#,
    r#"<h3>Parameters in force</h3>"#,
    r#"<ul data-part="params">"#,
    r#"<li>Leverage tiers: <span data-part="tiers"></span></li>"#,
    r#"<li data-testid="weights-origin"></li>"#,
    r#"<li data-part="share-and-mode"></li>"#,
    r#"<li data-part="grid"></li>"#,
    r#"</ul>"#,
    r#"<h3>How good is it?</h3>"#,
    r#"<p>On a simulated market where the truth is known, the estimated map matches the true one with a cosine similarity of 0.96–0.98 when the model is given the true leverage mix, and 0.77–0.89 with the defaults above (real traders' leverage is not public). Treat levels as likely zones, not exact prices. The full model is open: docs/model.md in the source.</p>"#,
);

#[component]
pub fn ModelPanel(view: ViewMemo) -> impl IntoView {
    let root = NodeRef::<Section>::new();
    effect(move || {
        let Some(root) = root.get() else {
            return;
        };
        let text = view.with(|v| match v {
            Some(v) => params_text(&v.params, Some(&v.estimate.grid), &v.sources),
            None => params_text(&Params::default(), None, &[]),
        });
        write_params(&root, &text);
    });
    view! {
        <section
            node_ref=root
            id="model"
            class="panel model-page"
            data-testid="model"
            aria-labelledby="model-title"
            inner_html=TEXT
        ></section>
    }
}

/// Writes "Parameters in force" (and the tiers in the steps above).
fn write_params(root: &Element, text: &ParamsText) -> Option<()> {
    for (selector, line) in [
        ("[data-part=tiers-step]", &text.tiers),
        ("[data-part=tiers]", &text.tiers),
        ("[data-testid=weights-origin]", &text.weights_origin),
        ("[data-part=share-and-mode]", &text.share_and_mode),
        ("[data-part=grid]", &text.grid),
    ] {
        let element = part(root, selector)?;
        element.set_text_content(Some(line));
        // A line with nothing to say (no grid before the first view) is
        // not an empty bullet.
        if element.tag_name() == "LI" {
            element
                .toggle_attribute_with_force("hidden", line.is_empty())
                .ok();
        }
    }
    let list = part(root, "[data-part=params]")?;
    while list.child_element_count() > 4 {
        list.last_element_child()?.remove();
    }
    for line in &text.sources {
        classed_child(&list, "li", "", line)?
            .set_attribute("data-testid", "model-source")
            .ok()?;
    }
    Some(())
}
