#![no_main]
use libfuzzer_sys::fuzz_target;
use liqmap::exchanges::{classify_http, default_instrument, okx as x, Exchange};

fuzz_target!(|data: &[u8]| {
    let b = String::from_utf8_lossy(data);
    let i = default_instrument(Exchange::Okx, "BTC");
    let _ = classify_http(Exchange::Okx, 200, None, &b);
    let _ = x::parse_instruments(&b);
    let _ = x::parse_depth(&b, &i);
    let _ = x::parse_candles(&b, &i);
    let _ = x::parse_mark_candles(&b);
    let _ = x::parse_open_interest_history(&b, &i);
    let _ = x::parse_position_tiers(&b);
    let _ = x::parse_funding(&b);
    let _ = x::parse_liquidation_orders(&b, &i);
});
