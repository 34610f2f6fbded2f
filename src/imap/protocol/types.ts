// The parsed forms of the IMAP commands this server implements (RFC 9051 section 6, with RFC 3501
// for IMAP4rev1 clients and the extensions named at each type). parseCommand() in parser.ts produces them.

import type { Buffer } from 'node:buffer';

/** One range of a sequence set; '*' is the largest number in use (RFC 9051 section 9, seq-range). */
export interface SeqRange {
  from: number | '*';
  to: number | '*';
}

/**
 * A sequence set (RFC 9051 section 9 sequence-set), or "$": the result saved by SEARCH RETURN (SAVE)
 * (RFC 5182), which the session resolves. Numbers are 1..2^32-1 as sent (a range may be given backwards).
 */
export type SequenceSet = { saved: false; ranges: SeqRange[] } | { saved: true };

/** A STATUS data item (RFC 9051 section 6.3.11, RFC 7162 HIGHESTMODSEQ, RFC 3501 RECENT). */
export type StatusItem = 'MESSAGES' | 'UIDNEXT' | 'UIDVALIDITY' | 'UNSEEN' | 'DELETED' | 'SIZE' | 'HIGHESTMODSEQ' | 'RECENT';

/** BODY[<section>]: RFC 9051 section 6.4.5. `part` is [] for the whole message (or its top-level body). */
export interface Section {
  part: number[];
  /** What of the part; absent = the whole part (BODY[1], BODY[]). */
  text?: 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** The field names of HEADER.FIELDS (.NOT), as sent. */
  fields?: string[];
}

/** <offset.length> of a partial fetch. */
export interface Partial {
  offset: number;
  length: number;
}

export type SimpleFetchAtt =
  | 'FLAGS'
  | 'INTERNALDATE'
  | 'RFC822.SIZE'
  | 'ENVELOPE'
  | 'BODY'
  | 'BODYSTRUCTURE'
  | 'UID'
  | 'MODSEQ'
  | 'RFC822'
  | 'RFC822.HEADER'
  | 'RFC822.TEXT';

/** One fetch-att (RFC 9051 section 6.4.5, RFC 3516 BINARY, RFC 7162 MODSEQ). */
export type FetchAtt =
  | { kind: SimpleFetchAtt }
  | { kind: 'BODY[]'; peek: boolean; section: Section; partial?: Partial }
  | { kind: 'BINARY'; peek: boolean; part: number[]; partial?: Partial }
  | { kind: 'BINARY.SIZE'; part: number[] };

export type SearchDate = string; // YYYY-MM-DD

/**
 * A search key (RFC 9051 section 6.4.4, RFC 3501 for RECENT/NEW/OLD, RFC 7162 MODSEQ), normalized:
 * ANSWERED/UNSEEN/KEYWORD... become `flag`, FROM/TO/CC/BCC/SUBJECT/HEADER become `header`, NEW becomes
 * and(\Recent, not \Seen), OLD not(\Recent). A parenthesized list is `and`.
 */
export type SearchKey =
  | { type: 'all' }
  | { type: 'flag'; flag: string; set: boolean }
  | { type: 'header'; field: string; value: string }
  | { type: 'body'; value: string }
  | { type: 'text'; value: string }
  | { type: 'date'; field: 'internal' | 'sent'; cmp: 'before' | 'on' | 'since'; date: SearchDate }
  | { type: 'size'; cmp: 'larger' | 'smaller'; size: number }
  | { type: 'seq'; set: SequenceSet }
  | { type: 'uid'; set: SequenceSet }
  | { type: 'modseq'; modseq: number; entry?: { name: string; kind: 'priv' | 'shared' | 'all' } }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; left: SearchKey; right: SearchKey }
  | { type: 'and'; keys: SearchKey[] };

/** ESEARCH / SEARCH RETURN options (RFC 4731, RFC 5182 SAVE, RFC 9051 section 6.4.4). */
export type SearchReturnOpt = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

export interface QresyncParams {
  uidValidity: number;
  modseq: number;
  knownUids?: SequenceSet;
  /** known-sequence-set and known-uid-set (RFC 7162 section 3.2.5). */
  seqMatch?: { seqs: SequenceSet; uids: SequenceSet };
}

export interface AppendMessage {
  flags?: string[];
  /** The date-time as sent, and as a Date. */
  date?: Date;
  /** The message bytes. */
  message: Buffer;
  /** Sent as literal8 (~{n}, RFC 3516): may contain NUL. */
  binary: boolean;
}

export interface ListReturn {
  subscribed: boolean;
  children: boolean;
  specialUse: boolean;
  /** RETURN (STATUS (...)) (RFC 5819). */
  status?: StatusItem[];
}

interface Base {
  tag: string;
}

export type Command = Base &
  (
    | { name: 'CAPABILITY' | 'NOOP' | 'LOGOUT' | 'STARTTLS' | 'CHECK' | 'CLOSE' | 'UNSELECT' | 'IDLE' | 'NAMESPACE' }
    | { name: 'AUTHENTICATE'; mechanism: string; /** SASL-IR (RFC 4959): base64 text, '' for "=", absent if none. */ initialResponse?: string }
    | { name: 'LOGIN'; user: string; password: string }
    | { name: 'ENABLE'; capabilities: string[] }
    | { name: 'ID'; params: Array<[string, string | null]> | null }
    | { name: 'SELECT' | 'EXAMINE'; mailbox: string; condstore: boolean; qresync?: QresyncParams }
    | { name: 'CREATE' | 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'; mailbox: string }
    | { name: 'RENAME'; from: string; to: string }
    | {
        name: 'LIST';
        reference: string;
        patterns: string[];
        /** LIST-EXTENDED selection options, upper-cased (SUBSCRIBED, REMOTE, RECURSIVEMATCH, SPECIAL-USE). */
        selection: string[];
        /** True when the command used LIST-EXTENDED syntax (selection or return options, or a pattern list). */
        extended: boolean;
        return: ListReturn;
      }
    | { name: 'LSUB'; reference: string; pattern: string }
    | { name: 'STATUS'; mailbox: string; items: StatusItem[] }
    | { name: 'APPEND'; mailbox: string; messages: AppendMessage[] }
    | { name: 'EXPUNGE'; uid: boolean; /** UID EXPUNGE's set (RFC 4315). */ uids?: SequenceSet }
    | {
        name: 'SEARCH';
        uid: boolean;
        charset?: string;
        key: SearchKey;
        /** RETURN (...) options; absent = plain SEARCH; [] = RETURN () which means ALL (RFC 4731). */
        return?: SearchReturnOpt[];
      }
    | {
        name: 'FETCH';
        uid: boolean;
        set: SequenceSet;
        items: FetchAtt[];
        /** The macro used, if any (ALL, FAST, FULL); items holds its expansion. */
        macro?: 'ALL' | 'FAST' | 'FULL';
        changedSince?: number;
        vanished: boolean;
      }
    | {
        name: 'STORE';
        uid: boolean;
        set: SequenceSet;
        op: 'set' | 'add' | 'remove';
        silent: boolean;
        flags: string[];
        unchangedSince?: number;
      }
    | { name: 'COPY' | 'MOVE'; uid: boolean; set: SequenceSet; mailbox: string }
  );

export type CommandName = Command['name'];
