// Helpers for the calibration scripts: the fixture's servicebus-sim (ports in
// $DI_TEST_SERVERS_DIR/servicebus), or a private instance started here (for
// scenarios that change global knobs or drop every connection), the admin
// interface, and connection strings for Microsoft's SDK.
'use strict';

const fs = require('fs');
const path = require('path');
const http = require('http');
const crypto = require('crypto');
const { spawn } = require('child_process');

const KEY_NAME = 'RootManageSharedAccessKey';
const KEY = 'c2VydmljZWJ1cy1zaW0ta2V5';
const MAIN = path.join(__dirname, '..', 'main.js');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 20000, stepMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

function request(port, method, urlPath, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

class Emulator {
  constructor(ports, child) {
    Object.assign(this, ports);
    this.child = child;
  }

  // UseDevelopmentEmulator=true: plain AMQP to the Endpoint's port (the SDK's emulator switch).
  connectionString(extra = '') {
    return `Endpoint=sb://127.0.0.1:${this.amqpPort}/;SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${KEY};UseDevelopmentEmulator=true${extra}`;
  }

  // Without the switch the SDK speaks AMQPS (TLS) to the Endpoint's port; the
  // management client always uses https://<endpoint host:port>/.
  tlsConnectionString() {
    return `Endpoint=sb://127.0.0.1:${this.amqpsPort}/;SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${KEY}`;
  }

  adminConnectionString(key = KEY, keyName = KEY_NAME) {
    return `Endpoint=sb://127.0.0.1:${this.httpsPort}/;SharedAccessKeyName=${keyName};SharedAccessKey=${key}`;
  }

  async admin(method, urlPath) {
    const r = await request(this.httpPort, method, urlPath);
    if (r.status >= 300) throw new Error(`admin ${method} ${urlPath}: HTTP ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  }

  state() { return this.admin('GET', '/admin/state'); }
  async queueState(q) { return (await this.state()).queues[q]; }
  messages(q) { return this.admin('GET', `/admin/messages?queue=${encodeURIComponent(q)}`); }
  deadLetters(q) { return this.admin('GET', `/admin/deadletters?queue=${encodeURIComponent(q)}`); }

  // A fresh queue for one scenario: NAME-<random>, options in seconds.
  async createQueue(prefix, { lock, maxdc, dup, idle } = {}) {
    const name = `${prefix}-${crypto.randomBytes(3).toString('hex')}`;
    const q = new URLSearchParams({ name });
    if (lock !== undefined) q.set('lock', lock);
    if (maxdc !== undefined) q.set('maxdc', maxdc);
    if (dup !== undefined) q.set('dup', dup);
    if (idle !== undefined) q.set('idle', idle);
    await this.admin('POST', `/admin/queues?${q}`);
    return name;
  }

  async stop() {
    if (!this.child) return;
    const child = this.child;
    this.child = undefined;
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stopping = true;
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function fixtureDir() {
  return process.env.DI_TEST_SERVERS_DIR ? path.join(process.env.DI_TEST_SERVERS_DIR, 'servicebus') : undefined;
}

// A private servicebus-sim with FLAGS, TLS with the fixture's certificate when
// there is one. Stopped by the caller (emulator.stop(), by its PID).
async function startPrivate(flags = []) {
  const dir = fixtureDir();
  const args = [MAIN, '--port', '0', '--http-port', '0', '--key-name', KEY_NAME, '--key', KEY];
  const cert = dir && path.join(dir, 'cert.pem');
  const haveTls = cert && fs.existsSync(cert);
  if (haveTls) args.push('--tls-port', '0', '--https-port', '0', '--tls-cert', cert, '--tls-key', path.join(dir, 'key.pem'));
  args.push(...flags);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  child.stderr.on('data', (d) => { logs.push(d.toString()); if (logs.length > 200) logs.shift(); });
  process.on('exit', () => { if (child.exitCode === null) child.kill('SIGKILL'); });
  child.once('exit', (code, signal) => {
    if (!child.stopping) process.stderr.write(`servicebus-sim exited unexpectedly (${code}, ${signal}):\n${logs.join('')}\n`);
  });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`servicebus-sim did not start: ${logs.join('')}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(timer); resolve(out.slice(0, nl)); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`servicebus-sim exited ${code}: ${logs.join('')}`)); });
  });
  const port = (k) => { const m = new RegExp(`${k}=127\\.0\\.0\\.1:(\\d+)`).exec(line); return m ? Number(m[1]) : undefined; };
  const amqp = /^listening on 127\.0\.0\.1:(\d+)/.exec(line);
  const emu = new Emulator({
    amqpPort: Number(amqp[1]), amqpsPort: port('amqps'), httpsPort: port('https'), httpPort: port('http'), certPath: cert,
  }, child);
  emu.logs = logs;
  return emu;
}

