// Calibration with @azure/service-bus 7.9.5: connections dropped through the
// admin interface (a TCP reset, then an AMQP close with
// amqp:connection:forced) while messages flow: the SDK reconnects and goes on;
// locks held at the drop stay with the broker until they expire (then the
// message comes back with delivery count + 1); nothing is lost.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const { startPrivate, sleep, waitFor } = require('./lib');

test('the SDK reconnects after injected drops; every message is completed', async () => {
  const emu = await startPrivate();
  const q = await emu.createQueue('drops', { lock: 2 });
  // Short retries and a 3 s operation timeout: a settlement in flight when its
  // connection drops waits for that timeout (60 s by default) before it fails.
  const client = new ServiceBusClient(emu.connectionString(), {
    retryOptions: { retryDelayInMs: 200, maxRetryDelayInMs: 1000, maxRetries: 10, timeoutInMs: 3000 },
  });
  const total = 30;
  const completed = new Set();
  const redeliveries = [];
  let stop = false;
  try {
    const sender = client.createSender(q);
    // No auto-renewal: a receiveMessages call that fails with a connection
    // error throws away the messages it had already received while the SDK
    // keeps renewing their locks (batchingReceiver rejects the batch; the
    // LockRenewer is not stopped), so they would stay invisible for up to
    // maxAutoLockRenewalDurationInMs (5 min by default).
    const receiver = client.createReceiver(q, { maxAutoLockRenewalDurationInMs: 0 });
    const consume = (async () => {
      while (!stop) {
        let batch = [];
        try {
          batch = await receiver.receiveMessages(5, { maxWaitTimeInMs: 300 });
        } catch (e) {
          await sleep(100);
          continue;
        }
        for (const m of batch) {
          if (m.deliveryCount > 0) redeliveries.push(m.messageId);
          try {
            await receiver.completeMessage(m);
            completed.add(m.messageId);
          } catch (e) {
            // The drop took the lock's link with it: the broker gives the message back after the lock expires.
          }
        }
      }
    })();
    for (let i = 0; i < total; i++) {
      await sender.sendMessages({ body: i, messageId: `m${i}` });
      if (i === 10) assert.strictEqual((await emu.admin('POST', '/admin/drop-connections')).dropped, 1);
      if (i === 20) assert.strictEqual((await emu.admin('POST', '/admin/drop-connections?mode=close')).dropped, 1);
      await sleep(50);
    }
    try {
      await waitFor('every message completed', async () => completed.size === total, 30000, 100);
    } catch (e) {
      const missing = [...Array(total).keys()].map((i) => `m${i}`).filter((id) => !completed.has(id));
      throw new Error(`${e.message}: missing ${missing}; broker: ${JSON.stringify((await emu.queueState(q)).counts)} ${JSON.stringify(await emu.messages(q))}`);
    }
    stop = true;
    await consume;
    const st = await emu.state();
    assert.ok(st.counters.connectionsOpened >= 3, `connections: ${st.counters.connectionsOpened}`);
    assert.strictEqual(st.counters.connectionsClosedByAdmin, 2);
    assert.strictEqual(st.queues[q].counts.active, 0);
    assert.strictEqual(st.queues[q].counters.completed, total, 'each message completed once by the broker');
    assert.strictEqual(st.queues[q].counters.deliveries - total, st.queues[q].counters.lockExpiries,
      'every extra delivery is one lock that expired after a drop');
    for (const id of redeliveries) assert.ok(completed.has(id));
  } finally {
    stop = true;
    await client.close();
    await emu.stop();
  }
});
