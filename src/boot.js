// Starts the app. A file rather than Trunk's inline script, so the page's
// Content-Security-Policy can forbid inline scripts altogether. Trunk fills
// in the paths (see `pattern_script` in Trunk.toml).
const tag = document.querySelector('script[data-js][data-wasm]');
// The engine's worker starts first, to load while the page's own wasm
// does; what it says before the page listens waits for it in `said`
// (src/ui/engine_client.rs takes it over).
if (typeof Worker === 'function') {
  try {
    const engine = { worker: new Worker(tag.dataset.worker), said: [], failed: false };
    engine.worker.onmessage = (event) => engine.said.push(event.data);
    engine.worker.onerror = () => { engine.failed = true; };
    window.liqmapEngine = engine;
    // Its wasm is fetched and compiled here meanwhile and handed over: the
    // worker would only ask for it once its own script runs. When that
    // fails, the worker fetches it itself, and says why if it fails again.
    const wasm = tag.dataset.worker.replace(/\.js$/, '_bg.wasm');
    WebAssembly.compileStreaming(fetch(wasm))
      .then((module) => engine.worker.postMessage(module), () => engine.worker.postMessage(null));
  } catch {
    // The page starts the engine itself.
  }
}
const bindings = await import(tag.dataset.js);
await bindings.default({ module_or_path: tag.dataset.wasm });
// The wasm exports: the browser tests' hooks (src/ui/test_hooks.rs) are
// among them in the build they use (`make build-e2e`).
window.wasmBindings = bindings;
