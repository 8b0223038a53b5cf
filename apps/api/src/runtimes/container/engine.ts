import Docker from 'dockerode';

/**
 * A client of the Docker Engine API on a unix socket: Docker's own daemon, or Podman's
 * Docker-compatible service (`podman system service`). Pinned to API 1.41, the newest both
 * speak (Podman 4.3), so the same requests go to either.
 */
export const ENGINE_API_VERSION = 'v1.41';

export function connectEngine(socketPath: string): Docker {
  return new Docker({ socketPath, version: ENGINE_API_VERSION });
}

/** Whether the engine answers GET /_ping (cheap: /version takes a third of a second on Podman), or why not. */
export async function enginePing(engine: Docker): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await engine.ping();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
