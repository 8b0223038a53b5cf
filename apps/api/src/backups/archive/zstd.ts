import { spawn } from 'node:child_process';
import { Duplex, PassThrough } from 'node:stream';

/**
 * zstd through Debian's zstd program (Node 20 has no zstd of its own): one worker thread, so a
 * backup leaves the other cores to the servers. The result is a plain .zst stream that
 * `zstd -d` reads.
 */
export function zstdCompress(level = 3): Duplex {
  return zstd(['-q', '-c', `-${level}`, '-T1']);
}

export function zstdDecompress(): Duplex {
  return zstd(['-q', '-d', '-c']);
}

function zstd(args: string[]): Duplex {
  const child = spawn('zstd', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-500);
  });
  // Its output ends only once zstd exited cleanly: a corrupt input must fail the pipeline, not
  // end it as if the data were complete.
  const output = new PassThrough();
  child.stdout.pipe(output, { end: false });
  child.on('close', (code, signal) => {
    if (code === 0) output.end();
    else output.destroy(new Error(`zstd failed (${signal ?? `exit ${code}`}): ${stderr.trim() || 'no message'}`));
  });
  child.on('error', (error) => output.destroy(error));
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  duplex.on('close', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return duplex;
}
