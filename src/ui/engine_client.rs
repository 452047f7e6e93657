//! The page's side of the estimation engine (`src/bin/engine_worker.rs`):
//! the page asks for views, the engine computes them, and meanwhile the
//! page keeps answering hover, tooltip and pan over the last drawn image.
//!
//! Each [`Lane`] (the whole window; the zoomed part) has at most one job
//! in flight and keeps only its newest unsent one: a newer request
//! supersedes an older one, so no stale recomputations queue up. The
//! sources cross once per load, a live candle as a push (see
//! `compute::Push`), before the first job that needs them; the engine
//! answers in order.
//!
//! The engine runs in its Web Worker. Where none can run (no `Worker`, the
//! worker fails, or does not say it listens within [`READY_WITHIN_MS`]),
//! the page loads the worker's own files on its own thread and talks to
//! them through a `MessageChannel`: the same messages, the same bytes. The
//! page links no engine of its own: when those files cannot be loaded,
//! nothing is estimated and [`EngineClient::failure`] says what failed.
//!
//! The engine also splits the tooltip's cell by exchange and tier
//! ([`EngineClient::ask_split`]): one split in flight at a time, the
//! newest waiting, like a lane's jobs.

use super::view_data::{Inputs, ViewData};
use crate::compute::{
    Job, PushLog, Reply, Request, Revision, SplitJob, SplitReply, WORKER_FAILED, WORKER_READY,
};
use crate::engine::{CellBreakdown, Params, Source};
use crate::render::zoom::Zoom;
use crate::worker_message::{from_js, Endpoint};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageChannel, MessageEvent, MessagePort, Worker};

/// How long the worker may take to start (fetch and compile its wasm)
/// before the page runs the engine on its own thread.
const READY_WITHIN_MS: u32 = 8_000;

/// How often [`EngineClient::first_view`] looks.
const POLL_MS: u32 = 10;

/// The engine's files, which Trunk names after its binary: its script
/// (wasm-bindgen's glue, then what starts it in a worker) and its wasm.
const ENGINE_GLUE: &str = "engine_worker.js";
const ENGINE_WASM: &str = "engine_worker_bg.wasm";

#[wasm_bindgen]
extern "C" {
    /// The engine's glue, once [`ENGINE_GLUE`] ran on the page: Trunk
    /// builds a worker with wasm-bindgen's `no-modules` target, whose
    /// classic script defines the global `wasm_bindgen` (its init, with the
    /// engine's exports as properties).
    #[wasm_bindgen(js_name = wasm_bindgen, catch)]
    fn init_engine(options: &JsValue) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(js_namespace = wasm_bindgen, js_name = serve, catch)]
    fn serve_engine(endpoint: &MessagePort) -> Result<(), JsValue>;
}

/// The views the page keeps, each answered on its own.
#[derive(Clone, Copy, PartialEq)]
pub enum Lane {
    /// The whole window: map, clusters, and the heatmap when not zoomed.
    Whole = 0,
    /// The zoomed part of the heatmap, re-binned.
    Shown = 1,
}

/// A job and what its answer becomes a view with.
struct Asked {
    job: Job,
    inputs: Inputs,
}

#[derive(Default)]
struct LaneState {
    in_flight: Option<Asked>,
    newest_unsent: Option<Asked>,
    /// The last view answered.
    view: Option<Arc<ViewData>>,
}

/// Who gets a cell split once the engine answers.
type SplitAnswer = Box<dyn FnOnce(CellBreakdown)>;

/// A cell split asked for, and who gets it.
struct SplitAsked {
    job: SplitJob,
    /// The sources of the view whose cell it splits: sent only while the
    /// engine holds these.
    sources: Arc<Vec<Source>>,
    answer: SplitAnswer,
}

#[derive(Default)]
struct SplitState {
    /// The id of the split in flight, and who gets it.
    in_flight: Option<(u64, SplitAnswer)>,
    newest_unsent: Option<SplitAsked>,
}

/// The sources the engine holds.
struct Held {
    sources: Arc<Vec<Source>>,
    revision: Option<Revision>,
}

enum Backend {
    /// The engine starting or running, behind `endpoint`.
    Engine {
        endpoint: Endpoint,
        /// Its worker (`None` on the page's thread), stopped should it fail.
        worker: Option<Worker>,
        /// It listens (it says so once its wasm has started).
        ready: bool,
        held: Option<Held>,
    },
    /// Its files could not be loaded (see [`EngineClient::failure`]).
    Failed,
}

