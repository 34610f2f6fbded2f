// Generated secrets: 20 characters from a 32-symbol alphabet without look-alikes (100 bits),
// easy to type on a phone keyboard.
import { randomInt } from 'node:crypto';

const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';

export function generateSecret(length = 20): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}
