import type { Attributes } from '@lookout/otlp';

/**
 * A request target (`/a/b?x=1`, `http://host/a?x=1`, `*`) → url.path and url.query
 * (without the `?`); absolute-form targets also keep url.full. The fragment is dropped.
 */
export function splitTarget(attributes: Attributes, target: string): void {
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* / */) {
    const scheme = target.indexOf('://');
    if (scheme > 0 && scheme < 16) {
      attributes['url.full'] = target;
      const slash = target.indexOf('/', scheme + 3);
      if (slash < 0) {
        attributes['url.path'] = '/';
        return;
      }
      start = slash;
    }
  }
  let end = target.length;
  const hash = target.indexOf('#', start);
  if (hash >= 0) end = hash;
  const question = target.indexOf('?', start);
  if (question >= 0 && question < end) {
    attributes['url.path'] = target.slice(start, question);
    attributes['url.query'] = target.slice(question + 1, end);
  } else {
    attributes['url.path'] = start === 0 && end === target.length ? target : target.slice(start, end);
  }
}

const STANDARD_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);

/** Semantic-convention method: a known method, or `_OTHER` plus the original. */
export function setMethod(attributes: Attributes, method: string): void {
  if (STANDARD_METHODS.has(method)) {
    attributes['http.request.method'] = method;
  } else {
    attributes['http.request.method'] = '_OTHER';
    attributes['http.request.method_original'] = method;
  }
}
