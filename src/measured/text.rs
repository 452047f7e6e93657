//! The measured section's text, computed here (pure, tested natively) so
//! the page writes finished strings into a static skeleton instead of
//! building them in many reactive view closures (each one costs wasm).

use super::{MeasuredMap, NearRow};
use crate::engine::{Side, Tier};
use crate::render::{price_label, usd_label};

/// Every figure of the section, or dashes before there is a summary.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionText {
    pub accounts: String,
    pub coverage: String,
    pub cosine: String,
    pub no_price: String,
    /// One bar per tier: label, width (CSS), value.
    pub mix: Vec<[String; 3]>,
    pub rows: Vec<RowText>,
    /// Whether "Use the measured mix" can be pressed.
    pub has_mix: bool,
}

/// One row of the largest-positions table.
#[derive(Clone, Debug, PartialEq)]
pub struct RowText {
    pub href: String,
    pub address: String,
    pub short: String,
    pub side: &'static str,
    /// Size, leverage, liquidation price, distance.
    pub cells: [String; 4],
}

impl Default for SectionText {
    fn default() -> Self {
        SectionText {
            accounts: DASH.into(),
            coverage: DASH.into(),
            cosine: DASH.into(),
            no_price: String::new(),
            mix: Vec::new(),
            rows: Vec::new(),
            has_mix: false,
        }
    }
}

const DASH: &str = "–";

/// The section's text for a summary's parts.
pub fn section_text(
    map: &MeasuredMap,
    coverage: Option<f64>,
    cosine: Option<f64>,
    mix: Option<&[f64]>,
    tiers: &[Tier],
    near: &[NearRow],
) -> SectionText {
    let no_price = match map.without_price {
        0 => String::new(),
        n => format!(
            " · {n} without a liquidation price (cross margin covered): counted in coverage, not on the map"
        ),
    };
    SectionText {
        accounts: format!(
            "{} accounts ({} hold the coin, {} positions)",
            map.accounts, map.holders, map.positions
        ),
        coverage: percent(coverage),
        cosine: figure(cosine, 2),
        no_price,
        mix: mix
            .unwrap_or(&[])
            .iter()
            .zip(tiers)
            .map(|(w, t)| {
                [
                    format!("{}x", t.leverage),
                    format!("{:.1}%", w * 100.0),
                    format!("{:.0} %", w * 100.0),
                ]
            })
            .collect(),
        rows: near
            .iter()
            .map(|r| RowText {
                href: format!("https://app.hyperliquid.xyz/explorer/address/{}", r.address),
                address: r.address.to_string(),
                short: r.address.short(),
                side: if r.position.side == Side::Long {
                    "long"
                } else {
                    "short"
                },
                cells: [
                    usd_label(r.usd),
                    format!("{}x", r.position.leverage),
                    price_label(r.liquidation_price),
                    format!("{:+.1} %", r.distance_pct),
                ],
            })
            .collect(),
        has_mix: mix.is_some(),
    }
}

/// The status line: accounts found, the trades feed, a 429's wait, failures.
/// `trades`: `None` paused, `Some(open)`.
pub fn status_line(
    known: usize,
    trades: Option<bool>,
    backing_off_s: Option<i64>,
    failures: usize,
    last_failure: Option<&str>,
) -> String {
    let trades = match trades {
        Some(true) => "following trades",
        Some(false) => "connecting to trades…",
        None => "paused",
    };
    let mut text = format!("{known} accounts found · {trades}");
    if let Some(s) = backing_off_s {
        text += &format!(
            " · Hyperliquid is limiting requests (HTTP 429): asking no more accounts for {s} s"
        );
    }
    if failures > 0 {
        let last = last_failure.unwrap_or_default();
        text += &format!(" · {failures} accounts could not be read (last: {last})");
    }
    text
}

/// Pasted text that was not an address, shown back (empty: none).
pub fn refused_line(refused: &[String]) -> String {
    if refused.is_empty() {
        String::new()
    } else {
        format!("Not addresses, not sent: {}", refused.join(", "))
    }
}

/// A figure with `decimals`, or a dash before there is one.
pub fn figure(x: Option<f64>, decimals: usize) -> String {
    x.map_or(DASH.into(), |x| format!("{x:.decimals$}"))
}

/// A share as a percentage with two decimals, or a dash.
pub fn percent(x: Option<f64>) -> String {
    x.map_or(DASH.into(), |x| format!("{:.2} %", x * 100.0))
}

