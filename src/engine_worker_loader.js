// Starts the engine's worker (src/bin/engine_worker.rs) from its files,
// which Trunk names after the binary. When they fail to load, the worker
// says so (src/compute.rs, WORKER_FAILED) and the page computes itself,
// rather than leaving an uncaught error behind.
try {
  importScripts('./engine_worker.js');
  wasm_bindgen({ module_or_path: './engine_worker_bg.wasm' }).catch(() => postMessage('failed'));
} catch {
  postMessage('failed');
}
