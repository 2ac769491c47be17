// @vitest-environment node
/**
 * The CloudFront Functions of `template.yaml`, run from the template's own text: the API
 * prefix is stripped (and passed on), and the console's routes get index.html.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface ViewerRequest {
  uri: string;
  headers: Record<string, { value: string }>;
}

const template = readFileSync(new URL('../../../template.yaml', import.meta.url), 'utf8');

/** The `FunctionCode: |` block of a resource, as deployed. */
function functionCode(resource: string): (event: { request: ViewerRequest }) => ViewerRequest {
  const lines = template.split('\n');
  const start = lines.findIndex((l) => l === `  ${resource}:`);
  expect(start, `${resource} in template.yaml`).toBeGreaterThan(-1);
  const codeAt = lines.findIndex((l, i) => i > start && l.trim() === 'FunctionCode: |');
  const indent = lines[codeAt]!.indexOf('F') + 2;
  const code: string[] = [];
  for (const line of lines.slice(codeAt + 1)) {
    if (line.trim() !== '' && line.length - line.trimStart().length < indent) break;
    code.push(line.slice(indent));
  }
  return new Function(`${code.join('\n')}\nreturn handler;`)() as (event: { request: ViewerRequest }) => ViewerRequest;
}

function request(uri: string): { request: ViewerRequest } {
  return { request: { uri, headers: { 'x-forwarded-prefix': { value: '/evil' } } } };
}

describe('the API behaviour’s function', () => {
  const handler = functionCode('ApiPrefixFunction');

  it('strips /api and says so, whatever the viewer sent', () => {
    const out = handler(request('/api/auth/refresh'));
    expect(out.uri).toBe('/auth/refresh');
    expect(out.headers['x-forwarded-prefix']).toEqual({ value: '/api' });
    expect(handler(request('/api/admin/businesses/b-1')).uri).toBe('/admin/businesses/b-1');
    expect(handler(request('/api')).uri).toBe('/');
  });
});

describe('the console behaviour’s function', () => {
  const handler = functionCode('ConsoleRoutesFunction');

  it('serves index.html for console routes and files as they are', () => {
    for (const route of ['/', '/login', '/approvals', '/businesses/5d0c9a52-7a7e', '/impersonate']) {
      expect(handler(request(route)).uri, route).toBe('/index.html');
    }
    for (const file of ['/config.json', '/assets/index-1a2b.js', '/favicon.svg']) {
      expect(handler(request(file)).uri, file).toBe(file);
    }
  });
});
