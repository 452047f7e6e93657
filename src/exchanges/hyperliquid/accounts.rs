//! One account's positions: `POST /info {"type":"clearinghouseState","user":…}`
//! (Hyperliquid docs, "Info endpoint › Perpetuals › Retrieve user's
//! perpetuals account summary",
//! <https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/info-endpoint/perpetuals>;
//! the field types as in the TypeScript SDK `@nktkas/hyperliquid`,
//! `api/info/_methods/clearinghouseState`). Weight 2 of the 1200 a minute
//! one IP address may spend (see `measured::Scheduler`).

use serde_json::Value;

use super::{post, EX};
use crate::engine::Side;
use crate::exchanges::{
    classify_body, convert_rows, flatten_parsed, from_json, positive, ExchangeError, Fields,
    Parsed, Purpose, Request,
};
use crate::json_text::Json::{Object, Text};
use crate::measured::{Address, Margin, Position};

/// `{"type":"clearinghouseState","user":"0x…"}`.
pub fn account_request(base_url: &str, user: &Address) -> Request {
    let body = Object(vec![
        ("type", Text("clearinghouseState")),
        ("user", Text(user.as_str())),
    ]);
    post(base_url, body, Purpose::Positions)
}

/// The answer (the docs' example, trimmed):
/// ```json
/// {"assetPositions":[{"position":{"coin":"ETH",
///   "cumFunding":{"allTime":"514.085417","sinceChange":"0.0","sinceOpen":"0.0"},
///   "entryPx":"2986.3","leverage":{"rawUsd":"-95.059824","type":"isolated","value":20},
///   "liquidationPx":"2866.26936529","marginUsed":"4.967826","maxLeverage":50,
///   "positionValue":"100.02765","returnOnEquity":"-0.0026789","szi":"0.0335",
///   "unrealizedPnl":"-0.0134"},"type":"oneWay"}],
///  "crossMaintenanceMarginUsed":"0.0",
///  "crossMarginSummary":{"accountValue":"13104.514502","totalMarginUsed":"0.0","totalNtlPos":"0.0","totalRawUsd":"13104.514502"},
///  "marginSummary":{"accountValue":"13109.482328","totalMarginUsed":"4.967826","totalNtlPos":"100.02765","totalRawUsd":"13009.454653"},
///  "time":1708622398623,"withdrawable":"13104.514502"}
/// ```
/// A cross position reads `"leverage":{"type":"cross","value":20}` (no
/// `rawUsd`), and `liquidationPx` is `null` where the account's margin
/// covers the position whatever the price. An account that never traded
/// answers the same object with `assetPositions: []`; a malformed `user`
/// is refused with HTTP 422 and a plain-text reason, which
/// [`crate::exchanges::classify_http`] turns into an error first.
///
/// Every position of every coin; a row that is not a position of a
/// positive size, entry and leverage is dropped and counted.
pub fn parse_account(body: &str) -> Result<Parsed<Position>, ExchangeError> {
    classify_body(EX, body)?;
    let what = "account positions";
    let mut account =
        Fields::of(from_json(EX, body, what)?, &["assetPositions"]).map_err(|e| e.at(EX, what))?;
    let rows = account
        .required_rows("assetPositions")
        .map_err(|e| e.at(EX, what))?;
    Ok(flatten_parsed(convert_rows(rows, position_of)))
}

