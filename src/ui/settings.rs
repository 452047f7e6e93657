//! Model settings: every parameter of the model, adjustable. Edits go
//! straight into the `Params` signal; the views recompute. The form is
//! fixed: one effect writes the parameters into it (the tier rows too),
//! one handler reads every edit and one every button, by test id.

use super::dom::{
    by_testid, checked, child, fit_rows, handler, part, set_attrs, set_prop, target_of, value_of,
    write_value,
};
use super::effect::effect;
use super::select::choice_options;
use crate::choice::Choice;
use crate::engine::{LongShare, Mode, Params, Tier};
use crate::url_state::{LEVERAGE_RANGE, MAX_TIERS};
use leptos::html::Details;
use leptos::prelude::*;
use web_sys::Element;

#[component]
pub fn ModelSettings(params: RwSignal<Params>) -> impl IntoView {
    let root = NodeRef::<Details>::new();
    effect(move || {
        if let Some(root) = root.get() {
            params.with(|p| write_form(&root, p));
        }
    });
    let on_change = move |ev: leptos::ev::Event| {
        if let Some((input, testid)) = target_of(&ev) {
            edit(params, &testid, &input);
        }
    };
    // Only the buttons: a click elsewhere (a label, the summary) changes
    // nothing, so it must not touch the parameters.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some((_, testid)) = target_of(&ev) {
            press(params, &testid);
        }
    };

    view! {
        <details class="settings" data-testid="model-settings" node_ref=root on:change=handler(on_change) on:click=handler(on_click)>
            <summary>"Model settings"</summary>
            <div class="settings-body">
                <fieldset>
                    <legend>"Leverage tiers (weights are normalised to 100 %)"</legend>
                    <table class="tiers">
                        <tbody></tbody>
                    </table>
                    <button data-testid="add-tier">"Add tier"</button>
                </fieldset>
                <fieldset>
                    <legend>"Long share of new positions"</legend>
                    <label>
                        <input type="radio" name="long-share" data-testid="long-share-auto" />
                        " From taker-buy volume"
                    </label>
                    <label>
                        <input type="radio" name="long-share" data-testid="long-share-fixed" />
                        " Fixed: "
                        <input
                            type="number"
                            min="0"
                            max="100"
                            step="1"
                            aria-label="Fixed long share in percent"
                            data-testid="long-share-value"
                        />
                        " %"
                    </label>
                </fieldset>
                <fieldset>
                    <legend>"New positions from"</legend>
                    <select data-testid="mode" aria-label="Where new positions are inferred from">
                        {choice_options::<Mode>()}
                    </select>
                </fieldset>
                <fieldset>
                    <legend>"Funding"</legend>
                    <label title="Margins shrink by the funding paid and grow by the funding received, so liquidation prices drift over a position's life (see How is this computed?)">
                        <input type="checkbox" data-testid="funding-drift" />
                        " Funding drift"
                    </label>
                </fieldset>
                <button data-testid="reset-model">"Back to defaults"</button>
            </div>
        </details>
    }
}

/// Applies the edit of the field with test id `testid` (ignored where the
/// number does not parse).
fn edit(params: RwSignal<Params>, testid: &str, input: &Element) {
    let number = || crate::decimal::parse(value_of(input).trim());
    let tier = |prefix: &str| testid.strip_prefix(prefix)?.parse::<usize>().ok();
    if let (Some(i), Some(v)) = (tier("tier-leverage-"), number()) {
        set_tier(params, i, |t| {
            t.leverage = v.clamp(LEVERAGE_RANGE.0, LEVERAGE_RANGE.1)
        });
    } else if let (Some(i), Some(v)) = (tier("tier-weight-"), number()) {
        set_tier(params, i, |t| t.weight = (v / 100.0).clamp(0.0, 1.0));
    } else {
        match testid {
            "long-share-auto" => params.update(|p| p.long_share = LongShare::Auto),
            "long-share-fixed" => params.update(|p| p.long_share = LongShare::Fixed(0.5)),
            "long-share-value" => {
                if let Some(v) = number() {
                    params.update(|p| p.long_share = LongShare::Fixed((v / 100.0).clamp(0.0, 1.0)));
                }
            }
            "mode" => {
                if let Some(mode) = Mode::from_id(&value_of(input)) {
                    params.update(|p| p.mode = mode);
                }
            }
            "funding-drift" => params.update(|p| p.funding_drift = checked(input)),
            _ => {}
        }
    }
}

