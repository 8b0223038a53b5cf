import { connect } from 'node:net';
import type { ProbeCheck } from './driver';

export interface StreamFeatures {
  readonly mechanisms: readonly string[];
  readonly starttls: 'none' | 'optional' | 'required';
}

export interface ClientPortProbe extends ProbeCheck {
  readonly features?: StreamFeatures;
}

/**
 * The health check every XMPP server gets: open a client stream for the domain and wait for
 * <stream:features>. It proves the port, the virtual host and the stream layer; no login.
 */
export function probeClientPort(host: string, port: number, domain: string, timeoutMs: number): Promise<ClientPortProbe> {
  const started = performance.now();
  return new Promise((resolve) => {
    let received = '';
    let settled = false;
    const socket = connect({ host, port });
    socket.setEncoding('utf8');
    const finish = (ok: boolean, detail: string, features?: StreamFeatures) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) socket.end('</stream:stream>');
      socket.destroySoon();
      resolve({ name: 'c2s', ok, detail, latencyMs: Math.round(performance.now() - started), features });
    };
    const timer = setTimeout(() => finish(false, `no stream features from ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.on('connect', () =>
      socket.write(
        `<?xml version='1.0'?><stream:stream to='${domain}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`,
      ),
    );
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.length > 65536) return finish(false, 'stream header answer too long');
      const error = /<stream:error>\s*<([a-z-]+)/.exec(received);
      if (error) return finish(false, `stream error: ${error[1]}`);
      const features = /<stream:features\s*\/>|<stream:features[\s>][\s\S]*?<\/stream:features>/.exec(received);
      if (!features) return;
      const parsed = parseFeatures(features[0]);
      const tls = parsed.starttls === 'none' ? 'no STARTTLS' : `STARTTLS ${parsed.starttls}`;
      finish(true, `stream features: ${parsed.mechanisms.join(', ') || 'no SASL mechanisms'}; ${tls}`, parsed);
    });
    socket.on('error', (error) => finish(false, `${host}:${port}: ${error.message}`));
    socket.on('close', () => finish(false, `${host}:${port} closed the connection before sending stream features`));
  });
}

function parseFeatures(xml: string): StreamFeatures {
  const mechanisms = [...xml.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((match) => match[1]);
  const starttls = /<starttls[\s>/]/.exec(xml);
  let tls: StreamFeatures['starttls'] = 'none';
  if (starttls) {
    const element = /<starttls[^>]*\/>|<starttls[^>]*>[\s\S]*?<\/starttls>/.exec(xml)?.[0] ?? '';
    tls = /<required\s*\/?>/.test(element) ? 'required' : 'optional';
  }
  return { mechanisms, starttls: tls };
}
