//! [`ExchangeError`] and the classification of HTTP answers and error bodies.

use std::fmt;

use serde_json::Value;

use super::{value_i64, Exchange, Fields};

/// Why data from an exchange could not be had; `Display` is meant for users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeError {
    /// HTTP 429 or an exchange's "too many requests" code.
    RateLimited {
        exchange: Exchange,
        retry_after_s: Option<u64>,
    },
    /// HTTP 418: Binance bans an IP that ignored its 429s.
    IpBanned {
        exchange: Exchange,
        retry_after_s: Option<u64>,
    },
    /// HTTP 451 (restricted region) or 403 (WAF, IP limit or region).
    RegionRestricted { exchange: Exchange, status: u16 },
    /// An error answer from the exchange that has no more specific meaning.
    ExchangeError {
        exchange: Exchange,
        code: String,
        message: String,
    },
    /// The coin has no USD-margined perpetual on this exchange.
    UnknownCoin {
        exchange: Exchange,
        coin: Option<String>,
    },
    /// No answer in time.
    Timeout { exchange: Exchange },
    /// An opaque network failure ("Failed to fetch"): usually a ban, a
    /// geo-block or a missing CORS header on an error answer.
    Blocked { exchange: Exchange },
    /// The answer could not be read.
    Malformed { exchange: Exchange, what: String },
}

impl ExchangeError {
    /// The exchange the error is about.
    pub fn exchange(&self) -> Exchange {
        match self {
            ExchangeError::RateLimited { exchange, .. }
            | ExchangeError::IpBanned { exchange, .. }
            | ExchangeError::RegionRestricted { exchange, .. }
            | ExchangeError::ExchangeError { exchange, .. }
            | ExchangeError::UnknownCoin { exchange, .. }
            | ExchangeError::Timeout { exchange }
            | ExchangeError::Blocked { exchange }
            | ExchangeError::Malformed { exchange, .. } => *exchange,
        }
    }

    pub(crate) fn malformed(exchange: Exchange, what: impl Into<String>) -> ExchangeError {
        ExchangeError::Malformed {
            exchange,
            what: what.into(),
        }
    }
}

fn wait_phrase(retry_after_s: Option<u64>) -> String {
    match retry_after_s {
        Some(s) if s < 120 => format!("wait {s} seconds"),
        Some(s) if s < 2 * 3600 => format!("wait about {} minutes", s.div_ceil(60)),
        Some(s) => format!("wait about {} hours", s.div_ceil(3600)),
        None => "wait a minute".to_string(),
    }
}

impl ExchangeError {
    /// What happened, as the rest of a sentence whose subject is the
    /// exchange: for a place that names the exchange already (its status
    /// chip). `Display` puts the name in front.
    pub fn what_happened(&self) -> String {
        match self {
            ExchangeError::RateLimited { retry_after_s, .. } => format!(
                "is limiting requests from your connection (too many requests); \
                 {} before reloading.",
                wait_phrase(*retry_after_s)
            ),
            ExchangeError::IpBanned { retry_after_s, .. } => format!(
                "has temporarily banned your IP address after too many requests \
                 (HTTP 418); {} before trying again.",
                wait_phrase(*retry_after_s)
            ),
            ExchangeError::RegionRestricted { status: 451, .. } => {
                "refused the request (HTTP 451): its data is not served in your region.".into()
            }
            ExchangeError::RegionRestricted { status, .. } => format!(
                "refused the request (HTTP {status}): your IP address may be rate-limited, \
                 blocked by its firewall or in a restricted region."
            ),
            ExchangeError::ExchangeError { code, message, .. } if message.is_empty() => {
                format!("answered with error {code}.")
            }
            ExchangeError::ExchangeError { code, message, .. } => {
                format!("answered with error {code}: {message}")
            }
            ExchangeError::UnknownCoin { coin: Some(c), .. } => {
                format!("has no USD-margined perpetual for {c}; that exchange is left out.")
            }
            ExchangeError::UnknownCoin { coin: None, .. } => {
                "does not list this market; that exchange is left out.".into()
            }
            ExchangeError::Timeout { .. } => {
                "did not answer in time; it may be busy, try again shortly.".into()
            }
            ExchangeError::Blocked { .. } => "could not be reached: blocked by the browser \
                 (CORS), rate-limited or restricted in your region."
                .into(),
            ExchangeError::Malformed { what, .. } => {
                format!("sent an answer this app could not read ({what}).")
            }
        }
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.exchange(), self.what_happened())
    }
}

impl std::error::Error for ExchangeError {}

/// Parse a `Retry-After` header given in seconds (HTTP dates are ignored).
pub fn parse_retry_after(header: Option<&str>) -> Option<u64> {
    let s = header?.trim();
    if let Ok(n) = s.parse::<u64>() {
        return Some(n);
    }
    let f = crate::decimal::parse(s)?;
    if f.is_finite() && (0.0..1e12).contains(&f) {
        Some(f.ceil() as u64)
    } else {
        None
    }
}

