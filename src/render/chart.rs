//! Axes and overlays of the two charts, drawn with plotters on any drawing
//! back end: the page uses the canvas one, the tests a recording one. What
//! is drawn lives here; where it is drawn is the caller's business.
//!
//! Everything is in device pixels: `ratio` (the screen's pixels per CSS
//! pixel) scales fonts, margins and line widths so the charts stay sharp.

use super::{price_label, usd_label, utc_label, Look, Theme};
use crate::analysis::Cascade;
use crate::choice::Choice;
use crate::engine::{Estimate, GridSpec, PriceBins, Side};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor;

/// Room for the heatmap's price axis (right) and time axis (below), in CSS
/// pixels: the pointer maths of the page uses the same numbers.
pub const HEATMAP_AXIS_RIGHT: f64 = 76.0;
pub const HEATMAP_AXIS_BOTTOM: f64 = 22.0;
/// Room for the map's USD axis (left) and price axis (below).
const MAP_AXIS_LEFT: f64 = 64.0;
const MAP_AXIS_BOTTOM: f64 = 22.0;

/// The x axis of both charts: the heatmap's time (ms, as `f64`: exact up to
/// 2^53) with the ticks given, or the map's prices with plotters' own. One
/// type for both, so that plotters' generic chart code is compiled once
/// into the wasm; it maps and ticks exactly as `WithKeyPoints` over
/// `RangedCoordi64` and `RangedCoordf64` did.
#[derive(Clone)]
struct XAxis {
    range: RangedCoordf64,
    /// Bold key points (no light ones); `None`: plotters chooses.
    ticks: Option<Vec<f64>>,
}

impl Ranged for XAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.range.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        match &self.ticks {
            Some(_) if hint.weight().allow_light_points() => Vec::new(),
            Some(ticks) => ticks.clone(),
            None => self.range.key_points(hint),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.range()
    }
}

/// A drawing failed in the back end (the canvas refused a call).
pub type ChartResult = Result<(), String>;

fn failed<E: std::fmt::Debug>(error: E) -> String {
    format!("chart drawing failed: {error:?}")
}

/// Colours of one theme, as plotters colours.
struct Ink {
    background: RGBColor,
    text: RGBColor,
    grid: RGBAColor,
    price_line: RGBAColor,
    current: RGBColor,
    on_current: RGBColor,
}

impl Theme {
    fn ink(self) -> Ink {
        match self {
            Theme::Dark => Ink {
                background: RGBColor(0x0b, 0x0e, 0x14),
                text: RGBColor(0x9a, 0xa4, 0xb2),
                grid: RGBColor(255, 255, 255).mix(0.07),
                price_line: RGBColor(255, 255, 255).mix(0.85),
                current: RGBColor(0x4f, 0xc3, 0xf7),
                on_current: RGBColor(0x0b, 0x0e, 0x14),
            },
            Theme::Light => Ink {
                background: RGBColor(0xfb, 0xfc, 0xfd),
                text: RGBColor(0x3c, 0x44, 0x50),
                grid: RGBColor(0, 0, 0).mix(0.08),
                price_line: RGBColor(0x10, 0x14, 0x1c).mix(0.85),
                current: RGBColor(0x02, 0x77, 0xbd),
                on_current: RGBColor(255, 255, 255),
            },
        }
    }
}

fn font(size_css: f64, ratio: f64, colour: RGBColor) -> TextStyle<'static> {
    // A family given as a name: from a `&str`, plotters would lower-case it
    // first (pulling Unicode case tables into the wasm) to find the same.
    (FontFamily::Name("system-ui, sans-serif"), size_css * ratio)
        .into_font()
        .color(&colour)
}

/// The heatmap's plot rectangle `(x, y, w, h)` in device pixels, for a
/// canvas `width × height` device pixels: the RGBA image is put there.
pub fn heatmap_plot_rect(width: u32, height: u32, ratio: f64) -> (f64, f64, f64, f64) {
    let w = (f64::from(width) - HEATMAP_AXIS_RIGHT * ratio)
        .round()
        .max(1.0);
    let h = (f64::from(height) - HEATMAP_AXIS_BOTTOM * ratio)
        .round()
        .max(1.0);
    (0.0, 0.0, w, h)
}

