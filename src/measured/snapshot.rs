//! Measured snapshots (issue #17): positions cannot be fetched for the past
//! from anywhere, so the page keeps what it measured, at most one snapshot
//! per refresh period ([`REFRESH_MS`]), in the browser database, and can
//! draw the measured map as it was an hour ago. A snapshot keeps what the
//! map, its figures and the leverage mix need: per position its side, size,
//! liquidation price and leverage (no account, no entry price).
//!
//! Kept as numbers (an IndexedDB `Float64Array`: exact, compact, and no
//! float printer or parser in the page) under a key that starts with the
//! time (13 digits), so keys sort by time. Read back like any outside data:
//! a snapshot that fails [`decode`] is dropped.

use super::{bin_positions, mix_of, Holdings, MeasuredMap, REFRESH_MS};
use crate::engine::{PriceBins, Side, Tier};

/// How long snapshots are kept.
pub const KEEP_MS: i64 = 7 * DAY_MS;
/// Snapshots younger than this are all kept; older ones are thinned to the
/// first of each hour.
pub const ALL_WITHIN_MS: i64 = 2 * HOUR_MS;
const HOUR_MS: i64 = 3600 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;
/// A snapshot stamped further ahead than this is refused (a clock gone
/// wrong).
const FUTURE_SLACK_MS: i64 = DAY_MS;
/// The numbers' layout: a header (this format's number, the mark, accounts
/// answered, accounts holding the coin, coverage or NaN), then per position
/// its signed size (negative: short), liquidation price (NaN: none) and
/// leverage.
const FORMAT: f64 = 1.0;
const HEADER: usize = 5;
const PER_POSITION: usize = 3;
/// More accounts than the page ever asks: a count beyond is damage.
const MAX_ACCOUNTS: f64 = 1e6;

/// The measured positions on one coin at one time.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub coin: String,
    pub time_ms: i64,
    /// The mark the USD figures are taken at.
    pub mark: f64,
    pub accounts: usize,
    pub holders: usize,
    pub coverage: Option<f64>,
    pub positions: Vec<KeptPosition>,
}

/// One position as a snapshot keeps it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeptPosition {
    pub side: Side,
    /// Base units.
    pub size: f64,
    pub liquidation_price: Option<f64>,
    pub leverage: f64,
}

impl Snapshot {
    /// The positions on `coin` of `accounts` at `time_ms`; `None` before
    /// any account answered.
    pub fn of(
        accounts: &[Holdings],
        coin: &str,
        time_ms: i64,
        mark: f64,
        coverage: Option<f64>,
    ) -> Option<Snapshot> {
        let positions: Vec<KeptPosition> = accounts
            .iter()
            .flat_map(|(_, ps)| ps)
            .filter(|p| p.coin == coin)
            .map(|p| KeptPosition {
                side: p.side,
                size: p.size,
                liquidation_price: p.liquidation_price,
                leverage: p.leverage,
            })
            .collect();
        let holders = accounts
            .iter()
            .filter(|(_, ps)| ps.iter().any(|p| p.coin == coin))
            .count();
        (!accounts.is_empty()).then(|| Snapshot {
            coin: coin.to_string(),
            time_ms,
            mark,
            accounts: accounts.len(),
            holders,
            coverage,
            positions,
        })
    }

    /// The measured map as it was, on `bins`.
    pub fn map(&self, bins: &PriceBins) -> MeasuredMap {
        let positions = self
            .positions
            .iter()
            .map(|p| (p.side, p.size * self.mark, p.liquidation_price));
        MeasuredMap {
            accounts: self.accounts,
            holders: self.holders,
            ..bin_positions(positions, bins)
        }
    }

    /// The leverage mix as it was (see `measured::leverage_mix`).
    pub fn mix(&self, tiers: &[Tier]) -> Option<Vec<f64>> {
        mix_of(
            self.positions
                .iter()
                .map(|p| (p.leverage, p.size * self.mark)),
            tiers,
        )
    }

    /// The key it is kept under; `None` for a coin that could not be read
    /// back.
    pub fn key(&self) -> Option<String> {
        key(&self.coin, self.time_ms)
    }

