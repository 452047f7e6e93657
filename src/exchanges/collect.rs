//! Gathering one exchange's answers into an engine [`Source`]: the only
//! place that knows which parser reads which answer, so the browser layer
//! just sends [`Request`](super::Request)s and hands bodies over.

use super::{
    assemble, binance, bybit, dydx, hyperliquid, non_negative, oi_is_quoted_in_usd, okx, Coverage,
    Exchange, ExchangeError, FundingPoint, Instrument, MarkRow, OiPoint, Parsed, Purpose,
    Resolution, Served, Snapshot,
};
use crate::engine::input::{Candle, Source};

/// Tier-1 maintenance margin rate used where an exchange's answers carry
/// none (a conservative 0.5 %).
const FALLBACK_MMR: f64 = 0.005;

/// One exchange's answers so far, for one instrument and span of candles.
pub struct Collector {
    instrument: Instrument,
    /// The candles asked for: `[start, end)` (see [`super::candle_span`]).
    span: (i64, i64),
    resolution: Resolution,
    candles: Vec<Candle>,
    mark: Vec<MarkRow>,
    open_interest: Vec<OiPoint>,
    funding: Vec<FundingPoint>,
    current_open_interest: Option<f64>,
    maintenance_margin_rate: Option<f64>,
    max_leverage: Option<f64>,
    /// Rows dropped as invalid (non-finite, negative, high < low, …).
    pub dropped: usize,
}

/// One exchange's series, ready for the engine, and what the page says of it.
pub struct Collected {
    pub source: Source,
    /// Candles asked for, delivered, and the gaps.
    pub coverage: Coverage,
    /// Rows dropped as invalid.
    pub dropped: usize,
    /// The maximum leverage and maintenance rate are assumed, not the
    /// instrument's own (a Binance symbol off the table).
    pub limits_assumed: bool,
}

impl Collector {
    pub fn new(instrument: Instrument, span: (i64, i64), resolution: Resolution) -> Self {
        Collector {
            max_leverage: instrument.max_leverage,
            instrument,
            span,
            resolution,
            candles: Vec::new(),
            mark: Vec::new(),
            open_interest: Vec::new(),
            funding: Vec::new(),
            current_open_interest: None,
            maintenance_margin_rate: None,
            dropped: 0,
        }
    }

    /// A collector for the same instrument and span, with nothing in it.
    pub fn empty_like(&self) -> Self {
        Collector::new(self.instrument.clone(), self.span, self.resolution)
    }

    pub fn instrument(&self) -> &Instrument {
        &self.instrument
    }

    pub fn exchange(&self) -> Exchange {
        self.instrument.exchange
    }

