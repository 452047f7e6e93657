// Turns criterion's stored medians into `BENCH`/`RATIO` lines.
import { readFile } from 'node:fs/promises';

const root = new URL('../../target/criterion/', import.meta.url).pathname;
const medianMs = async (group, fn) => {
  const json = JSON.parse(await readFile(`${root}${group}/${fn}/new/estimates.json`, 'utf8'));
  return json.median.point_estimate / 1e6;
};
// native_ms: estimate_in, fresh grids each time (what the page runs today);
// view_native_ms: without the predicted grids, into the memory of the
// estimate it replaces (what the views can run).
for (const load of ['engine_M', 'engine_L', 'engine_XL', 'engine_percandle']) {
  console.log(`BENCH ${load} native_ms=${(await medianMs(load, 'fast')).toFixed(2)}`);
  console.log(`BENCH ${load} view_native_ms=${(await medianMs(load, 'view')).toFixed(2)}`);
}
const ratio = (await medianMs('engine_M', 'direct')) / (await medianMs('engine_M', 'fast'));
console.log(`RATIO engine_M fast_vs_direct=${ratio.toFixed(1)}`);
console.log(`BENCH live_candle_L native_ms=${(await medianMs('live_candle_L', 'append_and_recompute')).toFixed(2)}`);
console.log(`BENCH cascade ms=${(await medianMs('cascade', 'shock')).toFixed(3)}`);
console.log(`BENCH cascade_runaway ms=${(await medianMs('cascade', 'runaway')).toFixed(3)}`);
