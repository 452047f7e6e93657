//! A panic shows a readable box on the page instead of a dead canvas.

use wasm_bindgen::JsCast;

pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&format!("liqmap panicked: {message}").into());
        show_error_box(&message);
    }));
}

fn show_error_box(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(element) = document.create_element("div") else {
        return;
    };
    element.set_class_name("panic-box");
    element.set_attribute("role", "alert").ok();
    element.set_attribute("data-testid", "panic-box").ok();
    // Text only, never HTML: the message may quote outside data.
    element.set_text_content(Some(&format!(
        "Something broke inside liqmap and this view stopped. Reload the page to start again. \
         If it happens again, please report this message: {message}"
    )));
    if let Some(body) = document.body() {
        body.prepend_with_node_1(element.unchecked_ref()).ok();
    }
}
