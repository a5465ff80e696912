#!/usr/bin/env node
// servicebus-sim: a local Azure Service Bus (AMQP 1.0 + management REST) for
// tests. See README.md. Prints one line "listening on 127.0.0.1:PORT ..." on
// stdout once every port is open; logs JSON lines on stderr; SIGTERM/SIGINT stop it.
'use strict';

const path = require('path');
const fs = require('fs');

// Dependencies live in the git-ignored prefix scripts/install-servicebus-sim fills.
if (!process.env.NODE_PATH) {
  process.env.NODE_PATH = path.join(__dirname, '..', '.deps', 'servicebus-npm', 'node_modules');
  require('module').Module._initPaths();
}

const { Broker } = require('./src/broker');
const { AmqpServer } = require('./src/amqp');
const { HttpFace, settingsFromQuery } = require('./src/http');

const USAGE = `usage: servicebus-sim [flags]
  --port N                    plain AMQP port (0 = any free port; -1 = off)      [5672]
  --tls-port N                AMQPS port (needs --tls-cert/--tls-key; -1 = off)  [-1]
  --https-port N              management REST over HTTPS (needs the cert; -1 = off) [-1]
  --http-port N               management REST + /admin over plain HTTP (-1 = off) [0]
  --tls-cert FILE, --tls-key FILE   PEM certificate and key for AMQPS and HTTPS
  --key-name NAME             SAS rule name                                      [RootManageSharedAccessKey]
  --key KEY                   SAS rule key (signs with the key text)             [c2VydmljZWJ1cy1zaW0ta2V5]
  --sas-rule NAME=KEY[:RIGHTS] more rules; RIGHTS = comma list of Listen,Send,Manage [Listen,Send,Manage]
  --namespace-host HOST       when set, token audiences must name this host      [any]
  --queue NAME[:opts]         create a queue; opts: lock=S,maxdc=N,dup=S,idle=S (repeatable)
  --lock-duration S           default lock duration, seconds                     [60]
  --max-delivery-count N      default max delivery count                         [10]
  --duplicate-detection S     default duplicate-detection window, seconds (0 = off) [0]
  --idle-timeout S            link idle force-detach, seconds (0 = off)          [600]
  --cbs-auth-timeout S        close a connection with no valid token after S s (0 = off) [20]
  --linkless-timeout S        close a connection without links after S s (0 = off) [300]
  --amqp-idle-timeout S       AMQP idle-time-out the broker advertises           [120]
  --max-message-size BYTES    largest message accepted                           [262144]
  --tick-ms MS                timer resolution (locks, schedules, idle, tokens)  [25]
  --log-level L               debug, info, warn, error                           [info]
  --help`;

function parseFlags(argv) {
  const o = {
    port: 5672, tlsPort: -1, httpsPort: -1, httpPort: 0, tlsCert: undefined, tlsKey: undefined,
    keyName: 'RootManageSharedAccessKey', key: 'c2VydmljZWJ1cy1zaW0ta2V5', extraRules: [], namespaceHost: undefined,
    queues: [], lockDuration: 60, maxDeliveryCount: 10, duplicateDetection: 0, idleTimeout: 600,
    cbsAuthTimeout: 20, linklessTimeout: 300, amqpIdleTimeout: 120, maxMessageSize: 262144, tickMs: 25,
    logLevel: 'info',
  };
  const num = (name, v) => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${name} needs a number`);
    return n;
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--help': case '-h': process.stdout.write(USAGE + '\n'); process.exit(0); break;
      case '--port': o.port = num(a, next()); break;
      case '--tls-port': o.tlsPort = num(a, next()); break;
      case '--https-port': o.httpsPort = num(a, next()); break;
      case '--http-port': o.httpPort = num(a, next()); break;
      case '--tls-cert': o.tlsCert = next(); break;
      case '--tls-key': o.tlsKey = next(); break;
      case '--key-name': o.keyName = next(); break;
      case '--key': o.key = next(); break;
      case '--sas-rule': o.extraRules.push(next()); break;
      case '--namespace-host': o.namespaceHost = next(); break;
      case '--queue': o.queues.push(next()); break;
      case '--lock-duration': o.lockDuration = num(a, next()); break;
      case '--max-delivery-count': o.maxDeliveryCount = num(a, next()); break;
      case '--duplicate-detection': o.duplicateDetection = num(a, next()); break;
      case '--idle-timeout': o.idleTimeout = num(a, next()); break;
      case '--cbs-auth-timeout': o.cbsAuthTimeout = num(a, next()); break;
      case '--linkless-timeout': o.linklessTimeout = num(a, next()); break;
      case '--amqp-idle-timeout': o.amqpIdleTimeout = num(a, next()); break;
      case '--max-message-size': o.maxMessageSize = num(a, next()); break;
      case '--tick-ms': o.tickMs = num(a, next()); break;
      case '--log-level': o.logLevel = next(); break;
      default: throw new Error(`unknown flag ${a}`);
    }
  }
  if ((o.tlsPort >= 0 || o.httpsPort >= 0) && (!o.tlsCert || !o.tlsKey)) {
    throw new Error('--tls-port and --https-port need --tls-cert and --tls-key');
  }
  if (o.maxDeliveryCount < 1) throw new Error('--max-delivery-count must be >= 1');
  return o;
}

function parseRule(text) {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--sas-rule ${text}: expected NAME=KEY[:RIGHTS]`);
  const name = text.slice(0, eq);
  let key = text.slice(eq + 1);
  let rights = ['Listen', 'Send', 'Manage'];
  const colon = key.lastIndexOf(':');
  if (colon >= 0 && /^[A-Za-z,]+$/.test(key.slice(colon + 1))) {
    rights = key.slice(colon + 1).split(',').filter(Boolean);
    key = key.slice(0, colon);
  }
  return { name, key, rights };
}

