//! Model settings: every parameter of the model, adjustable. Edits go
//! straight into the `Params` signal; the views recompute.

use super::select::Select;
use crate::engine::{LongShare, Params, Tier};
use leptos::prelude::*;

use crate::url_state::{LEVERAGE_RANGE, MAX_TIERS};

#[component]
pub fn ModelSettings(params: RwSignal<Params>) -> impl IntoView {
    let set_tier = move |i: usize, edit: fn(&mut Tier, f64), raw: String| {
        if let Some(value) = crate::decimal::parse(raw.trim()) {
            params.update(|p| {
                if let Some(tier) = p.tiers.get_mut(i) {
                    edit(tier, value);
                    p.tiers_edited();
                }
            });
        }
    };
    let rows = move || {
        params
            .get()
            .tiers
            .into_iter()
            .enumerate()
            .map(|(i, tier)| {
                view! {
                    <tr>
                        <td>
                            <input
                                type="number"
                                min=LEVERAGE_RANGE.0
                                max=LEVERAGE_RANGE.1
                                step="1"
                                aria-label=format!("Leverage of tier {}", i + 1)
                                data-testid=format!("tier-leverage-{i}")
                                prop:value=tier.leverage.to_string()
                                on:change=move |ev| set_tier(
                                    i,
                                    |t, v| t.leverage = v.clamp(LEVERAGE_RANGE.0, LEVERAGE_RANGE.1),
                                    event_target_value(&ev),
                                )
                            />
                            "x"
                        </td>
                        <td>
                            <input
                                type="number"
                                min="0"
                                max="100"
                                step="1"
                                aria-label=format!("Weight of tier {} in percent", i + 1)
                                data-testid=format!("tier-weight-{i}")
                                prop:value=format!("{:.0}", tier.weight * 100.0)
                                on:change=move |ev| set_tier(
                                    i,
                                    |t, v| t.weight = (v / 100.0).clamp(0.0, 1.0),
                                    event_target_value(&ev),
                                )
                            />
                            " %"
                        </td>
                        <td>
                            <button
                                title="Remove this tier"
                                aria-label=format!("Remove tier {}", i + 1)
                                disabled=move || params.with(|p| p.tiers.len() <= 1)
                                on:click=move |_| params.update(|p| {
                                    if p.tiers.len() > 1 && i < p.tiers.len() {
                                        p.tiers.remove(i);
                                        p.tiers_edited();
                                    }
                                })
                            >
                                "×"
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    let fixed_share = move || match params.get().long_share {
        LongShare::Fixed(s) => Some(s),
        LongShare::Auto => None,
    };

    view! {
        <details class="settings" data-testid="model-settings">
            <summary>"Model settings"</summary>
            <div class="settings-body">
                <fieldset>
                    <legend>"Leverage tiers (weights are normalised to 100 %)"</legend>
                    <table class="tiers">
                        <tbody>{rows}</tbody>
                    </table>
                    <button
                        data-testid="add-tier"
                        disabled=move || params.with(|p| p.tiers.len() >= MAX_TIERS)
                        on:click=move |_| params.update(|p| {
                            if p.tiers.len() < MAX_TIERS {
                                p.tiers.push(Tier { leverage: 20.0, weight: 0.1 });
                                p.tiers_edited();
                            }
                        })
                    >
                        "Add tier"
                    </button>
                </fieldset>
                <fieldset>
                    <legend>"Long share of new positions"</legend>
                    <label>
                        <input
                            type="radio"
                            name="long-share"
                            data-testid="long-share-auto"
                            prop:checked=move || fixed_share().is_none()
                            on:change=move |_| params.update(|p| p.long_share = LongShare::Auto)
                        />
                        " From taker-buy volume"
                    </label>
                    <label>
                        <input
                            type="radio"
                            name="long-share"
                            data-testid="long-share-fixed"
                            prop:checked=move || fixed_share().is_some()
                            on:change=move |_| params.update(|p| p.long_share = LongShare::Fixed(0.5))
                        />
                        " Fixed: "
                        <input
                            type="number"
                            min="0"
                            max="100"
                            step="1"
                            aria-label="Fixed long share in percent"
                            data-testid="long-share-value"
                            disabled=move || fixed_share().is_none()
                            prop:value=move || format!("{:.0}", fixed_share().unwrap_or(0.5) * 100.0)
                            on:change=move |ev| {
                                if let Some(v) = crate::decimal::parse(&event_target_value(&ev)) {
                                    params.update(|p| p.long_share = LongShare::Fixed((v / 100.0).clamp(0.0, 1.0)));
                                }
                            }
                        />
                        " %"
                    </label>
                </fieldset>
                <fieldset>
                    <legend>"New positions from"</legend>
                    <Select
                        selected=move || params.with(|p| p.mode)
                        on_pick=move |mode| params.update(|p| p.mode = mode)
                        testid="mode"
                        aria_label="Where new positions are inferred from"
                    />
                </fieldset>
                <fieldset>
                    <legend>"Funding"</legend>
                    <label title="Margins shrink by the funding paid and grow by the funding received, so liquidation prices drift over a position's life (see How is this computed?)">
                        <input
                            type="checkbox"
                            data-testid="funding-drift"
                            prop:checked=move || params.with(|p| p.funding_drift)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                params.update(|p| p.funding_drift = on);
                            }
                        />
                        " Funding drift"
                    </label>
                </fieldset>
                <button data-testid="reset-model" on:click=move |_| params.set(Params::default())>
                    "Back to defaults"
                </button>
            </div>
        </details>
    }
}
