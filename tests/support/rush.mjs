// Helpers for tests that fire many requests at once: raw requests over a
// keep-alive agent, and setup work run in bounded batches.
import http from 'node:http';

// Send one request to 127.0.0.1:`port` over `agent` and resolve
// { status, json, text }. A transport error resolves with status 0, so a
// reset or a killed server is counted, not thrown.
export function sendOver(agent, port, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const request = http.request({
      host: '127.0.0.1', port, method, path, agent, headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
      },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: response.statusCode, json, text });
      });
      response.on('error', (error) => resolve({ status: 0, text: String(error) }));
    });
    request.on('error', (error) => resolve({ status: 0, text: String(error) }));
    request.end(body);
  });
}

// Run `work` on every item, `size` at a time, and return the results in order.
export async function inBatches(items, size, work) {
  const results = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...await Promise.all(items.slice(start, start + size).map(work)));
  }
  return results;
}
