// Starts the engine in its worker. Appended by .ci/worker-start to the
// engine's glue (engine_worker.js: wasm-bindgen's `no-modules` script,
// which defines the global `wasm_bindgen`), so the worker is one script
// and its wasm: nothing waits for a loader to ask for the glue. When the
// wasm fails to load, the worker says why (src/compute.rs, WORKER_FAILED)
// and the page shows it, rather than leaving an uncaught error behind. On
// the page (where no worker runs, src/ui/engine_client.rs loads the same
// script and starts the engine itself) this does nothing.
if (typeof WorkerGlobalScope !== 'undefined') {
  // The page's first message is the wasm, compiled (src/boot.js), or null.
  onmessage = (event) => {
    onmessage = null;
    const compiled = event.data instanceof WebAssembly.Module
      ? wasm_bindgen({ module_or_path: event.data })
      // Fetched here rather than by the glue, to name a missing file's status.
      : fetch('./engine_worker_bg.wasm')
        .then((wasm) => (wasm.ok ? wasm_bindgen({ module_or_path: wasm }) : Promise.reject(new Error('HTTP ' + wasm.status))));
    compiled.catch((error) => postMessage('failed: engine_worker_bg.wasm: ' + error.message));
  };
}
