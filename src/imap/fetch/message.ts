// One message being answered in a FETCH: its raw bytes parsed into a MIME tree once, however many items
// (ENVELOPE, BODYSTRUCTURE, several sections) the command asks for.
import type { Buffer } from 'node:buffer';
import type { Partial, Section } from '../protocol/types.js';
import type { ImapValue } from '../protocol/writer.js';
import { bodyStructure } from './bodystructure.js';
import { envelopeFromFields, envelopeValue } from './envelope.js';
import type { Envelope } from './envelope.js';
import { parseMessage } from './mime.js';
import type { MimeEntity } from './mime.js';
import { applyPartial, binaryBytes, binarySize, sectionBytes } from './section.js';
import type { BinaryResult } from './section.js';

export class FetchMessage {
  private parsed: MimeEntity | null = null;

  constructor(readonly raw: Buffer) {}

  get tree(): MimeEntity {
    return (this.parsed ??= parseMessage(this.raw));
  }

  envelope(): Envelope {
    return envelopeFromFields(this.raw, this.tree.fields);
  }

  envelopeValue(): ImapValue {
    return envelopeValue(this.envelope());
  }

  /** BODYSTRUCTURE (extended) or BODY. */
  bodyStructure(extended: boolean): ImapValue {
    return bodyStructure(this.raw, extended, this.tree);
  }

  /** BODY[section]<partial>: null when the section does not exist (answer NIL). */
  section(section: Section, partial?: Partial): Buffer | null {
    const bytes = sectionBytes(this.raw, section, this.tree);
    return bytes && applyPartial(bytes, partial);
  }

  /** BINARY[part]<partial>. */
  binary(part: readonly number[], partial?: Partial): BinaryResult {
    const r = binaryBytes(this.raw, part, this.tree);
    if (r && 'bytes' in r) return { bytes: applyPartial(r.bytes, partial) };
    return r;
  }

  binarySize(part: readonly number[]): { size: number } | { unknownCte: string } | null {
    return binarySize(this.raw, part, this.tree);
  }
}
