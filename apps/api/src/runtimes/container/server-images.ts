import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import type Docker from 'dockerode';
import { upstreamVersion } from '../packages/private-apt';
import type { DebianRootfs, RootfsResult, RootfsSpec } from '../rootfs/debian-rootfs';

/**
 * Container images of chat servers, made from Hearth's own Debian root filesystems (no registry
 * is involved): DebianRootfs builds and caches the tree, and the tree goes to the engine as one
 * tar stream through the Engine API's import (POST /images/create?fromSrc=-), with labels that
 * say what it is. The same requests work with Docker and with Podman's compatible service.
 *
 * An import is unnamed until it has fully succeeded (tar exited 0 and the engine answered with
 * an image id); only then is it tagged hearth/<server>:<tag>. So the name never points at a
 * partial image, and an image already named that way, with the labels this import would give,
 * is what ensure() would make again: it is kept (imported: false).
 *
 * What goes into the image is the tree minus what an image must not or need not carry:
 *   - etc/hostname, etc/resolv.conf: debootstrap copies the build host's, and engines mount their
 *     own; but without a network (mode none) Podman mounts no resolv.conf, and Prosody 13's
 *     resolver (lua-unbound) then fails at start-up, so the image has an empty one instead;
 *   - the snakeoil key pair that ssl-cert generates when installed: a private key shared by every
 *     container of the image is no secret, and nothing Hearth runs uses it;
 *   - manual pages, info and translations (about a fifth of a minbase tree). Copyright files stay.
 */

export interface ServerImageSpec {
  /** The server the image runs, e.g. prosody: its repository is hearth/<server>, its org.hearth.server label. */
  readonly server: string;
  /** The image's tag, e.g. bookworm or bookworm-backports. */
  readonly tag: string;
  /** The Debian tree it is made of. */
  readonly rootfs: RootfsSpec;
  /** The package whose version is the server's, e.g. prosody. */
  readonly package: string;
}

export interface ServerImage {
  /** The name as the engine reports it (Podman prefixes docker.io/): use it to create containers. */
  readonly reference: string;
  /** Upstream version of the server, e.g. 13.0.1. */
  readonly version: string;
  /** Debian version of its package, e.g. 13.0.1-1~bpo12+1. */
  readonly packageVersion: string;
  readonly imageId: string;
  /** The version store entry it was made from, e.g. prosody-image/bookworm-981b7b799756. */
  readonly rootfs: string;
}

export interface EnsuredServerImage extends ServerImage {
  /** True when this call imported it, false when the engine already had it. */
  readonly imported: boolean;
}

export type ServerImagePhase = 'rootfs' | 'check' | 'import' | 'tag' | 'done';

export interface ServerImageProgress {
  readonly phase: ServerImagePhase;
  /** 0..100 over the whole ensure(); only ever grows. */
  readonly percent: number;
  readonly message?: string;
}

export type ServerImageErrorCode = 'image/invalid_spec' | 'image/engine_unreachable' | 'image/package_missing' | 'image/import_failed' | 'image/engine_error';

/** What ServerImages throws (building the tree throws RootfsError, with codes of its own). Messages hold no secrets: there are none here. */
export class ServerImageError extends Error {
  constructor(
    readonly code: ServerImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ServerImageError';
  }
}

export const LABELS = {
  server: 'org.hearth.server',
  version: 'org.hearth.version',
  packageVersion: 'org.hearth.package-version',
  rootfs: 'org.hearth.rootfs',
  rootfsBuilt: 'org.hearth.rootfs-built',
  format: 'org.hearth.image-format',
} as const;

// Raise when what goes into an image from the same tree changes, so existing images are replaced.
const IMAGE_FORMAT = '1';
const REPOSITORY_PREFIX = 'hearth/';
const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
// Every label value is written unquoted into a LABEL change, so it must not need quoting.
const LABEL_VALUE = /^[A-Za-z0-9.+~:_/-]+$/;
const TAR_EXCLUDES = [
  './etc/hostname',
  './etc/resolv.conf',
  './etc/ssl/private/ssl-cert-snakeoil.key',
  './etc/ssl/certs/ssl-cert-snakeoil.pem',
  './usr/share/man/*',
  './usr/share/info/*',
  './usr/share/locale/*',
];
// Added from a directory of its own and renamed into place: exclusions match names before renaming.
const EMPTY_RESOLV_CONF = 'hearth-empty-resolv.conf';
const RESOLV_CONF_TRANSFORM = 's,^\\./hearth-empty-resolv\\.conf$,./etc/resolv.conf,';
const TAR_TIMEOUT_MS = 10 * 60_000;
const ROOTFS_SHARE = 85;

