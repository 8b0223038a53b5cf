import type { ServerVersion } from '@hearth/contracts';

export type MoveKind = 'upgrade' | 'switch';

/** The words for a move to a newer version, and to any other (an older one, or the same one built elsewhere). */
export const MOVE_TEXT: Record<MoveKind, { button: string; to: string; title: string; job: string }> = {
  upgrade: { button: 'hearth.versions.upgrade', to: 'hearth.versions.upgrade_to', title: 'hearth.versions.dialog.title_upgrade', job: 'hearth.versions.job_upgrade' },
  switch: { button: 'hearth.versions.switch', to: 'hearth.versions.switch_to', title: 'hearth.versions.dialog.title_switch', job: 'hearth.versions.job_switch' },
};

export const STATE_LOOK: Record<ServerVersion['state'], { label: string; colour: 'success' | 'info' | 'default' }> = {
  installed: { label: 'hearth.versions.state.installed', colour: 'success' },
  installable: { label: 'hearth.versions.state.installable', colour: 'info' },
  unavailable: { label: 'hearth.versions.state.unavailable', colour: 'default' },
};

/** How a version is shown: its upstream version, else its id (a suite whose package lists were not fetched yet). */
export const versionLabel = (version: Pick<ServerVersion, 'id' | 'version'>) => version.version ?? version.id;

/**
 * An upgrade when the version is newer than the current one; a switch otherwise. An installable
 * version whose number is not known yet (the suite's package lists not fetched) comes from a newer
 * suite than the host's: the drivers offer no other.
 */
export function moveKind(version: ServerVersion, current: string | null): MoveKind {
  if (!version.version) return version.state === 'installable' ? 'upgrade' : 'switch';
  if (!current) return 'switch';
  return version.version.localeCompare(current, undefined, { numeric: true }) > 0 ? 'upgrade' : 'switch';
}
