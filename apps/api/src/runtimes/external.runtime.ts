import type { ExecResult, FileEntry, RunSpec, Runtime, RuntimeStatus, RuntimeTarget, StopResult } from './runtime';
import { RuntimeError } from './runtime';

/**
 * An adopted server runs elsewhere, under someone else's control: Hearth administers it through
 * its API and watches its health, but never starts, stops, configures or deletes it. Health checks
 * ask the server itself, so to them it is always "running" here.
 */
export class ExternalRuntime implements Runtime {
  readonly kind = 'external';

  async start(_spec: RunSpec): Promise<RuntimeStatus> {
    throw notManaged('start');
  }

  /** Nothing to stop: removing an adopted server from Hearth leaves it running. */
  async stop(_target: RuntimeTarget): Promise<StopResult> {
    return { wasRunning: false, forced: false };
  }

  async status(_target: RuntimeTarget): Promise<RuntimeStatus> {
    return { state: 'running' };
  }

  async writeFiles(_target: RuntimeTarget, _files: readonly FileEntry[]): Promise<void> {
    throw notManaged('configure');
  }

  async readLogTail(_target: RuntimeTarget, _lines: number): Promise<string[]> {
    return [];
  }

  async exec(_target: RuntimeTarget, command: string): Promise<ExecResult> {
    throw notManaged(`run ${command} on`);
  }

  /** Forgetting it is all there is to do: its files are not Hearth's. */
  async destroy(_target: RuntimeTarget): Promise<void> {}
}

function notManaged(action: string): RuntimeError {
  return new RuntimeError('runtime/not_managed', `Hearth does not ${action} an adopted server: it runs outside Hearth's control`);
}
