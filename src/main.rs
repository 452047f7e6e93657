//! Browser entry point: Trunk builds this binary for wasm32.

#[cfg(target_arch = "wasm32")]
fn main() {
    liqmap::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("liqmap runs in the browser: use `make serve`.");
}
