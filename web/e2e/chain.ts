/**
 * How many API calls a screen waited on one after the other: the longest chain of calls of
 * which each started only after the one before it ended. Parallel calls count once.
 */
export function longestChain(calls: readonly { start: number; end: number }[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const depth: number[] = [];
  sorted.forEach((call, i) => {
    let before = 0;
    for (let j = 0; j < i; j += 1) {
      if (sorted[j]!.end <= call.start) before = Math.max(before, depth[j]!);
    }
    depth[i] = before + 1;
  });
  return depth.length === 0 ? 0 : Math.max(...depth);
}