export interface ServerImagesOptions {
  readonly engine: Docker;
  readonly rootfs: DebianRootfs;
}

export class ServerImages {
  private readonly engine: Docker;
  private readonly rootfs: DebianRootfs;
  /** Same-process callers for one reference share one promise. */
  private readonly inFlight = new Map<string, Promise<EnsuredServerImage>>();

  constructor(options: ServerImagesOptions) {
    this.engine = options.engine;
    this.rootfs = options.rootfs;
  }

  /** Builds the tree if needed and imports it, unless the engine already has this very image. */
  ensure(spec: ServerImageSpec, onProgress: (progress: ServerImageProgress) => void = () => undefined): Promise<EnsuredServerImage> {
    const name = repositoryTag(spec);
    let running = this.inFlight.get(name);
    if (!running) {
      running = this.ensureNow(spec, name, monotonic(onProgress)).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, running);
    }
    return running;
  }

  /** What the engine has under the spec's name, without building or importing anything. */
  async find(spec: ServerImageSpec): Promise<ServerImage | undefined> {
    const image = await this.inspect(repositoryTag(spec));
    return image ? describeImage(image, repositoryTag(spec)) : undefined;
  }

  /** Whether the engine has an image of that name (any image: e.g. one an instance was upgraded to by hand). */
  async exists(reference: string): Promise<boolean> {
    return (await this.inspect(reference)) !== undefined;
  }

  /** Every named image of this server in the engine, one entry per name, sorted by name. */
  async list(server: string): Promise<ServerImage[]> {
    checkName(server, 'server');
    const images = await this.call('list the images', () => this.engine.listImages({ filters: JSON.stringify({ label: [`${LABELS.server}=${server}`] }) }));
    const found: ServerImage[] = [];
    for (const image of images) {
      for (const tag of image.RepoTags ?? []) {
        const name = shortName(tag);
        if (!name.startsWith(`${REPOSITORY_PREFIX}${server}:`)) continue;
        const described = describeImage({ Id: image.Id, RepoTags: [tag], Config: { Labels: image.Labels } }, name);
        if (described) found.push(described);
      }
    }
    return found.sort((a, b) => a.reference.localeCompare(b.reference));
  }

  private async ensureNow(spec: ServerImageSpec, name: string, progress: Progress): Promise<EnsuredServerImage> {
    const tree = await this.rootfs.ensure(spec.rootfs, (p) => progress('rootfs', (p.percent * ROOTFS_SHARE) / 100, p.message));
    const labels = imageLabels(spec, tree);

    progress('check', ROOTFS_SHARE, `looking for ${name}`);
    const current = await this.inspect(name);
    if (current && Object.entries(labels).every(([key, value]) => current.Config?.Labels?.[key] === value)) {
      progress('done', 100, `${name} is up to date`);
      return { ...describeImage(current, name)!, imported: false };
    }

    progress('import', ROOTFS_SHARE + 1, `importing ${tree.dir}`);
    const total = tree.manifest.sizeBytes ?? 0;
    const imageId = await this.importTree(tree.rootfs, labels, (bytes) => {
      if (total > 0) progress('import', ROOTFS_SHARE + 1 + (12 * Math.min(bytes, total)) / total);
    });

    progress('tag', 98, `tagging ${name}`);
    try {
      const [repo, tag] = splitName(name);
      await this.call(`tag ${name}`, () => this.engine.getImage(imageId).tag({ repo, tag }));
    } catch (error) {
      await this.engine.getImage(imageId).remove().catch(() => undefined);
      throw error;
    }
    // The image of Hearth's that the name pointed at until now, unless a container still uses it (the engine refuses then).
    if (current && current.Id !== imageId && current.Config?.Labels?.[LABELS.server] === spec.server) await this.engine.getImage(current.Id).remove().catch(() => undefined);

    const image = await this.inspect(name);
    const described = image && describeImage(image, name);
    if (!described || described.imageId !== imageId) throw new ServerImageError('image/import_failed', `${name} does not name the image just imported`);
    progress('done', 100, `${name} imported`);
    return { ...described, imported: true };
  }

  /**
   * Streams `tar -c` of the tree into an unnamed import and returns the new image's id. If tar
   * fails, the request is aborted and whatever the engine made of the stream is removed.
   */
  private async importTree(rootfs: string, labels: Record<string, string>, onBytes: (bytes: number) => void): Promise<string> {
    const extra = await mkdtemp(join(tmpdir(), 'hearth-image-'));
    try {
      await writeFile(join(extra, EMPTY_RESOLV_CONF), '', { mode: 0o644 });
      return await this.streamImport(rootfs, extra, labels, onBytes);
    } finally {
      await rm(extra, { recursive: true, force: true });
    }
  }

  private async streamImport(rootfs: string, extra: string, labels: Record<string, string>, onBytes: (bytes: number) => void): Promise<string> {
    const abort = new AbortController();
    const argv = [
      '--numeric-owner',
      '--anchored',
      ...TAR_EXCLUDES.map((path) => `--exclude=${path}`),
      `--transform=${RESOLV_CONF_TRANSFORM}`,
      '-c',
      '-C',
      rootfs,
      '.',
      '-C',
      extra,
      `./${EMPTY_RESOLV_CONF}`,
    ];
    const tar = spawn('tar', argv, {
      env: { PATH: '/usr/bin:/bin', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TAR_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const tarDone = new Promise<void>((resolveTar, rejectTar) => {
      tar.once('error', rejectTar);
      tar.once('close', (code, signal) => (code === 0 ? resolveTar() : rejectTar(new Error(`tar ended with ${signal ?? `exit code ${code}`}: ${stderr.trim()}`))));
    });

    // The body ends only once tar has exited 0; if tar fails, the request is aborted before its
    // end. (Podman 4.3 imports what it received even then, but such an image is never named.)
    let sent = 0;
    const body = tar.stdout.pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sent += chunk.length;
          onBytes(sent);
          done(null, chunk);
        },
        flush(done) {
          tarDone.then(() => done(), () => undefined);
        },
      }),
    );
    // Engines give a container without an Env in its image the usual PATH, so labels are all the image needs.
    const changes = Object.entries(labels).map(([key, value]) => `LABEL ${key}=${value}`);
    const imported = this.call('import the image', async () => importedId(await readAll(await this.engine.importImage(body, { changes, abortSignal: abort.signal }))), 'image/import_failed');

    let failedFirst: 'tar' | 'import' | undefined;
    tarDone.catch(() => {
      failedFirst ??= 'tar';
      abort.abort();
    });
    imported.catch(() => {
      failedFirst ??= 'import';
      // Nothing reads tar's output any more: it would block on the pipe until its timeout.
      tar.kill('SIGKILL');
    });
    const [tarResult, importResult] = await Promise.allSettled([tarDone, imported]);
    if (tarResult.status === 'fulfilled' && importResult.status === 'fulfilled') return importResult.value;
    // An engine may answer as soon as the archive's end-of-archive blocks arrive, before tar reports a file it could not read.
    if (importResult.status === 'fulfilled') await this.engine.getImage(importResult.value).remove().catch(() => undefined);
    if (tarResult.status === 'rejected' && failedFirst !== 'import') {
      throw new ServerImageError('image/import_failed', `Reading ${rootfs} failed: ${(tarResult.reason as Error).message}`);
    }
    throw (importResult as PromiseRejectedResult).reason;
  }

  private inspect(name: string): Promise<Docker.ImageInspectInfo | undefined> {
    return this.call(`inspect ${name}`, () =>
      this.engine
        .getImage(name)
        .inspect()
        .catch((error: { statusCode?: number }) => {
          if (error.statusCode === 404) return undefined;
          throw error;
        }),
    );
  }

  /** Runs an Engine API request, turning what can go wrong into a ServerImageError. */
  private async call<T>(what: string, request: () => Promise<T>, failure: ServerImageErrorCode = 'image/engine_error'): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof ServerImageError) throw error;
      const { code, statusCode, json } = error as { code?: string; statusCode?: number; json?: { message?: string } };
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
        throw new ServerImageError('image/engine_unreachable', `The container engine at ${this.socketPath()} does not answer (${code})`);
      }
      const detail = json?.message ?? (error as Error).message;
      throw new ServerImageError(failure, `Could not ${what}: ${statusCode ? `HTTP ${statusCode}: ` : ''}${detail}`);
    }
  }

  private socketPath(): string {
    return String((this.engine.modem as { socketPath?: unknown }).socketPath ?? 'its address');
  }
}

