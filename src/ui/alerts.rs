//! The "Alerts" panel and what fires: rules kept in the browser (local
//! storage, never in links), checked against every stream frame as it
//! arrives (so a hidden tab still fires; only the drawing waits) and
//! against each new view. A firing shows as a toast, an optional beep and
//! a system notification where the user allowed them. When a rule fires is
//! `crate::alerts` (pure), and so is every text of the list and the form.
//!
//! Small in wasm on purpose (as `ui::measured`): a static skeleton, one
//! effect writing the list into it, toasts as plain DOM, and one click and
//! one change handler for every control (by its `data-action`).

use super::dom::{child, handler, part, set_text};
use super::effect::effect;
use super::ViewMemo;
use crate::alerts::text::{describe, from_form, read, to_form, write, FIELDS, KINDS};
use crate::alerts::{Alert, Firing, Level, Market, Watch};
use crate::live::LiveMessage;
use gloo_timers::callback::Timeout;
use leptos::html::Section;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlInputElement, Notification, NotificationOptions, NotificationPermission,
};

const ALERTS_KEY: &str = "liqmap.alerts";
const SOUND_KEY: &str = "liqmap.alerts.sound";
/// A toast stays this long; at most [`TOASTS_SHOWN`] at once.
const TOAST_MS: u32 = 10_000;
const TOASTS_SHOWN: u32 = 4;

thread_local! {
    static WATCH: RefCell<Watch> = RefCell::new(Watch::default());
    /// The clusters of the latest view and the measured positions now:
    /// price alerts test stream prices against them between views.
    static CLUSTERS: RefCell<Vec<Level>> = const { RefCell::new(Vec::new()) };
    static MEASURED: RefCell<Vec<Level>> = const { RefCell::new(Vec::new()) };
    /// Where toasts go, once the panel is shown.
    static TOASTS: RefCell<Option<Element>> = const { RefCell::new(None) };
    static SOUND: Cell<bool> = const { Cell::new(false) };
    /// The alert the form edits (`None`: it adds one).
    static EDITING: Cell<Option<u32>> = const { Cell::new(None) };
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
        TOASTS.with(|toasts| toasts.borrow().as_ref().map(|t| toast(t, &firing.message)));
    }
}

/// A toast in `toasts`, gone after [`TOAST_MS`] or when dismissed; the
/// oldest make room beyond [`TOASTS_SHOWN`].
fn toast(toasts: &Element, message: &str) -> Option<()> {
    let toast = child(toasts, "div", "")?;
    toast.set_class_name("toast");
    toast.set_attribute("data-testid", "toast").ok()?;
    child(&toast, "span", message)?;
    let dismiss = child(&toast, "button", "×")?;
    attributes(
        &dismiss,
        &[("aria-label", "Dismiss"), ("data-action", "dismiss")],
    );
    while toasts.child_element_count() > TOASTS_SHOWN {
        toasts.first_element_child()?.remove();
    }
    Timeout::new(TOAST_MS, move || toast.remove()).forget();
    Some(())
}

