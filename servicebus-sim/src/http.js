// The HTTP face: the Service Bus management REST interface for queues (Atom
// entries with QueueDescription and CountDetails, SAS in the Authorization
// header, Manage rights), served over HTTPS (what the SDK's
// ServiceBusAdministrationClient requires) and plain HTTP; and /admin/* for
// tests: ground truth, injected faults, timing knobs.
'use strict';

const http = require('http');
const https = require('https');
const { verifyToken, coversEntity } = require('./sas');

const API_VERSION = '2021-05';
const ATOM = 'http://www.w3.org/2005/Atom';
const SB_NS = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';
const COUNT_NS = 'http://schemas.microsoft.com/netservices/2011/06/servicebus';

function xmlEscape(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// ISO 8601 durations as Service Bus writes them: PT30S, PT1M, P10675199DT2H48M5.4775807S.
function isoDuration(ms) {
  if (ms === undefined || ms === null || ms >= 922337203685477) return 'P10675199DT2H48M5.4775807S';
  let s = ms / 1000;
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  let out = 'P';
  if (d) out += `${d}D`;
  if (h || m || s || !d) {
    out += 'T';
    if (h) out += `${h}H`;
    if (m) out += `${m}M`;
    if (s || (!h && !m)) out += `${Number(s.toFixed(7))}S`;
  }
  return out;
}
function parseIsoDuration(text) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(String(text || '').trim());
  if (!m) return undefined;
  return ((Number(m[1] || 0) * 24 + Number(m[2] || 0)) * 60 + Number(m[3] || 0)) * 60000 + Number(m[4] || 0) * 1000;
}

function queueEntry(entity, baseUrl, now) {
  const c = entity.counts();
  const s = entity.settings;
  const url = `${baseUrl}/${entity.name}?api-version=${API_VERSION}`;
  const iso = (t) => new Date(t).toISOString();
  return `<?xml version="1.0" encoding="utf-8"?>` +
    `<entry xml:base="${xmlEscape(url)}" xmlns="${ATOM}">` +
    `<id>${xmlEscape(url)}</id><title type="text">${xmlEscape(entity.name)}</title>` +
    `<published>${iso(entity.createdAt)}</published><updated>${iso(entity.updatedAt)}</updated>` +
    `<author><name>servicebus-sim</name></author><link rel="self" href="${xmlEscape(url)}"/>` +
    `<content type="application/xml"><QueueDescription xmlns="${SB_NS}" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
    `<LockDuration>${isoDuration(s.lockDurationMs)}</LockDuration>` +
    `<MaxSizeInMegabytes>1024</MaxSizeInMegabytes>` +
    `<RequiresDuplicateDetection>${s.duplicateDetectionMs > 0}</RequiresDuplicateDetection>` +
    `<RequiresSession>false</RequiresSession>` +
    `<DefaultMessageTimeToLive>${isoDuration(undefined)}</DefaultMessageTimeToLive>` +
    `<DeadLetteringOnMessageExpiration>false</DeadLetteringOnMessageExpiration>` +
    `<DuplicateDetectionHistoryTimeWindow>${isoDuration(s.duplicateDetectionMs > 0 ? s.duplicateDetectionMs : 600000)}</DuplicateDetectionHistoryTimeWindow>` +
    `<MaxDeliveryCount>${s.maxDeliveryCount}</MaxDeliveryCount>` +
    `<EnableBatchedOperations>true</EnableBatchedOperations>` +
    `<SizeInBytes>${[...entity.messages.values()].reduce((n, m) => n + m.stored.size, 0)}</SizeInBytes>` +
    `<MessageCount>${c.active + c.scheduled + c.deadLetter}</MessageCount>` +
    `<IsAnonymousAccessible>false</IsAnonymousAccessible><AuthorizationRules/>` +
    `<Status>Active</Status><ForwardTo/>` +
    `<CreatedAt>${iso(entity.createdAt)}</CreatedAt><UpdatedAt>${iso(entity.updatedAt)}</UpdatedAt>` +
    `<AccessedAt>${iso(entity.accessedAt)}</AccessedAt><SupportOrdering>true</SupportOrdering>` +
    `<CountDetails xmlns:d2p1="${COUNT_NS}">` +
    `<d2p1:ActiveMessageCount>${c.active}</d2p1:ActiveMessageCount>` +
    `<d2p1:DeadLetterMessageCount>${c.deadLetter}</d2p1:DeadLetterMessageCount>` +
    `<d2p1:ScheduledMessageCount>${c.scheduled}</d2p1:ScheduledMessageCount>` +
    `<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>` +
    `<d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount>` +
    `</CountDetails>` +
    `<AutoDeleteOnIdle>${isoDuration(undefined)}</AutoDeleteOnIdle><EnablePartitioning>false</EnablePartitioning>` +
    `<EntityAvailabilityStatus>Available</EntityAvailabilityStatus><EnableExpress>false</EnableExpress>` +
    `<MaxMessageSizeInKilobytes>256</MaxMessageSizeInKilobytes>` +
    `</QueueDescription></content></entry>`;
}

// What Service Bus answers for an entity that does not exist: 200 and an empty feed.
function emptyFeed(baseUrl, path, now) {
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="${ATOM}">` +
    `<title type="text">Publicly Listed Services</title>` +
    `<subtitle type="text">This is the list of publicly-listed services currently available.</subtitle>` +
    `<id>uuid:00000000-0000-0000-0000-000000000000;id=1</id><updated>${new Date(now).toISOString()}</updated>` +
    `<generator>Microsoft® Windows Azure Service Bus</generator></feed>`;
}

