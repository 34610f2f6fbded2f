// Public surface of the ActiveSync WBXML codec (WBXML 1.3, MS-ASWBXML). Pure: no I/O, no imports
// from the rest of src/.
export { WbxmlError, isWbxmlError } from './errors.js';
export type { WbxmlErrorCode } from './errors.js';
export { CODE_PAGES, MAX_PAGE, isBinaryTag, namespaceOf, pageOf, resolveQName, tagName, tokenOf } from './code-pages.js';
export type { CodePageInfo, Namespace, QName, TagInfo, TagOf } from './code-pages.js';
export { byteParts, bytes, bytesOf, child, children, el, elements, intOf, is, isElement, ns, path, qnameOf, text, textOf } from './tree.js';
export type { Content, WbxmlElement, WbxmlNode } from './tree.js';
export { DEFAULT_MAX_DEPTH, DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_INPUT_BYTES, decode } from './decoder.js';
export type { DecodeOptions } from './decoder.js';
export { decodeParts, LARGE_PAYLOAD } from './parts.js';
export { encode } from './encoder.js';
export type { EncodeOptions } from './encoder.js';
export { parseXml, toXml } from './xml.js';
export type { XmlOptions } from './xml.js';
