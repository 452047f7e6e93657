//! The view's settings in the query string: the public contract of shared
//! links. Pure: parsing never fails; what cannot be used is left at its
//! default (or clamped) and reported, so the page can say what it ignored.
//! Links are outside data: nothing here may panic (the lints below).
//!
//! | key | value | default |
//! |---|---|---|
//! | `sym` | base coin, `BTC` | `BTC` |
//! | `ex` | exchanges, comma list | all five |
//! | `window` | `12h` `1d` `3d` `7d` `14d` `30d` | `7d` |
//! | `res` | `auto`, `1m` `5m` `15m` `1h` `4h` `1d` | `auto` |
//! | `lev` | `leverage:weight%` list, `5:10,10:25,…` | the model's tiers |
//! | `long` | `auto` or a share 0–1 | `auto` |
//! | `mode` | `oi` or `volume` | `oi` |
//! | `view` | `heatmap` or `map` (the chart shown first) | `heatmap` |
//! | `pmin` `pmax` | zoomed price range | the window's |
//! | `tmin` `tmax` | zoomed time range (UTC, `2026-01-01T00:00Z` or ms) | the window |
//! | `bins` | price bins 50–2000 | 400 |
//! | `scale` `palette` `theme` `faint` `stack` | how it is painted | sqrt, inferno, dark, 0, leverage |
//! | `demo` `seed` | the simulated market and its seed | off, 1 |
//! | `funding` | funding drift in the model (`1`) | off |
//! | `horizon` | reach horizon `1h` `4h` `24h` | `4h` |
//! | `shock` | cascade shock in percent, −20 to 20 | −3 |
//! | `at` | pinned end time (UTC); without it the view follows now | live |

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

use crate::analysis::HORIZONS_MS;
use crate::engine::{LongShare, Mode, Params, Tier};
use crate::exchanges::{Exchange, Resolution, QUERY_ESCAPED};
use crate::render::chart::StackBy;
use crate::render::{Palette, Scale, Theme};
use crate::time::{parse_utc, utc_text, Precision};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet};

/// The windows a view can show (at most 30 days).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    H12,
    D1,
    D3,
    #[default]
    D7,
    D14,
    D30,
}

impl Window {
    pub const ALL: [Window; 6] = [
        Window::H12,
        Window::D1,
        Window::D3,
        Window::D7,
        Window::D14,
        Window::D30,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Window::H12 => "12h",
            Window::D1 => "1d",
            Window::D3 => "3d",
            Window::D7 => "7d",
            Window::D14 => "14d",
            Window::D30 => "30d",
        }
    }

    pub fn ms(self) -> i64 {
        const HOUR: i64 = 3_600_000;
        match self {
            Window::H12 => 12 * HOUR,
            Window::D1 => 24 * HOUR,
            Window::D3 => 72 * HOUR,
            Window::D7 => 168 * HOUR,
            Window::D14 => 336 * HOUR,
            Window::D30 => 720 * HOUR,
        }
    }

    pub fn from_label(label: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.label() == label)
    }
}

/// Which chart a link puts first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    #[default]
    Heatmap,
    Map,
}

/// Every setting of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewState {
    pub coin: String,
    /// The exchanges asked for, in `Exchange::ALL` order, never empty.
    pub exchanges: Vec<Exchange>,
    pub window: Window,
    /// `None`: the finest resolution within the request budget.
    pub resolution: Option<Resolution>,
    /// The model's parameters (`lev`, `long`, `mode`).
    pub params: Params,
    pub panel: Panel,
    /// Zoomed price range `(low, high)`.
    pub prices: Option<(f64, f64)>,
    /// Zoomed time range `[start, end)`, ms UTC.
    pub times: Option<(i64, i64)>,
    pub bins: usize,
    pub scale: Scale,
    pub palette: Palette,
    pub theme: Theme,
    /// Cells fainter than this share of the strongest are hidden.
    pub faint: f64,
    pub stack: StackBy,
    pub demo: bool,
    pub seed: u64,
    /// Pinned end of the window, ms UTC; `None` follows now.
    pub at: Option<i64>,
    /// How far ahead reach probabilities look, ms.
    pub horizon_ms: i64,
    /// The cascade simulator's price shock, percent.
    pub shock_pct: f64,
}