function errorBody(code, detail) {
  return `<Error><Code>${code}</Code><Detail>${xmlEscape(detail)}</Detail></Error>`;
}

function element(xml, name) {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${name}>`).exec(xml);
  return m ? m[1] : undefined;
}

class HttpFace {
  constructor(options, broker, amqp, log) {
    this.o = options;
    this.broker = broker;
    this.amqp = amqp;
    this.log = log;
    this.servers = [];
    this.counters = { restRequests: 0, restUnauthorized: 0 };
  }

  async listen(port, tls) {
    const handler = (req, res) => this.handle(req, res, Boolean(tls)).catch((e) => {
      this.log.warn('http handler failed', { error: e.stack });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.servers.push(server);
    return server.address().port;
  }

  close() { for (const s of this.servers) { s.close(); if (s.closeAllConnections) s.closeAllConnections(); } }

  async handle(req, res, secure) {
    const url = new URL(req.url, `http://${req.headers.host || '127.0.0.1'}`);
    const body = await new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    if (url.pathname.startsWith('/admin/')) return this.admin(req, res, url, body);
    return this.rest(req, res, url, body, secure);
  }

  send(res, status, type, text) {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  json(res, status, obj) { this.send(res, status, 'application/json', JSON.stringify(obj, null, 1) + '\n'); }

  // --- management REST ---

  async rest(req, res, url, body, secure) {
    this.counters.restRequests++;
    const path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
    const baseUrl = `${secure ? 'https' : 'http'}://${req.headers.host}`;
    const now = Date.now();
    if (!path) return this.send(res, 404, 'application/xml', errorBody(404, 'No entity path.'));
    const v = verifyToken(req.headers.authorization, this.o.rules, now);
    if (!v.ok || !coversEntity(v.resource, path, this.o.namespaceHost)) {
      this.counters.restUnauthorized++;
      const why = !v.ok ? v.why : `InvalidAudience: the token's resource '${v.resource}' does not cover '${path}'.`;
      return this.send(res, 401, 'application/xml', errorBody(401, `${why} To know more visit https://aka.ms/sbResourceMgrExceptions.`));
    }
    if (!v.rights.includes('Manage')) {
      this.counters.restUnauthorized++;
      return this.send(res, 401, 'application/xml', errorBody(401,
        "Unauthorized access. 'Manage' claim(s) are required to perform this operation."));
    }
    if (req.method === 'GET') {
      const entity = this.broker.resolve(path);
      if (!entity || entity.isDeadLetterQueue) return this.send(res, 200, 'application/atom+xml;type=feed;charset=utf-8', emptyFeed(baseUrl, path, now));
      return this.send(res, 200, 'application/atom+xml;type=entry;charset=utf-8', queueEntry(entity, baseUrl, now));
    }
    if (req.method === 'PUT') {
      if (path.includes('/')) return this.send(res, 400, 'application/xml', errorBody(400, 'Only queues can be created here.'));
      const settings = {};
      const lock = parseIsoDuration(element(body, 'LockDuration'));
      if (lock !== undefined) settings.lockDurationMs = lock;
      const mdc = element(body, 'MaxDeliveryCount');
      if (mdc !== undefined) settings.maxDeliveryCount = Number(mdc);
      const dup = element(body, 'RequiresDuplicateDetection');
      const win = parseIsoDuration(element(body, 'DuplicateDetectionHistoryTimeWindow'));
      if (dup !== undefined) settings.duplicateDetectionMs = dup.trim() === 'true' ? (win || 600000) : 0;
      const update = req.headers['if-match'] === '*';
      const existing = this.broker.resolve(path);
      if (existing && !update) {
        return this.send(res, 409, 'application/xml', errorBody(409, `The messaging entity '${path}' already exists.`));
      }
      if (existing) Object.assign(existing.settings, settings);
      const { entity } = existing ? { entity: existing } : this.broker.createQueue(path, settings);
      return this.send(res, existing ? 200 : 201, 'application/atom+xml;type=entry;charset=utf-8', queueEntry(entity, baseUrl, now));
    }
    if (req.method === 'DELETE') {
      if (!this.broker.deleteQueue(path)) return this.send(res, 404, 'application/xml', errorBody(404, `The messaging entity '${path}' could not be found.`));
      return this.send(res, 200, 'application/xml', '');
    }
    return this.send(res, 405, 'application/xml', errorBody(405, 'Method not allowed.'));
  }

  // --- admin (tests) ---

  async admin(req, res, url, body) {
    const q = Object.fromEntries(url.searchParams.entries());
    const route = `${req.method} ${url.pathname}`;
    const entityOr404 = () => {
      const e = this.broker.resolve(q.queue);
      if (!e) { this.json(res, 404, { error: `no queue ${q.queue}` }); return undefined; }
      return e;
    };
    switch (route) {
      case 'GET /admin/state': return this.json(res, 200, this.state());
      case 'GET /admin/messages': {
        const e = entityOr404(); if (!e) return undefined;
        return this.json(res, 200, [...e.messages.values()].sort((a, b) => a.seq - b.seq).map((m) => this.describe(m)));
      }
      case 'GET /admin/deadletters': {
        const e = entityOr404(); if (!e) return undefined;
        return this.json(res, 200, [...e.dlq.messages.values()].sort((a, b) => a.seq - b.seq).map((m) => this.describe(m)));
      }
      case 'POST /admin/drop-connections':
        return this.json(res, 200, { dropped: this.amqp.dropAll(q.mode === 'close' ? 'close' : 'reset') });
      case 'POST /admin/detach':
        return this.json(res, 200, { detached: this.amqp.forceDetach({ name: q.link, entity: q.queue, kind: q.kind }) });
      case 'POST /admin/idle-timeout': {
        const ms = Math.round(Number(q.seconds) * 1000);
        if (!Number.isFinite(ms) || ms < 0) return this.json(res, 400, { error: 'seconds must be >= 0' });
        if (q.queue) { const e = entityOr404(); if (!e) return undefined; e.settings.idleTimeoutMs = ms; }
        else this.o.idleTimeoutMs = ms;
        return this.json(res, 200, { idleTimeoutMs: ms, queue: q.queue || null });
      }
      case 'POST /admin/fail-put-token': {
        const count = Number(q.count === undefined ? 1 : q.count);
        const status = Number(q.status === undefined ? 503 : q.status);
        if (!Number.isInteger(count) || count < 0 || !Number.isInteger(status)) {
          return this.json(res, 400, { error: 'count must be an integer >= 0 and status an integer' });
        }
        this.amqp.faults.putTokenFailures = count;
        this.amqp.faults.putTokenStatus = status;
        return this.json(res, 200, { putTokenFailures: count, status });
      }
      case 'POST /admin/queues': {
        if (!q.name) return this.json(res, 400, { error: 'name is required' });
        const settings = settingsFromQuery(q);
        const { entity, created } = this.broker.createQueue(q.name, settings);
        if (!created) Object.assign(entity.settings, settings);
        return this.json(res, created ? 201 : 200, { queue: entity.name, settings: entity.settings });
      }
      default: return this.json(res, 404, { error: `no route ${route}` });
    }
  }

  describe(m) {
    return {
      sequenceNumber: m.seq, messageId: m.messageId === undefined ? null : String(m.messageId), state: m.state,
      deliveryCount: m.deliveryCount, enqueuedAt: new Date(m.enqueuedAt).toISOString(),
      scheduledAt: m.scheduledAt ? new Date(m.scheduledAt).toISOString() : null,
      lockedUntil: m.lockedUntil ? new Date(m.lockedUntil).toISOString() : null,
      deadLetterReason: m.deadLetterReason === undefined ? null : m.deadLetterReason,
      deadLetterDescription: m.deadLetterDescription === undefined ? null : m.deadLetterDescription,
    };
  }

  state() {
    const queues = {};
    for (const e of this.broker.entities.values()) {
      const dc = e.dlq.counters;
      queues[e.name] = {
        settings: e.settings, counts: e.counts(),
        counters: { ...e.counters, deadLetterQueue: { ...dc }, ...this.amqp.entityCounters(e) },
      };
    }
    return {
      queues,
      counters: { ...this.broker.counters, ...this.amqp.counters, ...this.counters },
      settings: { idleTimeoutMs: this.o.idleTimeoutMs, cbsAuthTimeoutMs: this.o.cbsAuthTimeoutMs },
      connections: this.amqp.snapshot(),
    };
  }
}

// "lock=5&maxdc=3&dup=60&idle=4" (seconds) -> queue settings.
function settingsFromQuery(q) {
  const s = {};
  if (q.lock !== undefined) s.lockDurationMs = Math.round(Number(q.lock) * 1000);
  if (q.maxdc !== undefined) s.maxDeliveryCount = Number(q.maxdc);
  if (q.dup !== undefined) s.duplicateDetectionMs = Math.round(Number(q.dup) * 1000);
  if (q.idle !== undefined) s.idleTimeoutMs = Math.round(Number(q.idle) * 1000);
  return s;
}

module.exports = { HttpFace, settingsFromQuery, isoDuration, parseIsoDuration };
