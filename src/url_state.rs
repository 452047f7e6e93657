//! The view's settings in the query string: the public contract of shared
//! links. Pure: parsing never fails; what cannot be used is left at its
//! default (or clamped) and reported, so the page can say what it ignored.
//! Links are outside data: nothing here may panic (the lints below).
//!
//! Every key is one row of [`SETTINGS`]: how its value is read into a
//! [`ViewState`] and written from one. Defaults are [`ViewState::default`]
//! and are left out of links; limits are the constants below, which the
//! notices about clamped values quote.

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
use crate::choice::Choice;
use crate::engine::{ExchangeWeights, LongShare, Params, Tier};
use crate::exchanges::{Exchange, Resolution, QUERY_ESCAPED};
use crate::render::chart::StackBy;
use crate::render::{Palette, Scale, Theme};
use crate::time::{parse_utc, utc_text, Precision};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet};
use std::borrow::Cow;
use std::fmt::Display;

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
}

/// Which chart a link puts first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Panel {
    #[default]
    Heatmap,
    Map,
}

impl Choice for Window {
    const ALL: &'static [Self] = &[
        Window::H12,
        Window::D1,
        Window::D3,
        Window::D7,
        Window::D14,
        Window::D30,
    ];
    fn id(self) -> &'static str {
        match self {
            Window::H12 => "12h",
            Window::D1 => "1d",
            Window::D3 => "3d",
            Window::D7 => "7d",
            Window::D14 => "14d",
            Window::D30 => "30d",
        }
    }
}

impl Choice for Panel {
    const ALL: &'static [Self] = &[Panel::Heatmap, Panel::Map];
    fn id(self) -> &'static str {
        match self {
            Panel::Heatmap => "heatmap",
            Panel::Map => "map",
        }
    }
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
    /// The model's parameters (`lev`, `long`, `mode`, `funding`).
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
    /// Hyperliquid's measured positions beside the map (spec section 10).
    pub measured: bool,
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
/// The long share of new positions (`long`).
const SHARE_RANGE: (f64, f64) = (0.0, 1.0);
pub const MAX_FAINT: f64 = 0.9;
pub const FAINT_RANGE: (f64, f64) = (0.0, MAX_FAINT);
/// Longest value read, in characters: nothing legitimate is longer. Ten
/// tiers (`lev`) need more room: `100:12.5` × 10.
pub const MAX_VALUE_CHARS: usize = 64;
const MAX_TIERS_CHARS: usize = 160;
pub const MAX_COIN_CHARS: usize = 12;
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
            measured: false,
        }
    }
}

/// Why a value was not used, or what was changed in it.
pub type Why = Cow<'static, str>;

/// A part of a link that was not used as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ignored {
    /// The parameter's name, cleaned for display (at most 24 characters).
    pub key: String,
    pub why: Why,
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.key, self.why)
    }
}

/// One key of a link.
struct Setting {
    key: &'static str,
    /// Longest value read, in characters.
    max_chars: usize,
    /// Puts a value into the state being read: `Ok(None)` as written,
    /// `Ok(Some(what))` changed (clamped), `Err(why)` not used.
    read: fn(&mut Reading, &str) -> Result<Option<Why>, Why>,
    /// The value's text in a link; `None` when there is nothing to write.
    write: fn(&ViewState) -> Option<String>,
}

impl Setting {
    const fn new(
        key: &'static str,
        read: fn(&mut Reading, &str) -> Result<Option<Why>, Why>,
        write: fn(&ViewState) -> Option<String>,
    ) -> Self {
        Setting {
            key,
            max_chars: MAX_VALUE_CHARS,
            read,
            write,
        }
    }

    const fn longer(self, max_chars: usize) -> Self {
        Setting { max_chars, ..self }
    }
}

/// A state being read from a link, and the halves of the zoom ranges, which
/// count only in pairs.
struct Reading {
    state: ViewState,
    prices: (Option<f64>, Option<f64>),
    times: (Option<i64>, Option<i64>),
}