/// Reach horizons offered (the analysis' own), with their names in links.
pub const HORIZONS: [(&str, i64); 3] = [
    ("1h", HORIZONS_MS[0]),
    ("4h", HORIZONS_MS[1]),
    ("24h", HORIZONS_MS[2]),
];
pub const SHOCK_RANGE_PCT: (f64, f64) = (-20.0, 20.0);
const DEFAULT_SHOCK_PCT: f64 = -3.0;

pub const DEFAULT_BINS: usize = 400;
pub const BINS_RANGE: (usize, usize) = (50, 2000);
pub const MAX_TIERS: usize = 10;
pub const LEVERAGE_RANGE: (f64, f64) = (1.0, 200.0);
pub const MAX_FAINT: f64 = 0.9;
/// Longest value read, in characters: nothing legitimate is longer. Ten
/// tiers (`lev`) need more room: `100:12.5` × 10.
pub const MAX_VALUE_CHARS: usize = 64;
const MAX_TIERS_CHARS: usize = 160;

fn max_chars(key: &str) -> usize {
    if key == "lev" {
        MAX_TIERS_CHARS
    } else {
        MAX_VALUE_CHARS
    }
}
const MAX_COIN_CHARS: usize = 12;
/// Times outside 2009–2100 are typing errors, not views.
const TIME_RANGE_MS: (i64, i64) = (1_230_768_000_000, 4_102_444_800_000);

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            coin: "BTC".into(),
            exchanges: Exchange::ALL.to_vec(),
            window: Window::default(),
            resolution: None,
            params: Params::default(),
            panel: Panel::default(),
            prices: None,
            times: None,
            bins: DEFAULT_BINS,
            scale: Scale::Sqrt,
            palette: Palette::Inferno,
            theme: Theme::Dark,
            faint: 0.0,
            stack: StackBy::Leverage,
            demo: false,
            seed: 1,
            at: None,
            horizon_ms: HORIZONS_MS[1],
            shock_pct: DEFAULT_SHOCK_PCT,
        }
    }
}

/// A part of a link that was not used as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    /// The parameter's name, cleaned for display (at most 24 characters).
    pub key: String,
    pub why: &'static str,
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.key, self.why)
    }
}

const KNOWN_KEYS: [&str; 23] = [
    "sym", "ex", "window", "res", "lev", "long", "mode", "view", "pmin", "pmax", "tmin", "tmax",
    "bins", "scale", "palette", "theme", "faint", "stack", "demo", "seed", "funding", "horizon",
    "shock",
];
const AT: &str = "at";

