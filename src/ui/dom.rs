//! Small DOM helpers for components that render a fixed skeleton once and
//! let one effect write what changes into it, with one event handler on
//! the container for all its controls. Fewer reactive closures compile to
//! a much smaller page than one per attribute and per button.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlElement};

/// The first element under `root` matching `selector`.
pub fn part(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// The element under `root` with this `data-testid`.
pub fn by_testid(root: &Element, testid: &str) -> Option<Element> {
    part(root, &format!("[data-testid=\"{testid}\"]"))
}

/// Sets the text of the element matching `selector` (text only: never HTML).
pub fn set_text(root: &Element, selector: &str, text: &str) {
    if let Some(e) = part(root, selector) {
        e.set_text_content(Some(text));
    }
}

/// A new `tag` child of `parent` with `text` (text only: never HTML).
pub fn child(parent: &Element, tag: &str, text: &str) -> Option<Element> {
    let e = parent.owner_document()?.create_element(tag).ok()?;
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    parent.append_child(&e).ok()?;
    Some(e)
}

/// A new `tag` element (in `near`'s document) with `class` (none when
/// empty) and `text` (text only: never HTML).
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
pub fn classed_child(parent: &Element, tag: &str, class: &str, text: &str) -> Option<HtmlElement> {
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
        classed_child(&list, tag, class, text)?;
    }
    Some(())
}

/// Sets attributes of `element`, in order.
pub fn set_attrs(element: &Element, attrs: &[(&str, &str)]) {
    for (name, value) in attrs {
        element.set_attribute(name, value).ok();
    }
}

/// Sets a DOM property (`value`, `checked`, `disabled` …) of a form
/// control: the live state, which the attribute of the same name is not.
pub fn set_prop(element: &Element, name: &str, value: impl Into<JsValue>) {
    js_sys::Reflect::set(element, &name.into(), &value.into()).ok();
}

/// A form control's `value` as text.
pub fn value_of(element: &Element) -> String {
    js_sys::Reflect::get(element, &"value".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// A checkbox's or radio button's `checked`.
pub fn checked(element: &Element) -> bool {
    js_sys::Reflect::get(element, &"checked".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The element an event happened on, with its `data-testid` ("" when it
/// has none): what a handler on a container dispatches on.
pub fn target_of(ev: &Event) -> Option<(Element, String)> {
    let element = ev.target()?.dyn_into::<Element>().ok()?;
    let testid = element.get_attribute("data-testid").unwrap_or_default();
    Some((element, testid))
}

/// Gives `body` exactly `count` rows, keeping those it has (so a field
/// being edited or a focused row stays where it is) and appending new ones
/// made by `make` (called with the row's index).
pub fn fit_rows(
    body: &Element,
    count: usize,
    make: impl Fn(&Element, usize) -> Option<()>,
) -> Option<()> {
    while body.child_element_count() as usize > count {
        body.last_element_child()?.remove();
    }
    for i in body.child_element_count() as usize..count {
        make(body, i)?;
    }
    Some(())
}

/// Sets a field's value when it differs from the value last written (kept
/// as its default): a change elsewhere does not overwrite what is being
/// typed into it.
pub fn write_value(field: &Element, value: &str) {
    if field.get_attribute("value").as_deref() != Some(value) {
        field.set_attribute("value", value).ok();
        set_prop(field, "value", value);
    }
}

/// An event handler boxed: Leptos compiles its listener code once per
/// kind of event, not once per handler (`on:click=handler(…)`).
pub fn handler<E: 'static>(f: impl FnMut(E) + 'static) -> Box<dyn FnMut(E)> {
    Box::new(f)
}
