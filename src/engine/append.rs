//! Live mode's input: a closed candle appended to a source.
//!
//! Why live mode recomputes the whole window instead of updating it one
//! candle at a time: the heatmap's time columns start at the window's start
//! and hold several candles each, so sliding the window by one candle
//! regroups every column; the price bins follow the window's extremes; the
//! first held candle opens no cohort; and the exported CSV writes every
//! cell's exact f64, which depends on the summation order. An incremental
//! engine (removed in issue #15) was exact to 1e-9 but not to the bit, and
//! at the L scale it still had to touch every cell per candle. The full
//! recompute runs in the engine worker, off the page's main thread.

use std::fmt;

use super::input::{Candle, HighLow, Source};

/// One new closed candle of a source. The still-forming candle is not
/// pushed: its high, low and close may still change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LiveCandle {
    pub candle: Candle,
    /// Mark-price high/low over the candle where the stream gives them; the
    /// trade high/low stand in otherwise (as in a fresh estimate).
    pub mark: Option<HighLow>,
    /// Open interest at the candle's close, base units. Mode `oi` without it
    /// carries the last value forward (no new positions, no closing); in
    /// mode `volume` it is the current open interest that calibrates `α`.
    pub open_interest: Option<f64>,
}

impl From<Candle> for LiveCandle {
    fn from(candle: Candle) -> Self {
        LiveCandle {
            candle,
            mark: None,
            open_interest: None,
        }
    }
}

/// Why a candle was refused (nothing changed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppendError {
    /// Candles of a source must come in time order.
    NotAfterLast { last_ms: i64, got_ms: i64 },
    /// A price not finite and positive, `high < low`, a negative or
    /// non-finite volume or open interest.
    InvalidCandle,
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppendError::NotAfterLast { last_ms, got_ms } => {
                write!(
                    f,
                    "candle at {got_ms} is not after the last one ({last_ms})"
                )
            }
            AppendError::InvalidCandle => f.write_str("invalid candle"),
        }
    }
}

impl std::error::Error for AppendError {}

/// Appends a closed candle to a source's series (candles, mark, open
/// interest), as a fresh load would have them: live mode keeps the page's
/// sources in step with the exchange through this, then recomputes.
pub fn append_candle(src: &mut Source, live: &LiveCandle) -> Result<(), AppendError> {
    let candle = live.candle;
    if !is_valid(live) {
        return Err(AppendError::InvalidCandle);
    }
    if let Some(last) = src.candles.last() {
        if candle.open_time_ms <= last.open_time_ms {
            return Err(AppendError::NotAfterLast {
                last_ms: last.open_time_ms,
                got_ms: candle.open_time_ms,
            });
        }
    }

    let aligned_oi = src
        .open_interest
        .as_ref()
        .is_some_and(|oi| oi.len() == src.candles.len());
    if aligned_oi {
        if let Some(oi) = &mut src.open_interest {
            let carried = oi.last().copied().unwrap_or(f64::NAN);
            oi.push(live.open_interest.unwrap_or(carried));
        }
    }
    if live.open_interest.is_some() {
        src.current_open_interest = live.open_interest;
    }
    match (&mut src.mark, live.mark) {
        (Some(mark), m) => mark.push(m.unwrap_or(trade_high_low(&candle))),
        (None, Some(m)) => {
            let mut mark: Vec<HighLow> = src.candles.iter().map(trade_high_low).collect();
            mark.push(m);
            src.mark = Some(mark);
        }
        (None, None) => {}
    }
    // A pushed candle was delivered: flags past the series would mislabel it.
    src.missing.truncate(src.candles.len());
    src.candles.push(candle);
    Ok(())
}

fn trade_high_low(c: &Candle) -> HighLow {
    HighLow {
        high: c.high,
        low: c.low,
    }
}

fn is_valid(live: &LiveCandle) -> bool {
    let c = &live.candle;
    let price = |x: f64| x.is_finite() && x > 0.0;
    let amount = |x: f64| x.is_finite() && x >= 0.0;
    let prices = [c.open, c.high, c.low, c.close].into_iter().all(price) && c.high >= c.low;
    let volumes =
        amount(c.base_volume) && amount(c.quote_volume) && c.taker_buy_base.is_none_or(amount);
    let mark = live
        .mark
        .is_none_or(|m| price(m.high) && price(m.low) && m.high >= m.low);
    prices && volumes && mark && live.open_interest.is_none_or(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        let candle = Candle {
            open_time_ms: 0,
            open: 100.0,
            high: 101.0,
            low: 99.0,
            close: 100.5,
            base_volume: 10.0,
            quote_volume: 1000.0,
            taker_buy_base: None,
        };
        Source {
            exchange: "test".into(),
            kind: crate::engine::ContractKind::Linear,
            interval_ms: 60_000,
            candles: vec![candle],
            mark: None,
            open_interest: Some(vec![50.0]),
            current_open_interest: None,
            maintenance_margin_rate: 0.005,
            funding: Vec::new(),
            max_leverage: None,
            missing: Vec::new(),
        }
    }

    #[test]
    fn appends_in_step_and_refuses_what_a_load_would_not_hold() {
        let mut src = source();
        let last = src.candles[0];
        let next = Candle {
            open_time_ms: 60_000,
            ..last
        };
        assert_eq!(
            append_candle(&mut src, &last.into()),
            Err(AppendError::NotAfterLast {
                last_ms: 0,
                got_ms: 0
            })
        );
        let bad = [
            Candle {
                low: f64::NAN,
                ..next
            },
            Candle {
                high: next.low * 0.5,
                ..next
            },
            Candle {
                close: -1.0,
                ..next
            },
            Candle {
                quote_volume: f64::INFINITY,
                ..next
            },
        ];
        for candle in bad {
            assert_eq!(
                append_candle(&mut src, &candle.into()),
                Err(AppendError::InvalidCandle)
            );
        }
        let bad_oi = LiveCandle {
            open_interest: Some(-1.0),
            ..next.into()
        };
        assert_eq!(
            append_candle(&mut src, &bad_oi),
            Err(AppendError::InvalidCandle)
        );
        assert_eq!(src.candles.len(), 1, "refused candles change nothing");

        // Without the stream's open interest the last value carries forward.
        append_candle(&mut src, &next.into()).unwrap();
        assert_eq!(src.candles.len(), 2);
        assert_eq!(src.open_interest, Some(vec![50.0, 50.0]));
    }
}
