// The public surface of `delay-callback/client-sdk`.
export { DelayCallbackClient } from './client.js';
export { DelayCallbackError } from './errors.js';
export { verifyWebhook, type WebhookHeaders } from './webhooks.js';
export type * from './types.js';
export { temporalOptionsFromEnv, type TemporalConnectionSettings } from './temporal-env.js';
export type * from './schedules.js';
