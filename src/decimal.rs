//! Decimal text to `f64`, for prices and sizes sent as strings, URL values
//! and form fields.
//!
//! `str::parse::<f64>` is exact for every input but carries a 10 KB table
//! of powers of five into the page's wasm. The numbers we read have at most
//! 15 significant digits and small exponents, where one IEEE multiplication
//! or division is already exact (Clinger's fast path). The rare rest is
//! within a few units in the last place, which no price or size notices.
//! It reads outside data, so it may not panic (enforced by the lints below).

#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic
    )
)]

/// The number `s` writes (`-12.5`, `+3`, `.5`, `7.`, `1e-3`), or `None` for
/// anything else, including `inf`, `NaN` and numbers too large for `f64`.
pub fn parse(s: &str) -> Option<f64> {
    let bytes = s.as_bytes();
    let (negative, mut i) = match bytes.first() {
        Some(b'-') => (true, 1),
        Some(b'+') => (false, 1),
        _ => (false, 0),
    };
    let mut mantissa: u64 = 0;
    let mut exponent: i64 = 0;
    let mut digits = 0;
    let mut seen_point = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'0'..=b'9' => {
                digits += 1;
                if mantissa < MANTISSA_FULL {
                    mantissa = mantissa * 10 + u64::from(b - b'0');
                    if seen_point {
                        exponent -= 1;
                    }
                } else if !seen_point {
                    // Beyond 19 digits only the magnitude counts.
                    exponent += 1;
                }
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        let written = s.get(i + 1..)?;
        let (exponent_negative, exponent_digits) = match written.strip_prefix('-') {
            Some(digits) => (true, digits),
            None => (false, written.strip_prefix('+').unwrap_or(written)),
        };
        if exponent_digits.is_empty() || !exponent_digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Saturated: past 10^100000 every number is zero or too large.
        let e = exponent_digits
            .parse::<i64>()
            .unwrap_or(i64::MAX)
            .min(100_000);
        exponent = exponent.saturating_add(if exponent_negative { -e } else { e });
    } else if i != bytes.len() {
        return None;
    }
    let magnitude = if mantissa < EXACT_MANTISSA && exponent.unsigned_abs() <= MAX_EXACT_POWER {
        // One correctly rounded operation by an exact power: exact result.
        scale(mantissa as f64, exponent)
    } else {
        // More than 15 digits or a far exponent: one rounding per factor of
        // 10^22 on the way.
        let mut x = mantissa as f64;
        while exponent.abs() > MAX_EXACT_POWER as i64 {
            let step = MAX_EXACT_POWER as i64 * exponent.signum();
            x = scale(x, step);
            exponent -= step;
        }
        scale(x, exponent)
    };
    if !magnitude.is_finite() {
        return None;
    }
    Some(if negative { -magnitude } else { magnitude })
}

/// `x` × 10^`exponent` for |`exponent`| ≤ 22, one IEEE operation.
fn scale(x: f64, exponent: i64) -> f64 {
    let index = exponent.unsigned_abs().min(MAX_EXACT_POWER) as usize;
    let power = POWERS_OF_TEN.get(index).copied().unwrap_or(1e22);
    if exponent < 0 {
        x / power
    } else {
        x * power
    }
}

/// Below this a further digit still fits in a `u64`.
const MANTISSA_FULL: u64 = (u64::MAX - 9) / 10;
/// Integers below 2^53 are exact in an `f64`.
const EXACT_MANTISSA: u64 = 1 << 53;
/// The largest power of ten an `f64` holds exactly.
const MAX_EXACT_POWER: u64 = 22;
/// 10^0 ..= 10^22.
const POWERS_OF_TEN: [f64; MAX_EXACT_POWER as usize + 1] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_exchanges_and_people_write() {
        for (text, want) in [
            ("67000.5", 67000.5),
            ("0.00012345", 0.00012345),
            ("-12.5", -12.5),
            ("+3", 3.0),
            (".5", 0.5),
            ("7.", 7.0),
            ("1e-3", 1e-3),
            ("2.5E+4", 25000.0),
            ("-0", -0.0),
            ("000123", 123.0),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ] {
            assert_eq!(parse(text), Some(want), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_plain_number() {
        for text in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", " 1", "1 ", "inf", "NaN", "0x10",
            "1e400", "--1", "1e5.5", "½",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    /// One rounding per factor of 10^22 (at most 15 of them) can add up
    /// to this many units in the last place; measured ones are smaller.
    const MAX_ULPS: i64 = 8;

    proptest! {
        #[test]
        fn exact_where_exchanges_write(units in 0u64..1_000_000_000_000_000, scale in 0usize..16) {
            let digits = format!("{units:0>width$}", width = scale + 1);
            let (whole, fraction) = digits.split_at(digits.len() - scale);
            let text = format!("{whole}.{fraction}");
            prop_assert_eq!(parse(&text), text.parse::<f64>().ok());
        }

        #[test]
        fn within_a_few_ulps_elsewhere(x in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL) {
            for text in [format!("{x}"), format!("{x:e}"), format!("{x:.3e}")] {
                let want = text.parse::<f64>().unwrap_or(f64::NAN);
                let got = parse(&text).unwrap_or(f64::NAN);
                let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
                prop_assert!(ulps <= MAX_ULPS, "{} read as {} instead of {}", text, got, want);
            }
        }

        #[test]
        fn never_panics_and_agrees_on_what_is_a_number(s in "[-+0-9.eE]{0,12}") {
            let ours = parse(&s);
            let std = s.parse::<f64>().ok().filter(|x| x.is_finite());
            prop_assert_eq!(ours.is_some(), std.is_some(), "{:?}", s);
        }
    }
}