fn attributes(element: &Element, pairs: &[(&str, &str)]) {
    for (name, value) in pairs {
        element.set_attribute(name, value).ok();
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

/// Writes the list: per alert on/off, what it watches, edit, delete.
fn write_list(root: &Element, alerts: &[Alert]) -> Option<()> {
    let list = part(root, "[data-testid=alerts-list]")?;
    list.set_text_content(None);
    if alerts.is_empty() {
        child(&list, "li", "No alerts yet: add one below.")?.set_class_name("hint");
    }
    for alert in alerts {
        let id = alert.id.to_string();
        let li = child(&list, "li", "")?;
        li.set_attribute("data-testid", &format!("alert-{id}"))
            .ok()?;
        let label = child(&li, "label", "")?;
        label
            .set_attribute("title", "Turn this alert on or off")
            .ok()?;
        let check = child(&label, "input", "")?;
        attributes(
            &check,
            &[
                ("type", "checkbox"),
                ("data-action", "toggle"),
                ("data-id", &id),
            ],
        );
        check
            .dyn_into::<HtmlInputElement>()
            .ok()?
            .set_checked(alert.enabled);
        child(&label, "span", &format!(" {}", describe(&alert.rule)))?;
        let edit = child(&li, "button", "Edit")?;
        attributes(
            &edit,
            &[
                ("title", "Load this alert into the form"),
                ("data-action", "edit"),
                ("data-id", &id),
            ],
        );
        let delete = child(&li, "button", "Delete")?;
        let testid = format!("alert-delete-{id}");
        attributes(
            &delete,
            &[
                ("title", "Delete this alert"),
                ("data-action", "delete"),
                ("data-id", &id),
                ("data-testid", &testid),
            ],
        );
    }
    Some(())
}

/// The form adds an alert (`None`) or edits one.
fn set_editing(root: &Element, id: Option<u32>) {
    EDITING.set(id);
    let save = if id.is_some() {
        "Save changes"
    } else {
        "Add alert"
    };
    set_text(root, "[data-testid=alert-save]", save);
    if let Some(cancel) = part(root, "[data-action=cancel]") {
        cancel
            .toggle_attribute_with_force("hidden", id.is_none())
            .ok();
    }
}

/// The form's field `name` (an input or a select).
fn field(root: &Element, name: &str) -> Option<Element> {
    part(root, &format!("[name={name}]"))
}

fn value_of(element: &Element) -> String {
    let value = js_sys::Reflect::get(element, &"value".into()).ok();
    value.and_then(|v| v.as_string()).unwrap_or_default()
}

fn set_value(element: &Element, value: &str) {
    js_sys::Reflect::set(element, &"value".into(), &value.into()).ok();
}

/// The form's kind shows or hides its fields (CSS on `data-kind`).
fn set_kind(root: &Element, kind: &str) {
    if let Some(form) = part(root, "form") {
        form.set_attribute("data-kind", kind).ok();
    }
}

/// The form read into a rule: added, or saved into the alert edited.
fn save(root: &Element, alerts: RwSignal<Vec<Alert>>) {
    let values = FIELDS.map(|name| field(root, name).map(|e| value_of(&e)).unwrap_or_default());
    let rule = from_form(values.each_ref().map(String::as_str));
    set_text(
        root,
        "[data-testid=alert-problem]",
        rule.err().unwrap_or_default(),
    );
    let Ok(rule) = rule else {
        return;
    };
    alerts.update(|all| match EDITING.get() {
        Some(id) => all
            .iter_mut()
            .filter(|a| a.id == id)
            .for_each(|a| a.rule = rule),
        None => {
            let id = all.iter().map(|a| a.id).max().map_or(1, |m| m + 1);
            all.push(Alert {
                id,
                rule,
                enabled: true,
            });
        }
    });
    set_editing(root, None);
}

/// Loads `alert` into the form.
fn edit(root: &Element, alert: &Alert) {
    let values = to_form(&alert.rule);
    for (name, value) in FIELDS.iter().zip(&values) {
        if let Some(e) = field(root, name) {
            set_value(&e, value);
        }
    }
    let [kind, ..] = values;
    set_kind(root, &kind);
    set_editing(root, Some(alert.id));
}

/// Says whether system notifications are on, or offers to allow them.
fn show_permission(root: &Element) {
    let permission = Notification::permission();
    let said = match permission {
        NotificationPermission::Granted => "System notifications on",
        NotificationPermission::Denied => "System notifications blocked in this browser's settings",
        _ => "",
    };
    set_text(root, "[data-testid=alert-permission]", said);
    if let Some(ask) = part(root, "[data-action=notify]") {
        let asked = permission != NotificationPermission::Default;
        ask.toggle_attribute_with_force("hidden", asked).ok();
    }
}

fn ask_permission(root: Element) {
    if let Ok(asked) = Notification::request_permission() {
        leptos::task::spawn_local(async move {
            wasm_bindgen_futures::JsFuture::from(asked).await.ok();
            show_permission(&root);
        });
    }
}

#[component]
pub fn AlertsPanel(view: ViewMemo) -> impl IntoView {
    let alerts = RwSignal::new(saved_alerts());
    SOUND.set(
        local_storage().and_then(|s| s.get_item(SOUND_KEY).ok().flatten()) == Some("1".into()),
    );
    let root = NodeRef::<Section>::new();
    // The alerts in force follow the list; the list is kept and shown.
    effect(move || {
        alerts.with(|all| {
            WATCH.with(|w| w.borrow_mut().set_alerts(all));
            if let Some(storage) = local_storage() {
                storage.set_item(ALERTS_KEY, &write(all)).ok();
            }
            let Some(root) = root.get() else {
                return;
            };
            write_list(&root, all);
            TOASTS.with(|t| *t.borrow_mut() = part(&root, "[data-testid=toasts]"));
            show_permission(&root);
        });
    });
    // Each new view and each new measured answer: the clusters and the
    // measured positions, and the view's price against them.
    let measured = use_context::<super::measured::Measured>();
    effect(move || {
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
    let target = |ev: &web_sys::Event| ev.target().and_then(|t| t.dyn_into::<Element>().ok());
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let (Some(target), Some(root)) = (target(&ev), root.get_untracked()) else {
            return;
        };
        let id = target
            .get_attribute("data-id")
            .and_then(|i| i.parse::<u32>().ok());
        match target.get_attribute("data-action").as_deref() {
            Some("edit") => {
                let alert =
                    alerts.with_untracked(|all| all.iter().find(|a| Some(a.id) == id).copied());
                if let Some(alert) = alert {
                    edit(&root, &alert);
                }
            }
            Some("delete") => alerts.update(|all| all.retain(|a| Some(a.id) != id)),
            Some("cancel") => set_editing(&root, None),
            Some("notify") => ask_permission(root.into()),
            Some("dismiss") => {
                if let Some(toast) = target.parent_element() {
                    toast.remove();
                }
            }
            _ => {}
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        let (Some(target), Some(root)) = (target(&ev), root.get_untracked()) else {
            return;
        };
        let checked = target
            .clone()
            .dyn_into::<HtmlInputElement>()
            .is_ok_and(|e| e.checked());
        match target.get_attribute("data-action").as_deref() {
            Some("kind") => set_kind(&root, &value_of(&target)),
            Some("toggle") => {
                let id = target
                    .get_attribute("data-id")
                    .and_then(|i| i.parse::<u32>().ok());
                alerts.update(|all| {
                    all.iter_mut()
                        .filter(|a| Some(a.id) == id)
                        .for_each(|a| a.enabled = checked)
                });
            }
            Some("sound") => {
                SOUND.set(checked);
                if let Some(storage) = local_storage() {
                    storage
                        .set_item(SOUND_KEY, if checked { "1" } else { "0" })
                        .ok();
                }
            }
            _ => {}
        }
    };

    view! {
        <section class="panel alerts-panel" aria-label="Alerts" data-testid="alerts-panel" node_ref=root on:click=handler(on_click) on:change=handler(on_change)>
            <div class="panel-head">
                <h2>"Alerts"</h2>
                <span class="hint">"Kept in this browser, not in links; they fire while the tab is in the background too"</span>
            </div>
            <ul class="alerts-list" data-testid="alerts-list"></ul>
            <form
                class="alert-form"
                data-testid="alert-form"
                data-kind="near"
                on:submit=handler(move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    if let Some(root) = root.get_untracked() {
                        save(&root, alerts);
                    }
                })
            >
                <select name="kind" data-testid="alert-kind" data-action="kind" aria-label="Kind of alert">
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
                <button type="submit" data-testid="alert-save">"Add alert"</button>
                <button type="button" data-action="cancel" hidden>"Cancel"</button>
            </form>
            <p class="error" role="alert" data-testid="alert-problem"></p>
            <div class="alert-options">
                <label>
                    <input type="checkbox" data-testid="alert-sound" data-action="sound" prop:checked=SOUND.get() />
                    " Sound"
                </label>
                <span class="hint" data-testid="alert-permission"></span>
                <button data-testid="alert-notify" data-action="notify" hidden>"Allow system notifications"</button>
            </div>
            <div class="toasts" role="status" aria-live="polite" data-testid="toasts"></div>
        </section>
    }
}
