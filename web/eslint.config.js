// Lint: TypeScript's recommended rules, React's rules of hooks, and jsx-a11y's strict
// accessibility rules (labels, roles, keyboard use) so the console stays accessible by
// construction, not only by the axe checks of the browser tests.
import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'src/api/schema.d.ts', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  jsxA11y.flatConfigs.strict,
  reactHooks.configs.flat['recommended-latest'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Labels wrap or point at their control through `htmlFor` + `useId`.
      'jsx-a11y/label-has-associated-control': ['error', { assert: 'either' }],
    },
  },
  // Playwright's fixtures call `use`, which is no React hook.
  { files: ['e2e/**'], rules: { 'react-hooks/rules-of-hooks': 'off' } },
);
