/**
 * The runtime configuration (`/config.json`, never cached): which API this build talks to.
 * One build serves any stack: the deploy writes the stack's `config.json` next to it.
 */
export interface RuntimeConfig {
  /** `/api` (the same origin, behind CloudFront or the local server) or a full https URL. */
  apiBase: string;
}

export const DEFAULT_CONFIG: RuntimeConfig = { apiBase: '/api' };

/** Reads a `config.json` body; anything unusable is an error naming what is wrong. */
export function parseConfig(raw: unknown): RuntimeConfig {
  if (typeof raw !== 'object' || raw === null) {
    throw new Error('config.json must be a JSON object such as {"apiBase": "/api"}.');
  }
  const apiBase = (raw as Record<string, unknown>).apiBase ?? DEFAULT_CONFIG.apiBase;
  if (typeof apiBase !== 'string') {
    throw new Error('config.json: apiBase must be a string.');
  }
  const trimmed = apiBase.trim().replace(/\/+$/, '');
  const isPath = /^\/[A-Za-z0-9._~/-]*$/.test(trimmed) && !trimmed.includes('//');
  const isUrl = /^https?:\/\/[^\s/]+(\/[A-Za-z0-9._~/-]*)?$/.test(trimmed);
  if (!isPath && !isUrl && trimmed !== '') {
    throw new Error(`config.json: apiBase must be a path such as /api or an http(s) URL, not ${JSON.stringify(apiBase)}.`);
  }
  return { apiBase: trimmed };
}

/** Fetches `/config.json` (preloaded by index.html, so this costs no extra round trip). */
export async function loadConfig(fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> {
  const response = await fetchFn('/config.json', { credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(`config.json could not be loaded (HTTP ${response.status}).`);
  }
  return parseConfig(await response.json());
}
