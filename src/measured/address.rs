//! Hyperliquid account addresses: what a trade names and what a user pastes.

use std::fmt;

/// An account address, `0x` and 40 hex digits, kept in lower case (the
/// same account however it was written).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(String);

impl Address {
    /// `0x` + 40 hex digits (either case), nothing else.
    pub fn parse(text: &str) -> Option<Address> {
        let hex = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))?;
        (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| Address(format!("0x{}", hex.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `0x1234…abcd`: enough to tell accounts apart in a table.
    pub fn short(&self) -> String {
        let s = &self.0;
        match (s.get(..6), s.get(s.len().saturating_sub(4)..)) {
            (Some(head), Some(tail)) => format!("{head}…{tail}"),
            _ => s.clone(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a pasted list held: the addresses, and what was refused (each cut
/// to a few characters: it is shown back as text, never sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pasted {
    pub addresses: Vec<Address>,
    pub refused: Vec<String>,
}

/// Longest refused item shown back.
const SHOWN_CHARS: usize = 16;
/// Most items read from one paste.
const MAX_ITEMS: usize = 500;

/// Addresses separated by spaces, commas, semicolons or new lines; each
/// other item is refused.
pub fn parse_pasted(text: &str) -> Pasted {
    let mut pasted = Pasted::default();
    let items = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|item| !item.is_empty())
        .take(MAX_ITEMS);
    for item in items {
        match Address::parse(item) {
            Some(a) if !pasted.addresses.contains(&a) => pasted.addresses.push(a),
            Some(_) => {}
            None => {
                let mut shown: String = item.chars().take(SHOWN_CHARS).collect();
                if item.chars().count() > SHOWN_CHARS {
                    shown.push('…');
                }
                pasted.refused.push(shown);
            }
        }
    }
    pasted
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0x31ca8395cf837de08b24da3f660e77761dfb974b";

    #[test]
    fn addresses_are_0x_and_40_hex_digits() {
        let a = Address::parse(A).unwrap();
        assert_eq!(a.as_str(), A);
        assert_eq!(
            Address::parse(&A.to_uppercase().replace("0X", "0x")),
            Some(a.clone())
        );
        assert_eq!(a.short(), "0x31ca…974b");
        for bad in [
            "",
            "0x",
            &A[..41],
            &format!("{A}0"),
            &A.replace('b', "g"),
            "31ca8395cf837de08b24da3f660e77761dfb974b00",
            "0x31ca8395cf837de08b24da3f660e77761dfb974\u{e9}",
            "<script>alert(1)</script>",
        ] {
            assert_eq!(Address::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pasted_lists_keep_addresses_and_refuse_the_rest() {
        let text = format!("{A}, {A}\n0xdead;\"><img src=x onerror=alert(1)>");
        let p = parse_pasted(&text);
        assert_eq!(p.addresses.len(), 1);
        assert_eq!(
            p.refused,
            ["0xdead", "\"><img", "src=x", "onerror=alert(1)…"]
        );
    }
}
