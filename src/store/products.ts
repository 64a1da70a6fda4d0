/**
 * Product versions (immutable, sealed with the referral's hub key) and the change feed cursor.
 * The product is sanitised but still about a family, so it is sealed at rest like the rest.
 */
import { Product } from '../model/product.ts';
import type { Sql } from './db.ts';
import type { Vault } from './vault.ts';

const productAad = (productId: string, version: number): string => `product:${productId}:${version}`;

export interface ProductVersion {
  readonly cursor: number;
  readonly product: Product;
}

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

/** Product versions published after `cursor`, oldest first. */
export async function productFeed(sql: Sql, vault: Vault, after: number, limit: number): Promise<ProductVersion[]> {
  const rows = await sql.query<{ cursor: number | string; product_id: string; referral_id: string; version: number; sealed_document: Uint8Array }>(
    'SELECT cursor, product_id, referral_id, version, sealed_document FROM products WHERE cursor > $1 ORDER BY cursor LIMIT $2',
    [after, limit],
  );
  const versions: ProductVersion[] = [];
  for (const row of rows) {
    const document: unknown = JSON.parse(await vault.keyRing(sql, row.referral_id).open('hub', row.sealed_document, productAad(row.product_id, row.version)));
    versions.push({ cursor: Number(row.cursor), product: Product.parse(document) });
  }
  return versions;
}
