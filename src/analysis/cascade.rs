//! Cascade: what a sudden move does when the liquidations it trips become
//! market orders.
//!
//! A shock of `x %` moves the price from `S₀` to `S₁ = S₀·(1 + x/100)`; the
//! book levels it passes are taken (that is how the price got there). Then,
//! round after round:
//! 1. every liquidation level the price has reached trips: long
//!    liquidations (below the price) are market sells, short ones buys;
//! 2. their USD walks the book (sells into the bids, buys into the asks),
//!    consuming depth for good: the book is not refilled;
//! 3. the price moves to the last level filled, which may reach more levels.
//!
//! It stops when a round trips nothing new, or when the book runs out with
//! liquidations left to fill (*exhausted*: the fetched depth could not
//! absorb them; the real price would go further). Only the side the shock
//! points to takes part: a fall trips longs and only falls further.
//!
//! Sizes are compared in USD: the liquidated notional against the resting
//! USD, ignoring the few percent between a position's notional at its
//! liquidation price and at the fill. Levels sit where
//! [`LiqLevels::level`] puts them.

use super::book::{BookLevel, BookSide, OrderBook};
use super::LiqLevels;
use crate::engine::Side;

/// Default of [`RunawayRule::amplification`]: a cascade that takes the price
/// three times as far as the shock feeds itself rather than fading (thin
/// books alone give 1.5–2 on a busy map).
pub const RUNAWAY_AMPLIFICATION: f64 = 3.0;

/// Default of [`RunawayRule::max_shock_pct`].
pub const RUNAWAY_MAX_SHOCK_PCT: f64 = 20.0;

/// Which way a shock moves the price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Down,
    Up,
}

impl Direction {
    /// The positions a move this way liquidates: longs for a fall.
    pub fn side(self) -> Side {
        match self {
            Direction::Down => Side::Long,
            Direction::Up => Side::Short,
        }
    }

    /// The book side their market orders fill against: bids for sells.
    pub fn book_side(self) -> BookSide {
        match self {
            Direction::Down => BookSide::Bids,
            Direction::Up => BookSide::Asks,
        }
    }

    /// `key = sign × price` grows the way the price moves.
    fn sign(self) -> f64 {
        match self {
            Direction::Down => -1.0,
            Direction::Up => 1.0,
        }
    }
}

/// One round of a cascade.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CascadeStep {
    /// Where the price is after this round's orders filled.
    pub price: f64,
    /// USD of the liquidations that tripped in this round.
    pub liquidated_usd: f64,
    /// USD liquidated so far, this round included.
    pub cumulative_usd: f64,
}

/// The path of one shock: start → shocked price → one step per round.
#[derive(Clone, Debug, PartialEq)]
pub struct Cascade {
    pub start_price: f64,
    /// The shock in percent (negative: down).
    pub shock_pct: f64,
    /// `start × (1 + shock/100)`.
    pub shocked_price: f64,
    /// The rounds that tripped liquidations, in order (empty: none did).
    pub steps: Vec<CascadeStep>,
    pub total_liquidated_usd: f64,
    /// The last step's price, else the shocked price.
    pub final_price: f64,
    /// Final move over the shock's own move: 1 when nothing trips (and for
    /// a zero shock), more the further the liquidations carry the price.
    pub amplification: f64,
    /// A round found no depth left for some of its liquidations.
    pub book_exhausted: bool,
}

impl Cascade {
    /// Whether this cascade *runs away* by `rule`: the book was exhausted,
    /// or the final move is at least `rule.amplification` times the shock.
    pub fn runs_away(&self, rule: &RunawayRule) -> bool {
        self.book_exhausted || self.amplification >= rule.amplification
    }
}

/// When a cascade counts as running away, and how far to look for one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunawayRule {
    /// Amplification at or above which a cascade runs away.
    pub amplification: f64,
    /// Largest shock searched, in percent (the search stays below 100 %).
    pub max_shock_pct: f64,
}

impl Default for RunawayRule {
    fn default() -> Self {
        RunawayRule {
            amplification: RUNAWAY_AMPLIFICATION,
            max_shock_pct: RUNAWAY_MAX_SHOCK_PCT,
        }
    }
}

