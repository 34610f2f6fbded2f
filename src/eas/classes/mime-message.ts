// The parse of a stored message lives in src/mail/mime-message.ts since delivery keeps its result
// (src/mail/content.ts); this name stays for the Email class modules that import it.
export * from '../../mail/mime-message.js';