type Progress = (phase: ServerImagePhase, percent: number, message?: string) => void;

function monotonic(onProgress: (progress: ServerImageProgress) => void): Progress {
  let last = -1;
  return (phase, percent, message) => {
    const value = Math.max(last, Math.min(100, Math.round(percent)));
    // The import reports every chunk it streams: only a new percentage is news.
    if (value === last && message === undefined) return;
    last = value;
    try {
      onProgress(message === undefined ? { phase, percent: value } : { phase, percent: value, message });
    } catch {
      // A failing progress reporter must not break the import.
    }
  };
}

/** hearth/<server>:<tag>, the name Hearth asks for (the engine may report it qualified). */
export function repositoryTag(spec: ServerImageSpec): string {
  checkName(spec.server, 'server');
  checkName(spec.tag, 'tag');
  return `${REPOSITORY_PREFIX}${spec.server}:${spec.tag}`;
}

function checkName(value: string, what: string): void {
  if (!NAME_PATTERN.test(value)) throw new ServerImageError('image/invalid_spec', `Invalid image ${what} ${JSON.stringify(value)}`);
}

function splitName(name: string): [string, string] {
  const colon = name.lastIndexOf(':');
  return [name.slice(0, colon), name.slice(colon + 1)];
}

/** The labels an image of this tree gets: what the server is, and exactly which tree it came from. */
function imageLabels(spec: ServerImageSpec, tree: RootfsResult): Record<string, string> {
  const packageVersion = tree.manifest.installed[spec.package];
  if (!packageVersion) throw new ServerImageError('image/package_missing', `${spec.package} is not installed in ${tree.dir}`);
  const labels = {
    [LABELS.server]: spec.server,
    [LABELS.version]: upstreamVersion(packageVersion),
    [LABELS.packageVersion]: packageVersion,
    [LABELS.rootfs]: `${basename(dirname(tree.dir))}/${basename(tree.dir)}`,
    [LABELS.rootfsBuilt]: tree.manifest.builtAt,
    [LABELS.format]: IMAGE_FORMAT,
  };
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_VALUE.test(value)) throw new ServerImageError('image/invalid_spec', `Label ${key} would need quoting: ${JSON.stringify(value)}`);
  }
  return labels;
}

