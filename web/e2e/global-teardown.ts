import { existsSync, readFileSync, rmSync } from 'node:fs';

import { SCREEN_CALLS, STATE_FILE } from './stack';

interface ScreenCalls {
  story: string;
  screen: string;
  calls: string[];
  chain: number;
}

/** Prints the API calls each screen made before it showed (the budget: a chain of two). */
function printScreenCalls(): void {
  if (!existsSync(SCREEN_CALLS)) return;
  const rows = readFileSync(SCREEN_CALLS, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ScreenCalls);
  if (rows.length === 0) return;
  console.log('\nAPI calls before each screen showed (chain = calls that waited on each other):');
  console.log(`  ${'chain'.padEnd(6)}${'calls'.padEnd(6)}screen`);
  for (const row of rows) {
    const calls = row.calls.map((c) => c.replace(/\/api/, '').replace(/[0-9a-f-]{36}/g, '{id}')).join(', ');
    console.log(`  ${String(row.chain).padEnd(6)}${String(row.calls.length).padEnd(6)}${row.story} ${row.screen}${calls ? ` (${calls})` : ''}`);
  }
  const longest = Math.max(...rows.map((r) => r.chain));
  console.log(`  longest chain: ${longest} (budget 2); ${rows.length} screens`);
}

/** Stops the dev-server the setup started (it stops its emulators itself). */
export default async function globalTeardown(): Promise<void> {
  printScreenCalls();
  if (!existsSync(STATE_FILE)) return;
  const { pid } = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as { pid: number };
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    // already gone
  }
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // stopped
  }
  rmSync(STATE_FILE, { force: true });
}
