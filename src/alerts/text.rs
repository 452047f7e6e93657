//! Alerts as kept in the browser (local storage, never in links): one line
//! per alert. Read back like any outside text: a line that does not parse,
//! or holds a value out of its limits, is dropped.

use super::{Alert, Rule, Sides};

/// Limits of the values a rule may hold.
const MAX_PCT: f64 = 50.0;
const MAX_USD: f64 = 1e13;

/// `alerts` as text, one line each.
pub fn write(alerts: &[Alert]) -> String {
    alerts.iter().map(line).collect::<Vec<_>>().join("\n")
}

fn line(alert: &Alert) -> String {
    let on = if alert.enabled { 1 } else { 0 };
    let rule = match alert.rule {
        Rule::NearCluster {
            within_pct,
            min_usd,
            sides,
        } => format!("near|{within_pct}|{min_usd}|{}", sides_id(sides)),
        Rule::LargeLiquidation { min_usd } => format!("large|{min_usd}"),
        Rule::Burst { min_usd, minutes } => format!("burst|{min_usd}|{minutes}"),
        Rule::MeasuredPosition {
            within_pct,
            min_usd,
        } => format!("measured|{within_pct}|{min_usd}"),
    };
    format!("{}|{on}|{rule}", alert.id)
}

fn sides_id(sides: Sides) -> &'static str {
    match sides {
        Sides::Both => "both",
        Sides::Above => "above",
        Sides::Below => "below",
    }
}

/// The alerts `text` holds; lines that are not valid alerts are dropped,
/// and so is a second alert with an id already read.
pub fn read(text: &str) -> Vec<Alert> {
    let mut out: Vec<Alert> = Vec::new();
    for alert in text.lines().filter_map(read_line) {
        if !out.iter().any(|a| a.id == alert.id) {
            out.push(alert);
        }
    }
    out
}

fn read_line(line: &str) -> Option<Alert> {
    let fields: Vec<&str> = line.trim().split('|').collect();
    let (id, on, rest) = match fields.as_slice() {
        [id, on, rest @ ..] => (id.parse().ok()?, *on, rest),
        _ => return None,
    };
    let enabled = match on {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    let pct = |s: &str| crate::decimal::parse(s).filter(|p| *p > 0.0 && *p <= MAX_PCT);
    let usd = |s: &str| crate::decimal::parse(s).filter(|u| *u >= 0.0 && *u <= MAX_USD);
    let rule = match rest {
        ["near", p, u, sides] => Rule::NearCluster {
            within_pct: pct(p)?,
            min_usd: usd(u)?,
            sides: match *sides {
                "both" => Sides::Both,
                "above" => Sides::Above,
                "below" => Sides::Below,
                _ => return None,
            },
        },
        ["large", u] => Rule::LargeLiquidation { min_usd: usd(u)? },
        ["burst", u, m] => Rule::Burst {
            min_usd: usd(u)?,
            minutes: m
                .parse()
                .ok()
                .filter(|m| (1..=super::LONGEST_BURST_MIN).contains(m))?,
        },
        ["measured", p, u] => Rule::MeasuredPosition {
            within_pct: pct(p)?,
            min_usd: usd(u)?,
        },
        _ => return None,
    };
    Some(Alert { id, rule, enabled })
}