/// Every key a link may carry, in the order links write them. A value whose
/// text is the default state's is left out.
const SETTINGS: &[Setting] = &[
    // Base coin, e.g. `BTC`.
    Setting::new(
        "sym",
        |r, v| set(&mut r.state.coin, coin_symbol(v).ok_or("not a coin symbol")),
        |s| Some(s.coin.clone()),
    ),
    // Exchanges, a comma list of ids.
    Setting::new(
        "ex",
        |r, v| set(&mut r.state.exchanges, parse_exchanges(v)),
        |s| Some(exchange_ids(&s.exchanges)),
    ),
    Setting::new(
        "window",
        |r, v| set(&mut r.state.window, named(v)),
        |s| Some(s.window.id().into()),
    ),
    // `auto` (not written) or a candle length.
    Setting::new(
        "res",
        |r, v| set(&mut r.state.resolution, parse_resolution(v)),
        |s| s.resolution.map(|r| r.id().into()),
    ),
    // Leverage tiers: `leverage:weight%` pairs, `5:10,10:25,…`. Compared as
    // numbers: weights a hair off the defaults are written too.
    Setting::new(
        "lev",
        |r, v| noted(&mut r.state.params.tiers, parse_tiers(v)?),
        |s| (s.params.tiers != Params::default().tiers).then(|| tiers_text(&s.params.tiers)),
    )
    .longer(MAX_TIERS_CHARS),
    // Where the tier weights came from: `assumed` (not written) or
    // `measured` (Hyperliquid's measured mix, spec section 10).
    Setting::new(
        "mix",
        |r, v| {
            let origins = [("assumed", false), ("measured", true)];
            set(&mut r.state.params.weights_measured, one_of(v, &origins))
        },
        |s| {
            Some(
                if s.params.weights_measured {
                    "measured"
                } else {
                    "assumed"
                }
                .into(),
            )
        },
    ),
    // Hyperliquid's own weights in percent, one per tier of `lev` in its
    // order (its measured mix for Hyperliquid only): `46.2,23.1,30.8,0,0`.
    Setting::new(
        "hlmix",
        |r, v| {
            let weights = parse_weights(v).map(|weights| {
                let exchange = Exchange::Hyperliquid.name().into();
                Some(ExchangeWeights { exchange, weights })
            });
            set(&mut r.state.params.exchange_weights, weights)
        },
        |s| {
            let own = s.params.exchange_weights.as_ref();
            let hyperliquid = own.filter(|w| w.exchange == Exchange::Hyperliquid.name());
            hyperliquid.map(|w| {
                let items: Vec<String> = w.weights.iter().map(|x| number(percent(*x))).collect();
                items.join(",")
            })
        },
    )
    .longer(MAX_TIERS_CHARS),
    // Long share of new positions: `auto` (not written) or 0–1.
    Setting::new(
        "long",
        |r, v| noted(&mut r.state.params.long_share, parse_long(v)?),
        |s| match s.params.long_share {
            LongShare::Fixed(share) => Some(number(share)),
            LongShare::Auto => None,
        },
    ),
    Setting::new(
        "mode",
        |r, v| set(&mut r.state.params.mode, named(v)),
        |s| Some(s.params.mode.id().into()),
    ),
    // The chart shown first.
    Setting::new(
        "view",
        |r, v| set(&mut r.state.panel, named(v)),
        |s| Some(s.panel.id().into()),
    ),
    // Zoomed price range: both or neither.
    Setting::new(
        "pmin",
        |r, v| set(&mut r.prices.0, positive(v).map(Some)),
        |s| s.prices.map(|(low, _)| number(low)),
    ),
    Setting::new(
        "pmax",
        |r, v| set(&mut r.prices.1, positive(v).map(Some)),
        |s| s.prices.map(|(_, high)| number(high)),
    ),
    // Zoomed time range (UTC, `2026-01-01T00:00Z` or ms): both or neither.
    Setting::new(
        "tmin",
        |r, v| set(&mut r.times.0, parse_time(v).map(Some)),
        |s| s.times.map(|(start, _)| time_text(start)),
    ),
    Setting::new(
        "tmax",
        |r, v| set(&mut r.times.1, parse_time(v).map(Some)),
        |s| s.times.map(|(_, end)| time_text(end)),
    ),
    // Price bins of the heatmap.
    Setting::new(
        "bins",
        |r, v| {
            let bins: usize = v.parse().map_err(|_| "not a whole number")?;
            noted(&mut r.state.bins, clamped(bins, BINS_RANGE))
        },
        |s| Some(s.bins.to_string()),
    ),
    Setting::new(
        "scale",
        |r, v| set(&mut r.state.scale, named(v)),
        |s| Some(s.scale.id().into()),
    ),
    Setting::new(
        "palette",
        |r, v| set(&mut r.state.palette, named(v)),
        |s| Some(s.palette.id().into()),
    ),
    Setting::new(
        "theme",
        |r, v| set(&mut r.state.theme, named(v)),
        |s| Some(s.theme.id().into()),
    ),
    // Cells fainter than this share of the strongest are hidden.
    Setting::new(
        "faint",
        |r, v| noted(&mut r.state.faint, clamped(finite(v)?, FAINT_RANGE)),
        // `+ 0.0`: -0 is the default too.
        |s| Some(number(s.faint + 0.0)),
    ),
    // How the map's bars are stacked.
    Setting::new(
        "stack",
        |r, v| set(&mut r.state.stack, named(v)),
        |s| Some(s.stack.id().into()),
    ),
    // The simulated market instead of the exchanges (`demo` alone is on).
    Setting::new(
        "demo",
        |r, v| {
            let flags = [
                ("1", true),
                ("true", true),
                ("", true),
                ("0", false),
                ("false", false),
            ];
            set(&mut r.state.demo, one_of(v, &flags))
        },
        |s| Some(flag(s.demo)),
    ),
    // The simulated market's seed.
    Setting::new(
        "seed",
        |r, v| {
            set(
                &mut r.state.seed,
                v.parse().map_err(|_| "not a whole number"),
            )
        },
        |s| Some(s.seed.to_string()),
    ),
    // Funding drift in the model.
    Setting::new(
        "funding",
        |r, v| {
            set(
                &mut r.state.params.funding_drift,
                one_of(v, &[("1", true), ("0", false)]),
            )
        },
        |s| Some(flag(s.params.funding_drift)),
    ),
    // How far ahead reach probabilities look.
    Setting::new(
        "horizon",
        |r, v| set(&mut r.state.horizon_ms, one_of(v, &HORIZONS)),
        |s| {
            let named = HORIZONS.iter().find(|(_, ms)| *ms == s.horizon_ms);
            named.map(|(name, _)| (*name).into())
        },
    ),
    // The cascade simulator's price shock, percent.
    Setting::new(
        "shock",
        |r, v| noted(&mut r.state.shock_pct, clamped(finite(v)?, SHOCK_RANGE_PCT)),
        |s| Some(number(s.shock_pct)),
    ),
    // Measured positions beside the map (`measured` alone is on).
    Setting::new(
        "measured",
        |r, v| {
            let flags = [("1", true), ("", true), ("0", false)];
            set(&mut r.state.measured, one_of(v, &flags))
        },
        |s| Some(flag(s.measured)),
    ),
    // Pinned end of the window (UTC, as `tmin`); without it the view
    // follows now.
    Setting::new(
        "at",
        |r, v| set(&mut r.state.at, parse_time(v).map(Some)),
        |s| s.at.map(time_text),
    ),
];