impl ViewState {
    /// Reads a query string (with or without the leading `?`). Returns the
    /// state and what was ignored or changed, in the order met.
    pub fn parse(query: &str) -> (ViewState, Vec<Ignored>) {
        let mut state = ViewState::default();
        let mut ignored = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let (mut pmin, mut pmax, mut tmin, mut tmax) = (None, None, None, None);
        for pair in query.trim_start_matches('?').split('&') {
            if pair.is_empty() {
                continue;
            }
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = match decode(raw_key) {
                Some(key) if KNOWN_KEYS.contains(&key.as_str()) || key == AT => key,
                decoded => {
                    let shown = decoded.as_deref().unwrap_or(raw_key);
                    ignored.push(Ignored::new(shown, "unknown setting"));
                    continue;
                }
            };
            let mut skip = |why| ignored.push(Ignored::new(&key, why));
            if seen.contains(&key) {
                skip("repeated: the first one counts");
                continue;
            }
            seen.push(key.clone());
            let Some(value) = decode(raw_value) else {
                skip("broken percent-encoding");
                continue;
            };
            if value.chars().count() > max_chars(&key) {
                skip("too long");
                continue;
            }
            let value = value.trim();
            let outcome = match key.as_str() {
                "sym" => parse_coin(value).map(|c| state.coin = c),
                "ex" => parse_exchanges(value).map(|e| state.exchanges = e),
                "window" => Window::from_label(value)
                    .map(|w| state.window = w)
                    .ok_or("not one of 12h, 1d, 3d, 7d, 14d, 30d"),
                "res" => parse_resolution(value).map(|r| state.resolution = r),
                "lev" => parse_tiers(value).map(|(tiers, note)| {
                    state.params.tiers = tiers;
                    if let Some(note) = note {
                        skip(note);
                    }
                }),
                "long" => parse_long(value).map(|(share, note)| {
                    state.params.long_share = share;
                    if let Some(note) = note {
                        skip(note);
                    }
                }),
                "mode" => one_of(
                    value,
                    &[("oi", Mode::OpenInterest), ("volume", Mode::Volume)],
                )
                .map(|m| state.params.mode = m),
                "view" => one_of(value, &[("heatmap", Panel::Heatmap), ("map", Panel::Map)])
                    .map(|p| state.panel = p),
                "pmin" => positive(value).map(|p| pmin = Some(p)),
                "pmax" => positive(value).map(|p| pmax = Some(p)),
                "tmin" => parse_time(value).map(|t| tmin = Some(t)),
                "tmax" => parse_time(value).map(|t| tmax = Some(t)),
                "at" => parse_time(value).map(|t| state.at = Some(t)),
                "bins" => parse_bins(value).map(|(bins, note)| {
                    state.bins = bins;
                    if let Some(note) = note {
                        skip(note);
                    }
                }),
                "scale" => Scale::from_id(value)
                    .map(|s| state.scale = s)
                    .ok_or("not linear, sqrt or log"),
                "palette" => Palette::from_id(value)
                    .map(|p| state.palette = p)
                    .ok_or("not inferno or viridis"),
                "theme" => Theme::from_id(value)
                    .map(|t| state.theme = t)
                    .ok_or("not dark or light"),
                "faint" => unit_share(value, MAX_FAINT).map(|(f, note)| {
                    state.faint = f;
                    if let Some(note) = note {
                        skip(note);
                    }
                }),
                "stack" => one_of(
                    value,
                    &[
                        ("leverage", StackBy::Leverage),
                        ("exchange", StackBy::Exchange),
                    ],
                )
                .map(|s| state.stack = s),
                "demo" => one_of(
                    value,
                    &[
                        ("1", true),
                        ("true", true),
                        ("", true),
                        ("0", false),
                        ("false", false),
                    ],
                )
                .map(|d| state.demo = d),
                "seed" => value
                    .parse::<u64>()
                    .map(|s| state.seed = s)
                    .map_err(|_| "not a whole number"),
                "funding" => one_of(value, &[("1", true), ("0", false)])
                    .map(|f| state.params.funding_drift = f),
                "horizon" => one_of(value, &HORIZONS).map(|h| state.horizon_ms = h),
                "shock" => finite(value).map(|x| {
                    let (low, high) = SHOCK_RANGE_PCT;
                    state.shock_pct = x.clamp(low, high);
                    if state.shock_pct != x {
                        skip("clamped to −20–20");
                    }
                }),
                _ => Ok(()),
            };
            if let Err(why) = outcome {
                skip(why);
            }
        }
        match (pmin, pmax) {
            (Some(low), Some(high)) if low < high => state.prices = Some((low, high)),
            (None, None) => {}
            _ => ignored.push(Ignored::new("pmin/pmax", "need both, low below high")),
        }
        match (tmin, tmax) {
            (Some(start), Some(end)) if start < end => state.times = Some((start, end)),
            (None, None) => {}
            _ => ignored.push(Ignored::new("tmin/tmax", "need both, start before end")),
        }
        (state, ignored)
    }

