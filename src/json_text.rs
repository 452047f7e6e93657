//! JSON written as text, without serde's serializer.
//!
//! serde_json's writer brings a 10 KB table for printing floats into the
//! page's wasm, and `json!` its `Debug` formatting, although the texts we
//! write (request bodies, subscriptions, quoted error values) hold strings
//! and integers. [`Json`] builds those texts, keys in the order written, as
//! the exchanges document them; [`write`] quotes a received value.

use serde_json::{Number, Value};

/// A JSON value to send.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    Text(&'a str),
    Int(i64),
    List(Vec<Json<'a>>),
    Object(Vec<(&'a str, Json<'a>)>),
}

impl Json<'_> {
    /// Compact JSON text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.push(&mut out);
        out
    }

    fn push(&self, out: &mut String) {
        match self {
            Json::Text(s) => push_string(out, s),
            Json::Int(i) => out.push_str(&i.to_string()),
            Json::List(items) => push_list(out, items, |out, item| item.push(out)),
            Json::Object(fields) => {
                push_object(out, fields.iter().map(|(k, v)| (*k, v)), |out, v| {
                    v.push(out)
                })
            }
        }
    }
}

/// `v` as compact JSON text, keys in the map's order.
pub fn write(v: &Value) -> String {
    let mut out = String::new();
    push_value(&mut out, v);
    out
}

/// A number as written: integers exactly, other numbers in Rust's shortest
/// round-trip form.
pub fn number(n: &Number) -> String {
    match (n.as_i64(), n.as_u64(), n.as_f64()) {
        (Some(i), _, _) => i.to_string(),
        (_, Some(u), _) => u.to_string(),
        (_, _, Some(f)) => format!("{f:?}"),
        _ => String::new(),
    }
}

fn push_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => push_string(out, s),
        Value::Array(items) => push_list(out, items, push_value),
        Value::Object(map) => {
            push_object(out, map.iter().map(|(k, v)| (k.as_str(), v)), push_value)
        }
    }
}

fn push_list<T>(out: &mut String, items: &[T], push_item: impl Fn(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_item(out, item);
    }
    out.push(']');
}

fn push_object<'v, T: 'v>(
    out: &mut String,
    fields: impl Iterator<Item = (&'v str, &'v T)>,
    push_item: impl Fn(&mut String, &T),
) {
    out.push('{');
    for (i, (key, item)) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_string(out, key);
        out.push(':');
        push_item(out, item);
    }
    out.push('}');
}

/// A JSON string literal: quotes, backslashes and control characters escaped.
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let code = c as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[(code >> 4) & 0xf]));
                out.push(char::from(HEX[code & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn writes_what_serde_json_writes_for_our_request_bodies() {
        let bodies = [
            json!({"type": "meta"}),
            json!({"type": "candleSnapshot", "req": {"coin": "BTC", "interval": "1h",
                "startTime": 1_700_000_000_000_i64, "endTime": -1}}),
            json!({"op": "subscribe", "args": [{"channel": "liquidation-orders", "instType": "SWAP"}]}),
            json!({"a": null, "b": true, "c": [false, 1.5, "q\"\\\n\u{1}é"], "d": u64::MAX}),
        ];
        for body in bodies {
            assert_eq!(write(&body), body.to_string());
        }
    }

    #[test]
    fn built_texts_keep_the_documented_key_order() {
        use Json::*;
        let body = Object(vec![
            ("type", Text("candleSnapshot")),
            (
                "req",
                Object(vec![("coin", Text("BTC")), ("startTime", Int(-1))]),
            ),
            ("args", List(vec![Text("a\"b"), Int(7)])),
        ]);
        assert_eq!(
            body.text(),
            r#"{"type":"candleSnapshot","req":{"coin":"BTC","startTime":-1},"args":["a\"b",7]}"#
        );
    }

    proptest! {
        #[test]
        fn strings_read_back_as_themselves(s in any::<String>()) {
            let text = write(&Value::String(s.clone()));
            prop_assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(Value::String(s)));
        }

        #[test]
        fn floats_read_back_as_themselves(f in proptest::num::f64::NORMAL) {
            // Rust's parser, not serde_json's: the latter rounds the last bit
            // unless its `float_roundtrip` feature is on.
            let text = write(&json!(f));
            prop_assert!(serde_json::from_str::<Value>(&text).is_ok(), "{}", text);
            prop_assert_eq!(text.parse::<f64>().ok(), Some(f));
        }
    }
}
