//! The "Alerts" panel and what fires: rules kept in the browser (local
//! storage, never in links), checked against every stream frame as it
//! arrives (so a hidden tab still fires; only the drawing waits) and
//! against each new view. A firing shows as a toast, an optional beep and
//! a system notification where the user allowed them. When a rule fires is
//! `crate::alerts` (pure).

use super::ViewMemo;
use crate::alerts::text::{describe, from_form, read, to_form, write, FIELDS, KINDS};
use crate::alerts::{Alert, Firing, Level, Market, Watch};
use crate::live::LiveMessage;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use web_sys::{Notification, NotificationOptions, NotificationPermission};

const ALERTS_KEY: &str = "liqmap.alerts";
const SOUND_KEY: &str = "liqmap.alerts.sound";
/// A toast stays this long; at most [`TOASTS_SHOWN`] at once.
const TOAST_MS: u32 = 10_000;
const TOASTS_SHOWN: usize = 4;

thread_local! {
    static WATCH: RefCell<Watch> = RefCell::new(Watch::default());
    /// The clusters of the latest view and the measured positions now:
    /// price alerts test stream prices against them between views.
    static CLUSTERS: RefCell<Vec<Level>> = const { RefCell::new(Vec::new()) };
    static MEASURED: RefCell<Vec<Level>> = const { RefCell::new(Vec::new()) };
    static TOASTS: Cell<Option<RwSignal<Vec<Toast>>>> = const { Cell::new(None) };
    static SOUND: Cell<bool> = const { Cell::new(false) };
    static NEXT_TOAST: Cell<u64> = const { Cell::new(0) };
}

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    message: String,
}

/// Checks a stream frame's liquidations and prices against the alerts.
pub fn observe(messages: &[LiveMessage]) {
    let mut fired = Vec::new();
    for message in messages {
        match message {
            LiveMessage::Liquidation(event) => {
                fired.extend(WATCH.with(|w| w.borrow_mut().on_liquidation(event)));
            }
            LiveMessage::Candle(update) => fired.extend(at_price(Some(update.candle.close))),
            _ => {}
        }
    }
    deliver(fired);
}

fn at_price(price: Option<f64>) -> Vec<Firing> {
    CLUSTERS.with(|clusters| {
        MEASURED.with(|measured| {
            let market = Market {
                price,
                clusters: &clusters.borrow(),
                measured: &measured.borrow(),
            };
            WATCH.with(|w| w.borrow_mut().on_market(&market))
        })
    })
}

fn deliver(fired: Vec<Firing>) {
    if fired.is_empty() {
        return;
    }
    if SOUND.get() {
        beep();
    }
    for firing in fired {
        notify(&firing.message);
        let Some(toasts) = TOASTS.get() else {
            continue;
        };
        let id = NEXT_TOAST.get();
        NEXT_TOAST.set(id + 1);
        toasts.update(|all| {
            all.push(Toast {
                id,
                message: firing.message,
            });
            let extra = all.len().saturating_sub(TOASTS_SHOWN);
            all.drain(..extra);
        });
        Timeout::new(TOAST_MS, move || {
            toasts.try_update(|all| all.retain(|t| t.id != id));
        })
        .forget();
    }
}

/// A system notification, where the user allowed them.
fn notify(message: &str) {
    if Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(message);
    options.set_tag("liqmap-alert");
    Notification::new_with_options("liqmap alert", &options).ok();
}

