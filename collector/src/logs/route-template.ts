/**
 * Raw request paths → route templates with bounded cardinality, for request series
 * built from access logs and from spans that carry no http.route:
 *   /users/123/orders/9f86d081884c7d65 → /users/:id/orders/:hex
 * Query string and fragment are dropped; an absolute URL loses its scheme and host.
 */

/** Route for targets that are not a path at all (`-`, garbage from port scanners). */
export const INVALID_ROUTE = '/:invalid';

/** Beyond this many segments the rest of the path collapses into `/...`. */
const MAX_SEGMENTS = 8;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!isHex(c)) {
      return false;
    }
  }
  return true;
}

/** The placeholder a path segment stands for, or the segment itself when it is a fixed word. */
export function templateSegment(segment: string): string {
  const n = segment.length;
  if (n === 0) return segment;
  let digits = 0;
  let hex = 0;
  let letters = 0;
  let longestDigitRun = 0;
  let run = 0;
  let at = -1;
  for (let i = 0; i < n; i++) {
    const c = segment.charCodeAt(i);
    if (isDigit(c)) {
      digits++;
      hex++;
      if (++run > longestDigitRun) longestDigitRun = run;
      continue;
    }
    run = 0;
    if (isHex(c)) hex++;
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c === 64 && at < 0) at = i;
  }
  if (digits === n) return ':id';
  if (n === 36 && isUuid(segment)) return ':uuid';
  if (at > 0 && segment.indexOf('.', at) > at + 1) return ':email';
  if (
    n >= 10 &&
    isDigit(segment.charCodeAt(0)) &&
    isDigit(segment.charCodeAt(3)) &&
    segment.charCodeAt(4) === 45 &&
    isDigit(segment.charCodeAt(5)) &&
    isDigit(segment.charCodeAt(6)) &&
    segment.charCodeAt(7) === 45 &&
    isDigit(segment.charCodeAt(8)) &&
    isDigit(segment.charCodeAt(9))
  ) {
    return ':date';
  }
  if (hex === n && n >= 8 && digits > 0) return ':hex';
  if (longestDigitRun >= 6) return ':num';
  if (n > 64 || (n >= 24 && digits > 0 && letters > 0)) return ':token';
  return segment;
}

/** A path (or full URL) → its route template. */
export function templateRoute(path: string): string {
  let start = 0;
  if (path.charCodeAt(0) !== 47 /* / */) {
    if (path === '*') return '*';
    const scheme = path.indexOf('://');
    if (scheme <= 0 || scheme > 16) return INVALID_ROUTE;
    const slash = path.indexOf('/', scheme + 3);
    if (slash < 0) return '/';
    start = slash;
  }
  let end = path.length;
  for (let i = start; i < end; i++) {
    const c = path.charCodeAt(i);
    if (c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  let route = '';
  let segments = 0;
  let i = start + 1;
  for (;;) {
    let slash = path.indexOf('/', i);
    if (slash < 0 || slash > end) slash = end;
    if (++segments > MAX_SEGMENTS) {
      route += '/...';
      break;
    }
    route += '/' + templateSegment(path.slice(i, slash));
    if (slash >= end) break;
    i = slash + 1;
  }
  return route;
}