struct State {
    backend: Backend,
    next_id: u64,
    lanes: [LaneState; 2],
    splits: SplitState,
}

/// Asks for views and hands their answers to memos.
#[derive(Clone, Copy)]
pub struct EngineClient {
    state: StoredValue<State, LocalStorage>,
    /// The live candles since the load (the session records them).
    pushes: StoredValue<PushLog>,
    arrived: [Trigger; 2],
    /// The whole window's view arrived a task ago: the charts besides the
    /// heatmap redraw in their own task, not in the one that drew it.
    whole_settled: Trigger,
    /// What kept the engine from loading, when nothing can be estimated.
    pub failure: RwSignal<Option<String>>,
}

impl EngineClient {
    /// Takes over the engine's worker the page's boot script started
    /// (src/boot.js), or runs the engine on this thread where it could not
    /// start one (no `Worker`, or one the browser refused).
    pub fn new(pushes: StoredValue<PushLog>) -> Self {
        let client = EngineClient {
            state: StoredValue::new_local(State {
                // Until it starts, just below.
                backend: Backend::Failed,
                next_id: 1,
                lanes: Default::default(),
                splits: Default::default(),
            }),
            pushes,
            arrived: [Trigger::new(), Trigger::new()],
            whole_settled: Trigger::new(),
            failure: RwSignal::new(None),
        };
        if let Some(early) = started_early() {
            client.start_in(early.worker);
            for said in early.said {
                client.receive(&said);
            }
            if early.failed {
                client.start_here();
            }
        } else {
            client.start_here();
        }
        client
    }

    /// Asks for the view of `inputs` that `zoom` shows; supersedes what
    /// the lane asked before and has not sent yet.
    pub fn ask(self, lane: Lane, inputs: &Inputs, zoom: Zoom, bins: usize, params: &Params) {
        // Nothing to estimate (no exchange has answered yet): no view, at
        // once. A round trip to the engine would say as much, and hold the
        // lane while a first drawing waits behind it.
        if inputs.sources.is_empty() {
            let had_view = self.state.try_update_value(|state| {
                let lane = &mut state.lanes[lane as usize];
                lane.newest_unsent = None;
                lane.in_flight = None;
                lane.view.take().is_some()
            });
            if had_view == Some(true) {
                self.announce(lane);
            }
            return self.show_busy();
        }
        self.state.update_value(|state| {
            if matches!(state.backend, Backend::Failed) {
                return;
            }
            let id = state.next_id;
            state.next_id += 1;
            state.lanes[lane as usize].newest_unsent = Some(Asked {
                job: inputs.job(id, zoom, bins, params),
                inputs: inputs.clone(),
            });
            state.send_next(self.pushes);
        });
        self.show_busy();
    }

    /// Has the engine break `cell` of `view`'s heatmap down by source,
    /// tier and side, and calls `answer` with it; supersedes the split
    /// asked before and not sent yet. Never answered when the engine no
    /// longer holds the view's sources.
    pub fn ask_split(
        self,
        view: &ViewData,
        cell: (usize, usize),
        answer: impl FnOnce(CellBreakdown) + 'static,
    ) {
        self.state.update_value(|state| {
            let id = state.next_id;
            state.next_id += 1;
            state.splits.newest_unsent = Some(SplitAsked {
                job: SplitJob {
                    id,
                    grid: view.estimate.grid,
                    cell,
                    params: view.params.clone(),
                },
                sources: view.sources.clone(),
                answer: Box::new(answer),
            });
            state.send_split();
        });
    }

    /// The lane's last answered view (tracked: memos rerun on a new one).
    pub fn view(self, lane: Lane) -> Option<Arc<ViewData>> {
        self.arrived[lane as usize].track();
        self.state
            .try_with_value(|s| s.lanes[lane as usize].view.clone())
            .flatten()
    }

    /// [`Self::view`] of the whole window, a task after it arrived.
    pub fn whole_settled(self) -> Option<Arc<ViewData>> {
        self.whole_settled.track();
        self.state
            .try_with_value(|s| s.lanes[Lane::Whole as usize].view.clone())
            .flatten()
    }

