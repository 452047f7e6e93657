// When an exchange answers 429 (too many requests) or 418 (Binance: this
// address is banned for a while), the proxy stops asking it for the time it
// says (Retry-After), or for a backoff that doubles at each refusal in a
// row, and answers visitors itself meanwhile: one address that keeps asking
// through a limit gets banned, and then every visitor loses that exchange.
// Pure: the caller passes the time.

/** First wait when an exchange names none, by status; doubles each time. */
const FIRST_WAIT_MS = { 429: 5_000, 418: 60_000 };
const LONGEST_BACKOFF_MS = 15 * 60_000;
/** A Retry-After beyond this is read as this (Binance bans last up to 3 days). */
const LONGEST_RETRY_AFTER_MS = 3 * 24 * 3600_000;

export class Backoff {
  constructor() {
    /** exchange → { until: ms, strikes: refusals in a row } */
    this.state = new Map();
  }

  /** Milliseconds left before `exchange` may be asked again (0: now). */
  remainingMs(exchange, nowMs) {
    return Math.max(0, (this.state.get(exchange)?.until ?? 0) - nowMs);
  }

  /** Takes note of an answer; returns the wait it starts, in ms (0: none). */
  observe(exchange, status, retryAfter, nowMs) {
    if (status !== 429 && status !== 418) {
      if (status < 400) this.state.delete(exchange);
      return 0;
    }
    const strikes = (this.state.get(exchange)?.strikes ?? 0) + 1;
    const wait = retryAfterMs(retryAfter, nowMs)
      ?? Math.min(FIRST_WAIT_MS[status] * 2 ** (strikes - 1), LONGEST_BACKOFF_MS);
    this.block(exchange, nowMs + wait, strikes);
    return wait;
  }

  /** Waits until `untilMs` (a wait learnt elsewhere, e.g. another instance). */
  block(exchange, untilMs, strikes = this.state.get(exchange)?.strikes ?? 1) {
    const until = Math.max(untilMs, this.state.get(exchange)?.until ?? 0);
    this.state.set(exchange, { until, strikes });
  }
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; null when absent or
 * unreadable. */
export function retryAfterMs(header, nowMs) {
  if (header == null || header.trim() === '') return null;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMs;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 1000), LONGEST_RETRY_AFTER_MS);
}