/// `{"position": {...}, "type": "oneWay"}` → a position; `Some(None)` for
/// a flat one (size 0), `None` for a row that does not fit.
fn position_of(row: Value) -> Option<Option<Position>> {
    let names = ["coin", "szi", "entryPx", "liquidationPx", "leverage"];
    let mut p = Fields::of(row, &["position"])
        .ok()?
        .required_fields("position", &names)
        .ok()?;
    let coin = p.required_text("coin").ok()?;
    let signed = p.num("szi").filter(|s| s.is_finite())?;
    if signed == 0.0 {
        return Some(None);
    }
    let leverage = p.required_fields("leverage", &["type", "value"]).ok()?;
    let margin = match leverage.get("type").and_then(Value::as_str)? {
        "cross" => Margin::Cross,
        "isolated" => Margin::Isolated,
        _ => return None,
    };
    // `null` (none) or a positive price; anything else does not fit.
    let liquidation_price = match p.opt_num("liquidationPx") {
        None => None,
        Some(price) => Some(positive(price)?),
    };
    Some(Some(Position {
        coin,
        side: if signed > 0.0 {
            Side::Long
        } else {
            Side::Short
        },
        size: signed.abs(),
        entry_price: positive(p.num("entryPx"))?,
        liquidation_price,
        leverage: positive(leverage.num("value"))?,
        margin,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchanges::classify_http;
    use crate::exchanges::testutil::{fixture, no_panic, sample};

    #[test]
    fn documented_example_isolated() {
        let p = parse_account(&sample("hyperliquid_clearinghouse_state")).unwrap();
        assert_eq!(p.dropped, 0);
        assert_eq!(
            p.rows,
            vec![Position {
                coin: "ETH".into(),
                side: Side::Long,
                size: 0.0335,
                entry_price: 2986.3,
                liquidation_price: Some(2866.26936529),
                leverage: 20.0,
                margin: Margin::Isolated,
            }]
        );
    }

    #[test]
    fn cross_short_no_price_and_empty() {
        let p = parse_account(&fixture("hyperliquid/accounts/cross.json")).unwrap();
        let short = &p.rows[0];
        assert_eq!(
            (short.side, short.size, short.margin),
            (Side::Short, 1.5, Margin::Cross)
        );
        assert_eq!(
            (short.leverage, short.liquidation_price),
            (10.0, Some(95000.0))
        );
        let p = parse_account(&fixture("hyperliquid/accounts/no_liquidation_price.json")).unwrap();
        assert_eq!((p.rows[0].liquidation_price, p.rows[0].size), (None, 3.0));
        let p = parse_account(&fixture("hyperliquid/accounts/isolated.json")).unwrap();
        assert_eq!(p.rows.len(), 2, "every coin is read; the map picks its own");
        let p = parse_account(&fixture("hyperliquid/accounts/empty.json")).unwrap();
        assert_eq!((p.rows.len(), p.dropped), (0, 0));
    }

    #[test]
    fn error_answers_name_the_exchange() {
        let body = fixture("hyperliquid/accounts/error_422.txt");
        let e = classify_http(EX, 422, None, &body).unwrap_err();
        assert!(e
            .to_string()
            .starts_with("Hyperliquid answered with error HTTP 422: Failed"));
        let e = parse_account(r#"{"error":"bad user"}"#).unwrap_err();
        assert!(e.to_string().contains("bad user"), "{e}");
        assert!(parse_account("null").is_err());
        assert!(parse_account(&body).is_err());
        // A row that does not fit is dropped and counted, the rest read.
        let body = r#"{"assetPositions":[{"position":{"coin":"BTC","szi":"1","entryPx":"1",
            "leverage":{"type":"margin","value":5},"liquidationPx":null}},
            {"position":{"coin":"BTC","szi":"0","entryPx":"1","leverage":{"type":"cross","value":5}}},
            {"position":{"coin":"BTC","szi":"-2","entryPx":"1","leverage":{"type":"cross","value":5},"liquidationPx":"-1"}}]}"#;
        let p = parse_account(body).unwrap();
        assert_eq!(
            (p.rows.len(), p.dropped),
            (0, 2),
            "a flat position is no row and no error"
        );
    }

    #[test]
    fn request_body() {
        let user = Address::parse("0x31ca8395cf837de08b24da3f660e77761dfb974b").unwrap();
        let r = account_request("https://api.hyperliquid.xyz/", &user);
        assert_eq!(r.url, "https://api.hyperliquid.xyz/info");
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"type":"clearinghouseState","user":"0x31ca8395cf837de08b24da3f660e77761dfb974b"}"#
            )
        );
        assert_eq!(r.purpose, Purpose::Positions);
    }

    #[test]
    fn no_panic_on_mutated_answers() {
        let mut bodies = vec![sample("hyperliquid_clearinghouse_state")];
        for name in ["isolated", "cross", "no_liquidation_price", "empty"] {
            bodies.push(fixture(&format!("hyperliquid/accounts/{name}.json")));
        }
        no_panic(&bodies, |b| {
            let _ = parse_account(b);
        });
    }
}