/// What is drawn over the heatmap's pixels.
pub struct HeatmapOverlay<'a> {
    pub grid: &'a GridSpec,
    /// Last close per column: the price line.
    pub closes: &'a [Option<f64>],
    pub current_price: Option<f64>,
    /// The largest cell, for the colour bar's top label.
    pub strongest: f64,
    pub look: Look,
    pub theme: Theme,
    /// Actual liquidations to mark.
    pub bubbles: &'a [Bubble],
}

/// An actual liquidation drawn over the heatmap: area ∝ USD, red where
/// longs were liquidated, green for shorts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bubble {
    pub time_ms: i64,
    pub price: f64,
    pub usd: f64,
    pub long: bool,
}

/// Fills the background before the pixels are put in the plot rectangle.
/// On the light theme the plot gets the palette's "nothing" colour: white
/// gaps between faint cells would read as the strongest, not the weakest
/// (the dark background already sits at the palettes' dark end).
pub fn fill_background<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theme: Theme,
    look: Look,
    (x, y, w, h): (f64, f64, f64, f64),
) -> ChartResult {
    root.fill(&theme.ink().background).map_err(failed)?;
    if theme == Theme::Dark {
        return Ok(());
    }
    let [r, g, b] = look.palette.colour(0.0);
    let plot = [(x as i32, y as i32), ((x + w) as i32, (y + h) as i32)];
    root.draw(&Rectangle::new(plot, RGBColor(r, g, b).filled()))
        .map_err(failed)
}

/// Axes, price line, current price and colour bar over the heatmap.
pub fn draw_heatmap_overlay<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    overlay: &HeatmapOverlay,
    ratio: f64,
) -> ChartResult {
    let ink = overlay.theme.ink();
    let (width, _) = root.dim_in_pixel();
    let (start, end) = (overlay.grid.time.start_ms, overlay.grid.time.end_ms());
    let prices = overlay.grid.prices;
    let plot_w = f64::from(width) - HEATMAP_AXIS_RIGHT * ratio;
    // One time label per ~130 CSS px so they never overlap, even on a phone.
    let ticks = time_ticks(start, end, ((plot_w / ratio / 130.0) as usize).max(2));
    let x = XAxis {
        range: (start as f64..end as f64).into(),
        ticks: Some(ticks.into_iter().map(|t| t as f64).collect()),
    };
    let mut chart = ChartBuilder::on(root)
        .x_label_area_size(HEATMAP_AXIS_BOTTOM * ratio)
        .right_y_label_area_size(HEATMAP_AXIS_RIGHT * ratio)
        .build_cartesian_2d(x, prices.low..prices.high)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(ink.grid)
        .axis_style(ink.grid)
        .y_labels(7)
        .x_label_formatter(&|t| utc_label(*t as i64))
        .y_label_formatter(&|p| price_label(*p))
        .label_style(font(11.0, ratio, ink.text))
        .draw()
        .map_err(failed)?;

    let column_ms = overlay.grid.time.column_ms;
    let in_range = |p: f64| (prices.low..=prices.high).contains(&p);
    // The price line, broken where a column has no candle or leaves the
    // zoomed price range.
    let line_style = ShapeStyle::from(ink.price_line).stroke_width((1.25 * ratio).ceil() as u32);
    let mut segment: Vec<(f64, f64)> = Vec::new();
    let points = overlay.closes.iter().enumerate().map(|(c, close)| {
        let t = start + c as i64 * column_ms + column_ms / 2;
        close.filter(|p| in_range(*p)).map(|p| (t as f64, p))
    });
    for point in points.chain(std::iter::once(None)) {
        match point {
            Some(p) => segment.push(p),
            None if segment.len() > 1 => {
                let line = std::mem::take(&mut segment);
                chart
                    .draw_series(LineSeries::new(line, line_style))
                    .map_err(failed)?;
            }
            None => segment.clear(),
        }
    }

    draw_bubbles(&mut chart, overlay, ratio)?;
    if let Some(price) = overlay.current_price.filter(|p| in_range(*p)) {
        chart
            .draw_series(LineSeries::new(
                [(start as f64, price), (end as f64, price)],
                ShapeStyle::from(ink.current).stroke_width(ratio.ceil() as u32),
            ))
            .map_err(failed)?;
        // The price in a tag on the axis.
        let (x, y) = chart.backend_coord(&(end as f64, price));
        let half = (9.0 * ratio) as i32;
        let tag = [
            (x, y - half),
            (x + (HEATMAP_AXIS_RIGHT * ratio) as i32, y + half),
        ];
        root.draw(&Rectangle::new(tag, ink.current.filled()))
            .map_err(failed)?;
        let style = font(11.0, ratio, ink.on_current).pos(text_anchor::Pos::new(
            text_anchor::HPos::Left,
            text_anchor::VPos::Center,
        ));
        root.draw(&Text::new(
            price_label(price),
            (x + (6.0 * ratio) as i32, y),
            style,
        ))
        .map_err(failed)?;
    }
    draw_colour_bar(root, overlay, ratio)
}