/// The cascade after a shock of `shock_pct` percent (positive up, negative
/// down) from `levels.current_price`. `None` when the shock is not finite or
/// not above −100 %, or the current price is not finite and positive.
pub fn cascade(levels: &LiqLevels, book: &OrderBook, shock_pct: f64) -> Option<Cascade> {
    let start = levels.current_price;
    if !(start.is_finite() && start > 0.0 && shock_pct.is_finite() && shock_pct > -100.0) {
        return None;
    }
    let direction = if shock_pct < 0.0 {
        Direction::Down
    } else if shock_pct > 0.0 {
        Direction::Up
    } else {
        return Some(Walk::still(start));
    };
    Walk::new(levels, book, direction).run(shock_pct)
}

/// The smallest shock in `direction` whose cascade runs away by `rule`, and
/// that cascade (its `shock_pct` is the answer); `None` when no shock up to
/// `rule.max_shock_pct` does, or the current price is not usable.
///
/// Exact, not a scan: what a cascade does changes only where the shocked
/// price reaches a liquidation level or passes a book level. Between two
/// such points the final price is fixed, so the amplification falls as the
/// shock grows and exhaustion does not change: if the first shock of an
/// interval does not run away, none in it does. Each interval's first shock
/// is tried, nearest first (to within 1e-12 %, the rounding of
/// `start × (1 + x/100)`).
pub fn runaway_shock(
    levels: &LiqLevels,
    book: &OrderBook,
    direction: Direction,
    rule: &RunawayRule,
) -> Option<Cascade> {
    let start = levels.current_price;
    if !(start.is_finite() && start > 0.0) {
        return None;
    }
    let walk = Walk::new(levels, book, direction);
    let s = direction.sign();
    let max_pct = rule.max_shock_pct.clamp(0.0, 99.999);
    let origin = s * start;
    // (key, reached when the shocked price is at it rather than past it)
    let trips = walk.trips.iter().map(|&(key, _)| (key, key > origin));
    let book_levels = walk.book.iter().map(|l| (s * l.price, false));
    let mut shocks: Vec<f64> = std::iter::once((origin, false))
        .chain(trips)
        .chain(book_levels)
        .filter(|&(key, _)| key >= origin)
        .map(|(key, at)| walk.smallest_shock_reaching(key, at))
        .filter(|pct| pct.abs() <= max_pct)
        .collect();
    crate::sorting::sort_by_key(&mut shocks, |x| crate::sorting::f64_key(x.abs()));
    shocks.dedup();
    shocks
        .into_iter()
        .filter_map(|pct| walk.run(pct))
        .find(|c| c.runs_away(rule))
}

/// A cascade in one direction, in keys `sign × price` that grow the way the
/// price moves, so both directions share one walk.
struct Walk<'a> {
    direction: Direction,
    start: f64,
    /// `(key, USD)` of the liquidation levels on the moving side, nearest first.
    trips: Vec<(f64, f64)>,
    /// The book side filled, best (nearest) first.
    book: &'a [BookLevel],
}

impl<'a> Walk<'a> {
    fn new(levels: &LiqLevels, book: &'a OrderBook, direction: Direction) -> Self {
        let side = direction.side();
        let s = direction.sign();
        let mut trips: Vec<(f64, f64)> = levels
            .usd(side)
            .iter()
            .enumerate()
            .filter(|(_, usd)| usd.is_finite() && **usd > 0.0)
            .map(|(bin, usd)| (s * levels.level(side, bin), *usd))
            .collect();
        // Levels rise with the bin: already sorted, or reversed for a fall.
        crate::sorting::sort_by_key(&mut trips, |t| crate::sorting::f64_key(t.0));
        Walk {
            direction,
            start: levels.current_price,
            trips,
            book: book.side(direction.book_side()),
        }
    }

    /// The zero shock: nothing moves.
    fn still(start: f64) -> Cascade {
        Cascade {
            start_price: start,
            shock_pct: 0.0,
            shocked_price: start,
            steps: Vec::new(),
            total_liquidated_usd: 0.0,
            final_price: start,
            amplification: 1.0,
            book_exhausted: false,
        }
    }

