//! Alerts, pure: the rules a user sets, the text they are kept as in the
//! browser, and when each fires. A rule fires once per crossing: when its
//! condition starts to hold; it fires again only after the condition has
//! cleared by a margin ([`RELEASE`]), so a price hovering at the edge of a
//! band does not repeat it. The browser layer (`ui::alerts`) feeds prices,
//! clusters and liquidations in and shows what fires.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

use crate::live::LiqEvent;
use crate::render::{price_label, usd_label};
use std::collections::VecDeque;

/// A band rule re-arms once its condition is off by this factor: a price
/// alert at 1 % re-arms beyond 1.25 %, a burst of $1M below $800k.
pub const RELEASE: f64 = 1.25;

/// Which clusters a price alert watches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sides {
    Both,
    /// Above the price: shorts would be liquidated.
    Above,
    /// Below the price: longs would be liquidated.
    Below,
}

/// What an alert watches.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// The price within `within_pct` % of a cluster of at least `min_usd`.
    NearCluster {
        within_pct: f64,
        min_usd: f64,
        sides: Sides,
    },
    /// One liquidation of at least `min_usd` on any exchange of the view.
    LargeLiquidation { min_usd: f64 },
    /// Liquidations adding up to `min_usd` within the last `minutes`.
    Burst { min_usd: f64, minutes: u32 },
    /// A measured position of at least `min_usd` within `within_pct` % of
    /// the price (Hyperliquid measured positions feed [`Level`]s into
    /// [`Market::measured`]; without them it never holds).
    MeasuredPosition { within_pct: f64, min_usd: f64 },
}

/// One alert as the user set it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alert {
    pub id: u32,
    pub rule: Rule,
    pub enabled: bool,
}

/// A price level and the USD at it (a cluster, a measured position).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Level {
    pub price: f64,
    pub usd: f64,
}

/// What the page knows now, for the price rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Market<'a> {
    pub price: Option<f64>,
    pub clusters: &'a [Level],
    pub measured: &'a [Level],
}

/// An alert that fired, and why, in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Firing {
    pub alert_id: u32,
    pub message: String,
}

/// The alerts and their state: which are armed, and the recent
/// liquidations the burst rules add up.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    alerts: Vec<(Alert, bool)>,
    recent: VecDeque<(i64, f64)>,
}

/// The longest burst window kept, in minutes.
pub const LONGEST_BURST_MIN: u32 = 24 * 60;

impl Watch {
    /// Sets the alerts in force; an alert kept (same id and rule) keeps its
    /// state, so editing one alert does not re-fire the others.
    pub fn set_alerts(&mut self, alerts: &[Alert]) {
        let before = std::mem::take(&mut self.alerts);
        self.alerts = alerts
            .iter()
            .map(|a| {
                let kept = before
                    .iter()
                    .find(|(b, _)| b.id == a.id && b.rule == a.rule);
                (*a, kept.is_none_or(|(_, armed)| *armed))
            })
            .collect();
    }

    /// The price rules against `market`.
    pub fn on_market(&mut self, market: &Market) -> Vec<Firing> {
        let Some(price) = market.price.filter(|p| p.is_finite() && *p > 0.0) else {
            return Vec::new();
        };
        step(&mut self.alerts, |rule| match *rule {
            Rule::NearCluster {
                within_pct,
                min_usd,
                sides,
            } => Some(match nearest(price, market.clusters, min_usd, sides) {
                Some((level, distance)) => {
                    let side = if level.price >= price {
                        "above"
                    } else {
                        "below"
                    };
                    let text = format!(
                        "Price {} is {}% from a {} cluster at {} ({side})",
                        price_label(price),
                        pct(distance),
                        usd_label(level.usd),
                        price_label(level.price)
                    );
                    (band(distance, within_pct), text)
                }
                None => (Band::Out, String::new()),
            }),
            Rule::MeasuredPosition {
                within_pct,
                min_usd,
            } => Some(
                match nearest(price, market.measured, min_usd, Sides::Both) {
                    Some((level, distance)) => {
                        let text = format!(
                            "A measured position of {} is {}% from the price, at {}",
                            usd_label(level.usd),
                            pct(distance),
                            price_label(level.price)
                        );
                        (band(distance, within_pct), text)
                    }
                    None => (Band::Out, String::new()),
                },
            ),
            _ => None,
        })
    }