/// Applies the button with test id `testid`: add a tier, remove one, or
/// go back to the defaults.
fn press(params: RwSignal<Params>, testid: &str) {
    let removed = testid
        .strip_prefix("remove-tier-")
        .and_then(|i| i.parse::<usize>().ok());
    match (testid, removed) {
        ("add-tier", _) => params.update(|p| {
            if p.tiers.len() < MAX_TIERS {
                p.tiers.push(Tier {
                    leverage: 20.0,
                    weight: 0.1,
                });
                p.tiers_edited();
            }
        }),
        ("reset-model", _) => params.set(Params::default()),
        (_, Some(i)) => params.update(|p| {
            if p.tiers.len() > 1 && i < p.tiers.len() {
                p.tiers.remove(i);
                p.tiers_edited();
            }
        }),
        _ => {}
    }
}

fn set_tier(params: RwSignal<Params>, i: usize, change: impl FnOnce(&mut Tier)) {
    params.update(|p| {
        if let Some(tier) = p.tiers.get_mut(i) {
            change(tier);
            p.tiers_edited();
        }
    });
}

/// Writes the parameters into the form: a row per tier, then the rest.
fn write_form(root: &Element, p: &Params) -> Option<()> {
    let rows = part(root, "tbody")?;
    fit_rows(&rows, p.tiers.len(), tier_row)?;
    for (i, tier) in p.tiers.iter().enumerate() {
        let leverage = by_testid(&rows, &format!("tier-leverage-{i}"))?;
        write_value(&leverage, &tier.leverage.to_string());
        let weight = by_testid(&rows, &format!("tier-weight-{i}"))?;
        write_value(&weight, &format!("{:.0}", tier.weight * 100.0));
        let remove = by_testid(&rows, &format!("remove-tier-{i}"))?;
        set_prop(&remove, "disabled", p.tiers.len() <= 1);
    }
    let fixed = match p.long_share {
        LongShare::Fixed(s) => Some(s),
        LongShare::Auto => None,
    };
    let field = |testid: &str, prop: &str, value: wasm_bindgen::JsValue| {
        if let Some(e) = by_testid(root, testid) {
            set_prop(&e, prop, value);
        }
    };
    field("add-tier", "disabled", (p.tiers.len() >= MAX_TIERS).into());
    field("long-share-auto", "checked", fixed.is_none().into());
    field("long-share-fixed", "checked", fixed.is_some().into());
    field("long-share-value", "disabled", fixed.is_none().into());
    field("mode", "value", p.mode.id().into());
    field("funding-drift", "checked", p.funding_drift.into());
    let share = by_testid(root, "long-share-value")?;
    write_value(&share, &format!("{:.0}", fixed.unwrap_or(0.5) * 100.0));
    Some(())
}

/// The row of tier `i`: its leverage, its weight and its remove button.
fn tier_row(rows: &Element, i: usize) -> Option<()> {
    let tr = child(rows, "tr", "")?;
    let n = i + 1;
    tier_input(
        &tr,
        "x",
        &format!("Leverage of tier {n}"),
        &format!("tier-leverage-{i}"),
        (LEVERAGE_RANGE.0, LEVERAGE_RANGE.1),
    )?;
    tier_input(
        &tr,
        " %",
        &format!("Weight of tier {n} in percent"),
        &format!("tier-weight-{i}"),
        (0.0, 100.0),
    )?;
    let remove = child(&child(&tr, "td", "")?, "button", "×")?;
    set_attrs(
        &remove,
        &[
            ("title", "Remove this tier"),
            ("aria-label", &format!("Remove tier {n}")),
            ("data-testid", &format!("remove-tier-{i}")),
        ],
    );
    Some(())
}

/// A tier's number field in a new cell of `row`, with its unit after it.
fn tier_input(
    row: &Element,
    unit: &str,
    label: &str,
    testid: &str,
    (min, max): (f64, f64),
) -> Option<Element> {
    let cell = child(row, "td", "")?;
    let input = child(&cell, "input", "")?;
    set_attrs(
        &input,
        &[
            ("type", "number"),
            ("min", &min.to_string()),
            ("max", &max.to_string()),
            ("step", "1"),
            ("aria-label", label),
            ("data-testid", testid),
        ],
    );
    cell.append_with_str_1(unit).ok()?;
    Some(input)
}
