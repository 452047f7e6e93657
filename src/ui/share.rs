//! Sharing a view: "Copy link" (live: follows now) or pinned at the end of
//! the data shown, and the notice of what an opened link could not use.

use super::dom::{handler, part, set_attrs, set_prop, target_of};
use super::view_settings::{address_for, ViewSettings};
use crate::url_state::{Ignored, ViewState};
use leptos::html::Div;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::Element;

/// The whole address of `state` on this page.
fn link_for(state: &ViewState) -> String {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    format!("{origin}{}", address_for(state))
}

/// Puts `text` on the clipboard; false where the browser refuses.
async fn copy(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

/// The two buttons, and once one was pressed, the link with whether it
/// is on the clipboard (written into the fixed field and note).
#[component]
pub fn ShareLink(settings: ViewSettings, data_end: Signal<Option<i64>>) -> impl IntoView {
    let root = NodeRef::<Div>::new();
    // Both buttons, by the pressed one's test id.
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let pinned = match target_of(&ev).map(|(_, testid)| testid).as_deref() {
            Some("copy-live-link") => false,
            Some("copy-pinned-link") => true,
            _ => return,
        };
        let mut state = settings.state();
        state.at = if pinned {
            state.at.or(data_end.get_untracked())
        } else {
            None
        };
        let url = link_for(&state);
        let Some(root) = root.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let copied = copy(&url).await;
            show_link(&root, &url, copied);
        });
    };
    view! {
        <div class="share" role="group" aria-label="Share this view" node_ref=root on:click=handler(on_click)>
            <button
                data-testid="copy-live-link"
                title="A link to this view that follows the market: opened later, it shows the window ending then"
            >
                "Copy link"
            </button>
            <button
                data-testid="copy-pinned-link"
                title="A link to exactly this window: opened later, it shows the same data"
            >
                "Copy pinned link"
            </button>
            <input
                class="share-url"
                readonly
                hidden
                aria-label="Link to this view"
                on:focus=handler(move |ev: leptos::ev::FocusEvent| {
                    if let Some(input) = ev
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                    {
                        input.select();
                    }
                })
            />
            <span class="hint" role="status" hidden></span>
        </div>
    }
}

/// Shows `url` in the field (which gets its test id then) and whether it
/// was copied.
fn show_link(root: &Element, url: &str, copied: bool) -> Option<()> {
    let field = part(root, "input")?;
    set_prop(&field, "value", url);
    set_attrs(&field, &[("data-testid", "share-url")]);
    let note = part(root, "span")?;
    note.set_text_content(Some(if copied {
        "Copied"
    } else {
        "Select and copy the link"
    }));
    for shown in [field, note] {
        shown.remove_attribute("hidden").ok();
    }
    Some(())
}

/// What an opened link asked for that the page could not use.
#[component]
pub fn IgnoredNotice(ignored: RwSignal<Vec<Ignored>>) -> impl IntoView {
    view! {
        <Show when=move || ignored.with(|i| !i.is_empty())>
            <div class="notice" data-testid="url-notice" role="status">
                <span>
                    "Parts of this link were not used: "
                    {move || {
                        ignored.with(|all| {
                            all.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
                        })
                    }}
                    ". Defaults are shown instead."
                </span>
                <button
                    data-testid="url-notice-dismiss"
                    aria-label="Dismiss"
                    on:click=handler(move |_: leptos::ev::MouseEvent| ignored.set(Vec::new()))
                >
                    "×"
                </button>
            </div>
        </Show>
    }
}
