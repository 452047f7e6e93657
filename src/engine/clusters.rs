//! Clusters: the levels where the map piles up (spec section 5).

use super::grid::PriceBins;
use super::liquidation::Side;
use super::output::{Cluster, LiqMap};

/// How many clusters an estimate lists.
pub const TOP_CLUSTERS: usize = 12;

/// Relative difference below which two heights count as equal.
const TIE: f64 = 1e-9;

/// Local maxima of the map's total per bin, smoothed over ±1 bin, the `top`
/// largest first. Each cluster's notional is the sum over its three bins.
pub fn find_clusters(
    map: &LiqMap,
    prices: &PriceBins,
    current: Option<f64>,
    top: usize,
) -> Vec<Cluster> {
    let longs = map.side_totals(Side::Long);
    let shorts = map.side_totals(Side::Short);
    let window = |v: &[f64], b: usize| -> f64 {
        let lo = b.saturating_sub(1);
        let hi = (b + 2).min(v.len());
        v[lo..hi].iter().sum()
    };
    let n = longs.len();
    let smoothed: Vec<f64> = (0..n)
        .map(|b| window(&longs, b) + window(&shorts, b))
        .collect();
    // Ties of the smoothed curve (a lone spike makes a plateau of three) go to
    // the bin with the larger raw total. Values within the engine's exactness
    // (1e-9 relative) tie, so that two ways of computing the same map (batch
    // or live) find the same peaks.
    let height = |b: usize| (smoothed[b], longs[b] + shorts[b]);
    let greater = |x: f64, y: f64| x - y > TIE * x.abs().max(y.abs());
    let above = |a: (f64, f64), b: (f64, f64)| {
        greater(a.0, b.0) || (!greater(b.0, a.0) && greater(a.1, b.1))
    };
    let mut peaks: Vec<(usize, f64)> = (0..n)
        .filter(|&b| {
            let h = height(b);
            // Strict on the left, loose on the right: one peak per plateau.
            h.0 > 0.0
                && (b == 0 || above(h, height(b - 1)))
                && (b + 1 == n || !above(height(b + 1), h))
        })
        .map(|b| (b, smoothed[b]))
        .collect();
    // Highest first; ties by bin, as the rows already are (stable sort).
    crate::sorting::sort_by_key(&mut peaks, |p| !crate::sorting::f64_key(p.1));
    peaks.truncate(top);
    peaks
        .into_iter()
        .map(|(b, notional)| {
            let price = prices.centre(b);
            Cluster {
                price,
                notional,
                long_share: window(&longs, b) / notional,
                distance_pct: current.map_or(0.0, |p| (price / p - 1.0) * 100.0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_two_piles_largest_first() {
        let prices = PriceBins {
            low: 0.0,
            high: 10.0,
            count: 10,
            log: false,
        };
        let mut map = LiqMap::zeros(10, 1, 1);
        map.add(0, 0, Side::Long, 2, 5.0);
        map.add(0, 0, Side::Long, 3, 1.0);
        map.add(0, 0, Side::Short, 7, 9.0);
        let clusters = find_clusters(&map, &prices, Some(5.0), 5);
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0].price, 7.5);
        assert_eq!(clusters[0].notional, 9.0);
        assert_eq!(clusters[0].long_share, 0.0);
        assert!((clusters[0].distance_pct - 50.0).abs() < 1e-12);
        assert_eq!(clusters[1].price, 2.5);
        assert_eq!(clusters[1].notional, 6.0);
        assert_eq!(clusters[1].long_share, 1.0);
    }
}
