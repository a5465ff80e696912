// Calibration with @azure/service-bus 7.9.5: lock duration and expiry (an
// expired lock makes the message available again, delivery count + 1), the
// SDK's MessageLockLost error when settling or renewing after expiry, and max
// delivery count -> dead-letter queue with MaxDeliveryCountExceeded.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const { fixture, sleep } = require('./lib');

// The SDK's receivers renew locks on their own (maxAutoLockRenewalDurationInMs,
// 5 minutes by default): switched off here so locks can expire.
const NO_AUTO_RENEW = { maxAutoLockRenewalDurationInMs: 0 };

let emu;
test.before(async () => { emu = await fixture(); });
test.after(async () => { await emu.stop(); });

test('expired lock: redelivered with count + 1; settle and renew after expiry are MessageLockLost', async () => {
  const q = await emu.createQueue('expiry', { lock: 1.5, maxdc: 5 });
  const client = new ServiceBusClient(emu.connectionString());
  try {
    await client.createSender(q).sendMessages({ body: 'x', messageId: 'x' });
    const receiver = client.createReceiver(q, NO_AUTO_RENEW);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(first.deliveryCount, 0);
    const lockedFor = first.lockedUntilUtc.getTime() - Date.now();
    assert.ok(lockedFor > 1000 && lockedFor <= 1500, `locked for ${lockedFor} ms`);
    await sleep(lockedFor + 300);
    const st = await emu.queueState(q);
    assert.strictEqual(st.counters.lockExpiries, 1);
    assert.deepStrictEqual([st.counts.locked, st.counts.available], [0, 1]);

    await assert.rejects(receiver.completeMessage(first), (e) => e.code === 'MessageLockLost',
      'completing with an expired lock fails with the lock-lost error');
    await assert.rejects(receiver.renewMessageLock(first), (e) => e.code === 'MessageLockLost');

    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    assert.strictEqual(second.messageId, 'x');
    assert.strictEqual(second.deliveryCount, 1, 'the expired lock counted a delivery');
    await receiver.completeMessage(second);
    const end = await emu.queueState(q);
    assert.strictEqual(end.counts.active, 0);
    assert.strictEqual(end.counters.completed, 1);
    assert.strictEqual(end.counters.lockLostErrors, 2);
  } finally {
    await client.close();
  }
});

test('max delivery count: the last abandon or expiry moves the message to the DLQ with MaxDeliveryCountExceeded', async () => {
  const q = await emu.createQueue('maxdc', { lock: 1, maxdc: 3 });
  const client = new ServiceBusClient(emu.connectionString());
  try {
    await client.createSender(q).sendMessages([{ body: 'abandoned', messageId: 'abandoned' }, { body: 'expired', messageId: 'expired' }]);
    const receiver = client.createReceiver(q, NO_AUTO_RENEW);
    const counts = { abandoned: [], expired: [] };
    const deadline = Date.now() + 15000;
    while ((counts.abandoned.length < 3 || counts.expired.length < 3) && Date.now() < deadline) {
      for (const m of await receiver.receiveMessages(2, { maxWaitTimeInMs: 300 })) {
        counts[m.body].push(m.deliveryCount);
        if (m.body === 'abandoned') await receiver.abandonMessage(m);
        // 'expired' is left to its lock.
      }
    }
    assert.deepStrictEqual(counts.abandoned, [0, 1, 2]);
    assert.deepStrictEqual(counts.expired, [0, 1, 2]);
    const dlq = client.createReceiver(q, { subQueueType: 'deadLetter' });
    const dead = [];
    while (dead.length < 2 && Date.now() < deadline + 5000) dead.push(...await dlq.receiveMessages(2, { maxWaitTimeInMs: 500 }));
    assert.deepStrictEqual(dead.map((m) => m.messageId).sort(), ['abandoned', 'expired']);
    for (const m of dead) {
      assert.strictEqual(m.deadLetterReason, 'MaxDeliveryCountExceeded');
      assert.match(m.deadLetterErrorDescription, /3 delivery attempts/);
      await dlq.completeMessage(m);
    }
    const st = await emu.queueState(q);
    assert.strictEqual(st.counters.maxDeliveryDeadLettered, 2);
    assert.strictEqual(st.counters.deliveries, 6);
    assert.strictEqual(st.counts.active, 0);
    assert.strictEqual(st.counts.deadLetter, 0);
  } finally {
    await client.close();
  }
});
