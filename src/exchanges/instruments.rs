//! Instrument lists: their requests and parsers, and the choice of a coin's perpetual.

use super::{
    binance, bybit, dydx, hyperliquid, okx, Exchange, ExchangeError, Instrument, Parsed, Request,
};
use crate::engine::input::ContractKind;

/// Find the USD(T/C)-margined linear perpetual of `base_asset` (e.g. `"BTC"`,
/// case-insensitive) in a parsed instrument list. Prefers USDT, then USDC,
/// then USD quotes.
pub fn find_instrument<'a>(
    exchange: Exchange,
    list: &'a [Instrument],
    base_asset: &str,
) -> Result<&'a Instrument, ExchangeError> {
    let coin = base_asset.trim().to_ascii_uppercase();
    let rank = |q: &str| match q {
        "USDT" => Some(0),
        "USDC" => Some(1),
        "USD" => Some(2),
        _ => None,
    };
    list.iter()
        .filter(|i| i.exchange == exchange && i.kind == ContractKind::Linear)
        .filter(|i| i.base.eq_ignore_ascii_case(&coin))
        .filter_map(|i| rank(i.quote.to_ascii_uppercase().as_str()).map(|r| (r, i)))
        .min_by_key(|(r, _)| *r)
        .map(|(_, i)| i)
        .ok_or(ExchangeError::UnknownCoin {
            exchange,
            coin: Some(coin),
        })
}

/// The request for `exchange`'s instrument list.
pub fn instruments_request(exchange: Exchange, base_url: &str) -> Request {
    match exchange {
        Exchange::Binance => binance::instruments_request(base_url),
        Exchange::Bybit => bybit::instruments_request(base_url),
        Exchange::Okx => okx::instruments_request(base_url),
        Exchange::Hyperliquid => hyperliquid::instruments_request(base_url),
        Exchange::Dydx => dydx::instruments_request(base_url),
    }
}

/// Parse `exchange`'s instrument list answer.
pub fn parse_instruments(
    exchange: Exchange,
    body: &str,
) -> Result<Parsed<Instrument>, ExchangeError> {
    match exchange {
        Exchange::Binance => binance::parse_instruments(body),
        Exchange::Bybit => bybit::parse_instruments(body),
        Exchange::Okx => okx::parse_instruments(body),
        Exchange::Hyperliquid => hyperliquid::parse_instruments(body),
        Exchange::Dydx => dydx::parse_instruments(body),
    }
}

/// The conventional instrument of `coin` on `exchange` (what
/// [`find_instrument`] returns for the big coins), for planning and counting
/// without a live instrument list. OKX's contract size is a guess here
/// (BTC 0.01, ETH 0.1, else 1); use the parsed list for real requests.
pub fn default_instrument(exchange: Exchange, coin: &str) -> Instrument {
    let coin = coin.trim().to_ascii_uppercase();
    let (symbol, quote, contract_size) = match exchange {
        Exchange::Binance | Exchange::Bybit => (format!("{coin}USDT"), "USDT", 1.0),
        Exchange::Okx => (
            format!("{coin}-USDT-SWAP"),
            "USDT",
            match coin.as_str() {
                "BTC" => 0.01,
                "ETH" => 0.1,
                _ => 1.0,
            },
        ),
        Exchange::Hyperliquid => (coin.clone(), "USDC", 1.0),
        Exchange::Dydx => (format!("{coin}-USD"), "USD", 1.0),
    };
    Instrument {
        exchange,
        symbol,
        base: coin,
        quote: quote.to_string(),
        kind: ContractKind::Linear,
        contract_size,
        tick_size: None,
        max_leverage: None,
    }
}
