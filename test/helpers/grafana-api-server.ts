/**
 * A stand-in for Grafana's HTTP API (Grafana itself cannot run on this machine), on
 * 127.0.0.1: it keeps folders, data sources and dashboards like Grafana does and checks
 * every request against the documented API — paths, the Bearer token, JSON bodies,
 * folder and overwrite semantics — recording each deviation in `violations`. Faults
 * (500, 401, 403, 400, a request held past the client's timeout) are injected per route.
 *
 * Documented shapes used (Grafana HTTP API, legacy /api routes, Grafana 9–11):
 *   GET  /api/folders/:uid → 200 folder | 404          POST /api/folders {uid?, title} → 200 | 409 exists
 *   GET  /api/datasources/uid/:uid → 200 | 404         POST /api/datasources {name, type, url, access, …} → 200 | 409 name taken
 *   PUT  /api/datasources/uid/:uid {…} → 200 | 404
 *   POST /api/dashboards/db {dashboard, folderUid?, overwrite?, message?} → 200 {id, uid, url, status, version}
 *        | 412 version-mismatch / name-exists without overwrite | 400 folder not found
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type FaultKind = 500 | 401 | 403 | 400 | 'hold';

export interface Fault {
  method: string;
  /** path prefix the fault applies to */
  path: string;
  kind: FaultKind;
  /** how many matching requests get it (default 1) */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
  answered: number;
}

export interface StoredDashboard {
  uid: string;
  title: string;
  folderUid: string;
  version: number;
  model: Record<string, unknown>;
}

export interface GrafanaApiServer {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  folders: Map<string, { uid: string; title: string }>;
  dataSources: Map<string, Record<string, unknown>>;
  dashboards: Map<string, StoredDashboard>;
  inject(fault: Fault): void;
  close(): Promise<void>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const UID = /^[a-zA-Z0-9_-]{1,40}$/;

export async function startGrafanaApiServer(token: string): Promise<GrafanaApiServer> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const faults: Array<Fault & { left: number }> = [];
  const folders = new Map<string, { uid: string; title: string }>();
  const dataSources = new Map<string, Record<string, unknown>>();
  const dashboards = new Map<string, StoredDashboard>();
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let nextId = 1;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const method = req.method ?? '';
    const path = (req.url ?? '').split('?')[0]!;
    let body: unknown;
    const record: RecordedRequest = { method, path, authorization: req.headers.authorization, body: undefined, answered: 0 };
    requests.push(record);
    const send = (status: number, payload: unknown) => {
      record.answered = status;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
    };
    const violation = (text: string) => {
      violations.push(`${method} ${path}: ${text}`);
      send(400, { message: text });
    };

    if (raw !== '') {
      if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return violation(`body sent as ${req.headers['content-type']}, not application/json`);
      try {
        body = JSON.parse(raw);
      } catch {
        return violation('body is not JSON');
      }
    }
    record.body = body;

    const fault = faults.find((f) => f.left > 0 && f.method === method && path.startsWith(f.path));
    if (fault) {
      fault.left--;
      if (fault.kind === 'hold') {
        held.add(res);
        record.answered = -1;
        return;
      }
      if (fault.kind === 500) return send(500, { message: 'internal server error' });
      if (fault.kind === 400) return send(400, { message: 'bad request: dashboard model invalid' });
      return send(fault.kind, { message: fault.kind === 401 ? 'Unauthorized' : 'Access denied' });
    }

