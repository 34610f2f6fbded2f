// Narrowing of the admin API's JSON answers: `unknown` in, the fields a command prints out.
// A shape the CLI does not expect is reported as a protocol error, never guessed at.

export type JsonObject = Record<string, unknown>;

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectField(o: JsonObject, key: string): JsonObject {
  const v = o[key];
  if (!isObject(v)) throw new ProtocolError(`unexpected answer from the server: "${key}" is not an object`);
  return v;
}

export function stringField(o: JsonObject, key: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new ProtocolError(`unexpected answer from the server: "${key}" is not a string`);
  return v;
}

export function arrayField(o: JsonObject, key: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new ProtocolError(`unexpected answer from the server: "${key}" is not a list`);
  return v;
}

export function objectsField(o: JsonObject, key: string): JsonObject[] {
  return arrayField(o, key).map((x) => {
    if (!isObject(x)) throw new ProtocolError(`unexpected answer from the server: "${key}" holds a non-object`);
    return x;
  });
}
