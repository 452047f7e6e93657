//! The synthetic market (spec section 8): the app's offline demo source,
//! the ground truth of the accuracy tests and the benchmarks' load.

mod market;
pub mod rng;

pub use market::{LiquidationEvent, SimConfig, SimMarket, TruePosition, Truth};