    /// The query string for this state (with `?`, empty when all is
    /// default): defaults are left out, so links stay short.
    pub fn to_query(&self) -> String {
        let base = ViewState::default();
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let mut put = |key, value: String| pairs.push((key, value));
        if self.coin != base.coin {
            put("sym", self.coin.clone());
        }
        if self.exchanges != base.exchanges {
            let ids: Vec<&str> = self.exchanges.iter().map(|e| e.id()).collect();
            put("ex", ids.join(","));
        }
        if self.window != base.window {
            put("window", self.window.label().into());
        }
        if let Some(r) = self.resolution {
            put("res", r.label().into());
        }
        if self.params.tiers != base.params.tiers {
            put("lev", tiers_text(&self.params.tiers));
        }
        if let LongShare::Fixed(share) = self.params.long_share {
            put("long", number(share));
        }
        if self.params.mode == Mode::Volume {
            put("mode", "volume".into());
        }
        if self.panel == Panel::Map {
            put("view", "map".into());
        }
        if let Some((low, high)) = self.prices {
            put("pmin", number(low));
            put("pmax", number(high));
        }
        if let Some((start, end)) = self.times {
            put("tmin", time_text(start));
            put("tmax", time_text(end));
        }
        if self.bins != base.bins {
            put("bins", self.bins.to_string());
        }
        if self.scale != base.scale {
            put("scale", self.scale.id().into());
        }
        if self.palette != base.palette {
            put("palette", self.palette.id().into());
        }
        if self.theme != base.theme {
            put("theme", self.theme.id().into());
        }
        if self.faint != base.faint {
            put("faint", number(self.faint));
        }
        if self.stack == StackBy::Exchange {
            put("stack", "exchange".into());
        }
        if self.demo {
            put("demo", "1".into());
        }
        if self.seed != base.seed {
            put("seed", self.seed.to_string());
        }
        if self.params.funding_drift {
            put("funding", "1".into());
        }
        if self.horizon_ms != base.horizon_ms {
            let name = HORIZONS.iter().find(|(_, ms)| *ms == self.horizon_ms);
            if let Some((name, _)) = name {
                put("horizon", (*name).into());
            }
        }
        if self.shock_pct != base.shock_pct {
            put("shock", number(self.shock_pct));
        }
        if let Some(at) = self.at {
            put("at", time_text(at));
        }
        if pairs.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        format!("?{}", joined.join("&"))
    }

    /// True when only the zoom differs: the page replaces the history entry
    /// for those (dragging) and pushes one for everything else.
    pub fn same_but_zoom(&self, other: &ViewState) -> bool {
        let unzoomed = |s: &ViewState| ViewState {
            prices: None,
            times: None,
            ..s.clone()
        };
        unzoomed(self) == unzoomed(other)
    }
}

impl Ignored {
    fn new(key: &str, why: &'static str) -> Self {
        // Shown as text only; cleaned so a crafted name stays readable.
        let mut key: String = key
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(24)
            .collect();
        if key.is_empty() {
            key = "(unnamed)".into();
        }
        Ignored { key, why }
    }
}

/// The value among named choices; the error lists the names.
fn one_of<T: Copy>(value: &str, choices: &[(&str, T)]) -> Result<T, &'static str> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, choice)| *choice)
        .ok_or("not one of the choices")
}

fn parse_coin(value: &str) -> Result<String, &'static str> {
    let coin = value.to_ascii_uppercase();
    let plain = coin.chars().all(|c| c.is_ascii_alphanumeric());
    if plain && !coin.is_empty() && coin.len() <= MAX_COIN_CHARS {
        Ok(coin)
    } else {
        Err("not a coin symbol")
    }
}

