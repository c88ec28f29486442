// The compose stack's alert receiver: Alertmanager posts its webhook payload here and
// each alert is printed as one readable line (`docker compose logs -f alert-console`).
// It answers 200 only to a payload it could read, so Alertmanager retries otherwise.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9095);

function line(alert, status) {
  const labels = alert.labels ?? {};
  const what = [labels.alertname, labels.slo ?? labels.target, labels.service].filter(Boolean).join(' ');
  const summary = alert.annotations?.summary ?? alert.annotations?.description ?? '';
  return `${new Date().toISOString()} ${status.toUpperCase().padEnd(8)} ${(labels.severity ?? '-').padEnd(8)} ${what}${summary ? ` — ${summary}` : ''}`;
}

createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/healthz') {
    response.writeHead(200).end('ok\n');
    return;
  }
  if (request.method !== 'POST') {
    response.writeHead(405).end();
    return;
  }
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk) => {
    body += chunk;
    if (body.length > 1_000_000) request.destroy();
  });
  request.on('end', () => {
    try {
      const payload = JSON.parse(body);
      for (const alert of payload.alerts ?? []) console.log(line(alert, alert.status ?? payload.status ?? 'firing'));
      response.writeHead(200).end('ok\n');
    } catch (error) {
      console.error(`alert-console: unreadable payload: ${error.message}`);
      response.writeHead(400).end('expected the Alertmanager webhook JSON\n');
    }
  });
}).listen(port, '0.0.0.0', () => console.log(`alert-console listening on :${port}`));
