use super::events::{decode, encode, expiry_key, wait_for_write, KEEP_MS, WAITING_MAX};
use super::evict::{evictions, total_bytes, Usage};
use super::*;
use crate::exchanges::{default_instrument, plan, Exchange, Page, Resolution};
use crate::live::LiqEvent;
use proptest::prelude::*;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

fn page_request(purpose: Purpose, start_ms: i64, end_ms: i64) -> Request {
    Request {
        method: crate::exchanges::Method::Get,
        url: format!("https://x/{start_ms}-{end_ms}"),
        body: None,
        purpose,
        page: Some(Page {
            start_ms,
            end_ms,
            step_ms: HOUR,
        }),
    }
}

#[test]
fn only_settled_pages_of_series_are_kept() {
    let now = 100 * DAY;
    let old = page_request(Purpose::Candles, 90 * DAY, 91 * DAY);
    assert!(storable(&old, now));
    // The newest page holds the open candle: asked every time.
    assert!(!storable(
        &page_request(Purpose::Candles, 99 * DAY, now),
        now
    ));
    // Closed but not settled (open-interest history comes minutes late).
    let just_closed = page_request(Purpose::OpenInterestHistory, now - DAY, now - 60_000);
    assert!(!storable(&just_closed, now));
    for purpose in [Purpose::Instruments, Purpose::RiskTiers, Purpose::OrderBook] {
        let mut r = old.clone();
        r.purpose = purpose;
        assert!(!storable(&r, now), "{purpose:?}");
    }
    let mut unpaged = old.clone();
    unpaged.page = None;
    assert!(!storable(&unpaged, now));
}

#[test]
fn only_complete_answers_are_kept() {
    let request = page_request(Purpose::Candles, 0, 4 * HOUR);
    let served = |times: Vec<i64>| Served {
        times,
        cursor: None,
    };
    assert!(complete(
        &request,
        &served(vec![0, HOUR, 2 * HOUR, 3 * HOUR])
    ));
    // Duplicates and rows outside the page do not make up for a hole.
    let holed = served(vec![0, HOUR, HOUR, 3 * HOUR, 9 * HOUR]);
    assert!(!complete(&request, &holed));
    assert!(!complete(&request, &served(Vec::new())));
}

#[test]
fn each_shape_of_view_draws_from_its_own_record() {
    let keys = [
        drawn_key(Exchange::Binance, "BTC", 7 * DAY, HOUR, false),
        drawn_key(Exchange::Bybit, "BTC", 7 * DAY, HOUR, false),
        drawn_key(Exchange::Binance, "ETH", 7 * DAY, HOUR, false),
        drawn_key(Exchange::Binance, "BTC", DAY, HOUR, false),
        drawn_key(Exchange::Binance, "BTC", 7 * DAY, 4 * HOUR, false),
        drawn_key(Exchange::Binance, "BTC", 7 * DAY, HOUR, true),
    ];
    let distinct: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len());
    // Not an answer's key: no request's URL begins so.
    assert!(keys.iter().all(|k| is_drawn_key(k)));
    assert!(!is_drawn_key(&key(&page_request(
        Purpose::Candles,
        0,
        HOUR
    ))));
}

#[test]
fn keys_tell_posts_apart_by_body() {
    let mut a = page_request(Purpose::Candles, 0, HOUR);
    let mut b = a.clone();
    a.body = Some("{\"coin\":\"BTC\"}".into());
    b.body = Some("{\"coin\":\"ETH\"}".into());
    assert_ne!(key(&a), key(&b));
    assert_ne!(key(&a), key(&page_request(Purpose::Candles, 0, HOUR)));
}

/// What a reload asks: every page the first load kept is read back, only
/// the newer ones are sent. A 7-day view reopened a minute later sends,
/// per series, just the newest page (the one with the open candle).
#[test]
fn a_reload_a_minute_later_asks_only_the_newest_page_per_series() {
    let now = 1_760_000_000_000;
    for exchange in Exchange::ALL {
        let instrument = default_instrument(exchange, "BTC");
        let first = plan(&instrument, now, 7 * DAY, Resolution::M15, "https://x");
        let kept: Vec<String> = first.iter().filter(|r| storable(r, now)).map(key).collect();
        let later = now + 60_000;
        let second = plan(&instrument, later, 7 * DAY, Resolution::M15, "https://x");
        let sent: Vec<&Request> = second.iter().filter(|r| !kept.contains(&key(r))).collect();
        let series: std::collections::BTreeSet<String> =
            second.iter().map(|r| format!("{:?}", r.purpose)).collect();
        assert!(
            sent.len() <= series.len(),
            "{exchange:?}: {} sent of {} for {} series",
            sent.len(),
            second.len(),
            series.len()
        );
    }
}