/// What the section shows: measured now, or a kept snapshot (`past`: when
/// it was taken), said plainly, at `now_ms`.
pub fn when_line(past: Option<i64>, now_ms: i64) -> String {
    let Some(taken) = past else {
        return "Measured now".into();
    };
    let minutes = (now_ms - taken).max(0) / 60_000;
    let ago = match minutes {
        0..=119 => format!("{minutes} min"),
        120..=2879 => format!("{} h", minutes / 60),
        _ => format!("{} days", minutes / 1440),
    };
    format!(
        "Past snapshot taken {} ({ago} ago), not live",
        snapshot_label(taken)
    )
}

/// A kept snapshot in the "as of" list.
pub fn snapshot_label(taken_ms: i64) -> String {
    format!("{} UTC", crate::time::utc_label(taken_ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measured::{Address, Margin, Position};

    #[test]
    fn figures_and_dashes() {
        assert_eq!(figure(Some(0.8765), 2), "0.88");
        assert_eq!(figure(None, 2), "–");
        assert_eq!(percent(Some(0.012345)), "1.23 %");
        assert_eq!(percent(None), "–");
        assert_eq!(SectionText::default().accounts, "–");
    }

    #[test]
    fn a_past_snapshot_says_when_it_was_taken() {
        let now = 1_767_225_600_000; // 2026-01-01 00:00 UTC
        assert_eq!(when_line(None, now), "Measured now");
        assert_eq!(
            when_line(Some(now - 35 * 60_000), now),
            "Past snapshot taken 12-31 23:25 UTC (35 min ago), not live"
        );
        assert!(when_line(Some(now - 5 * 3_600_000), now).contains("(5 h ago)"));
        assert!(when_line(Some(now - 3 * 86_400_000), now).contains("(3 days ago)"));
    }

    #[test]
    fn status_says_feed_wait_and_failures() {
        assert_eq!(
            status_line(3, None, None, 0, None),
            "3 accounts found · paused"
        );
        let s = status_line(4, Some(true), Some(20), 2, Some("HTTP 422"));
        assert_eq!(
            s,
            "4 accounts found · following trades · Hyperliquid is limiting requests (HTTP 429): \
             asking no more accounts for 20 s · 2 accounts could not be read (last: HTTP 422)"
        );
        assert!(status_line(0, Some(false), None, 0, None).ends_with("connecting to trades…"));
        assert_eq!(refused_line(&[]), "");
        assert_eq!(
            refused_line(&["0xdead".into(), "<img".into()]),
            "Not addresses, not sent: 0xdead, <img"
        );
    }

    #[test]
    fn section_text_of_a_summary() {
        let map = MeasuredMap {
            accounts: 4,
            holders: 3,
            positions: 3,
            without_price: 1,
            ..MeasuredMap::default()
        };
        let tiers = [
            Tier {
                leverage: 5.0,
                weight: 1.0,
            },
            Tier {
                leverage: 10.0,
                weight: 1.0,
            },
        ];
        let address = Address::parse(&format!("0x{:040x}", 1)).unwrap();
        let near = [NearRow {
            address: address.clone(),
            position: Position {
                coin: "BTC".into(),
                side: Side::Short,
                size: 1.5,
                entry_price: 90_000.0,
                liquidation_price: Some(95_000.0),
                leverage: 10.0,
                margin: Margin::Isolated,
            },
            usd: 130_000.0,
            liquidation_price: 95_000.0,
            distance_pct: 9.26,
        }];
        let t = section_text(
            &map,
            Some(0.05),
            Some(0.5),
            Some(&[0.75, 0.25]),
            &tiers,
            &near,
        );
        assert_eq!(t.accounts, "4 accounts (3 hold the coin, 3 positions)");
        assert_eq!((t.coverage.as_str(), t.cosine.as_str()), ("5.00 %", "0.50"));
        assert!(t.no_price.starts_with(" · 1 without a liquidation price"));
        assert_eq!(t.mix[0], ["5x".to_string(), "75.0%".into(), "75 %".into()]);
        assert!(t.has_mix);
        let row = &t.rows[0];
        assert_eq!(
            row.href,
            format!("https://app.hyperliquid.xyz/explorer/address/{address}")
        );
        assert_eq!((row.short.as_str(), row.side), ("0x0000…0001", "short"));
        assert_eq!(row.cells[1], "10x");
        assert_eq!(row.cells[3], "+9.3 %");
        let empty = section_text(&MeasuredMap::default(), None, None, None, &tiers, &[]);
        assert!(empty.no_price.is_empty() && empty.mix.is_empty() && !empty.has_mix);
    }
}
