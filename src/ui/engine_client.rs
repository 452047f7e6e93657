//! The page's side of the engine's Web Worker (`src/bin/engine_worker.rs`):
//! the page asks for views, the worker computes them, and meanwhile the
//! page keeps answering hover, tooltip and pan over the last drawn image.
//!
//! Each [`Lane`] (the whole window; the zoomed part) has at most one job
//! in flight and keeps only its newest unsent one: a newer request
//! supersedes an older one, so no stale recomputations queue up. The
//! sources cross once per load, a live candle as a push (see
//! `compute::Push`), before the first job that needs them; the worker
//! answers in order.
//!
//! Where no worker can run (no `Worker`, its files fail to load, it does
//! not say it listens within [`READY_WITHIN_MS`], it fails), the page
//! computes on its own thread.

use super::view_data::{Inputs, ViewData};
use crate::compute::{
    Buffers, Job, PushLog, Reply, Request, Revision, WORKER_FAILED, WORKER_READY,
};
use crate::engine::{Params, Source, Workspace};
use crate::render::zoom::Zoom;
use crate::worker_message::{from_js, to_js};
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

/// How long the worker may take to start (fetch and compile its wasm)
/// before the page computes itself.
const READY_WITHIN_MS: u32 = 8_000;

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

/// The sources the worker holds.
struct Held {
    sources: Arc<Vec<Source>>,
    revision: Option<Revision>,
}

enum Backend {
    Worker {
        worker: Worker,
        /// It listens (it says so once its wasm has started).
        ready: bool,
        held: Option<Held>,
    },
    /// No worker: computed here.
    Page(Workspace),
}

struct State {
    backend: Backend,
    next_id: u64,
    lanes: [LaneState; 2],
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
}

impl EngineClient {
    /// Starts the worker the page's loader names (`data-worker`, see
    /// Trunk.toml), or computes on the page where none can start.
    pub fn new(pushes: StoredValue<PushLog>) -> Self {
        let backend = start_worker().map_or(Backend::Page(Workspace::default()), |worker| {
            Backend::Worker {
                worker,
                ready: false,
                held: None,
            }
        });
        let client = EngineClient {
            state: StoredValue::new_local(State {
                backend,
                next_id: 1,
                lanes: Default::default(),
            }),
            pushes,
            arrived: [Trigger::new(), Trigger::new()],
            whole_settled: Trigger::new(),
        };
        client.listen();
        client
    }

