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

/**
 * What each layer of ARCHITECTURE.md section 1 must not import. A nested layer (eas/wbxml inside eas) adds to
 * its parent's list: ESLint lets the last matching config object set a rule, so each object carries the union
 * of its own bans and its ancestors' (test/lint-layers.test.ts checks a forbidden import fails in each layer).
 */
const layers = {
  core: ['store', 'auth', 'bus', 'mail', 'pim', 'devices', 'tls', 'cli', ...frontEnds],
  store: ['auth', 'bus', 'mail', 'pim', 'devices', 'tls', 'cli', ...frontEnds],
  // Contacts, events and tasks as data, with their formats (vCard, iCalendar, time zones, recurrence):
  // protocol-neutral, so every front end (EAS, the admin import/export) shares them.
  pim: ['store/sql', 'auth', 'bus', 'mail', 'devices', 'tls', 'cli', ...frontEnds],
  bus: ['auth', 'mail', 'tls', 'cli', ...frontEnds],
  // The certificate and key shared by every TLS listener: read by front ends, knows none of them.
  tls: ['store', 'auth', 'bus', 'mail', 'pim', 'devices', 'cli', ...frontEnds],
  auth: ['mail', 'tls', 'cli', ...frontEnds],
  mail: ['auth', 'tls', 'cli', ...frontEnds],
  devices: ['auth', 'bus', 'mail', 'tls', 'cli', ...frontEnds],
  eas: ['cli', ...frontEnds.filter((f) => f !== 'eas')],
  // The codec is pure: no store, no I/O, not even core.
  'eas/wbxml': ['store', 'auth', 'bus', 'mail', 'core', 'devices', 'tls', 'pim'],
  smtp: ['cli', ...frontEnds.filter((f) => f !== 'smtp')],
  // What IMAP and POP3 share (listeners, STARTTLS, line reader, limits, login): below both, knows neither.
  access: ['cli', ...frontEnds],
  imap: ['cli', ...frontEnds.filter((f) => f !== 'imap')],
  pop3: ['cli', ...frontEnds.filter((f) => f !== 'pop3')],
  admin: ['cli', ...frontEnds.filter((f) => f !== 'admin')],
  cli: ['store', 'auth', 'bus', 'mail', 'devices', ...frontEnds],
};
export const bannedFor = (dir) => [...new Set(Object.entries(layers)
  .filter(([d]) => dir === d || dir.startsWith(`${d}/`))
  .flatMap(([, banned]) => banned))];

export default tseslint.config(
  { ignores: ['dist/**', 'dist.next/**', 'dist.old/**', 'node_modules/**', 'data/**', 'bin/**', 'scripts/**', 'eslint.config.js'] },
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
  ...Object.keys(layers).map((dir) => layer(dir, bannedFor(dir))),
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
