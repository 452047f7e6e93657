//! The cascade simulator's result in words, computed here (pure, tested
//! natively) so the page writes a finished string.

use super::Cascade;
use crate::render::{price_label, usd_label};

/// One line for a shock's path and the shocks that run away, down and up
/// (`None`: none within ±20 %).
pub fn cascade_summary(path: &Cascade, runaway: [Option<f64>; 2]) -> String {
    let runaway_text = |shock: Option<f64>, way: &str| match shock {
        Some(s) => format!("{way} from {s:+.2} %"),
        None => format!("{way}: not within ±20 %"),
    };
    format!(
        "Shock {:+.1} %: {} rounds, {} liquidated, price {} → {} (amplification {:.2}×{}). Runs away {}; {}.",
        path.shock_pct,
        path.steps.len(),
        usd_label(path.total_liquidated_usd),
        price_label(path.start_price),
        price_label(path.final_price),
        path.amplification,
        if path.book_exhausted { ", book exhausted" } else { "" },
        runaway_text(runaway[0], "down"),
        runaway_text(runaway[1], "up"),
    )
}

/// The shock as its slider's label shows it, e.g. "-3.0 %".
pub fn shock_label(shock_pct: f64) -> String {
    format!("{shock_pct:+.1} %")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::CascadeStep;

    #[test]
    fn summary_names_rounds_prices_and_runaway_shocks() {
        let path = Cascade {
            start_price: 100.0,
            shock_pct: -3.0,
            shocked_price: 97.0,
            steps: vec![
                CascadeStep {
                    price: 96.0,
                    liquidated_usd: 1_000.0,
                    cumulative_usd: 1_000.0,
                };
                2
            ],
            total_liquidated_usd: 2_000.0,
            final_price: 95.0,
            amplification: 5.0 / 3.0,
            book_exhausted: true,
        };
        assert_eq!(
            cascade_summary(&path, [Some(-7.5), None]),
            format!(
                "Shock -3.0 %: 2 rounds, {} liquidated, price {} → {} (amplification 1.67×, \
                 book exhausted). Runs away down from -7.50 %; up: not within ±20 %.",
                usd_label(2_000.0),
                price_label(100.0),
                price_label(95.0)
            )
        );
        assert_eq!(shock_label(5.0), "+5.0 %");
    }
}
