import { createHmac } from 'node:crypto';

/** What every channel sends; a webhook receives it as its JSON body. */
export interface AlertMessage {
  /** The event's id (a receiver can drop a repeated delivery by it); random for a test alert. */
  id: string;
  event: 'status-change' | 'crash' | 'restart' | 'action' | 'backup-failed' | 'backup-missed' | 'privacy-drift' | 'upgrade-failed' | 'test';
  instance: { id: string; name: string; kind: string; domain: string } | null;
  /** The instance's status after the event. */
  status: string | null;
  previousStatus: string | null;
  /** In plain words, e.g. "The health check failed twice in a row (...)". */
  reason: string;
  at: string;
}

/** A channel as a sender needs it: non-secret settings and the opened secrets. */
export interface ChannelTarget {
  config: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** One way to deliver alerts. Email and chat messages will be further implementations. */
export interface AlertSender {
  readonly kind: string;
  /** Resolves when the receiver took the alert; rejects with a message fit for AlertDelivery.lastError (no secrets). */
  send(target: ChannelTarget, message: AlertMessage): Promise<void>;
}

export const SIGNATURE_HEADER = 'x-hearth-signature';

/** `sha256=<hex HMAC-SHA256 of the exact body>`, the way GitHub signs its webhooks. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** JSON POST; 2xx is delivered, anything else (redirects included) a failure to retry. */
export class WebhookSender implements AlertSender {
  readonly kind = 'webhook';

  constructor(private readonly options: { timeoutMs: number; userAgent: string }) {}

  async send({ config, secrets }: ChannelTarget, message: AlertMessage): Promise<void> {
    const body = JSON.stringify(message);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': this.options.userAgent };
    if (secrets.signingSecret) headers[SIGNATURE_HEADER] = webhookSignature(secrets.signingSecret, body);
    let response: Response;
    try {
      response = await fetch(String(config.url), { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      throw new Error(this.describe(error));
    }
    await response.body?.cancel().catch(() => undefined);
    if (response.status < 200 || response.status > 299) {
      throw new Error(`The receiver answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`);
    }
  }

  /** The cause without the URL, which may carry a token. */
  private describe(error: unknown): string {
    const { name, cause } = error as { name?: string; cause?: { message?: string } };
    if (name === 'TimeoutError' || name === 'AbortError') return `No answer within ${Math.round(this.options.timeoutMs / 1000)} s`;
    return `Could not reach the receiver: ${cause?.message ?? (error as Error).message}`;
  }
}
