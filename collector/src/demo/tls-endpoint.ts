import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The demo's HTTPS endpoint: a local CA and a leaf certificate for localhost made with
 * the openssl CLI (EC P-256), the leaf valid for only a few days so the TLS probe opens
 * a ticket; renew() swaps in a 90-day leaf without a restart, and the ticket resolves.
 */
export interface DemoTlsEndpoint {
  port: number;
  caFile: string;
  notAfter(): Date;
  renew(days: number): Promise<void>;
  close(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 30_000 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed; install it (Debian: apt-get install openssl) or run lookout up --no-demo');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

async function makeLeaf(dir: string, days: number): Promise<{ cert: Buffer; key: Buffer }> {
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key'], dir);
  await openssl(['req', '-new', '-key', 'leaf.key', '-subj', '/CN=localhost', '-out', 'leaf.csr'], dir);
  // extensions from a file: `openssl x509 -req` takes no -addext on OpenSSL 3.0
  const ext = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n';
  await writeFile(join(dir, 'leaf.ext'), ext);
  await openssl(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', String(days), '-extfile', 'leaf.ext', '-out', 'leaf.pem'], dir);
  return { cert: readFileSync(join(dir, 'leaf.pem')), key: readFileSync(join(dir, 'leaf.key')) };
}

function notAfterOf(pem: Buffer): Date {
  return new Date(new X509Certificate(pem).validTo);
}

export async function startDemoTlsEndpoint(dir: string, days: number): Promise<DemoTlsEndpoint> {
  mkdirSync(dir, { recursive: true });
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key'], dir);
  await openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=Lookout demo CA', '-days', '365', '-out', 'ca.pem'], dir);
  let leaf = await makeLeaf(dir, days);
  const server: Server = createServer({ cert: leaf.cert, key: leaf.key }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end('Lookout demo shop (HTTPS)\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    caFile: join(dir, 'ca.pem'),
    notAfter: () => notAfterOf(leaf.cert),
    async renew(renewDays) {
      leaf = await makeLeaf(dir, renewDays);
      server.setSecureContext({ cert: leaf.cert, key: leaf.key });
      server.closeIdleConnections?.();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
