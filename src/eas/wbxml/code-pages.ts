// MS-ASWBXML 2.1.2.1: lookups over the 26 code pages, built once at load time. Flat arrays indexed
// by page * 64 + token keep the decoder's per-tag cost to one array read.
import { PAGES_0_12 } from './code-pages-0-12.js';
import { PAGES_13_25 } from './code-pages-13-25.js';
import { WbxmlError } from './errors.js';
import type { PageDef } from './page-def.js';

const PAGES = [...PAGES_0_12, ...PAGES_13_25] as const;
type PageList = typeof PAGES;

/** Namespace (code page) names as MS-ASWBXML spells them: 'AirSync', 'Email2', 'Find', ... */
export type Namespace = PageList[number]['name'];
type PageOf<N extends Namespace> = Extract<PageList[number], { name: N }>;
/** Tag names defined on the code page of namespace N. */
export type TagOf<N extends Namespace> = (keyof PageOf<N>['tags'] | keyof PageOf<N>['legacy']) & string;
/** A namespace-qualified tag name such as 'AirSync:SyncKey'. */
export type QName = { [N in Namespace]: `${N}:${TagOf<N>}` }[Namespace];

export interface TagInfo {
  readonly page: number;
  readonly namespace: Namespace;
  readonly name: string;
  readonly token: number;
  /** Dropped from the current specification; still decoded and encoded. */
  readonly legacy: boolean;
  /** Content is a byte array and is sent as OPAQUE. */
  readonly binary: boolean;
}

export interface CodePageInfo {
  readonly page: number;
  readonly namespace: Namespace;
  readonly tags: readonly TagInfo[];
}

export const MAX_PAGE = 25;
const SLOTS = 64;

const names: (string | undefined)[] = new Array<string | undefined>((MAX_PAGE + 1) * SLOTS).fill(undefined);
const binaryFlags = new Uint8Array((MAX_PAGE + 1) * SLOTS);
const tokensByPage: Map<string, number>[] = [];
const pageByNamespace = new Map<string, number>();
const namespaces: Namespace[] = [];
const pageInfos: CodePageInfo[] = [];

const addPage = (def: PageDef & { name: Namespace }): void => {
  // Fail at load rather than mis-encode: tables are hand-written and a typo must not ship.
  if (def.page !== pageInfos.length) throw new Error(`code page ${def.page} out of order`);
  const tokens = new Map<string, number>();
  const tags: TagInfo[] = [];
  const add = (name: string, token: number, legacy: boolean): void => {
    const slot = def.page * SLOTS + token;
    if (token < 0x05 || token > 0x3f) throw new Error(`${def.name}:${name} token ${token} out of range`);
    if (names[slot] !== undefined || tokens.has(name)) throw new Error(`${def.name}:${name} defined twice`);
    const binary = def.binary.includes(name);
    names[slot] = name;
    binaryFlags[slot] = binary ? 1 : 0;
    tokens.set(name, token);
    tags.push({ page: def.page, namespace: def.name, name, token, legacy, binary });
  };
  for (const [name, token] of Object.entries(def.tags)) add(name, token, false);
  for (const [name, token] of Object.entries(def.legacy)) add(name, token, true);
  for (const b of def.binary) if (!tokens.has(b)) throw new Error(`${def.name}:${b} marked binary but undefined`);
  tags.sort((a, b) => a.token - b.token);
  tokensByPage.push(tokens);
  pageByNamespace.set(def.name, def.page);
  namespaces.push(def.name);
  pageInfos.push({ page: def.page, namespace: def.name, tags });
};
for (const def of PAGES) addPage(def);

/** Every code page with its tags sorted by token (for tests, tools and the debug printer). */
export const CODE_PAGES: readonly CodePageInfo[] = pageInfos;

/** Tag name of a token on a page, or undefined when the page does not define it. */
export const tagName = (page: number, token: number): string | undefined =>
  page >= 0 && page <= MAX_PAGE && token >= 0 && token < SLOTS ? names[page * SLOTS + token] : undefined;

/** Token of a tag on a page, or undefined. */
export const tokenOf = (page: number, tag: string): number | undefined => tokensByPage[page]?.get(tag);

/** Whether the element's content is a byte array (MS-ASDTYPE 2.7.1). */
export const isBinaryTag = (page: number, token: number): boolean =>
  page >= 0 && page <= MAX_PAGE && token >= 0 && token < SLOTS && binaryFlags[page * SLOTS + token] === 1;

export const pageOf = (namespace: string): number | undefined => pageByNamespace.get(namespace);

export const namespaceOf = (page: number): Namespace | undefined => namespaces[page];

const qnameCache = new Map<string, { page: number; tag: string; token: number }>();

/** Resolves 'Namespace:Tag'; throws WbxmlError 'unknown-page' or 'unknown-tag' when a part is unknown. */
export const resolveQName = (qname: string): { page: number; tag: string; token: number } => {
  const hit = qnameCache.get(qname);
  if (hit) return hit;
  const colon = qname.indexOf(':');
  const page = colon > 0 ? pageOf(qname.slice(0, colon)) : undefined;
  if (page === undefined) throw new WbxmlError('unknown-page', `unknown namespace in '${qname}'`);
  const tag = qname.slice(colon + 1);
  const token = tokenOf(page, tag);
  if (token === undefined) throw new WbxmlError('unknown-tag', `unknown tag '${qname}'`);
  const r = { page, tag, token };
  qnameCache.set(qname, r);
  return r;
};
