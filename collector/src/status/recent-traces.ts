import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Counter, Gauge, type Registry } from 'prom-client';
import { StatusCode, type TracesData } from '@lookout/otlp';
import type { RouteTemplater } from '../processors/span-observation.ts';
import {
  evictionOrder,
  groupRawSpans,
  rawVerdict,
  spanRecord,
  type RawSpan,
  type SlowSlot,
  slowDecision,
  summarise,
  type RejectedSpan,
  type SlowPolicy,
  type StoredSpan,
  type TraceSummary,
} from './recent-trace-selection.ts';
import { preparePrivateFile } from '../store/private-files.ts';

export interface RecentTracesOptions {
  /** SQLite file (created with its directory); ':memory:' for tests */
  file: string;
  templateRoute: RouteTemplater;
  now: () => number;
  /** traces kept at most (errors and slow ones together) */
  maxTraces?: number;
  /** encoded span bytes kept at most */
  maxBytes?: number;
  /** spans kept per trace; later ones of a huge trace are counted, not stored */
  maxSpansPerTrace?: number;
  slow?: Partial<SlowPolicy>;
  /** spans of not-yet-qualified traces held in memory for their root, bytes */
  pendingMaxBytes?: number;
  /** and for how long */
  pendingMaxAgeMs?: number;
  registry?: Registry;
  /** told once per batch with rejected spans */
  onRejected?: (rejected: RejectedSpan[]) => void;
  /**
   * Spans per second the search for slow traces looks at (default 1,000). Errors and
   * traces already kept or pending are always looked at; past the budget, other spans
   * are skipped, so the store costs ingest a bounded amount at any rate.
   */
  slowScanSpansPerSecond?: number;
}

export type TraceReason = 'error' | 'slow';

export interface StoredTraceSummary extends TraceSummary {
  reasons: TraceReason[];
  storedAtMs: number;
  bytes: number;
}

export interface TraceListFilter {
  service?: string;
  route?: string;
  reason?: TraceReason;
  limit?: number;
}

interface PendingTrace {
  spans: StoredSpan[];
  bytes: number;
  atMs: number;
}

interface TraceRow {
  trace_id: string;
  service: string;
  route: string;
  root_name: string;
  start_ms: number;
  duration_ms: number;
  error: number;
  slow: number;
  has_root: number;
  span_count: number;
  bytes: number;
  stored_at_ms: number;
}