    /// Resolves once the whole window has a view, the engine has failed,
    /// or `limit_ms` have passed.
    pub async fn first_view(self, limit_ms: u32) {
        let waiting = move || {
            self.state.with_value(|s| {
                !matches!(s.backend, Backend::Failed)
                    && s.lanes[Lane::Whole as usize].view.is_none()
            })
        };
        let mut waited = 0;
        while waiting() && waited < limit_ms {
            gloo_timers::future::TimeoutFuture::new(POLL_MS).await;
            waited += POLL_MS;
        }
    }

    /// Drops the lane's view (the zoomed part, once not zoomed).
    pub fn forget(self, lane: Lane) {
        self.state
            .update_value(|s| s.lanes[lane as usize].view = None);
    }

    /// Hands a lane's new view to its readers in later tasks, not in the
    /// one that received it: decoding, drawing the heatmap and redrawing
    /// the whole window's other charts (map, clusters, cascade, live,
    /// model) each take a task of their own, so none blocks the pointer
    /// for long.
    fn announce(self, lane: Lane) {
        Timeout::new(0, move || {
            self.arrived[lane as usize].notify();
            if lane == Lane::Whole {
                Timeout::new(0, move || self.whole_settled.notify()).forget();
            }
        })
        .forget();
    }

    /// `data-engine="busy|idle|failed"` on the root element: a browser test
    /// waits for "idle" before acting on the view in force.
    fn show_busy(self) {
        let shown = self.state.with_value(|s| match s.backend {
            Backend::Failed => "failed",
            _ if s.busy() => "busy",
            _ => "idle",
        });
        if let Some(root) = document().document_element() {
            root.set_attribute("data-engine", shown).ok();
        }
    }

    /// Talks to the engine in `worker`; gives it [`READY_WITHIN_MS`] to
    /// start, and runs the engine here should it fail.
    fn start_in(self, worker: Worker) {
        let on_error = Closure::<dyn Fn()>::new(move || {
            if self.in_worker() {
                self.start_here();
            }
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Lives as long as the page.
        on_error.forget();
        self.listen(worker.clone().unchecked_into(), Some(worker));
        Timeout::new(READY_WITHIN_MS, move || {
            let waiting = self
                .state
                .with_value(|s| matches!(s.backend, Backend::Engine { ready: false, .. }));
            if waiting && self.in_worker() {
                self.start_here();
            }
        })
        .forget();
    }

    /// Whether the engine runs in a worker (not on this thread, nor failed).
    fn in_worker(self) -> bool {
        self.state.with_value(|s| {
            matches!(
                s.backend,
                Backend::Engine {
                    worker: Some(_),
                    ..
                }
            )
        })
    }

    /// Runs the engine on this thread (no worker can): loads the worker's
    /// files here and serves one port of a channel whose other port the
    /// page talks to, as it would to the worker. The jobs the worker had
    /// not answered go again, with the sources.
    fn start_here(self) {
        let Ok(channel) = MessageChannel::new() else {
            return self.fail("no MessageChannel in this browser".into());
        };
        self.listen(channel.port1().unchecked_into(), None);
        spawn_local(async move {
            if let Err(what) = load_here(&channel.port2()).await {
                self.fail(what);
            }
        });
    }

    /// Sends through `endpoint` from now on, once it says it listens, and
    /// handles what it answers.
    fn listen(self, endpoint: Endpoint, worker: Option<Worker>) {
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(&event.data());
        });
        endpoint.set_onmessage(on_message.as_ref().unchecked_ref());
        // Lives as long as the page.
        on_message.forget();
        self.state.update_value(|state| {
            state.stop();
            state.backend = Backend::Engine {
                endpoint,
                worker,
                ready: false,
                held: None,
            };
        });
    }

    fn receive(self, data: &JsValue) {
        let text = data.as_string();
        if let Some(what) = text.as_deref().and_then(|t| t.strip_prefix(WORKER_FAILED)) {
            return self.fail(what.to_owned());
        }
        if text.as_deref() == Some(WORKER_READY) {
            self.state.update_value(|state| {
                if let Backend::Engine { ready, .. } = &mut state.backend {
                    *ready = true;
                }
            });
        }
        // The engine's messages are outside data: anything but a reply to
        // a job or split in flight is dropped.
        let buffers = from_js(data);
        if let Some(split) = buffers.as_ref().and_then(SplitReply::decode) {
            let answer = self
                .state
                .try_update_value(|state| state.split_answered(split.id))
                .flatten();
            if let Some(answer) = answer {
                answer(split.breakdown);
            }
            return;
        }
        let reply = buffers.and_then(|b| Reply::decode(&b));
        let answered = self.state.try_update_value(|state| {
            let answered = reply.and_then(|reply| state.answer(reply));
            state.send_next(self.pushes);
            answered
        });
        if let Some(lane) = answered.flatten() {
            self.announce(lane);
        }
        self.show_busy();
    }

