// Starts the app. A file rather than Trunk's inline script, so the page's
// Content-Security-Policy can forbid inline scripts altogether. Trunk fills
// in the two paths (see `pattern_script` in Trunk.toml).
const tag = document.querySelector('script[data-js][data-wasm]');
const bindings = await import(tag.dataset.js);
await bindings.default({ module_or_path: tag.dataset.wasm });
// The wasm exports: the browser tests' hooks (src/ui/test_hooks.rs) are
// among them in the build they use (`make build-e2e`).
window.wasmBindings = bindings;
