// The plumbing of conformance.js: a customer application on loopback, one result line per
// operation, checks and waits, and the simulator's control API.
'use strict';

const http = require('http');
const plivo = require('plivo');

const OPERATION_TIMEOUT_MS = 15000;
const RESULT_PREFIX = 'RESULT '; // the SDK itself writes to stdout now and then

// ---- a customer application on loopback: serves XML, records every request ----------------------

class CustomerApp {
  constructor() {
    this.routes = new Map();
    this.hits = [];
    this.waiters = [];
    this.server = http.createServer((request, response) => {
      const chunks = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        const url = new URL(request.url, this.origin);
        const params = Object.fromEntries(new URLSearchParams(request.method === 'GET' ? url.search : body));
        this.hits.push({ path: url.pathname, method: request.method, url: this.origin + request.url, headers: request.headers, params });
        this.waiters = this.waiters.filter((waiter) => !waiter());
        const [type, content] = this.routes.get(url.pathname) || ['text/plain', ''];
        response.writeHead(200, { 'Content-Type': type });
        response.end(content);
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${this.server.address().port}`;
  }

  url(route) { return this.origin + route; }
  xml(route, response) { this.routes.set(route, ['application/xml', response.toXML()]); }
  file(route, type, content) { this.routes.set(route, [type, content]); }
  requestsTo(route) { return this.hits.filter((hit) => hit.path === route); }

  waitFor(route, count = 1, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hits = this.requestsTo(route);
        if (hits.length >= count) { clearTimeout(timer); resolve(hits); return true; }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`no ${count} request(s) to ${route} in ${timeoutMs} ms`)), timeoutMs);
      if (!check()) this.waiters.push(check);
    });
  }

  stop() { this.server.close(); this.server.closeAllConnections(); }
}

// ---- results, checks, waits ----------------------------------------------------------------------


function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error).split('\n').slice(-1)[0];
}

async function op(name, call, body) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${OPERATION_TIMEOUT_MS} ms`)), OPERATION_TIMEOUT_MS);
  });
  const result = { op: name, call, ok: true, error: null };
  try {
    await Promise.race([body(), timeout]);
  } catch (error) {
    result.ok = false;
    result.error = describe(error);
  } finally {
    clearTimeout(timer);
  }
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

// A 404 as the SDK reports it (its error classes are neither exported nor kept by its transpiled
// `extends Error`: the status is what is left to check).
async function notFound(promise) {
  const error = await promise.then(() => null, (caught) => caught);
  check(error && error.status === 404, `expected a 404 error, got ${error && describe(error)}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(50);
  }
}

// The simulator's control API (a Switchboard extension, not part of Plivo's API: plain HTTP).
function simulator(base, authId, authToken) {
  const authorization = 'Basic ' + Buffer.from(`${authId}:${authToken}`).toString('base64');
  async function sim(method, route, body) {
    const response = await fetch(base + route, {
      method,
      headers: { Authorization: authorization, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  // Move the virtual clock on, a second at a time, until `promise` settles: the call's speech,
  // recordings and the phones' scripts then take no real time.
  async function fastForward(promise) {
    let settled = false;
    const done = promise.finally(() => { settled = true; });
    while (!settled) {
      await sim('POST', '/_sim/clock/advance', { seconds: 1 });
      await sleep(20);
    }
    return done;
  }

  const phone = (number, script) => sim('POST', '/_sim/phones', { number, script });
  const phoneLog = async (number) => (await sim('GET', `/_sim/phones/${number}`)).log;
  return { sim, fastForward, phone, phoneLog };
}

function wav(seconds, rate = 8000) {
  const samples = Math.round(seconds * rate);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0); header.writeUInt32LE(36 + samples * 2, 4); header.write('WAVE', 8);
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34);
  header.write('data', 36); header.writeUInt32LE(samples * 2, 40);
  return Buffer.concat([header, Buffer.alloc(samples * 2)]);
}

function hold(seconds = 120) {
  const response = new plivo.Response();
  response.addWait({ length: seconds });
  return response;
}

module.exports = { CustomerApp, check, describe, hold, notFound, op, simulator, sleep, until, wav };
