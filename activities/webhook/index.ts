// The webhook delivery: the activity factory and the pieces the facade and the worker configure it with.
export { createWebhookActivities, DEFAULT_MAX_RESPONSE_BYTES, type WebhookActivityOptions, type WebhookAttemptReport } from './deliver-webhook.js';
export { createGuardedAgents, type GuardedAgents } from './guarded-agent.js';
export { sealHeaders, openHeaders, SealedHeadersError, type HeaderPair } from './header-seal.js';
export { WebhookSecrets, DEFAULT_SECRET_APP, type SigningSecret } from './secrets.js';
export { TargetPolicy, TargetBlockedError, literalIp, parseAllowedCidrs } from './target-policy.js';
