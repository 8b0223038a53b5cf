/** Reads a password from standard input (a pipe or a file), dropping one trailing newline. */
export async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Password (then Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
