use super::*;
use crate::analysis::BookLevel;
use crate::exchanges::testutil::depth_example;
use crate::exchanges::testutil::{close, fixture, no_panic, sample};
use crate::exchanges::{classify_http, find_instrument, Side, DAY_MS};

fn btc() -> Instrument {
    crate::exchanges::default_instrument(EX, "BTC")
}

#[test]
fn sample_exchange_info() {
    let p = parse_instruments(&sample("binance_exchange_info")).unwrap();
    assert_eq!(p.dropped, 0);
    assert_eq!(p.rows.len(), 1);
    let i = &p.rows[0];
    assert_eq!(i.symbol, "BLZUSDT");
    assert_eq!(i.base, "BLZ");
    assert_eq!(i.quote, "USDT");
    assert_eq!(i.kind, ContractKind::Linear);
    assert_eq!(i.contract_size, 1.0);
    assert_eq!(i.tick_size, Some(0.0001));
    assert_eq!(
        find_instrument(EX, &p.rows, "blz").unwrap().symbol,
        "BLZUSDT"
    );
    assert!(matches!(
        find_instrument(EX, &p.rows, "BTC"),
        Err(ExchangeError::UnknownCoin { coin: Some(c), .. }) if c == "BTC"
    ));
}

#[test]
fn sample_klines() {
    let p = parse_klines(&sample("binance_klines")).unwrap();
    assert_eq!(p.dropped, 0);
    let c = p.rows[0];
    assert_eq!(c.open_time_ms, 1499040000000);
    assert_eq!(c.open, 0.01634790);
    assert_eq!(c.high, 0.8);
    assert_eq!(c.low, 0.015758);
    assert_eq!(c.close, 0.015771);
    assert_eq!(c.base_volume, 148976.11427815);
    assert_eq!(c.quote_volume, 2434.19055334);
    assert_eq!(c.taker_buy_base, Some(1756.87402397));
    // The same positional shape parses as a mark kline.
    let m = parse_mark_klines(&sample("binance_klines")).unwrap();
    assert_eq!(
        m.rows,
        vec![(
            1499040000000,
            crate::engine::input::HighLow {
                high: 0.8,
                low: 0.015758
            }
        )]
    );
}

#[test]
fn sample_open_interest_hist() {
    let p = parse_open_interest_hist(&sample("binance_open_interest_hist")).unwrap();
    assert_eq!(p.dropped, 0);
    assert_eq!(
        p.rows,
        vec![
            OiPoint {
                time_ms: 1583127900000,
                base: 20403.637
            },
            OiPoint {
                time_ms: 1583128200000,
                base: 20401.367
            },
        ]
    );
}

#[test]
fn sample_funding() {
    let p = parse_funding(&sample("binance_funding_rate_history")).unwrap();
    assert_eq!(
        p.rows,
        vec![
            FundingPoint {
                time_ms: 1570608000000,
                rate: -0.0375
            },
            FundingPoint {
                time_ms: 1570636800000,
                rate: 0.0001
            },
        ]
    );
}

#[test]
fn sample_force_order() {
    let e = parse_force_order(&sample("binance_ws_force_order")).unwrap();
    assert_eq!(
        e,
        LiquidationEvent {
            time_ms: 1568014460893,
            side: Side::Long,
            price: 9910.0,
            base: 0.014
        }
    );
}

#[test]
fn sample_error_invalid_symbol() {
    let body = sample("binance_error_invalid_symbol");
    let e = classify_http(EX, 400, None, &body).unwrap_err();
    assert_eq!(
        e,
        ExchangeError::UnknownCoin {
            exchange: EX,
            coin: None
        }
    );
    assert!(parse_klines(&body).is_err());
    assert!(e.to_string().contains("Binance"));
}

#[test]
fn errors_http() {
    let e = classify_http(EX, 429, Some("30"), "").unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RateLimited {
            exchange: EX,
            retry_after_s: Some(30)
        }
    );
    assert!(e.to_string().contains("wait 30 seconds"), "{e}");
    let e = classify_http(EX, 418, Some("7200"), "").unwrap_err();
    assert_eq!(
        e,
        ExchangeError::IpBanned {
            exchange: EX,
            retry_after_s: Some(7200)
        }
    );
    assert!(e.to_string().contains("banned"), "{e}");
    let e = classify_http(EX, 451, None, "").unwrap_err();
    assert!(e.to_string().contains("region"), "{e}");
    let e = classify_http(EX, 403, None, "<html>").unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RegionRestricted {
            exchange: EX,
            status: 403
        }
    );
    let e = classify_http(EX, 0, None, "").unwrap_err();
    assert!(e
        .to_string()
        .contains("blocked by the browser (CORS), rate-limited or restricted in your region"));
    let e = classify_http(
        EX,
        429,
        Some("12"),
        &fixture("errors/binance_rate_limit.json"),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ExchangeError::RateLimited {
            exchange: EX,
            retry_after_s: Some(12)
        }
    );
    let e = classify_http(
        EX,
        400,
        None,
        r#"{"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."}"#,
    )
    .unwrap_err();
    assert!(matches!(e, ExchangeError::ExchangeError { ref code, .. } if code == "-1130"));
    assert!(classify_http(EX, 200, None, &sample("binance_klines")).is_ok());
    assert!(matches!(
        parse_klines("[[1,2"),
        Err(ExchangeError::Malformed { .. })
    ));
    assert!(matches!(
        parse_klines("{}"),
        Err(ExchangeError::Malformed { .. })
    ));
}

