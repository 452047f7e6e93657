// The page's heaviest view: 30 days from one emulated exchange (Binance),
// the load that makes the engine work longest. It asks for 1-minute
// candles; the page takes the finest its request budget affords (5
// minutes). Shared by the engine worker's browser test and the timing
// script.
import { openPage } from './harness.mjs';
import { END } from './fixtures.mjs';
import { emulatedExchanges } from './emulator.mjs';

export const MONTH = '?sym=BTC&ex=binance&window=30d&res=1m';

/** Opens that view at the fixtures' time and waits for its heatmap;
 * `init` runs in the page before its own scripts. */
export async function openMonth(browser, baseUrl, { viewport, init } = {}) {
  const page = await openPage(browser, baseUrl, { routes: emulatedExchanges().routes, viewport });
  if (init) await page.addInitScript(init);
  await page.clock.setFixedTime(END);
  await page.goto(baseUrl + MONTH);
  await page.waitForSelector('[data-testid="heatmap"][data-painted="true"]', { timeout: 120_000 });
  return page;
}

/**
 * Holds the engine's worker busy (as on a slow machine: the recomputation
 * alone takes it 20-40 ms, too short to be sure a hover falls within it),
 * then in the page: starts a recomputation of the whole window (all weight
 * off the first tier), and hovers a new cell every 10 ms until the new
 * estimate is in (the model panel describes the view in force; paint
 * marks are no help under Playwright's fake clock). Returns, per hover
 * answered while the worker computed, the ms from the pointer event
 * until the tooltip showed the new cell; the same for a hover that met the new view's drawing; and how
 * long the recomputation took. The model settings must be open.
 */
export async function hoverWhileRecomputing(page) {
  await holdEngine(page, ENGINE_HELD_MS);
  return page.evaluate(async () => {
    const canvas = document.querySelector('[data-testid="heatmap"]');
    const r = canvas.getBoundingClientRect();
    const recomputed = () => document.querySelector('[data-testid="model"]').innerText.includes('5x 0 %');
    const tooltip = () => document.querySelector('[data-testid="heatmap-tooltip"]')?.innerText ?? '';
    const nextTask = () => new Promise((done) => setTimeout(done, 0));
    const hover = (i) => canvas.dispatchEvent(new PointerEvent('pointermove', {
      clientX: r.left + 60 + (37 * i) % (r.width - 200), clientY: r.top + 60 + (11 * i) % (r.height - 120), bubbles: true, pointerId: 1,
    }));
    hover(0);
    await nextTask();
    const start = performance.now();
    const weight = document.querySelector('[data-testid="tier-weight-0"]');
    weight.value = '0';
    weight.dispatchEvent(new Event('change', { bubbles: true }));
    const computing = () => document.documentElement.getAttribute('data-engine') === 'busy';
    // Hovers start once the job is with the worker.
    while (!computing() && !recomputed()) await nextTask();
    const hoversFrom = performance.now();
    const latencies = [];
    const drawing = [];
    for (let i = 1; !recomputed() && i < 1000; i++) {
      const due = hoversFrom + 10 * (i - 1);
      await new Promise((done) => setTimeout(done, Math.max(0, due - performance.now())));
      if (recomputed()) break;
      const before = tooltip();
      // Timed from the pointer event, not from when the timer was due: on
      // a busy machine timers fire late for reasons outside the page (a
      // main thread blocked by the page shows in main_thread_longest_task).
      const computingBefore = computing();
      const sent = performance.now();
      hover(i);
      while (tooltip() === before && performance.now() - sent < 1000) await nextTask();
      // Only a hover answered while the worker still computed counts as
      // "during the recomputation"; one that met the answer arriving waited
      // for the page to take it in and draw it (main_thread_longest_task in
      // bench.mjs counts that), and is reported apart.
      const during = computingBefore && computing() && !recomputed();
      (during ? latencies : drawing).push(performance.now() - sent);
    }
    while (!recomputed()) await nextTask();
    return { latencies, drawing, recompute_ms: performance.now() - start };
  });
}

/** How long the engine's worker is held busy before the recomputation. */
const ENGINE_HELD_MS = 400;

/** Keeps the engine's worker busy for `ms` from its next task, as a slow
 * machine would: a job the page posts meanwhile waits its turn. */
async function holdEngine(page, ms) {
  const [worker] = page.workers();
  await worker.evaluate((ms) => {
    setTimeout(() => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    }, 0);
  }, ms);
}
