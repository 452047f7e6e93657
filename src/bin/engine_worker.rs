//! The estimation engine, built apart from the page (Trunk builds it with
//! `data-type="worker"`, see index.html): it keeps the sources the page
//! sent last and one workspace, and answers each job with its estimate
//! and each tooltip's cell with its breakdown (`liqmap::compute`). It uses
//! the engine only: the page's components are not linked in, and the page
//! links no engine of its own.
//!
//! It runs in a dedicated Web Worker, so the page stays responsive while it
//! computes. Where no worker can run, the page loads these same files on
//! its own thread and calls [`serve`] with one port of a `MessageChannel`:
//! the same messages, answered by the same code.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
fn main() {
    use web_sys::DedicatedWorkerGlobalScope;

    // On the page's thread the page calls `serve` itself.
    if let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() {
        serve(scope.unchecked_into());
    }
}

/// Answers the requests that arrive at `endpoint`, for as long as the page
/// lives.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
pub fn serve(endpoint: liqmap::worker_message::Endpoint) {
    use liqmap::compute::{run, Reply, Request, SplitReply, WORKER_READY};
    use liqmap::engine::{Source, Workspace};
    use liqmap::worker_message::from_js;
    use web_sys::MessageEvent;

    let reply_to = endpoint.clone();
    let mut sources = Vec::<Source>::new();
    let mut workspace = Workspace::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        match from_js(&event.data()).and_then(|b| Request::decode(&b)) {
            Some(Request::Sources(new)) => sources = new,
            // The next job recomputes in full (engine/append.rs says why).
            Some(Request::Push(push)) => {
                if let Some(source) = sources.get_mut(push.source) {
                    push.apply(source);
                }
            }
            Some(Request::Estimate(job)) => {
                let estimate = run(&mut workspace, &sources, &job);
                reply_to.post(
                    &Reply {
                        id: job.id,
                        estimate,
                    }
                    .encode(),
                );
            }
            Some(Request::Split(job)) => {
                let breakdown = job.run(&sources);
                reply_to.post(
                    &SplitReply {
                        id: job.id,
                        breakdown,
                    }
                    .encode(),
                );
            }
            // Only the page posts here, and only requests.
            None => {}
        }
    });
    endpoint.set_onmessage(on_message.as_ref().unchecked_ref());
    // Lives as long as the page.
    on_message.forget();
    // Messages posted before this point would have found no handler: the
    // page waits for this one before sending any.
    endpoint.post_text(WORKER_READY);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("engine_worker runs in the browser, started by the page.");
}
