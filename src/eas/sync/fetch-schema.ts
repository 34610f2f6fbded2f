// ItemOperations Fetch Options/Schema (MS-ASCMD 2.2.3.158): the client names the properties it wants as
// empty elements in their own namespaces (<email:Subject/>, <airsyncbase:Body/>, <calendar:Attendees/>),
// and the answer's Properties hold only those. The schema applies to a Mailbox item only, not to an
// attachment (2.2.3.158: "not supported when ... retrieving an attachment"); no Schema, or an empty one,
// means every property.
//
// Filtering is done once here on the rendered ApplicationData, for every class, rather than by a
// parameter to each class's renderer: the classes render in schema order, so keeping a subset keeps
// that order, and a listed container (Body, Attachments, Attendees, Recurrence, Flag...) keeps its
// whole subtree because only the top-level elements are tested.
import { elements, qnameOf, type WbxmlElement } from '../wbxml/index.js';

/**
 * Names that stand for the same property in different protocol versions: ItemOperations is 12.0 and
 * later, so a 2.5-style name (email:Attachments) asks for what we render under the AirSyncBase name,
 * and 16.x renders airsyncbase:Location where older versions had calendar:Location.
 */
const SAME_PROPERTY: ReadonlyArray<readonly string[]> = [
  ['Email:Attachments', 'AirSyncBase:Attachments'],
  ['Email:Body', 'AirSyncBase:Body'],
  ['Calendar:Location', 'AirSyncBase:Location'],
];

/** Qualified names a Schema asks for; null when it asks for everything (no Schema, or an empty one). */
export function parseSchema(schema: WbxmlElement | undefined): ReadonlySet<string> | null {
  if (!schema) return null;
  const names = new Set(elements(schema).map(qnameOf));
  if (names.size === 0) return null;
  for (const group of SAME_PROPERTY) if (group.some((n) => names.has(n))) for (const n of group) names.add(n);
  return names;
}

/** The properties the schema asks for, in the order they were rendered. */
export function applySchema(props: readonly WbxmlElement[], schema: ReadonlySet<string> | null): WbxmlElement[] {
  return schema ? props.filter((p) => schema.has(qnameOf(p))) : [...props];
}
