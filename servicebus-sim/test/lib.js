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
const KEY = 'servicebus-sim-key';
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

module.exports = { fixture, startPrivate, sleep, waitFor, request, KEY, KEY_NAME };
