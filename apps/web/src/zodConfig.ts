import { z } from 'zod';

// zod probes for `new Function` to speed up parsing; the console's CSP forbids eval, so
// the probe only logs a CSP violation. Imported first, before any schema is used.
z.config({ jitless: true });
