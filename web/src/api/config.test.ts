import { describe, expect, it, vi } from 'vitest';

import { loadConfig, parseConfig } from './config';

describe('the runtime configuration', () => {
  it('takes a path or a URL as the API base, without a trailing slash', () => {
    expect(parseConfig({ apiBase: '/api' })).toEqual({ apiBase: '/api' });
    expect(parseConfig({ apiBase: '/api/' })).toEqual({ apiBase: '/api' });
    expect(parseConfig({ apiBase: 'https://abc.execute-api.eu-west-1.amazonaws.com' })).toEqual({
      apiBase: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    });
    expect(parseConfig({})).toEqual({ apiBase: '/api' });
  });

  it('refuses what is no API base, saying why', () => {
    expect(() => parseConfig(null)).toThrow(/JSON object/);
    expect(() => parseConfig({ apiBase: 3 })).toThrow(/must be a string/);
    expect(() => parseConfig({ apiBase: 'javascript:alert(1)' })).toThrow(/path such as \/api/);
    expect(() => parseConfig({ apiBase: '//evil.example' })).toThrow(/path such as \/api/);
  });

  it('reads /config.json and reports a missing one', async () => {
    const ok = vi.fn().mockResolvedValue(new Response('{"apiBase":"/v2"}', { status: 200 }));
    await expect(loadConfig(ok)).resolves.toEqual({ apiBase: '/v2' });
    expect(ok).toHaveBeenCalledWith('/config.json', { credentials: 'same-origin' });
    const missing = vi.fn().mockResolvedValue(new Response('', { status: 404 }));
    await expect(loadConfig(missing)).rejects.toThrow(/HTTP 404/);
  });
});
