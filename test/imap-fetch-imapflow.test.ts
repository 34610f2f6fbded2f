// A real client reads what the renderers write: FETCH responses with ENVELOPE, BODYSTRUCTURE and body
// sections, serialized by src/imap/protocol/writer.ts, parsed by imapflow's own response parser and its
// ENVELOPE / BODYSTRUCTURE readers (the library the IMAP server's integration tests use).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { parser } from 'imapflow/lib/handler/imap-handler.js';
import { parseBodystructure, parseEnvelope } from 'imapflow/lib/tools.js';
import { FetchMessage } from '../src/imap/fetch/message.js';
import { fetchResponse, sectionLabel } from '../src/imap/protocol/writer.js';

const crlf = (s: string): string => s.replace(/\r?\n/g, '\r\n');

const MESSAGE = Buffer.concat([
  Buffer.from(
    crlf(
      'From: "Doe, J\\"ane\\"" <jane@example.org>\nTo: team: a@example.org, b@example.org;\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and "quotes" \\ backslash\nDate: Tue, 1 Apr 2025 10:00:00 +0000\nMessage-ID: <m@example.org>\nContent-Type: multipart/mixed; boundary=OUT\n\n--OUT\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\nContent-Description: caf',
    ),
    'latin1',
  ),
  Buffer.from([0xe9]),
  Buffer.from(
    crlf(
      '\n\nline one\nline two\n\n--OUT\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename="fwd.eml"\n\nFrom: inner@example.org\nSubject: inner\nContent-Type: multipart/alternative; boundary=IN\n\n--IN\nContent-Type: text/plain\n\nplain\n--IN\nContent-Type: text/html\n\n<b>html</b>\n--IN--\n\n--OUT--\n',
    ),
    'latin1',
  ),
]);

interface ParsedResponse {
  tag: string;
  command: string;
  attributes: unknown[];
}

/** Splits a response into the line (literal markers kept) and the literal bytes, as imapflow's ImapStream does. */
function splitLiterals(response: Buffer): { payload: Buffer; literals: Buffer[] } {
  const text = response.toString('latin1');
  const literals: Buffer[] = [];
  const payload: Buffer[] = [];
  const re = /~?\{(\d+)\}\r\n/g;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const end = m.index + m[0].length;
    payload.push(response.subarray(pos, end));
    const n = Number(m[1]);
    literals.push(response.subarray(end, end + n));
    pos = end + n;
    re.lastIndex = pos;
  }
  payload.push(response.subarray(pos));
  return { payload: Buffer.concat(payload), literals };
}

async function readFetch(parts: Buffer[]): Promise<Map<string, unknown>> {
  const { payload, literals } = splitLiterals(Buffer.concat(parts).subarray(0, -2));
  const parsed = (await parser(payload, { literals })) as ParsedResponse;
  assert.equal(parsed.tag, '*');
  // imapflow reads "* 1 FETCH (...)" as command "1" with FETCH as its first attribute.
  assert.equal((parsed.attributes[0] as { value: string }).value.toUpperCase(), 'FETCH');
  const list = (parsed.attributes[1] as unknown[]) ?? [];
  const out = new Map<string, unknown>();
  for (let i = 0; i < list.length; i += 2) {
    const key = list[i] as { value: string; section?: unknown[] };
    const name = key.section ? `${key.value}[]` : key.value;
    out.set(name.toUpperCase(), list[i + 1]);
  }
  return out;
}

describe('imapflow reads the FETCH renderers', () => {
  test('ENVELOPE and BODYSTRUCTURE, with quoted specials, groups, 8-bit literals and a nested message', async () => {
    const m = new FetchMessage(MESSAGE);
    const items = await readFetch(fetchResponse(1, [['ENVELOPE', m.envelopeValue()], ['BODYSTRUCTURE', m.bodyStructure(true)]]));

    const env = parseEnvelope(items.get('ENVELOPE') as Parameters<typeof parseEnvelope>[0]) as Record<string, unknown>;
    assert.equal(env.subject, 'Grüße and "quotes" \\ backslash', 'imapflow decodes the encoded word we left as sent');
    assert.equal(env.messageId, '<m@example.org>');
    assert.deepEqual(env.from, [{ name: 'Doe, J"ane"', address: 'jane@example.org' }]);
    assert.deepEqual(env.sender, env.from);
    assert.deepEqual(
      (env.to as Array<{ address?: string }>).map((a) => a.address).filter(Boolean),
      ['a@example.org', 'b@example.org'],
    );

    type Node = Record<string, unknown> & { childNodes: Node[] };
    const bs = parseBodystructure(items.get('BODYSTRUCTURE') as Parameters<typeof parseBodystructure>[0]) as unknown as Node;
    assert.equal(bs.type, 'multipart/mixed');
    assert.equal(bs.childNodes.length, 2);
    const [text, fwd] = bs.childNodes as [Node, Node];
    assert.equal(text.part, '1');
    assert.equal(text.type, 'text/plain');
    assert.deepEqual(text.parameters, { charset: 'iso-8859-1' });
    assert.equal(text.encoding, '8bit');
    assert.equal(text.size, 'line one\r\nline two\r\n'.length);
    assert.equal(text.lineCount, 2);
    assert.equal(fwd.part, '2');
    assert.equal(fwd.type, 'message/rfc822');
    assert.equal(fwd.disposition, 'attachment');
    assert.deepEqual(fwd.dispositionParameters, { filename: 'fwd.eml' });
    assert.equal((fwd.envelope as { subject: string }).subject, 'inner');
    const inner = fwd.childNodes[0]!;
    assert.equal(inner.type, 'multipart/alternative');
    assert.deepEqual(inner.childNodes.map((c) => [c.part, c.type, c.size]), [['2.1', 'text/plain', 5], ['2.2', 'text/html', 11]]);
  });

  test('body sections: what a client asks for by part number is what it gets', async () => {
    const m = new FetchMessage(MESSAGE);
    const sections = [{ part: [2, 2] }, { part: [2], text: 'HEADER' as const }, { part: [1], text: 'MIME' as const }];
    for (const section of sections) {
      const bytes = m.section(section);
      assert.ok(bytes);
      const items = await readFetch(fetchResponse(7, [[sectionLabel('BODY', section), bytes]]));
      const v = items.get('BODY[]') as { value: Buffer | string };
      assert.equal(Buffer.from(v.value).toString('latin1'), bytes.toString('latin1'));
    }
  });
});
