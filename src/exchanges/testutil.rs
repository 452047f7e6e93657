//! Test helpers: sample/fixture loading and the answer mutator for the
//! no-panic property tests.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// A documented example answer from `tests/fixtures/samples/NAME.json`
/// (provenance in the README there).
pub fn sample(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/samples/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fixture from `tests/fixtures/exchanges/PATH`.
pub fn fixture(path: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/exchanges/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Each exchange's documented order book example (its API reference's
/// response example; Hyperliquid's and dYdX's from their SDKs' types).
pub fn depth_example(exchange: crate::exchanges::Exchange) -> &'static str {
    use crate::exchanges::Exchange::*;
    match exchange {
        Binance => {
            r#"{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}"#
        }
        Bybit => {
            r#"{"retCode":0,"retMsg":"OK","result":{"s":"BTCUSDT","a":[["65557.7","16.606555"]],"b":[["65485.47","47.081829"]],"ts":1716863719031,"u":230704,"seq":1432604333,"cts":1716863718905},"retExtInfo":{},"time":1716863719382}"#
        }
        Okx => {
            r#"{"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396"}]}"#
        }
        Hyperliquid => {
            r#"{"coin":"BTC","time":1754450974231,"levels":[[{"px":"113377.0","sz":"7.6699","n":17}],[{"px":"113397.0","sz":"0.11543","n":3}]]}"#
        }
        Dydx => {
            r#"{"bids":[{"price":"116070","size":"0.3525"}],"asks":[{"price":"116071","size":"1.0224"}]}"#
        }
    }
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[derive(Clone, Debug)]
pub enum Op {
    Truncate(usize),
    Flip(usize, u8),
    ReplaceNumber(usize, usize),
    DropField(usize),
    Insert(usize, u8),
    Duplicate(usize, usize),
}

const REPLACEMENTS: &[&str] = &[
    "\"NaN\"",
    "NaN",
    "\"inf\"",
    "\"-inf\"",
    "1e400",
    "-1",
    "\"-1\"",
    "0",
    "\"0\"",
    "-0",
    "\"abc\"",
    "null",
    "true",
    "{}",
    "[]",
    "\"\"",
    "99999999999999999999999",
    "-9223372036854775809",
    "9223372036854775807",
    "1.7976931348623157e308",
    "\"1e999\"",
    "\"2025-13-45T99:99:99Z\"",
    "\"9999-12-31T23:59:59.999Z\"",
    "0.000000001",
    "1e-320",
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<usize>().prop_map(Op::Truncate),
        (any::<usize>(), 1u8..=255).prop_map(|(a, b)| Op::Flip(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::ReplaceNumber(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::ReplaceNumber(a, b)),
        any::<usize>().prop_map(Op::DropField),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Op::Insert(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::Duplicate(a, b)),
    ]
}

fn number_spans(s: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() || (c == b'-' && s.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            i += 1;
            while i < s.len() && (s[i].is_ascii_digit() || b".eE+-".contains(&s[i])) {
                i += 1;
            }
            // Include surrounding quotes of a numeric string.
            if start > 0 && s[start - 1] == b'"' && s.get(i) == Some(&b'"') {
                out.push((start - 1, i + 1));
            } else {
                out.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    out
}

fn key_starts(s: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    for (i, w) in s.windows(2).enumerate() {
        if w == b"\":" {
            if let Some(q) = s[..i].iter().rposition(|c| *c == b'"') {
                out.push(q);
            }
        }
    }
    out
}

/// Apply `ops` to `src`.
pub fn mutate(src: &str, ops: &[Op]) -> String {
    let mut b = src.as_bytes().to_vec();
    for op in ops {
        let n = b.len().max(1);
        match *op {
            Op::Truncate(p) => b.truncate(p % n),
            Op::Flip(p, x) => {
                if let Some(c) = b.get_mut(p % n) {
                    *c ^= x;
                }
            }
            Op::ReplaceNumber(k, r) => {
                let spans = number_spans(&b);
                if !spans.is_empty() {
                    let (s, e) = spans[k % spans.len()];
                    let rep = REPLACEMENTS[r % REPLACEMENTS.len()].as_bytes();
                    b.splice(s..e, rep.iter().copied());
                }
            }
            Op::DropField(k) => {
                let keys = key_starts(&b);
                if !keys.is_empty() {
                    let s = keys[k % keys.len()];
                    let e = b[s..]
                        .iter()
                        .position(|c| *c == b',' || *c == b'}')
                        .map(|p| s + p)
                        .unwrap_or(b.len());
                    let e = if b.get(e) == Some(&b',') { e + 1 } else { e };
                    b.drain(s..e);
                }
            }
            Op::Insert(p, c) => b.insert(p % (b.len() + 1), c),
            Op::Duplicate(p, len) => {
                let s = p % n;
                let e = (s + len % 64).min(b.len());
                let chunk: Vec<u8> = b.get(s..e).map(<[u8]>::to_vec).unwrap_or_default();
                b.splice(e..e, chunk);
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Number of mutated answers per exchange: 100,000 in release builds.
pub fn cases() -> u32 {
    if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    }
}

/// Feed `cases()` mutated versions of `bodies` to `parse_all`, which must
/// not panic.
pub fn no_panic(bodies: &[String], parse_all: impl Fn(&str)) {
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (0..bodies.len(), prop::collection::vec(op(), 1..4));
    runner
        .run(&strategy, |(i, ops)| {
            let body = mutate(&bodies[i], &ops);
            parse_all(&body);
            Ok(())
        })
        .unwrap();
}
