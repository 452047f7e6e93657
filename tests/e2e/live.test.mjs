// Live mode: the exchanges' WebSockets mocked with messages in their
// documented shapes: bubbles where liquidations happen, feed and totals,
// malformed messages counted and skipped, reconnect and resubscribe (after
// a close or a silence), a closed candle moving the view on (with the open
// interest asked for it, or without it when the exchange does not answer),
// pause and resume.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sharedBrowser, openPage, assertClean, screenshot, waitForHeatmap, fixturesDir } from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';

const env = sharedBrowser({ before, after });
const MINUTE = 60_000;

async function openLive() {
  const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d`);
  await waitForHeatmap(page);
  return page;
}

/** The newest mocked socket whose URL contains `host`, once subscribed. */
async function socketOf(page, host, count = 1) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mine = page.sockets.filter((s) => s.url.includes(host));
    const last = mine[mine.length - 1];
    if (mine.length >= count && last.sent.length > 0) return last;
    if (Date.now() > deadline) throw new Error(`no subscribed socket for ${host}: ${JSON.stringify(page.sockets.map((s) => s.url))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Binance forceOrder (documented shape): S "SELL" = a long liquidated. */
const binanceLiquidation = (price, qty, time) => JSON.stringify({
  e: 'forceOrder', E: time,
  o: { s: 'BTCUSDT', S: 'SELL', o: 'LIMIT', f: 'IOC', q: String(qty), p: String(price), ap: String(price), X: 'FILLED', l: String(qty), z: String(qty), T: time },
});
/** Bybit allLiquidation (documented shape): S "Sell" = a short liquidated. */
const bybitLiquidation = (price, qty, time) => JSON.stringify({
  topic: 'allLiquidation.BTCUSDT', type: 'snapshot', ts: time,
  data: [{ T: time, s: 'BTCUSDT', S: 'Sell', v: String(qty), p: String(price) }],
});

/** Pixel colour of the heatmap where `time` and `price` are drawn. */
function pixelAt(page, time, price) {
  return page.evaluate(({ time, price }) => {
    const c = document.querySelector('[data-testid="heatmap"]');
    const [start, end, low, high] = c.dataset.shown.split(' ').map(Number);
    const plotW = c.width - 76;
    const plotH = c.height - 22;
    const x = Math.round(((Math.min(time, end - 1) - start) / (end - start)) * plotW);
    const y = Math.round(((high - price) / (high - low)) * plotH);
    return Array.from(c.getContext('2d').getImageData(x, y, 1, 1).data);
  }, { time, price });
}

test('liquidations stream in: bubbles at their price, feed, totals, malformed skipped', async () => {
  const page = await openLive();
  const binance = await socketOf(page, 'fstream.binance.com');
  assert.match(binance.sent[0], /"SUBSCRIBE"[\s\S]*btcusdt@forceOrder/);
  const bybit = await socketOf(page, 'stream.bybit.com');
  assert.match(bybit.sent[0], /allLiquidation\.BTCUSDT/);

  // dYdX serves past liquidations over REST (one valid row in the fixture).
  await page.waitForFunction(() => /dYdX long/.test(document.querySelector('[data-testid="live-feed"]').innerText));
  const [low, high] = await page.evaluate(() => document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ').slice(2).map(Number));
  const longAt = low + (high - low) * 0.3;
  const shortAt = low + (high - low) * 0.7;
  binance.ws.send(binanceLiquidation(longAt.toFixed(1), 40, END - 30 * MINUTE));
  bybit.ws.send(bybitLiquidation(shortAt.toFixed(1), 40, END - 20 * MINUTE));
  binance.ws.send('{"e":"forceOrder","o":');
  binance.ws.send('<html>not json</html>');

  await page.waitForFunction(() => document.querySelectorAll('[data-testid="live-feed"] li').length === 3);
  assert.match(await page.getByTestId('live-malformed').innerText(), /^2 unreadable/);
  const totals = await page.getByTestId('live-totals').innerText();
  assert.match(totals, /Binance/);
  assert.match(totals, /Bybit/);
  const feed = await page.getByTestId('live-feed').innerText();
  assert.match(feed, /Binance long/);
  assert.match(feed, /Bybit short/);
  assert.match(await page.getByTestId('accuracy').innerText(), /not enough events yet \(3 of 10\)/);
  // The bubbles: red where the long was liquidated, green for the short,
  // once the heatmap has been drawn again (later on a loaded machine).
  let red;
  let green;
  for (let tries = 0; tries < 50; tries++) {
    red = await pixelAt(page, END - 30 * MINUTE, longAt);
    green = await pixelAt(page, END - 20 * MINUTE, shortAt);
    if (red[0] > red[1] + 40 && green[1] > green[0] + 40) break;
    await page.waitForTimeout(100);
  }
  assert.ok(red[0] > red[1] + 40, `long bubble is red: ${red}`);
  assert.ok(green[1] > green[0] + 40, `short bubble is green: ${green}`);
  await screenshot(page, 'live-bubbles');
  assertClean(assert, page);
  await page.closeAll();
});

test('a dropped connection reconnects and subscribes again', async () => {
  const page = await openLive();
  const first = await socketOf(page, 'fstream.binance.com');
  const subscription = first.sent[0];
  await first.ws.close();
  await page.waitForFunction(() => /reconnecting|connecting/.test(document.querySelector('[data-testid="live-state"]').innerText));
  const again = await socketOf(page, 'fstream.binance.com', 2);
  assert.equal(again.sent[0], subscription);
  // The gap is filled over REST: the view reloads and shows all five again.
  await page.waitForFunction(() => /5 of 5 exchanges/.test(document.querySelector('[data-testid="live-label"]').innerText));
  await waitForHeatmap(page);
  assertClean(assert, page);
  await page.closeAll();
});

// A socket can die without a close event (a laptop that slept): one silent
// for longer than its limit is given up and opened again. The mocks never
// answer, so only the page's clock decides; it jumps instead of waiting.
for (const [exchange, host, limitMs] of [
  ['bybit', 'stream.bybit.com', 2 * 20_000], // twice its 20 s heartbeat
  ['binance', 'fstream.binance.com', 2 * 5 * MINUTE], // no client heartbeat: two 5 min candles
]) {
  test(`a silent ${exchange} socket is opened again after ${limitMs / 1000} s`, async () => {
    const page = await openPage(env.browser, env.server.url, { routes: FIXTURES });
    await page.clock.install({ time: END });
    await page.goto(`${env.server.url}?sym=BTC&window=1d&ex=${exchange}&res=5m`);
    await waitForHeatmap(page);
    const first = await socketOf(page, host);
    await page.clock.fastForward(limitMs - 5_000);
    await page.waitForTimeout(1_000); // longer than a reconnect's first delay
    assert.equal(page.sockets.filter((s) => s.url.includes(host)).length, 1, 'kept while within its limit');
    await page.clock.fastForward(10_000);
    const again = await socketOf(page, host, 2);
    assert.equal(again.sent[0], first.sent[0], 'subscribed again');
    await waitForHeatmap(page);
    assertClean(assert, page);
    await page.closeAll();
  });
}

test('a closed candle moves the view on; pause holds updates until resumed', async () => {
  const page = await openLive();
  const binance = await socketOf(page, 'fstream.binance.com');
  const shownEnd = () => page.evaluate(() => Number(document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ')[1]));
  const before = await shownEnd();
  // Binance kline stream (documented shape), the candle after the last one, closed.
  const t = END;
  binance.ws.send(JSON.stringify({
    e: 'kline', E: t + 5 * MINUTE, s: 'BTCUSDT',
    k: { t, T: t + 5 * MINUTE - 1, s: 'BTCUSDT', i: '5m', f: 1, L: 2, o: '87000', c: '87100', h: '87200', l: '86900', v: '12', n: 2, x: true, q: '1044000', V: '6', Q: '522000', B: '0' },
  }));
  await page.waitForFunction((b) => Number(document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ')[1]) > b, before);
  assert.ok((await shownEnd()) >= END + 5 * MINUTE);

  const rows = () => page.locator('[data-testid="live-feed"] li').count();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="live-feed"] li').length === 1);
  await page.getByTestId('live-toggle').click();
  assert.match(await page.getByTestId('live-state').innerText(), /paused/);
  binance.ws.send(binanceLiquidation('87000', 1, END + MINUTE));
  await page.waitForTimeout(500);
  assert.equal(await rows(), 1, 'held while paused');
  await page.getByTestId('live-toggle').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="live-feed"] li').length === 2);
  assertClean(assert, page);
  await page.closeAll();
});

test('the view after a streamed candle equals a fresh load with that candle', async () => {
  const t = END;
  const candle = { o: '87000', h: '87200', l: '86900', c: '87100', v: '12', q: '1044000', V: '6', Q: '522000' };
  const query = `${env.server.url}?sym=BTC&window=1d&ex=binance&res=5m`;
  const csvOf = async (page) => {
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-heatmap-csv').click()]);
    const chunks = [];
    for await (const chunk of await file.createReadStream()) chunks.push(chunk);
    return Buffer.concat(chunks).toString('utf8');
  };
  const shownEnd = (page) => page.evaluate(() => Number(document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ')[1]));
  // The exchange's open interest history gains a point at the new candle's
  // close, 2 % above the last one: the streamed page asks for it when the
  // kline closes (the stream has none), the fresh page finds it in history.
  const history = JSON.parse(await readFile(join(fixturesDir, 'exchanges/binance/open_interest_hist.json'), 'utf8'));
  const last = history[history.length - 1];
  const risen = (Number(last.sumOpenInterest) * 1.02).toFixed(8);
  history.push({ ...last, sumOpenInterest: risen, timestamp: t + 5 * MINUTE });
  const asked = [];
  const openInterest = {
    'fapi.binance.com/futures/data/openInterestHist': (route, request) => {
      asked.push(request.url());
      return route.fulfill({ headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(history) });
    },
  };

  // Live: loaded at END, then the next candle arrives closed on the stream.
  const live = await openPage(env.browser, env.server.url, { routes: { ...FIXTURES, ...openInterest } });
  await live.clock.setFixedTime(END);
  await live.goto(query);
  await waitForHeatmap(live);
  const binance = await socketOf(live, 'fstream.binance.com');
  binance.ws.send(JSON.stringify({
    e: 'kline', E: t + 5 * MINUTE, s: 'BTCUSDT',
    k: { t, T: t + 5 * MINUTE - 1, s: 'BTCUSDT', i: '5m', f: 1, L: 2, ...candle, n: 2, x: true, B: '0' },
  }));
  await live.waitForFunction((end) => Number(document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ')[1]) === end, END + 5 * MINUTE);
  const streamed = await csvOf(live);
  const afterLoad = asked.filter((url) => url.includes(`endTime=${t + 5 * MINUTE}`));
  assert.equal(afterLoad.length, 1, `one open interest request for the new candle: ${asked.slice(-2)}`);

  // Fresh: opened five minutes later; the exchange's klines include that candle.
  const klines = JSON.parse(await readFile(join(fixturesDir, 'exchanges/binance/klines.json'), 'utf8'));
  klines.push([t, candle.o, candle.h, candle.l, candle.c, candle.v, t + 5 * MINUTE - 1, candle.q, 2, candle.V, candle.Q, '0']);
  const routes = { ...FIXTURES, ...openInterest, 'fapi.binance.com/fapi/v1/klines': { body: JSON.stringify(klines) } };
  const fresh = await openPage(env.browser, env.server.url, { routes });
  await fresh.clock.setFixedTime(END + 5 * MINUTE);
  await fresh.goto(query);
  await waitForHeatmap(fresh);
  assert.equal(await shownEnd(fresh), END + 5 * MINUTE);
  assert.equal(streamed, await csvOf(fresh));
  assertClean(assert, live);
  assertClean(assert, fresh);
  await live.closeAll();
  await fresh.closeAll();
});

test('a candle whose open interest does not come joins after a short wait', async () => {
  // The load's open-interest history answers; the live request for the new
  // candle hangs, as a slow exchange would.
  let asked = 0;
  const routes = {
    ...FIXTURES,
    'fapi.binance.com/futures/data/openInterestHist': async (route, request) => {
      if (request.url().includes(`endTime=${END + 5 * MINUTE}`)) {
        asked += 1;
        return; // never answered
      }
      return route.fulfill({
        headers: { 'access-control-allow-origin': '*' },
        body: await readFile(join(fixturesDir, 'exchanges/binance/open_interest_hist.json'), 'utf8'),
      });
    },
  };
  const page = await openPage(env.browser, env.server.url, { routes });
  await page.clock.setFixedTime(END);
  await page.goto(`${env.server.url}?sym=BTC&window=1d&ex=binance&res=5m`);
  await waitForHeatmap(page);
  const binance = await socketOf(page, 'fstream.binance.com');
  const t = END;
  const sent = Date.now();
  binance.ws.send(JSON.stringify({
    e: 'kline', E: t + 5 * MINUTE, s: 'BTCUSDT',
    k: { t, T: t + 5 * MINUTE - 1, s: 'BTCUSDT', i: '5m', f: 1, L: 2, o: '87000', h: '87200', l: '86900', c: '87100', v: '12', q: '1044000', n: 2, V: '6', Q: '522000', x: true, B: '0' },
  }));
  await page.waitForFunction((end) => Number(document.querySelector('[data-testid="heatmap"]').dataset.shown.split(' ')[1]) === end, END + 5 * MINUTE, { timeout: 15_000 });
  const waited = Date.now() - sent;
  assert.equal(asked, 1, 'the page asked for the new candle');
  assert.ok(waited >= 4_000 && waited < 12_000, `joined after ${waited} ms`);
  assertClean(assert, page);
  await page.closeAll();
});
