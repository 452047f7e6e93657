//! An order book: resting depth in USD at each price, best level first.
//!
//! What a cascade walks through, and what the exchange adapters' depth
//! parsers produce. Sizes are USD notional (base size × price, or the
//! contracts' USD value for inverse contracts), so books of every
//! exchange and the liquidation map speak the same unit.

use std::fmt;

/// One price level: the price and the USD resting there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BookLevel {
    pub price: f64,
    pub usd: f64,
}

/// Which half of a book.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BookSide {
    Bids,
    Asks,
}

/// Why levels do not make a book.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BookError {
    /// A price or size that is not finite and positive.
    InvalidLevel { side: BookSide, index: usize },
    /// Not strictly best first (bids falling, asks rising in price).
    Unsorted { side: BookSide, index: usize },
    /// The best bid is at or above the best ask.
    Crossed { best_bid: f64, best_ask: f64 },
}

impl fmt::Display for BookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |side: &BookSide| match side {
            BookSide::Bids => "bid",
            BookSide::Asks => "ask",
        };
        match self {
            BookError::InvalidLevel { side, index } => write!(
                f,
                "{} level {index} has a price or size that is not a positive number",
                name(side)
            ),
            BookError::Unsorted { side, index } => {
                write!(f, "{} level {index} is out of price order", name(side))
            }
            BookError::Crossed { best_bid, best_ask } => write!(
                f,
                "the book is crossed (best bid {best_bid} at or above best ask {best_ask})"
            ),
        }
    }
}

impl std::error::Error for BookError {}

/// Bids (highest price first) and asks (lowest first), each level's price
/// and USD finite and positive, prices strictly ordered, not crossed.
/// Either side may be empty (a cascade into it finds no depth).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderBook {
    bids: Vec<BookLevel>,
    asks: Vec<BookLevel>,
}

impl OrderBook {
    /// A book from levels already best first; rejects anything else.
    pub fn new(bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> Result<OrderBook, BookError> {
        check(&bids, BookSide::Bids)?;
        check(&asks, BookSide::Asks)?;
        if let (Some(bid), Some(ask)) = (bids.first(), asks.first()) {
            if bid.price >= ask.price {
                return Err(BookError::Crossed {
                    best_bid: bid.price,
                    best_ask: ask.price,
                });
            }
        }
        Ok(OrderBook { bids, asks })
    }

    /// A book from levels in any order: sorted best first, levels of equal
    /// price merged, then checked as by [`OrderBook::new`].
    pub fn from_levels(bids: Vec<BookLevel>, asks: Vec<BookLevel>) -> Result<OrderBook, BookError> {
        let sorted = |mut levels: Vec<BookLevel>, side: BookSide| {
            // Invalid values are reported by `new`, not hidden by sorting.
            if let Some(index) = levels.iter().position(|l| !valid(l)) {
                return Err(BookError::InvalidLevel { side, index });
            }
            crate::sorting::sort_by_key(&mut levels, |l| match side {
                BookSide::Bids => !crate::sorting::f64_key(l.price),
                BookSide::Asks => crate::sorting::f64_key(l.price),
            });
            let mut merged: Vec<BookLevel> = Vec::with_capacity(levels.len());
            for level in levels {
                match merged.last_mut() {
                    Some(last) if last.price == level.price => last.usd += level.usd,
                    _ => merged.push(level),
                }
            }
            Ok(merged)
        };
        OrderBook::new(sorted(bids, BookSide::Bids)?, sorted(asks, BookSide::Asks)?)
    }

    /// Bids, highest price first.
    pub fn bids(&self) -> &[BookLevel] {
        &self.bids
    }

    /// Asks, lowest price first.
    pub fn asks(&self) -> &[BookLevel] {
        &self.asks
    }

    /// One side's levels, best first.
    pub fn side(&self, side: BookSide) -> &[BookLevel] {
        match side {
            BookSide::Bids => &self.bids,
            BookSide::Asks => &self.asks,
        }
    }

    /// Halfway between the best bid and the best ask, if both exist.
    pub fn mid(&self) -> Option<f64> {
        Some((self.bids.first()?.price + self.asks.first()?.price) / 2.0)
    }

    /// All USD resting on one side.
    pub fn depth_usd(&self, side: BookSide) -> f64 {
        self.side(side).iter().map(|l| l.usd).sum()
    }
}

fn valid(level: &BookLevel) -> bool {
    level.price.is_finite() && level.price > 0.0 && level.usd.is_finite() && level.usd > 0.0
}

fn check(levels: &[BookLevel], side: BookSide) -> Result<(), BookError> {
    for (index, level) in levels.iter().enumerate() {
        if !valid(level) {
            return Err(BookError::InvalidLevel { side, index });
        }
        if let Some(previous) = index.checked_sub(1).and_then(|i| levels.get(i)) {
            let in_order = match side {
                BookSide::Bids => level.price < previous.price,
                BookSide::Asks => level.price > previous.price,
            };
            if !in_order {
                return Err(BookError::Unsorted { side, index });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(price: f64, usd: f64) -> BookLevel {
        BookLevel { price, usd }
    }

    #[test]
    fn a_valid_book_and_its_figures() {
        let book = OrderBook::new(
            vec![l(99.0, 10.0), l(98.0, 20.0)],
            vec![l(101.0, 5.0), l(103.0, 1.0)],
        )
        .unwrap();
        assert_eq!(book.mid(), Some(100.0));
        assert_eq!(book.depth_usd(BookSide::Bids), 30.0);
        assert_eq!(book.asks()[1].price, 103.0);
        let one_sided = OrderBook::new(vec![], vec![l(1.0, 1.0)]).unwrap();
        assert_eq!(one_sided.mid(), None);
    }

    #[test]
    fn invalid_books_are_rejected_with_the_reason() {
        let ok = || vec![l(101.0, 5.0)];
        for (bids, error) in [
            (
                vec![l(99.0, 1.0), l(f64::NAN, 1.0)],
                BookError::InvalidLevel {
                    side: BookSide::Bids,
                    index: 1,
                },
            ),
            (
                vec![l(99.0, 0.0)],
                BookError::InvalidLevel {
                    side: BookSide::Bids,
                    index: 0,
                },
            ),
            (
                vec![l(98.0, 1.0), l(99.0, 1.0)],
                BookError::Unsorted {
                    side: BookSide::Bids,
                    index: 1,
                },
            ),
            (
                vec![l(99.0, 1.0), l(99.0, 1.0)],
                BookError::Unsorted {
                    side: BookSide::Bids,
                    index: 1,
                },
            ),
            (
                vec![l(101.0, 1.0)],
                BookError::Crossed {
                    best_bid: 101.0,
                    best_ask: 101.0,
                },
            ),
        ] {
            assert_eq!(OrderBook::new(bids, ok()), Err(error));
        }
        let e = OrderBook::new(vec![], vec![l(2.0, 1.0), l(1.0, 1.0)]).unwrap_err();
        assert_eq!(e.to_string(), "ask level 1 is out of price order");
    }

    #[test]
    fn from_levels_sorts_and_merges() {
        let book = OrderBook::from_levels(
            vec![l(98.0, 1.0), l(99.0, 2.0), l(98.0, 3.0)],
            vec![l(102.0, 1.0), l(101.0, 1.0)],
        )
        .unwrap();
        assert_eq!(book.bids(), &[l(99.0, 2.0), l(98.0, 4.0)]);
        assert_eq!(book.asks(), &[l(101.0, 1.0), l(102.0, 1.0)]);
        assert!(OrderBook::from_levels(vec![l(-1.0, 1.0)], vec![]).is_err());
    }
}
