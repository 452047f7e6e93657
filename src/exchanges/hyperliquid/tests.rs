use super::*;
use crate::analysis::BookLevel;
use crate::exchanges::testutil::depth_example;
use crate::exchanges::testutil::{fixture, no_panic, sample};
use crate::exchanges::{assemble, classify_http, find_instrument};

#[test]
fn sample_meta() {
    let p = parse_instruments(&sample("hyperliquid_meta")).unwrap();
    assert_eq!(p.dropped, 0);
    let names: Vec<_> = p.rows.iter().map(|i| i.symbol.as_str()).collect();
    assert_eq!(names, ["BTC", "ETH", "HPOS"]); // LOOM is delisted
    let btc = find_instrument(EX, &p.rows, "BTC").unwrap();
    assert_eq!(
        (btc.quote.as_str(), btc.kind, btc.contract_size),
        ("USDC", ContractKind::Linear, 1.0)
    );
}

#[test]
fn sample_meta_and_asset_ctxs() {
    let body = sample("hyperliquid_meta_and_asset_ctxs");
    assert_eq!(parse_instruments(&body).unwrap().rows.len(), 3);
    let s = parse_meta_and_asset_ctxs(&body, "ETH").unwrap();
    assert_eq!(s.mark_price, Some(6.0436));
    assert_eq!(s.funding_rate, Some(0.0000125));
    // `openInterest` counts both sides: one side is half of it.
    assert_eq!(s.open_interest, Some(1882.55 / 2.0));
    assert_eq!(s.maintenance_margin_rate, Some(0.01)); // 1 / (2 · 50)
    let s = parse_meta_and_asset_ctxs(&body, "HPOS").unwrap();
    assert_eq!(s.open_interest, Some(2912.05 / 2.0));
    assert!((s.maintenance_margin_rate.unwrap() - 1.0 / 6.0).abs() < 1e-12);
    assert!(matches!(
        parse_meta_and_asset_ctxs(&body, "DOGE"),
        Err(ExchangeError::UnknownCoin { .. })
    ));
}

#[test]
fn sample_candle_snapshot() {
    let p = parse_candles(&sample("hyperliquid_candle_snapshot")).unwrap();
    assert_eq!((p.rows.len(), p.dropped), (2, 0));
    let c = p.rows[0];
    assert_eq!(c.open_time_ms, 1737331200000);
    assert_eq!(
        (c.open, c.high, c.low, c.close),
        (20.184, 22.755, 19.3, 20.547)
    );
    assert_eq!(c.base_volume, 10651612.71);
    assert!((c.quote_volume - 10651612.71 * (22.755 + 19.3 + 20.547) / 3.0).abs() < 1e-6);
    assert_eq!(c.taker_buy_base, None);
    assert_eq!(p.rows[1].close, 21.738);
}

#[test]
fn sample_funding() {
    let p = parse_funding(&sample("hyperliquid_funding_history")).unwrap();
    assert_eq!(
        p.rows,
        vec![FundingPoint {
            time_ms: 1683849600076,
            rate: -0.00022196
        }]
    );
}

#[test]
fn errors() {
    let e = classify_http(
        EX,
        422,
        None,
        "Failed to deserialize the JSON body into the target type",
    )
    .unwrap_err();
    assert!(matches!(e, ExchangeError::ExchangeError { ref code, .. } if code == "HTTP 422"));
    assert!(matches!(
        parse_candles("null"),
        Err(ExchangeError::Malformed { .. })
    ));
    assert!(matches!(
        classify_http(EX, 504, None, ""),
        Err(ExchangeError::Timeout { .. })
    ));
}

#[test]
fn fixture_window_volume_mode() {
    let inst = crate::exchanges::default_instrument(EX, "BTC");
    let c = parse_candles(&fixture("hyperliquid/candles.json")).unwrap();
    assert_eq!((c.rows.len(), c.dropped), (600, 0));
    let src = assemble(
        EX,
        &inst,
        c.rows,
        vec![],
        None,
        Some(2500.0),
        0.0125,
        (0, 1_767_225_600_000),
        Resolution::M5,
    )
    .unwrap();
    assert_eq!(src.open_interest, None);
    assert_eq!(src.mark, None);
    assert_eq!(src.current_open_interest, Some(2500.0));
}

#[test]
fn plan_is_post_and_capped_at_5000_candles() {
    let inst = crate::exchanges::default_instrument(EX, "BTC");
    let end = 1_767_225_600_000;
    let reqs = plan(
        &inst,
        end,
        7 * 86_400_000,
        Resolution::M1,
        "https://api.hyperliquid.xyz/",
    );
    // 5000 one-minute candles straddle a line of the 5000-candle page grid.
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].method, Method::Post);
    assert_eq!(reqs[0].url, "https://api.hyperliquid.xyz/info");
    let body: serde_json::Value = serde_json::from_str(reqs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["req"]["startTime"], end - 5000 * 60_000);
    assert_eq!(body["req"]["coin"], "BTC");
    assert_eq!(reqs[2].purpose, Purpose::MarketSnapshot);
}

#[test]
fn no_panic_on_mutated_answers() {
    let bodies: Vec<String> = [
        "hyperliquid_candle_snapshot",
        "hyperliquid_funding_history",
        "hyperliquid_meta",
        "hyperliquid_meta_and_asset_ctxs",
    ]
    .iter()
    .map(|n| sample(n))
    .collect();
    no_panic(&bodies, |b| {
        let _ = parse_instruments(b);
        let _ = parse_meta_and_asset_ctxs(b, "BTC");
        let _ = parse_meta_and_asset_ctxs(b, "HPOS");
        let _ = parse_candles(b);
        let _ = parse_funding(b);
    });
}

#[test]
fn depth_documented_and_fixture() {
    let d = parse_depth(depth_example(EX)).unwrap();
    assert_eq!(d.time_ms, Some(1754450974231));
    assert_eq!(
        d.book.bids(),
        &[BookLevel {
            price: 113377.0,
            usd: 7.6699 * 113377.0
        }]
    );
    assert_eq!(
        d.book.asks(),
        &[BookLevel {
            price: 113397.0,
            usd: 0.11543 * 113397.0
        }]
    );
    // The bare `[bids, asks]` pair some write-ups show.
    let bare = r#"[[{"px":"19900","sz":"1","n":1}],[{"px":"20100","sz":"1","n":1}]]"#;
    let d = parse_depth(bare).unwrap();
    assert_eq!((d.book.mid(), d.time_ms), (Some(20000.0), None));
    let d = parse_depth(&fixture("hyperliquid/l2_book.json")).unwrap();
    assert_eq!((d.book.bids().len(), d.book.asks().len()), (20, 20));
    assert_eq!(d.book.bids()[0].price, 86536.0);
    assert!(matches!(
        parse_depth("null"),
        Err(ExchangeError::UnknownCoin { .. })
    ));
}