/// Classify an HTTP answer. `status == 0` stands for an opaque network
/// failure (the browser's "Failed to fetch"). Error bodies are recognised
/// for every status, including Bybit's and OKX's HTTP-200 errors.
pub fn classify_http(
    exchange: Exchange,
    status: u16,
    retry_after_header: Option<&str>,
    body: &str,
) -> Result<(), ExchangeError> {
    let retry_after_s = parse_retry_after(retry_after_header);
    match status {
        0 => return Err(ExchangeError::Blocked { exchange }),
        429 => {
            return Err(ExchangeError::RateLimited {
                exchange,
                retry_after_s,
            })
        }
        418 => {
            return Err(ExchangeError::IpBanned {
                exchange,
                retry_after_s,
            })
        }
        451 | 403 => return Err(ExchangeError::RegionRestricted { exchange, status }),
        408 | 504 | 524 => return Err(ExchangeError::Timeout { exchange }),
        _ => {}
    }
    if let Err(mut e) = classify_body(exchange, body) {
        if let ExchangeError::RateLimited {
            retry_after_s: r, ..
        } = &mut e
        {
            *r = retry_after_s;
        }
        return Err(e);
    }
    if (200..300).contains(&status) {
        return Ok(());
    }
    let message: String = body.trim().chars().take(200).collect();
    Err(ExchangeError::ExchangeError {
        exchange,
        code: format!("HTTP {status}"),
        message: if (500..600).contains(&status) && message.is_empty() {
            "server error".to_string()
        } else {
            message
        },
    })
}

/// The fields an error answer may carry (`null` = absent).
struct ErrorProbe {
    // Binance: {"code":-1121,"msg":"..."}; OKX: {"code":"51001","msg":"..."}
    code: Option<Value>,
    msg: Option<Value>,
    // Bybit: {"retCode":10006,"retMsg":"..."}
    ret_code: Option<Value>,
    ret_msg: Option<Value>,
    // dYdX: {"errors":[{"msg":"..."}]}
    errors: Option<Vec<Value>>,
    // Hyperliquid and others: {"error":"..."}
    error: Option<Value>,
}

impl ErrorProbe {
    /// `None` unless `body` is a JSON object whose `errors`, if there, is
    /// an array.
    fn read(body: &str) -> Option<ErrorProbe> {
        let names = ["code", "msg", "retCode", "retMsg", "errors", "error"];
        let mut f = Fields::of(serde_json::from_str(body).ok()?, &names).ok()?;
        Some(ErrorProbe {
            code: f.value("code"),
            msg: f.value("msg"),
            ret_code: f.value("retCode"),
            ret_msg: f.value("retMsg"),
            errors: f.opt_rows("errors").ok()?,
            error: f.value("error"),
        })
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => crate::json_text::write(other),
    }
}

/// Recognise an error answer in a body (whatever the HTTP status). A body
/// that is not a JSON object is not an error by itself.
pub fn classify_body(exchange: Exchange, body: &str) -> Result<(), ExchangeError> {
    // serde would read a struct from an array too (`[1,2,3]` as code 1,
    // msg 2, retCode 3): only objects are probed.
    if !body.trim_start().starts_with('{') {
        return Ok(());
    }
    let Some(p) = ErrorProbe::read(body) else {
        return Ok(());
    };
    let api = |code: String, message: String| ExchangeError::ExchangeError {
        exchange,
        code,
        message,
    };
    match exchange {
        Exchange::Binance => {
            let Some(code) = p.code.as_ref().and_then(value_i64) else {
                return Ok(());
            };
            if code >= 0 && code != 429 {
                return Ok(());
            }
            let message = p.msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code {
                -1003 | -1015 | 429 => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                -1121 | -1122 => ExchangeError::UnknownCoin {
                    exchange,
                    coin: None,
                },
                _ => api(code.to_string(), message),
            })
        }
        Exchange::Bybit => {
            let Some(code) = p.ret_code.as_ref().and_then(value_i64) else {
                return Ok(());
            };
            if code == 0 {
                return Ok(());
            }
            let message = p.ret_msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code {
                10006 | 10018 => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                10009 | 10010 => ExchangeError::RegionRestricted {
                    exchange,
                    status: 403,
                },
                _ => api(code.to_string(), message),
            })
        }
        Exchange::Okx => {
            let Some(code) = p.code.as_ref().map(value_text) else {
                return Ok(());
            };
            let code = code.trim().to_string();
            if code == "0" || code.is_empty() {
                return Ok(());
            }
            let message = p.msg.as_ref().map(value_text).unwrap_or_default();
            Err(match code.as_str() {
                "50011" | "50061" => ExchangeError::RateLimited {
                    exchange,
                    retry_after_s: None,
                },
                "51001" => ExchangeError::UnknownCoin {
                    exchange,
                    coin: None,
                },
                "51155" | "51156" => ExchangeError::RegionRestricted {
                    exchange,
                    status: 403,
                },
                _ => api(code, message),
            })
        }
        Exchange::Dydx | Exchange::Hyperliquid => {
            if let Some(errors) = p.errors {
                let message = errors
                    .iter()
                    .filter_map(|e| e.get("msg").map(value_text))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(api("400".to_string(), message));
            }
            if let Some(e) = p.error {
                return Err(api("error".to_string(), value_text(&e)));
            }
            Ok(())
        }
    }
}
