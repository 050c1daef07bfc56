// Prints the plain closing line `tests: N passed, N failed, N skipped` from Vitest's JSON report.
// Under CI=true a skipped test fails the run, except the Electron e2e tests (the binary cannot be had here).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
let passed = 0;
let failed = 0;
const skipped = [];
for (const file of report.testResults ?? []) {
  const name = relative(process.cwd(), file.name);
  for (const t of file.assertionResults ?? []) {
    if (t.status === 'passed') passed++;
    else if (t.status === 'failed') failed++;
    else skipped.push({ file: name, title: t.fullName ?? t.title });
  }
}
const allowed = (s) => /test\/e2e\/electron/.test(s.file);
const forbidden = skipped.filter((s) => !allowed(s));
if (process.env.CI === 'true' && forbidden.length > 0) {
  console.error(`\nUnder CI=true no test may skip except Electron e2e; these did:`);
  for (const s of forbidden) console.error(`  - ${s.file}: ${s.title}`);
  failed += forbidden.length;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped.length} skipped`);
process.exit(failed > 0 ? 1 : 0);
