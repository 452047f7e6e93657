//! Lenient reading of the exchanges' wire formats: numbers and timestamps
//! in any representation, row helpers shared by the adapters and the
//! validation of each normalised row.

use serde_json::Value;

use super::{
    classify_body, Exchange, ExchangeError, FundingPoint, LiquidationEvent, MarkRow, OiPoint,
    Parsed, Side,
};
use crate::engine::input::{Candle, HighLow};
use crate::time::parse_utc;

/// Latest timestamp accepted (year 3000), in ms.
pub const MAX_TIME_MS: i64 = 32_503_680_000_000;

/// Lenient number: a JSON number or a string holding a decimal one (`NaN`
/// and `inf` are not numbers; validation drops what is out of range).
pub fn value_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                None
            } else {
                crate::decimal::parse(s)
            }
        }
        _ => None,
    }
}

/// Lenient integer (codes, ids).
pub fn value_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// Lenient timestamp in ms within `0..=MAX_TIME_MS`.
pub fn value_ms(v: &Value) -> Option<i64> {
    let ms = match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(i),
            None => n.as_f64().and_then(f64_to_ms),
        },
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => Some(i),
                Err(_) => match crate::decimal::parse(s) {
                    Some(f) => f64_to_ms(f),
                    None => parse_utc(s),
                },
            }
        }
        _ => None,
    }?;
    (0..=MAX_TIME_MS).contains(&ms).then_some(ms)
}

fn f64_to_ms(f: f64) -> Option<i64> {
    (f.is_finite() && (0.0..=MAX_TIME_MS as f64).contains(&f)).then_some(f as i64)
}

/// A finite value `>= 0`.
pub fn non_negative(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v >= 0.0)
}

/// A finite value `> 0` (prices).
pub fn positive(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite() && *v > 0.0)
}

/// A finite value (funding rates may be negative).
pub fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

// ---------------------------------------------------------------------------
// Row helpers shared by the adapters
// ---------------------------------------------------------------------------

/// Parse a JSON body, mapping failure to [`ExchangeError::Malformed`].
///
/// Every answer and frame is read as a [`Value`] and then walked with
/// [`Fields`], rather than deserialized into a struct per shape: one parser
/// in the wasm instead of one per shape and per input kind.
pub(crate) fn from_json(
    exchange: Exchange,
    body: &str,
    what: &str,
) -> Result<Value, ExchangeError> {
    serde_json::from_str(body).map_err(|e| {
        ExchangeError::malformed(exchange, format!("{what}: {}", first_line(&e.to_string())))
    })
}

/// A JSON body read as a struct of `names` (see [`Fields::of`]).
pub(crate) fn json_fields(
    exchange: Exchange,
    body: &str,
    what: &str,
    names: &[&str],
) -> Result<Fields, ExchangeError> {
    Fields::of(from_json(exchange, body, what)?, names).map_err(|e| e.at(exchange, what))
}

/// Why a JSON value does not have the shape an adapter reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unfit {
    /// An object was expected.
    NotAnObject,
    /// A field that must be there is not.
    Missing(&'static str),
    /// A field holds the wrong kind of value.
    Invalid(&'static str),
}

impl std::fmt::Display for Unfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unfit::NotAnObject => f.write_str("not an object"),
            Unfit::Missing(k) => write!(f, "missing field `{k}`"),
            Unfit::Invalid(k) => write!(f, "invalid type of field `{k}`"),
        }
    }
}

impl Unfit {
    /// As the error of reading `what` from `exchange`.
    pub(crate) fn at(self, exchange: Exchange, what: &str) -> ExchangeError {
        ExchangeError::malformed(exchange, format!("{what}: {self}"))
    }
}

/// The fields of a JSON object, read the way `#[derive(Deserialize)]` reads
/// a struct's: unknown fields are ignored, a field of the wrong kind makes
/// the whole object unfit, and the accessors below say what an absent or
/// `null` field gives (as `#[serde(default)]` and `Option` do).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Fields {
    map: serde_json::Map<String, Value>,
    positional: bool,
}