fn parse_exchanges(value: &str) -> Result<Vec<Exchange>, &'static str> {
    let mut asked = Vec::new();
    for id in value.split(',') {
        asked.push(Exchange::from_id(id).ok_or("unknown exchange")?);
    }
    let chosen: Vec<Exchange> = Exchange::ALL
        .into_iter()
        .filter(|e| asked.contains(e))
        .collect();
    if chosen.is_empty() {
        Err("no exchange named")
    } else {
        Ok(chosen)
    }
}

fn parse_resolution(value: &str) -> Result<Option<Resolution>, &'static str> {
    if value == "auto" {
        return Ok(None);
    }
    Resolution::ALL
        .into_iter()
        .find(|r| r.label() == value)
        .map(Some)
        .ok_or("not auto, 1m, 5m, 15m, 1h, 4h or 1d")
}

type Noted<T> = (T, Option<&'static str>);

/// `5:10,10:25,…`: leverage and weight in percent per tier.
fn parse_tiers(value: &str) -> Result<Noted<Vec<Tier>>, &'static str> {
    let mut tiers = Vec::new();
    let mut note = None;
    for item in value.split(',') {
        if tiers.len() == MAX_TIERS {
            note = Some("more than 10 tiers: the rest left out");
            break;
        }
        let (leverage, weight) = item.split_once(':').ok_or("not leverage:weight pairs")?;
        let (leverage, weight) = (finite(leverage)?, finite(weight)?);
        if weight < 0.0 {
            return Err("negative weight");
        }
        let (low, high) = LEVERAGE_RANGE;
        if !(low..=high).contains(&leverage) {
            note = Some("leverage clamped to 1–200");
        }
        tiers.push(Tier {
            leverage: leverage.clamp(low, high),
            weight: weight / 100.0,
        });
    }
    if tiers.iter().all(|t| t.weight == 0.0) {
        return Err("all weights zero");
    }
    Ok((tiers, note))
}

fn parse_long(value: &str) -> Result<Noted<LongShare>, &'static str> {
    if value == "auto" {
        return Ok((LongShare::Auto, None));
    }
    unit_share(value, 1.0).map(|(share, note)| (LongShare::Fixed(share), note))
}

/// A number in `[0, max]`, clamped (with a note) when outside.
fn unit_share(value: &str, max: f64) -> Result<Noted<f64>, &'static str> {
    let share = finite(value)?;
    let clamped = share.clamp(0.0, max);
    let note = (clamped != share).then_some("clamped to its range");
    Ok((clamped, note))
}

fn parse_bins(value: &str) -> Result<Noted<usize>, &'static str> {
    let bins: usize = value.parse().map_err(|_| "not a whole number")?;
    let (low, high) = BINS_RANGE;
    let clamped = bins.clamp(low, high);
    let note = (clamped != bins).then_some("clamped to 50–2000");
    Ok((clamped, note))
}

fn finite(value: &str) -> Result<f64, &'static str> {
    match crate::decimal::parse(value) {
        Some(x) if x.is_finite() => Ok(x),
        _ => Err("not a number"),
    }
}

fn positive(value: &str) -> Result<f64, &'static str> {
    match finite(value)? {
        x if x > 0.0 => Ok(x),
        _ => Err("not a positive number"),
    }
}

/// `2026-01-01T00:00Z` (seconds optional) or milliseconds since 1970, UTC.
fn parse_time(value: &str) -> Result<i64, &'static str> {
    let ms = if value.bytes().all(|b| b.is_ascii_digit()) && !value.is_empty() {
        value.parse::<i64>().map_err(|_| "not a time")?
    } else {
        parse_utc(value).ok_or("not a UTC time like 2026-01-01T00:00Z")?
    };
    let (earliest, latest) = TIME_RANGE_MS;
    if (earliest..=latest).contains(&ms) {
        Ok(ms)
    } else {
        Err("time outside 2009–2100")
    }
}

