import { randomFillSync } from 'node:crypto';
import {
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

const MAX_ATTRIBUTES = 128;
const NOT_ENDED: HrTime = Object.freeze([0, 0]) as unknown as HrTime;
const UNSET_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });
const NO_LINKS: Link[] = Object.freeze([]) as unknown as Link[];
const NO_EVENTS: TimedEvent[] = Object.freeze([]) as unknown as TimedEvent[];
const MAX_EVENTS = 128;
const MAX_LINKS = 128;

const ID_POOL_BYTES = 8192;
let idPool = Buffer.allocUnsafe(ID_POOL_BYTES);
let idOffset = ID_POOL_BYTES;

/** Random lowercase hex of `bytes` bytes, never all zeros; one randomFillSync per ~340 spans. */
export function randomHexId(bytes: 8 | 16): string {
  for (;;) {
    if (idOffset + bytes > ID_POOL_BYTES) {
      idPool = randomFillSync(idPool);
      idOffset = 0;
    }
    const start = idOffset;
    idOffset += bytes;
    for (let i = start; i < idOffset; i++) if (idPool[i] !== 0) return idPool.toString('hex', start, idOffset);
  }
}

const TIME_ORIGIN_MS = performance.timeOrigin;

/** Milliseconds since the epoch as HrTime [seconds, nanoseconds]. */
export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/** Wall-clock now, with performance.now()'s resolution. */
export function hrTimeNow(): HrTime {
  return msToHrTime(TIME_ORIGIN_MS + performance.now());
}

/** A TimeInput (HrTime, Date, epoch ms, or performance.now()-relative ms, as the API allows) as HrTime. */
export function toHrTime(input: TimeInput | undefined): HrTime {
  if (input === undefined) return hrTimeNow();
  if (Array.isArray(input)) return input as HrTime;
  if (input instanceof Date) return msToHrTime(input.getTime());
  // The API lets numbers be either epoch ms or performance.now() values.
  return msToHrTime(input < TIME_ORIGIN_MS ? TIME_ORIGIN_MS + input : input);
}

function hrDuration(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1e9;
  }
  return seconds < 0 ? [0, 0] : [seconds, nanos];
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' || Array.isArray(value);
}

/**
 * The agent's server span: what the SDK's span does for a request span, minus the
 * per-call sampler, attribute sanitizing and processor fan-out. It is both an API
 * Span (the service can add attributes and events to it) and a ReadableSpan (the OTLP
 * exporter serializes it like any other). Limits: 128 attributes, events and links.
 */
export class ServerSpan implements Span, ReadableSpan {
  readonly kind = SpanKind.SERVER;
  readonly startTime: HrTime;
  endTime: HrTime = NOT_ENDED;
  duration: HrTime = NOT_ENDED;
  status: SpanStatus = UNSET_STATUS;
  // Shared empty arrays until the first event or link: most request spans have none.
  links: Link[] = NO_LINKS;
  events: TimedEvent[] = NO_EVENTS;
  ended = false;
  droppedAttributesCount = 0;
  droppedEventsCount = 0;
  droppedLinksCount = 0;
  private attributeCount: number;

  constructor(
    public name: string,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    readonly attributes: Attributes,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    private readonly onEnd: (span: ServerSpan) => void,
    startTime: HrTime,
  ) {
    this.startTime = startTime;
    let count = 0;
    for (const _key in attributes) count++; // no keys array per span
    this.attributeCount = count;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.ended || !isAttributeValue(value) || key.length === 0) return this;
    if (!(key in this.attributes)) {
      if (this.attributeCount >= MAX_ATTRIBUTES) {
        this.droppedAttributesCount++;
        return this;
      }
      this.attributeCount++;
    }
    this.attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) {
      const value = attributes[key];
      if (value !== undefined) this.setAttribute(key, value);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    if (this.events.length >= MAX_EVENTS) {
      this.droppedEventsCount++;
      return this;
    }
    if (this.events === NO_EVENTS) this.events = [];
    const isTime = Array.isArray(attributesOrTime) || typeof attributesOrTime === 'number' || attributesOrTime instanceof Date;
    this.events.push({
      name,
      attributes: isTime || attributesOrTime === undefined ? {} : (attributesOrTime as Attributes),
      time: toHrTime(isTime ? (attributesOrTime as TimeInput) : time),
      droppedAttributesCount: 0,
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links === NO_LINKS) this.links = [];
    if (this.links.length >= MAX_LINKS) this.droppedLinksCount++;
    else this.links.push(link);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended) return this;
    // As the SDK: OK is final; UNSET never overrides.
    if (this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status = status.code === SpanStatusCode.ERROR ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.endTime = endTime === undefined ? hrTimeNow() : toHrTime(endTime);
    this.duration = hrDuration(this.startTime, this.endTime);
    this.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.name) attributes['exception.type'] = exception.name;
      else if (exception.code !== undefined) attributes['exception.type'] = String(exception.code);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}