/// Bubbles of actual liquidations; those after the last column sit on the
/// right edge (they happened "now").
fn draw_bubbles<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Cartesian2d<XAxis, RangedCoordf64>>,
    overlay: &HeatmapOverlay,
    ratio: f64,
) -> ChartResult {
    const LARGEST_RADIUS: f64 = 14.0;
    let (start, end) = (overlay.grid.time.start_ms, overlay.grid.time.end_ms());
    let prices = overlay.grid.prices;
    let shown: Vec<&Bubble> = overlay
        .bubbles
        .iter()
        .filter(|b| b.time_ms >= start && (prices.low..=prices.high).contains(&b.price))
        .filter(|b| b.usd.is_finite() && b.usd > 0.0)
        .collect();
    let largest = shown.iter().map(|b| b.usd).fold(0.0, f64::max);
    let circles = shown.iter().map(|b| {
        let radius = (LARGEST_RADIUS * (b.usd / largest).sqrt()).max(2.0) * ratio;
        let [r, g, b_] = if b.long {
            CUMULATIVE_LONG
        } else {
            CUMULATIVE_SHORT
        };
        let at = (b.time_ms.min(end - 1) as f64, b.price);
        Circle::new(at, radius as u32, RGBColor(r, g, b_).mix(0.8).filled())
    });
    chart.draw_series(circles).map_err(failed)?;
    Ok(())
}

/// A small legend in the top-left corner: what the colours mean in USD.
fn draw_colour_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    overlay: &HeatmapOverlay,
    ratio: f64,
) -> ChartResult {
    let ink = overlay.theme.ink();
    let px = |css: f64| (css * ratio).round() as i32;
    let (x, y, w, h) = (px(10.0), px(10.0), px(140.0), px(8.0));
    let backdrop = [
        (x - px(6.0), y - px(6.0)),
        (x + w + px(6.0), y + h + px(22.0)),
    ];
    root.draw(&Rectangle::new(backdrop, ink.background.mix(0.75).filled()))
        .map_err(failed)?;
    for i in 0..w {
        let [r, g, b] = overlay.look.palette.colour(f64::from(i) / f64::from(w));
        let strip = [(x + i, y), (x + i + 1, y + h)];
        root.draw(&Rectangle::new(strip, RGBColor(r, g, b).filled()))
            .map_err(failed)?;
    }
    let label = |text: String, at: i32, h_pos| {
        let style =
            font(10.0, ratio, ink.text).pos(text_anchor::Pos::new(h_pos, text_anchor::VPos::Top));
        root.draw(&Text::new(text, (at, y + h + px(3.0)), style))
    };
    let scale = format!("{} scale", overlay.look.scale.id());
    label(scale, x, text_anchor::HPos::Left).map_err(failed)?;
    label(
        usd_label(overlay.strongest),
        x + w,
        text_anchor::HPos::Right,
    )
    .map_err(failed)
}

