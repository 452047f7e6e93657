//! Alerts as text: kept in the browser (local storage, never in links), one
//! line per alert, read back like any outside text (a line that does not
//! parse, or holds a value out of its limits, is dropped); described in
//! words for the list; read from and written to the panel's form.

use super::{Alert, Rule, Sides};
use crate::render::usd_label;

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

/// The rule in words, for the list.
pub fn describe(rule: &Rule) -> String {
    match *rule {
        Rule::NearCluster {
            within_pct,
            min_usd,
            sides,
        } => {
            let sides = match sides {
                Sides::Both => "either side",
                Sides::Above => "above the price",
                Sides::Below => "below the price",
            };
            format!(
                "Price within {within_pct}% of a cluster of {} or more ({sides})",
                usd_label(min_usd)
            )
        }
        Rule::LargeLiquidation { min_usd } => {
            format!("One liquidation of {} or more", usd_label(min_usd))
        }
        Rule::Burst { min_usd, minutes } => format!(
            "Liquidations of {} or more within {minutes} min",
            usd_label(min_usd)
        ),
        Rule::MeasuredPosition {
            within_pct,
            min_usd,
        } => format!(
            "A measured position of {} or more within {within_pct}%",
            usd_label(min_usd)
        ),
    }
}

/// The kinds of rule the form offers: its value and label.
pub const KINDS: [(&str, &str); 4] = [
    ("near", "Price near a cluster"),
    ("large", "One large liquidation"),
    ("burst", "Liquidations within minutes"),
    ("measured", "A measured position near the price"),
];

/// The names of the form's fields, in the order [`from_form`] takes them
/// and [`to_form`] gives them.
pub const FIELDS: [&str; 5] = ["kind", "pct", "usd", "minutes", "sides"];

/// The form's fields (see [`FIELDS`]) read into a rule; `Err` says what is
/// wrong.
pub fn from_form([kind, pct, usd, minutes, sides]: [&str; 5]) -> Result<Rule, &'static str> {
    let usd = crate::decimal::parse(usd.trim())
        .filter(|u| *u > 0.0 && *u <= MAX_USD)
        .ok_or("the amount must be a positive number of USD")?;
    let pct = || {
        crate::decimal::parse(pct.trim())
            .filter(|p| *p > 0.0 && *p <= MAX_PCT)
            .ok_or("the distance must be between 0 and 50 %")
    };
    Ok(match kind {
        "near" => Rule::NearCluster {
            within_pct: pct()?,
            min_usd: usd,
            sides: match sides {
                "above" => Sides::Above,
                "below" => Sides::Below,
                _ => Sides::Both,
            },
        },
        "burst" => Rule::Burst {
            min_usd: usd,
            minutes: minutes
                .trim()
                .parse()
                .ok()
                .filter(|m| (1..=super::LONGEST_BURST_MIN).contains(m))
                .ok_or("the minutes must be between 1 and 1440")?,
        },
        "measured" => Rule::MeasuredPosition {
            within_pct: pct()?,
            min_usd: usd,
        },
        _ => Rule::LargeLiquidation { min_usd: usd },
    })
}

/// The form's fields (see [`FIELDS`]) for editing `rule`; fields the rule
/// has none of keep their defaults.
pub fn to_form(rule: &Rule) -> [String; 5] {
    let (kind, pct, usd, minutes, sides) = match *rule {
        Rule::NearCluster {
            within_pct,
            min_usd,
            sides,
        } => ("near", within_pct, min_usd, 5, sides_id(sides)),
        Rule::LargeLiquidation { min_usd } => ("large", 1.0, min_usd, 5, "both"),
        Rule::Burst { min_usd, minutes } => ("burst", 1.0, min_usd, minutes, "both"),
        Rule::MeasuredPosition {
            within_pct,
            min_usd,
        } => ("measured", within_pct, min_usd, 5, "both"),
    };
    [
        kind.to_string(),
        pct.to_string(),
        usd.to_string(),
        minutes.to_string(),
        sides.to_string(),
    ]
}
