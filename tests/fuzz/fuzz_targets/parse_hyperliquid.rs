#![no_main]
use libfuzzer_sys::fuzz_target;
use liqmap::exchanges::{classify_http, hyperliquid as x, Exchange};

fuzz_target!(|data: &[u8]| {
    let b = String::from_utf8_lossy(data);
    let _ = classify_http(Exchange::Hyperliquid, 200, None, &b);
    let _ = x::parse_instruments(&b);
    let _ = x::parse_depth(&b);
    let _ = x::parse_meta_and_asset_ctxs(&b, "BTC");
    let _ = x::parse_candles(&b);
    let _ = x::parse_funding(&b);
});
