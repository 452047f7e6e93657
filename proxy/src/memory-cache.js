// Answers kept in the worker's own memory, least recently used first out
// when over a byte budget. Each Worker instance has its own; Cloudflare's
// Cache API (shared by a data centre) backs it on custom domains, but on
// *.workers.dev the Cache API does nothing and this is the only cache.

export class MemoryCache {
  constructor(maxBytes) {
    this.maxBytes = maxBytes;
    this.bytes = 0;
    /** key → { answer, expiresMs }; Map order = least recently used first. */
    this.entries = new Map();
  }

  /** The answer for `key` if still fresh at `nowMs`. */
  get(key, nowMs) {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresMs <= nowMs) {
      this.bytes -= entry.answer.body.byteLength;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.answer;
  }

  put(key, answer, expiresMs) {
    const size = answer.body.byteLength;
    if (size > this.maxBytes / 8) return; // one huge answer must not empty the cache
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.answer.body.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, { answer, expiresMs });
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.answer.body.byteLength;
    }
  }
}
