#![no_main]
use libfuzzer_sys::fuzz_target;
use liqmap::exchanges::{classify_http, dydx as x, Exchange};

fuzz_target!(|data: &[u8]| {
    let b = String::from_utf8_lossy(data);
    let _ = classify_http(Exchange::Dydx, 400, None, &b);
    let _ = x::parse_instruments(&b);
    let _ = x::parse_depth(&b);
    let _ = x::parse_perpetual_markets(&b, "BTC-USD");
    let _ = x::parse_candles(&b);
    let _ = x::parse_candle_open_interest(&b);
    let _ = x::parse_funding(&b);
    let _ = x::parse_liquidation_trades(&b);
});
