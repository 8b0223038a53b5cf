/**
 * Reads a SQLite database a running server writes to, again while SQLite answers "database is
 * locked": even with a busy timeout, a reader can be refused at once while a write commits, and
 * more often on a loaded machine.
 */
export async function retryLocked<T>(read: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= attempts || !/database is locked/.test((error as Error).message)) throw error;
      await new Promise((done) => setTimeout(done, 300));
    }
  }
}
