//! Which account to ask next, and when: within half of the request weight
//! Hyperliquid allows one IP address, spread evenly, largest traders first,
//! each account at most once per refresh period, and a 429 backed off.
//!
//! Hyperliquid's docs, "Rate limits and user limits"
//! (<https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits>):
//! "REST requests share an aggregated weight limit of 1200 per minute" per
//! IP address, and `clearinghouseState` is one of the `info` requests of
//! weight 2. A 429 answer carries no documented body; it is told apart by
//! its status alone.

use super::Address;
use std::collections::{BTreeMap, VecDeque};

/// Hyperliquid's limit per IP address and minute.
pub const LIMIT_PER_MIN: u32 = 1200;
/// What measured positions may spend of it: half, the rest is the page's
/// own loads and the visitor's other Hyperliquid tabs.
pub const BUDGET_PER_MIN: u32 = LIMIT_PER_MIN / 2;
/// Weight of one `clearinghouseState`.
pub const REQUEST_WEIGHT: u32 = 2;
/// Requests are spread evenly: one every this many ms (200 ms).
const SPACING_MS: i64 = 60_000 * REQUEST_WEIGHT as i64 / BUDGET_PER_MIN as i64;
/// The budget is counted over this window: a minute and a second, so that
/// a timer firing late on our side or a clock a little off on theirs never
/// puts one request too many into Hyperliquid's minute.
const WINDOW_MS: i64 = 61_000;
/// An account is asked again after this long at the soonest.
pub const REFRESH_MS: i64 = 5 * 60_000;
/// Accounts remembered at most; the smallest traders make room.
const MAX_ACCOUNTS: usize = 5_000;
/// A first 429 waits this long; each one after doubles it, up to the last.
const FIRST_BACKOFF_MS: i64 = 10_000;
const LONGEST_BACKOFF_MS: i64 = 160_000;

#[derive(Clone, Debug, Default)]
struct Account {
    /// USD traded in the trades seen; pasted accounts come first whatever
    /// they traded.
    volume_usd: f64,
    pasted: bool,
    asked_ms: Option<i64>,
    in_flight: bool,
}

/// What to do now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Ask this account now.
    Ask(Address),
    /// Nothing may be sent before this many ms from now.
    Wait(i64),
    /// Every known account is fresh or in flight: wait for news.
    Idle,
}

/// The accounts known and the requests spent. Time is given, never read.
#[derive(Clone, Debug, Default)]
pub struct Scheduler {
    accounts: BTreeMap<Address, Account>,
    /// Send times within the last [`WINDOW_MS`].
    sent: VecDeque<i64>,
    backoff_until_ms: i64,
    strikes: u32,
}

impl Scheduler {
    /// A trade named `address` for `usd`.
    pub fn saw_trade(&mut self, address: Address, usd: f64) {
        let usd = if usd.is_finite() && usd > 0.0 {
            usd
        } else {
            0.0
        };
        self.entry(address).volume_usd += usd;
    }

    /// The user pasted `address`: asked before any trader.
    pub fn add_pasted(&mut self, address: Address) {
        self.entry(address).pasted = true;
    }

    fn entry(&mut self, address: Address) -> &mut Account {
        if self.accounts.len() >= MAX_ACCOUNTS && !self.accounts.contains_key(&address) {
            let smallest = self
                .accounts
                .iter()
                .filter(|(_, a)| !a.pasted && !a.in_flight)
                .min_by(|a, b| a.1.volume_usd.total_cmp(&b.1.volume_usd))
                .map(|(k, _)| k.clone());
            if let Some(smallest) = smallest {
                self.accounts.remove(&smallest);
            }
        }
        self.accounts.entry(address).or_default()
    }

    /// Accounts known (found in trades or pasted).
    pub fn known(&self) -> usize {
        self.accounts.len()
    }

    /// While a 429 is being backed off: the ms left.
    pub fn backing_off(&self, now_ms: i64) -> Option<i64> {
        (self.backoff_until_ms > now_ms).then(|| self.backoff_until_ms - now_ms)
    }