    /// The numbers it is kept as.
    pub fn encode(&self) -> Vec<f64> {
        let mut out = vec![
            FORMAT,
            self.mark,
            self.accounts as f64,
            self.holders as f64,
            self.coverage.unwrap_or(f64::NAN),
        ];
        for p in &self.positions {
            let signed = match p.side {
                Side::Long => p.size,
                Side::Short => -p.size,
            };
            out.extend([signed, p.liquidation_price.unwrap_or(f64::NAN), p.leverage]);
        }
        out
    }
}

/// The key of the snapshot of `coin` at `time_ms`.
pub fn key(coin: &str, time_ms: i64) -> Option<String> {
    (!coin.is_empty() && !coin.contains('|')).then(|| format!("{:013}|{coin}", time_ms.max(0)))
}

/// The time and coin a key names.
pub fn read_key(key: &str) -> Option<(i64, &str)> {
    let (time, coin) = key.split_once('|')?;
    let time = time.parse().ok().filter(|_| time.len() == 13)?;
    (!coin.is_empty() && !coin.contains('|')).then_some((time, coin))
}

/// The snapshot kept under `key` as `values`, if it could have been taken
/// by `now_ms` and holds what a snapshot holds: the format, a positive mark,
/// whole counts, and positions of a non-zero finite size, a positive or no
/// liquidation price and a positive leverage. Anything else is dropped.
pub fn decode(key: &str, values: &[f64], now_ms: i64) -> Option<Snapshot> {
    let (time_ms, coin) = read_key(key)?;
    let recent = time_ms >= now_ms.saturating_sub(KEEP_MS)
        && time_ms <= now_ms.saturating_add(FUTURE_SLACK_MS);
    let (header, body) = (values.get(..HEADER)?, values.get(HEADER..)?);
    let [format, mark, accounts, holders, coverage] = *header else {
        return None;
    };
    let positive = |x: f64| x.is_finite() && x > 0.0;
    let count =
        |x: f64| (x.fract() == 0.0 && (0.0..=MAX_ACCOUNTS).contains(&x)).then_some(x as usize);
    let (accounts, holders) = (count(accounts)?, count(holders)?);
    let sane = recent
        && format == FORMAT
        && positive(mark)
        && holders <= accounts
        && (coverage.is_nan() || coverage.is_finite() && coverage >= 0.0)
        && body.len() % PER_POSITION == 0;
    if !sane {
        return None;
    }
    let positions = body
        .chunks_exact(PER_POSITION)
        .map(|p| match *p {
            [signed, liquidation, leverage]
                if signed.is_finite()
                    && signed != 0.0
                    && (liquidation.is_nan() || positive(liquidation))
                    && positive(leverage) =>
            {
                Some(KeptPosition {
                    side: if signed > 0.0 {
                        Side::Long
                    } else {
                        Side::Short
                    },
                    size: signed.abs(),
                    liquidation_price: (!liquidation.is_nan()).then_some(liquidation),
                    leverage,
                })
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Snapshot {
        coin: coin.to_string(),
        time_ms,
        mark,
        accounts,
        holders,
        coverage: (!coverage.is_nan()).then_some(coverage),
        positions,
    })
}

/// Which of the kept `keys` (in order, as IndexedDB gives them: by time,
/// since keys start with it) to delete at `now_ms`: keys that do not read,
/// snapshots past [`KEEP_MS`] or from the future, a second one within a
/// refresh period of the one before on the same coin (two tabs), and, past
/// [`ALL_WITHIN_MS`], all but the first of each hour on each coin.
pub fn to_forget(keys: &[String], now_ms: i64) -> Vec<String> {
    let mut out = Vec::new();
    // The last snapshot kept on each coin.
    let mut last: Vec<(&str, i64)> = Vec::new();
    for key in keys {
        let Some((time, coin)) = read_key(key).filter(|(time, _)| {
            *time >= now_ms.saturating_sub(KEEP_MS)
                && *time <= now_ms.saturating_add(FUTURE_SLACK_MS)
        }) else {
            out.push(key.clone());
            continue;
        };
        match last.iter_mut().find(|(c, _)| *c == coin) {
            Some((_, t))
                if time - *t < REFRESH_MS
                    || now_ms - time > ALL_WITHIN_MS && time / HOUR_MS == *t / HOUR_MS =>
            {
                out.push(key.clone())
            }
            Some((_, t)) => *t = time,
            None => last.push((coin, time)),
        }
    }
    out
}
