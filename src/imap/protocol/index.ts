// The IMAP protocol layer, pure (no sockets, no store): framing, parsing, response writing, mailbox names.
export * from './types.js';
export * from './reader.js';
export * from './parser.js';
export * from './writer.js';
export * from './mailbox-name.js';
export * from './sasl.js';
