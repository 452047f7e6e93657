//! Order book depth: one request and one parser per exchange, all ending in
//! the same [`Depth`] through the helpers here.
//!
//! Like every other answer, a depth answer goes through [`classify_http`]
//! first (429, 418, 451, 403, error bodies), and each parser recognises
//! error bodies itself too. Levels are lenient in representation and strict
//! in value: a level whose price or size is missing, not finite or not
//! positive is dropped and counted; what remains is sorted best first
//! (equal prices merged) into an [`OrderBook`]. A crossed book or one
//! without any level is a [`ExchangeError::Malformed`] answer.
//!
//! [`classify_http`]: super::classify_http

use serde_json::Value;

use super::{
    binance, bybit, convert_rows, dydx, hyperliquid, num_at, okx, positive, Exchange,
    ExchangeError, Instrument, Parsed,
};
use crate::analysis::{BookLevel, OrderBook};
use crate::engine::ContractKind;

/// An order book snapshot from one exchange, sizes in USD.
#[derive(Clone, Debug, PartialEq)]
pub struct Depth {
    /// When the exchange produced it, where the answer says.
    pub time_ms: Option<i64>,
    pub book: OrderBook,
    /// Levels dropped as invalid.
    pub dropped: usize,
}

/// The depth request for `instrument` on its exchange.
pub fn depth_request(instrument: &Instrument, base_url: &str) -> super::Request {
    match instrument.exchange {
        Exchange::Binance => binance::depth_request(instrument, base_url),
        Exchange::Bybit => bybit::depth_request(instrument, base_url),
        Exchange::Okx => okx::depth_request(instrument, base_url),
        Exchange::Hyperliquid => hyperliquid::depth_request(instrument, base_url),
        Exchange::Dydx => dydx::depth_request(instrument, base_url),
    }
}

/// Parse the answer to [`depth_request`] for `instrument`.
pub fn parse_depth(instrument: &Instrument, body: &str) -> Result<Depth, ExchangeError> {
    match instrument.exchange {
        Exchange::Binance => binance::parse_depth(body),
        Exchange::Bybit => bybit::parse_depth(body, instrument),
        Exchange::Okx => okx::parse_depth(body, instrument),
        Exchange::Hyperliquid => hyperliquid::parse_depth(body),
        Exchange::Dydx => dydx::parse_depth(body),
    }
}

/// What a level's size counts, and how many of it one unit is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SizeUnit {
    /// Base coins per unit (USD = size × this × price).
    Base(f64),
    /// USD per unit (inverse contracts: USD = size × this).
    Usd(f64),
}

impl SizeUnit {
    /// Contracts of `instrument`: base coins for linear contracts, USD for
    /// inverse ones (see [`Instrument::contract_size`]).
    pub(crate) fn contracts(instrument: &Instrument) -> SizeUnit {
        match instrument.kind {
            ContractKind::Linear => SizeUnit::Base(instrument.contract_size),
            ContractKind::Inverse => SizeUnit::Usd(instrument.contract_size),
        }
    }
}

/// A level's price and size as read, before validation.
pub(crate) type RawLevel = (Option<f64>, Option<f64>);

/// A positional level `["price", "size", ...]` (Binance, Bybit, OKX);
/// `None` if the row is not an array.
pub(crate) fn positional_level(row: Value) -> Option<RawLevel> {
    let row = row.as_array()?;
    Some((num_at(row, 0), num_at(row, 1)))
}