/// A short tone (no audio file to download).
fn beep() {
    let Ok(audio) = web_sys::AudioContext::new() else {
        return;
    };
    let (Ok(tone), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else {
        return;
    };
    gain.gain().set_value(0.1);
    let wired = tone
        .connect_with_audio_node(&gain)
        .and_then(|_| gain.connect_with_audio_node(&audio.destination()));
    if wired.is_ok() {
        let now = audio.current_time();
        tone.start().ok();
        tone.stop_with_when(now + 0.2).ok();
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn saved_alerts() -> Vec<Alert> {
    local_storage()
        .and_then(|s| s.get_item(ALERTS_KEY).ok().flatten())
        .map(|text| read(&text))
        .unwrap_or_default()
}

/// The value of the form field `name` (an input or a select), as text.
fn field(form: &web_sys::HtmlFormElement, name: &str) -> String {
    let element = form
        .query_selector(&format!("[name={name}]"))
        .ok()
        .flatten();
    let value = element.and_then(|e| js_sys::Reflect::get(&e, &"value".into()).ok());
    value.and_then(|v| v.as_string()).unwrap_or_default()
}

fn set_field(form: &web_sys::HtmlFormElement, name: &str, value: &str) {
    if let Ok(Some(element)) = form.query_selector(&format!("[name={name}]")) {
        js_sys::Reflect::set(&element, &"value".into(), &value.into()).ok();
    }
}

/// One alert in the list: on/off, what it watches, edit, delete.
fn alert_row(
    alert: Alert,
    alerts: RwSignal<Vec<Alert>>,
    edit: impl Fn(Alert) + Copy + 'static,
) -> impl IntoView {
    let id = alert.id;
    view! {
        <li data-testid=format!("alert-{id}")>
            <label title="Turn this alert on or off">
                <input
                    type="checkbox"
                    prop:checked=alert.enabled
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        alerts.update(|all| {
                            if let Some(a) = all.iter_mut().find(|a| a.id == id) {
                                a.enabled = on;
                            }
                        });
                    }
                />
                " "
                {describe(&alert.rule)}
            </label>
            <button title="Load this alert into the form" on:click=move |_| edit(alert)>"Edit"</button>
            <button
                title="Delete this alert"
                data-testid=format!("alert-delete-{id}")
                on:click=move |_| alerts.update(|all| all.retain(|a| a.id != id))
            >
                "Delete"
            </button>
        </li>
    }
}

#[component]
pub fn AlertsPanel(view: ViewMemo) -> impl IntoView {
    let alerts = RwSignal::new(saved_alerts());
    let toasts = RwSignal::new(Vec::<Toast>::new());
    TOASTS.set(Some(toasts));
    let sound = RwSignal::new(
        local_storage().and_then(|s| s.get_item(SOUND_KEY).ok().flatten()) == Some("1".into()),
    );
    let permission = RwSignal::new(Notification::permission());
    // The alerts in force follow the list, and the list is kept.
    Effect::new(move |_| {
        alerts.with(|all| {
            WATCH.with(|w| w.borrow_mut().set_alerts(all));
            if let Some(storage) = local_storage() {
                storage.set_item(ALERTS_KEY, &write(all)).ok();
            }
        });
    });
    Effect::new(move |_| {
        SOUND.set(sound.get());
        if let Some(storage) = local_storage() {
            storage
                .set_item(SOUND_KEY, if sound.get() { "1" } else { "0" })
                .ok();
        }
    });
    // Each new view and each new measured answer: the clusters and the
    // measured positions, and the view's price against them.
    let measured = use_context::<super::measured::Measured>();
    Effect::new(move |_| {
        let levels = measured.map(|m| m.levels()).unwrap_or_default();
        MEASURED.with(|all| *all.borrow_mut() = levels);
        let price = view.with(|v| {
            let estimate = &v.as_ref()?.estimate;
            let levels = estimate.clusters.iter().map(|c| Level {
                price: c.price,
                usd: c.notional,
            });
            CLUSTERS.with(|all| *all.borrow_mut() = levels.collect());
            estimate.current_price
        });
        deliver(at_price(price));
    });

    // The form's fields are plain inputs read on submit (no signal per
    // field: a smaller page); only the kind shows or hides fields (CSS).
    let form = NodeRef::<leptos::html::Form>::new();
    let editing = RwSignal::new(None::<u32>);
    let kind = RwSignal::new("near".to_string());
    let problem = RwSignal::new(None::<String>);
    let save = move || {
        let values = form
            .get()
            .map(|f| FIELDS.map(|name| field(&f, name)))
            .unwrap_or_default();
        let rule = from_form(values.each_ref().map(String::as_str));
        match rule {
            Err(why) => problem.set(Some(why.to_string())),
            Ok(rule) => {
                problem.set(None);
                alerts.update(|all| match editing.get() {
                    Some(id) => {
                        if let Some(a) = all.iter_mut().find(|a| a.id == id) {
                            a.rule = rule;
                        }
                    }
                    None => {
                        let id = all.iter().map(|a| a.id).max().map_or(1, |m| m + 1);
                        all.push(Alert {
                            id,
                            rule,
                            enabled: true,
                        });
                    }
                });
                editing.set(None);
            }
        }
    };
    let edit = move |alert: Alert| {
        editing.set(Some(alert.id));
        let values = to_form(&alert.rule);
        if let Some(f) = form.get() {
            for (name, value) in FIELDS.iter().zip(&values) {
                set_field(&f, name, value);
            }
        }
        let [kind_value, ..] = values;
        kind.set(kind_value);
    };
    let ask_permission = move |_| {
        if let Ok(asked) = Notification::request_permission() {
            leptos::task::spawn_local(async move {
                wasm_bindgen_futures::JsFuture::from(asked).await.ok();
                permission.set(Notification::permission());
            });
        }
    };

    view! {
        <section class="panel alerts-panel" aria-label="Alerts" data-testid="alerts-panel">
            <div class="panel-head">
                <h2>"Alerts"</h2>
                <span class="hint">"Kept in this browser, not in links; they fire while the tab is in the background too"</span>
            </div>
            // Plain lists rebuilt on change (a few rows): smaller than keyed ones.
            <ul class="alerts-list" data-testid="alerts-list">
                {move || {
                    let all = alerts.get();
                    if all.is_empty() {
                        return view! { <li class="hint">"No alerts yet: add one below."</li> }.into_any();
                    }
                    all.into_iter().map(|alert| alert_row(alert, alerts, edit)).collect_view().into_any()
                }}
            </ul>
            <form
                class="alert-form"
                data-testid="alert-form"
                data-kind=move || kind.get()
                node_ref=form
                on:submit=move |ev| {
                    ev.prevent_default();
                    save();
                }
            >
                <select name="kind" data-testid="alert-kind" aria-label="Kind of alert" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {KINDS.iter().map(|(id, label)| view! { <option value=*id>{*label}</option> }).collect_view()}
                </select>
                <label class="for-pct" title="How close the price must come, in % of the price">
                    "within "
                    <input name="pct" class="short" data-testid="alert-pct" inputmode="decimal" value="1" />
                    " %"
                </label>
                <span class="for-near">
                    <select name="sides" data-testid="alert-sides" aria-label="Which side">
                        <option value="both">"either side"</option>
                        <option value="above">"above (shorts)"</option>
                        <option value="below">"below (longs)"</option>
                    </select>
                </span>
                <label title="USD: the cluster's size, the liquidation's, the sum within the minutes, or the measured position's">
                    "at least $"
                    <input name="usd" data-testid="alert-usd" inputmode="decimal" value="5000000" />
                </label>
                <span class="for-burst">
                    <label>
                        "in the last "
                        <input name="minutes" class="short" data-testid="alert-minutes" inputmode="numeric" value="5" />
                        " min"
                    </label>
                </span>
                <button type="submit" data-testid="alert-save">
                    {move || if editing.get().is_some() { "Save changes" } else { "Add alert" }}
                </button>
                <button type="button" hidden=move || editing.get().is_none() on:click=move |_| editing.set(None)>"Cancel"</button>
            </form>
            <p class="error" role="alert" data-testid="alert-problem" hidden=move || problem.with(Option::is_none)>
                {move || problem.get().unwrap_or_default()}
            </p>
            <div class="alert-options">
                <label>
                    <input type="checkbox" data-testid="alert-sound" prop:checked=move || sound.get() on:change=move |ev| sound.set(event_target_checked(&ev)) />
                    " Sound"
                </label>
                {move || match permission.get() {
                    NotificationPermission::Granted => view! { <span class="hint">"System notifications on"</span> }.into_any(),
                    NotificationPermission::Denied => view! { <span class="hint">"System notifications blocked in this browser's settings"</span> }.into_any(),
                    _ => view! { <button data-testid="alert-notify" on:click=ask_permission>"Allow system notifications"</button> }.into_any(),
                }}
            </div>
        </section>
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            {move || {
                toasts
                    .get()
                    .into_iter()
                    .map(|toast| {
                        view! {
                            <div class="toast" data-testid="toast">
                                <span>{toast.message}</span>
                                <button
                                    aria-label="Dismiss"
                                    on:click=move |_| toasts.update(|all| all.retain(|t| t.id != toast.id))
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    })
                    .collect_view()
            }}
        </div>
    }
}