/// Puts a read value in its place.
fn set<T>(slot: &mut T, value: Result<T, impl Into<Why>>) -> Result<Option<Why>, Why> {
    *slot = value.map_err(Into::into)?;
    Ok(None)
}

/// Puts a read value in its place, passing on the note of what changed.
fn noted<T>(slot: &mut T, (value, note): Noted<T>) -> Result<Option<Why>, Why> {
    *slot = value;
    Ok(note)
}

type Noted<T> = (T, Option<Why>);

impl ViewState {
    /// Reads a query string (with or without the leading `?`). Returns the
    /// state and what was ignored or changed, in the order met.
    pub fn parse(query: &str) -> (ViewState, Vec<Ignored>) {
        let mut reading = Reading {
            state: ViewState::default(),
            prices: (None, None),
            times: (None, None),
        };
        let mut ignored = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for pair in query.trim_start_matches('?').split('&') {
            if pair.is_empty() {
                continue;
            }
            let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = decode(raw_key);
            let known = decoded
                .as_deref()
                .and_then(|key| SETTINGS.iter().find(|setting| setting.key == key));
            let Some(setting) = known else {
                let shown = decoded.as_deref().unwrap_or(raw_key);
                ignored.push(Ignored::new(shown, "unknown setting"));
                continue;
            };
            let mut skip = |why: Why| ignored.push(Ignored::new(setting.key, why));
            if seen.contains(&setting.key) {
                skip("repeated: the first one counts".into());
                continue;
            }
            seen.push(setting.key);
            let Some(value) = decode(raw_value) else {
                skip("broken percent-encoding".into());
                continue;
            };
            if value.chars().count() > setting.max_chars {
                skip("too long".into());
                continue;
            }
            match (setting.read)(&mut reading, value.trim()) {
                Ok(None) => {}
                Ok(Some(why)) | Err(why) => skip(why),
            }
        }
        let Reading {
            mut state,
            prices,
            times,
        } = reading;
        match prices {
            (Some(low), Some(high)) if low < high => state.prices = Some((low, high)),
            (None, None) => {}
            _ => ignored.push(Ignored::new("pmin/pmax", "need both, low below high")),
        }
        match times {
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
        let pairs: Vec<String> = SETTINGS
            .iter()
            .filter_map(|setting| {
                let text = (setting.write)(self)?;
                let default = (setting.write)(&base);
                (default.as_ref() != Some(&text))
                    .then(|| format!("{}={}", setting.key, encode(&text)))
            })
            .collect();
        if pairs.is_empty() {
            String::new()
        } else {
            format!("?{}", pairs.join("&"))
        }
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
    fn new(key: &str, why: impl Into<Why>) -> Self {
        // Shown as text only; cleaned so a crafted name stays readable.
        let mut key: String = key
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(24)
            .collect();
        if key.is_empty() {
            key = "(unnamed)".into();
        }
        Ignored {
            key,
            why: why.into(),
        }
    }
}

/// The value among named choices; the error lists the names.
fn one_of<T: Copy>(value: &str, choices: &[(&'static str, T)]) -> Result<T, Why> {
    let found = choices.iter().find(|(name, _)| *name == value);
    found.map(|&(_, choice)| choice).ok_or_else(|| {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        not_one_of(&names)
    })
}

/// A [`Choice`] by its name in links.
fn named<T: Choice>(value: &str) -> Result<T, Why> {
    T::from_id(value).ok_or_else(|| {
        let names: Vec<&str> = T::ALL.iter().map(|c| c.id()).collect();
        not_one_of(&names)
    })
}

/// Why a value is not used: not one of `names` (listed, the empty one left
/// out).
fn not_one_of(names: &[&str]) -> Why {
    let names: Vec<&str> = names.iter().copied().filter(|n| !n.is_empty()).collect();
    format!("not one of {}", names.join(", ")).into()
}

/// A coin symbol as typed (upper-cased), if it can be one: ASCII letters and
/// digits, at most [`MAX_COIN_CHARS`].
pub fn coin_symbol(text: &str) -> Option<String> {
    let coin = text.to_ascii_uppercase();
    let plain = coin.chars().all(|c| c.is_ascii_alphanumeric());
    (plain && !coin.is_empty() && coin.len() <= MAX_COIN_CHARS).then_some(coin)
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

fn exchange_ids(exchanges: &[Exchange]) -> String {
    let ids: Vec<&str> = exchanges.iter().map(|e| e.id()).collect();
    ids.join(",")
}

/// `auto` (`None`) or a candle length.
fn parse_resolution(value: &str) -> Result<Option<Resolution>, Why> {
    if value == "auto" {
        return Ok(None);
    }
    Resolution::from_id(value).map(Some).ok_or_else(|| {
        let mut names = vec!["auto"];
        names.extend(Resolution::ALL.map(|r| r.id()));
        not_one_of(&names)
    })
}

/// `5:10,10:25,…`: leverage and weight in percent per tier.
fn parse_tiers(value: &str) -> Result<Noted<Vec<Tier>>, Why> {
    let mut tiers = Vec::new();
    let mut note = None;
    for item in value.split(',') {
        if tiers.len() == MAX_TIERS {
            note = Some(format!("more than {MAX_TIERS} tiers: the rest left out").into());
            break;
        }
        let (leverage, weight) = item.split_once(':').ok_or("not leverage:weight pairs")?;
        let (leverage, weight) = (finite(leverage)?, finite(weight)?);
        if weight < 0.0 {
            return Err("negative weight".into());
        }
        let (leverage, clamped_note) = clamped(leverage, LEVERAGE_RANGE);
        if let Some(clamped_note) = clamped_note {
            note = Some(format!("leverage {clamped_note}").into());
        }
        tiers.push(Tier {
            leverage,
            weight: weight / 100.0,
        });
    }
    if tiers.iter().all(|t| t.weight == 0.0) {
        return Err("all weights zero".into());
    }
    Ok((tiers, note))
}

/// `46.2,23.1,…`: weights in percent, at most [`MAX_TIERS`], not all zero.
fn parse_weights(value: &str) -> Result<Vec<f64>, Why> {
    let mut weights = Vec::new();
    for item in value.split(',').take(MAX_TIERS) {
        match finite(item)? {
            w if w < 0.0 => return Err("negative weight".into()),
            w => weights.push(w / 100.0),
        }
    }
    if weights.iter().all(|w| *w == 0.0) {
        return Err("all weights zero".into());
    }
    Ok(weights)
}

/// `auto`, or the long share of new positions.
fn parse_long(value: &str) -> Result<Noted<LongShare>, Why> {
    if value == "auto" {
        return Ok((LongShare::Auto, None));
    }
    let (share, note) = clamped(finite(value)?, SHARE_RANGE);
    Ok((LongShare::Fixed(share), note))
}

/// `value` within `(low, high)`, with a note naming the range when it was
/// outside.
fn clamped<T: PartialOrd + Display>(value: T, (low, high): (T, T)) -> Noted<T> {
    if value < low || value > high {
        let note = format!("clamped to {low}–{high}").replace('-', "−");
        let value = if value < low { low } else { high };
        (value, Some(note.into()))
    } else {
        (value, None)
    }
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

fn flag(on: bool) -> String {
    if on { "1" } else { "0" }.into()
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
    use crate::engine::Mode;
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
                exchange_weights: Some(ExchangeWeights {
                    exchange: "Hyperliquid".into(),
                    weights: vec![0.25, 0.75],
                }),
                weights_measured: true,
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
            measured: true,
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
            "?sym=ETH&ex=binance,dydx&window=1d&res=15m&lev=3:50,20:50&mix=measured&hlmix=25,75\
             &long=0.6&mode=volume&view=map&pmin=60000.5&pmax=70000&tmin=2025-12-29T09:20Z&tmax=1767200000000&bins=800\
             &scale=log&palette=viridis&theme=light&faint=0.25&stack=exchange&demo=1&seed=42\
             &funding=1&horizon=1h&shock=5.5&measured=1&at=2026-01-01T00:00Z"
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
            ("mix=guessed", "mix"),
            ("hlmix=0,0", "hlmix"),
            ("hlmix=-5,10", "hlmix"),
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
    fn every_choice_reads_back_from_its_name() {
        fn check<T: Choice + std::fmt::Debug>() {
            for &choice in T::ALL {
                assert_eq!(T::from_id(choice.id()), Some(choice));
                assert_eq!(named::<T>(choice.id()), Ok(choice));
            }
            let names: Vec<&str> = T::ALL.iter().map(|c| c.id()).collect();
            let why = named::<T>("nope").unwrap_err();
            assert_eq!(why, format!("not one of {}", names.join(", ")));
        }
        check::<Window>();
        check::<Resolution>();
        check::<Mode>();
        check::<Panel>();
        check::<Scale>();
        check::<Palette>();
        check::<Theme>();
        check::<StackBy>();
        assert_eq!(Palette::from_id("viridis"), Some(Palette::Viridis));
    }

    #[test]
    fn clamping_notes_quote_the_limits() {
        let (_, ignored) = ViewState::parse("bins=10&shock=-50&lev=500:50,5:50&faint=1");
        let notes: Vec<String> = ignored.iter().map(ToString::to_string).collect();
        assert_eq!(
            notes,
            [
                "bins (clamped to 50–2000)",
                "shock (clamped to −20–20)",
                "lev (leverage clamped to 1–200)",
                "faint (clamped to 0–0.9)",
            ]
        );
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