    /// The liquidation rules, for one event as it arrives.
    pub fn on_liquidation(&mut self, event: &LiqEvent) -> Vec<Firing> {
        if !(event.usd.is_finite() && event.usd > 0.0) {
            return Vec::new();
        }
        let oldest = event
            .time_ms
            .saturating_sub(i64::from(LONGEST_BURST_MIN) * 60_000);
        self.recent.retain(|(t, _)| *t > oldest);
        self.recent.push_back((event.time_ms, event.usd));
        let recent = &self.recent;
        let mut out = step(&mut self.alerts, |rule| match *rule {
            Rule::Burst { min_usd, minutes } => {
                let since = event.time_ms.saturating_sub(i64::from(minutes) * 60_000);
                let sum: f64 = recent.iter().filter(|(t, _)| *t > since).map(|e| e.1).sum();
                let state = if sum >= min_usd {
                    Band::In
                } else if sum * RELEASE < min_usd {
                    Band::Out
                } else {
                    Band::Edge
                };
                Some((
                    state,
                    format!("{} liquidated in the last {minutes} min", usd_label(sum)),
                ))
            }
            _ => None,
        });
        // Each large liquidation is its own crossing.
        for (alert, _) in &self.alerts {
            if let (true, Rule::LargeLiquidation { min_usd }) = (alert.enabled, alert.rule) {
                if event.usd >= min_usd {
                    out.push(Firing {
                        alert_id: alert.id,
                        message: format!(
                            "{} liquidation of {} {} at {}",
                            event.exchange.name(),
                            usd_label(event.usd),
                            match event.side {
                                crate::exchanges::Side::Long => "long",
                                crate::exchanges::Side::Short => "short",
                            },
                            price_label(event.price)
                        ),
                    });
                }
            }
        }
        out
    }
}

/// Applies `check` (band and message, `None`: not this rule) to every
/// enabled alert: fires the armed ones that are in, re-arms those out.
fn step(
    alerts: &mut [(Alert, bool)],
    check: impl Fn(&Rule) -> Option<(Band, String)>,
) -> Vec<Firing> {
    let mut out = Vec::new();
    for (alert, armed) in alerts.iter_mut().filter(|(a, _)| a.enabled) {
        match check(&alert.rule) {
            Some((Band::In, message)) if *armed => {
                *armed = false;
                out.push(Firing {
                    alert_id: alert.id,
                    message,
                });
            }
            Some((Band::Out, _)) => *armed = true,
            _ => {}
        }
    }
    out
}

/// Where a measured value stands against a rule's threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Band {
    /// The condition holds.
    In,
    /// Not held, but within the release margin: no change.
    Edge,
    /// Cleared by the margin: the rule re-arms.
    Out,
}

/// A distance of `pct` against a band of `within_pct`.
fn band(pct: f64, within_pct: f64) -> Band {
    if pct <= within_pct {
        Band::In
    } else if pct > within_pct * RELEASE {
        Band::Out
    } else {
        Band::Edge
    }
}

/// The level of at least `min_usd` on `sides` nearest to `price`, and its
/// distance in %.
fn nearest(price: f64, levels: &[Level], min_usd: f64, sides: Sides) -> Option<(Level, f64)> {
    levels
        .iter()
        .filter(|l| l.usd >= min_usd && l.price.is_finite() && l.price > 0.0)
        .filter(|l| match sides {
            Sides::Both => true,
            Sides::Above => l.price >= price,
            Sides::Below => l.price <= price,
        })
        .map(|l| (*l, (l.price / price - 1.0).abs() * 100.0))
        .fold(None, |best: Option<(Level, f64)>, next| match best {
            Some(b) if b.1 <= next.1 => Some(b),
            _ => Some(next),
        })
}

/// A distance in % with two decimals.
fn pct(x: f64) -> String {
    format!("{x:.2}")
}

pub mod text;

#[cfg(test)]
mod tests;
