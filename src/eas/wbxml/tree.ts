// The document tree the codec produces and consumes (WBXML 1.3 section 5.8 body, without attributes,
// which MS-ASWBXML never uses), plus builders and readers for the EAS command handlers.
import { Buffer } from 'node:buffer';
import { namespaceOf, resolveQName } from './code-pages.js';
import type { Namespace, QName, TagOf } from './code-pages.js';

/** An element: its code page, its tag name on that page, and its content in order. */
export interface WbxmlElement {
  readonly page: number;
  readonly tag: string;
  children: WbxmlNode[];
}

/** Content of an element: a child element, text (STR_I) or bytes (OPAQUE). */
export type WbxmlNode = WbxmlElement | string | Uint8Array;

/**
 * What the builders accept as content. Numbers become decimal text; arrays are flattened; null,
 * undefined and false are skipped, so optional children can be written as `cond && el(...)`.
 */
export type Content = WbxmlNode | number | null | undefined | false | readonly Content[];

const pushContent = (out: WbxmlNode[], c: Content): void => {
  if (c === null || c === undefined || c === false) return;
  if (typeof c === 'number') out.push(String(c));
  else if (typeof c === 'string' || c instanceof Uint8Array) out.push(c);
  else if (Array.isArray(c)) for (const x of c as readonly Content[]) pushContent(out, x);
  else out.push(c as WbxmlElement);
};

/** Builds an element from a qualified name: `el('AirSync:SyncKey', '0')`. */
export const el = (qname: QName, ...content: Content[]): WbxmlElement => {
  const { page, tag } = resolveQName(qname);
  const children: WbxmlNode[] = [];
  for (const c of content) pushContent(children, c);
  return { page, tag, children };
};

/** A builder bound to one namespace: `const as = ns('AirSync'); as('Sync', as('Collections'))`. */
export const ns =
  <N extends Namespace>(namespace: N) =>
  (tag: TagOf<N>, ...content: Content[]): WbxmlElement =>
    el(`${namespace}:${tag}` as QName, ...content);

export const isElement = (n: WbxmlNode | undefined): n is WbxmlElement =>
  n !== undefined && typeof n !== 'string' && !(n instanceof Uint8Array);

/** Whether a node is the element named by qname. */
export const is = (n: WbxmlNode | undefined, qname: QName): n is WbxmlElement => {
  if (!isElement(n)) return false;
  const q = resolveQName(qname);
  return n.page === q.page && n.tag === q.tag;
};

/** 'Namespace:Tag' of an element, for logs and messages. */
export const qnameOf = (e: WbxmlElement): string => `${namespaceOf(e.page) ?? `page${e.page}`}:${e.tag}`;

/** The element children of an element, skipping text and bytes. */
export const elements = (parent: WbxmlElement): WbxmlElement[] => parent.children.filter(isElement);

/** First child element named qname, or undefined. */
export const child = (parent: WbxmlElement | undefined, qname: QName): WbxmlElement | undefined => {
  if (!parent) return undefined;
  const q = resolveQName(qname);
  for (const c of parent.children) if (isElement(c) && c.page === q.page && c.tag === q.tag) return c;
  return undefined;
};

/** All child elements named qname, in document order. */
export const children = (parent: WbxmlElement | undefined, qname: QName): WbxmlElement[] => {
  if (!parent) return [];
  const q = resolveQName(qname);
  return parent.children.filter((c): c is WbxmlElement => isElement(c) && c.page === q.page && c.tag === q.tag);
};

/** Follows first matches down the tree: `path(sync, 'AirSync:Collections', 'AirSync:Collection')`. */
export const path = (root: WbxmlElement | undefined, ...qnames: QName[]): WbxmlElement | undefined => {
  let cur = root;
  for (const q of qnames) cur = child(cur, q);
  return cur;
};

const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** Direct text content of an element ('' when empty); opaque bytes are read as UTF-8. */
export const text = (e: WbxmlElement): string => {
  let s = '';
  for (const c of e.children) {
    if (typeof c === 'string') s += c;
    else if (c instanceof Uint8Array) s += utf8(c);
  }
  return s;
};

/** Direct content of an element as bytes; text is encoded as UTF-8. */
export const bytes = (e: WbxmlElement): Uint8Array => {
  const parts: Uint8Array[] = [];
  for (const c of e.children) {
    if (typeof c === 'string') parts.push(Buffer.from(c, 'utf8'));
    else if (c instanceof Uint8Array) parts.push(c);
  }
  if (parts.length === 1 && parts[0]) return parts[0];
  return new Uint8Array(Buffer.concat(parts));
};

/**
 * Direct content of an element as a list of byte views, never joined: a large payload decoded from a body
 * in chunks (parts.ts) is one node per chunk it spans. Text is encoded as UTF-8.
 */
export const byteParts = (e: WbxmlElement): Uint8Array[] =>
  e.children.flatMap((c) => (typeof c === 'string' ? [Buffer.from(c, 'utf8')] : c instanceof Uint8Array ? [c] : []));

/** Text of the first child named qname, or undefined when there is no such child. */
export const textOf = (parent: WbxmlElement | undefined, qname: QName): string | undefined => {
  const c = child(parent, qname);
  return c ? text(c) : undefined;
};

/** Bytes of the first child named qname, or undefined when there is no such child. */
export const bytesOf = (parent: WbxmlElement | undefined, qname: QName): Uint8Array | undefined => {
  const c = child(parent, qname);
  return c ? bytes(c) : undefined;
};

/** Integer value of the first child named qname; undefined when absent or not a decimal integer. */
export const intOf = (parent: WbxmlElement | undefined, qname: QName): number | undefined => {
  const s = textOf(parent, qname)?.trim();
  if (s === undefined || !/^[+-]?\d{1,15}$/.test(s)) return undefined;
  return Number(s);
};
