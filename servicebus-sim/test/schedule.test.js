// Calibration with @azure/service-bus 7.9.5: scheduled messages, both ways the
// SDK schedules (scheduledEnqueueTimeUtc on a sent message = the
// x-opt-scheduled-enqueue-time annotation; sender.scheduleMessages = the
// $management operation com.microsoft:schedule-message), never delivered
// before their time and delivered after it; cancelScheduledMessages.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const { ServiceBusClient } = require('@azure/service-bus');
const { fixture } = require('./lib');

let emu;
test.before(async () => { emu = await fixture(); });
test.after(async () => { await emu.stop(); });

async function receiveUntil(receiver, count, deadlineMs) {
  const got = [];
  while (got.length < count && Date.now() < deadlineMs) {
    const batch = await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: 300 });
    for (const m of batch) { got.push({ m, at: Date.now() }); await receiver.completeMessage(m); }
  }
  return got;
}

test('scheduled by annotation and by $management: not before, then delivered; cancel removes', async () => {
  const q = await emu.createQueue('schedule');
  const client = new ServiceBusClient(emu.connectionString());
  try {
    const sender = client.createSender(q);
    const t0 = Date.now();
    const at = new Date(t0 + 2500);
    await sender.sendMessages({ body: 'annotated', messageId: 'annotated', scheduledEnqueueTimeUtc: at });
    const [seq] = await sender.scheduleMessages({ body: 'managed', messageId: 'managed' }, at);
    const [cancelSeq] = await sender.scheduleMessages({ body: 'cancelled', messageId: 'cancelled' }, at);
    assert.ok(Number(seq) > 0, 'schedule-message returns sequence numbers');
    await sender.cancelScheduledMessages(cancelSeq);

    const st = await emu.queueState(q);
    assert.deepStrictEqual([st.counts.scheduled, st.counts.active], [2, 0]);

    const receiver = client.createReceiver(q);
    const peeked = await receiver.peekMessages(10);
    assert.deepStrictEqual(peeked.map((m) => m.state), ['scheduled', 'scheduled'], 'peek shows scheduled messages as such');
    assert.deepStrictEqual(peeked.map((m) => m.scheduledEnqueueTimeUtc.getTime()), [at.getTime(), at.getTime()]);

    const early = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1500 });
    assert.strictEqual(early.length, 0, `nothing before its time (got ${early.map((m) => m.body)})`);

    const got = await receiveUntil(receiver, 2, t0 + 10000);
    assert.deepStrictEqual(got.map((g) => g.m.body).sort(), ['annotated', 'managed']);
    for (const g of got) {
      assert.ok(g.at >= at.getTime(), `delivered ${g.at - at.getTime()} ms after its time`);
      assert.ok(g.at < at.getTime() + 1500, `delivered ${g.at - at.getTime()} ms after its time (too late)`);
      assert.strictEqual(g.m.deliveryCount, 0);
      assert.ok(g.m.enqueuedTimeUtc.getTime() <= g.at);
    }
    const none = await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 });
    assert.strictEqual(none.length, 0, 'the cancelled one never comes');
    const end = await emu.queueState(q);
    assert.deepStrictEqual([end.counts.scheduled, end.counts.active], [0, 0]);
    assert.strictEqual(end.counters.scheduleCancelled, 1);
  } finally {
    await client.close();
  }
});