    /// The next account to ask at `now_ms`, or how long to wait. An account
    /// returned is in flight until [`Self::answered`] or
    /// [`Self::rate_limited`].
    pub fn next(&mut self, now_ms: i64) -> Next {
        if let Some(left) = self.backing_off(now_ms) {
            return Next::Wait(left);
        }
        while self.sent.front().is_some_and(|t| now_ms - t >= WINDOW_MS) {
            self.sent.pop_front();
        }
        let in_window = self.sent.len() as u32 * REQUEST_WEIGHT;
        let spacing_left = self.sent.back().map_or(0, |t| t + SPACING_MS - now_ms);
        if in_window + REQUEST_WEIGHT > BUDGET_PER_MIN || spacing_left > 0 {
            let window_left = self.sent.front().map_or(0, |t| t + WINDOW_MS - now_ms);
            let full = in_window + REQUEST_WEIGHT > BUDGET_PER_MIN;
            return Next::Wait(if full { window_left } else { spacing_left }.max(1));
        }
        let due = |a: &Account| !a.in_flight && a.asked_ms.is_none_or(|t| now_ms - t >= REFRESH_MS);
        // Pasted first, then the largest traders; never asked before ones
        // that are only due for a refresh.
        let rank = |a: &Account| (a.pasted, a.asked_ms.is_none(), a.volume_usd);
        let best = self
            .accounts
            .iter()
            .filter(|(_, a)| due(a))
            .max_by(|(ka, a), (kb, b)| {
                let (ra, rb) = (rank(a), rank(b));
                (ra.0, ra.1)
                    .cmp(&(rb.0, rb.1))
                    .then(ra.2.total_cmp(&rb.2))
                    .then(kb.cmp(ka))
            })
            .map(|(k, _)| k.clone());
        let Some(address) = best else {
            return Next::Idle;
        };
        if let Some(a) = self.accounts.get_mut(&address) {
            a.in_flight = true;
            a.asked_ms = Some(now_ms);
        }
        self.sent.push_back(now_ms);
        Next::Ask(address)
    }

    /// An answer came (or an error other than a 429): the account waits for
    /// its next refresh.
    pub fn answered(&mut self, address: &Address) {
        if let Some(a) = self.accounts.get_mut(address) {
            a.in_flight = false;
        }
        self.strikes = 0;
    }

    /// A 429: nothing is sent for a while (the exchange's `Retry-After` if
    /// longer), doubling at each one in a row; the account is due again.
    /// Returns the new wait in ms, or `None` when the 429 answers a request
    /// sent before the wait under way began (the same burst: no new strike).
    pub fn rate_limited(
        &mut self,
        address: &Address,
        now_ms: i64,
        retry_after_s: Option<u64>,
    ) -> Option<i64> {
        if let Some(a) = self.accounts.get_mut(address) {
            a.in_flight = false;
            a.asked_ms = None;
        }
        if self.backoff_until_ms > now_ms {
            return None;
        }
        let doubled = FIRST_BACKOFF_MS.saturating_mul(1 << self.strikes.min(8));
        let asked = retry_after_s.map_or(0, |s| {
            i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX)
        });
        let wait = doubled
            .min(LONGEST_BACKOFF_MS)
            .max(asked.min(10 * LONGEST_BACKOFF_MS));
        self.strikes = self.strikes.saturating_add(1);
        self.backoff_until_ms = now_ms.saturating_add(wait);
        Some(wait)
    }
}

