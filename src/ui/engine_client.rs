//! The page's side of the engine's Web Worker (`src/bin/engine_worker.rs`):
//! the page asks for views, the worker computes them, and meanwhile the
//! page keeps answering hover, tooltip and pan over the last drawn image.
//!
//! Each [`Lane`] (the whole window; the zoomed part) has at most one job
//! in flight and keeps only its newest unsent one: a newer request
//! supersedes an older one, so no stale recomputations queue up. The
//! sources cross once per change (a load, an appended live candle), before
//! the first job that needs them; the worker answers in order.
//!
//! Where no worker can run (no `Worker`, its files fail to load, it
//! fails), the page computes on its own thread as it did before.

use super::{Inputs, ViewData};
use crate::compute::{Buffers, Job, Reply, Request, WORKER_READY};
use crate::engine::{Params, Source, Workspace};
use crate::render::zoom::Zoom;
use crate::worker_message::{from_js, to_js};
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

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
    /// An answer the lane's memo has not taken yet.
    answer: Option<Option<ViewData>>,
}

enum Backend {
    Worker {
        worker: Worker,
        /// It listens (it says so once its wasm has started).
        ready: bool,
        /// The sources it holds.
        sources: Option<Arc<Vec<Source>>>,
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
    arrived: [Trigger; 2],
}

impl EngineClient {
    /// Starts the worker the page's loader names (`data-worker`, see
    /// Trunk.toml), or computes on the page where none can start.
    pub fn new() -> Self {
        let backend = start_worker().map_or(Backend::Page(Workspace::default()), |worker| {
            Backend::Worker {
                worker,
                ready: false,
                sources: None,
            }
        });
        let client = EngineClient {
            state: StoredValue::new_local(State {
                backend,
                next_id: 1,
                lanes: Default::default(),
            }),
            arrived: [Trigger::new(), Trigger::new()],
        };
        client.listen();
        client
    }

    /// Asks for the view of `inputs` that `zoom` shows; supersedes what
    /// the lane asked before and has not sent yet.
    pub fn ask(self, lane: Lane, inputs: &Inputs, zoom: Zoom, bins: usize, params: &Params) {
        let answered = self.state.try_update_value(|state| {
            let id = state.next_id;
            state.next_id += 1;
            let job = inputs.job(id, zoom, bins, params);
            let lane_state = &mut state.lanes[lane as usize];
            if let Backend::Page(workspace) = &mut state.backend {
                lane_state.answer = Some(inputs.view_here(workspace, &job));
                return true;
            }
            lane_state.newest_unsent = Some(Asked {
                job,
                inputs: inputs.clone(),
            });
            state.send_next();
            false
        });
        if answered == Some(true) {
            self.arrived[lane as usize].notify();
        }
        self.show_busy();
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

    /// For `Memo::new_owning`: the lane's newest answer, or `previous`
    /// (unchanged) until one arrives, so the last view stays drawn and
    /// hoverable while the next one is computed.
    pub fn latest(
        self,
        lane: Lane,
        previous: Option<Option<ViewData>>,
    ) -> (Option<ViewData>, bool) {
        self.arrived[lane as usize].track();
        let answer = self
            .state
            .try_update_value(|s| s.lanes[lane as usize].answer.take())
            .flatten();
        match answer {
            Some(view) => (view, true),
            None => (previous.flatten(), false),
        }
    }

    /// Handles the worker's messages and failures.
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
    }

    fn receive(self, data: &JsValue) {
        let answered = self.state.try_update_value(|state| {
            let mut answered = None;
            if data.as_string().as_deref() == Some(WORKER_READY) {
                if let Backend::Worker { ready, .. } = &mut state.backend {
                    *ready = true;
                }
            } else if let Some(reply) = from_js(data).and_then(|b| Reply::decode(&b)) {
                answered = state.answer(reply);
            }
            state.send_next();
            answered
        });
        if let Some(lane) = answered.flatten() {
            self.arrived[lane as usize].notify();
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
            for (index, lane) in state.lanes.iter_mut().enumerate() {
                let newest = lane.newest_unsent.take().or(lane.in_flight.take());
                if let Some(Asked { job, inputs }) = newest {
                    lane.answer = Some(inputs.view_here(&mut workspace, &job));
                    answered.push(index);
                }
            }
            state.backend = Backend::Page(workspace);
            answered
        });
        for index in lanes.unwrap_or_default() {
            self.arrived[index].notify();
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
        lane_state.answer = Some(reply.estimate.map(|e| inputs.view_of(e, &job.params)));
        Some(lane)
    }

    /// Whether a job is out or waiting (what `data-engine` tells tests).
    fn busy(&self) -> bool {
        self.lanes
            .iter()
            .any(|l| l.in_flight.is_some() || l.newest_unsent.is_some())
    }

    /// Sends each idle lane's newest job (and the sources first when they
    /// changed), once the worker listens.
    fn send_next(&mut self) {
        let Backend::Worker {
            worker,
            ready: true,
            sources,
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
            if !sources
                .as_ref()
                .is_some_and(|s| Arc::ptr_eq(s, &asked.inputs.sources))
            {
                post(worker, Request::encode_sources(&asked.inputs.sources));
                *sources = Some(asked.inputs.sources.clone());
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
