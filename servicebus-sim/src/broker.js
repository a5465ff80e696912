// The queues: messages, sequence numbers, peek-lock, lock expiry, delivery
// counts, the dead-letter sub-queue, scheduled messages and duplicate
// detection, with no I/O (the AMQP and HTTP layers call in; the clock is
// passed in). Not thread-safe: Node's one event loop is the only caller.
//
// Delivery count rule (as Service Bus and the official SDKs read it): the
// broker counts lock acquisitions. A delivery carries in its AMQP header
// delivery-count the number of earlier acquisitions (0 on the first delivery;
// the JS SDK shows that number as deliveryCount, the .NET SDK shows it + 1);
// a peeked message carries the number of acquisitions so far. A lock that ends
// without completion by abandon (modified) or lock expiry leaves the count
// where it is, and when it has reached MaxDeliveryCount the message goes to
// the dead-letter sub-queue with DeadLetterReason MaxDeliveryCountExceeded; a
// release (released outcome) takes the acquisition back (not counted).
'use strict';

const crypto = require('crypto');
const { types } = require('rhea');
const { StoredMessage, messageIdKey, uuidText } = require('./codec');

const DLQ_SUFFIX = '/$deadletterqueue';

class SbError extends Error {
  constructor(condition, description, status) {
    super(description);
    this.condition = condition;
    this.description = description;
    this.status = status;
  }
}
const lockLost = (token) => new SbError('com.microsoft:message-lock-lost',
  `The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue. Reference:${token}`, 410);

class Counters {
  constructor() {
    this.sent = 0; this.duplicatesDropped = 0; this.scheduled = 0; this.scheduleCancelled = 0;
    this.deliveries = 0; this.completed = 0; this.abandoned = 0; this.released = 0;
    this.deadLettered = 0; this.maxDeliveryDeadLettered = 0; this.lockExpiries = 0;
    this.lockRenewals = 0; this.lockLostErrors = 0;
  }
}

class Entity {
  // PARENT: the queue of a dead-letter sub-queue.
  constructor(name, settings, broker, parent) {
    this.name = name;                 // as created (the DLQ: "<queue>/$DeadLetterQueue")
    this.settings = settings;
    this.broker = broker;
    this.parent = parent;
    this.messages = new Map();        // seq -> message (every state)
    this.available = [];              // seqs ready for delivery, ascending
    this.locks = new Map();           // lock token -> message
    this.dedup = new Map();           // message-id key -> expiry (ms)
    this.counters = new Counters();
    this.createdAt = broker.now();
    this.updatedAt = this.createdAt;
    this.accessedAt = this.createdAt;
    this.dlq = parent ? undefined : new Entity(`${name}/$DeadLetterQueue`, settings, broker, this);
  }

  get isDeadLetterQueue() { return Boolean(this.parent); }

