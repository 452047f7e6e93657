//! Writing finished text into a panel's static skeleton. Panels compute
//! their text in plain (natively tested) functions and one effect writes it
//! here: far less wasm than a reactive view closure per figure.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// The first element under `root` matching `selector`.
pub fn part(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// Sets the text of the element under `root` matching `selector`.
pub fn set_text(root: &Element, selector: &str, text: &str) {
    if let Some(e) = part(root, selector) {
        e.set_text_content(Some(text));
    }
}

/// A new `tag` element (in `near`'s document) with `text` (text only: never
/// HTML) and `class` (none when empty).
pub fn element(near: &Element, tag: &str, class: &str, text: &str) -> Option<HtmlElement> {
    let e = near
        .owner_document()?
        .create_element(tag)
        .ok()?
        .dyn_into::<HtmlElement>()
        .ok()?;
    if !class.is_empty() {
        e.set_class_name(class);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    Some(e)
}

/// [`element`], appended to `parent`.
pub fn child(parent: &Element, tag: &str, class: &str, text: &str) -> Option<HtmlElement> {
    let e = element(parent, tag, class, text)?;
    parent.append_child(&e).ok()?;
    Some(e)
}

/// Replaces the children of the element under `root` matching `selector`
/// with one `tag` element per `(class, text)`.
pub fn set_rows(root: &Element, selector: &str, tag: &str, rows: &[(&str, &str)]) -> Option<()> {
    let list = part(root, selector)?;
    list.set_text_content(None);
    for (class, text) in rows {
        child(&list, tag, class, text)?;
    }
    Some(())
}

/// The test id of the element clicked: a panel tells its buttons apart by
/// it, with one handler for all.
pub fn clicked_test_id(ev: &leptos::ev::MouseEvent) -> Option<String> {
    ev.target()?
        .dyn_into::<Element>()
        .ok()?
        .get_attribute("data-testid")
}