impl Fields {
    /// The fields of `v` as a struct whose fields are `names`, in order:
    /// an object, or (as serde reads a struct too) an array of at most that
    /// many values, one per name in turn.
    pub(crate) fn of(v: Value, names: &[&str]) -> Result<Fields, Unfit> {
        match v {
            Value::Object(map) => Ok(Fields {
                map,
                positional: false,
            }),
            Value::Array(items) if items.len() <= names.len() => {
                // Inserted one by one: collecting would sort (more wasm).
                let mut map = serde_json::Map::new();
                for (name, item) in names.iter().zip(items) {
                    map.insert(name.to_string(), item);
                }
                Ok(Fields {
                    map,
                    positional: true,
                })
            }
            _ => Err(Unfit::NotAnObject),
        }
    }

    /// Whether the fields came from an array rather than an object.
    pub(crate) fn positional(&self) -> bool {
        self.positional
    }

    /// The field's value, moved out (`null` left in its place: each field
    /// is read once).
    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.get_mut(key).map(Value::take)
    }

    /// The raw field, absent or not.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// A lenient number (as [`Num`]): `None` if absent or unreadable.
    pub(crate) fn num(&self, key: &str) -> Option<f64> {
        self.get(key).and_then(value_f64)
    }

    /// A lenient timestamp (as [`Ts`]): `None` if absent or unreadable.
    pub(crate) fn ts(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(value_ms)
    }

    /// As `Option<Num>`: `None` if absent or `null`, else the lenient number.
    pub(crate) fn opt_num(&self, key: &str) -> Option<Option<f64>> {
        self.value_ref(key).map(value_f64)
    }

    /// As `Option<Value>`: `None` if absent or `null`.
    pub(crate) fn value(&mut self, key: &str) -> Option<Value> {
        self.take(key).filter(|v| !v.is_null())
    }

    fn value_ref(&self, key: &str) -> Option<&Value> {
        self.get(key).filter(|v| !v.is_null())
    }

    /// As `#[serde(default)] String`: empty if absent, else a string.
    pub(crate) fn text(&mut self, key: &'static str) -> Result<String, Unfit> {
        Ok(self.opt_present_text(key)?.unwrap_or_default())
    }

    /// As `String`: a string, which must be there.
    pub(crate) fn required_text(&mut self, key: &'static str) -> Result<String, Unfit> {
        self.opt_present_text(key)?.ok_or(Unfit::Missing(key))
    }

    /// As `Option<String>`: `None` if absent or `null`, else a string.
    pub(crate) fn opt_text(&mut self, key: &'static str) -> Result<Option<String>, Unfit> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Unfit::Invalid(key)),
        }
    }

    /// A string if present (`null` is not a string).
    fn opt_present_text(&mut self, key: &'static str) -> Result<Option<String>, Unfit> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Unfit::Invalid(key)),
        }
    }

    /// As `#[serde(default)] bool`: `false` if absent, else a boolean.
    pub(crate) fn flag(&self, key: &'static str) -> Result<bool, Unfit> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => v.as_bool().ok_or(Unfit::Invalid(key)),
        }
    }

    /// As `Option<bool>`: `None` if absent or `null`, else a boolean.
    pub(crate) fn opt_flag(&self, key: &'static str) -> Result<Option<bool>, Unfit> {
        self.value_ref(key)
            .map(|v| v.as_bool().ok_or(Unfit::Invalid(key)))
            .transpose()
    }

    /// As `#[serde(default)] Vec<Value>`: empty if absent, else an array.
    pub(crate) fn rows(&mut self, key: &'static str) -> Result<Vec<Value>, Unfit> {
        Ok(self.opt_present_rows(key)?.unwrap_or_default())
    }

    /// As `Vec<Value>`: an array, which must be there.
    pub(crate) fn required_rows(&mut self, key: &'static str) -> Result<Vec<Value>, Unfit> {
        self.opt_present_rows(key)?.ok_or(Unfit::Missing(key))
    }

    /// As `Option<Vec<Value>>`: `None` if absent or `null`, else an array.
    pub(crate) fn opt_rows(&mut self, key: &'static str) -> Result<Option<Vec<Value>>, Unfit> {
        match self.value(key) {
            None => Ok(None),
            Some(Value::Array(rows)) => Ok(Some(rows)),
            Some(_) => Err(Unfit::Invalid(key)),
        }
    }

    /// An array if present (`null` is not an array).
    fn opt_present_rows(&mut self, key: &'static str) -> Result<Option<Vec<Value>>, Unfit> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(rows)) => Ok(Some(rows)),
            Some(_) => Err(Unfit::Invalid(key)),
        }
    }

    /// As an `Option` of a nested struct of `names`: `None` if absent or
    /// `null`.
    pub(crate) fn opt_fields(
        &mut self,
        key: &'static str,
        names: &[&str],
    ) -> Result<Option<Fields>, Unfit> {
        self.value(key)
            .map(|v| Fields::of(v, names).map_err(|_| Unfit::Invalid(key)))
            .transpose()
    }

    /// As a nested struct of `names`, which must be there.
    pub(crate) fn required_fields(
        &mut self,
        key: &'static str,
        names: &[&str],
    ) -> Result<Fields, Unfit> {
        match self.take(key) {
            None => Err(Unfit::Missing(key)),
            Some(v) => Fields::of(v, names).map_err(|_| Unfit::Invalid(key)),
        }
    }

    /// As a `serde_json::Map` field, which must be there: an object's
    /// values, in key order.
    pub(crate) fn required_map_values(&mut self, key: &'static str) -> Result<Vec<Value>, Unfit> {
        match self.take(key) {
            None => Err(Unfit::Missing(key)),
            Some(Value::Object(m)) => Ok(m.into_iter().map(|(_, v)| v).collect()),
            Some(_) => Err(Unfit::Invalid(key)),
        }
    }
}

