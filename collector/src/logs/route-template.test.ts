import { describe, expect, it } from 'vitest';
import { INVALID_ROUTE, templateRoute } from './route-template.ts';

describe('templateRoute', () => {
  it.each([
    ['/users/123', '/users/:id'],
    ['/users/123/orders/456', '/users/:id/orders/:id'],
    ['/orders/550e8400-e29b-41d4-a716-446655440000', '/orders/:uuid'],
    ['/orders/550E8400-E29B-41D4-A716-446655440000/items', '/orders/:uuid/items'],
    ['/commits/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b', '/commits/:hex'],
    ['/objects/507f1f77bcf86cd799439011', '/objects/:hex'],
    ['/invoices/INV-2023000123', '/invoices/:num'],
    ['/users/jane.doe@example.com/profile', '/users/:email/profile'],
    ['/reports/2023-10-11', '/reports/:date'],
    ['/reports/2023-10-11T10:00:00Z/summary', '/reports/:date/summary'],
    ['/reset/eyJhbGciOiJIUzI1NiJ9x7Kq2mPz', '/reset/:token'],
    ['/search?q=shoes&page=2', '/search'],
    ['/a/b#frag', '/a/b'],
    ['https://api.example.com/v2/items/77?x=1', '/v2/items/:id'],
    ['http://example.com', '/'],
    ['/', '/'],
    ['/users/', '/users/'],
    ['/api/v1/health', '/api/v1/health'],
    ['/static/app.css', '/static/app.css'],
    ['/deadbeef', '/deadbeef'], // hex letters only: a word, not an id
    ['/page2', '/page2'],
    ['/a/1/b/2/c/3/d/4/e/5', '/a/:id/b/:id/c/:id/d/:id/...'],
    ['*', '*'],
    ['-', INVALID_ROUTE],
    ['', INVALID_ROUTE],
    ['\\x16\\x03\\x01', INVALID_ROUTE],
  ])('%s → %s', (path, route) => {
    expect(templateRoute(path)).toBe(route);
  });

  it('bounds cardinality: a thousand user ids give one route', () => {
    const routes = new Set(Array.from({ length: 1000 }, (_, i) => templateRoute(`/users/${i * 7919}/cart?ts=${i}`)));
    expect([...routes]).toEqual(['/users/:id/cart']);
  });
});