#[test]
fn a_kept_answer_is_used_only_under_its_own_key_and_with_a_body() {
    let ok = KeptAnswer::check("k", Some("k"), Some("[1]".into()));
    assert_eq!(ok, Some(KeptAnswer { body: "[1]".into() }));
    assert_eq!(KeptAnswer::check("k", Some("j"), Some("[1]".into())), None);
    assert_eq!(KeptAnswer::check("k", None, Some("[1]".into())), None);
    assert_eq!(KeptAnswer::check("k", Some("k"), Some("  ".into())), None);
    assert_eq!(KeptAnswer::check("k", Some("k"), None), None);
}

fn usage(key: &str, bytes: u64, used_ms: i64) -> Usage {
    Usage {
        key: key.into(),
        bytes,
        used_ms,
    }
}

#[test]
fn the_least_recently_used_go_first_until_the_rest_fits() {
    let entries = [
        usage("new", 40, 300),
        usage("oldest", 30, 100),
        usage("old", 50, 200),
    ];
    assert_eq!(total_bytes(&entries), 120);
    assert!(evictions(&entries, 120).is_empty());
    assert_eq!(evictions(&entries, 100), vec!["oldest"]);
    assert_eq!(evictions(&entries, 60), vec!["oldest", "old"]);
    assert_eq!(evictions(&entries, 0), vec!["oldest", "old", "new"]);
}

proptest! {
    #[test]
    fn eviction_fits_the_cap_and_keeps_the_newest(
        rows in prop::collection::vec((0u64..1000, 0i64..50), 0..40),
        cap in 0u64..20_000,
    ) {
        let entries: Vec<Usage> = rows
            .iter()
            .enumerate()
            .map(|(i, (bytes, used))| usage(&i.to_string(), *bytes, *used))
            .collect();
        let gone = evictions(&entries, cap);
        let kept: Vec<&Usage> = entries.iter().filter(|e| !gone.contains(&e.key)).collect();
        prop_assert!(kept.iter().map(|e| e.bytes).sum::<u64>() <= cap);
        // Nothing kept was used before something evicted.
        let newest_gone = entries.iter().filter(|e| gone.contains(&e.key)).map(|e| e.used_ms).max();
        if let Some(newest_gone) = newest_gone {
            prop_assert!(kept.iter().all(|e| e.used_ms >= newest_gone));
        }
    }
}

fn event(time_ms: i64) -> LiqEvent {
    LiqEvent {
        exchange: Exchange::Okx,
        time_ms,
        price: 64_123.45,
        usd: 0.1 + 0.2,
        side: crate::exchanges::Side::Short,
    }
}

#[test]
fn kept_events_read_back_exactly_and_sort_by_time() {
    let now = 1_760_000_000_000;
    let line = |e: &LiqEvent| encode("BTC-USDT-SWAP", e).unwrap_or_default();
    let e = event(now - HOUR);
    assert_eq!(decode(&line(&e), now), Some(("BTC-USDT-SWAP".into(), e)));
    assert!(line(&event(now - 2 * HOUR)) < line(&e));
    // Older than the kept period: below the expiry key, and refused.
    let stale = event(now - KEEP_MS - 1);
    assert!(line(&stale) < expiry_key(now));
    assert!(line(&e) > expiry_key(now));
    assert_eq!(decode(&line(&stale), now), None);
    assert_eq!(encode("A|B", &e), None, "a symbol that would not read back");
}

#[test]
fn damaged_event_lines_are_refused() {
    let now = 1_760_000_000_000;
    let good = encode("BTCUSDT", &event(now)).unwrap_or_default();
    let nan = good.replace(
        &(64_123.45f64).to_bits().to_string(),
        &f64::NAN.to_bits().to_string(),
    );
    for line in [
        "",
        "garbage",
        &good.replace("okx", "ftx"),
        &good.replace("|S|", "|X|"),
        &good.replace("BTCUSDT", ""),
        &format!("{good}|extra"),
        &nan,
    ] {
        assert_eq!(decode(line, now), None, "{line}");
    }
}

