// @vitest-environment node
import { describe, expect, it } from 'vitest';

// @ts-expect-error: a plain ES module of the build scripts, without type declarations.
import { checkIndexHtml, initialChunks } from '../../scripts/build-rules.mjs';

describe('the build’s budget', () => {
  it('counts the entry chunk and its static imports, not the chunks loaded later', () => {
    const manifest = {
      'index.html': { file: 'assets/index.js', isEntry: true, imports: ['_vendor'], dynamicImports: ['src/Later.tsx'], css: ['assets/index.css'] },
      _vendor: { file: 'assets/vendor.js', imports: ['_shared'] },
      _shared: { file: 'assets/shared.js', imports: ['_vendor'] },
      'src/Later.tsx': { file: 'assets/Later.js', isDynamicEntry: true },
    };
    expect(initialChunks(manifest)).toEqual(['assets/index.js', 'assets/vendor.js', 'assets/shared.js']);
    expect(() => initialChunks({})).toThrow(/no entry/);
  });
});

describe('what the Content-Security-Policy allows in index.html', () => {
  it('accepts module scripts from files only', () => {
    expect(checkIndexHtml('<script type="module" crossorigin src="/assets/index.js"></script>')).toEqual([]);
  });

  it('names inline scripts, styles and handlers', () => {
    expect(checkIndexHtml('<script>window.x = 1</script>')).toEqual(['index.html has an inline <script>']);
    expect(checkIndexHtml('<style>body{}</style><div style="color:red" onclick="go()"></div>')).toEqual([
      'index.html has an inline <style>',
      'index.html has an inline event handler (on...=)',
      'index.html has a style attribute',
    ]);
  });
});
