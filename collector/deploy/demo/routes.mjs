// The compose demo's services and routes: the one table the services, the traffic
// generator, Prometheus's scrape config and test/deploy-config.test.ts all read, so
// the example SLOs in alerts/slos/ always have traffic to measure.
//
// errorRate: share of requests answered 500; slowRate: share that take slowMs.

/** @typedef {{ method: string, route: string, paths: string[], errorRate: number, slowRate: number, slowMs: number }} DemoRoute */
/** @typedef {{ service: string, port: number, routes: DemoRoute[], prometheusJob?: string }} DemoService */

/** @type {DemoService[]} */
export const DEMO_SERVICES = [
  {
    service: 'checkout',
    port: 8081,
    routes: [{ method: 'POST', route: '/api/checkout', paths: ['/api/checkout'], errorRate: 0.0005, slowRate: 0.003, slowMs: 450 }],
  },
  {
    service: 'payments',
    port: 8082,
    routes: [{ method: 'POST', route: '/api/pay', paths: ['/api/pay'], errorRate: 0.0002, slowRate: 0.002, slowMs: 700 }],
  },
  {
    service: 'search',
    port: 8083,
    routes: [
      { method: 'GET', route: '/api/search', paths: ['/api/search?q=boots', '/api/search?q=tent'], errorRate: 0.002, slowRate: 0.01, slowMs: 300 },
      { method: 'GET', route: '/api/search/suggest', paths: ['/api/search/suggest?q=bo'], errorRate: 0.001, slowRate: 0, slowMs: 0 },
    ],
  },
  {
    // Its SLOs (alerts/slos/inventory-sloth.yaml) are PromQL over its own
    // http_requests_total / http_request_duration_seconds, scraped by Prometheus.
    service: 'inventory',
    port: 8084,
    prometheusJob: 'inventory',
    routes: [{ method: 'GET', route: '/api/items/:id', paths: ['/api/items/17', '/api/items/42', '/api/items/311'], errorRate: 0.0005, slowRate: 0.003, slowMs: 600 }],
  },
];
