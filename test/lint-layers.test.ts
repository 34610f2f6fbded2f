// The layer rules of ARCHITECTURE.md section 1, as eslint.config.js writes them, checked with probe files:
// for every layer, an import of something it must not use fails lint, and an allowed import does not. The
// probe for eas/wbxml imports a front end, which only eas's own rule forbids: it fails only if a nested
// layer's rule adds to its parent's instead of replacing it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { projectRoot } from './helpers/cli.js';

interface ProjectConfig {
  default: Linter.Config[];
  bannedFor: (dir: string) => string[];
}

async function loadProjectConfig(): Promise<ProjectConfig> {
  const mod = (await import(pathToFileURL(path.join(projectRoot, 'eslint.config.js')).href)) as ProjectConfig;
  return mod;
}

/** An ESLint with only the project's layer objects (no type-aware rules: the probes are not on disk). */
function layerLinter(config: Linter.Config[]): ESLint {
  const layers = config.filter((c) => c.rules?.['no-restricted-imports'] !== undefined && c.files?.every((f) => typeof f === 'string' && f.startsWith('src/')));
  return new ESLint({
    cwd: projectRoot,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layers],
  });
}

async function restricted(eslint: ESLint, dir: string, target: string): Promise<boolean> {
  const file = path.join(projectRoot, 'src', dir, '__layer_probe__.ts');
  let spec = path.relative(path.dirname(file), path.join(projectRoot, 'src', target, 'index.js')).split(path.sep).join('/');
  if (!spec.startsWith('.')) spec = `./${spec}`;
  const [result] = await eslint.lintText(`import { x } from '${spec}';\nexport const y = x;\n`, { filePath: file });
  return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-imports');
}

describe('lint layers', () => {
  const layerDirs = ['core', 'store', 'pim', 'bus', 'tls', 'auth', 'mail', 'devices', 'eas', 'eas/wbxml', 'smtp', 'access', 'imap', 'pop3', 'admin', 'cli'];

  test('in every layer, an import of a forbidden layer fails lint', async () => {
    const config = await loadProjectConfig();
    const eslint = layerLinter(config.default);
    for (const dir of layerDirs) {
      const banned = config.bannedFor(dir);
      assert.ok(banned.length > 0, `${dir} has rules`);
      for (const target of banned) assert.ok(await restricted(eslint, dir, target), `src/${dir} importing src/${target} must fail lint`);
    }
  });

  test('nested layers add to their parent: eas/wbxml may not import another front end either', async () => {
    const config = await loadProjectConfig();
    const eslint = layerLinter(config.default);
    assert.ok(await restricted(eslint, 'eas/wbxml', 'smtp'));
    assert.ok(await restricted(eslint, 'eas/wbxml', 'cli'));
  });

  test('allowed imports pass: the probe can tell the two apart', async () => {
    const eslint = layerLinter((await loadProjectConfig()).default);
    assert.equal(await restricted(eslint, 'eas', 'store'), false);
    assert.equal(await restricted(eslint, 'smtp', 'mail'), false);
    assert.equal(await restricted(eslint, 'pop3', 'access'), false);
    assert.equal(await restricted(eslint, 'admin', 'devices'), false);
    assert.equal(await restricted(eslint, 'auth', 'store'), false);
  });
});
