//! The engine's dedicated Web Worker (Trunk builds it with
//! `data-type="worker"`, see index.html): it keeps the sources the page
//! sent last and one workspace, and answers each job with its estimate
//! (`liqmap::compute`), so the page stays responsive while it computes.
//! It uses the engine only: the page's components are not linked in.

#[cfg(target_arch = "wasm32")]
fn main() {
    use liqmap::compute::{run, Reply, Request, WORKER_READY};
    use liqmap::engine::{Source, Workspace};
    use liqmap::worker_message::{from_js, to_js};
    use wasm_bindgen::prelude::*;
    use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
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
                let (message, transfer) = to_js(
                    &Reply {
                        id: job.id,
                        estimate,
                    }
                    .encode(),
                );
                reply_to
                    .post_message_with_transfer(&message, &transfer)
                    .ok();
            }
            // Only the page posts here, and only requests.
            None => {}
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the worker.
    on_message.forget();
    // Messages posted before this point would have found no handler: the
    // page waits for this one before sending any.
    scope.post_message(&JsValue::from_str(WORKER_READY)).ok();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("engine_worker runs in the browser, started by the page.");
}