#[test]
fn damaged_rows_are_dropped_and_counted() {
    let p = parse_klines(&fixture("errors/binance_bad_klines.json")).unwrap();
    assert_eq!(p.rows.len(), 2);
    assert_eq!(p.dropped, 7);
    assert_eq!(p.rows[1].base_volume, 10.0);
}

#[test]
fn fixture_window_assembles() {
    let candles = parse_klines(&fixture("binance/klines.json")).unwrap();
    let mark = parse_mark_klines(&fixture("binance/mark_klines.json")).unwrap();
    let oi = parse_open_interest_hist(&fixture("binance/open_interest_hist.json")).unwrap();
    assert_eq!((candles.rows.len(), candles.dropped), (600, 0));
    assert_eq!((mark.rows.len(), oi.rows.len()), (600, 600));
    let end = 1_767_225_600_000;
    let src = crate::exchanges::assemble(
        EX,
        &btc(),
        candles.rows.clone(),
        mark.rows,
        Some(oi.rows.clone()),
        Some(80_000.0),
        maintenance_margin_rate("BTCUSDT"),
        (0, end),
        Resolution::M5,
    )
    .unwrap();
    assert_eq!(src.candles.len(), 600);
    assert_eq!(src.interval_ms, 300_000);
    assert_eq!(src.maintenance_margin_rate, 0.004);
    assert!(src.candles.iter().all(|c| c.taker_buy_base.is_some()));
    let o = src.open_interest.unwrap();
    // Candle k gets the point stamped at its close.
    assert!(close(o[0], oi.rows[0].base) && close(o[599], oi.rows[599].base));
    assert_eq!(src.mark.unwrap().len(), 600);
}

#[test]
fn plan_pages_and_counts() {
    let end = 1_767_225_600_000;
    let reqs = plan(
        &btc(),
        end,
        DAY_MS,
        Resolution::M5,
        BINANCE_BASE_URL_FOR_TEST,
    );
    // 2 days of 5m = 576 candles across a line of the 1500-candle page grid:
    // 2 kline + 2 mark pages, 2 OI pages, no current OI.
    assert_eq!(reqs.len(), 6);
    let grid_line = end - end.rem_euclid(1500 * 300_000);
    assert_eq!(
        reqs[1].url,
        format!("https://proxy.example/fapi/v1/klines?symbol=BTCUSDT&interval=5m&startTime={grid_line}&endTime={}&limit=1500", end - 1)
    );
    assert!(reqs[4]
        .url
        .contains("/futures/data/openInterestHist?symbol=BTCUSDT&period=5m"));
    // A 30-day window: OI only covers the last 30 days, so no warm-up.
    let reqs = plan(
        &btc(),
        end,
        30 * DAY_MS,
        Resolution::M5,
        BINANCE_BASE_URL_FOR_TEST,
    );
    let oi = reqs
        .iter()
        .find(|r| r.purpose == Purpose::OpenInterestHistory)
        .unwrap();
    assert!(oi.url.contains(&format!("startTime={}", end - 30 * DAY_MS)));
    assert_eq!(
        crate::exchanges::candle_span(&btc(), end, 30 * DAY_MS, Resolution::M5).0,
        end - 30 * DAY_MS
    );
}

const BINANCE_BASE_URL_FOR_TEST: &str = "https://proxy.example/";

#[test]
fn no_panic_on_mutated_answers() {
    let bodies = vec![
        sample("binance_exchange_info"),
        sample("binance_klines"),
        sample("binance_open_interest_hist"),
        sample("binance_open_interest"),
        sample("binance_premium_index"),
        sample("binance_funding_rate_history"),
        sample("binance_ws_force_order"),
        sample("binance_error_invalid_symbol"),
        fixture("errors/binance_bad_klines.json"),
    ];
    no_panic(&bodies, |b| {
        let _ = parse_instruments(b);
        let _ = parse_klines(b);
        let _ = parse_mark_klines(b);
        let _ = parse_open_interest_hist(b);
        let _ = parse_funding(b);
        let _ = parse_force_order(b);
        let _ = classify_http(EX, 200, Some(b), b);
    });
}

#[test]
fn depth_documented_and_fixture() {
    let d = parse_depth(depth_example(EX)).unwrap();
    assert_eq!(d.time_ms, Some(1589436922959)); // T, the engine's time
    assert_eq!(
        d.book.bids(),
        &[BookLevel {
            price: 4.0,
            usd: 431.0 * 4.0
        }]
    );
    assert_eq!(
        d.book.asks(),
        &[BookLevel {
            price: 4.000002,
            usd: 12.0 * 4.000002
        }]
    );
    let d = parse_depth(&fixture("binance/depth.json")).unwrap();
    assert_eq!(
        (d.book.bids().len(), d.book.asks().len()),
        (DEPTH_LIMIT, DEPTH_LIMIT)
    );
    assert_eq!(
        d.book.bids()[0],
        BookLevel {
            price: 86537.4,
            usd: 86537.4 * 0.089
        }
    );
    assert_eq!(d.time_ms, Some(1767225601230));
}
