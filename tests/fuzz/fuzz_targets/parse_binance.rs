#![no_main]
use libfuzzer_sys::fuzz_target;
use liqmap::exchanges::{binance as x, classify_http, Exchange};

fuzz_target!(|data: &[u8]| {
    let b = String::from_utf8_lossy(data);
    let _ = classify_http(Exchange::Binance, 200, None, &b);
    let _ = x::parse_instruments(&b);
    let _ = x::parse_depth(&b);
    let _ = x::parse_klines(&b);
    let _ = x::parse_mark_klines(&b);
    let _ = x::parse_open_interest_hist(&b);
    let _ = x::parse_funding(&b);
    let _ = x::parse_force_order(&b);
});