    fn shocked(&self, shock_pct: f64) -> f64 {
        self.start * (1.0 + shock_pct / 100.0)
    }

    /// The smallest shock (in magnitude) whose shocked price reaches `key`
    /// (`at`: being at it is enough) or passes it (`!at`).
    fn smallest_shock_reaching(&self, key: f64, at: bool) -> f64 {
        let s = self.direction.sign();
        let mut pct = (s * key / self.start - 1.0) * 100.0;
        for _ in 0..64 {
            let reached = s * self.shocked(pct);
            if reached > key || (at && reached == key) {
                break;
            }
            pct += s * (pct.abs() * f64::EPSILON).max(1e-14);
        }
        pct
    }

    fn run(&self, shock_pct: f64) -> Option<Cascade> {
        let shocked = self.shocked(shock_pct);
        if !(shocked.is_finite() && shocked > 0.0) {
            return None;
        }
        let s = self.direction.sign();
        let mut key = s * shocked;
        // The shock took the book levels it passed.
        let mut level = self.book.partition_point(|l| s * l.price < key);
        let mut remaining = self.book.get(level).map_or(0.0, |l| l.usd);
        let (mut tripped, mut cumulative, mut exhausted) = (0, 0.0, false);
        let mut steps = Vec::new();
        loop {
            let reached = tripped
                + self
                    .trips
                    .get(tripped..)
                    .map_or(0, |rest| rest.partition_point(|t| t.0 <= key));
            let usd: f64 = self
                .trips
                .get(tripped..reached)
                .map_or(0.0, |t| t.iter().map(|t| t.1).sum());
            if reached == tripped {
                break;
            }
            tripped = reached;
            let mut left = usd;
            while left > 0.0 {
                let Some(fill) = self.book.get(level) else {
                    exhausted = true;
                    break;
                };
                let take = left.min(remaining);
                left -= take;
                remaining -= take;
                key = key.max(s * fill.price);
                if remaining <= 0.0 {
                    level += 1;
                    remaining = self.book.get(level).map_or(0.0, |l| l.usd);
                }
            }
            cumulative += usd;
            steps.push(CascadeStep {
                price: s * key,
                liquidated_usd: usd,
                cumulative_usd: cumulative,
            });
            if exhausted {
                break;
            }
        }
        let final_price = s * key;
        Some(Cascade {
            start_price: self.start,
            shock_pct,
            shocked_price: shocked,
            steps,
            total_liquidated_usd: cumulative,
            final_price,
            amplification: (final_price - self.start) / (shocked - self.start),
            book_exhausted: exhausted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::book::BookLevel;
    use crate::engine::PriceBins;
    use crate::sim::rng::Rng;

    /// Bins of width 1 from 80 to 120 (bin `b` is `[80 + b, 81 + b)`, its
    /// level `80.5 + b` away from the price), the price at 100.
    fn map(longs: &[(f64, f64)], shorts: &[(f64, f64)]) -> LiqLevels {
        let mut levels = LiqLevels {
            prices: PriceBins {
                low: 80.0,
                high: 120.0,
                count: 40,
                log: false,
            },
            long_usd: vec![0.0; 40],
            short_usd: vec![0.0; 40],
            current_price: 100.0,
        };
        let bin = |level: f64| (level - 80.5) as usize;
        for &(level, usd) in longs {
            levels.long_usd[bin(level)] += usd;
        }
        for &(level, usd) in shorts {
            levels.short_usd[bin(level)] += usd;
        }
        levels
    }

    /// 1e6 USD at every whole price in `bids` below 100 and `asks` above.
    fn book(bids: std::ops::RangeInclusive<i32>, asks: std::ops::RangeInclusive<i32>) -> OrderBook {
        let level = |p: i32| BookLevel {
            price: f64::from(p),
            usd: 1e6,
        };
        OrderBook::new(bids.rev().map(level).collect(), asks.map(level).collect()).unwrap()
    }

    fn steps(c: &Cascade) -> Vec<(f64, f64, f64)> {
        c.steps
            .iter()
            .map(|s| (s.price, s.liquidated_usd, s.cumulative_usd))
            .collect()
    }

    #[test]
    fn no_liquidations_no_amplification() {
        let c = cascade(&map(&[], &[]), &book(80..=99, 101..=120), -5.0).unwrap();
        assert_eq!(c.shocked_price, 95.0);
        assert_eq!((c.final_price, c.amplification), (95.0, 1.0));
        assert!(c.steps.is_empty() && !c.book_exhausted);
        assert_eq!(c.total_liquidated_usd, 0.0);
        let still = cascade(&map(&[(96.5, 1e6)], &[]), &book(80..=99, 101..=120), 0.0).unwrap();
        assert_eq!((still.final_price, still.amplification), (100.0, 1.0));
    }

    #[test]
    fn a_wall_absorbs_everything() {
        let mut bids: Vec<BookLevel> = book(80..=99, 101..=101).bids().to_vec();
        bids.iter_mut()
            .filter(|l| l.price == 96.0)
            .for_each(|l| l.usd = 1e9);
        let wall = OrderBook::new(bids, vec![]).unwrap();
        let levels = map(&[(96.5, 5e6), (92.5, 5e6)], &[]);
        // −3 %: the price stops at 97, short of the first level at 96.5.
        let c = cascade(&levels, &wall, -3.0).unwrap();
        assert!(c.steps.is_empty());
        // −4 %: 96.5 trips, its 5e6 sell into the wall at 96; 92.5 is safe.
        let c = cascade(&levels, &wall, -4.0).unwrap();
        assert_eq!(steps(&c), [(96.0, 5e6, 5e6)]);
        assert_eq!((c.final_price, c.amplification), (96.0, 1.0));
    }

    /// Longs at 96.5, 95.5, 93.5 and 88.5; 1e6 bid at every whole price.
    fn chain() -> (LiqLevels, OrderBook) {
        (
            map(&[(96.5, 2e6), (95.5, 2e6), (93.5, 3e6), (88.5, 1e6)], &[]),
            book(80..=99, 101..=120),
        )
    }

    #[test]
    fn a_chain_trips_level_after_level() {
        let (levels, book) = chain();
        // −3.6 %: bids 99–97 go with the shock. 96.5 (2e6) sells into 96 and
        // 95 → 95 reaches 95.5 (2e6) → 94, 93 → 93 reaches 93.5 (3e6) → 92,
        // 91, 90 → 90, and 88.5 is out of reach.
        let c = cascade(&levels, &book, -3.6).unwrap();
        assert_eq!(
            steps(&c),
            [(95.0, 2e6, 2e6), (93.0, 2e6, 4e6), (90.0, 3e6, 7e6)]
        );
        assert_eq!(c.final_price, 90.0);
        assert!((c.amplification - 10.0 / 3.6).abs() < 1e-12);
        assert!(!c.book_exhausted);
    }

    #[test]
    fn the_same_chain_upwards() {
        let mirror = |p: f64| 200.0 - p;
        let levels = map(
            &[],
            &[(96.5, 2e6), (95.5, 2e6), (93.5, 3e6), (88.5, 1e6)].map(|(p, u)| (mirror(p), u)),
        );
        let c = cascade(&levels, &book(80..=99, 101..=120), 3.6).unwrap();
        assert_eq!(
            steps(&c),
            [(105.0, 2e6, 2e6), (107.0, 2e6, 4e6), (110.0, 3e6, 7e6)]
        );
        assert!((c.amplification - 10.0 / 3.6).abs() < 1e-12);
    }

    #[test]
    fn book_exhaustion() {
        let levels = map(&[(96.5, 10e6)], &[]);
        let c = cascade(&levels, &book(95..=99, 101..=105), -3.6).unwrap();
        // Bids 99–97 went with the shock; 96 and 95 take 2e6 of the 10e6.
        assert_eq!(steps(&c), [(95.0, 10e6, 10e6)]);
        assert!(c.book_exhausted && c.runs_away(&RunawayRule::default()));
        // No bid left at all below the shocked price: exhausted in place.
        let c = cascade(&levels, &book(97..=99, 101..=105), -3.6).unwrap();
        assert_eq!(steps(&c), [(c.shocked_price, 10e6, 10e6)]);
        assert!(c.book_exhausted);
    }

    #[test]
    fn invalid_shocks() {
        let (levels, book) = chain();
        for bad in [f64::NAN, f64::INFINITY, -100.0, -150.0] {
            assert_eq!(cascade(&levels, &book, bad), None);
        }
        let mut nowhere = levels.clone();
        nowhere.current_price = f64::NAN;
        assert_eq!(cascade(&nowhere, &book, -1.0), None);
        assert!(runaway_shock(&nowhere, &book, Direction::Down, &RunawayRule::default()).is_none());
    }

    #[test]
    fn runaway_shock_by_hand() {
        let (levels, book) = chain();
        let rule = |amplification| RunawayRule {
            amplification,
            max_shock_pct: 20.0,
        };
        // 2.5: the first shock that trips anything (−3.5 %) carries to 90.
        let c = runaway_shock(&levels, &book, Direction::Down, &rule(2.5)).unwrap();
        assert!((c.shock_pct + 3.5).abs() < 1e-9, "{}", c.shock_pct);
        assert_eq!(c.final_price, 90.0);
        // 3: amplifications stay below 3 (2.86 at −3.5 %, 2.75 past −4 %,
        // falling after), until a shock past 87 leaves 7e6 of bids for all
        // 8e6 of longs: exhaustion, just beyond −13 %.
        let c = runaway_shock(&levels, &book, Direction::Down, &rule(3.0)).unwrap();
        assert!(
            c.shock_pct < -13.0 && c.shock_pct > -13.0 - 1e-9,
            "{}",
            c.shock_pct
        );
        assert!(c.book_exhausted);
        let capped = RunawayRule {
            amplification: 3.0,
            max_shock_pct: 10.0,
        };
        assert!(runaway_shock(&levels, &book, Direction::Down, &capped).is_none());
        // Upwards there are no shorts: the book runs out before anything trips.
        assert!(runaway_shock(&levels, &book, Direction::Up, &rule(3.0)).is_none());
    }

    /// Against a fine scan on random maps and books: the answer runs away
    /// and no smaller scanned shock does.
    #[test]
    fn runaway_shock_is_the_smallest() {
        let mut rng = Rng::new(5);
        for case in 0..200 {
            let mut longs = Vec::new();
            let mut shorts = Vec::new();
            for _ in 0..rng.below(6) {
                longs.push((80.5 + rng.below(20) as f64, rng.range(1e5, 5e6)));
                shorts.push((100.5 + rng.below(19) as f64, rng.range(1e5, 5e6)));
            }
            let levels = map(&longs, &shorts);
            let level = |p: f64, rng: &mut Rng| BookLevel {
                price: p,
                usd: rng.range(1e5, 3e6),
            };
            let bids = (0..1 + rng.below(40))
                .map(|i| level(99.9 - 0.5 * i as f64, &mut rng))
                .collect();
            let asks = (0..1 + rng.below(40))
                .map(|i| level(100.1 + 0.5 * i as f64, &mut rng))
                .collect();
            let book = OrderBook::new(bids, asks).unwrap();
            let rule = RunawayRule {
                amplification: rng.range(1.2, 4.0),
                max_shock_pct: 15.0,
            };
            for direction in [Direction::Down, Direction::Up] {
                let sign = direction.sign();
                let found = runaway_shock(&levels, &book, direction, &rule);
                if let Some(c) = &found {
                    assert!(c.runs_away(&rule));
                    assert_eq!(cascade(&levels, &book, c.shock_pct).as_ref(), Some(c));
                }
                let limit = found.as_ref().map_or(15.0, |c| c.shock_pct.abs());
                for i in 1..=1500 {
                    let pct = 0.01 * i as f64;
                    // The answer is exact to rounding: the scan stops short of it.
                    if pct >= limit - 1e-9 {
                        break;
                    }
                    let c = cascade(&levels, &book, sign * pct).unwrap();
                    assert!(!c.runs_away(&rule), "case {case}: {pct} % runs away");
                }
            }
        }
    }
}
