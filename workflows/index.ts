// The workflow bundle's entry: every workflow the service worker runs.
export { delayCallback } from './delay-callback.js';
