import { lifecycleThroughTheApi } from './lifecycle';

// Real Prosody 0.12 processes, each as its own uid and gid when the tests run as root.
lifecycleThroughTheApi('prosody', { first: 25800, last: 25899 }, /^0\.12\./);