    /// The engine's files could not be loaded: nothing is estimated, and
    /// the page says `what` failed.
    fn fail(self, what: String) {
        self.state.update_value(|state| {
            state.stop();
            state.backend = Backend::Failed;
            for lane in &mut state.lanes {
                lane.in_flight = None;
                lane.newest_unsent = None;
            }
        });
        self.failure.set(Some(what));
        self.show_busy();
    }
}

impl State {
    /// Stops the worker, if one runs; each lane's unanswered job waits to
    /// be sent again (unless a newer one does).
    fn stop(&mut self) {
        if let Backend::Engine {
            worker: Some(worker),
            ..
        } = &self.backend
        {
            worker.terminate();
        }
        for lane in &mut self.lanes {
            if let Some(asked) = lane.in_flight.take() {
                lane.newest_unsent.get_or_insert(asked);
            }
        }
        // A tooltip asks again on the next pointer move.
        self.splits = SplitState::default();
    }

    /// Who gets the split `id`, if it is the one in flight; sends the
    /// newest one waiting.
    fn split_answered(&mut self, id: u64) -> Option<SplitAnswer> {
        let answer = match self.splits.in_flight.take() {
            Some((asked, answer)) if asked == id => Some(answer),
            other => {
                self.splits.in_flight = other;
                None
            }
        };
        self.send_split();
        answer
    }

    /// Sends the newest split asked for, unless one is in flight; drops it
    /// when the engine holds other sources than its view's.
    fn send_split(&mut self) {
        let Backend::Engine {
            endpoint,
            ready: true,
            held: Some(held),
            ..
        } = &self.backend
        else {
            return;
        };
        if self.splits.in_flight.is_some() {
            return;
        }
        let Some(asked) = self.splits.newest_unsent.take() else {
            return;
        };
        if Arc::ptr_eq(&held.sources, &asked.sources) {
            let id = asked.job.id;
            endpoint.post(&Request::Split(asked.job).encode());
            self.splits.in_flight = Some((id, asked.answer));
        }
    }

    /// The reply's view for the lane that asked for it; `None` when no lane
    /// waits for this id.
    fn answer(&mut self, reply: Reply) -> Option<Lane> {
        let (lane, lane_state) = [Lane::Whole, Lane::Shown]
            .into_iter()
            .zip(&mut self.lanes)
            .find(|(_, l)| l.in_flight.as_ref().map(|a| a.job.id) == Some(reply.id))?;
        let Asked { job, inputs } = lane_state.in_flight.take()?;
        // The zoomed part is shown even when a newer job waits: while
        // dragging, the image follows at the engine's pace instead of
        // waiting for the pointer to stop. The whole window (map, clusters,
        // exports) only ever shows its newest request, once it shows
        // anything: the first view of a page is shown at once (a reload's
        // kept drawing, while the exchanges' answers are estimated).
        let shown = lane_state.view.is_some();
        if lane == Lane::Whole && shown && lane_state.newest_unsent.is_some() {
            return None;
        }
        lane_state.view = reply
            .estimate
            .map(|e| Arc::new(inputs.view_of(e, &job.params)));
        Some(lane)
    }

    /// Whether a job is out or waiting (what `data-engine` tells tests).
    fn busy(&self) -> bool {
        self.lanes
            .iter()
            .any(|l| l.in_flight.is_some() || l.newest_unsent.is_some())
    }

