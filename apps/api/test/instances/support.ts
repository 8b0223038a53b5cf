import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Element } from '@xmpp/client';
import type { Driver, InstanceContext } from '../../src/drivers/driver';
import { generateSecrets } from '../../src/drivers/secrets';
import { waitHealthy } from '../../src/drivers/wait-healthy';
import { allocatePorts } from '../../src/runtimes/ports';
import { ProcessRuntime } from '../../src/runtimes/process/process.runtime';

/**
 * A base directory for test instances that the unprivileged instance user can traverse
 * (mkdtemp makes it 0700, which nobody:nogroup could not enter).
 */
export async function makeBaseDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `hearth-${prefix}-`));
  await chmod(dir, 0o711);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Renders, writes and starts an instance, waits until it is healthy and bootstraps it; answers how many ms it took to be healthy. */
export async function provision(driver: Driver, context: InstanceContext): Promise<number> {
  const rendered = await driver.render(context.spec, context.secrets);
  await context.runtime.writeFiles(context.spec, rendered.files);
  await driver.prepare(context);
  const started = performance.now();
  await context.runtime.start({ ...context.spec, process: rendered.process });
  await waitHealthy(driver, context, { timeoutMs: 30_000 });
  const readyMs = Math.round(performance.now() - started);
  await driver.bootstrap(context);
  return readyMs;
}

/** The test servers of one test file: under one base directory, on ports from the file's own range. */
export interface TestServers {
  readonly runtime: ProcessRuntime;
  /**
   * Registers the suite's hooks: before its tests, a running, bootstrapped instance of the driver
   * with these accounts (each with the password `<name>-password`); destroyed after them.
   */
  instance(driver: Driver, id: string, domain: string, usernames: readonly string[]): () => InstanceContext;
}

/** Call at the top of a test file: its hooks make the base directory before the tests and remove it after. */
export function testServers(prefix: string, range: { readonly first: number; readonly last: number }): TestServers {
  const runtime = new ProcessRuntime({ stopTimeoutMs: 15_000 });
  const taken = new Set<number>();
  let base: Awaited<ReturnType<typeof makeBaseDir>>;
  before(async () => {
    base = await makeBaseDir(prefix);
  });
  after(async () => {
    await base.remove();
  });
  return {
    runtime,
    instance(driver, id, domain, usernames) {
      let context: InstanceContext | undefined;
      before(async () => {
        const detection = await driver.detect();
        if (!detection.available) throw new Error(`${driver.displayName} is needed for these tests: ${detection.installHint}`);
        const ports = await allocatePorts(driver.portNames.map((port) => ({ name: port.name, host: '127.0.0.1' })), { taken, range });
        for (const port of Object.values(ports)) taken.add(port);
        const created: InstanceContext = {
          spec: { id, kind: driver.kind, domain, bindAddress: '127.0.0.1', dir: join(base.dir, id), ports, settings: {} },
          runtime,
          secrets: generateSecrets(driver),
        };
        context = created;
        await provision(driver, created);
        for (const username of usernames) await driver.createUser(created, username, `${username}-password`);
      });
      after(async () => {
        if (context) await runtime.destroy(context.spec).catch(() => undefined);
      });
      return () => {
        if (!context) throw new Error(`${id} is not provisioned yet`);
        return context;
      };
    },
  };
}

export interface LoginOptions {
  port: number;
  domain: string;
  username: string;
  password: string;
}

/**
 * Logs in with a real XMPP client library (no DNS: the service URL names the address), sends
 * a message to itself and waits until it comes back. Rejects when the login fails.
 */