/// `2026-01-01T00:00Z`, or ms when the time is not on a whole minute.
fn time_text(ms: i64) -> String {
    if ms.rem_euclid(60_000) != 0 {
        return ms.to_string();
    }
    utc_text(ms, Precision::Minute)
}

/// The shortest text that reads back as the same `f64`.
fn number(x: f64) -> String {
    format!("{x}")
}

fn tiers_text(tiers: &[Tier]) -> String {
    let items: Vec<String> = tiers
        .iter()
        .map(|t| format!("{}:{}", number(t.leverage), number(percent(t.weight))))
        .collect();
    items.join(",")
}

/// A weight in percent, rounded to 1e-6 so `0.1` shows as `10`.
fn percent(weight: f64) -> f64 {
    (weight * 100.0 * 1e6).round() / 1e6
}

/// Percent-decoding of a query component (`+` is a space). `None` when an
/// escape is broken (not `%` and two hex digits) or the bytes are not UTF-8.
fn decode(text: &str) -> Option<String> {
    // The crate passes a broken escape through as text; a link is strict.
    let escapes_whole = text.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    let spaced = text.replace('+', " ");
    escapes_whole
        .then(|| percent_decode_str(&spaced).decode_utf8().ok())
        .flatten()
        .map(|decoded| decoded.into_owned())
}

/// What a query value escapes here: the `,` and `:` of lists stay readable.
const LINK_ESCAPED: &AsciiSet = &QUERY_ESCAPED.remove(b',').remove(b':');

