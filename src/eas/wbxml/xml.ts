// XML text form of the tree, for logs, tests and fixtures (the XML side of MS-ASWBXML 2.1.2; the
// namespaces are the code page names as in the MS-ASCMD schemas). Opaque content is written as a
// CDATA section holding base64, and the parser reads a CDATA section back as bytes.
import { Buffer } from 'node:buffer';
import { CODE_PAGES, namespaceOf, tokenOf } from './code-pages.js';
import { WbxmlError } from './errors.js';
import { isElement } from './tree.js';
import type { WbxmlElement, WbxmlNode } from './tree.js';

export interface XmlOptions {
  /** Indentation unit; '' writes everything on one line. Default two spaces. */
  readonly indent?: string;
  /** Write the `<?xml ...?>` declaration. Default true. */
  readonly declaration?: boolean;
}

const escapeText = (s: string): string =>
  s.replace(/[&<>]|[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : `&#x${c.charCodeAt(0).toString(16)};`,
  );

const prefixOf = (page: number): string => (namespaceOf(page) ?? `page${page}`).toLowerCase();

/** Pretty-prints a tree as XML with one namespace declaration per code page used. */
export const toXml = (root: WbxmlElement, options: XmlOptions = {}): string => {
  const unit = options.indent ?? '  ';
  const nl = unit === '' ? '' : '\n';
  const used = new Set<number>();
  const collect = (e: WbxmlElement): void => {
    used.add(e.page);
    for (const c of e.children) if (isElement(c)) collect(c);
  };
  collect(root);
  const out: string[] = [];
  if (options.declaration ?? true) out.push(`<?xml version="1.0" encoding="utf-8"?>${nl}`);
  const nameOf = (e: WbxmlElement): string => (e.page === root.page ? e.tag : `${prefixOf(e.page)}:${e.tag}`);
  const content = (c: Exclude<WbxmlNode, WbxmlElement>): string =>
    typeof c === 'string' ? escapeText(c) : `<![CDATA[${Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64')}]]>`;
  const write = (e: WbxmlElement, depth: number, attrs: string): void => {
    const pad = unit.repeat(depth);
    const name = nameOf(e);
    if (e.children.length === 0) {
      out.push(`${pad}<${name}${attrs}/>${nl}`);
    } else if (!e.children.some(isElement)) {
      out.push(`${pad}<${name}${attrs}>${e.children.map((c) => (isElement(c) ? '' : content(c))).join('')}</${name}>${nl}`);
    } else {
      out.push(`${pad}<${name}${attrs}>${nl}`);
      for (const c of e.children) {
        if (isElement(c)) write(c, depth + 1, '');
        else out.push(`${pad}${unit}${content(c)}${nl}`);
      }
      out.push(`${pad}</${name}>${nl}`);
    }
  };
  let decl = ` xmlns="${namespaceOf(root.page) ?? ''}"`;
  for (const p of [...used].sort((a, b) => a - b)) if (p !== root.page) decl += ` xmlns:${prefixOf(p)}="${namespaceOf(p) ?? ''}"`;
  write(root, 0, decl);
  return out.join('');
};

// libwbxml writes namespaces as 'AirSync:' and 'Gal'; accept any case and a trailing colon.
const pageByLooseName = new Map(CODE_PAGES.map((p) => [p.namespace.toLowerCase(), p.page]));

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const decodeEntities = (s: string, at: number): string =>
  s.includes('&')
    ? s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);|&/g, (m, body: string | undefined) => {
        if (body === undefined) throw new WbxmlError('bad-xml', 'bare & in text', at);
        if (body.startsWith('#')) {
          const cp = body[1] === 'x' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
          if (!(cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) throw new WbxmlError('bad-xml', `bad character reference ${m}`, at);
          return String.fromCodePoint(cp);
        }
        const v = ENTITIES[body];
        if (v === undefined) throw new WbxmlError('bad-xml', `unknown entity ${m}`, at);
        return v;
      })
    : s;

