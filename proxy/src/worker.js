// liqmap's CORS proxy: a Cloudflare Worker that lets the page, served from
// the origins named in wrangler.toml, read exchanges that send no CORS
// headers. It forwards only the public market-data requests the app sends
// (allowlist.js), keeps answers as long as they cannot change
// (cache-rules.js), sends one upstream request for identical requests in
// flight, and stops asking an exchange that says "too many requests"
// (backoff.js). See proxy/README.md.

import { checkRequest, DEFAULT_UPSTREAMS, EXCHANGES, MAX_BODY_BYTES } from './allowlist.js';
import { cachePolicy, keepable } from './cache-rules.js';
import { Backoff } from './backoff.js';
import { MemoryCache } from './memory-cache.js';

/** An upstream answer larger than this is refused (instrument lists, the
 * largest, are under 2 MB). */
const MAX_ANSWER_BYTES = 8 * 2 ** 20;
const UPSTREAM_TIMEOUT_MS = 10_000;
/** Headers no request may carry: credentials, and method overrides. */
const FORBIDDEN_HEADER = /^(cookie|authorization|proxy-authorization|x-http-method(-override)?|x-method-override)$|api-?key|access-(key|sign|passphrase|timestamp)|signature/i;
/** The only header a browser may ask to send (Hyperliquid's JSON body). */
const ALLOWED_REQUEST_HEADERS = ['content-type'];

// Per Worker instance (an isolate serves many requests in turn).
const memory = new MemoryCache(32 * 2 ** 20);
const inFlight = new Map();
const backoff = new Backoff();

export default {
  async fetch(request, env, ctx) {
    try {
      return await handle(request, readConfig(env), ctx);
    } catch (error) {
      return json(500, { error: 'proxy error', reason: String(error?.message ?? error).slice(0, 200) });
    }
  },
};

/** wrangler.toml's vars: ALLOWED_ORIGINS (comma-separated), EXCHANGES
 * (comma-separated, default all five); for tests, UPSTREAM_<EXCHANGE> and
 * CLOCK_OFFSET_MS (the proxy's clock moved, so that requests recorded at
 * the fixtures' time are judged as if sent now). */
function readConfig(env) {
  const list = (text) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const exchanges = list(env.EXCHANGES ?? EXCHANGES.join(','));
  return {
    origins: new Set(list(env.ALLOWED_ORIGINS).filter((o) => o !== '*')),
    exchanges: new Set(exchanges),
    now: () => Date.now() + (Number(env.CLOCK_OFFSET_MS) || 0),
    upstream: (exchange) => (env[`UPSTREAM_${exchange.toUpperCase()}`] || DEFAULT_UPSTREAMS[exchange]).replace(/\/+$/, ''),
  };
}