    /// Asks for the view of `inputs` that `zoom` shows; supersedes what
    /// the lane asked before and has not sent yet.
    pub fn ask(self, lane: Lane, inputs: &Inputs, zoom: Zoom, bins: usize, params: &Params) {
        let answered_here = self.state.try_update_value(|state| {
            let id = state.next_id;
            state.next_id += 1;
            let job = inputs.job(id, zoom, bins, params);
            let lane_state = &mut state.lanes[lane as usize];
            if let Backend::Page(workspace) = &mut state.backend {
                lane_state.view = inputs.view_here(workspace, &job).map(Arc::new);
                return true;
            }
            lane_state.newest_unsent = Some(Asked {
                job,
                inputs: inputs.clone(),
            });
            state.send_next(self.pushes);
            false
        });
        if answered_here == Some(true) {
            self.announce(lane);
        }
        self.show_busy();
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

    /// `data-engine="busy|idle"` on the root element: a browser test waits
    /// for "idle" before acting on the view in force.
    fn show_busy(self) {
        let busy = self.state.with_value(State::busy);
        if let Some(root) = document().document_element() {
            root.set_attribute("data-engine", if busy { "busy" } else { "idle" })
                .ok();
        }
    }

    /// Handles the worker's messages and failures, and gives it
    /// [`READY_WITHIN_MS`] to start.
    fn listen(self) {
        let worker = self.state.with_value(|s| match &s.backend {
            Backend::Worker { worker, .. } => Some(worker.clone()),
            Backend::Page(_) => None,
        });
        let Some(worker) = worker else {
            return;
        };
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
            self.receive(&event.data());
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn Fn()>::new(move || self.fall_back());
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // Both live as long as the page.
        on_message.forget();
        on_error.forget();
        Timeout::new(READY_WITHIN_MS, move || {
            let waiting = self
                .state
                .with_value(|s| matches!(s.backend, Backend::Worker { ready: false, .. }));
            if waiting {
                self.fall_back();
            }
        })
        .forget();
    }

    fn receive(self, data: &JsValue) {
        match data.as_string().as_deref() {
            Some(WORKER_FAILED) => return self.fall_back(),
            Some(WORKER_READY) => self.state.update_value(|state| {
                if let Backend::Worker { ready, .. } = &mut state.backend {
                    *ready = true;
                }
            }),
            _ => {}
        }
        // The worker's messages are outside data: anything but a reply to
        // a job in flight is dropped.
        let reply = from_js(data).and_then(|b| Reply::decode(&b));
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

    /// The worker failed (or never started): compute here from now on,
    /// starting with the newest job of each lane.
    fn fall_back(self) {
        let lanes = self.state.try_update_value(|state| {
            if let Backend::Worker { worker, .. } = &state.backend {
                worker.terminate();
            }
            let mut workspace = Workspace::default();
            let mut answered = Vec::new();
            for (lane, lane_state) in [Lane::Whole, Lane::Shown].into_iter().zip(&mut state.lanes) {
                let newest = lane_state
                    .newest_unsent
                    .take()
                    .or(lane_state.in_flight.take());
                if let Some(Asked { job, inputs }) = newest {
                    lane_state.view = inputs.view_here(&mut workspace, &job).map(Arc::new);
                    answered.push(lane);
                }
            }
            state.backend = Backend::Page(workspace);
            answered
        });
        for lane in lanes.unwrap_or_default() {
            self.announce(lane);
        }
        self.show_busy();
    }
}

impl State {
    /// The reply's view for the lane that asked for it; `None` when no lane
    /// waits for this id.
    fn answer(&mut self, reply: Reply) -> Option<Lane> {
        let (lane, lane_state) = [Lane::Whole, Lane::Shown]
            .into_iter()
            .zip(&mut self.lanes)
            .find(|(_, l)| l.in_flight.as_ref().map(|a| a.job.id) == Some(reply.id))?;
        let Asked { job, inputs } = lane_state.in_flight.take()?;
        // The zoomed part is shown even when a newer job waits: while
        // dragging, the image follows at the worker's pace instead of
        // waiting for the pointer to stop. The whole window (map, clusters,
        // exports) only ever shows its newest request.
        if lane == Lane::Whole && lane_state.newest_unsent.is_some() {
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
    /// live candles that joined them, when the worker lacks them), once
    /// the worker listens.
    fn send_next(&mut self, pushes: StoredValue<PushLog>) {
        let Backend::Worker {
            worker,
            ready: true,
            held,
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
                                        post(worker, Request::Push(*push).encode());
                                    }
                                });
                                log.forget_before(to);
                                sent.is_some()
                            })
                            .unwrap_or(false)
                    });
                if !caught_up {
                    post(worker, Request::encode_sources(&inputs.sources));
                }
                *held = Some(Held {
                    sources: inputs.sources.clone(),
                    revision: inputs.revision,
                });
            }
            post(worker, Request::Estimate(asked.job.clone()).encode());
            lane.in_flight = Some(asked);
        }
    }
}

fn post(worker: &Worker, message: Buffers) {
    let (message, transfer) = to_js(&message);
    worker.post_message_with_transfer(&message, &transfer).ok();
}

/// The worker named by the loader's `data-worker`, if one can start.
fn start_worker() -> Option<Worker> {
    let url = document()
        .query_selector("script[data-worker]")
        .ok()??
        .get_attribute("data-worker")?;
    Worker::new(&url).ok()
}