interface Open {
  readonly e: WbxmlElement;
  readonly name: string;
  readonly scope: ReadonlyMap<string, number>;
}

/**
 * Parses the XML this module prints (and libwbxml's wbxml2xml output with the same tag names) into
 * a tree. Deliberately small: no DTD, no attributes other than xmlns, whitespace-only text dropped.
 */
export const parseXml = (xml: string, maxDepth = 64): WbxmlElement => {
  const fail = (msg: string, at: number): never => {
    throw new WbxmlError('bad-xml', msg, at);
  };
  let pos = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: Open[] = [];
  let root: WbxmlElement | undefined;
  const skipTo = (end: string): void => {
    const i = xml.indexOf(end, pos);
    if (i === -1) fail(`missing '${end}'`, pos);
    pos = i + end.length;
  };
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt === -1 ? xml.length : lt;
    if (textEnd > pos) {
      const raw = xml.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (raw.trim() !== '') {
        if (!top) fail('text outside the root element', pos);
        else top.e.children.push(decodeEntities(raw, pos));
      }
      pos = textEnd;
      continue;
    }
    if (xml.startsWith('<?', pos)) skipTo('?>');
    else if (xml.startsWith('<!--', pos)) skipTo('-->');
    else if (xml.startsWith('<![CDATA[', pos)) {
      const start = pos + 9;
      skipTo(']]>');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element', start);
      else top.e.children.push(new Uint8Array(Buffer.from(xml.slice(start, pos - 3).trim(), 'base64')));
    } else if (xml.startsWith('<!', pos)) {
      const bracket = xml.indexOf('[', pos);
      const gt = xml.indexOf('>', pos);
      if (bracket !== -1 && gt !== -1 && bracket < gt) skipTo(']>');
      else skipTo('>');
    } else if (xml.startsWith('</', pos)) {
      const gt = xml.indexOf('>', pos);
      if (gt === -1) fail('unterminated end tag', pos);
      const name = xml.slice(pos + 2, gt).trim();
      const top = stack.pop();
      if (!top || top.name !== name) fail(`unexpected </${name}>`, pos);
      pos = gt + 1;
    } else {
      const m = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(xml.slice(pos, pos + 4096));
      if (!m) return fail('malformed start tag', pos);
      const [whole, name = '', attrs = '', selfClose] = m;
      const parent = stack[stack.length - 1];
      if (!parent && root) fail('a second root element', pos);
      const scope = new Map(parent?.scope);
      for (const a of attrs.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const [, attr = '', v1, v2] = a;
        const value = (v1 ?? v2 ?? '').replace(/:$/, '').toLowerCase();
        if (attr !== 'xmlns' && !attr.startsWith('xmlns:')) fail(`attribute ${attr} is not used by ActiveSync`, pos);
        const page = pageByLooseName.get(value);
        if (page === undefined) throw new WbxmlError('unknown-page', `unknown namespace '${value}'`, pos);
        scope.set(attr === 'xmlns' ? '' : attr.slice(6), page);
      }
      const colon = name.indexOf(':');
      const prefix = colon === -1 ? '' : name.slice(0, colon);
      const tag = name.slice(colon + 1);
      const page = scope.get(prefix);
      if (page === undefined) return fail(`no namespace for <${name}>`, pos);
      if (tokenOf(page, tag) === undefined) throw new WbxmlError('unknown-tag', `unknown tag ${namespaceOf(page)}:${tag}`, pos);
      const e: WbxmlElement = { page, tag, children: [] };
      if (parent) parent.e.children.push(e);
      else root = e;
      if (!selfClose) {
        if (stack.length >= maxDepth) throw new WbxmlError('too-deep', `elements nested deeper than ${maxDepth}`, pos);
        stack.push({ e, name, scope });
      }
      pos += whole.length;
    }
  }
  if (stack.length > 0 || !root) fail('unexpected end of document', pos);
  return root as WbxmlElement;
};
