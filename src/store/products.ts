/**
 * Product versions (immutable, sealed with the referral's hub key) and the change feed cursor.
 * The product is sanitised but still about a family, so it is sealed at rest like the rest.
 */
import { Product, type ProductVersion } from '../model/product.ts';
import type { Sql } from './db.ts';
import type { Vault } from './vault.ts';

const productAad = (productId: string, version: number): string => `product:${productId}:${version}`;


export async function latestProductVersion(sql: Sql, vault: Vault, productId: string, referralId: string): Promise<ProductVersion | undefined> {
  const rows = await sql.query<{ cursor: number | string; version: number; sealed_document: Uint8Array }>(
    'SELECT cursor, version, sealed_document FROM products WHERE product_id = $1 ORDER BY version DESC LIMIT 1',
    [productId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const document: unknown = JSON.parse(await vault.keyRing(sql, referralId).open('hub', row.sealed_document, productAad(productId, row.version)));
  return { cursor: Number(row.cursor), product: Product.parse(document) };
}

export async function insertProductVersion(sql: Sql, vault: Vault, product: Product): Promise<number> {
  const sealed = await vault.keyRing(sql, product.referralId).seal('hub', JSON.stringify(product), productAad(product.productId, product.version));
  const rows = await sql.query<{ cursor: number | string }>(
    `INSERT INTO products (product_id, referral_id, version, content_hash, sealed_document, published_at, published_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING cursor`,
    [product.productId, product.referralId, product.version, product.contentHash, sealed, product.publishedAt, product.publishedBy],
  );
  return Number(rows[0]?.cursor ?? 0);
}

export async function getProductVersion(sql: Sql, vault: Vault, productId: string, version?: number): Promise<ProductVersion | undefined> {
  const rows = await sql.query<{ cursor: number | string; referral_id: string; version: number; sealed_document: Uint8Array }>(
    version === undefined
      ? 'SELECT cursor, referral_id, version, sealed_document FROM products WHERE product_id = $1 ORDER BY version DESC LIMIT 1'
      : 'SELECT cursor, referral_id, version, sealed_document FROM products WHERE product_id = $1 AND version = $2',
    version === undefined ? [productId] : [productId, version],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const document: unknown = JSON.parse(await vault.keyRing(sql, row.referral_id).open('hub', row.sealed_document, productAad(productId, row.version)));
  return { cursor: Number(row.cursor), product: Product.parse(document) };
}

/** Which product version a row is, and of which referral: what the policy decides a read on, before anything is opened. */
export interface ProductVersionRef {
  readonly cursor: number;
  readonly productId: string;
  readonly referralId: string;
  readonly version: number;
}

interface ProductRefRow {
  cursor: number | string;
  product_id: string;
  referral_id: string;
  version: number;
}

const toRef = (row: ProductRefRow): ProductVersionRef => ({ cursor: Number(row.cursor), productId: row.product_id, referralId: row.referral_id, version: row.version });

/** The version of a product (the latest, or `version`), unopened. */
export async function findProductVersion(sql: Sql, productId: string, version?: number): Promise<ProductVersionRef | undefined> {
  const rows = await sql.query<ProductRefRow>(
    version === undefined
      ? 'SELECT cursor, product_id, referral_id, version FROM products WHERE product_id = $1 ORDER BY version DESC LIMIT 1'
      : 'SELECT cursor, product_id, referral_id, version FROM products WHERE product_id = $1 AND version = $2',
    version === undefined ? [productId] : [productId, version],
  );
  const row = rows[0];
  return row === undefined ? undefined : toRef(row);
}

/** Product versions published after `cursor`, oldest first, unopened. */
export async function productFeedRefs(sql: Sql, after: number, limit: number): Promise<ProductVersionRef[]> {
  const rows = await sql.query<ProductRefRow>('SELECT cursor, product_id, referral_id, version FROM products WHERE cursor > $1 ORDER BY cursor LIMIT $2', [after, limit]);
  return rows.map(toRef);
}

/** Open one product version found by `findProductVersion` or `productFeedRefs`. */
export async function openProductVersion(sql: Sql, vault: Vault, ref: ProductVersionRef): Promise<ProductVersion | undefined> {
  const rows = await sql.query<{ sealed_document: Uint8Array }>('SELECT sealed_document FROM products WHERE product_id = $1 AND version = $2', [ref.productId, ref.version]);
  const row = rows[0];
  if (row === undefined) return undefined;
  const document: unknown = JSON.parse(await vault.keyRing(sql, ref.referralId).open('hub', row.sealed_document, productAad(ref.productId, ref.version)));
  return { cursor: ref.cursor, product: Product.parse(document) };
}
