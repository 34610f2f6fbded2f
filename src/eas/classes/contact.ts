// Placeholder until the class is written: null means the class is not synced yet.
import type { ItemClass } from './registry.js';

export const contactClass: ItemClass | null = null;
