use super::*;
use crate::engine::input::Candle;
use proptest::prelude::*;

const BTC: &str = "BTC";

fn counts(window_days: i64, res: Resolution) -> Vec<usize> {
    Exchange::ALL
        .iter()
        .map(|e| count_requests(*e, BTC, window_days * DAY_MS, res))
        .collect()
}

#[test]
fn request_counts_btc_5m() {
    for d in [1, 7, 30] {
        let c = counts(d, Resolution::M5);
        println!("BTC {d} d at 5m: {c:?} = {}", c.iter().sum::<usize>());
    }
    // Binance, Bybit, OKX, Hyperliquid, dYdX (warm-up included).
    assert_eq!(counts(1, Resolution::M5), vec![4, 6, 15, 2, 2]);
    assert_eq!(counts(7, Resolution::M5), vec![15, 32, 70, 2, 6]);
    assert_eq!(counts(30, Resolution::M5), vec![30, 124, 247, 2, 19]);
    assert_eq!(counts(7, Resolution::H1), vec![3, 5, 11, 2, 2]);
}

#[test]
fn seven_day_view_fits_25_requests_at_1h() {
    let c = counts(7, Resolution::H1);
    println!("BTC 7 d at 1h: {c:?} = {}", c.iter().sum::<usize>());
    assert!(c.iter().sum::<usize>() <= 25);
    assert_eq!(
        finest_resolution_within(&Exchange::ALL, BTC, 7 * DAY_MS, 25),
        Some(Resolution::H1)
    );
}

#[test]
fn funding_pages_cover_a_30_day_window_and_its_warm_up() {
    let end = 1_767_225_600_000;
    let start = end - 60 * DAY_MS;
    for exchange in Exchange::ALL {
        let inst = default_instrument(exchange, "BTC");
        let requests = funding_requests(&inst, start, end, exchange.default_base_url());
        let hourly = matches!(exchange, Exchange::Hyperliquid | Exchange::Dydx);
        // 1440 hourly rows: 3 pages of 500, 2 of 1000; 180 eight-hourly: 1.
        let want = match exchange {
            Exchange::Hyperliquid => 3,
            Exchange::Dydx => 2,
            _ => 1,
        };
        assert_eq!(requests.len(), want, "{exchange}");
        assert!(requests.iter().all(|r| r.purpose == Purpose::Funding));
        if hourly {
            let last = requests.last().map(|r| format!("{}{:?}", r.url, r.body));
            let end_text = [
                (end - 1).to_string(),
                ms_to_iso(end - 1).replace(':', "%3A"),
            ];
            assert!(
                end_text
                    .iter()
                    .any(|t| last.as_deref().is_some_and(|l| l.contains(t.as_str()))),
                "{exchange}: the last page ends at the window's end: {last:?}"
            );
        }
    }
}

#[test]
fn exchange_ids_and_names() {
    for e in Exchange::ALL {
        assert_eq!(Exchange::from_id(e.id()), Some(e));
        assert_eq!(e.to_string(), e.name());
    }
    assert_eq!(Exchange::Okx.name(), "OKX");
    assert_eq!(Resolution::H4.spelling(Exchange::Bybit), "240");
    assert_eq!(Resolution::M15.spelling(Exchange::Dydx), "15MINS");
    assert_eq!(Resolution::D1.ms(), DAY_MS);
}

#[test]
fn iso_round_trip_and_errors() {
    assert_eq!(
        iso_to_ms("2025-07-25T09:47:00.000Z"),
        Some(1_753_436_820_000)
    );
    assert_eq!(ms_to_iso(1_753_436_820_000), "2025-07-25T09:47:00.000Z");
    assert_eq!(iso_to_ms("2024-02-29T23:59:59.5Z"), Some(1_709_251_199_500));
    for bad in [
        "",
        "2025-13-01T00:00:00Z",
        "2025-07-25",
        "2025-07-25T09:47:00+02:00",
        "２０２５-07-25T09:47:00Z",
    ] {
        assert_eq!(iso_to_ms(bad), None, "{bad}");
    }
}

#[test]
fn retry_after_and_messages() {
    assert_eq!(parse_retry_after(Some(" 120 ")), Some(120));
    assert_eq!(
        parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
        None
    );
    let e = ExchangeError::IpBanned {
        exchange: Exchange::Binance,
        retry_after_s: Some(7200),
    };
    assert_eq!(
        e.to_string(),
        "Binance has temporarily banned your IP address after too many requests (HTTP 418); wait about 2 hours before trying again."
    );
    let e = ExchangeError::UnknownCoin {
        exchange: Exchange::Dydx,
        coin: Some("PEPE".into()),
    };
    assert!(e
        .to_string()
        .starts_with("dYdX has no USD-margined perpetual for PEPE"));
    // The status chip names the exchange itself: the reason alone.
    assert!(e.what_happened().starts_with("has no USD-margined"));
    assert_eq!(
        classify_http(Exchange::Bybit, 502, None, ""),
        Err(ExchangeError::ExchangeError {
            exchange: Exchange::Bybit,
            code: "HTTP 502".into(),
            message: "server error".into()
        })
    );
}

