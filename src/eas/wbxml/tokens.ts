// The global tokens of WBXML 1.3 section 7.1 that ActiveSync uses (MS-ASWBXML 2.1.2.1), shared by the
// decoders (whole buffer and chunked) and by the bench's answer scanner.
export const SWITCH_PAGE = 0x00;
export const END = 0x01;
export const ENTITY = 0x02;
export const STR_I = 0x03;
export const STR_T = 0x83;
export const OPAQUE = 0xc3;