    // Service-account tokens go in a Bearer Authorization header.
    if (req.headers.authorization !== `Bearer ${token}`) {
      if (!req.headers.authorization?.startsWith('Bearer ')) violations.push(`${method} ${path}: Authorization is not a Bearer token: ${req.headers.authorization}`);
      return send(401, { message: 'Unauthorized' });
    }

    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/api\/folders\/([^/]+)$/.exec(path))) {
      const folder = folders.get(decodeURIComponent(m[1]!));
      return folder ? send(200, { id: 1, ...folder, url: `/dashboards/f/${folder.uid}` }) : send(404, { message: 'folder not found' });
    }
    if (method === 'POST' && path === '/api/folders') {
      if (!isRecord(body) || typeof body.title !== 'string' || body.title === '') return violation('folder body needs a title');
      if (body.uid !== undefined && (typeof body.uid !== 'string' || !UID.test(body.uid))) return violation(`folder uid ${String(body.uid)} is not 1–40 [a-zA-Z0-9_-]`);
      const uid = typeof body.uid === 'string' ? body.uid : `f${nextId++}`;
      if (folders.has(uid)) return send(409, { message: 'a folder with the same uid already exists' });
      folders.set(uid, { uid, title: body.title });
      return send(200, { id: nextId++, uid, title: body.title });
    }
    if ((m = /^\/api\/datasources\/uid\/([^/]+)$/.exec(path)) && (method === 'GET' || method === 'PUT')) {
      const uid = decodeURIComponent(m[1]!);
      const existing = dataSources.get(uid);
      if (method === 'GET') return existing ? send(200, existing) : send(404, { message: 'Data source not found' });
      if (!existing) return send(404, { message: 'Data source not found' });
      const problem = dataSourceProblem(body);
      if (problem) return violation(problem);
      const updated: Record<string, unknown> = { ...(body as Record<string, unknown>), id: existing.id, uid };
      dataSources.set(uid, updated);
      return send(200, { datasource: updated, id: existing.id, message: 'Datasource updated', name: updated.name });
    }
    if (method === 'POST' && path === '/api/datasources') {
      const problem = dataSourceProblem(body);
      if (problem) return violation(problem);
      const ds = body as Record<string, unknown>;
      if ([...dataSources.values()].some((d) => d.name === ds.name)) return send(409, { message: 'data source with the same name already exists' });
      if (dataSources.has(ds.uid as string)) return send(409, { message: 'data source with the same uid already exists' });
      const stored = { ...ds, id: nextId++ };
      dataSources.set(ds.uid as string, stored);
      return send(200, { datasource: stored, id: stored.id, message: 'Datasource added', name: ds.name });
    }
    if (method === 'POST' && path === '/api/dashboards/db') {
      if (!isRecord(body) || !isRecord(body.dashboard)) return violation('body needs a dashboard object');
      const model = body.dashboard;
      if (typeof model.title !== 'string' || model.title === '') return violation('dashboard needs a title');
      if (typeof model.uid !== 'string' || !UID.test(model.uid)) return violation(`dashboard uid ${String(model.uid)} is not 1–40 [a-zA-Z0-9_-]`);
      if (model.id !== null && model.id !== undefined) return violation(`dashboard.id must be null to match by uid, got ${String(model.id)}`);
      if (body.folderId !== undefined) violations.push(`${method} ${path}: folderId sent; folderUid is the documented way`);
      if (typeof body.folderUid !== 'string') return violation('folderUid missing: Grafana would move the dashboard to the General folder');
      if (!folders.has(body.folderUid)) return send(400, { message: 'folder not found', status: 'folder-not-found' });
      const existing = dashboards.get(model.uid);
      if (existing && body.overwrite !== true) return send(412, { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' });
      const sameTitle = [...dashboards.values()].find((d) => d.folderUid === body.folderUid && d.title === model.title && d.uid !== model.uid);
      if (sameTitle && body.overwrite !== true) return send(412, { message: 'A dashboard with the same name in the folder already exists', status: 'name-exists' });
      if (sameTitle) dashboards.delete(sameTitle.uid);
      const version = (existing?.version ?? 0) + 1;
      dashboards.set(model.uid, { uid: model.uid, title: model.title, folderUid: body.folderUid, version, model });
      return send(200, { id: nextId++, uid: model.uid, url: `/d/${model.uid}`, status: 'success', version });
    }
    violations.push(`${method} ${path}: not a route the provisioner should use`);
    return send(404, { message: 'Not found' });
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    folders,
    dataSources,
    dashboards,
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    async close() {
      for (const res of held) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function dataSourceProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'data source body must be an object';
  for (const field of ['name', 'type', 'url', 'access', 'uid'] as const) {
    if (typeof body[field] !== 'string' || body[field] === '') return `data source needs a ${field}`;
  }
  if (body.access !== 'proxy' && body.access !== 'direct') return `access must be proxy or direct, got ${String(body.access)}`;
  if (!UID.test(body.uid as string)) return `data source uid ${String(body.uid)} is not 1–40 [a-zA-Z0-9_-]`;
  if (body.jsonData !== undefined && !isRecord(body.jsonData)) return 'jsonData must be an object';
  return undefined;
}
