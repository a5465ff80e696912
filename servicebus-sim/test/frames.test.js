// The frames the project's C++ client (src/queue/servicebus_*) sends and reads,
// sent with raw AMQP (rhea) where the SDK never sends them the same way:
// - the delivery tag is the lock token in .NET Guid byte order (the uuid of
//   renew-lock is the tag with its first three fields byte-swapped);
// - the header: delivery-count 0 on the first delivery, first-acquirer unset;
// - receiver settle mode first (qpid-proton's delivery.accept() settles at
//   once): accepted completes, but a settlement after the lock expired is
//   dropped without any error the client can see;
// - released gives the message back without counting the delivery (a client
//   that abandons with released never reaches max delivery count);
//   modified(delivery-failed) is Service Bus's abandon and counts it;
//   rejected with com.microsoft:dead-letter and info {DeadLetterReason,
//   DeadLetterErrorDescription} dead-letters;
// - x-opt-scheduled-enqueue-time on a sent message schedules it;
// - renew-lock without associated-link-name does not keep the receiver
//   attached; with it, it does;
// - $management answers statusCode/statusDescription/errorCondition, $cbs
//   answers status-code/status-description.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const rhea = require('rhea');
const {
  startPrivate, sleep, waitFor, sasToken, rawConnect, requestLink, putToken,
} = require('./lib');

let emu;
let conn;
let mgmt = {};
test.before(async () => {
  emu = await startPrivate(['--idle-timeout', '0']);
  conn = await rawConnect(emu.amqpPort);
  const cbs = requestLink(conn, '$cbs');
  const reply = await putToken(cbs, 'sb://127.0.0.1/', sasToken('sb://127.0.0.1/', Math.floor(Date.now() / 1000) + 600));
  assert.deepStrictEqual(Object.keys(reply).sort(), ['status-code', 'status-description']);
});
test.after(async () => { conn.close(); await emu.stop(); if (process.env.SHOW_LOGS) console.log(emu.logs.join('')); });

function management(q) {
  if (!mgmt[q]) mgmt[q] = requestLink(conn, `${q}/$management`);
  return mgmt[q];
}

// A peek-lock receiver in settle mode FIRST (as qpid-proton's default).
function receiver(q, extra = {}) {
  const r = conn.open_receiver({ source: { address: q }, autoaccept: false, credit_window: 0, rcv_settle_mode: 0, ...extra });
  const queue = [];
  const waiters = [];
  r.on('message', (ctx) => { const w = waiters.shift(); if (w) w(ctx); else queue.push(ctx); });
  return {
    link: r,
    next(timeoutMs = 3000) {
      r.add_credit(1);
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message')), timeoutMs);
        waiters.push((ctx) => { clearTimeout(t); resolve(ctx); });
      });
    },
  };
}

function send(q, msg) {
  return new Promise((resolve, reject) => {
    const s = conn.open_sender({ target: { address: q } });
    s.once('sendable', () => s.send(msg));
    s.once('accepted', () => { s.close(); resolve(); });
    s.once('rejected', (ctx) => reject(new Error(JSON.stringify(ctx.delivery.remote_state))));
  });
}

const dotnet = (tag) => Buffer.from([3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => tag[i]));
const renew = (q, uuidBytes, props = {}) => management(q).request({
  application_properties: { operation: 'com.microsoft:renew-lock', ...props },
  body: { 'lock-tokens': rhea.types.wrap_array([uuidBytes], 0x98) },
});

test('lock token byte order, header delivery-count, first-acquirer, $management replies', async () => {
  const q = await emu.createQueue('tags', { lock: 30 });
  await send(q, { message_id: 'm', body: 'x' });
  const r = receiver(q);
  const ctx = await r.next();
  const tag = Buffer.from(ctx.delivery.tag);
  assert.strictEqual(tag.length, 16);
  const [adm] = await emu.messages(q);
  assert.ok(ctx.message.delivery_count === undefined || ctx.message.delivery_count === 0);
  assert.ok(!ctx.message.first_acquirer, 'first-acquirer is not set');
  assert.ok(ctx.message.message_annotations['x-opt-locked-until'] instanceof Date);
  assert.strictEqual(typeof ctx.message.message_annotations['x-opt-sequence-number'], 'number');

  const wrong = await renew(q, tag);
  assert.strictEqual(wrong.application_properties.statusCode, 410, 'the tag bytes as they are: no such lock');
  assert.strictEqual(wrong.application_properties.errorCondition, 'com.microsoft:message-lock-lost');
  assert.ok(wrong.application_properties.statusDescription);
  const ok = await renew(q, dotnet(tag));
  assert.strictEqual(ok.application_properties.statusCode, 200, 'the tag in .NET order is the lock token');
  assert.ok(ok.body.expirations[0] instanceof Date);
  assert.ok(new Date(adm.lockedUntil).getTime() <= ok.body.expirations[0].getTime());
  ctx.delivery.accept();
  await waitFor('completed', async () => (await emu.queueState(q)).counts.active === 0, 3000);
});

