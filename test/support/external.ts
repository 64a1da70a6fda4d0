/**
 * The outside test material in `../shared/data/external/` beside the project root (each folder
 * has a SOURCES.md). CI clones the project with `shared/` beside it, as here.
 */
import path from 'node:path';

export const EXTERNAL_DATA = path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'external');

export const externalPath = (...parts: string[]): string => path.join(EXTERNAL_DATA, ...parts);
