//! Liquidation price of one isolated position (spec section 3).

use super::input::ContractKind;

/// Which way a position bets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Long,
    Short,
}

impl Side {
    pub const BOTH: [Side; 2] = [Side::Long, Side::Short];

    /// `0` for long, `1` for short: the index used in per-side arrays.
    pub fn index(self) -> usize {
        match self {
            Side::Long => 0,
            Side::Short => 1,
        }
    }
}

/// The price at which a position with entry `entry`, leverage `leverage` and
/// maintenance margin rate `mmr` is liquidated, or `None` where it cannot be
/// (an inverse short at 1x or less, or a price that is not positive).
pub fn liquidation_price(
    kind: ContractKind,
    side: Side,
    entry: f64,
    leverage: f64,
    mmr: f64,
) -> Option<f64> {
    liquidation_price_at_margin(kind, side, entry, 1.0 / leverage, mmr)
}

/// [`liquidation_price`] of a position whose margin is `margin` × its entry
/// notional (`1 / leverage` when opened; funding moves it, see
/// [`super::funding`]). An inverse short needs `margin < 1`.
pub fn liquidation_price_at_margin(
    kind: ContractKind,
    side: Side,
    entry: f64,
    margin: f64,
    mmr: f64,
) -> Option<f64> {
    let price = match (kind, side) {
        (ContractKind::Linear, Side::Long) => entry * (1.0 - margin) / (1.0 - mmr),
        (ContractKind::Linear, Side::Short) => entry * (1.0 + margin) / (1.0 + mmr),
        (ContractKind::Inverse, Side::Long) => entry * (1.0 + mmr) / (1.0 + margin),
        (ContractKind::Inverse, Side::Short) if margin < 1.0 => {
            entry * (1.0 - mmr) / (1.0 - margin)
        }
        (ContractKind::Inverse, Side::Short) => return None,
    };
    (price.is_finite() && price > 0.0).then_some(price)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContractKind::*;
    use Side::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs()
    }

    #[test]
    fn binance_documented_example() {
        // 10x long at 67,000 with MMR 0.4 % → 60,542.17 (exchange notes).
        let q = liquidation_price(Linear, Long, 67_000.0, 10.0, 0.004).unwrap();
        assert!((q - 60_542.17).abs() < 0.01, "{q}");
    }

    #[test]
    fn linear_short_and_inverse_formulas() {
        let q = liquidation_price(Linear, Short, 100.0, 10.0, 0.01).unwrap();
        assert!(close(q, 100.0 * 1.1 / 1.01));
        let q = liquidation_price(Inverse, Long, 100.0, 10.0, 0.01).unwrap();
        assert!(close(q, 100.0 * 1.01 / 1.1));
        let q = liquidation_price(Inverse, Short, 100.0, 10.0, 0.01).unwrap();
        assert!(close(q, 100.0 * 0.99 / 0.9));
    }

    #[test]
    fn inverse_short_without_leverage_is_never_liquidated() {
        assert_eq!(liquidation_price(Inverse, Short, 100.0, 1.0, 0.005), None);
        assert_eq!(liquidation_price(Inverse, Short, 100.0, 0.5, 0.005), None);
    }

    #[test]
    fn linear_long_at_1x_has_no_positive_price() {
        assert_eq!(liquidation_price(Linear, Long, 100.0, 1.0, 0.005), None);
    }
}
