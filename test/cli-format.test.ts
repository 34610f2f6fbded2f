// Unit tests of the CLI's pieces that need no server: the Carbonio-style tree formatter and the
// `<positional args> [key value ...]` parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandArgs, usageLine, UsageError, type CommandSpec } from '../src/cli/args.js';
import { formatJson, formatTree, joinLines } from '../src/cli/format.js';

void describe('formatTree', () => {
  void it('prints scalars, nested objects, lists of objects and lists of scalars', () => {
    const lines = formatTree({
      title: 'x',
      count: 3,
      on: false,
      missing: null,
      nested: { a: 1, deeper: { b: 'two words' } },
      tags: ['EAS', 'IMAP'],
      none: [],
      list: [{ id: 'a', n: 1 }, { id: 'b', n: 2 }],
    });
    assert.deepEqual(lines, [
      'title x', 'count 3', 'on false',
      'nested', '    a 1', '    deeper', '        b two words',
      'tags EAS,IMAP', 'none',
      'list', '    id a', '    n 1', '', '    id b', '    n 2',
    ]);
  });

  void it('escapes control characters so data cannot drive the terminal', () => {
    assert.deepEqual(formatTree({ name: 'evil\n\u001b[2Jname' }), ['name evil\\x0a\\x1b[2Jname']);
  });

  void it('joins lines with a final newline; --json is pretty with 2 spaces', () => {
    assert.equal(joinLines([]), '');
    assert.equal(joinLines(['a', 'b']), 'a\nb\n');
    assert.equal(formatJson({ a: [1] }), '{\n  "a": [\n    1\n  ]\n}\n');
  });
});

void describe('parseCommandArgs', () => {
  const spec: CommandSpec = {
    path: 'prov createAccount', positionals: ['email', 'password'], keys: [{ name: 'displayName', value: '<name>' }], summary: '',
  };

  void it('splits positionals and key value pairs', () => {
    const a = parseCommandArgs(spec, ['j@x.test', 'pw', 'displayName', 'John Doe']);
    assert.deepEqual([...a.positionals], [['email', 'j@x.test'], ['password', 'pw']]);
    assert.deepEqual([...a.options], [['displayName', 'John Doe']]);
    assert.equal(usageLine(spec), 'carbonio prov createAccount <email> <password> [displayName <name>]');
  });

  void it('rejects missing positionals, unknown or repeated keys, and a key without value', () => {
    const bad: string[][] = [[], ['j@x.test'], ['', 'pw'], ['j@x.test', 'pw', 'displayname', 'J'],
      ['j@x.test', 'pw', 'displayName'], ['j@x.test', 'pw', 'displayName', 'A', 'displayName', 'B']];
    for (const words of bad) {
      assert.throws(() => parseCommandArgs(spec, words), (e: unknown) => e instanceof UsageError && e.usage === usageLine(spec), words.join(' '));
    }
  });

  void it('takes an optional positional unless it is a key, and enforces minPairs', () => {
    const opt: CommandSpec = { path: 'prov getAllAccounts', positionals: [], optional: ['domain'], summary: '' };
    assert.equal(parseCommandArgs(opt, ['x.test']).positionals.get('domain'), 'x.test');
    assert.equal(parseCommandArgs(opt, []).positionals.size, 0);
    const pairs: CommandSpec = { path: 'prov modifyAccount', positionals: ['email'], keys: [{ name: 'status', value: 's' }], minPairs: 1, pairForm: true, summary: '' };
    assert.throws(() => parseCommandArgs(pairs, ['j@x.test']), UsageError);
    assert.equal(usageLine(pairs), 'carbonio prov modifyAccount <email> <status> <value> [...]');
  });

  void it('takes zmprov\'s -v for verbose true where the command has a verbose key, anywhere after its name', () => {
    const gaa: CommandSpec = { path: 'prov getAllAccounts', positionals: [], optional: ['domain'], keys: [{ name: 'verbose', value: 'true|false' }], summary: '' };
    assert.equal(usageLine(gaa), 'carbonio prov getAllAccounts [<domain>] [-v|verbose true|false]');
    for (const words of [['-v', 'x.test'], ['x.test', '-v'], ['x.test', 'verbose', 'true']]) {
      const a = parseCommandArgs(gaa, words);
      assert.deepEqual([a.positionals.get('domain'), a.options.get('verbose')], ['x.test', 'true'], words.join(' '));
    }
    assert.equal(parseCommandArgs(gaa, ['-v']).options.get('verbose'), 'true');
    assert.equal(parseCommandArgs(gaa, ['verbose', 'false']).options.get('verbose'), 'false');
    assert.throws(() => parseCommandArgs(gaa, ['-v', 'verbose', 'false']), /-v and verbose both given/);
    // Without a verbose key, -v is an argument like any other.
    assert.throws(() => parseCommandArgs(spec, ['j@x.test', 'pw', '-v']), /unexpected argument|unknown key "-v"/);
  });
});