export function recentTracesFile(dataDir: string): string {
  return join(dataDir, 'recent-traces.sqlite');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recent_traces (
  trace_id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  route TEXT NOT NULL,
  root_name TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  duration_ms REAL NOT NULL,
  error INTEGER NOT NULL,
  slow INTEGER NOT NULL,
  has_root INTEGER NOT NULL,
  span_count INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  stored_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS recent_traces_stored ON recent_traces (stored_at_ms);
CREATE INDEX IF NOT EXISTS recent_traces_slow ON recent_traces (slow, service, route);
CREATE TABLE IF NOT EXISTS recent_spans (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id)
);
`;

function toSummary(row: TraceRow): StoredTraceSummary {
  const reasons: TraceReason[] = [];
  if (row.error) reasons.push('error');
  if (row.slow) reasons.push('slow');
  return {
    traceId: row.trace_id,
    service: row.service,
    route: row.route,
    rootName: row.root_name,
    startMs: row.start_ms,
    durationMs: row.duration_ms,
    error: row.error === 1,
    spanCount: row.span_count,
    hasRoot: row.has_root === 1,
    reasons,
    storedAtMs: row.stored_at_ms,
    bytes: row.bytes,
  };
}

/**
 * Recent error traces and the slowest traces per route, in SQLite under the data dir,
 * so the status page shows a trace without Tempo. A trace is kept whole: spans of a
 * kept trace that arrive later join it, and spans that arrive before their trace
 * qualifies wait in a small memory buffer for their root. Bounded in traces and bytes,
 * oldest stored out first. A span that cannot be read is rejected alone.
 */
export class RecentTraces {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly options: RecentTracesOptions;
  private readonly maxTraces: number;
  private readonly maxBytes: number;
  private readonly maxSpansPerTrace: number;
  private readonly slow: SlowPolicy;
  private readonly pendingMaxBytes: number;
  private readonly pendingMaxAgeMs: number;
  private readonly pending = new Map<string, PendingTrace>();
  private pendingBytes = 0;
  /** ids of stored traces, so the ingest path asks SQLite nothing for spans it will not keep */
  private readonly stored = new Set<string>();
  /** slow slots per `service route`, mirrored from the table */
  private readonly slowSlots = new Map<string, SlowSlot[]>();
  private readonly sql: Record<'insertSpan' | 'insertTrace' | 'traceRow' | 'errorOf' | 'clearSlow' | 'bytesOf' | 'deleteSpans' | 'deleteTrace' | 'spans' | 'byAge' | 'update', Database.Statement>;
  private count = 0;
  private bytes = 0;
  private readonly metrics?: { traces: Gauge; bytes: Gauge; rejected: Counter; evicted: Counter; truncated: Counter };

  constructor(options: RecentTracesOptions) {
    this.options = options;
    this.file = options.file;
    this.maxTraces = options.maxTraces ?? 2000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 500;
    this.slow = { perRoute: options.slow?.perRoute ?? 5, refreshAfterMs: options.slow?.refreshAfterMs ?? 15 * 60_000 };
    this.pendingMaxBytes = options.pendingMaxBytes ?? 4 * 1024 * 1024;
    this.pendingMaxAgeMs = options.pendingMaxAgeMs ?? 30_000;
    if (this.file !== ':memory:') preparePrivateFile(this.file); // 0700 directory, 0600 file whatever the umask (issue 12)
    this.db = new Database(this.file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const totals = this.db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS b FROM recent_traces').get() as { n: number; b: number };
    this.count = totals.n;
    this.bytes = totals.b;
    for (const row of this.db.prepare('SELECT trace_id, service, route, slow, duration_ms, stored_at_ms FROM recent_traces').all() as TraceRow[]) {
      this.stored.add(row.trace_id);
      if (row.slow) this.slotsOf(row.service, row.route).push({ traceId: row.trace_id, durationMs: row.duration_ms, storedAtMs: row.stored_at_ms });
    }
    this.sql = {
      insertSpan: this.db.prepare('INSERT OR IGNORE INTO recent_spans (trace_id, span_id, record) VALUES (?, ?, ?)'),
      insertTrace: this.db.prepare(
        `INSERT INTO recent_traces (trace_id, service, route, root_name, start_ms, duration_ms, error, slow, has_root, span_count, bytes, stored_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      traceRow: this.db.prepare('SELECT * FROM recent_traces WHERE trace_id = ?'),
      errorOf: this.db.prepare('SELECT error FROM recent_traces WHERE trace_id = ?'),
      clearSlow: this.db.prepare('UPDATE recent_traces SET slow = 0 WHERE trace_id = ?'),
      bytesOf: this.db.prepare('SELECT bytes FROM recent_traces WHERE trace_id = ?'),
      deleteSpans: this.db.prepare('DELETE FROM recent_spans WHERE trace_id = ?'),
      deleteTrace: this.db.prepare('DELETE FROM recent_traces WHERE trace_id = ?'),
      spans: this.db.prepare('SELECT record FROM recent_spans WHERE trace_id = ?'),
      byAge: this.db.prepare('SELECT trace_id AS traceId, stored_at_ms AS storedAtMs, bytes FROM recent_traces ORDER BY stored_at_ms'),
      update: this.db.prepare('UPDATE recent_traces SET service = ?, route = ?, root_name = ?, start_ms = ?, duration_ms = ?, error = ?, has_root = ?, span_count = ?, bytes = bytes + ? WHERE trace_id = ?'),
    };
    if (options.registry) {
      const registers = [options.registry];
      this.metrics = {
        traces: new Gauge({ name: 'lookout_recent_traces', help: 'Traces held by the recent-traces store (errors and slowest per route)', registers, collect: () => this.metrics!.traces.set(this.count) }),
        bytes: new Gauge({ name: 'lookout_recent_traces_bytes', help: 'Encoded span bytes held by the recent-traces store', registers, collect: () => this.metrics!.bytes.set(this.bytes) }),
        rejected: new Counter({ name: 'lookout_recent_traces_rejected_spans_total', help: 'Spans the recent-traces store could not read (bad ids or times)', registers }),
        evicted: new Counter({ name: 'lookout_recent_traces_evicted_total', help: 'Traces removed from the recent-traces store to stay within its bounds', registers }),
        truncated: new Counter({ name: 'lookout_recent_traces_truncated_spans_total', help: 'Spans not stored because their trace had maxSpansPerTrace spans already', registers }),
      };
    }
  }

  get traceCount(): number {
    return this.count;
  }

  get storedBytes(): number {
    return this.bytes;
  }

  /** A traces batch from the queue. */
  consume(data: TracesData): void {
    const nowMs = this.options.now();
    const scanned = this.withinScanBudget(data, nowMs);
    if (scanned === undefined) return; // nothing in this batch to keep: no grouping, no transaction
    const { groups, rejected } = groupRawSpans(scanned);
    const templateRoute = this.options.templateRoute;
    const records = (raw: RawSpan[]) => raw.map((r) => spanRecord(r.span, r.service, templateRoute));
    if (rejected.length > 0) {
      this.metrics?.rejected.inc(rejected.length);
      this.options.onRejected?.(rejected);
    }
    this.expirePending(nowMs);
    const write = this.db.transaction(() => {
      for (const [traceId, raw] of groups) {
        if (this.isStored(traceId)) {
          // a span seen already (a sender's retry) costs a set lookup, not a conversion and an insert
          const seen = this.spanIdsOf.get(traceId);
          const fresh = seen ? raw.filter((r) => !seen.has(r.span.spanId)) : raw;
          if (fresh.length > 0) this.append(traceId, records(fresh));
          continue;
        }
        if (!this.pending.has(traceId)) {
          // The common case: a complete trace, no error, not among its route's slowest — dropped unconverted.
          const verdict = rawVerdict(raw, templateRoute);
          if (!verdict.error && verdict.root) {
            const slots = this.slowSlots.get(`${verdict.root.service} ${verdict.root.route}`) ?? [];
            if (!slowDecision(slots, verdict.root.durationMs, nowMs, this.slow).keep) continue;
          }
        }
        this.consider(traceId, records(raw), nowMs);
      }
      this.evict();
    });
    write();
  }

  /** span ids of the traces stored since this start, so repeats skip the database */
  private readonly spanIdsOf = new Map<string, Set<string>>();

  private rememberSpan(traceId: string, spanId: string): void {
    let ids = this.spanIdsOf.get(traceId);
    if (!ids) this.spanIdsOf.set(traceId, (ids = new Set()));
    ids.add(spanId);
  }

  private scanAllowance = 0;
  private scanRefilledAtMs = 0;

  /**
   * The batch itself while the slow-trace scan has budget (a token bucket of spans, one
   * second deep); past it, only the spans of traces that have an error or are already
   * kept or pending — found by one cheap pass — so a flood of healthy spans costs a loop.
   */
  private withinScanBudget(data: TracesData, nowMs: number): TracesData | undefined {
    const perSecond = this.options.slowScanSpansPerSecond ?? 1_000;
    this.scanAllowance = Math.min(perSecond, this.scanAllowance + ((nowMs - this.scanRefilledAtMs) / 1000) * perSecond);
    this.scanRefilledAtMs = nowMs;
    let spans = 0;
    for (const resourceSpans of data.resourceSpans) for (const scopeSpans of resourceSpans.scopeSpans) spans += scopeSpans.spans.length;
    if (spans <= this.scanAllowance) {
      this.scanAllowance -= spans;
      return data;
    }
    // Per span, not per trace: a span already stored (a sender's retry, a benchmark's
    // repeated body) is dropped here, so a stored trace does not pull its old spans
    // through grouping and validation again.
    let kept: TracesData['resourceSpans'] | undefined;
    for (const resourceSpans of data.resourceSpans) {
      let keptScopes: TracesData['resourceSpans'][number]['scopeSpans'] | undefined;
      for (const scopeSpans of resourceSpans.scopeSpans) {
        let wanted: typeof scopeSpans.spans | undefined;
        for (const span of scopeSpans.spans) if (this.wantedPastBudget(span)) (wanted ??= []).push(span);
        if (wanted) (keptScopes ??= []).push({ ...scopeSpans, spans: wanted });
      }
      if (keptScopes) (kept ??= []).push({ ...resourceSpans, scopeSpans: keptScopes });
    }
    return kept && { resourceSpans: kept };
  }

  /** Past the scan budget: spans not yet stored of error traces and of traces kept or waiting for their root. */
  private wantedPastBudget(span: TracesData['resourceSpans'][number]['scopeSpans'][number]['spans'][number]): boolean {
    if (this.stored.has(span.traceId)) return !this.spanIdsOf.get(span.traceId)?.has(span.spanId);
    if (this.pending.has(span.traceId)) return true;
    const status = span.attributes['http.response.status_code'];
    return span.status.code === StatusCode.ERROR || (typeof status === 'number' && status >= 500);
  }

  private isStored(traceId: string): boolean {
    return this.stored.has(traceId);
  }

  private slotsOf(service: string, route: string): SlowSlot[] {
    const key = `${service} ${route}`;
    let slots = this.slowSlots.get(key);
    if (!slots) this.slowSlots.set(key, (slots = []));
    return slots;
  }

  private dropSlot(traceId: string): void {
    for (const [key, slots] of this.slowSlots) {
      const i = slots.findIndex((s) => s.traceId === traceId);
      if (i < 0) continue;
      slots.splice(i, 1);
      if (slots.length === 0) this.slowSlots.delete(key);
      return;
    }
  }

  private consider(traceId: string, spans: StoredSpan[], nowMs: number): void {
    const waiting = this.pending.get(traceId);
    if (waiting) {
      this.pending.delete(traceId);
      this.pendingBytes -= waiting.bytes;
    }
    const all = waiting ? [...waiting.spans, ...spans] : spans;
    const summary = summarise(traceId, all);
    let slow = false;
    let evict: string | undefined;
    if (summary.hasRoot && summary.route !== '') {
      const decision = slowDecision(this.slowSlots.get(`${summary.service} ${summary.route}`) ?? [], summary.durationMs, nowMs, this.slow);
      slow = decision.keep;
      evict = decision.evict;
    }
    if (!summary.error && !slow) {
      // Not (yet) worth keeping; without its root the root may still make it so.
      if (!summary.hasRoot) this.hold(traceId, all, nowMs);
      return;
    }
    if (evict) this.giveUpSlot(evict);
    const kept = all.slice(0, this.maxSpansPerTrace);
    if (all.length > kept.length) this.metrics?.truncated.inc(all.length - kept.length);
    let bytes = 0;
    for (const span of kept) {
      const text = JSON.stringify(span);
      if (this.sql.insertSpan.run(traceId, span.spanId, text).changes > 0) bytes += Buffer.byteLength(text);
      this.rememberSpan(traceId, span.spanId);
    }
    this.sql.insertTrace.run(traceId, summary.service, summary.route, summary.rootName, summary.startMs, summary.durationMs, summary.error ? 1 : 0, slow ? 1 : 0, summary.hasRoot ? 1 : 0, kept.length, bytes, nowMs);
    this.stored.add(traceId);
    if (slow) this.slotsOf(summary.service, summary.route).push({ traceId, durationMs: summary.durationMs, storedAtMs: nowMs });
    this.count++;
    this.bytes += bytes;
  }

  /** A slow trace lost its slot: deleted unless it is also an error trace. */
  private giveUpSlot(traceId: string): void {
    const row = this.sql.errorOf.get(traceId) as { error: number } | undefined;
    if (!row) return;
    if (row.error) {
      this.sql.clearSlow.run(traceId);
      this.dropSlot(traceId);
    } else this.delete(traceId);
  }

  private append(traceId: string, spans: StoredSpan[]): void {
    const row = this.sql.traceRow.get(traceId) as TraceRow;
    const room = Math.max(0, this.maxSpansPerTrace - row.span_count);
    let added = 0;
    let bytes = 0;
    for (const span of spans) {
      if (added >= room) {
        this.metrics?.truncated.inc();
        continue;
      }
      const text = JSON.stringify(span);
      if (this.sql.insertSpan.run(traceId, span.spanId, text).changes > 0) {
        added++;
        bytes += Buffer.byteLength(text);
      }
      this.rememberSpan(traceId, span.spanId);
    }
    if (added === 0) return;
    const summary = summarise(traceId, this.spansOf(traceId));
    this.sql.update.run(summary.service, summary.route, summary.rootName, summary.startMs, summary.durationMs, summary.error ? 1 : 0, summary.hasRoot ? 1 : 0, summary.spanCount, bytes, traceId);
    this.bytes += bytes;
  }

  private hold(traceId: string, spans: StoredSpan[], nowMs: number): void {
    const bytes = spans.reduce((sum, s) => sum + JSON.stringify(s).length, 0);
    if (bytes > this.pendingMaxBytes) return;
    this.pending.set(traceId, { spans, bytes, atMs: nowMs });
    this.pendingBytes += bytes;
    for (const [id, entry] of this.pending) {
      if (this.pendingBytes <= this.pendingMaxBytes) break;
      this.pending.delete(id);
      this.pendingBytes -= entry.bytes;
    }
  }

  private expirePending(nowMs: number): void {
    for (const [id, entry] of this.pending) {
      if (nowMs - entry.atMs <= this.pendingMaxAgeMs) break; // Map order = oldest first
      this.pending.delete(id);
      this.pendingBytes -= entry.bytes;
    }
  }

  private delete(traceId: string): void {
    const row = this.sql.bytesOf.get(traceId) as { bytes: number } | undefined;
    if (!row) return;
    this.sql.deleteSpans.run(traceId);
    this.sql.deleteTrace.run(traceId);
    this.stored.delete(traceId);
    this.spanIdsOf.delete(traceId);
    this.dropSlot(traceId);
    this.count--;
    this.bytes -= row.bytes;
  }

  private evict(): void {
    if (this.count <= this.maxTraces && this.bytes <= this.maxBytes) return;
    const byAge = this.sql.byAge.all() as Array<{ traceId: string; storedAtMs: number; bytes: number }>;
    const gone = evictionOrder(byAge, { maxTraces: this.maxTraces, maxBytes: this.maxBytes });
    for (const id of gone) this.delete(id);
    this.metrics?.evicted.inc(gone.length);
  }

  private spansOf(traceId: string): StoredSpan[] {
    const rows = this.sql.spans.all(traceId) as Array<{ record: string }>;
    return rows.map((r) => JSON.parse(r.record) as StoredSpan);
  }

  /** Kept traces, newest first. */
  list(filter: TraceListFilter = {}): StoredTraceSummary[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (filter.service !== undefined) {
      where.push('service = ?');
      args.push(filter.service);
    }
    if (filter.route !== undefined) {
      where.push('route = ?');
      args.push(filter.route);
    }
    if (filter.reason === 'error') where.push('error = 1');
    if (filter.reason === 'slow') where.push('slow = 1');
    const limit = Math.max(1, Math.min(filter.limit ?? 50, 1000));
    const sql = `SELECT * FROM recent_traces ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY start_ms DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as TraceRow[]).map(toSummary);
  }

  /** One kept trace with its spans by start time, or undefined. */
  get(traceId: string): { summary: StoredTraceSummary; spans: StoredSpan[] } | undefined {
    const row = this.sql.traceRow.get(traceId.toLowerCase()) as TraceRow | undefined;
    if (!row) return undefined;
    const spans = this.spansOf(row.trace_id).sort((a, b) => {
      const d = BigInt(a.startNs) - BigInt(b.startNs);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
    return { summary: toSummary(row), spans };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
