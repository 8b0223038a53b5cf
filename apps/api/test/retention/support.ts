import assert from 'node:assert/strict';
import { SERVER_KNOBS } from '@hearth/contracts';
import type { Driver, InstanceContext, InstanceSettings, KnobReading, ServerKnob, ServerRetention } from '../../src/drivers/driver';
import { retentionOf, sameKnob } from '../../src/drivers/retention';
import { waitHealthy } from '../../src/drivers/wait-healthy';

/** A policy for an XMPP server: a day of archive and offline messages, two days of uploads, quiet logs. */
export function xmppPolicy(changes: Partial<ServerRetention> = {}): ServerRetention {
  return {
    messageDays: 1,
    mediaDays: 2,
    remoteMediaDays: 0,
    ipDays: 0,
    redactedDays: 0,
    offlineDays: 1,
    pushContent: false,
    presence: true,
    urlPreviews: false,
    trustedKeyServers: [],
    logLevel: 'warn',
    logIps: false,
    ...changes,
  };
}

/**
 * What the instance.reconfigure job does with new settings, in its order: render and write the
 * config, prepare, stop, start, wait until healthy. Answers the context with the new settings.
 */
export async function reconfigure(driver: Driver, context: InstanceContext, settings: InstanceSettings): Promise<InstanceContext> {
  const next: InstanceContext = { ...context, spec: { ...context.spec, settings } };
  const rendered = await driver.render(next.spec, next.secrets);
  await next.runtime.writeFiles(next.spec, rendered.files);
  await driver.prepare(next);
  await next.runtime.stop(next.spec);
  await next.runtime.start({ ...next.spec, process: rendered.process });
  await waitHealthy(driver, next, { timeoutMs: 30_000 });
  return next;
}

/** Stops and starts the server on the files as they are (edited behind Hearth's back, say). */
export async function restartAsIs(driver: Driver, context: InstanceContext): Promise<void> {
  const rendered = await driver.render(context.spec, context.secrets);
  await context.runtime.stop(context.spec);
  await context.runtime.start({ ...context.spec, process: rendered.process });
  await waitHealthy(driver, context, { timeoutMs: 30_000 });
}

/** The knobs whose reading differs from what the settings want, the way the reconfigure job's read-back compares them. */
export function differing(readings: Partial<Record<ServerKnob, KnobReading>>, settings: InstanceSettings): string[] {
  const wanted = retentionOf({ settings });
  return (Object.keys(readings) as ServerKnob[])
    .filter((knob) => !sameKnob(readings[knob]!.value, wanted[knob]))
    .map((knob) => `${knob}: read ${JSON.stringify(readings[knob]!.value)}, wanted ${JSON.stringify(wanted[knob])} (${readings[knob]!.detail})`);
}

/** Every knob is either read back or unsupported with a reason, never both. */
export function assertCoverage(driver: Driver, readings: Partial<Record<ServerKnob, KnobReading>>): void {
  const read = Object.keys(readings).sort();
  const unsupported = Object.keys(driver.unsupportedKnobs).sort();
  assert.deepEqual([...read, ...unsupported].sort(), [...SERVER_KNOBS].sort(), 'each knob exactly once');
  for (const knob of unsupported) assert.ok((driver.unsupportedKnobs[knob as ServerKnob] ?? '').length > 20, `a reason for ${knob}`);
  for (const knob of read) assert.ok(readings[knob as ServerKnob]!.detail.length > 0, `a detail for ${knob}`);
}