export async function loginAndEcho(options: LoginOptions, whileOnline?: () => Promise<void>, timeoutMs = 10_000): Promise<string> {
  const { client, xml } = await import('@xmpp/client');
  const xmpp = client({
    service: `xmpp://127.0.0.1:${options.port}`,
    domain: options.domain,
    username: options.username,
    password: options.password,
    resource: 'test',
  });
  xmpp.reconnect.stop();
  xmpp.on('error', () => undefined);
  const me = `${options.username}@${options.domain}/test`;
  const body = `hello ${Math.random()}`;
  const echoed = new Promise<string>((resolve) => {
    xmpp.on('stanza', (stanza: { is(name: string): boolean; getChildText(name: string): string | null }) => {
      if (stanza.is('message') && stanza.getChildText('body') === body) resolve(body);
    });
  });
  let timeout: NodeJS.Timeout | undefined;
  const timer = new Promise<never>((_, reject) => {
    timeout = setTimeout(() => reject(new Error(`XMPP login/echo timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([xmpp.start(), timer]);
    await xmpp.send(xml('message', { to: me, type: 'chat' }, xml('body', {}, body)));
    const result = await Promise.race([echoed, timer]);
    await whileOnline?.();
    return result;
  } finally {
    clearTimeout(timeout);
    const stopping = performance.now();
    await xmpp.stop().catch(() => undefined);
    if (process.env.DEBUG_XMPP) console.log('stop took', performance.now() - stopping);
  }
}

/** A logged-in client that stays online until stop(). */
export interface OnlineClient {
  /** Settles when the server ends the session: the stream error's condition, or 'closed'. */
  readonly ended: Promise<string>;
  send(to: string, body: string): Promise<void>;
  /** Every message the client received, in order (offline ones included). */
  readonly messages: readonly Element[];
  /** The first received message that matches, waiting for it if none has come yet. */
  message(match: (message: Element) => boolean, timeoutMs?: number): Promise<Element>;
  /** Stores a vCard with this full name and a roster item for the contact, as a client would. */
  saveProfile(fullName: string, contact: string): Promise<void>;
  /** Blocks or unblocks a JID (XEP-0191), as a client's "block" does; settles once the server has done it. */
  setBlocked(jid: string, blocked: boolean): Promise<void>;
  stop(): Promise<void>;
}

/** Logs in with a real XMPP client and sends initial presence, as chat clients do. Rejects when the login fails. */
export async function goOnline(options: LoginOptions, resource = 'test', timeoutMs = 10_000): Promise<OnlineClient> {
  const { client, xml } = await import('@xmpp/client');
  const xmpp = client({ service: `xmpp://127.0.0.1:${options.port}`, domain: options.domain, username: options.username, password: options.password, resource });
  xmpp.reconnect.stop();
  // @xmpp/connection 0.14 throws from a socket handler when the stream's end arrives after a stream
  // error already dropped its parser (xmpp.js issue 860), which would end the test process.
  const connection = xmpp as unknown as { parser: unknown; _onData(data: Buffer): void; iqCaller: { set(element: Element): Promise<unknown> } };
  const onData = connection._onData;
  connection._onData = function (this: typeof connection, data: Buffer) {
    if (this.parser) onData.call(this, data);
  };
  // xmpp.js 0.14 zeroes its count of received stanzas (stream management) only once it has handled
  // <enabled/>, which can be after it counted stanzas that came with it: its acks then go backwards,
  // Prosody ends the stream and puts the messages it counts as unacknowledged in offline storage.
  // Nothing is sent until stream management is on.
  const streamManagement = (xmpp as unknown as { streamManagement: { enabled: boolean } }).streamManagement;
  let offered = false;
  xmpp.on('element', (element: Element) => {
    if (element.name === 'stream:features' && element.getChild('sm', 'urn:xmpp:sm:3')) offered = true;
  });
  const messages: Element[] = [];
  const listeners = new Set<() => void>();
  xmpp.on('stanza', (stanza: Element) => {
    if (!stanza.is('message')) return;
    messages.push(stanza);
    for (const listener of listeners) listener();
  });
  let condition = 'closed';
  xmpp.on('error', (error: { condition?: string }) => {
    condition = error.condition ?? condition;
  });
  const ended = new Promise<string>((resolve) => {
    xmpp.on('close', () => resolve(condition));
    xmpp.on('disconnect', () => resolve(condition));
  });
  let timeout: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      xmpp.start(),
      new Promise<never>((_, reject) => {
        timeout = setTimeout(() => reject(new Error(`XMPP login timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await xmpp.stop().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timeout);
  }
  if (offered) await waitFor(() => streamManagement.enabled, timeoutMs, 'stream management to be enabled');
  await xmpp.send(xml('presence'));
  return {
    ended,
    send: (to, body) => xmpp.send(xml('message', { to, type: 'chat' }, xml('body', {}, body))),
    messages,
    message: (match, waitMs = 5_000) =>
      new Promise<Element>((resolve, reject) => {
        const check = () => {
          const found = messages.find(match);
          if (!found) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`No matching message within ${waitMs} ms (received ${messages.length})`));
        }, waitMs);
        listeners.add(check);
        check();
      }),
    saveProfile: async (fullName, contact) => {
      await connection.iqCaller.set(xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, fullName)));
      await connection.iqCaller.set(xml('query', { xmlns: 'jabber:iq:roster' }, xml('item', { jid: contact })));
    },
    setBlocked: async (jid, blocked) => {
      await connection.iqCaller.set(xml(blocked ? 'block' : 'unblock', { xmlns: 'urn:xmpp:blocking' }, xml('item', { jid })));
    },
    stop: async () => {
      await xmpp.stop().catch(() => undefined);
    },
  };
}

/** Whether a login fails (with the server's SASL condition as the reason). */
export async function loginFails(options: LoginOptions): Promise<string | undefined> {
  try {
    await loginAndEcho(options);
    return undefined;
  } catch (error) {
    return (error as { condition?: string }).condition ?? (error as Error).message;
  }
}

/**
 * Every process of this host whose working directory or command line mentions the directory:
 * an independent check (not the runtime's own) that nothing of an instance is left.
 */
export async function processesMentioning(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const [cwd, cmdline, stat] = await Promise.all([
      readlink(`/proc/${entry}/cwd`).catch(() => ''),
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/stat`, 'utf8').catch(() => ''),
    ]);
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
    if (cwd.startsWith(dir) || cmdline.includes(dir)) found.push(`${entry}: ${cmdline.replace(/\0/g, ' ').trim()}`);
  }
  return found;
}

/** A zombie counts as dead: it only waits for its parent (often init) to collect its exit status. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

export async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Addresses listening on a TCP port of this host, from /proc/net/tcp and tcp6 (e.g. "127.0.0.1"). */
export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 4 || fields[3] !== '0A') continue;
      const [address, portHex] = fields[1].split(':');
      if (parseInt(portHex, 16) !== port) continue;
      found.push(address.length === 8 ? decodeIpv4(address) : address === '00000000000000000000000000000000' ? '::' : `ipv6:${address}`);
    }
  }
  return found.sort();
}

function decodeIpv4(hex: string): string {
  // Little-endian on x86 and arm64.
  return [6, 4, 2, 0].map((offset) => parseInt(hex.slice(offset, offset + 2), 16)).join('.');
}

/** The text of every log the instance wrote (the runtime's console log and the server's own logs). */
export async function allLogs(dir: string): Promise<string> {
  const texts: string[] = [];
  for (const sub of ['hearth', 'logs']) {
    const entries = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const entry of entries.filter((name) => name.includes('log'))) texts.push(await readFile(join(dir, sub, entry), 'utf8'));
  }
  return texts.join('\n');
}
