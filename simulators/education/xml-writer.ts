/**
 * A minimal XML writer for the education simulator: elements and escaped text, nothing else.
 *
 * Why this file exists: the simulator must serve documents that match contracts/education/*.xsd
 * element for element and in order, and a tree of plain objects rendered in one place keeps
 * escaping right everywhere. xml2js's builder would do, but it decides array and attribute
 * conventions we would then have to reverse; the contract has neither attributes nor mixed content.
 */

/** An element with either text or child elements. */
export interface XmlNode {
  readonly name: string;
  readonly text?: string;
  readonly children?: readonly XmlNode[];
}

/** An element with child elements; undefined children are left out. */
export function el(name: string, ...children: readonly (XmlNode | undefined)[]): XmlNode {
  return { name, children: children.filter((c) => c !== undefined) };
}

/** A container element, left out altogether when it would have no children. */
export function group(name: string, children: readonly (XmlNode | undefined)[]): XmlNode | undefined {
  const kept = children.filter((c) => c !== undefined);
  return kept.length === 0 ? undefined : { name, children: kept };
}

/** A text element, left out when the value is undefined or blank. */
export function tx(name: string, value: string | number | boolean | undefined): XmlNode | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  return text.trim() === '' ? undefined : { name, text };
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text content; characters XML 1.0 does not allow are dropped. */
export function escapeText(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing characters XML 1.0 forbids is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** The document: XML declaration and the root element, indented two spaces per level. */
export function renderDocument(root: XmlNode): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  write(root, 0, out);
  return out.join('');
}

function write(node: XmlNode, depth: number, out: string[]): void {
  const indent = '  '.repeat(depth);
  if (node.text !== undefined) {
    out.push(`${indent}<${node.name}>${escapeText(node.text)}</${node.name}>\n`);
    return;
  }
  const children = node.children ?? [];
  if (children.length === 0) {
    out.push(`${indent}<${node.name}/>\n`);
    return;
  }
  out.push(`${indent}<${node.name}>\n`);
  for (const child of children) write(child, depth + 1, out);
  out.push(`${indent}</${node.name}>\n`);
}
