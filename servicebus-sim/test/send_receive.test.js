// Calibration with @azure/service-bus 7.9.5: send, send a batch, peek-lock
// receive, renew the lock, abandon, dead-letter with reason and description
// (read back from the dead-letter queue), complete, duplicate detection, peek;
// over plain AMQP (UseDevelopmentEmulator=true) and over AMQPS.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const { fixture, sleep } = require('./lib');

let emu;
test.before(async () => { emu = await fixture(); });
test.after(async () => { await emu.stop(); });

async function withClient(cs, fn) {
  const client = new ServiceBusClient(cs);
  try { return await fn(client); } finally { await client.close(); }
}

for (const transport of ['amqp', 'amqps']) {
  test(`send, batch, receive peek-lock, complete (${transport})`, async (t) => {
    if (transport === 'amqps' && !emu.amqpsPort) return t.skip('no AMQPS port (no certificate: run under the fixture)');
    const q = await emu.createQueue(`basic-${transport}`);
    const cs = transport === 'amqp' ? emu.connectionString() : emu.tlsConnectionString();
    await withClient(cs, async (client) => {
      const sender = client.createSender(q);
      await sender.sendMessages({ body: { n: 1 }, messageId: 'one', applicationProperties: { kind: 'single' } });
      const batch = await sender.createMessageBatch();
      assert.ok(batch.tryAddMessage({ body: 'two', messageId: 'two' }));
      assert.ok(batch.tryAddMessage({ body: 'three' }));
      await sender.sendMessages(batch);
      assert.deepStrictEqual((await emu.queueState(q)).counts.active, 3);

      const receiver = client.createReceiver(q);
      const got = [];
      while (got.length < 3) got.push(...await receiver.receiveMessages(3 - got.length, { maxWaitTimeInMs: 2000 }));
      assert.deepStrictEqual(got.map((m) => m.body), [{ n: 1 }, 'two', 'three']);
      assert.deepStrictEqual(got.map((m) => m.messageId).slice(0, 2), ['one', 'two']);
      assert.match(String(got[2].messageId), /^[0-9a-f]{32}$/, 'the broker names a message sent without an id');
      assert.strictEqual(got[0].applicationProperties.kind, 'single');
      for (const m of got) {
        assert.strictEqual(m.deliveryCount, 0, 'the JS SDK shows the header delivery-count: 0 on the first delivery');
        assert.match(m.lockToken, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        assert.ok(m.lockedUntilUtc.getTime() > Date.now() + 50000, 'locked for the queue lock duration (60 s)');
        assert.ok(m.enqueuedTimeUtc.getTime() <= Date.now());
      }
      assert.deepStrictEqual(got.map((m) => Number(m.sequenceNumber)), [...got.map((m) => Number(m.sequenceNumber))].sort((a, b) => a - b));
      const st = await emu.queueState(q);
      assert.strictEqual(st.counts.locked, 3);
      for (const m of got) await receiver.completeMessage(m);
      const after = await emu.queueState(q);
      assert.strictEqual(after.counts.active, 0);
      assert.strictEqual(after.counters.completed, 3);
      await assert.rejects(receiver.completeMessage(got[0]), (e) => /already settled|lock/i.test(e.message));
    });
  });
}

test('renew lock moves lockedUntil; abandon counts a delivery; dead-letter keeps reason and description', async () => {
  const q = await emu.createQueue('dispositions', { lock: 5 });
  await withClient(emu.connectionString(), async (client) => {
    const sender = client.createSender(q);
    await sender.sendMessages([{ body: 'a', messageId: 'a' }, { body: 'b', messageId: 'b' }]);
    const receiver = client.createReceiver(q);
    const [a] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(a.body, 'a');
    const before = a.lockedUntilUtc.getTime();
    await sleep(1100);
    const renewed = await receiver.renewMessageLock(a);
    assert.ok(renewed.getTime() >= before + 1000, `renewed ${renewed.toISOString()} vs ${new Date(before).toISOString()}`);
    assert.strictEqual(a.lockedUntilUtc.getTime(), renewed.getTime());
    const [adm] = (await emu.messages(q)).filter((m) => m.messageId === 'a');
    assert.strictEqual(new Date(adm.lockedUntil).getTime(), renewed.getTime(), 'broker and SDK agree on the lock');

    await receiver.abandonMessage(a, { retried: true });
    const [a2] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(a2.messageId, 'a', 'an abandoned message keeps its place in the queue');
    assert.strictEqual(a2.deliveryCount, 1, 'abandon counts the delivery');
    assert.strictEqual(a2.applicationProperties.retried, true, 'abandon applies propertiesToModify');
    assert.notStrictEqual(a2.lockToken, a.lockToken, 'a new lock, a new token');
    await assert.rejects(receiver.renewMessageLock(a), (e) => e.code === 'MessageLockLost');

    await receiver.deadLetterMessage(a2, { deadLetterReason: 'BadPayload', deadLetterErrorDescription: 'field x missing' });
    const [b] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await receiver.completeMessage(b);

    const dlq = client.createReceiver(q, { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(dead.messageId, 'a');
    assert.strictEqual(dead.deadLetterReason, 'BadPayload');
    assert.strictEqual(dead.deadLetterErrorDescription, 'field x missing');
    assert.strictEqual(dead.body, 'a');
    const [adminView] = await emu.deadLetters(q);
    assert.strictEqual(adminView.deadLetterReason, 'BadPayload');
    assert.strictEqual(adminView.deadLetterDescription, 'field x missing');
    await dlq.completeMessage(dead);
    const st = await emu.queueState(q);
    assert.deepStrictEqual([st.counts.active, st.counts.deadLetter], [0, 0]);
    assert.strictEqual(st.counters.abandoned, 1);
    assert.strictEqual(st.counters.deadLettered, 1);
  });
});

test('duplicate detection: a second send with the same messageId is accepted and dropped', async () => {
  const q = await emu.createQueue('dedup', { dup: 30 });
  await withClient(emu.connectionString(), async (client) => {
    const sender = client.createSender(q);
    await sender.sendMessages({ body: 'first', messageId: 'same' });
    await sender.sendMessages({ body: 'second', messageId: 'same' });
    await sender.sendMessages({ body: 'other', messageId: 'other' });
    const st = await emu.queueState(q);
    assert.strictEqual(st.counts.active, 2);
    assert.strictEqual(st.counters.duplicatesDropped, 1);
    const receiver = client.createReceiver(q, { receiveMode: 'receiveAndDelete' });
    const got = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1500 });
    assert.deepStrictEqual(got.map((m) => m.body), ['first', 'other']);
    // Completed (gone) does not end the window: still a duplicate.
    await sender.sendMessages({ body: 'third', messageId: 'same' });
    assert.strictEqual((await emu.queueState(q)).counts.active, 0);
  });
  const off = await emu.createQueue('nodedup');
  await withClient(emu.connectionString(), async (client) => {
    const sender = client.createSender(off);
    await sender.sendMessages({ body: 1, messageId: 'same' });
    await sender.sendMessages({ body: 2, messageId: 'same' });
    assert.strictEqual((await emu.queueState(off)).counts.active, 2, 'no detection unless the queue asks for it');
  });
});

test('peek shows messages without locking them, with the delivery count so far', async () => {
  const q = await emu.createQueue('peek');
  await withClient(emu.connectionString(), async (client) => {
    await client.createSender(q).sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = client.createReceiver(q);
    const peeked = await receiver.peekMessages(10);
    assert.deepStrictEqual(peeked.map((m) => m.body), [1, 2]);
    assert.deepStrictEqual(peeked.map((m) => m.deliveryCount), [0, 0]);
    assert.strictEqual((await emu.queueState(q)).counts.locked, 0);
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    const [again] = await receiver.peekMessages(1, { fromSequenceNumber: m.sequenceNumber });
    assert.strictEqual(again.deliveryCount, 1, 'a peeked message shows the deliveries so far (the .NET SDK adds 1 only to received ones)');
    await receiver.completeMessage(m);
  });
});
