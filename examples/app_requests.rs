//! Every kind of REST request the app sends, one JSON object a line
//! (`{"exchange","method","url","body"}`), from the same functions the page
//! calls: the CORS proxy's tests (proxy/test/) check that its allowlist
//! lets each one through. Views of BTC over every window and resolution,
//! funding history, order books, live mode's open-interest requests,
//! follow-ups of short pages (`follow_up`: either end, Bybit's cursor) and
//! dYdX's past liquidations, Hyperliquid's account positions.
//!
//! `cargo run --release --example app_requests [now_ms]`

use liqmap::choice::Choice;
use liqmap::exchanges::hyperliquid::accounts::account_request;
use liqmap::exchanges::{
    default_instrument, depth_request, follow_up, funding_requests, instruments_request,
    open_interest_requests, plan, Exchange, Method, Purpose, Request, Resolution, Served,
};
use liqmap::live::dydx;
use liqmap::measured::Address;
use liqmap::url_state::Window;

fn main() {
    // A fixed, grid-aligned "now" unless one is given: 2026-01-01T00:00:00Z.
    let now = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_767_225_600_000_i64);
    for exchange in Exchange::ALL {
        let base = exchange.default_base_url();
        let coin = default_instrument(exchange, "BTC");
        let mut requests = vec![
            instruments_request(exchange, base),
            depth_request(&coin, base),
        ];
        for resolution in Resolution::ALL {
            let end = now - now.rem_euclid(resolution.ms());
            for window in Window::ALL {
                requests.extend(plan(&coin, end, window.ms(), resolution, base));
                let start = end - 2 * window.ms();
                requests.extend(funding_requests(&coin, start, end, base));
            }
            let newest_open = end - resolution.ms();
            requests.extend(open_interest_requests(&coin, newest_open, resolution, base));
        }
        // A page that brought one row in its middle is followed on both
        // sides; Bybit's open interest with its cursor.
        let follow_ups: Vec<Request> = requests
            .iter()
            .filter_map(|r| Some((r, r.page?)))
            .flat_map(|(request, page)| {
                let middle = page.start_ms + (page.end_ms - page.start_ms) / 2;
                let middle = middle - middle.rem_euclid(page.step_ms.max(1));
                let bybit_oi =
                    exchange == Exchange::Bybit && request.purpose == Purpose::OpenInterestHistory;
                let served = Served {
                    times: vec![middle],
                    cursor: bybit_oi.then(|| "id=12345&ts:1767225600000".to_string()),
                };
                follow_up(&coin, request, &served, base)
            })
            .collect();
        for request in requests.iter().chain(&follow_ups) {
            print(exchange, request);
        }
        if exchange == Exchange::Hyperliquid {
            // Measured positions: one account's positions.
            let user = Address::parse("0x31ca8395cf837de08b24da3f660e77761dfb974b");
            user.iter()
                .for_each(|user| print(exchange, &account_request(base, user)));
        }
        if exchange == Exchange::Dydx {
            for before in [None, Some(now - 60_000)] {
                let url = dydx::trades_url(base, &coin.symbol, before);
                println!("{}", line(exchange, "GET", &url, None));
            }
        }
    }
}

fn print(exchange: Exchange, request: &Request) {
    let method = match request.method {
        Method::Get => "GET",
        Method::Post => "POST",
    };
    println!(
        "{}",
        line(exchange, method, &request.url, request.body.as_deref())
    );
}

fn line(exchange: Exchange, method: &str, url: &str, body: Option<&str>) -> String {
    serde_json::json!({
        "exchange": exchange.id(),
        "method": method,
        "url": url,
        "body": body,
    })
    .to_string()
}