/// An array's items; `None` if `v` is not an array.
pub(crate) fn array(v: Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(120)
        .collect()
}

/// Convert each raw row with `f`; rows that `f` rejects (not of the shape
/// it reads, or invalid) are counted as dropped.
pub(crate) fn convert_rows<T>(
    rows: Vec<Value>,
    mut f: impl FnMut(Value) -> Option<T>,
) -> Parsed<T> {
    let mut out = Parsed::default();
    for row in rows {
        match f(row) {
            Some(t) => out.rows.push(t),
            None => out.dropped += 1,
        }
    }
    out
}

/// Keep the `Some` rows of a conversion whose `None` rows are skipped on
/// purpose (not counted as dropped).
pub(crate) fn flatten_parsed<T>(p: Parsed<Option<T>>) -> Parsed<T> {
    Parsed {
        rows: p.rows.into_iter().flatten().collect(),
        dropped: p.dropped,
    }
}

/// An answer that is a bare JSON array of rows (after the error check).
pub(crate) fn json_rows(
    exchange: Exchange,
    body: &str,
    what: &str,
) -> Result<Vec<Value>, ExchangeError> {
    classify_body(exchange, body)?;
    match from_json(exchange, body, what)? {
        Value::Array(rows) => Ok(rows),
        _ => Err(ExchangeError::malformed(
            exchange,
            format!("{what}: not an array"),
        )),
    }
}

/// The side whose position was liquidated, from the liquidation order's
/// side: `long` is the spelling that means a long was closed, `short` the
/// one for a short.
pub(crate) fn liquidated_side(order_side: &str, long: &str, short: &str) -> Option<Side> {
    if order_side == long {
        Some(Side::Long)
    } else if order_side == short {
        Some(Side::Short)
    } else {
        None
    }
}

/// Field `i` of a positional row as a lenient number.
pub(crate) fn num_at(row: &[Value], i: usize) -> Option<f64> {
    row.get(i).and_then(value_f64)
}