fn encode(text: &str) -> String {
    utf8_percent_encode(text, LINK_ESCAPED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn full_state() -> ViewState {
        ViewState {
            coin: "ETH".into(),
            exchanges: vec![Exchange::Binance, Exchange::Dydx],
            window: Window::D1,
            resolution: Some(Resolution::M15),
            params: Params {
                tiers: vec![
                    Tier {
                        leverage: 3.0,
                        weight: 0.5,
                    },
                    Tier {
                        leverage: 20.0,
                        weight: 0.5,
                    },
                ],
                long_share: LongShare::Fixed(0.6),
                mode: Mode::Volume,
                funding_drift: true,
                ..Params::default()
            },
            panel: Panel::Map,
            prices: Some((60_000.5, 70_000.0)),
            times: Some((1_767_000_000_000, 1_767_200_000_000)),
            bins: 800,
            scale: Scale::Log,
            palette: Palette::Viridis,
            theme: Theme::Light,
            faint: 0.25,
            stack: StackBy::Exchange,
            demo: true,
            seed: 42,
            at: Some(1_767_225_600_000),
            horizon_ms: 3_600_000,
            shock_pct: 5.5,
        }
    }

    #[test]
    fn defaults_make_an_empty_query_and_back() {
        assert_eq!(ViewState::default().to_query(), "");
        assert_eq!(ViewState::parse(""), (ViewState::default(), vec![]));
        assert_eq!(ViewState::parse("?"), (ViewState::default(), vec![]));
    }

    #[test]
    fn every_setting_round_trips() {
        let state = full_state();
        let query = state.to_query();
        assert_eq!(
            query,
            "?sym=ETH&ex=binance,dydx&window=1d&res=15m&lev=3:50,20:50&long=0.6&mode=volume\
             &view=map&pmin=60000.5&pmax=70000&tmin=2025-12-29T09:20Z&tmax=1767200000000&bins=800\
             &scale=log&palette=viridis&theme=light&faint=0.25&stack=exchange&demo=1&seed=42\
             &funding=1&horizon=1h&shock=5.5&at=2026-01-01T00:00Z"
        );
        assert_eq!(ViewState::parse(&query), (state, vec![]));
    }

    #[test]
    fn the_documented_tiers_read_as_the_model_default() {
        let (state, ignored) = ViewState::parse("lev=5:10,10:25,25:30,50:20,100:15");
        assert!(ignored.is_empty());
        assert_eq!(state.params.tiers, Params::default().tiers);
        assert_eq!(state.to_query(), "");
    }

    #[test]
    fn hostile_values_fall_back_and_are_named() {
        let cases = [
            ("sym=%3Cscript%3Ealert(1)%3C/script%3E", "sym"),
            ("window=99d", "window"),
            ("ex=binance,evil.com", "ex"),
            ("lev=5:NaN", "lev"),
            ("long=-3", "long"),
            ("pmin=-5&pmax=10", "pmin"),
            ("pmin=10&pmax=5", "pmin/pmax"),
            ("tmin=5&tmax=6", "tmin"),
            ("bins=1e9", "bins"),
            ("theme=javascript:alert(1)", "theme"),
            ("sym=%E0%A4%A", "sym"),
            ("sym=%FF", "sym"),
            ("sym=%+A", "sym"),
            ("<img src=x onerror=alert(1)>=1", "<imgsrc"),
            ("sym=BTC&sym=ETH", "sym"),
            ("at=9999999999999999999999", "at"),
            ("shock=NaN", "shock"),
            ("horizon=2h", "horizon"),
            ("funding=yes", "funding"),
        ];
        for (query, key) in cases {
            let (state, ignored) = ViewState::parse(query);
            assert!(ignored.iter().any(|i| i.key == key), "{query}: {ignored:?}");
            assert!(state.coin.chars().all(|c| c.is_ascii_alphanumeric()));
        }
        let long = format!("sym={}", "A".repeat(10_000));
        let (state, ignored) = ViewState::parse(&long);
        assert_eq!(state.coin, "BTC");
        assert_eq!(ignored[0].why, "too long");
    }

    #[test]
    fn only_two_hex_digits_make_an_escape() {
        // `%+A` once read as the byte 0x0A (a signed hex number): a newline.
        for broken in ["%+A", "%-A", "%A", "%", "%G0", "%%41", "a%2"] {
            assert_eq!(decode(broken), None, "{broken}");
        }
        let (state, ignored) = ViewState::parse("sym=BT%+AC");
        assert_eq!(state.coin, "BTC");
        assert_eq!(
            ignored,
            vec![Ignored::new("sym", "broken percent-encoding")]
        );
        assert_eq!(decode("a+b%2B%0a%E2%82%AC").as_deref(), Some("a b+\n€"));
    }

    #[test]
    fn out_of_range_numbers_are_clamped_with_a_note() {
        let (state, ignored) = ViewState::parse("lev=500:50,0.5:50&long=1.5&bins=10&faint=2");
        assert_eq!(state.params.tiers[0].leverage, 200.0);
        assert_eq!(state.params.tiers[1].leverage, 1.0);
        assert_eq!(state.params.long_share, LongShare::Fixed(1.0));
        assert_eq!(state.bins, 50);
        assert_eq!(state.faint, MAX_FAINT);
        assert_eq!(ignored.len(), 4, "{ignored:?}");
        let many: Vec<String> = (1..=12).map(|l| format!("{l}:1")).collect();
        let (state, ignored) = ViewState::parse(&format!("lev={}", many.join(",")));
        assert_eq!(state.params.tiers.len(), MAX_TIERS);
        assert_eq!(ignored.len(), 1);
    }

    #[test]
    fn times_read_as_iso_or_ms() {
        assert_eq!(parse_time("2026-01-01T00:00Z"), Ok(1_767_225_600_000));
        assert_eq!(parse_time("2026-01-01T00:00:30Z"), Ok(1_767_225_630_000));
        assert_eq!(parse_time("1767225600000"), Ok(1_767_225_600_000));
        assert!(parse_time("2026-13-01T00:00Z").is_err());
        assert!(parse_time("1970-01-01T00:00Z").is_err());
        assert_eq!(time_text(1_767_225_600_000), "2026-01-01T00:00Z");
        assert_eq!(time_text(1_767_225_600_001), "1767225600001");
    }

    #[test]
    fn zoom_alone_is_a_small_change() {
        let a = full_state();
        let b = ViewState {
            prices: None,
            times: Some((1, 2)),
            ..a.clone()
        };
        assert!(a.same_but_zoom(&b));
        assert!(!a.same_but_zoom(&ViewState {
            seed: 7,
            ..a.clone()
        }));
    }

    fn any_state() -> impl Strategy<Value = ViewState> {
        (
            "[A-Z0-9]{1,12}",
            proptest::sample::subsequence(Exchange::ALL.to_vec(), 1..=5),
            0..6usize,
            proptest::option::of(0..6usize),
            proptest::collection::vec((1u32..=200, 0u32..=100), 1..=10),
            proptest::option::of(0u32..=100),
            (any::<bool>(), any::<bool>(), any::<bool>()),
            proptest::option::of((1u32..1_000_000, 1u32..1_000_000)),
            proptest::option::of(1_300_000_000_000i64..4_000_000_000_000),
            (50usize..=2000, 0u32..=90, any::<u64>()),
            (0..3usize, -40i32..=40, any::<bool>()),
        )
            .prop_map(
                |(
                    coin,
                    exchanges,
                    w,
                    res,
                    tiers,
                    long,
                    (mode, map, demo),
                    prices,
                    at,
                    misc,
                    extra,
                )| {
                    let (horizon, shock, funding) = extra;
                    let tiers: Vec<Tier> = tiers
                        .into_iter()
                        .map(|(l, w)| Tier {
                            leverage: f64::from(l),
                            weight: f64::from(w) / 100.0,
                        })
                        .collect();
                    let usable = tiers.iter().any(|t| t.weight > 0.0);
                    let (bins, faint, seed) = misc;
                    ViewState {
                        coin,
                        exchanges,
                        window: Window::ALL[w],
                        resolution: res.map(|r| Resolution::ALL[r]),
                        params: Params {
                            tiers: if usable {
                                tiers
                            } else {
                                Params::default().tiers
                            },
                            long_share: long.map_or(LongShare::Auto, |l| {
                                LongShare::Fixed(f64::from(l) / 100.0)
                            }),
                            mode: if mode {
                                Mode::Volume
                            } else {
                                Mode::OpenInterest
                            },
                            funding_drift: funding,
                            ..Params::default()
                        },
                        panel: if map { Panel::Map } else { Panel::Heatmap },
                        prices: prices
                            .map(|(a, b)| (f64::from(a.min(b)), f64::from(a.max(b)) + 0.5)),
                        times: at.map(|t| (t - 3_600_000, t)),
                        bins,
                        faint: f64::from(faint) / 100.0,
                        demo,
                        seed,
                        at,
                        horizon_ms: HORIZONS[horizon].1,
                        shock_pct: f64::from(shock) / 2.0,
                        ..ViewState::default()
                    }
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, rng_seed: proptest::test_runner::RngSeed::Fixed(6), ..ProptestConfig::default() })]

        #[test]
        fn state_to_url_to_state(state in any_state()) {
            let (back, ignored) = ViewState::parse(&state.to_query());
            prop_assert!(ignored.is_empty(), "{:?}", ignored);
            prop_assert_eq!(back, state);
        }

        #[test]
        fn any_text_decodes_as_it_was_encoded(text in ".{0,100}") {
            prop_assert_eq!(decode(&encode(&text)), Some(text));
        }

        #[test]
        fn any_text_parses_without_panic(query in ".{0,300}") {
            let (state, _) = ViewState::parse(&query);
            prop_assert!(!state.exchanges.is_empty());
            prop_assert!(state.params.tiers.len() <= MAX_TIERS);
        }
    }
}
