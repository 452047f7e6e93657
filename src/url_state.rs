//! The view's settings in the query string (the public contract of shared
//! links). Pure: parsing never fails, bad values fall back to defaults.
//!
//! So far: `sym` (coin), `window` (`12h` … `30d`) and `demo` (simulated
//! market); the full set comes with shareable views.

/// What a link asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewState {
    /// Base coin, upper case, e.g. `BTC`.
    pub coin: String,
    /// Window label as shown in the window control, e.g. `7d`.
    pub window: String,
    /// Show the simulated market instead of the exchanges.
    pub demo: bool,
}

pub const WINDOWS: [&str; 6] = ["12h", "1d", "3d", "7d", "14d", "30d"];
const MAX_COIN_LEN: usize = 12;

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            coin: "BTC".into(),
            window: "7d".into(),
            demo: false,
        }
    }
}

impl ViewState {
    /// Reads a query string (with or without the leading `?`); unknown keys
    /// and invalid values are ignored.
    pub fn from_query(query: &str) -> Self {
        let mut state = ViewState::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "sym" => {
                    let coin = value.to_ascii_uppercase();
                    let plain = coin.chars().all(|c| c.is_ascii_alphanumeric());
                    if plain && !coin.is_empty() && coin.len() <= MAX_COIN_LEN {
                        state.coin = coin;
                    }
                }
                "window" if WINDOWS.contains(&value) => state.window = value.into(),
                "demo" => state.demo = matches!(value, "1" | "true" | ""),
                _ => {}
            }
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_keys_and_ignores_the_rest() {
        let s = ViewState::from_query("?sym=eth&window=1d&demo=1&x=<script>");
        assert_eq!(
            s,
            ViewState {
                coin: "ETH".into(),
                window: "1d".into(),
                demo: true
            }
        );
    }

    #[test]
    fn bad_values_fall_back_to_defaults() {
        let s = ViewState::from_query("sym=%3Cscript%3E&window=99d&sym=AAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(s, ViewState::default());
        assert_eq!(ViewState::from_query(""), ViewState::default());
    }
}
