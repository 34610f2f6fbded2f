// Lint: typescript-eslint's recommended type-aware rules, plus the layer rules of ARCHITECTURE.md
// section 1 expressed as import restrictions so that a front end importing another fails `npm test`.
import tseslint from 'typescript-eslint';

const frontEnds = ['eas', 'smtp', 'imap', 'pop3', 'admin', 'web'];
const layer = (dir, banned) => ({
  files: [`src/${dir}/**/*.ts`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: banned.map((b) => ({ group: [`**/${b}/*`, `**/${b}`], message: `src/${dir} must not import src/${b} (ARCHITECTURE.md section 1)` })),
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'bin/**', 'eslint.config.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'no-console': 'error',
    },
  },
  layer('core', ['store', 'auth', 'bus', 'mail', 'pim', 'cli', ...frontEnds]),
  layer('store', ['auth', 'bus', 'mail', 'pim', 'cli', ...frontEnds]),
  // Contacts, events and tasks as data, with their formats (vCard, iCalendar, time zones, recurrence):
  // protocol-neutral, so every front end (EAS, the admin import/export) shares them.
  layer('pim', ['store/sql', 'auth', 'bus', 'mail', 'devices', 'cli', ...frontEnds]),
  layer('bus', ['auth', 'mail', 'cli', ...frontEnds]),
  // The certificate and key shared by every TLS listener: read by front ends, knows none of them.
  layer('tls', ['store', 'auth', 'bus', 'mail', 'pim', 'devices', 'cli', ...frontEnds]),
  layer('auth', ['mail', 'cli', ...frontEnds]),
  layer('mail', ['auth', 'cli', ...frontEnds]),
  layer('devices', ['auth', 'bus', 'mail', 'cli', ...frontEnds]),
  layer('eas', ['cli', ...frontEnds.filter((f) => f !== 'eas')]),
  layer('eas/wbxml', ['store', 'auth', 'bus', 'mail', 'core']),
  layer('smtp', ['cli', ...frontEnds.filter((f) => f !== 'smtp')]),
  layer('admin', ['cli', ...frontEnds.filter((f) => f !== 'admin')]),
  layer('cli', ['store', 'auth', 'bus', 'mail', 'devices', ...frontEnds]),
  { files: ['test/**/*.ts', 'bench/**/*.ts', 'src/cli/**/*.ts'], rules: { 'no-console': 'off' } },
  {
    // node:test's test() and describe() return promises the runner itself tracks.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
    },
  },
);
