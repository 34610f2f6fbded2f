// FETCH renderers over a message's raw bytes, pure: ENVELOPE, BODY/BODYSTRUCTURE, sections, BINARY.
export * from './mime.js';
export * from './envelope.js';
export * from './bodystructure.js';
export * from './section.js';
export * from './message.js';
