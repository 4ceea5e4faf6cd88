/**
 * Baseline for bench/realtime.ts: a bare `ws` server that broadcasts a payload of the requested
 * size to every connected client when POST /broadcast?bytes=N arrives. Prints its port on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const server = createServer((req, res) => {
  const bytes = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('bytes') ?? '300');
  const payload = JSON.stringify({ type: 'next', payload: 'x'.repeat(Math.max(0, bytes - 30)) });
  for (const client of wss.clients) client.send(payload);
  res.end('ok');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
