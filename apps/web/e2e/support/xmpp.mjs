// A real XMPP client (xmpp.js, which the API's tests use too) to prove that accounts made through
// the console work. No DNS: the service address names the server's loopback port.
import { setTimeout } from 'node:timers/promises';
import { importFromApi } from './hearth.mjs';

const { client, xml } = await importFromApi('@xmpp/client');

const LOGIN_TIMEOUT_MS = 10_000;

/**
 * Signs in as username@domain at `endpoint` ("127.0.0.1:5222") and goes online. Resolves to the
 * session once the server has accepted the password; rejects with the server's refusal (an error
 * whose `condition` is "not-authorized" for a wrong password).
 */
export async function xmppSignIn({ endpoint, domain, username, password, resource = 'hearth-e2e' }) {
  const xmpp = client({ service: `xmpp://${endpoint}`, domain, username, password, resource });
  xmpp.reconnect.stop();
  // xmpp.js 0.14 throws from a socket handler when the stream's end arrives after a stream error
  // already dropped its parser (xmpp.js issue 860), which would end the test process.
  const onData = xmpp._onData;
  xmpp._onData = function (data) {
    if (this.parser) onData.call(this, data);
  };
  let condition = 'closed';
  xmpp.on('error', (error) => {
    condition = error.condition ?? condition;
  });
  const ended = new Promise((resolve) => {
    xmpp.on('close', () => resolve(condition));
    xmpp.on('disconnect', () => resolve(condition));
  });
  const timeout = new AbortController();
  try {
    await Promise.race([
      xmpp.start(),
      setTimeout(LOGIN_TIMEOUT_MS, undefined, { signal: timeout.signal }).then(() => {
        throw new Error(`XMPP sign-in as ${username}@${domain} timed out after ${LOGIN_TIMEOUT_MS} ms`);
      }),
    ]);
  } catch (error) {
    await xmpp.stop().catch(() => undefined);
    throw error;
  } finally {
    timeout.abort();
  }
  await xmpp.send(xml('presence'));
  return {
    /** Settles when the server ends the session: the stream error's condition, or "closed". */
    ended,
    stop: () => xmpp.stop().catch(() => undefined),
  };
}

/** Whether the password works: signs in and straight out again. */
export async function xmppPasswordWorks(account) {
  try {
    await (await xmppSignIn(account)).stop();
    return true;
  } catch (error) {
    if (error.condition === 'not-authorized') return false;
    throw error;
  }
}
