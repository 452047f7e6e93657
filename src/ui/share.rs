//! Sharing a view: "Copy link" (live: follows now) or pinned at the end of
//! the data shown, and the notice of what an opened link could not use.

use super::view_settings::{address_for, ViewSettings};
use crate::url_state::{Ignored, ViewState};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

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

#[component]
pub fn ShareLink(settings: ViewSettings, data_end: Signal<Option<i64>>) -> impl IntoView {
    let link = RwSignal::new(None::<(String, bool)>);
    let share = move |pinned: bool| {
        let mut state = settings.state();
        if pinned {
            state.at = state.at.or(data_end.get_untracked());
        } else {
            state.at = None;
        }
        let url = link_for(&state);
        spawn_local(async move {
            let copied = copy(&url).await;
            link.set(Some((url, copied)));
        });
    };
    view! {
        <div class="share" role="group" aria-label="Share this view">
            <button
                data-testid="copy-live-link"
                title="A link to this view that follows the market: opened later, it shows the window ending then"
                on:click=move |_| share(false)
            >
                "Copy link"
            </button>
            <button
                data-testid="copy-pinned-link"
                title="A link to exactly this window: opened later, it shows the same data"
                on:click=move |_| share(true)
            >
                "Copy pinned link"
            </button>
            {move || {
                link.get()
                    .map(|(url, copied)| {
                        view! {
                            <input
                                class="share-url"
                                data-testid="share-url"
                                readonly
                                aria-label="Link to this view"
                                prop:value=url
                                on:focus=move |ev| {
                                    use wasm_bindgen::JsCast;
                                    if let Some(input) = ev
                                        .target()
                                        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                                    {
                                        input.select();
                                    }
                                }
                            />
                            <span class="hint" role="status">
                                {if copied { "Copied" } else { "Select and copy the link" }}
                            </span>
                        }
                    })
            }}
        </div>
    }
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
                    on:click=move |_| ignored.set(Vec::new())
                >
                    "×"
                </button>
            </div>
        </Show>
    }
}
