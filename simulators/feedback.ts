/**
 * A stand-in for the agencies' outcome-notification endpoints: records each notification once per
 * Idempotency-Key (at `/agencies/<agency>`), so tests can check every contributing agency heard
 * the outcome exactly once. Can fail the next N requests to exercise retries.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedNotice {
  readonly agency: string;
  readonly key: string;
  readonly body: unknown;
  deliveries: number;
}

export interface FeedbackSink {
  readonly url: string;
  received(): readonly ReceivedNotice[];
  failNext(count: number): void;
  close(): Promise<void>;
}

export async function startFeedbackSink(options: { host?: string; port?: number } = {}): Promise<FeedbackSink> {
  const notices = new Map<string, ReceivedNotice>();
  let failures = 0;
  const server = createServer((req, res) => {
    const match = /^\/agencies\/([a-z-]+)$/.exec(req.url ?? '');
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || match === null) {
        res.writeHead(404).end();
        return;
      }
      if (failures > 0) {
        failures -= 1;
        res.writeHead(503).end();
        return;
      }
      const key = req.headers['idempotency-key'];
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (typeof key !== 'string' || key === '') {
        res.writeHead(400).end();
        return;
      }
      const existing = notices.get(key);
      if (existing !== undefined) {
        existing.deliveries += 1;
        res.writeHead(200).end();
        return;
      }
      notices.set(key, { agency: match[1] ?? '', key, body, deliveries: 1 });
      res.writeHead(201).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host === '0.0.0.0' || options.host === undefined ? '127.0.0.1' : options.host}:${port}`,
    received: () => [...notices.values()],
    failNext: (count) => {
      failures = count;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