async function handle(request, config, ctx) {
  const origin = request.headers.get('origin');
  if (config.origins.size === 0) return json(500, { error: 'proxy not configured', reason: 'ALLOWED_ORIGINS is empty' });
  if (!origin || !config.origins.has(origin)) {
    return forbidden(`origin not allowed: ${String(origin).slice(0, 100)}`);
  }
  const cors = corsHeaders(origin);
  if (request.method === 'OPTIONS') return preflight(request, cors);
  const refusal = headerProblem(request);
  if (refusal) return forbidden(refusal, cors);
  const body = await readBody(request);
  if (body.problem) return forbidden(body.problem, cors);
  const url = new URL(request.url);
  const checked = checkRequest(request.method, url, body.text);
  if (!checked.ok) return forbidden(checked.reason, cors);
  const { route } = checked;
  if (!config.exchanges.has(route.exchange)) return forbidden(`${route.exchange} is not served by this proxy`, cors);

  const now = config.now();
  const { key, ttl } = cachePolicy(route, now);
  const edge = edgeCache(url.origin);
  let kept = memory.get(key, now);
  if (!kept) {
    kept = await edge.get(key);
    if (kept) memory.put(key, kept, kept.storedMs + kept.ttl * 1000);
  }
  if (kept) return answer(kept, cors, 'hit', now);
  const waitMs = backoff.remainingMs(route.exchange, now) || (await edge.backoffMs(route.exchange, now));
  if (waitMs > 0) return rateLimited(route.exchange, waitMs, cors);

  let joined = true;
  if (!inFlight.has(key)) {
    joined = false;
    const pending = askUpstream(route, config, ttl, key, edge, ctx)
      .finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return answer(await inFlight.get(key), cors, joined ? 'joined' : 'miss', config.now());
}

/** Sends `route` upstream once; keeps a keepable answer under `key`. */
async function askUpstream(route, config, ttl, key, edge, ctx) {
  const upstream = `${config.upstream(route.exchange)}${route.path}${route.query ? `?${route.query}` : ''}`;
  const init = {
    method: route.method,
    headers: { accept: 'application/json', 'user-agent': 'liqmap-proxy' },
    redirect: 'manual',
    signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
  };
  if (route.body !== null) {
    init.body = route.body;
    init.headers['content-type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(upstream, init);
  } catch (error) {
    const timedOut = error?.name === 'TimeoutError';
    return jsonAnswer(timedOut ? 504 : 502, { error: timedOut ? 'exchange timed out' : 'exchange unreachable', exchange: route.exchange });
  }
  const body = await readCapped(response.body, MAX_ANSWER_BYTES);
  if (!body) return jsonAnswer(502, { error: 'exchange answer too large', exchange: route.exchange });
  const now = config.now();
  const retryAfter = response.headers.get('retry-after');
  const waitMs = backoff.observe(route.exchange, response.status, retryAfter, now);
  if (waitMs > 0) ctx.waitUntil(edge.putBackoff(route.exchange, now + waitMs, waitMs));
  const stored = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/json',
    retryAfter,
    body,
    storedMs: now,
    ttl: 0,
  };
  const head = new TextDecoder().decode(body.subarray(0, 64));
  if (ttl > 0 && keepable(route.exchange, response.status, head)) {
    stored.ttl = ttl;
    memory.put(key, stored, now + ttl * 1000);
    ctx.waitUntil(edge.put(key, stored));
  }
  return stored;
}

/** Cloudflare's Cache API (shared by the Workers of one data centre;
 * inactive on *.workers.dev) under our own origin's address. */
function edgeCache(origin) {
  const cache = globalThis.caches?.default;
  const address = (path) => `${origin}/__liqmap${path}`;
  return {
    async get(key) {
      const hit = await cache?.match(address(`/cache${key}`)).catch(() => undefined);
      if (!hit) return undefined;
      return {
        status: hit.status,
        contentType: hit.headers.get('content-type'),
        retryAfter: null,
        body: new Uint8Array(await hit.arrayBuffer()),
        storedMs: Number(hit.headers.get('x-liqmap-stored')),
        ttl: Number(hit.headers.get('x-liqmap-ttl')),
      };
    },
    async put(key, stored) {
      const headers = {
        'content-type': stored.contentType,
        'cache-control': `public, max-age=${stored.ttl}`,
        'x-liqmap-stored': String(stored.storedMs),
        'x-liqmap-ttl': String(stored.ttl),
      };
      await cache?.put(address(`/cache${key}`), new Response(stored.body, { headers })).catch(() => {});
    },
    async backoffMs(exchange, nowMs) {
      const hit = await cache?.match(address(`/backoff/${exchange}`)).catch(() => undefined);
      const until = Number(hit ? await hit.text() : 0);
      if (until > nowMs) backoff.block(exchange, until);
      return Math.max(0, until - nowMs);
    },
    async putBackoff(exchange, untilMs, waitMs) {
      const headers = { 'cache-control': `public, max-age=${Math.max(1, Math.ceil(waitMs / 1000))}` };
      await cache?.put(address(`/backoff/${exchange}`), new Response(String(untilMs), { headers })).catch(() => {});
    },
  };
}

/** The visitor's response for a stored answer. */
function answer(stored, cors, how, nowMs) {
  const headers = new Headers(cors);
  headers.set('content-type', stored.contentType);
  headers.set('x-liqmap-cache', how);
  const left = stored.ttl > 0 ? Math.max(0, Math.floor(stored.ttl - (nowMs - stored.storedMs) / 1000)) : 0;
  headers.set('cache-control', left > 0 ? `public, max-age=${left}` : 'no-store');
  if (stored.retryAfter) headers.set('retry-after', stored.retryAfter);
  return new Response(stored.body, { status: stored.status, headers });
}

function rateLimited(exchange, waitMs, cors) {
  const seconds = Math.ceil(waitMs / 1000);
  const response = json(429, {
    error: 'rate limited',
    reason: `${exchange} asked the proxy to slow down; try again in ${seconds} s`,
    retryAfter: seconds,
  }, cors);
  response.headers.set('retry-after', String(seconds));
  return response;
}

function corsHeaders(origin) {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': 'Retry-After',
    vary: 'Origin',
    'x-content-type-options': 'nosniff',
  };
}

function preflight(request, cors) {
  const method = request.headers.get('access-control-request-method');
  const asked = (request.headers.get('access-control-request-headers') ?? '')
    .split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  if (method !== 'GET' && method !== 'POST') return forbidden(`method not allowed: ${String(method).slice(0, 20)}`);
  const extra = asked.find((h) => !ALLOWED_REQUEST_HEADERS.includes(h));
  if (extra) return forbidden(`header not allowed: ${extra.slice(0, 60)}`);
  return new Response(null, {
    status: 204,
    headers: {
      ...cors,
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
      'access-control-max-age': '86400',
    },
  });
}

/** Why the request's headers are refused, or undefined. */
function headerProblem(request) {
  for (const [name] of request.headers) {
    if (FORBIDDEN_HEADER.test(name)) return `header not allowed: ${name}`;
  }
  if (request.method === 'POST') {
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/json\s*(;\s*charset=utf-8\s*)?$/i.test(type)) return 'a POST body must be application/json';
  }
  return undefined;
}

/** The request body as text, at most MAX_BODY_BYTES, or why it is refused. */
async function readBody(request) {
  if (!request.body) return { text: null };
  const bytes = await readCapped(request.body, MAX_BODY_BYTES);
  if (!bytes) return { problem: `body larger than ${MAX_BODY_BYTES} bytes` };
  if (bytes.byteLength === 0) return { text: null };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: 'body is not UTF-8' };
  }
}

/** A stream's bytes, or null past `limit` bytes (reading stops there). */
async function readCapped(stream, limit) {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function jsonAnswer(status, value) {
  return {
    status, contentType: 'application/json', retryAfter: null,
    body: new TextEncoder().encode(JSON.stringify(value)), storedMs: 0, ttl: 0,
  };
}

function json(status, value, cors = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { ...cors, 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
}

function forbidden(reason, cors) {
  return json(403, { error: 'forbidden', reason }, cors);
}
