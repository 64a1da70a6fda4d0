/**
 * Library errors become MashErrors where they arise: a route app's own error handler turns
 * Hono's HTTPException into the MashError of its stable code and passes anything else on as it
 * came, so the application's onError meets only errors that answer for themselves.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { MashError } from '../lib/errors.ts';
import type { AppEnv } from './env.ts';
import { fromHttpException, withLibraryErrorsConverted } from './library-errors.ts';

describe('fromHttpException', () => {
  it.each([
    [400, 'REQUEST.MALFORMED_JSON'],
    [413, 'REQUEST.TOO_LARGE'],
    [415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE'],
  ] as const)('turns HTTP %i into %s, keeping the library error as its cause only', (status, code) => {
    const thrown = new HTTPException(status, { message: 'Malformed JSON in request body' });
    const converted = fromHttpException(thrown);
    expect(converted).toBeInstanceOf(MashError);
    expect(converted?.code).toBe(code);
    expect(converted?.status).toBe(status);
    expect(converted?.cause).toBe(thrown);
    expect(converted?.message).not.toContain('Malformed JSON in request body');
  });

  it('leaves any other status alone: no library answers a request with it, so it stays a bug', () => {
    expect(fromHttpException(new HTTPException(500))).toBeUndefined();
    expect(fromHttpException(new HTTPException(401))).toBeUndefined();
  });
});

describe('a route app with library errors converted, mounted in an app', () => {
  function mounted(thrown: () => Error): { app: OpenAPIHono<AppEnv>; seen: unknown[] } {
    const routes = new OpenAPIHono<AppEnv>();
    routes.get('/x', () => {
      throw thrown();
    });
    const seen: unknown[] = [];
    const app = new OpenAPIHono<AppEnv>();
    app.route('/r', withLibraryErrorsConverted(routes));
    app.onError((error) => {
      seen.push(error);
      return new Response(null, { status: 599 });
    });
    return { app, seen };
  }

  it("hands the application's onError the MashError of a route's HTTPException", async () => {
    const { app, seen } = mounted(() => new HTTPException(415));
    await app.request('/r/x');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(MashError);
    expect(seen[0]).toMatchObject({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
  });

  it('passes every other error on unchanged', async () => {
    const bug = new TypeError('undefined is not a function');
    const ours = new MashError('ITEM.NOT_FOUND', 'no item');
    for (const thrown of [bug, ours, new HTTPException(500)]) {
      const { app, seen } = mounted(() => thrown);
      await app.request('/r/x');
      expect(seen).toEqual([thrown]);
    }
  });
});