  insertAvailable(seq) {
    let lo = 0; let hi = this.available.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.available[mid] < seq) lo = mid + 1; else hi = mid; }
    this.available.splice(lo, 0, seq);
    this.broker.notify(this);
  }

  removeAvailable(seq) {
    const i = this.available.indexOf(seq);
    if (i >= 0) this.available.splice(i, 1);
  }

  // Sends RAW (one message's bytes). Returns {duplicate} or {seq}.
  send(raw, scheduledAtOverride) {
    const stored = new StoredMessage(raw);
    stored.assignMessageIdIfMissing(crypto.randomBytes(16).toString('hex'));
    const now = this.broker.now();
    const key = messageIdKey(stored.messageId);
    if (this.settings.duplicateDetectionMs > 0 && key !== undefined) {
      const until = this.dedup.get(key);
      if (until !== undefined && until > now) {
        this.counters.duplicatesDropped++;
        return { duplicate: true };
      }
      this.dedup.set(key, now + this.settings.duplicateDetectionMs);
    }
    let scheduledAt = scheduledAtOverride;
    if (scheduledAt === undefined) {
      const ann = stored.annotation('x-opt-scheduled-enqueue-time');
      if (ann !== undefined && ann !== null) scheduledAt = new Date(ann).getTime();
    } else {
      stored.setAnnotation('x-opt-scheduled-enqueue-time', types.wrap_timestamp(scheduledAt));
    }
    const seq = this.broker.nextSequence();
    const m = {
      seq, stored, messageId: stored.messageId, enqueuedAt: now, scheduledAt: undefined,
      deliveryCount: 0, state: 'active', lockToken: undefined, lockedUntil: undefined, owner: undefined,
      deadLetterReason: undefined, deadLetterDescription: undefined,
    };
    this.messages.set(seq, m);
    this.counters.sent++;
    this.updatedAt = now;
    if (scheduledAt !== undefined && scheduledAt > now) {
      m.state = 'scheduled';
      m.scheduledAt = scheduledAt;
      this.counters.scheduled++;
    } else {
      this.insertAvailable(seq);
    }
    return { seq };
  }

  // A dead-lettered copy of M (keeps sequence number, body, properties and the
  // delivery count; adds DeadLetterReason/DeadLetterErrorDescription).
  acceptDeadLetter(m, reason, description, properties) {
    const props = { ...(properties || {}) };
    if (reason !== undefined) props.DeadLetterReason = reason;
    if (description !== undefined) props.DeadLetterErrorDescription = description;
    m.stored.mergeAppProperties(props);
    const copy = {
      ...m, state: 'active', lockToken: undefined, lockedUntil: undefined, owner: undefined,
      deadLetterReason: reason, deadLetterDescription: description, deadLetteredAt: this.broker.now(),
    };
    this.messages.set(copy.seq, copy);
    this.counters.sent++;
    this.insertAvailable(copy.seq);
  }

  // Locks the first available message for OWNER; undefined when none.
  lockNext(owner) {
    if (!this.available.length) return undefined;
    const seq = this.available.shift();
    const m = this.messages.get(seq);
    const now = this.broker.now();
    m.deliveryCount++;
    m.state = 'locked';
    m.lockToken = uuidText(crypto.randomBytes(16));
    m.lockedUntil = now + this.settings.lockDurationMs;
    m.owner = owner;
    this.locks.set(m.lockToken, m);
    this.counters.deliveries++;
    this.broker.counters.deliveries++;
    this.accessedAt = now;
    return m;
  }

  // Receive-and-delete: the first available message, removed.
  takeNext() {
    if (!this.available.length) return undefined;
    const seq = this.available.shift();
    const m = this.messages.get(seq);
    this.messages.delete(seq);
    m.deliveryCount++;
    this.counters.deliveries++;
    this.counters.completed++;
    return m;
  }

  heldLock(token) {
    const m = this.locks.get(token);
    if (!m || m.lockedUntil <= this.broker.now()) {
      this.counters.lockLostErrors++;
      throw lockLost(token);
    }
    return m;
  }

  unlock(m) {
    this.locks.delete(m.lockToken);
    m.lockToken = undefined; m.lockedUntil = undefined; m.owner = undefined;
  }

  complete(token) {
    const m = this.heldLock(token);
    this.unlock(m);
    this.messages.delete(m.seq);
    this.counters.completed++;
    this.updatedAt = this.broker.now();
  }

  // Abandon (modified): the lock ends and the delivery stays counted.
  // Release (released): the lock ends and the delivery is not counted (what
  // the Service Bus team states for the released outcome).
  abandon(token, propertiesToModify, released) {
    const m = this.heldLock(token);
    if (propertiesToModify && Object.keys(propertiesToModify).length) m.stored.mergeAppProperties(propertiesToModify);
    this.unlock(m);
    if (released) {
      this.counters.released++;
      m.deliveryCount = Math.max(0, m.deliveryCount - 1);
      m.state = 'active';
      this.insertAvailable(m.seq);
      return;
    }
    this.counters.abandoned++;
    this.returnOrDeadLetter(m);
  }

  deadLetter(token, reason, description, properties) {
    const m = this.heldLock(token);
    this.unlock(m);
    this.moveToDeadLetter(m, reason, description, properties);
  }

  moveToDeadLetter(m, reason, description, properties) {
    this.messages.delete(m.seq);
    this.counters.deadLettered++;
    if (this.isDeadLetterQueue) {
      // A dead-letter queue has no dead-letter queue: the message stays.
      m.state = 'active';
      this.messages.set(m.seq, m);
      this.insertAvailable(m.seq);
      return;
    }
    this.dlq.acceptDeadLetter(m, reason, description, properties);
  }

  returnOrDeadLetter(m) {
    if (!this.isDeadLetterQueue && m.deliveryCount >= this.settings.maxDeliveryCount) {
      this.counters.maxDeliveryDeadLettered++;
      this.moveToDeadLetter(m, 'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`);
      return;
    }
    m.state = 'active';
    this.insertAvailable(m.seq);
  }

  renew(token) {
    const m = this.heldLock(token);
    m.lockedUntil = this.broker.now() + this.settings.lockDurationMs;
    this.counters.lockRenewals++;
    this.accessedAt = this.broker.now();
    return m.lockedUntil;
  }

  cancelScheduled(seq) {
    const m = this.messages.get(seq);
    if (m && m.state === 'scheduled') {
      this.messages.delete(seq);
      this.counters.scheduleCancelled++;
    }
  }

  // Messages from sequence number FROM on, at most COUNT (every state).
  peek(from, count) {
    const seqs = [...this.messages.keys()].filter((s) => s >= from).sort((a, b) => a - b).slice(0, count);
    return seqs.map((s) => this.messages.get(s));
  }

  // Timers: lock expiry, scheduled messages coming due, duplicate-detection history.
  tick(now) {
    for (const m of [...this.locks.values()]) {
      if (m.lockedUntil <= now) {
        this.unlock(m);
        this.counters.lockExpiries++;
        this.broker.counters.lockExpiries++;
        this.returnOrDeadLetter(m);
      }
    }
    for (const m of this.messages.values()) {
      if (m.state === 'scheduled' && m.scheduledAt <= now) {
        m.state = 'active';
        m.scheduledAt = undefined;
        this.insertAvailable(m.seq);
      }
    }
    if (this.dedup.size > 1000 || (now % 1000) < 50) {
      for (const [k, until] of this.dedup) if (until <= now) this.dedup.delete(k);
    }
    if (this.dlq) this.dlq.tick(now);
  }

  counts() {
    let active = 0; let locked = 0; let scheduled = 0; let available = 0;
    for (const m of this.messages.values()) {
      if (m.state === 'scheduled') scheduled++;
      else { active++; if (m.state === 'locked') locked++; else available++; }
    }
    return { active, available, locked, scheduled, deadLetter: this.dlq ? this.dlq.messages.size : 0 };
  }
}