/// Round time ticks (1 h, 2 h, … 1 d, 2 d, …) between `start` and `end`,
/// at most `max` of them, aligned to UTC multiples of the step.
pub fn time_ticks(start: i64, end: i64, max: usize) -> Vec<i64> {
    const HOUR: i64 = 3_600_000;
    const STEPS: [i64; 12] = [
        HOUR / 4,
        HOUR / 2,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
        24 * HOUR,
        48 * HOUR,
        96 * HOUR,
        168 * HOUR,
        336 * HOUR,
    ];
    let span = (end - start).max(1);
    let step = STEPS
        .into_iter()
        .find(|s| span / s < max.max(1) as i64)
        .unwrap_or(span);
    let first = start + (step - start.rem_euclid(step)) % step;
    (0..)
        .map(|i| first + i * step)
        .take_while(|t| *t < end)
        .collect()
}

/// What the map's bars are stacked by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StackBy {
    #[default]
    Leverage,
    Exchange,
}

impl Choice for StackBy {
    const ALL: &'static [Self] = &[StackBy::Leverage, StackBy::Exchange];
    fn id(self) -> &'static str {
        match self {
            StackBy::Leverage => "leverage",
            StackBy::Exchange => "exchange",
        }
    }
}

/// A categorical colour per stack layer (Tableau 10, from the colormap crate).
pub fn stack_colour(layer: usize) -> [u8; 3] {
    let c = colorous::TABLEAU10[layer % colorous::TABLEAU10.len()];
    [c.r, c.g, c.b]
}

/// Colours of the two cumulative curves.
pub const CUMULATIVE_LONG: [u8; 3] = [0xef, 0x53, 0x50];
pub const CUMULATIVE_SHORT: [u8; 3] = [0x26, 0xa6, 0x9a];

/// The map's USD per price bin and layer (tier or exchange), both sides:
/// longs and shorts never share a bin at the last candle (longs alive are
/// below the price, shorts above).
pub fn stacked_bars(estimate: &Estimate, stack_by: StackBy) -> Vec<Vec<f64>> {
    let map = &estimate.map;
    let both =
        |s: usize, t: usize, b: usize| map.get(s, t, Side::Long, b) + map.get(s, t, Side::Short, b);
    (0..map.bins)
        .map(|b| match stack_by {
            StackBy::Leverage => (0..map.tiers)
                .map(|t| (0..map.sources).map(|s| both(s, t, b)).sum())
                .collect(),
            StackBy::Exchange => (0..map.sources)
                .map(|s| (0..map.tiers).map(|t| both(s, t, b)).sum())
                .collect(),
        })
        .collect()
}

/// The frame both map charts share: the map's prices along x, `0..top`
/// up, the grid and both axes' labels (`y_labels` of them, by `y_label`).
fn price_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    prices: PriceBins,
    top: f64,
    (ink, ratio): (&Ink, f64),
    y_labels: usize,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<ChartContext<'a, DB, Cartesian2d<XAxis, RangedCoordf64>>, String> {
    let x = XAxis {
        range: (prices.low..prices.high).into(),
        ticks: None,
    };
    let mut chart = ChartBuilder::on(root)
        .x_label_area_size(MAP_AXIS_BOTTOM * ratio)
        .y_label_area_size(MAP_AXIS_LEFT * ratio)
        .build_cartesian_2d(x, 0.0..top)
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(ink.grid)
        .axis_style(ink.grid)
        .x_labels(((f64::from(root.dim_in_pixel().0) / ratio / 110.0) as usize).max(2))
        .y_labels(y_labels)
        .x_label_formatter(&|p| price_label(*p))
        .y_label_formatter(y_label)
        .label_style(font(11.0, ratio, ink.text))
        .draw()
        .map_err(failed)?;
    Ok(chart)
}

