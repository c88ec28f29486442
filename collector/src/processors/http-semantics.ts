import type { AnyValue, Attributes } from '@lookout/otlp';

/**
 * Reading OpenTelemetry HTTP semantic conventions, stable (http.request.method,
 * http.response.status_code, url.path) and the older ones (http.method,
 * http.status_code, http.target) that many SDKs still send.
 */

const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** A standard HTTP method as is, anything else `_OTHER` (as the conventions say), so the label stays bounded. */
export function normaliseMethod(method: string): string {
  if (STANDARD_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return STANDARD_METHODS.has(upper) ? upper : '_OTHER';
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** '1xx'..'5xx' for an HTTP status; 'error'/'ok' when there is no (valid) status. */
export function statusClassOf(statusCode: number | undefined, error: boolean): string {
  if (statusCode !== undefined && statusCode >= 100 && statusCode < 600) return STATUS_CLASSES[Math.floor(statusCode / 100) - 1]!;
  return error ? 'error' : 'ok';
}

export function stringAttribute(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** An integer status code from an int or a numeric string attribute. */
export function statusAttribute(attributes: Attributes, key: string): number | undefined {
  const value: AnyValue | undefined = attributes[key];
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'bigint') return undefined;
  if (typeof value === 'string' && /^\d{3}$/.test(value)) return Number(value);
  return undefined;
}

export function httpMethodOf(attributes: Attributes): string | undefined {
  return stringAttribute(attributes, 'http.request.method') ?? stringAttribute(attributes, 'http.method');
}

export function httpStatusOf(attributes: Attributes): number | undefined {
  return statusAttribute(attributes, 'http.response.status_code') ?? statusAttribute(attributes, 'http.status_code');
}

/** The path of the request without query or fragment: url.path, else http.target, else the path of url.full / http.url. */
export function requestPathOf(attributes: Attributes): string | undefined {
  const path = stringAttribute(attributes, 'url.path');
  if (path) return path;
  const target = stringAttribute(attributes, 'http.target');
  if (target) return stripQuery(target);
  const full = stringAttribute(attributes, 'url.full') ?? stringAttribute(attributes, 'http.url');
  if (full) {
    const scheme = full.indexOf('://');
    const slash = scheme >= 0 ? full.indexOf('/', scheme + 3) : -1;
    return slash >= 0 ? stripQuery(full.slice(slash)) : '/';
  }
  return undefined;
}

function stripQuery(target: string): string {
  let end = target.length;
  const question = target.indexOf('?');
  if (question >= 0) end = question;
  const hash = target.indexOf('#');
  if (hash >= 0 && hash < end) end = hash;
  return end === target.length ? target : target.slice(0, end);
}

/** Longest route label kept; longer ones are cut so one odd request cannot make a huge label. */
export const MAX_ROUTE_LENGTH = 200;

export function boundedRoute(route: string): string {
  return route.length > MAX_ROUTE_LENGTH ? route.slice(0, MAX_ROUTE_LENGTH) : route;
}