class Broker {
  constructor(options) {
    this.now = options.now || (() => Date.now());
    this.defaults = options.defaults;
    this.entities = new Map();  // lower-case queue name -> Entity
    this.counters = { deliveries: 0, lockExpiries: 0 };
    this.sequence = 0;
    this.listeners = [];        // (entity) => void, when messages become available
  }

  nextSequence() { return ++this.sequence; }
  notify(entity) { for (const l of this.listeners) l(entity); }

  createQueue(name, settings) {
    const key = name.toLowerCase();
    if (this.entities.has(key)) return { entity: this.entities.get(key), created: false };
    const s = { ...this.defaults, ...(settings || {}) };
    const e = new Entity(name, s, this);
    this.entities.set(key, e);
    return { entity: e, created: true };
  }

  deleteQueue(name) { return this.entities.delete(name.toLowerCase()); }

  // "q", "q/$DeadLetterQueue" -> Entity (case-insensitive); undefined when unknown.
  resolve(path) {
    const p = String(path || '').replace(/^\/+/, '').toLowerCase();
    if (p.endsWith(DLQ_SUFFIX)) {
      const q = this.entities.get(p.slice(0, -DLQ_SUFFIX.length));
      return q ? q.dlq : undefined;
    }
    return this.entities.get(p);
  }

  tick() {
    const now = this.now();
    for (const e of this.entities.values()) e.tick(now);
  }
}

module.exports = { Broker, Entity, SbError, lockLost };
