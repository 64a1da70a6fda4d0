/**
 * Types for the parts of talisman we use: the package ships JavaScript only, so its CommonJS
 * exports are declared here from its source (talisman 1.1.4, `metrics/`).
 */
declare module 'talisman/metrics/jaro-winkler.js' {
  /** Jaro–Winkler similarity in [0, 1] (prefix scale 0.1, boost threshold 0.7). */
  export function similarity(a: string, b: string): number;
}

declare module 'talisman/metrics/damerau-levenshtein.js' {
  /** Optimal-string-alignment distance, or Infinity when it exceeds `max`. */
  export function limited(max: number, a: string, b: string): number;
}