function parseQueue(text) {
  const colon = text.indexOf(':');
  const name = colon >= 0 ? text.slice(0, colon) : text;
  const q = {};
  if (colon >= 0) {
    for (const kv of text.slice(colon + 1).split(',')) {
      const [k, v] = kv.split('=');
      if (!['lock', 'maxdc', 'dup', 'idle'].includes(k) || v === undefined) throw new Error(`--queue ${text}: bad option ${kv}`);
      q[k] = v;
    }
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/]*$/.test(name)) throw new Error(`--queue ${text}: bad queue name`);
  return { name, settings: settingsFromQuery(q) };
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 };
function makeLog(level) {
  const min = LEVELS[level] || 20;
  const emit = (lvl) => (msg, fields) => {
    if (LEVELS[lvl] < min) return;
    process.stderr.write(JSON.stringify({ ts: new Date().toISOString(), level: lvl, msg, ...(fields || {}) }) + '\n');
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

async function main() {
  let f;
  try {
    f = parseFlags(process.argv);
  } catch (e) {
    process.stderr.write(`servicebus-sim: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  const log = makeLog(f.logLevel);
  const rules = new Map([[f.keyName, { key: f.key, rights: ['Listen', 'Send', 'Manage'] }]]);
  let queues;
  try {
    for (const r of f.extraRules.map(parseRule)) rules.set(r.name, { key: r.key, rights: r.rights });
    queues = f.queues.map(parseQueue);
  } catch (e) {
    process.stderr.write(`servicebus-sim: ${e.message}\n`);
    process.exit(2);
  }
  const options = {
    rules, namespaceHost: f.namespaceHost,
    idleTimeoutMs: f.idleTimeout * 1000, cbsAuthTimeoutMs: f.cbsAuthTimeout * 1000,
    linklessConnectionMs: f.linklessTimeout * 1000, amqpIdleTimeoutMs: f.amqpIdleTimeout * 1000,
    maxMessageSize: f.maxMessageSize, receiverCredit: 1000,
  };
  const broker = new Broker({
    defaults: {
      lockDurationMs: f.lockDuration * 1000, maxDeliveryCount: f.maxDeliveryCount,
      duplicateDetectionMs: f.duplicateDetection * 1000, idleTimeoutMs: undefined,
    },
  });
  for (const q of queues) broker.createQueue(q.name, q.settings);
  const amqp = new AmqpServer(options, broker, log);
  const web = new HttpFace(options, broker, amqp, log);
  const tls = f.tlsCert ? { cert: fs.readFileSync(f.tlsCert), key: fs.readFileSync(f.tlsKey) } : undefined;
  const parts = [];
  try {
    if (f.port >= 0) parts.push(['amqp', await amqp.listen(f.port)]);
    if (f.tlsPort >= 0) parts.push(['amqps', await amqp.listen(f.tlsPort, tls)]);
    if (f.httpsPort >= 0) parts.push(['https', await web.listen(f.httpsPort, tls)]);
    if (f.httpPort >= 0) parts.push(['http', await web.listen(f.httpPort)]);
  } catch (e) {
    process.stderr.write(`servicebus-sim: cannot listen: ${e.message}\n`);
    process.exit(1);
  }
  if (!parts.length) { process.stderr.write('servicebus-sim: every port is off\n'); process.exit(2); }
  const timer = setInterval(() => {
    try { broker.tick(); amqp.tick(); } catch (e) { log.error('tick failed', { error: e.stack }); }
  }, f.tickMs);
  const [first, ...rest] = parts;
  process.stdout.write(`listening on 127.0.0.1:${first[1]}${first[0] === 'amqp' ? '' : ` (${first[0]})`}` +
    rest.map(([k, p]) => ` ${k}=127.0.0.1:${p}`).join('') + '\n');
  log.info('started', { ports: Object.fromEntries(parts), queues: queues.map((q) => q.name) });
  const stop = (sig) => {
    log.info('stopping', { signal: sig });
    clearInterval(timer);
    amqp.close();
    web.close();
    setTimeout(() => process.exit(0), 100).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main();