/// Both sides' raw rows into a [`Depth`]: each row turned into a price and
/// size by `level` (`None`: not the shape it reads), validated, converted
/// to USD by `unit`.
pub(crate) fn depth_from_rows(
    exchange: Exchange,
    bids: Vec<Value>,
    asks: Vec<Value>,
    time_ms: Option<i64>,
    unit: SizeUnit,
    level: impl Fn(Value) -> Option<RawLevel>,
) -> Result<Depth, ExchangeError> {
    let side = |rows: Vec<Value>| -> Parsed<BookLevel> {
        convert_rows(rows, |w| {
            let (price, size) = level(w)?;
            let (price, size) = (positive(price)?, positive(size)?);
            let usd = match unit {
                SizeUnit::Base(per_unit) => size * per_unit * price,
                SizeUnit::Usd(per_unit) => size * per_unit,
            };
            Some(BookLevel {
                price,
                usd: positive(Some(usd))?,
            })
        })
    };
    let (bids, asks) = (side(bids), side(asks));
    if bids.rows.is_empty() && asks.rows.is_empty() {
        return Err(ExchangeError::malformed(
            exchange,
            "order book without a valid level",
        ));
    }
    let book = OrderBook::from_levels(bids.rows, asks.rows)
        .map_err(|e| ExchangeError::malformed(exchange, format!("order book: {e}")))?;
    Ok(Depth {
        time_ms,
        book,
        dropped: bids.dropped + asks.dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchanges::testutil::{depth_example, fixture, no_panic, sample};
    use crate::exchanges::{classify_http, default_instrument, Method, Purpose};

    /// Each exchange's depth fixture (see `gen.py`): the exchange's
    /// documented shape, a BTC book around the fixtures' last close.
    fn depth_fixture(exchange: Exchange) -> String {
        fixture(match exchange {
            Exchange::Binance => "binance/depth.json",
            Exchange::Bybit => "bybit/orderbook.json",
            Exchange::Okx => "okx/books.json",
            Exchange::Hyperliquid => "hyperliquid/l2_book.json",
            Exchange::Dydx => "dydx/orderbook.json",
        })
    }

    #[test]
    fn every_exchange_reads_its_book_around_the_last_close() {
        // The fixtures' candles end at 86,537.48.
        for exchange in Exchange::ALL {
            let btc = default_instrument(exchange, "BTC");
            let request = depth_request(&btc, exchange.default_base_url());
            assert_eq!(request.purpose, Purpose::OrderBook);
            let depth = parse_depth(&btc, &depth_fixture(exchange)).expect("fixture parses");
            assert_eq!(depth.dropped, 0, "{exchange}");
            let mid = depth.book.mid().expect("both sides");
            assert!((mid - 86_537.48).abs() < 5.0, "{exchange}: mid {mid}");
            let bid_usd: f64 = depth.book.bids().iter().map(|l| l.usd).sum();
            // Hundreds of thousands to tens of millions of USD per side.
            assert!(bid_usd > 1e5 && bid_usd < 1e9, "{exchange}: {bid_usd}");
        }
    }

    #[test]
    fn requests_are_the_documented_ones() {
        let url = |exchange| {
            let r = depth_request(
                &default_instrument(exchange, "BTC"),
                exchange.default_base_url(),
            );
            (r.method, r.url, r.body)
        };
        assert_eq!(
            url(Exchange::Binance),
            (
                Method::Get,
                "https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000".into(),
                None
            )
        );
        assert_eq!(
            url(Exchange::Bybit).1,
            "https://api.bybit.com/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=500"
        );
        assert_eq!(
            url(Exchange::Okx).1,
            "https://www.okx.com/api/v5/market/books?instId=BTC-USDT-SWAP&sz=400"
        );
        assert_eq!(
            url(Exchange::Hyperliquid),
            (
                Method::Post,
                "https://api.hyperliquid.xyz/info".into(),
                Some(r#"{"type":"l2Book","coin":"BTC"}"#.into())
            )
        );
        assert_eq!(
            url(Exchange::Dydx).1,
            "https://indexer.dydx.trade/v4/orderbooks/perpetualMarket/BTC-USD"
        );
    }

    /// The same statuses give the same errors as on every other endpoint.
    #[test]
    fn refused_answers_are_the_shared_errors() {
        for exchange in Exchange::ALL {
            let body = depth_fixture(exchange);
            assert_eq!(
                classify_http(exchange, 429, Some("30"), "").unwrap_err(),
                ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: Some(30)
                }
            );
            assert!(matches!(
                classify_http(exchange, 418, None, ""),
                Err(ExchangeError::IpBanned { .. })
            ));
            assert_eq!(
                classify_http(exchange, 451, None, "").unwrap_err(),
                ExchangeError::RegionRestricted {
                    exchange,
                    status: 451
                }
            );
            assert_eq!(classify_http(exchange, 200, None, &body), Ok(()));
        }
    }

    #[test]
    fn error_bodies_are_the_shared_errors() {
        let btc = |e| default_instrument(e, "BTC");
        let cases = [
            (Exchange::Binance, sample("binance_error_invalid_symbol")),
            (Exchange::Bybit, sample("bybit_error_rate_limit")),
            (Exchange::Okx, sample("okx_error_instrument_not_exist")),
            (Exchange::Okx, sample("okx_error_rate_limit")),
            (Exchange::Hyperliquid, "null".to_string()),
            (Exchange::Dydx, fixture("errors/dydx_bad_request.json")),
        ];
        for (exchange, body) in cases {
            let from_parser = parse_depth(&btc(exchange), &body).unwrap_err();
            let from_http = classify_http(exchange, 200, None, &body).err();
            match from_http {
                // Whatever classify_http says, the parser says the same.
                Some(e) => assert_eq!(from_parser, e, "{exchange}"),
                None => assert!(
                    matches!(from_parser, ExchangeError::UnknownCoin { .. }),
                    "{exchange}: {from_parser:?}"
                ),
            }
        }
        assert!(matches!(
            parse_depth(
                &btc(Exchange::Binance),
                &sample("binance_error_invalid_symbol")
            ),
            Err(ExchangeError::UnknownCoin { .. })
        ));
    }

    #[test]
    fn malformed_answers_are_clear_errors() {
        for exchange in Exchange::ALL {
            let btc = default_instrument(exchange, "BTC");
            for body in ["", "not json", "{}", "[]", "[1,2,3]", "{\"bids\":7}"] {
                assert!(
                    matches!(
                        parse_depth(&btc, body),
                        Err(ExchangeError::Malformed { .. } | ExchangeError::UnknownCoin { .. })
                    ),
                    "{exchange}: {body:?}"
                );
            }
            // A crossed book: the best bid raised above the best ask.
            let body = depth_fixture(exchange);
            let crossed = parse_depth(&btc, &body).map(|d| {
                let bid = d.book.bids()[0].price;
                let ask = d.book.asks()[0].price;
                let text = format!("\"{}\"", price_text(&body, bid));
                body.replacen(&text, &format!("\"{}\"", ask + 1000.0), 1)
            });
            let e = parse_depth(&btc, &crossed.expect("fixture")).unwrap_err();
            assert!(e.to_string().contains("crossed"), "{exchange}: {e}");
        }
    }

    /// How the fixture writes `price` (as the first quoted number equal to it).
    fn price_text(body: &str, price: f64) -> String {
        body.split('"')
            .find(|t| t.parse::<f64>() == Ok(price))
            .expect("price in the body")
            .to_string()
    }

    #[test]
    fn invalid_levels_are_dropped_and_counted() {
        let body = r#"{"lastUpdateId":1,"E":2,"T":3,
            "bids":[["86000.1","1.5"],["NaN","1"],["85999","-2"],["85998","0"],["x"],7],
            "asks":[["86001","0.5"],["86002","1e400"]]}"#;
        let d = binance::parse_depth(body).unwrap();
        assert_eq!(d.dropped, 6);
        assert_eq!(d.time_ms, Some(3));
        assert_eq!(d.book.bids().len(), 1);
        assert_eq!(d.book.bids()[0].usd, 86000.1 * 1.5);
        let empty = r#"{"bids":[["NaN","1"]],"asks":[]}"#;
        assert!(matches!(
            binance::parse_depth(empty),
            Err(ExchangeError::Malformed { .. })
        ));
    }

    #[test]
    fn no_panic_on_mutated_answers() {
        // The documented examples (one or two levels each): small bodies,
        // so the mutations reach every field.
        let bodies: Vec<String> = Exchange::ALL
            .iter()
            .map(|e| depth_example(*e).to_string())
            .collect();
        let instruments: Vec<Instrument> = Exchange::ALL
            .iter()
            .map(|e| default_instrument(*e, "BTC"))
            .collect();
        no_panic(&bodies, |b| {
            for instrument in &instruments {
                let _ = parse_depth(instrument, b);
            }
        });
    }
}
