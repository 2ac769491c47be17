// @vitest-environment node
import { describe, expect, it } from 'vitest';

import { longestChain } from './chain';

describe('the chain of calls a screen waited on', () => {
  it('counts calls in parallel once and calls that waited for others one after the other', () => {
    expect(longestChain([])).toBe(0);
    // refresh, then the count and the list together
    expect(longestChain([{ start: 1, end: 2 }, { start: 3, end: 6 }, { start: 4, end: 5 }])).toBe(2);
    // refresh, then the profile, then (waiting for it) the partners
    expect(longestChain([{ start: 1, end: 2 }, { start: 3, end: 4 }, { start: 5, end: 6 }])).toBe(3);
    // order of the list does not matter
    expect(longestChain([{ start: 5, end: 6 }, { start: 1, end: 2 }, { start: 3, end: 4 }])).toBe(3);
  });
});
