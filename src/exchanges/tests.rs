use super::*;
use crate::engine::input::Candle;
use crate::time::{utc_text, Precision};
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
    // Binance, Bybit, OKX, Hyperliquid, dYdX (warm-up included; pages on
    // the fixed grid, so a span may straddle one grid line more).
    assert_eq!(counts(1, Resolution::M5), vec![6, 7, 18, 2, 2]);
    assert_eq!(counts(7, Resolution::M5), vec![17, 32, 70, 3, 6]);
    assert_eq!(counts(30, Resolution::M5), vec![32, 124, 248, 3, 19]);
    assert_eq!(counts(7, Resolution::H1), vec![3, 6, 11, 2, 2]);
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
fn a_resolution_asked_for_is_used_only_when_affordable() {
    let (all, week, month) = (&Exchange::ALL, 7 * DAY_MS, 30 * DAY_MS);
    let auto = auto_resolution(all, BTC, week);
    assert_eq!(resolution_in_force(all, BTC, week, None), auto);
    for asked in affordable_resolutions(all, BTC, week) {
        assert_eq!(resolution_in_force(all, BTC, week, Some(asked)), asked);
    }
    // A 1-minute month costs far more than twice the budget.
    assert_eq!(
        resolution_in_force(all, BTC, month, Some(Resolution::M1)),
        auto_resolution(all, BTC, month)
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
        // 1440 hourly rows: 4 pages of 500, 2 of 1000; 180 eight-hourly:
        // 1 page of Binance's 1000, 2 of OKX's 400 or Bybit's 200 (pages on
        // the fixed grid straddle a line).
        let want = match exchange {
            Exchange::Hyperliquid => 4,
            Exchange::Dydx | Exchange::Bybit | Exchange::Okx => 2,
            _ => 1,
        };
        assert_eq!(requests.len(), want, "{exchange}");
        assert!(requests.iter().all(|r| r.purpose == Purpose::Funding));
        if hourly {
            let last = requests.last().map(|r| format!("{}{:?}", r.url, r.body));
            let end_text = [
                (end - 1).to_string(),
                utc_text(end - 1, Precision::Milli).replace(':', "%3A"),
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

/// The follow-ups of `request` when its answer brought rows at `times`.
fn follow(request: &Request, times: &[i64], cursor: Option<&str>) -> Vec<Request> {
    let inst = default_instrument(request_exchange(request), BTC);
    let served = Served {
        times: times.to_vec(),
        cursor: cursor.map(str::to_string),
    };
    follow_up(&inst, request, &served, "https://x")
}

fn request_exchange(request: &Request) -> Exchange {
    match request.url.as_str() {
        u if u.contains("/fapi/") => Exchange::Binance,
        u if u.contains("/api/v5/") => Exchange::Okx,
        u if u.contains("/v5/") => Exchange::Bybit,
        u if u.contains("/candles/perpetualMarkets/") => Exchange::Dydx,
        _ => Exchange::Hyperliquid,
    }
}

const M5: i64 = 300_000;
const END: i64 = 1_767_225_600_000;

/// The first candle page of `exchange`'s plan for a day at 5 minutes.
fn first_candle_page(exchange: Exchange) -> Request {
    let inst = default_instrument(exchange, BTC);
    plan(&inst, END, DAY_MS, Resolution::M5, "https://x")
        .into_iter()
        .find(|r| r.purpose == Purpose::Candles)
        .unwrap()
}

#[test]
fn a_short_answer_is_followed_from_where_it_stopped() {
    for exchange in Exchange::ALL {
        let request = first_candle_page(exchange);
        let page = request.page.unwrap();
        let rows = page.rows() as i64;
        let all: Vec<i64> = (0..rows).map(|k| page.start_ms + k * M5).collect();
        // Everything: nothing to follow. Nothing: no progress, stop.
        assert!(follow(&request, &all, None).is_empty(), "{exchange}");
        assert!(follow(&request, &[], None).is_empty(), "{exchange}");
        // The newest third (newest-first exchanges cut there): the older
        // rest is asked, with the exchange's own cursor fields.
        let newest = &all[all.len() * 2 / 3..];
        let next = follow(&request, newest, None);
        assert_eq!(next.len(), 1, "{exchange}");
        let rest = next[0].page.unwrap();
        assert_eq!((rest.start_ms, rest.end_ms), (page.start_ms, newest[0]));
        let cursor = match exchange {
            Exchange::Binance => format!("endTime={}", newest[0] - 1),
            Exchange::Bybit => format!("end={}", newest[0] - 1),
            Exchange::Okx => format!("after={}", newest[0]),
            Exchange::Hyperliquid => format!("\"endTime\":{}", newest[0] - 1),
            Exchange::Dydx => format!("toISO={}", enc(&utc_text(newest[0] - 1, Precision::Milli))),
        };
        let text = format!(
            "{}{}",
            next[0].url,
            next[0].body.clone().unwrap_or_default()
        );
        assert!(text.contains(&cursor), "{exchange}: {text}");
        // The oldest third (oldest-first exchanges cut there): the newer rest.
        let oldest = &all[..all.len() / 3];
        let next = follow(&request, oldest, None);
        let rest = next[0].page.unwrap();
        assert_eq!(rest.start_ms, oldest[oldest.len() - 1] + 1, "{exchange}");
        // Rows outside the page (an exchange that ignores the range) are
        // no progress.
        assert!(follow(&request, &[page.end_ms, page.end_ms + M5], None).is_empty());
    }
}

#[test]
fn following_up_always_ends() {
    // An answer that always brings just its newest row: every follow-up
    // asks a strictly smaller range, until none is left.
    let mut queue = vec![first_candle_page(Exchange::Okx)];
    let mut sent = 0;
    while let Some(request) = queue.pop() {
        sent += 1;
        let page = request.page.unwrap();
        let newest = (page.end_ms - 1).div_euclid(M5) * M5;
        queue.extend(follow(&request, &[newest], None));
        assert!(sent <= page.rows() + 600, "runs away");
    }
    assert_eq!(sent, first_candle_page(Exchange::Okx).page.unwrap().rows());
}

#[test]
fn bybit_open_interest_is_followed_with_its_cursor() {
    let inst = default_instrument(Exchange::Bybit, BTC);
    let request = plan(&inst, END, DAY_MS, Resolution::M5, "https://x")
        .into_iter()
        .find(|r| r.purpose == Purpose::OpenInterestHistory)
        .unwrap();
    let page = request.page.unwrap();
    let newest = [page.end_ms - M5, page.end_ms - 2 * M5];
    let next = follow(&request, &newest, Some("abc+1=="));
    assert!(
        next[0].url.ends_with("&cursor=abc%2B1%3D%3D"),
        "{}",
        next[0].url
    );
    assert!(next[0].url.starts_with(&request.url));
    // Followed again: one cursor, the new one.
    let again = follow(&next[0], &[page.start_ms + M5 * 5], Some("def"));
    assert!(again[0].url.ends_with("&cursor=def") && !again[0].url.contains("abc"));
}

#[test]
fn pages_sit_on_a_fixed_grid() {
    // Two views a minute apart ask the same pages but the newest.
    let inst = default_instrument(Exchange::Binance, BTC);
    let urls = |end: i64| -> Vec<String> {
        plan(&inst, end, 7 * DAY_MS, Resolution::M1, "https://x")
            .into_iter()
            .map(|r| r.url)
            .collect()
    };
    let (a, b) = (urls(END + 7 * 60_000), urls(END + 8 * 60_000));
    let shared = a.iter().filter(|u| b.contains(u)).count();
    // Per series (klines, mark, OI) only the newest page differs.
    assert_eq!(shared, a.len() - 3, "{a:#?}");
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
        (0, 6 * 60_000),
        Resolution::M1,
    )
    .unwrap();
    let times: Vec<i64> = s.candles.iter().map(|c| c.open_time_ms / 60_000).collect();
    // t=7 is past the window end; t=2, 4 and 5 were not delivered: kept as
    // placeholders flagged missing, so the series reaches the window's end.
    assert_eq!(times, [0, 1, 2, 3, 4, 5]);
    assert_eq!(s.missing, [false, false, true, false, true, true]);
    assert_eq!(s.candles[1].close, 111.0); // the later duplicate wins
    assert_eq!((s.candles[2].open, s.candles[2].base_volume), (111.0, 0.0));
    assert_eq!(
        s.open_interest.clone().unwrap(),
        [10.0, 10.0, 10.0, 12.0, 12.0, 12.0]
    );
    let coverage = Coverage::of(&s, (0, 6 * 60_000));
    assert_eq!((coverage.expected, coverage.delivered), (6, 3));
    assert_eq!(
        coverage.gaps,
        [(2 * 60_000, 3 * 60_000), (4 * 60_000, 6 * 60_000)]
    );
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
        (0, 0),
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
        (0, 60_000),
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
        (0, 60_000),
        Resolution::M1,
    )
    .unwrap();
    assert_eq!(s.open_interest.unwrap(), [20.0]);
    assert_eq!(s.current_open_interest, Some(40.0));
}

proptest! {
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
