/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the local dev-server (`make dev`) and by CloudFront from S3, both
// with a strict Content-Security-Policy (`script-src 'self'`), so the build emits no inline
// script and no eval; scripts/check-build.mjs checks that and the size budget.
export default defineConfig({
  plugins: [react()],
  build: {
    target: 'es2022',
    manifest: true,
    sourcemap: false,
    // A stable name for the entry's manifest lookups; chunk names keep their hashes.
    assetsInlineLimit: 0,
  },
  server: {
    // `npm run dev` against a running `make dev` stack (API under /api, pages at their paths).
    proxy: {
      '/api': 'http://127.0.0.1:3000',
      '/signup': 'http://127.0.0.1:3000',
      '/auth': 'http://127.0.0.1:3000',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}', 'e2e/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
  },
});
