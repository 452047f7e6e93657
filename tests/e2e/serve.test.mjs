// `make serve` as a developer runs it: the page Trunk's dev server serves
// must load as cleanly as the release build the other tests serve (Trunk's
// auto-reload script, inline, once broke the page's CSP on every load).
// Run after `make build`: the dev server's own build then only redoes the
// release build's last steps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { launchBrowser, openPage, assertClean, waitForHeatmap, repoRoot } from './harness.mjs';
import { END, FIXTURES } from './fixtures.mjs';

/** How long the dev server may take to build and listen. */
const STARTUP_MS = 5 * 60_000;

let server;
let browser;
let output = '';

/** A loopback port nothing listens on right now. */
async function freePort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

/** Polls `url` until it answers with the app's page. */
async function waitUntilServed(url) {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`make serve exited (${server.exitCode}):\n${output}`);
    const page = await fetch(url).then((r) => (r.ok ? r.text() : ''), () => '');
    if (page.includes('boot.js')) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`make serve did not serve ${url} within ${STARTUP_MS / 1000} s:\n${output}`);
}

before(async () => {
  const port = await freePort();
  // Its own process group, so that stopping it stops make and Trunk alike.
  server = spawn('make', ['--no-print-directory', 'serve', `PORT=${port}`], { cwd: repoRoot, detached: true });
  const keep = (chunk) => { output = (output + chunk).slice(-4000); };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);
  server.url = `http://127.0.0.1:${port}/`;
  await waitUntilServed(server.url);
  browser = await launchBrowser();
});

const running = () => server?.exitCode === null && server.signalCode === null;
/** Signals the server's whole process group (make, Trunk, cargo). */
const signal = (name) => { try { process.kill(-server.pid, name); } catch { /* already gone */ } };
// Also when this file is stopped early: the group is not ours to leave behind.
process.once('exit', () => { if (running()) signal('SIGKILL'); });

after(async () => {
  await browser?.close();
  if (running()) {
    const exited = once(server, 'exit');
    signal('SIGTERM');
    const late = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited;
    clearTimeout(late);
  }
});

test('the page make serve serves loads without a console error', async () => {
  const page = await openPage(browser, server.url, { routes: FIXTURES });
  await page.clock.setFixedTime(END);
  await page.goto(`${server.url}?sym=BTC&window=1d`);
  await waitForHeatmap(page);
  await page.waitForFunction(() => /5 of 5 exchanges/.test(document.querySelector('[data-testid="live-label"]').innerText));
  assert.deepEqual(page.blocked, [], 'every request was answered by a fixture');
  assertClean(assert, page);
  await page.closeAll();
});
