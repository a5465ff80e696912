// The AMQP 1.0 face of the local Service Bus (rhea as the server):
// SASL (ANONYMOUS + $cbs tokens, or PLAIN with a rule's name/key), plain AMQP
// and AMQPS, the $cbs node (put-token), entity links (send, peek-lock and
// receive-and-delete receive, dispositions), the "<entity>/$management" node,
// link idle force-detach, token expiry, and the faults the admin interface
// injects. One instance per process; all state lives on Node's event loop.
'use strict';

const rhea = require('rhea');
const { types } = rhea;
const {
  keepRawBytesOnDecode, messagesOfTransfer, deliveryTagForLockToken, uuidText,
} = require('./codec');
const { verifyToken, covers, coversEntity } = require('./sas');
const { SbError } = require('./broker');

keepRawBytesOnDecode();

const MANAGEMENT_SUFFIX = '/$management';
const CBS_NODE = '$cbs';

function errorOf(condition, description) { return { condition, description }; }
function fmtSpan(ms) {
  const s = Math.round(ms / 1000);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}
function addressOf(terminus) {
  if (!terminus) return undefined;
  if (typeof terminus === 'string') return terminus;
  return terminus.address;
}
function entityPathOf(address) {
  // "sb://host/q" and "amqps://host/q" are accepted like "q".
  let a = String(address || '');
  const scheme = a.indexOf('://');
  if (scheme >= 0) { a = a.slice(scheme + 3); a = a.slice(a.indexOf('/') + 1); }
  return a.replace(/^\/+/, '');
}
function propsOf(m) { return m.application_properties || {}; }
function statusResponse(request, status, description, body, errorCondition) {
  const app = { statusCode: status, statusDescription: description };
  if (errorCondition) app.errorCondition = types.wrap_symbol(errorCondition);
  return { correlation_id: request.message_id, application_properties: app, body };
}
const uuidBuf = (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.value || v));

class AmqpServer {
  constructor(options, broker, log) {
    this.o = options;
    this.broker = broker;
    this.log = log;
    this.connections = new Set();
    this.counters = {
      connectionsOpened: 0, connectionsClosedByAdmin: 0, unauthenticatedConnectionsClosed: 0,
      linklessConnectionsClosed: 0, linksAttached: 0, linksRefused: 0,
      idleDetaches: 0, adminDetaches: 0, tokenExpiryDetaches: 0,
      putTokenAccepted: 0, putTokenRejected: 0, managementRequests: 0,
    };
    this.faults = { putTokenFailures: 0, putTokenStatus: 503 }; // admin: the next N put-tokens fail
    this.perEntity = new Map(); // lower-case queue name -> {idleDetaches, adminDetaches, tokenExpiryDetaches, linksAttached}
    this.linkSeq = 0;
    this.container = rhea.create_container({ id: `servicebus-sim-${process.pid}` });
    this.container.sasl_server_mechanisms.enable_anonymous();
    this.container.sasl_server_mechanisms.enable_plain((user, pass) => {
      const rule = this.o.rules.get(user);
      return Boolean(rule && rule.key === pass);
    });
    this.listeners = [];
    this.wire();
    broker.listeners.push((entity) => this.pump(entity));
  }

  entityCounters(entity) {
    const key = (entity.parent || entity).name.toLowerCase();
    if (!this.perEntity.has(key)) {
      this.perEntity.set(key, {
        idleDetaches: 0, adminDetaches: 0, tokenExpiryDetaches: 0, linksAttached: 0,
        idleDetachesByKind: { receive: 0, send: 0, management: 0 },
        linksAttachedByKind: { receive: 0, send: 0, management: 0 },
        updateDispositions: 0, renewLockRequests: 0, renewLockRequestsWithLinkName: 0,
      });
    }
    return this.perEntity.get(key);
  }

  listenOptions() {
    return {
      host: '127.0.0.1',
      require_sasl: true,
      autoaccept: false,
      autosettle: false,
      treat_modified_as_released: false,
      idle_time_out: this.o.amqpIdleTimeoutMs,
      container_id: this.container.id,
      properties: { product: 'diamond-ingest servicebus-sim' },
    };
  }

