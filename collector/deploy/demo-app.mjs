// A small service for the compose stack, run under @lookout/agent: a few routes with
// some errors and latency so the SLOs in alerts/slos/ have something to measure.
import http from 'node:http';

const server = http.createServer(async (request, response) => {
  const url = new URL(request.url ?? '/', 'http://demo');
  await new Promise((r) => setTimeout(r, Math.random() * 120));
  if (url.pathname.startsWith('/checkout') && Math.random() < 0.02) {
    response.writeHead(500).end('payment backend unavailable');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
});
server.listen(8080, () => console.log('demo listening on :8080'));

// Generate traffic against ourselves, so the stack shows data without a load tool.
setInterval(() => {
  for (const path of ['/checkout/cart', '/checkout/pay', '/search?q=x', `/users/${Math.floor(Math.random() * 1000)}`]) {
    http.get(`http://127.0.0.1:8080${path}`, (r) => r.resume()).on('error', () => {});
  }
}, 200);
