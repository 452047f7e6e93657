//! One sort for the whole crate.
//!
//! Every `sort_by` on a new element type or comparator compiles the
//! standard library's sort again (a few KB of wasm each). Here every sort
//! maps its elements to `u64` keys and sorts `(key, position)` pairs with
//! one small heapsort; the position breaks ties, so the result is that of a
//! stable sort. Keys: [`f64_key`] orders floats as
//! `f64::total_cmp` does, [`i64_key`] integers; `!key` sorts descending.

/// The order of `f64::total_cmp` as an unsigned key: `a.total_cmp(&b)`
/// equals `f64_key(a).cmp(&f64_key(b))`.
pub fn f64_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The order of `i64` as an unsigned key.
pub fn i64_key(x: i64) -> u64 {
    (x as u64) ^ 1 << 63
}

/// `(key, position)` pairs of `items`, sorted: positions in sorted order,
/// equal keys by position.
pub fn sorted_keys<T>(items: &[T], mut key: impl FnMut(&T) -> u64) -> Vec<(u64, usize)> {
    let mut order: Vec<(u64, usize)> = items.iter().map(&mut key).zip(0..).collect();
    sort_pairs(&mut order);
    order
}

/// The one sort: a heapsort (small code, `O(n log n)`, no allocation).
/// The pairs are all distinct (positions are), so any correct sort gives
/// this same order. `pairs.sort_unstable()` in its place was measured at
/// +1.5 KB gzipped in the release build (3 KB of wasm): not worth it.
fn sort_pairs(pairs: &mut [(u64, usize)]) {
    let n = pairs.len();
    for root in (0..n / 2).rev() {
        sift_down(pairs, root, n);
    }
    for end in (1..n).rev() {
        pairs.swap(0, end);
        sift_down(pairs, 0, end);
    }
}

/// Restores the max-heap order of `pairs[..end]` below `root`.
fn sift_down(pairs: &mut [(u64, usize)], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && pairs[child] < pairs[child + 1] {
            child += 1;
        }
        if pairs[root] >= pairs[child] {
            return;
        }
        pairs.swap(root, child);
        root = child;
    }
}

/// Stable sort of `items` by `key`, ascending: as
/// `items.sort_by(|a, b| key(a).cmp(&key(b)))`.
pub fn sort_by_key<T>(items: &mut Vec<T>, key: impl FnMut(&T) -> u64) {
    let order = sorted_keys(items, key);
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(
        order
            .iter()
            .filter_map(|&(_, i)| slots.get_mut(i).and_then(Option::take)),
    );
}

/// `values` sorted by `f64::total_cmp`, descending if `descending`.
pub fn sort_f64(values: &mut [f64], descending: bool) {
    let flip = if descending { u64::MAX } else { 0 };
    let order = sorted_keys(values, |&x| f64_key(x) ^ flip);
    // Equal keys are equal bits: rebuilding from the keys alone is exact.
    for (slot, (key, _)) in values.iter_mut().zip(order) {
        *slot = from_f64_key(key ^ flip);
    }
}

/// The float whose [`f64_key`] is `key`.
fn from_f64_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(0.0),
            Just(-0.0),
            Just(f64::NAN),
            Just(-f64::NAN),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            (-3i32..3).prop_map(f64::from),
        ]
    }

    proptest! {
        #[test]
        fn sort_pairs_is_the_std_sort(keys in prop::collection::vec(0u64..8, 0..300)) {
            let mut pairs: Vec<(u64, usize)> = keys.into_iter().zip(0..).collect();
            let mut expected = pairs.clone();
            expected.sort_unstable();
            sort_pairs(&mut pairs);
            prop_assert_eq!(pairs, expected);
        }

        #[test]
        fn f64_key_orders_as_total_cmp(a in float(), b in float()) {
            prop_assert_eq!(f64_key(a).cmp(&f64_key(b)), a.total_cmp(&b));
            prop_assert_eq!(from_f64_key(f64_key(a)).to_bits(), a.to_bits());
        }

        #[test]
        fn i64_key_orders_as_i64(a in any::<i64>(), b in any::<i64>()) {
            prop_assert_eq!(i64_key(a).cmp(&i64_key(b)), a.cmp(&b));
        }

        #[test]
        fn sort_by_key_is_the_stable_sort(rows in prop::collection::vec((float(), 0u8..4), 0..60)) {
            let mut expected = rows.clone();
            expected.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut got = rows;
            sort_by_key(&mut got, |r| !f64_key(r.0));
            let bits = |v: &[(f64, u8)]| v.iter().map(|r| (r.0.to_bits(), r.1)).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&expected));
        }

        #[test]
        fn sort_f64_is_the_std_sort(values in prop::collection::vec(float(), 0..60), descending in any::<bool>()) {
            let mut expected = values.clone();
            if descending {
                expected.sort_by(|a, b| b.total_cmp(a));
            } else {
                expected.sort_by(f64::total_cmp);
            }
            let mut got = values;
            sort_f64(&mut got, descending);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&got), bits(&expected));
        }
    }
}
