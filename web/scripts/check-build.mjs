// Checks the production build (`npm run build` runs it after `vite build`):
// - the budget: the JavaScript the first screen loads (the entry chunk and everything it
//   imports statically), gzipped, at most 150 KB; printed, and the build fails above it;
// - the Content-Security-Policy (`script-src 'self'`, `style-src 'self'`): no inline script,
//   no inline event handler or style attribute in index.html, no eval in any chunk;
// - the runtime configuration ships with the build.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { checkIndexHtml, initialChunks } from './build-rules.mjs';

const BUDGET_BYTES = 150 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const problems = [];

const chunks = initialChunks(manifest);
let total = 0;
console.log('Initial JavaScript (gzipped):');
for (const file of chunks) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  total += size;
  console.log(`  ${file.padEnd(44)} ${(size / 1024).toFixed(1).padStart(7)} KB`);
}
console.log(`  ${'total'.padEnd(44)} ${(total / 1024).toFixed(1).padStart(7)} KB (budget ${BUDGET_BYTES / 1024} KB)`);
if (total > BUDGET_BYTES) {
  problems.push(`the initial JavaScript is ${(total / 1024).toFixed(1)} KB gzipped, over the ${BUDGET_BYTES / 1024} KB budget`);
}

problems.push(...checkIndexHtml(readFileSync(join(dist, 'index.html'), 'utf8')));

for (const file of readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js'))) {
  const code = readFileSync(join(dist, 'assets', file), 'utf8');
  if (/\beval\s*\(|\bnew Function\s*\(/.test(code)) {
    problems.push(`assets/${file} calls eval or new Function, which the Content-Security-Policy forbids`);
  }
}

try {
  JSON.parse(readFileSync(join(dist, 'config.json'), 'utf8'));
} catch (error) {
  problems.push(`dist/config.json is missing or not JSON (${error.message})`);
}

if (problems.length > 0) {
  console.error(`\nThe build breaks its rules:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log('No inline script, style attribute or eval: the build runs under script-src \'self\'.');
