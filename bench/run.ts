/**
 * `npm run bench [-- NAME …]`: runs the benchmarks and prints their figures (speed, memory, detector quality).
 * Names: ingest, scan, detector, app, tap, business (default: all). Results also go to bench/out/results.json.
 * Targets are printed next to the figures; nothing here is a pass/fail test.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

type Bench = () => Promise<Record<string, unknown>>;
const benches: Record<string, () => Promise<Bench>> = {
  ingest: async () => (await import('./ingest.js')).runIngestBench,
  scan: async () => (await import('./scan.js')).runScanBench,
  detector: async () => (await import('./detector.js')).runDetectorBench,
  app: async () => (await import('./app.js')).runAppBench,
  tap: async () => (await import('./tap.js')).runTapBench,
  business: async () => (await import('./business.js')).runBusinessBench,
};

async function main() {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !(w in benches));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  const names = wanted.length ? wanted : Object.keys(benches);
  const results: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, at: new Date().toISOString() };
  let failed = 0;
  for (const name of names) {
    console.log(`\n━━━ ${name} ${'━'.repeat(Math.max(0, 70 - name.length))}`);
    try {
      results[name] = await (await benches[name]())();
    } catch (err) {
      failed++;
      results[name] = { error: (err as Error).message };
      console.error(`benchmark ${name} failed: ${(err as Error).stack ?? err}`);
    }
  }
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'out');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'results.json'), JSON.stringify(results, null, 2));
  console.log(`\nfigures written to ${path.join(out, 'results.json')}`);
  process.exit(failed ? 1 : 0);
}

main();