    /// Parses one successful answer to a planned request; says what came
    /// back, for [`super::follow_up`].
    pub fn absorb(&mut self, purpose: Purpose, body: &str) -> Result<Served, ExchangeError> {
        use Exchange::*;
        use Purpose::*;
        let inst = &self.instrument;
        let dropped = &mut self.dropped;
        let at_open = |c: &Candle| c.open_time_ms;
        let times = match (inst.exchange, purpose) {
            (Binance, Candles) => take(
                &mut self.candles,
                dropped,
                binance::parse_klines(body)?,
                at_open,
            ),
            (Bybit, Candles) => {
                let rows = bybit::parse_klines(body, inst.kind)?;
                take(&mut self.candles, dropped, rows, at_open)
            }
            (Okx, Candles) => take(
                &mut self.candles,
                dropped,
                okx::parse_candles(body, inst)?,
                at_open,
            ),
            (Hyperliquid, Candles) => {
                let rows = hyperliquid::parse_candles(body)?;
                take(&mut self.candles, dropped, rows, at_open)
            }
            (Dydx, Candles) => {
                // dYdX candles carry the open interest too.
                let oi = dydx::parse_candle_open_interest(body)?;
                take(&mut self.open_interest, dropped, oi, |p| p.time_ms);
                take(
                    &mut self.candles,
                    dropped,
                    dydx::parse_candles(body)?,
                    at_open,
                )
            }
            (exchange, MarkCandles) => {
                let rows = match exchange {
                    Binance => binance::parse_mark_klines(body)?,
                    Bybit => bybit::parse_mark_klines(body)?,
                    Okx => okx::parse_mark_candles(body)?,
                    _ => return Err(unexpected(exchange, purpose)),
                };
                take(&mut self.mark, dropped, rows, |m| m.0)
            }
            (exchange, OpenInterestHistory) => {
                let rows = match exchange {
                    Binance => binance::parse_open_interest_hist(body)?,
                    Bybit => bybit::parse_open_interest(body, inst)?,
                    Okx => okx::parse_open_interest_history(body, inst)?,
                    _ => return Err(unexpected(exchange, purpose)),
                };
                let times = take(&mut self.open_interest, dropped, rows, |p| p.time_ms);
                let cursor = (exchange == Bybit).then(|| bybit::next_page_cursor(body));
                return Ok(Served {
                    times,
                    cursor: cursor.flatten(),
                });
            }
            (Bybit, RiskTiers) => {
                self.maintenance_margin_rate = Some(bybit::parse_risk_limit(body, inst)?);
                Vec::new()
            }
            (Okx, RiskTiers) => {
                let (mmr, max_leverage) = okx::parse_position_tiers(body)?;
                self.maintenance_margin_rate = Some(mmr);
                self.max_leverage = max_leverage.or(self.max_leverage);
                Vec::new()
            }
            (Hyperliquid, MarketSnapshot) => {
                let snapshot = hyperliquid::parse_meta_and_asset_ctxs(body, &inst.symbol)?;
                self.note(snapshot);
                Vec::new()
            }
            (Dydx, MarketSnapshot) => {
                let snapshot = dydx::parse_perpetual_markets(body, &inst.symbol)?;
                self.note(snapshot);
                Vec::new()
            }
            // Read by the funding-drift option (`Params::funding_drift`).
            (exchange, Funding) => {
                let rows = match exchange {
                    Binance => binance::parse_funding(body)?,
                    Bybit => bybit::parse_funding(body)?,
                    Okx => okx::parse_funding(body)?,
                    Hyperliquid => hyperliquid::parse_funding(body)?,
                    Dydx => dydx::parse_funding(body)?,
                };
                take(&mut self.funding, dropped, rows, |f| f.time_ms)
            }
            (exchange, purpose) => return Err(unexpected(exchange, purpose)),
        };
        Ok(Served {
            times,
            cursor: None,
        })
    }

    fn note(&mut self, snapshot: Snapshot) {
        self.current_open_interest = snapshot.open_interest.or(self.current_open_interest);
        self.maintenance_margin_rate = snapshot
            .maintenance_margin_rate
            .or(self.maintenance_margin_rate);
    }

    /// Open interest at `close_ms` in base units, from the answers to
    /// [`open_interest_requests`](super::open_interest_requests): the last
    /// history point at or before it (as [`assemble`] aligns them), else the
    /// snapshot's current value. `close` converts USD-counted contracts.
    pub fn open_interest_at(&self, close_ms: i64, close: f64) -> Option<f64> {
        let point = self
            .open_interest
            .iter()
            .filter(|p| p.time_ms <= close_ms)
            .max_by_key(|p| p.time_ms)
            .map(|p| p.base);
        let base = non_negative(point.or(self.current_open_interest))?;
        Some(if oi_is_quoted_in_usd(self.exchange(), &self.instrument) {
            base / close
        } else {
            base
        })
    }

    /// Everything on one candle grid, ready for the engine.
    pub fn finish(self) -> Result<Collected, ExchangeError> {
        let exchange = self.instrument.exchange;
        let symbol = &self.instrument.symbol;
        // Binance's limits come from a table (its brackets need a signed
        // request); a symbol off it is assumed to allow what most do.
        let table = (exchange == Exchange::Binance).then(|| binance::known_bracket(symbol));
        let limits_assumed = table.is_some_and(|row| row.is_none());
        let mmr = self.maintenance_margin_rate.unwrap_or(match exchange {
            Exchange::Binance => binance::maintenance_margin_rate(symbol),
            _ => FALLBACK_MMR,
        });
        let max_leverage = match exchange {
            Exchange::Binance => Some(binance::max_leverage(symbol)),
            _ => self.max_leverage,
        };
        let has_history = !self.open_interest.is_empty();
        let mut source = assemble(
            exchange,
            &self.instrument,
            self.candles,
            self.mark,
            has_history.then_some(self.open_interest),
            self.current_open_interest,
            mmr,
            self.span,
            self.resolution,
        )?;
        // Pages of funding may meet at a row both hold.
        source.funding = super::assemble::sort_dedupe(self.funding, |f| f.time_ms);
        source.max_leverage = max_leverage;
        Ok(Collected {
            coverage: Coverage::of(&source, self.span),
            source,
            dropped: self.dropped,
            limits_assumed,
        })
    }
}