    /// Sends each idle lane's newest job (and first the sources, or the
    /// live candles that joined them, when the engine lacks them), once
    /// the engine listens.
    fn send_next(&mut self, pushes: StoredValue<PushLog>) {
        let Backend::Engine {
            endpoint,
            ready: true,
            held,
            ..
        } = &mut self.backend
        else {
            return;
        };
        for lane in &mut self.lanes {
            if lane.in_flight.is_some() {
                continue;
            }
            let Some(asked) = lane.newest_unsent.take() else {
                continue;
            };
            let inputs = &asked.inputs;
            if !held
                .as_ref()
                .is_some_and(|h| Arc::ptr_eq(&h.sources, &inputs.sources))
            {
                let caught_up = held
                    .as_ref()
                    .and_then(|h| h.revision.zip(inputs.revision))
                    .is_some_and(|(from, to)| {
                        pushes
                            .try_update_value(|log| {
                                let sent = log.between(from, to).map(|between| {
                                    for push in between {
                                        endpoint.post(&Request::Push(*push).encode());
                                    }
                                });
                                log.forget_before(to);
                                sent.is_some()
                            })
                            .unwrap_or(false)
                    });
                if !caught_up {
                    endpoint.post(&Request::encode_sources(&inputs.sources));
                }
                *held = Some(Held {
                    sources: inputs.sources.clone(),
                    revision: inputs.revision,
                });
            }
            endpoint.post(&Request::Estimate(asked.job.clone()).encode());
            lane.in_flight = Some(asked);
        }
    }
}

/// The engine's worker as src/boot.js started it, before the page's wasm
/// was there to listen: what it said meanwhile, and whether it failed.
struct StartedEarly {
    worker: Worker,
    said: Vec<JsValue>,
    failed: bool,
}

/// Takes the worker src/boot.js started (`window.liqmapEngine`), if it did.
fn started_early() -> Option<StartedEarly> {
    let window = web_sys::window()?;
    let name = JsValue::from_str("liqmapEngine");
    let engine = js_sys::Reflect::get(&window, &name).ok()?;
    js_sys::Reflect::delete_property(&window, &name).ok();
    let field = |name: &str| js_sys::Reflect::get(&engine, &name.into()).ok();
    let worker = field("worker")?.dyn_into::<Worker>().ok()?;
    let said = field("said").and_then(|s| s.dyn_into::<js_sys::Array>().ok());
    Some(StartedEarly {
        worker,
        said: said.map(|s| s.to_vec()).unwrap_or_default(),
        failed: field("failed").and_then(|f| f.as_bool()).unwrap_or(false),
    })
}

/// The worker's script, as the page's script tag names it (`data-worker`).
fn worker_script_url() -> Option<String> {
    document()
        .query_selector("script[data-worker]")
        .ok()??
        .get_attribute("data-worker")
}

/// The engine's file `name`, beside the worker's script.
fn engine_file(name: &str) -> String {
    let folder = worker_script_url()
        .and_then(|url| {
            url.rsplit_once('/')
                .map(|(folder, _)| folder.to_owned() + "/")
        })
        .unwrap_or_default();
    folder + name
}

/// Loads the engine's files on this thread and has it answer at
/// `engine_side`; what failed, if they could not be loaded.
async fn load_here(engine_side: &MessagePort) -> Result<(), String> {
    run_script(&engine_file(ENGINE_GLUE))
        .await
        .map_err(|_| format!("{ENGINE_GLUE} did not load"))?;
    // Fetched here rather than by the glue, to name a missing file's status.
    let wasm = gloo_net::http::Request::get(&engine_file(ENGINE_WASM))
        .send()
        .await
        .map_err(|_| format!("{ENGINE_WASM}: unreachable"))?;
    if !wasm.ok() {
        return Err(format!("{ENGINE_WASM}: HTTP {}", wasm.status()));
    }
    let options = js_sys::Object::new();
    let wasm = web_sys::Response::from(wasm);
    js_sys::Reflect::set(&options, &"module_or_path".into(), &wasm).ok();
    let started = match init_engine(&options) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(error) => Err(error),
    };
    started
        .and_then(|_| serve_engine(engine_side))
        .map_err(|error| format!("{ENGINE_WASM}: {}", error_text(&error)))
}

/// Runs the classic script at `url` (a `<script>` element: the page's CSP
/// allows its own files); resolves once it ran.
async fn run_script(url: &str) -> Result<JsValue, JsValue> {
    let script: web_sys::HtmlElement = document().create_element("script")?.unchecked_into();
    script.set_attribute("src", url)?;
    let loaded = js_sys::Promise::new(&mut |resolve, reject| {
        script.set_onload(Some(&resolve));
        script.set_onerror(Some(&reject));
    });
    document()
        .head()
        .ok_or_else(|| JsValue::from("no <head>"))?
        .append_child(&script)?;
    JsFuture::from(loaded).await
}

/// An error's message (a thrown `Error`), or the value as text.
fn error_text(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "could not start".into())
}