// The fixture's instance ($DI_TEST_SERVERS_DIR/servicebus), or a private one
// when the script runs outside ctest.
async function fixture() {
  const dir = fixtureDir();
  if (!dir || !fs.existsSync(path.join(dir, 'port'))) return startPrivate();
  const read = (f) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
  return new Emulator({
    amqpPort: read('port'), amqpsPort: read('amqps_port'), httpsPort: read('https_port'), httpPort: read('http_port'),
    certPath: path.join(dir, 'cert.pem'),
  });
}

// A SAS token as the SDKs make it: sr and sig url-encoded, HMAC over "<sr>\n<se>".
function sasToken(audience, expirySeconds, key = KEY, keyName = KEY_NAME) {
  const sr = encodeURIComponent(audience);
  const sig = crypto.createHmac('sha256', Buffer.from(key, 'utf8')).update(`${sr}\n${expirySeconds}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expirySeconds}&skn=${encodeURIComponent(keyName)}`;
}

// Raw AMQP (rhea) for frames the SDK never sends: a connection with SASL
// ANONYMOUS (or PLAIN with USER/PASSWORD), resolved once open.
function rawConnect(port, { user, password } = {}) {
  const rhea = require('rhea');
  const container = rhea.create_container({ id: `raw-${crypto.randomBytes(4).toString('hex')}` });
  const opts = { host: '127.0.0.1', port, reconnect: false };
  Object.assign(opts, user ? { username: user, password } : { username: 'raw-test' });  // no password: SASL ANONYMOUS
  const conn = container.connect(opts);
  // rhea ends the session of a link whose error nobody handles (and a raw
  // connection has one session for all its links): handle them here.
  for (const e of ['connection_error', 'error', 'receiver_error', 'sender_error', 'session_error']) conn.on(e, () => {});
  return new Promise((resolve, reject) => {
    conn.once('connection_open', () => resolve(conn));
    conn.once('disconnected', (ctx) => reject(new Error(`disconnected: ${ctx.error}`)));
  });
}

// A request/response pair on NODE over CONN; request(msg) resolves with the reply.
function requestLink(conn, node) {
  const replyTo = `${node}-reply-${crypto.randomBytes(4).toString('hex')}`;
  const sender = conn.open_sender({ target: { address: node } });
  const receiver = conn.open_receiver({ source: { address: node }, target: { address: replyTo }, name: replyTo });
  const waiting = new Map();
  receiver.on('message', (ctx) => {
    const w = waiting.get(ctx.message.correlation_id);
    if (w) { waiting.delete(ctx.message.correlation_id); w(ctx.message); }
  });
  let n = 0;
  const opened = Promise.all([
    new Promise((r) => sender.once('sendable', r)),
    new Promise((r) => receiver.once('receiver_open', r)),
  ]);
  return {
    async request(msg) {
      await opened;
      const id = `req-${++n}`;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        sender.send({ ...msg, message_id: id, reply_to: replyTo });
      });
    },
  };
}

async function putToken(cbs, audience, token, type = 'servicebus.windows.net:sastoken') {
  const reply = await cbs.request({
    to: '$cbs', body: token, application_properties: { operation: 'put-token', type, name: audience },
  });
  return reply.application_properties;
}

// Resolves with the error a link attach ends with (or 'open' when it opens and stays).
function attachOutcome(link, waitMs = 400) {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('open'), waitMs);
    const closed = (ctx) => {
      clearTimeout(t);
      const l = ctx.receiver || ctx.sender;
      resolve((l && l.error) || 'closed');
    };
    link.once('receiver_close', closed); link.once('sender_close', closed);
    link.once('receiver_error', closed); link.once('sender_error', closed);
  });
}

module.exports = {
  fixture, startPrivate, sleep, waitFor, request, KEY, KEY_NAME, sasToken, rawConnect, requestLink, putToken, attachOutcome,
};
