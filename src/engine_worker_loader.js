// Starts the engine's worker (src/bin/engine_worker.rs) from its files,
// which Trunk names after the binary. When they fail to load, the worker
// says which and why (src/compute.rs, WORKER_FAILED) and the page shows it,
// rather than leaving an uncaught error behind. The page loads the same
// files itself where no worker runs (src/ui/engine_client.rs).
const failed = (what) => postMessage('failed: ' + what);
// Fetched here rather than by the glue, to name a missing file's status;
// asked first, so it downloads while the glue loads.
const wasm = fetch('./engine_worker_bg.wasm');
wasm.catch(() => {});
try {
  importScripts('./engine_worker.js');
  wasm
    .then((wasm) => (wasm.ok ? wasm_bindgen({ module_or_path: wasm }) : Promise.reject(new Error('HTTP ' + wasm.status))))
    .catch((error) => failed('engine_worker_bg.wasm: ' + error.message));
} catch {
  failed('engine_worker.js did not load');
}