/**
 * Whether two names are the same image name as engines report it: Docker names Hearth's images
 * hearth/<server>:<tag>, Podman's compatible service docker.io/hearth/..., Podman's own
 * commands localhost/hearth/...
 */
export function sameImageName(a: string, b: string): boolean {
  return shortName(a) === shortName(b);
}

function shortName(name: string): string {
  return name.replace(/^(?:docker\.io\/(?:library\/)?|localhost\/)/, '');
}

function describeImage(image: Pick<Docker.ImageInspectInfo, 'Id' | 'RepoTags'> & { Config?: { Labels?: Record<string, string> | null } }, name: string): ServerImage | undefined {
  const labels = image.Config?.Labels ?? {};
  const reference = (image.RepoTags ?? []).find((tag) => sameImageName(tag, name));
  const version = labels[LABELS.version];
  const packageVersion = labels[LABELS.packageVersion];
  const rootfs = labels[LABELS.rootfs];
  // An image of that name that Hearth did not make is not one of these.
  if (!reference || !version || !packageVersion || !rootfs) return undefined;
  return { reference, version, packageVersion, imageId: image.Id, rootfs };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

/**
 * The image id from the import's answer: Docker streams JSON progress objects and ends with
 * {"status":"sha256:..."}, or reports a failure in the stream as {"error":...} after a 200;
 * Podman answers one object with the id in both "status" and "id".
 */
export function importedId(answer: string): string {
  let id: string | undefined;
  for (const line of answer.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const message = JSON.parse(line) as { error?: string; errorDetail?: { message?: string }; id?: string; status?: string };
    if (message.error || message.errorDetail) throw new ServerImageError('image/import_failed', `The engine refused the import: ${message.errorDetail?.message ?? message.error}`);
    const candidate = message.id ?? message.status;
    if (candidate && /^sha256:[0-9a-f]{64}$/.test(candidate)) id = candidate;
  }
  if (!id) throw new ServerImageError('image/import_failed', 'The engine did not say which image it imported');
  return id;
}