test('released does not count a delivery, modified does; rejected with the dead-letter condition dead-letters', async () => {
  const q = await emu.createQueue('outcomes', { lock: 30, maxdc: 10 });
  await send(q, { message_id: 'r', body: 'r' });
  const r = receiver(q);
  let ctx = await r.next();
  ctx.delivery.release();
  ctx = await r.next();
  assert.ok(!ctx.message.delivery_count, 'released did not count the delivery');
  ctx.delivery.modified({ delivery_failed: true, undeliverable_here: false });
  ctx = await r.next();
  assert.strictEqual(ctx.message.delivery_count, 1, 'modified counted the delivery');
  ctx.delivery.reject({ condition: 'com.microsoft:dead-letter', description: 'd', info: { DeadLetterReason: 'Poison', DeadLetterErrorDescription: 'cannot parse' } });
  await waitFor('dead-lettered', async () => (await emu.deadLetters(q)).length === 1, 3000);
  const [dead] = await emu.deadLetters(q);
  assert.deepStrictEqual([dead.deadLetterReason, dead.deadLetterDescription, dead.deliveryCount], ['Poison', 'cannot parse', 2]);
  const dlq = receiver(`${q}/$DeadLetterQueue`);
  const d = await dlq.next();
  assert.strictEqual(d.message.application_properties.DeadLetterReason, 'Poison');
  assert.strictEqual(d.message.application_properties.DeadLetterErrorDescription, 'cannot parse');
  d.delivery.accept();
  const st = await emu.queueState(q);
  assert.deepStrictEqual([st.counters.released, st.counters.abandoned, st.counters.deadLettered], [1, 1, 1]);
});

test('settle mode first: an accept after the lock expired is lost without an error; the message comes back', async () => {
  const q = await emu.createQueue('late', { lock: 1 });
  await send(q, { message_id: 'late', body: 'late' });
  const r = receiver(q);
  const ctx = await r.next();
  await sleep(1300);
  ctx.delivery.accept();  // settled at once: no outcome comes back to the client
  await sleep(200);
  const st = await emu.queueState(q);
  assert.strictEqual(st.counters.completed, 0);
  assert.strictEqual(st.counters.lockLostErrors, 1);
  const again = await r.next();
  assert.strictEqual(again.message.message_id, 'late');
  assert.strictEqual(again.message.delivery_count, 1);
  again.delivery.accept();
});

test('settle mode second (the SDKs): the broker answers a late settlement with rejected(message-lock-lost)', async () => {
  const q = await emu.createQueue('late2', { lock: 1 });
  await send(q, { message_id: 'x', body: 'x' });
  const r = receiver(q, { rcv_settle_mode: 1 });
  const ctx = await r.next();
  await sleep(1300);
  const outcome = new Promise((resolve) => r.link.once('settled', (c) => resolve(c.delivery.remote_state)));
  ctx.delivery.accept();
  const state = await outcome;
  assert.strictEqual(state.error.condition, 'com.microsoft:message-lock-lost');
});

test('x-opt-scheduled-enqueue-time on a sent message schedules it', async () => {
  const q = await emu.createQueue('sched');
  const at = new Date(Date.now() + 1200);
  await send(q, { message_id: 's', body: 's', message_annotations: { 'x-opt-scheduled-enqueue-time': at } });
  assert.strictEqual((await emu.queueState(q)).counts.scheduled, 1);
  const r = receiver(q);
  const ctx = await r.next(4000);
  assert.ok(Date.now() >= at.getTime());
  ctx.delivery.accept();
});

test('renew-lock without associated-link-name does not keep the receiver attached; with it, it does', async () => {
  for (const named of [false, true]) {
    const q = await emu.createQueue(named ? 'named' : 'unnamed', { lock: 2, idle: 1.5 });
    await send(q, { message_id: 'long', body: 'long' });
    const r = receiver(q, { name: `recv-${named}` });
    const ctx = await r.next();
    const lock = dotnet(Buffer.from(ctx.delivery.tag));
    for (let i = 0; i < 8; i++) {
      await sleep(400);
      const reply = await renew(q, lock, named ? { 'associated-link-name': `recv-${named}` } : {});
      assert.strictEqual(reply.application_properties.statusCode, 200, 'renewing by lock token works with or without the link');
    }
    const st = await emu.queueState(q);
    assert.strictEqual(st.counters.idleDetachesByKind.receive, named ? 0 : 1,
      named ? 'named renewals are receiver activity' : 'anonymous renewals are not: the receiver is force-detached');
    assert.strictEqual(st.counters.lockExpiries, 0);
    if (named) ctx.delivery.accept();
  }
});