/// The liquidation map: stacked bars, cumulative curves (scaled to the
/// tallest bar), the current price line and both axes.
pub fn draw_liquidation_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    estimate: &Estimate,
    stack_by: StackBy,
    theme: Theme,
    ratio: f64,
) -> ChartResult {
    let ink = theme.ink();
    root.fill(&ink.background).map_err(failed)?;
    let prices = estimate.grid.prices;
    let stacked = stacked_bars(estimate, stack_by);
    let tallest = stacked
        .iter()
        .map(|layers| layers.iter().sum::<f64>())
        .fold(0.0, f64::max);
    if tallest <= 0.0 || prices.count == 0 {
        return Ok(());
    }
    let mut chart = price_chart(root, prices, tallest * 1.02, (&ink, ratio), 5, &|usd| {
        usd_label(*usd)
    })?;

    let bars = stacked.iter().enumerate().flat_map(|(b, layers)| {
        let (low, high) = (prices.edge(b), prices.edge(b + 1));
        let mut top = 0.0;
        layers
            .iter()
            .enumerate()
            .filter(|(_, usd)| **usd > 0.0)
            .map(move |(layer, usd)| {
                let [r, g, b] = stack_colour(layer);
                let bar =
                    Rectangle::new([(low, top), (high, top + usd)], RGBColor(r, g, b).filled());
                top += usd;
                bar
            })
    });
    chart.draw_series(bars).map_err(failed)?;

    let current_bin = estimate
        .current_price
        .and_then(|p| prices.bin_of(p))
        .unwrap_or(prices.count / 2);
    let curves = [
        (
            estimate.map.cumulative(Side::Long, current_bin),
            CUMULATIVE_LONG,
        ),
        (
            estimate.map.cumulative(Side::Short, current_bin),
            CUMULATIVE_SHORT,
        ),
    ];
    let curve_max = curves
        .iter()
        .flat_map(|(curve, _)| curve.iter().copied())
        .fold(0.0, f64::max);
    if curve_max > 0.0 {
        for (curve, [r, g, b]) in &curves {
            let points = curve
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0.0)
                .map(|(bin, v)| {
                    let middle = (prices.edge(bin) + prices.edge(bin + 1)) / 2.0;
                    (middle, v / curve_max * tallest)
                });
            let style = ShapeStyle::from(RGBColor(*r, *g, *b)).stroke_width((2.0 * ratio) as u32);
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(failed)?;
        }
    }
    if let Some(price) = estimate.current_price {
        chart
            .draw_series(LineSeries::new(
                [(price, 0.0), (price, tallest * 1.02)],
                ShapeStyle::from(ink.current).stroke_width(ratio.ceil() as u32),
            ))
            .map_err(failed)?;
    }
    Ok(())
}

/// A cascade's path: the price after the shock and after each round of
/// liquidations (x: round, 0 = the shock itself), dots sized by the USD
/// liquidated in that round.
pub fn draw_cascade<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    path: &Cascade,
    theme: Theme,
    ratio: f64,
) -> ChartResult {
    let ink = theme.ink();
    root.fill(&ink.background).map_err(failed)?;
    let mut points = vec![(0.0, path.start_price, 0.0), (0.0, path.shocked_price, 0.0)];
    points.extend(
        path.steps
            .iter()
            .enumerate()
            .map(|(i, s)| ((i + 1) as f64, s.price, s.liquidated_usd)),
    );
    let (low, high) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), p| (l.min(p.1), h.max(p.1)));
    let pad = ((high - low) * 0.1).max(high * 0.001);
    let rounds = path.steps.len().max(1) as f64;
    // The shared x axis type: one copy of plotters' chart code in the wasm.
    let x = XAxis {
        range: (-0.2..rounds + 0.2).into(),
        ticks: Some((0..=rounds as usize).map(|r| r as f64).collect()),
    };
    let mut chart = ChartBuilder::on(root)
        .margin((8.0 * ratio) as i32)
        .x_label_area_size(20.0 * ratio)
        .y_label_area_size(64.0 * ratio)
        .build_cartesian_2d(x, (low - pad)..(high + pad))
        .map_err(failed)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(ink.grid)
        .axis_style(ink.grid)
        .y_labels(4)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|p| price_label(*p))
        .label_style(font(10.0, ratio, ink.text))
        .draw()
        .map_err(failed)?;
    let line = ShapeStyle::from(ink.current).stroke_width((1.5 * ratio).ceil() as u32);
    let path_points: Vec<(f64, f64)> = points.iter().map(|p| (p.0, p.1)).collect();
    chart
        .draw_series(LineSeries::new(path_points, line))
        .map_err(failed)?;
    let largest = points.iter().map(|p| p.2).fold(0.0, f64::max);
    let [r, g, b] = if path.shock_pct < 0.0 {
        CUMULATIVE_LONG
    } else {
        CUMULATIVE_SHORT
    };
    let dots = points.iter().filter(|p| p.2 > 0.0).map(|p| {
        let radius = (3.0 + 9.0 * (p.2 / largest).sqrt()) * ratio;
        Circle::new(
            (p.0, p.1),
            radius as u32,
            RGBColor(r, g, b).mix(0.8).filled(),
        )
    });
    chart.draw_series(dots).map_err(failed)?;
    Ok(())
}