/// Most weight spent in any minute when `scheduler` runs for `minutes`
/// with a new trader every `trade_every_ms` and answers coming back after
/// `latency_ms`: the figure `make bench` prints.
pub fn simulated_weight_per_min(minutes: i64, trade_every_ms: i64, latency_ms: i64) -> u32 {
    let mut scheduler = Scheduler::default();
    let mut sends: Vec<i64> = Vec::new();
    let mut in_flight: VecDeque<(i64, Address)> = VecDeque::new();
    let end = minutes * 60_000;
    let mut trader = 0u64;
    let mut now = 0;
    while now < end {
        while trader as i64 * trade_every_ms <= now {
            if let Some(a) = Address::parse(&format!("0x{trader:040x}")) {
                scheduler.saw_trade(a, (trader % 97) as f64 * 1000.0);
            }
            trader += 1;
        }
        while in_flight.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, a)) = in_flight.pop_front() {
                scheduler.answered(&a);
            }
        }
        if let Next::Ask(a) = scheduler.next(now) {
            sends.push(now);
            in_flight.push_back((now + latency_ms, a));
        }
        now += 10;
    }
    let most = (0..sends.len())
        .map(|i| {
            let mut from = sends.iter().skip(i).peekable();
            let start = from.peek().map_or(0, |t| **t);
            from.take_while(|t| **t - start < 60_000).count()
        })
        .max()
        .unwrap_or(0);
    most as u32 * REQUEST_WEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(n: u64) -> Address {
        Address::parse(&format!("0x{n:040x}")).unwrap()
    }

    #[test]
    fn largest_traders_first_pasted_before_all() {
        let mut s = Scheduler::default();
        s.saw_trade(address(1), 100.0);
        s.saw_trade(address(2), 5_000.0);
        s.saw_trade(address(1), 50.0);
        s.add_pasted(address(3));
        assert_eq!(s.next(0), Next::Ask(address(3)));
        assert_eq!(s.next(SPACING_MS), Next::Ask(address(2)));
        assert_eq!(s.next(2 * SPACING_MS), Next::Ask(address(1)));
        // Everything asked and in flight.
        assert_eq!(s.next(3 * SPACING_MS), Next::Idle);
        s.answered(&address(2));
        // Answered, but fresh until the refresh period is over.
        assert_eq!(s.next(4 * SPACING_MS), Next::Idle);
        assert_eq!(s.next(SPACING_MS + REFRESH_MS), Next::Ask(address(2)));
    }

    #[test]
    fn requests_are_spaced_and_within_the_budget() {
        let mut s = Scheduler::default();
        (0..1000).for_each(|n| s.saw_trade(address(n), n as f64));
        assert_eq!(s.next(0), Next::Ask(address(999)));
        assert_eq!(s.next(1), Next::Wait(SPACING_MS - 1));
        // Within one minute, [0, 60 s): exactly the budget.
        let sent = 1
            + (2..60_000)
                .filter(|now| matches!(s.next(*now), Next::Ask(_)))
                .count() as i64;
        assert_eq!(sent * REQUEST_WEIGHT as i64, BUDGET_PER_MIN as i64);
        assert!(simulated_weight_per_min(10, 50, 300) <= BUDGET_PER_MIN);
    }

    #[test]
    fn a_429_backs_off_doubling_and_asks_the_account_again() {
        let mut s = Scheduler::default();
        s.saw_trade(address(1), 1.0);
        let Next::Ask(a) = s.next(0) else { panic!() };
        assert_eq!(s.rate_limited(&a, 0, None), Some(FIRST_BACKOFF_MS));
        // A request already in flight comes back 429 too: the same burst.
        assert_eq!(s.rate_limited(&a, 300, None), None);
        assert_eq!(s.backing_off(5_000), Some(FIRST_BACKOFF_MS - 5_000));
        assert_eq!(s.next(5_000), Next::Wait(FIRST_BACKOFF_MS - 5_000));
        assert_eq!(s.next(FIRST_BACKOFF_MS), Next::Ask(a.clone()));
        assert_eq!(
            s.rate_limited(&a, FIRST_BACKOFF_MS, None),
            Some(2 * FIRST_BACKOFF_MS)
        );
        // A longer Retry-After wins; an answer resets the doubling.
        let now = 3 * FIRST_BACKOFF_MS;
        assert_eq!(s.next(now), Next::Ask(a.clone()));
        assert_eq!(s.rate_limited(&a, now, Some(90)), Some(90_000));
        s.answered(&a);
        let later = now + 90_000;
        assert_eq!(s.rate_limited(&a, later, None), Some(FIRST_BACKOFF_MS));
    }

    #[test]
    fn memory_is_bounded_by_dropping_the_smallest_traders() {
        let mut s = Scheduler::default();
        s.add_pasted(address(0));
        for n in 1..=(MAX_ACCOUNTS as u64 + 10) {
            s.saw_trade(address(n), n as f64);
        }
        assert_eq!(s.known(), MAX_ACCOUNTS);
        assert_eq!(s.next(0), Next::Ask(address(0)), "pasted accounts stay");
    }
}