proptest! {
    #[test]
    fn decoding_any_text_never_panics(line in ".{0,80}") {
        let _ = decode(&line, 1_760_000_000_000);
    }
}

fn newest_page(start_ms: i64, end_ms: i64) -> Page {
    Page {
        start_ms,
        end_ms,
        step_ms: HOUR,
    }
}

#[test]
fn the_newest_page_is_kept_under_a_key_that_does_not_move_with_the_end() {
    let now = 100 * DAY;
    let page = page_request(Purpose::Candles, 99 * DAY, now);
    let later = page_request(Purpose::Candles, 99 * DAY, now + HOUR);
    let key = tail_key(Exchange::Okx, "BTC-USDT-SWAP", &page, now);
    assert!(key.is_some());
    assert_eq!(
        key,
        tail_key(Exchange::Okx, "BTC-USDT-SWAP", &later, now + HOUR)
    );
    assert_ne!(key, tail_key(Exchange::Bybit, "BTC-USDT-SWAP", &page, now));
    let mut mark = page.clone();
    mark.purpose = Purpose::MarkCandles;
    assert_ne!(key, tail_key(Exchange::Okx, "BTC-USDT-SWAP", &mark, now));
    // Settled pages are kept by their request; one-off answers never.
    let old = page_request(Purpose::Candles, 90 * DAY, 91 * DAY);
    assert_eq!(tail_key(Exchange::Okx, "BTC-USDT-SWAP", &old, now), None);
    let mut tiers = page;
    tiers.purpose = Purpose::RiskTiers;
    assert_eq!(tail_key(Exchange::Okx, "BTC-USDT-SWAP", &tiers, now), None);
}

#[test]
fn a_kept_newest_page_reaches_the_step_after_its_last_row_without_a_hole() {
    let page = newest_page(10 * HOUR, 20 * HOUR);
    let rows: Vec<i64> = (10..20).map(|h| h * HOUR).collect();
    assert_eq!(covered_until(page, &rows), Some(20 * HOUR));
    // Newest first, a duplicate, a row outside: the same.
    let mut shuffled: Vec<i64> = rows.iter().rev().copied().collect();
    shuffled.extend([12 * HOUR, 30 * HOUR]);
    assert_eq!(covered_until(page, &shuffled), Some(20 * HOUR));
    // The last rows not out yet: reaches as far as the rows go.
    assert_eq!(covered_until(page, &rows[..7]), Some(17 * HOUR));
    // A hole: not trusted at all.
    let holed: Vec<i64> = rows.iter().copied().filter(|t| *t != 13 * HOUR).collect();
    assert_eq!(covered_until(page, &holed), None);
    assert_eq!(covered_until(page, &[]), None);
    // Funding stamped a few ms after its hour still counts.
    let jittered: Vec<i64> = rows.iter().map(|t| t + 3).collect();
    assert_eq!(covered_until(page, &jittered), Some(20 * HOUR + 3));
}

#[test]
fn only_what_is_newer_than_the_kept_rows_is_asked() {
    let page = newest_page(10 * HOUR, 20 * HOUR);
    // Reopened within the same candle: nothing newer can exist.
    assert_eq!(still_to_ask(page, 20 * HOUR), None);
    // The next open-interest period or funding time is still ahead.
    assert_eq!(
        still_to_ask(newest_page(10 * HOUR, 20 * HOUR + 1), 28 * HOUR),
        None
    );
    // Two candles later: just those.
    assert_eq!(
        still_to_ask(newest_page(10 * HOUR, 22 * HOUR), 20 * HOUR),
        Some(newest_page(20 * HOUR, 22 * HOUR))
    );
}

#[test]
fn lines_waiting_for_their_write_are_bounded_the_newest_kept() {
    let line = |i: usize| format!("{i:013}|binance|BTCUSDT|L|1|1");
    let mut waiting = Vec::new();
    assert_eq!(
        wait_for_write(&mut waiting, (0..WAITING_MAX - 1).map(line)),
        0
    );
    assert_eq!(
        wait_for_write(&mut waiting, (WAITING_MAX - 1..WAITING_MAX + 5).map(line)),
        5
    );
    assert_eq!(waiting.len(), WAITING_MAX);
    assert_eq!(waiting.first(), Some(&line(5)));
    assert_eq!(waiting.last(), Some(&line(WAITING_MAX + 4)));
}
