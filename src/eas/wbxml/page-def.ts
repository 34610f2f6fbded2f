// Shape of one MS-ASWBXML code page table (MS-ASWBXML 2.1.2.1): shared by the two data files.
export interface PageDef {
  readonly page: number;
  /** Namespace name as MS-ASWBXML names the code page, e.g. 'AirSync'. */
  readonly name: string;
  /** Tag name to token (0x05..0x3F) for the tags of the current specification. */
  readonly tags: Readonly<Record<string, number>>;
  /** Tokens that earlier protocol versions defined and the current specification dropped. */
  readonly legacy: Readonly<Record<string, number>>;
  /** Elements whose content is a byte array (MS-ASDTYPE 2.7.1) and so travels as OPAQUE. */
  readonly binary: readonly string[];
}
