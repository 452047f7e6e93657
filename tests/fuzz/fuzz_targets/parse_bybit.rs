#![no_main]
use libfuzzer_sys::fuzz_target;
use liqmap::engine::input::ContractKind;
use liqmap::exchanges::{bybit as x, classify_http, default_instrument, Exchange};

fuzz_target!(|data: &[u8]| {
    let b = String::from_utf8_lossy(data);
    let i = default_instrument(Exchange::Bybit, "BTC");
    let _ = classify_http(Exchange::Bybit, 200, None, &b);
    let _ = x::parse_instruments(&b);
    let _ = x::parse_depth(&b, &i);
    let _ = x::parse_klines(&b, ContractKind::Linear);
    let _ = x::parse_klines(&b, ContractKind::Inverse);
    let _ = x::parse_mark_klines(&b);
    let _ = x::parse_open_interest(&b, &i);
    let _ = x::parse_risk_limit(&b, &i);
    let _ = x::parse_funding(&b);
    let _ = x::parse_all_liquidation(&b);
});
