// The rules scripts/check-build.mjs applies, as functions (unit-tested in
// src/deploy/build-rules.test.ts).

/** The chunks the first screen loads: the entry and its static imports, transitively. */
export function initialChunks(manifest) {
  const entry = Object.entries(manifest).find(([, chunk]) => chunk.isEntry);
  if (!entry) throw new Error('The Vite manifest has no entry chunk.');
  const files = [];
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) throw new Error(`The Vite manifest has no chunk ${key}.`);
    files.push(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(entry[0]);
  return files.filter((file) => file.endsWith('.js'));
}

/** What in index.html a `script-src 'self'; style-src 'self'` policy would block. */
export function checkIndexHtml(html) {
  const problems = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes, body] = match;
    if (!/\bsrc\s*=/.test(attributes) || body.trim() !== '') {
      problems.push('index.html has an inline <script>');
    }
  }
  if (/<style\b/i.test(html)) problems.push('index.html has an inline <style>');
  if (/\son[a-z]+\s*=/i.test(html)) problems.push('index.html has an inline event handler (on...=)');
  if (/\sstyle\s*=/i.test(html)) problems.push('index.html has a style attribute');
  return problems;
}
