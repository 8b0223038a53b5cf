import type { ServerVersion } from '@hearth/contracts';

export type MoveKind = 'upgrade' | 'switch';

/** The words for a move to a newer version, and to any other (an older one, or the same one built elsewhere). */
export const MOVE_TEXT: Record<MoveKind, { button: string; to: string; title: string; job: string }> = {
  upgrade: { button: 'hearth.versions.upgrade', to: 'hearth.versions.upgrade_to', title: 'hearth.versions.dialog.title_upgrade', job: 'hearth.versions.job_upgrade' },
  switch: { button: 'hearth.versions.switch', to: 'hearth.versions.switch_to', title: 'hearth.versions.dialog.title_switch', job: 'hearth.versions.job_switch' },
};

type StateLook = Record<ServerVersion['state'], { label: string; colour: 'success' | 'info' | 'default' }>;

const PACKAGE_STATE_LOOK: StateLook = {
  installed: { label: 'hearth.versions.state.installed', colour: 'success' },
  installable: { label: 'hearth.versions.state.installable', colour: 'info' },
  unavailable: { label: 'hearth.versions.state.unavailable', colour: 'default' },
};

/** A container image is built (or not yet) rather than installed. */
const IMAGE_STATE_LOOK: StateLook = {
  installed: { label: 'hearth.versions.state.built', colour: 'success' },
  installable: { label: 'hearth.versions.state.buildable', colour: 'info' },
  unavailable: { label: 'hearth.versions.state.unavailable', colour: 'default' },
};

export function stateLook(version: Pick<ServerVersion, 'source' | 'state'>) {
  return (version.source === 'image' ? IMAGE_STATE_LOOK : PACKAGE_STATE_LOOK)[version.state];
}

/** Where a version comes from, as a catalogue key taking the suite: the host's package, a tree of the version store, or a container image. */
export function originText(version: Pick<ServerVersion, 'source' | 'state'>): string {
  if (version.source === 'system') return 'hearth.versions.source.system';
  if (version.source === 'image') {
    return { installed: 'hearth.versions.source.image', installable: 'hearth.versions.source.image_installable', unavailable: 'hearth.versions.source.image_unavailable' }[version.state];
  }
  return version.state === 'installable' ? 'hearth.versions.source.installable' : 'hearth.versions.source.tree';
}

/** The upgrade dialog's plan: installing (or building) the version first when it isn't there yet. */
export function planText(version: Pick<ServerVersion, 'source' | 'state'>): string {
  const first = version.state === 'installable';
  if (version.source === 'image') return first ? 'hearth.versions.dialog.plan_image_build' : 'hearth.versions.dialog.plan_image';
  return first ? 'hearth.versions.dialog.plan_install' : 'hearth.versions.dialog.plan';
}

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
