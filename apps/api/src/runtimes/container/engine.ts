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

/** What GET /version says, or why it could not be asked. */
export async function engineVersion(engine: Docker): Promise<{ ok: true; product: string; version: string } | { ok: false; reason: string }> {
  try {
    const info = (await engine.version()) as { Version?: string; Components?: { Name?: string }[] };
    const podman = info.Components?.some((component) => /podman/i.test(component.Name ?? ''));
    return { ok: true, product: podman ? 'Podman' : 'Docker', version: info.Version ?? 'unknown' };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}
