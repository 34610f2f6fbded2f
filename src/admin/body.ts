// Small parsers for JSON request bodies: `unknown` in, typed values out, 400 on anything else.
import { badRequest } from './http-errors.js';

export type Body = Record<string, unknown>;

export function asBody(v: unknown): Body {
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw badRequest('the request body must be a JSON object');
  return v as Body;
}

export function reqString(b: Body, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v === '') throw badRequest(`"${key}" is required and must be a string`);
  return v;
}

export function optString(b: Body, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`"${key}" must be a string`);
  return v;
}

export function optBool(b: Body, key: string): boolean | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  throw badRequest(`"${key}" must be true or false`);
}

export function optStringList(b: Body, key: string): string[] | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) return v;
  throw badRequest(`"${key}" must be a list of strings`);
}