/// Measured positions' bars (spec section 10): their own colour, apart
/// from every stack colour.
pub const MEASURED: [u8; 3] = [0xff, 0xb3, 0x00];
/// The model's map of the same exchange, drawn behind them.
pub const MODEL_OF_MEASURED: [u8; 3] = [0x78, 0x90, 0x9c];

/// Bars drawn at most: a few sampled positions must stay visible on a map
/// of hundreds of bins, so neighbouring bins are drawn together.
const MEASURED_BARS: usize = 100;

/// The measured map beside the model's map of the same exchange, on the
/// map's price bins (drawn in groups of neighbours, at most
/// [`MEASURED_BARS`]): each as its share of its own total (shapes, as the
/// cosine compares them), the model's wide and behind, the measured
/// narrower in front, and the current price.
pub fn draw_measured_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    prices: PriceBins,
    (measured, model): (&[f64], &[f64]),
    current_price: Option<f64>,
    theme: Theme,
    ratio: f64,
) -> ChartResult {
    let ink = theme.ink();
    root.fill(&ink.background).map_err(failed)?;
    let group = prices.count.div_ceil(MEASURED_BARS).max(1);
    let shares = |v: &[f64]| {
        let total: f64 = v.iter().sum();
        let grouped = v.chunks(group).map(|c| c.iter().sum::<f64>());
        let shares: Vec<f64> = grouped
            .map(|x| if total > 0.0 { x / total } else { 0.0 })
            .collect();
        shares
    };
    let (measured, model) = (shares(measured), shares(model));
    let tallest = measured
        .iter()
        .chain(&model)
        .fold(0.0, |a: f64, b| a.max(*b));
    if tallest <= 0.0 || prices.count == 0 {
        return Ok(());
    }
    let mut chart = price_chart(root, prices, tallest * 1.05, (&ink, ratio), 4, &|share| {
        format!("{:.0} %", share * 100.0)
    })?;
    for (values, [r, g, b], inset) in [(&model, MODEL_OF_MEASURED, 0.0), (&measured, MEASURED, 0.2)]
    {
        let bars = values
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(bar, v)| {
                let last = ((bar + 1) * group).min(prices.count);
                let (low, high) = (prices.edge(bar * group), prices.edge(last));
                let pad = (high - low) * inset;
                Rectangle::new(
                    [(low + pad, 0.0), (high - pad, *v)],
                    RGBColor(r, g, b).filled(),
                )
            });
        chart.draw_series(bars).map_err(failed)?;
    }
    if let Some(price) = current_price {
        chart
            .draw_series(LineSeries::new(
                [(price, 0.0), (price, tallest * 1.05)],
                ShapeStyle::from(ink.current).stroke_width(ratio.ceil() as u32),
            ))
            .map_err(failed)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{default_grid, estimate};
    use crate::sim::demo_market;
    use plotters_backend::{
        BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
    };
    use std::convert::Infallible;

    /// A back end that keeps the texts drawn and counts everything else.
    #[derive(Default)]
    struct Recorder {
        texts: Vec<String>,
        shapes: usize,
    }

    impl DrawingBackend for &mut Recorder {
        type ErrorType = Infallible;
        fn get_size(&self) -> (u32, u32) {
            (1200, 500)
        }
        fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
            Ok(())
        }
        fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
            Ok(())
        }
        fn draw_pixel(
            &mut self,
            _: BackendCoord,
            _: BackendColor,
        ) -> Result<(), DrawingErrorKind<Infallible>> {
            self.shapes += 1;
            Ok(())
        }
        fn draw_line<S: BackendStyle>(
            &mut self,
            _: BackendCoord,
            _: BackendCoord,
            _: &S,
        ) -> Result<(), DrawingErrorKind<Infallible>> {
            self.shapes += 1;
            Ok(())
        }
        fn draw_rect<S: BackendStyle>(
            &mut self,
            _: BackendCoord,
            _: BackendCoord,
            _: &S,
            _: bool,
        ) -> Result<(), DrawingErrorKind<Infallible>> {
            self.shapes += 1;
            Ok(())
        }
        fn draw_text<S: BackendTextStyle>(
            &mut self,
            text: &str,
            _: &S,
            _: BackendCoord,
        ) -> Result<(), DrawingErrorKind<Infallible>> {
            self.texts.push(text.to_string());
            Ok(())
        }
    }

    fn demo_estimate() -> Estimate {
        let market = demo_market(7, 1_767_225_600_000, 86_400_000);
        let sources = vec![market.source];
        let end = 1_767_225_600_000;
        let grid = default_grid(&sources, end - 86_400_000, end, 200, 100).unwrap();
        estimate(&sources, &crate::engine::Params::default(), &grid)
    }

    #[test]
    fn time_ticks_are_round_and_inside() {
        let day = 86_400_000;
        let start = 1_767_225_600_000 - 7 * day + 1234;
        let ticks = time_ticks(start, start + 7 * day, 8);
        assert!(!ticks.is_empty() && ticks.len() <= 8, "{ticks:?}");
        assert!(ticks.iter().all(|t| t % day == 0 && *t >= start));
        assert!(time_ticks(0, 3_600_000, 4).iter().all(|t| t % 900_000 == 0));
    }

    #[test]
    fn heatmap_overlay_labels_prices_times_and_the_current_price() {
        let estimate = demo_estimate();
        let closes = vec![estimate.current_price; estimate.grid.time.columns];
        let mut recorder = Recorder::default();
        let root = (&mut recorder).into_drawing_area();
        let overlay = HeatmapOverlay {
            grid: &estimate.grid,
            closes: &closes,
            current_price: estimate.current_price,
            strongest: 1.5e6,
            look: Look::default(),
            theme: Theme::Dark,
            bubbles: &[Bubble {
                time_ms: estimate.grid.time.start_ms + 1,
                price: estimate.current_price.unwrap(),
                usd: 1e5,
                long: true,
            }],
        };
        draw_heatmap_overlay(&root, &overlay, 1.0).unwrap();
        drop(root);
        let texts = &recorder.texts;
        let price = price_label(estimate.current_price.unwrap());
        assert!(texts.contains(&price), "current price tag: {texts:?}");
        assert!(
            texts.contains(&"$1.50M".to_string()),
            "colour bar: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.ends_with(":00") && t.contains('-')),
            "{texts:?}"
        );
        assert!(
            texts.iter().filter(|t| t.contains(',')).count() >= 4,
            "{texts:?}"
        );
    }

    #[test]
    fn map_draws_bars_and_usd_axis() {
        let estimate = demo_estimate();
        for stack_by in [StackBy::Leverage, StackBy::Exchange] {
            let mut recorder = Recorder::default();
            let root = (&mut recorder).into_drawing_area();
            draw_liquidation_map(&root, &estimate, stack_by, Theme::Light, 2.0).unwrap();
            drop(root);
            assert!(recorder.shapes > 50, "bars drawn: {}", recorder.shapes);
            assert!(recorder.texts.iter().any(|t| t.starts_with('$')));
        }
    }

    #[test]
    fn stacked_bars_add_up_to_the_map() {
        let estimate = demo_estimate();
        let by_tier: f64 = stacked_bars(&estimate, StackBy::Leverage)
            .iter()
            .flatten()
            .sum();
        let by_source: f64 = stacked_bars(&estimate, StackBy::Exchange)
            .iter()
            .flatten()
            .sum();
        let total: f64 = crate::accuracy::map_total(&estimate).iter().sum();
        assert!(
            (by_tier - total).abs() <= 1e-6 * total && (by_source - total).abs() <= 1e-6 * total
        );
    }
}
