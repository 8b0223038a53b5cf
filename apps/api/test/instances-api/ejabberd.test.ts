import { lifecycleThroughTheApi } from './lifecycle';

// Real ejabberd 23.01 nodes, each as its own uid and gid when the tests run as root.
lifecycleThroughTheApi('ejabberd', { first: 25900, last: 25999 }, /^2\d\.\d\d/);