/// Field `i` of a positional row as a lenient timestamp.
pub(crate) fn ts_at(row: &[Value], i: usize) -> Option<i64> {
    row.get(i).and_then(value_ms)
}

/// Raw fields of one trade candle, before validation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RawCandle {
    pub open_time: Option<i64>,
    pub open: Option<f64>,
    pub high: Option<f64>,
    pub low: Option<f64>,
    pub close: Option<f64>,
    pub base_volume: Option<f64>,
    /// `None` = not given: computed as base × typical price.
    pub quote_volume: Option<f64>,
    /// `None` = not given by the exchange.
    pub taker_buy_base: Option<f64>,
    /// Whether the exchange gives taker-buy volume (then it must be valid).
    pub has_taker: bool,
}

impl RawCandle {
    /// Time and prices of a positional kline row `[time, open, high, low,
    /// close, ...]` (Binance, Bybit, OKX); volumes left to the caller.
    pub(crate) fn positional(row: &[Value]) -> RawCandle {
        RawCandle {
            open_time: ts_at(row, 0),
            open: num_at(row, 1),
            high: num_at(row, 2),
            low: num_at(row, 3),
            close: num_at(row, 4),
            ..RawCandle::default()
        }
    }
}

/// Validate a candle: all prices finite and `> 0`, `high >= low`, volumes
/// finite and `>= 0`, taker-buy volume not above the volume.
pub(crate) fn validate_candle(r: RawCandle) -> Option<Candle> {
    let open_time_ms = r.open_time?;
    let open = positive(r.open)?;
    let high = positive(r.high)?;
    let low = positive(r.low)?;
    let close = positive(r.close)?;
    if high < low {
        return None;
    }
    let base_volume = non_negative(r.base_volume)?;
    let taker_buy_base = if r.has_taker {
        let t = non_negative(r.taker_buy_base)?;
        if t > base_volume * (1.0 + 1e-9) + 1e-12 {
            return None;
        }
        Some(t)
    } else {
        None
    };
    let quote_volume = match r.quote_volume {
        Some(q) => non_negative(Some(q))?,
        None => base_volume * (high + low + close) / 3.0,
    };
    if !quote_volume.is_finite() {
        return None;
    }
    Some(Candle {
        open_time_ms,
        open,
        high,
        low,
        close,
        base_volume,
        quote_volume,
        taker_buy_base,
    })
}

/// Validate a mark-price row (prices `> 0`, `high >= low`).
pub(crate) fn validate_mark(
    t: Option<i64>,
    high: Option<f64>,
    low: Option<f64>,
) -> Option<MarkRow> {
    let (t, high, low) = (t?, positive(high)?, positive(low)?);
    (high >= low).then_some((t, HighLow { high, low }))
}

/// A positional mark-price kline row `[time, open, high, low, close, ...]`
/// (Binance, Bybit, OKX).
pub(crate) fn positional_mark(row: Value) -> Option<MarkRow> {
    let row = row.as_array()?;
    validate_mark(ts_at(row, 0), num_at(row, 2), num_at(row, 3))
}

/// Validate an open-interest point (finite, `>= 0`).
pub(crate) fn validate_oi(t: Option<i64>, base: Option<f64>) -> Option<OiPoint> {
    Some(OiPoint {
        time_ms: t?,
        base: non_negative(base)?,
    })
}

/// Validate a funding point (finite; |rate| < 1).
pub(crate) fn validate_funding(t: Option<i64>, rate: Option<f64>) -> Option<FundingPoint> {
    let rate = finite(rate).filter(|r| r.abs() < 1.0)?;
    Some(FundingPoint { time_ms: t?, rate })
}

/// Validate a liquidation event.
pub(crate) fn validate_liquidation(
    t: Option<i64>,
    side: Option<Side>,
    price: Option<f64>,
    base: Option<f64>,
) -> Option<LiquidationEvent> {
    Some(LiquidationEvent {
        time_ms: t?,
        side: side?,
        price: positive(price)?,
        base: positive(base)?,
    })
}