#[test]
fn assemble_fills_gaps_dedupes_and_sorts() {
    let c = |t: i64, p: f64| Candle {
        open_time_ms: t * 60_000,
        open: p,
        high: p + 1.0,
        low: p - 1.0,
        close: p,
        base_volume: 1.0,
        quote_volume: p,
        taker_buy_base: Some(0.5),
    };
    let candles = vec![
        c(3, 103.0),
        c(0, 100.0),
        c(1, 101.0),
        c(1, 111.0),
        c(7, 107.0),
    ];
    let inst = default_instrument(Exchange::Binance, BTC);
    let oi = vec![
        OiPoint {
            time_ms: 2 * 60_000,
            base: 10.0,
        },
        OiPoint {
            time_ms: 4 * 60_000,
            base: 12.0,
        },
    ];
    let mark = vec![(
        60_000,
        HighLow {
            high: 200.0,
            low: 1.0,
        },
    )];
    let s = assemble(
        Exchange::Binance,
        &inst,
        candles,
        mark,
        Some(oi),
        None,
        0.004,
        6 * 60_000,
        Resolution::M1,
    )
    .unwrap();
    let times: Vec<i64> = s.candles.iter().map(|c| c.open_time_ms / 60_000).collect();
    assert_eq!(times, [0, 1, 2, 3]); // t=7 is past the window end, t=2 filled
    assert_eq!(s.candles[1].close, 111.0); // the later duplicate wins
    assert_eq!((s.candles[2].open, s.candles[2].base_volume), (111.0, 0.0));
    assert_eq!(s.open_interest.unwrap(), [10.0, 10.0, 10.0, 12.0]);
    let m = s.mark.unwrap();
    assert_eq!((m[1].high, m[0].high), (200.0, 101.0));
    assert!(assemble(
        Exchange::Binance,
        &inst,
        vec![],
        vec![],
        None,
        None,
        0.004,
        0,
        Resolution::M1
    )
    .is_err());
    assert!(assemble(
        Exchange::Binance,
        &inst,
        vec![c(0, 1.0)],
        vec![],
        None,
        None,
        f64::NAN,
        60_000,
        Resolution::M1
    )
    .is_err());
}

#[test]
fn bybit_inverse_oi_converted_to_base() {
    let inst = Instrument {
        kind: ContractKind::Inverse,
        ..default_instrument(Exchange::Bybit, BTC)
    };
    let candle = Candle {
        open_time_ms: 0,
        open: 50_000.0,
        high: 50_000.0,
        low: 50_000.0,
        close: 50_000.0,
        base_volume: 1.0,
        quote_volume: 1.0,
        taker_buy_base: None,
    };
    let s = assemble(
        Exchange::Bybit,
        &inst,
        vec![candle],
        vec![],
        Some(vec![OiPoint {
            time_ms: 0,
            base: 1e6,
        }]),
        Some(2e6),
        0.005,
        60_000,
        Resolution::M1,
    )
    .unwrap();
    assert_eq!(s.open_interest.unwrap(), [20.0]);
    assert_eq!(s.current_open_interest, Some(40.0));
}

proptest! {
    #[test]
    fn iso_round_trips(ms in 0i64..MAX_TIME_MS) {
        prop_assert_eq!(iso_to_ms(&ms_to_iso(ms)), Some(ms));
    }

    #[test]
    fn plans_never_panic_and_stay_bounded(end in any::<i64>(), window in any::<i64>(), r in 0usize..6, e in 0usize..5) {
        let ex = Exchange::ALL[e];
        let reqs = plan(&default_instrument(ex, "BTC"), end, window, Resolution::ALL[r], "x");
        prop_assert!(reqs.len() <= 3 * MAX_PAGES_PER_SERIES + 2);
    }
}

/// Answers are walked as [`Fields`] the way serde's derive read the old
/// wire structs: defaults for absent fields, `null` as absent for options,
/// the wrong kind of value an error, and arrays read positionally.
#[test]
fn fields_read_as_a_derived_struct_did() {
    use serde_json::json;
    let names = ["s", "n", "b", "rows"];
    let mut f = Fields::of(json!({"s": "x", "n": "1.5", "b": true}), &names).unwrap();
    assert_eq!(f.num("n"), Some(1.5));
    assert_eq!(f.num("absent"), None);
    assert_eq!(f.flag("b"), Ok(true));
    assert_eq!(f.flag("absent"), Ok(false));
    assert_eq!(f.text("s"), Ok("x".to_string()));
    assert_eq!(f.text("absent"), Ok(String::new()));
    assert_eq!(f.rows("rows"), Ok(Vec::new()));
    assert_eq!(f.required_text("absent"), Err(Unfit::Missing("absent")));

    let mut f = Fields::of(json!({"s": null, "rows": 3, "b": null}), &names).unwrap();
    assert_eq!(
        f.text("s"),
        Err(Unfit::Invalid("s")),
        "null is not a string"
    );
    assert_eq!(f.rows("rows"), Err(Unfit::Invalid("rows")));
    assert_eq!(f.flag("b"), Err(Unfit::Invalid("b")));
    assert_eq!(f.opt_flag("b"), Ok(None));
    assert_eq!(f.opt_num("b"), None);

    // Positional: one value per name in turn; fewer are absent, more unfit.
    let f = Fields::of(json!(["x", "2"]), &names).unwrap();
    assert!(f.positional());
    assert_eq!(f.num("n"), Some(2.0));
    assert_eq!(f.get("b"), None);
    assert_eq!(
        Fields::of(json!([1, 2, 3, 4, 5]), &names),
        Err(Unfit::NotAnObject)
    );
    assert_eq!(Fields::of(json!("x"), &names), Err(Unfit::NotAnObject));
}