  async listen(port, tls) {
    const opts = { ...this.listenOptions(), port };
    if (tls) Object.assign(opts, { transport: 'tls', key: tls.key, cert: tls.cert });
    const server = this.container.listen(opts);
    await new Promise((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    this.listeners.push(server);
    return server.address().port;
  }

  close() {
    for (const s of this.listeners) s.close();
    for (const c of this.connections) this.dropConnection(c, 'reset');
  }

  // --- state per connection and link ---

  connState(connection) {
    if (!connection.sbState) {
      connection.sbState = {
        id: ++this.linkSeq, openedAt: Date.now(), tokens: [], plainRule: undefined,
        authenticated: false, lastLinkAt: Date.now(), links: new Set(),
      };
    }
    return connection.sbState;
  }

  linkState(link) {
    if (!link.sbState) link.sbState = { id: ++this.linkSeq, lastActivity: Date.now() };
    return link.sbState;
  }

  touch(link) { if (link && link.sbState) link.sbState.lastActivity = Date.now(); }

  // The rights CONNECTION holds for ENTITY ("q", "q/$management"): the rights and
  // the expiry of the best covering token; undefined when none.
  authorization(connection, entity) {
    const st = this.connState(connection);
    if (st.plainRule) return { rights: st.plainRule.rights, expiresAt: Infinity };
    const now = Date.now();
    let best;
    for (const t of st.tokens) {
      if (t.expiresAt <= now) continue;
      if (!coversEntity(t.audience, entity, this.o.namespaceHost)) continue;
      if (!best || t.expiresAt > best.expiresAt) best = t;
    }
    return best;
  }

  requireRight(connection, entity, right) {
    const auth = this.authorization(connection, entity);
    if (!auth) {
      return { error: errorOf('amqp:unauthorized-access',
        `Unauthorized access. '${right}' claim(s) are required to perform this operation. Resource: 'sb://${this.o.namespaceHost || 'localhost'}/${entity}'.`) };
    }
    if (!auth.rights.includes(right) && !auth.rights.includes('Manage')) {
      return { error: errorOf('amqp:unauthorized-access',
        `Unauthorized access. '${right}' claim(s) are required to perform this operation.`) };
    }
    return { auth };
  }

  // --- rhea events ---

  wire() {
    const c = this.container;
    c.on('connection_open', (ctx) => {
      const conn = ctx.connection;
      const st = this.connState(conn);
      this.connections.add(conn);
      this.counters.connectionsOpened++;
      const sasl = conn.sasl_transport;
      const mech = sasl && sasl.mechanism;
      if (mech && mech.constructor && mech.constructor.name === 'PlainServer') {
        st.plainRule = this.o.rules.get(sasl.username);
        st.authenticated = true;
      }
      this.log.debug('connection open', { connection: st.id, plain: Boolean(st.plainRule) });
    });
    const gone = (ctx) => {
      const conn = ctx.connection;
      this.connections.delete(conn);
      if (conn.sbState) for (const l of conn.sbState.links) this.forgetLink(l);
    };
    c.on('connection_close', gone);
    c.on('disconnected', gone);
    c.on('connection_error', () => {});
    c.on('error', (e) => this.log.debug('amqp error', { error: String(e && e.message) }));
    c.on('protocol_error', (e) => this.log.warn('amqp protocol error', { error: String(e) }));

    c.on('sender_open', (ctx) => this.onSenderOpen(ctx.sender, ctx.connection));
    c.on('receiver_open', (ctx) => this.onReceiverOpen(ctx.receiver, ctx.connection));
    c.on('sender_close', (ctx) => this.forgetLink(ctx.sender));
    c.on('receiver_close', (ctx) => this.forgetLink(ctx.receiver));
    c.on('sender_error', () => {});
    c.on('receiver_error', () => {});
    c.on('session_error', () => {});
    c.on('session_close', (ctx) => {
      // Links of an ended session are gone.
      const conn = ctx.connection;
      if (!conn.sbState) return;
      for (const l of [...conn.sbState.links]) if (l.session === ctx.session) this.forgetLink(l);
    });

    c.on('sender_flow', (ctx) => this.onFlow(ctx.sender));
    c.on('sendable', (ctx) => this.onFlow(ctx.sender));
    c.on('message', (ctx) => this.onTransfer(ctx));
    for (const outcome of ['accepted', 'released', 'rejected', 'modified']) {
      c.on(outcome, (ctx) => this.onDisposition(ctx.delivery, outcome));
    }
    c.on('settled', (ctx) => {
      // A settled disposition without outcome: nothing to do but free it.
      if (ctx.delivery && !ctx.delivery.settled && ctx.delivery.remote_settled && !ctx.delivery.remote_state) {
        ctx.delivery.update(true);
      }
    });
  }

  refuse(link, error) {
    this.counters.linksRefused++;
    this.log.info('link refused', { link: link.name, error: error.description });
    link.close(error);
  }

  registerLink(link, connection, kind, entity, node) {
    const st = this.linkState(link);
    st.kind = kind;            // 'receive' | 'send' | 'cbs' | 'management'
    st.entity = entity;        // Entity or undefined ($cbs)
    st.node = node;            // '$cbs', 'q/$management', 'q'
    st.connection = connection;
    st.attachedAt = Date.now();
    const cst = this.connState(connection);
    cst.links.add(link);
    cst.lastLinkAt = Date.now();
    this.counters.linksAttached++;
    if (entity) {
      const ec = this.entityCounters(entity);
      ec.linksAttached++;
      ec.linksAttachedByKind[kind]++;
    }
  }

  forgetLink(link) {
    if (!link || !link.sbState || link.sbState.forgotten) return;
    link.sbState.forgotten = true;
    const st = link.sbState;
    if (st.connection && st.connection.sbState) {
      st.connection.sbState.links.delete(link);
      st.connection.sbState.lastLinkAt = Date.now();
    }
  }

  // Client receiver (our sender): an entity's messages, or the replies of $cbs/$management.
  onSenderOpen(sender, connection) {
    const source = sender.remote.attach.source || {};
    const target = sender.remote.attach.target || {};
    const address = entityPathOf(addressOf(source));
    this.echoTerminus(sender);
    this.linkState(sender).replyTo = addressOf(target);
    if (address === CBS_NODE) return this.registerLink(sender, connection, 'cbs', undefined, CBS_NODE);
    if (address.toLowerCase().endsWith(MANAGEMENT_SUFFIX)) {
      const entity = this.broker.resolve(address.slice(0, -MANAGEMENT_SUFFIX.length));
      if (!entity) return this.refuse(sender, this.notFound(address));
      const need = this.requireRight(connection, address, 'Listen');
      if (need.error) return this.refuse(sender, need.error);
      this.registerLink(sender, connection, 'management', entity, address);
      this.linkState(sender).authExpiresAt = need.auth.expiresAt;
      return undefined;
    }
    const entity = this.broker.resolve(address);
    if (!entity) return this.refuse(sender, this.notFound(address));
    const need = this.requireRight(connection, address, 'Listen');
    if (need.error) return this.refuse(sender, need.error);
    this.registerLink(sender, connection, 'receive', entity, address);
    const st = this.linkState(sender);
    st.authExpiresAt = need.auth.expiresAt;
    st.receiveAndDelete = sender.remote.attach.snd_settle_mode === 1;
    sender.local.attach.snd_settle_mode = st.receiveAndDelete ? 1 : 0;
    sender.local.attach.rcv_settle_mode = sender.remote.attach.rcv_settle_mode || 0;
    this.log.debug('receiver attached', { link: sender.name, entity: entity.name });
    return undefined;
  }

  // Client sender (our receiver): messages to an entity, or requests to $cbs/$management.
  onReceiverOpen(receiver, connection) {
    const target = receiver.remote.attach.target || {};
    const address = entityPathOf(addressOf(target));
    this.echoTerminus(receiver);
    receiver.set_credit_window(0);
    receiver.add_credit(this.o.receiverCredit);
    if (address === CBS_NODE) return this.registerLink(receiver, connection, 'cbs', undefined, CBS_NODE);
    if (address.toLowerCase().endsWith(MANAGEMENT_SUFFIX)) {
      const entity = this.broker.resolve(address.slice(0, -MANAGEMENT_SUFFIX.length));
      if (!entity) return this.refuse(receiver, this.notFound(address));
      const need = this.requireRight(connection, address, 'Listen');
      if (need.error) return this.refuse(receiver, need.error);
      this.registerLink(receiver, connection, 'management', entity, address);
      this.linkState(receiver).authExpiresAt = need.auth.expiresAt;
      return undefined;
    }
    const entity = this.broker.resolve(address);
    if (!entity || entity.isDeadLetterQueue) return this.refuse(receiver, this.notFound(address));
    const need = this.requireRight(connection, address, 'Send');
    if (need.error) return this.refuse(receiver, need.error);
    this.registerLink(receiver, connection, 'send', entity, address);
    this.linkState(receiver).authExpiresAt = need.auth.expiresAt;
    receiver.local.attach.max_message_size = this.o.maxMessageSize;
    return undefined;
  }

  echoTerminus(link) {
    // Answer the attach with the terminus the client asked for.
    const ra = link.remote.attach;
    if (ra.source !== undefined && ra.source !== null) {
      link.local.attach.source = rhea.types.described(types.wrap_ulong(0x28),
        types.wrap_list([addressOf(ra.source) === undefined ? null : addressOf(ra.source)]));
    }
    if (ra.target !== undefined && ra.target !== null) {
      link.local.attach.target = rhea.types.described(types.wrap_ulong(0x29),
        types.wrap_list([addressOf(ra.target) === undefined ? null : addressOf(ra.target)]));
    }
  }

  notFound(address) {
    return errorOf('amqp:not-found',
      `The messaging entity 'sb://${this.o.namespaceHost || 'localhost'}/${address}' could not be found.`);
  }

  // --- sending to clients ---

  onFlow(sender) {
    const st = sender.sbState;
    if (!st || st.kind !== 'receive') return;
    if (sender.credit > (st.lastCredit || 0) || sender._draining) this.touch(sender);
    this.pump(st.entity);
    if (sender.state.open_requests > 0) setImmediate(() => this.pump(st.entity));
    st.lastCredit = sender.credit;
    if (sender._draining) sender.set_drained(true);
  }

  receiversOf(entity) {
    const out = [];
    for (const c of this.connections) {
      if (!c.sbState) continue;
      for (const l of c.sbState.links) {
        const st = l.sbState;
        if (st.kind === 'receive' && st.entity === entity && l.is_open() && !st.forgotten) out.push(l);
      }
    }
    return out;
  }

  // Credit left on LINK: rhea takes credit only when a transfer is written, so
  // deliveries handed to it but not yet written are subtracted.
  usableCredit(link) {
    // rhea writes a link's attach only on its next output pass, after any
    // transfer queued now: nothing goes out before the attach (the tick pumps later).
    if (link.state.open_requests > 0) return 0;
    if (!link.sendable()) return 0;
    const out = link.session.outgoing;
    let unsent = 0;
    for (let id = out.next_pending_delivery; id < out.next_delivery_id; id++) {
      const d = out.deliveries.by_id(id);
      if (d && d.link === link) unsent++;
    }
    return link.credit - unsent;
  }

  pump(entity) {
    if (!entity || !entity.available.length) return;
    const links = this.receiversOf(entity);
    let i = 0;
    while (entity.available.length && links.length) {
      const k = i % links.length;
      if (this.usableCredit(links[k]) <= 0) { links.splice(k, 1); continue; }
      this.deliver(entity, links[k]);
      i++;
    }
  }

  deliver(entity, link) {
    const st = link.sbState;
    const now = Date.now();
    if (st.receiveAndDelete) {
      const m = entity.takeNext();
      const payload = m.stored.encode(m.deliveryCount - 1, this.systemAnnotations(m, now, false));
      link.send(payload, Buffer.from(String(m.seq)), 0);
      this.touch(link);
      return;
    }
    const m = entity.lockNext(link);
    const payload = m.stored.encode(m.deliveryCount - 1, this.systemAnnotations(m, now, true));
    const d = link.send(payload, deliveryTagForLockToken(m.lockToken), 0);
    d.sb = { entity, lockToken: m.lockToken, seq: m.seq };
    this.touch(link);
  }

  systemAnnotations(m, now, locked) {
    const a = [
      ['x-opt-enqueued-time', types.wrap_timestamp(m.enqueuedAt)],
      ['x-opt-sequence-number', types.wrap_long(m.seq)],
      ['x-opt-enqueue-sequence-number', types.wrap_long(m.seq)],
    ];
    if (locked && m.lockedUntil) a.push(['x-opt-locked-until', types.wrap_timestamp(m.lockedUntil)]);
    return a;
  }

  // --- dispositions of our deliveries ---

  onDisposition(delivery, outcome) {
    const link = delivery.link;
    const info = delivery.sb;
    const reply = (state) => { if (!delivery.settled) delivery.update(true, state); };
    if (!info) return reply(delivery.remote_state ? undefined : undefined);
    if (delivery.sbDone) return undefined;
    delivery.sbDone = true;
    this.touch(link);
    const { entity, lockToken } = info;
    const state = delivery.remote_state || {};
    try {
      if (!link.is_open() || link.sbState.forgotten) {
        throw new SbError('com.microsoft:message-lock-lost',
          'The link the message was received on is no longer attached: settle by lock token over $management.', 410);
      }
      switch (outcome) {
        case 'accepted': entity.complete(lockToken); break;
        case 'released': entity.abandon(lockToken, undefined, true); break;
        case 'modified':
          if (state.undeliverable_here) {
            throw new SbError('amqp:not-implemented', 'Deferral (modified with undeliverable-here) is not implemented by servicebus-sim.', 501);
          }
          entity.abandon(lockToken, state.message_annotations); break;
        case 'rejected': {
          const err = state.error || {};
          const infoMap = err.info || {};
          const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = infoMap;
          entity.deadLetter(lockToken, DeadLetterReason, DeadLetterErrorDescription !== undefined ? DeadLetterErrorDescription : err.description, rest);
          break;
        }
        default: break;
      }
      reply(this.outcomeState(outcome, state));
    } catch (e) {
      if (!(e instanceof SbError)) throw e;
      this.log.debug('settlement refused', { link: link.name, error: e.condition });
      reply(rhea.message.rejected({ error: errorOf(e.condition, e.description) }).described());
    }
    this.pump(entity);
    return undefined;
  }

  outcomeState(outcome) {
    switch (outcome) {
      case 'accepted': return rhea.message.accepted().described();
      case 'released': return rhea.message.released().described();
      case 'modified': return rhea.message.modified({ delivery_failed: true }).described();
      case 'rejected': return rhea.message.rejected({}).described();
      default: return undefined;
    }
  }

  // --- transfers from clients ---

  onTransfer(ctx) {
    const link = ctx.receiver;
    const st = link.sbState;
    const delivery = ctx.delivery;
    if (!st) { delivery.reject(errorOf('amqp:internal-error', 'unknown link')); return; }
    this.touch(link);
    if (st.kind === 'cbs') return this.onCbsRequest(ctx);
    if (st.kind === 'management') return this.onManagementRequest(ctx);
    const raw = ctx.format ? ctx.message : ctx.message && ctx.message.raw;
    if (!raw) { delivery.reject(errorOf('amqp:decode-error', 'empty transfer')); return undefined; }
    if (raw.length > this.o.maxMessageSize) {
      delivery.reject(errorOf('amqp:link:message-size-exceeded',
        `The received message (delivery-id:${delivery.id}, size:${raw.length} bytes) exceeds the limit (${this.o.maxMessageSize} bytes) currently allowed on the link.`));
      return undefined;
    }
    const auth = this.requireRight(ctx.connection, st.node, 'Send');
    if (auth.error) {
      delivery.reject(auth.error);
      return undefined;
    }
    try {
      for (const one of messagesOfTransfer(raw, ctx.format)) st.entity.send(one);
      delivery.accept();
    } catch (e) {
      this.log.warn('message refused', { error: e.message });
      delivery.reject(errorOf('amqp:decode-error', e.message));
    }
    return undefined;
  }

  // Sends RESPONSE on the connection's reply link for NODE (target address =
  // reply-to, else link name = reply-to, else any reply link on NODE).
  respond(connection, node, replyTo, response) {
    const links = [...(connection.sbState ? connection.sbState.links : [])]
      .filter((l) => l.is_sender() && l.sbState.node && l.sbState.node.toLowerCase() === node.toLowerCase() && l.is_open());
    const link = links.find((l) => l.sbState.replyTo === replyTo) || links.find((l) => l.name === replyTo) || links[0];
    if (!link) { this.log.warn('no reply link', { node, replyTo }); return; }
    this.touch(link);
    link.send(response);
  }

  onCbsRequest(ctx) {
    const m = ctx.message;
    ctx.delivery.accept();
    const app = propsOf(m);
    const now = Date.now();
    let status = 202; let description = 'Accepted';
    if (app.operation === 'put-token' && this.faults.putTokenFailures > 0) {
      this.faults.putTokenFailures--;
      status = this.faults.putTokenStatus;
      description = 'ServerBusy: the put-token failure was injected by the admin interface.';
    } else if (app.operation !== 'put-token') {
      status = 400; description = `unsupported operation '${app.operation}'`;
    } else if (app.type !== 'servicebus.windows.net:sastoken' && app.type !== 'jwt') {
      status = 400; description = `unsupported token type '${app.type}'`;
    } else {
      const v = verifyToken(typeof m.body === 'string' ? m.body : String(m.body), this.o.rules, now);
      if (!v.ok) {
        status = 401; description = v.why;
      } else if (!covers(v.resource, app.name, undefined) || (this.o.namespaceHost && !coversEntity(app.name, '', this.o.namespaceHost))) {
        status = 401; description = `InvalidAudience: the token's resource '${v.resource}' does not cover '${app.name}'.`;
      } else {
        const st = this.connState(ctx.connection);
        st.tokens = st.tokens.filter((t) => t.audience !== app.name && t.expiresAt > now);
        st.tokens.push({ audience: app.name, expiresAt: v.expiresAt, rights: v.rights });
        st.authenticated = true;
        this.refreshLinkAuth(ctx.connection);
      }
    }
    if (status === 202) this.counters.putTokenAccepted++; else this.counters.putTokenRejected++;
    this.log.debug('put-token', { audience: app.name, status, description });
    this.respond(ctx.connection, CBS_NODE, m.reply_to, {
      correlation_id: m.message_id, to: m.reply_to,
      application_properties: { 'status-code': status, 'status-description': description },
    });
  }

  refreshLinkAuth(connection) {
    for (const l of connection.sbState.links) {
      const st = l.sbState;
      if (st.kind === 'cbs') continue;
      const auth = this.authorization(connection, st.node);
      if (auth) st.authExpiresAt = Math.max(st.authExpiresAt || 0, auth.expiresAt);
    }
  }

  // --- $management ---

  onManagementRequest(ctx) {
    const m = ctx.message;
    const link = ctx.receiver;
    const st = link.sbState;
    ctx.delivery.accept();
    this.counters.managementRequests++;
    const app = propsOf(m);
    const op = app.operation;
    const entity = st.entity;
    const associated = app['associated-link-name'];
    if (associated) {
      for (const l of ctx.connection.sbState.links) if (l.name === associated) this.touch(l);
    }
    let response;
    try {
      const right = (op === 'com.microsoft:schedule-message' || op === 'com.microsoft:cancel-scheduled-message') ? 'Send' : 'Listen';
      const need = this.requireRight(ctx.connection, st.node, right);
      if (need.error) throw new SbError(need.error.condition, need.error.description, 401);
      response = this.management(op, m, entity);
    } catch (e) {
      if (!(e instanceof SbError)) {
        this.log.warn('management request failed', { operation: op, error: e.stack });
        response = statusResponse(m, 500, String(e.message), undefined, 'amqp:internal-error');
      } else {
        response = statusResponse(m, e.status || 400, e.description, undefined, e.condition);
      }
    }
    this.respond(ctx.connection, st.node, m.reply_to, response);
    this.pump(entity);
  }

  management(op, m, entity) {
    const body = m.body || {};
    const ec = this.entityCounters(entity);
    if (op === 'com.microsoft:update-disposition') ec.updateDispositions++;
    if (op === 'com.microsoft:renew-lock') {
      ec.renewLockRequests++;
      if (propsOf(m)['associated-link-name']) ec.renewLockRequestsWithLinkName++;
    }
    switch (op) {
      case 'com.microsoft:renew-lock': {
        const tokens = (body['lock-tokens'] || []).map((t) => uuidText(uuidBuf(t)));
        const expirations = tokens.map((t) => entity.renew(t));
        return statusResponse(m, 200, 'OK', { expirations: types.wrap_array(expirations.map((x) => new Date(x)), 0x83) });
      }
      case 'com.microsoft:update-disposition': {
        const tokens = (body['lock-tokens'] || []).map((t) => uuidText(uuidBuf(t)));
        const status = body['disposition-status'];
        for (const t of tokens) {
          if (status === 'completed') entity.complete(t);
          else if (status === 'abandoned') entity.abandon(t, body['properties-to-modify']);
          else if (status === 'suspended') {
            entity.deadLetter(t, body['deadletter-reason'], body['deadletter-description'], body['properties-to-modify']);
          } else throw new SbError('amqp:not-implemented', `disposition-status '${status}' is not implemented by servicebus-sim`, 501);
        }
        return statusResponse(m, 200, 'OK', {});
      }
      case 'com.microsoft:peek-message': {
        const from = Number(body['from-sequence-number'] || 1);
        const count = Number(body['message-count'] || 1);
        const now = Date.now();
        const found = entity.peek(from, count);
        if (!found.length) return statusResponse(m, 204, 'No Content', undefined, 'com.microsoft:message-not-found');
        const messages = found.map((x) => {
          const extra = this.systemAnnotations(x, now, x.state === 'locked');
          extra.push(['x-opt-message-state', types.wrap_int(x.state === 'scheduled' ? 2 : 0)]);
          if (x.state === 'scheduled') extra.push(['x-opt-scheduled-enqueue-time', types.wrap_timestamp(x.scheduledAt)]);
          return { message: x.stored.encode(x.deliveryCount, extra) };
        });
        return statusResponse(m, 200, 'OK', { messages });
      }
      case 'com.microsoft:schedule-message': {
        const seqs = [];
        for (const entry of body.messages || []) {
          const raw = Buffer.from(entry.message);
          const decoded = rhea.message.decode(raw);
          const at = decoded.message_annotations && decoded.message_annotations['x-opt-scheduled-enqueue-time'];
          const r = entity.send(raw, at ? new Date(at).getTime() : Date.now());
          seqs.push(r.duplicate ? 0 : r.seq);
        }
        return statusResponse(m, 200, 'OK', { 'sequence-numbers': types.wrap_array(seqs, 0x81) });
      }
      case 'com.microsoft:cancel-scheduled-message': {
        for (const s of body['sequence-numbers'] || []) entity.cancelScheduled(Number(s));
        return statusResponse(m, 200, 'OK', {});
      }
      default:
        throw new SbError('amqp:not-implemented', `operation '${op}' is not implemented by servicebus-sim`, 501);
    }
  }

  // --- timers and faults ---

  tick() {
    const now = Date.now();
    for (const e of this.broker.entities.values()) {
      if (e.available.length) this.pump(e);
      if (e.dlq.available.length) this.pump(e.dlq);
    }
    for (const conn of [...this.connections]) {
      const st = conn.sbState;
      if (!st || !conn.is_open()) continue;
      if (!st.authenticated && this.o.cbsAuthTimeoutMs > 0 && now - st.openedAt > this.o.cbsAuthTimeoutMs) {
        this.counters.unauthenticatedConnectionsClosed++;
        this.log.info('connection closed: no token put within the allowed time', { connection: st.id });
        this.closeConnection(conn, errorOf('amqp:unauthorized-access',
          `The connection was not authorized within ${Math.round(this.o.cbsAuthTimeoutMs / 1000)} seconds: put a token to $cbs first.`));
        continue;
      }
      if (st.links.size === 0 && this.o.linklessConnectionMs > 0 && now - st.lastLinkAt > this.o.linklessConnectionMs) {
        this.counters.linklessConnectionsClosed++;
        this.closeConnection(conn, errorOf('amqp:connection:forced',
          `The connection was closed by container 'servicebus-sim' because it did not have any active links in the past ${this.o.linklessConnectionMs} milliseconds.`));
        continue;
      }
      for (const l of [...st.links]) {
        const ls = l.sbState;
        if (!l.is_open() || ls.forgotten) continue;
        if (ls.kind !== 'cbs' && ls.authExpiresAt !== undefined && ls.authExpiresAt <= now) {
          const auth = this.authorization(conn, ls.node);
          if (auth) ls.authExpiresAt = auth.expiresAt;
          else {
            this.counters.tokenExpiryDetaches++;
            if (ls.entity) this.entityCounters(ls.entity).tokenExpiryDetaches++;
            this.log.info('link detached: token expired', { link: l.name, node: ls.node });
            this.detach(l, errorOf('amqp:unauthorized-access',
              `ExpiredToken: The token is expired. Expiration time: '${new Date(ls.authExpiresAt).toISOString()}'. Link: '${l.name}'.`));
            continue;
          }
        }
        const idle = this.idleTimeoutFor(ls);
        if (idle > 0 && now - ls.lastActivity > idle) {
          this.counters.idleDetaches++;
          if (ls.entity) {
            const ec = this.entityCounters(ls.entity);
            ec.idleDetaches++;
            ec.idleDetachesByKind[ls.kind]++;
          }
          this.log.info('link force-detached: idle', { link: l.name, node: ls.node, kind: ls.kind });
          const role = ls.kind === 'send' ? 'publisher' : ls.kind === 'receive' ? 'consumer' : 'link';
          const origin = ls.kind === 'send' ? 'AmqpMessagePublisher' : ls.kind === 'receive' ? 'AmqpMessageConsumer' : 'AmqpLink';
          this.detach(l, errorOf('amqp:link:detach-forced',
            `The link '${l.name}' is force detached by the broker due to errors occurred in ${role}(link${ls.id}). Detach origin: ${origin}.IdleTimerExpired: Idle timeout: ${fmtSpan(idle)}.`));
        }
      }
    }
  }

  idleTimeoutFor(ls) {
    if (ls.entity) {
      const own = (ls.entity.parent || ls.entity).settings.idleTimeoutMs;
      if (own !== undefined && own !== null) return own;
    }
    return this.o.idleTimeoutMs;
  }

  detach(link, error) {
    this.forgetLink(link);
    try { link.close(error); } catch (e) { this.log.debug('detach failed', { error: e.message }); }
  }

  // Admin: force-detach links (by name, or all of an entity, or all).
  forceDetach({ name, entity, kind }) {
    let n = 0;
    for (const c of this.connections) {
      if (!c.sbState) continue;
      for (const l of [...c.sbState.links]) {
        const ls = l.sbState;
        if (name && l.name !== name) continue;
        if (entity && (!ls.entity || (ls.entity.parent || ls.entity).name.toLowerCase() !== entity.toLowerCase())) continue;
        if (kind && ls.kind !== kind) continue;
        this.counters.adminDetaches++;
        if (ls.entity) this.entityCounters(ls.entity).adminDetaches++;
        this.detach(l, errorOf('amqp:link:detach-forced', `The link '${l.name}' is force detached by the broker (injected by the admin interface).`));
        n++;
      }
    }
    return n;
  }

  // Closes CONN with ERROR and then ends its transport, as Service Bus does
  // (a peer that keeps the socket after the close exchange would wait forever).
  closeConnection(conn, error) {
    conn.close(error);
    const socket = conn.socket;
    if (!socket) return;
    setTimeout(() => { if (!socket.destroyed) socket.end(); }, 200).unref();
    setTimeout(() => { if (!socket.destroyed) socket.destroy(); }, 2000).unref();
  }

  dropConnection(conn, mode) {
    if (mode === 'close') {
      this.closeConnection(conn, errorOf('amqp:connection:forced', 'The connection was closed by the broker (injected by the admin interface).'));
    } else if (conn.socket) {
      // A TCP reset: rhea learns of it through the socket's 'error' event.
      conn.socket.resetAndDestroy ? conn.socket.resetAndDestroy() : conn.socket.destroy();
      conn.socket.emit('error', Object.assign(new Error('connection dropped (admin)'), { code: 'ECONNRESET' }));
    }
  }

  dropAll(mode) {
    let n = 0;
    for (const c of [...this.connections]) { this.dropConnection(c, mode); n++; }
    this.counters.connectionsClosedByAdmin += n;
    return n;
  }

  snapshot() {
    const conns = [];
    for (const c of this.connections) {
      const st = c.sbState;
      if (!st) continue;
      conns.push({
        id: st.id, authenticated: st.authenticated, plain: Boolean(st.plainRule),
        tokens: st.tokens.map((t) => ({ audience: t.audience, expiresAt: new Date(t.expiresAt).toISOString() })),
        links: [...st.links].map((l) => ({
          name: l.name, kind: l.sbState.kind, node: l.sbState.node, role: l.is_sender() ? 'sender' : 'receiver',
          idleMs: Date.now() - l.sbState.lastActivity, credit: l.is_sender() ? l.credit : undefined,
        })),
      });
    }
    return conns;
  }
}

module.exports = { AmqpServer };