fn unexpected(exchange: Exchange, purpose: Purpose) -> ExchangeError {
    ExchangeError::malformed(
        exchange,
        format!("an answer of a kind it does not send ({purpose:?})"),
    )
}

/// Adds a parsed answer's rows; returns their times.
fn take<T>(
    into: &mut Vec<T>,
    dropped: &mut usize,
    parsed: Parsed<T>,
    time: impl Fn(&T) -> i64,
) -> Vec<i64> {
    *dropped += parsed.dropped;
    let times = parsed.rows.iter().map(time).collect();
    into.extend(parsed.rows);
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchanges::testutil::fixture;
    use crate::exchanges::{candle_span, find_instrument, parse_instruments, plan, HOUR_MS};

    /// The fixtures' candles end here (see `tests/fixtures/exchanges/gen.py`).
    const END: i64 = 1_767_225_600_000;

    /// The fixture that answers a planned request, by exchange and purpose.
    pub(crate) fn answer(exchange: Exchange, purpose: Purpose) -> Option<String> {
        use Exchange::*;
        use Purpose::*;
        let file = match (exchange, purpose) {
            (Binance, Candles) => "binance/klines.json",
            (Binance, MarkCandles) => "binance/mark_klines.json",
            (Binance, OpenInterestHistory) => "binance/open_interest_hist.json",
            (Bybit, Candles) => "bybit/klines.json",
            (Bybit, MarkCandles) => "bybit/mark_klines.json",
            (Bybit, OpenInterestHistory) => "bybit/open_interest.json",
            (Bybit, RiskTiers) => "bybit/risk_limit.json",
            (Okx, Candles) => "okx/candles.json",
            (Okx, MarkCandles) => "okx/mark_candles.json",
            (Okx, OpenInterestHistory) => "okx/open_interest_history.json",
            (Okx, RiskTiers) => "okx/position_tiers.json",
            (Hyperliquid, Candles) => "hyperliquid/candles.json",
            (Hyperliquid, MarketSnapshot) => "hyperliquid/snapshot.json",
            (Dydx, Candles) => "dydx/candles.json",
            (Dydx, MarketSnapshot | Instruments) => "dydx/perpetual_markets.json",
            (_, Instruments) => {
                return Some(fixture(&format!("{}/instruments.json", exchange.id())))
            }
            _ => return None,
        };
        Some(fixture(file))
    }

    #[test]
    fn every_exchange_loads_a_day_of_btc_from_fixtures() {
        for exchange in Exchange::ALL {
            let (_, source) = load(exchange);
            // The window (288 candles) at least; OKX's fixture is one page of
            // 300, so its warm-up is partial, as a short history would be.
            assert!(
                source.candles.len() >= 288,
                "{exchange}: {} candles",
                source.candles.len()
            );
            assert!(source.maintenance_margin_rate > 0.0 && source.maintenance_margin_rate < 0.1);
            let has_oi = source.open_interest.is_some() || source.current_open_interest.is_some();
            assert!(has_oi, "{exchange}: some open interest");
        }
    }

    /// Loads BTC over a day ending at `END` from the fixtures.
    fn load(exchange: Exchange) -> (Instrument, Source) {
        let body = answer(exchange, Purpose::Instruments).expect("instrument list");
        let list = parse_instruments(exchange, &body)
            .expect("instruments parse")
            .rows;
        let instrument = find_instrument(exchange, &list, "BTC")
            .expect("BTC listed")
            .clone();
        let base = exchange.default_base_url();
        let requests = plan(&instrument, END, 24 * HOUR_MS, Resolution::M5, base);
        let span = candle_span(&instrument, END, 24 * HOUR_MS, Resolution::M5);
        let mut collector = Collector::new(instrument.clone(), span, Resolution::M5);
        for request in &requests {
            if let Some(body) = answer(exchange, request.purpose) {
                collector
                    .absorb(request.purpose, &body)
                    .expect("fixture parses");
            }
        }
        (instrument, collector.finish().expect("assembles").source)
    }

    #[test]
    fn live_open_interest_is_what_a_fresh_load_gives_the_candle() {
        for exchange in [
            Exchange::Binance,
            Exchange::Bybit,
            Exchange::Okx,
            Exchange::Hyperliquid,
        ] {
            let (instrument, source) = load(exchange);
            let last = *source.candles.last().expect("candles");
            let close_ms = last.open_time_ms + source.interval_ms;
            let requests = crate::exchanges::open_interest_requests(
                &instrument,
                last.open_time_ms,
                Resolution::M5,
                exchange.default_base_url(),
            );
            assert!(!requests.is_empty(), "{exchange}");
            let mut collector =
                Collector::new(instrument, (last.open_time_ms, close_ms), Resolution::M5);
            for request in &requests {
                let body = answer(exchange, request.purpose).expect("a fixture");
                collector.absorb(request.purpose, &body).expect("parses");
            }
            let fresh = match &source.open_interest {
                Some(series) => series.last().copied(),
                None => source.current_open_interest,
            };
            assert_eq!(
                collector.open_interest_at(close_ms, last.close),
                fresh,
                "{exchange}"
            );
        }
        let dydx = crate::exchanges::default_instrument(Exchange::Dydx, "BTC");
        let base = Exchange::Dydx.default_base_url();
        assert!(
            crate::exchanges::open_interest_requests(&dydx, END, Resolution::M5, base).is_empty()
        );
    }

    #[test]
    fn open_interest_at_takes_the_last_point_not_after_the_close() {
        let instrument = crate::exchanges::default_instrument(Exchange::Binance, "BTC");
        let mut collector = Collector::new(instrument, (END - HOUR_MS, END), Resolution::M5);
        let point = |time_ms, base| OiPoint { time_ms, base };
        collector.open_interest = vec![
            point(END, 3.0),
            point(END - 300_000, 2.0),
            point(END + 1, 9.0),
        ];
        assert_eq!(collector.open_interest_at(END, 1.0), Some(3.0));
        assert_eq!(collector.open_interest_at(END - 1, 1.0), Some(2.0));
        assert_eq!(collector.open_interest_at(END - 600_000, 1.0), None);
    }

    #[test]
    fn funding_history_reaches_the_source() {
        let instrument = crate::exchanges::default_instrument(Exchange::Binance, "BTC");
        let mut collector = Collector::new(instrument, (END - HOUR_MS, END), Resolution::M5);
        for (purpose, file) in [
            (Purpose::Candles, "binance/klines.json"),
            (
                Purpose::OpenInterestHistory,
                "binance/open_interest_hist.json",
            ),
        ] {
            collector.absorb(purpose, &fixture(file)).expect("parses");
        }
        // Twice, as two pages meeting at a row would bring it.
        let history = crate::exchanges::testutil::sample("binance_funding_rate_history");
        for _ in 0..2 {
            collector
                .absorb(Purpose::Funding, &history)
                .expect("parses");
        }
        let source = collector.finish().expect("assembles").source;
        let rates: Vec<f64> = source.funding.iter().map(|f| f.rate).collect();
        assert_eq!(rates, [-0.0375, 0.0001]);
    }

    #[test]
    fn an_answer_of_the_wrong_kind_is_an_error_not_a_panic() {
        let instrument = crate::exchanges::default_instrument(Exchange::Hyperliquid, "BTC");
        let mut collector = Collector::new(instrument, (END - HOUR_MS, END), Resolution::M5);
        assert!(collector.absorb(Purpose::RiskTiers, "{}").is_err());
        assert!(collector.absorb(Purpose::Candles, "not json").is_err());
        assert!(collector.finish().is_err(), "no candles: a clear error");
    }
}
