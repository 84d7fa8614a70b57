import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The per-user folder where built tools (the Temporal CLI) are cached, outside any clone. */
export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.DELAY_CALLBACK_TOOLS_DIR;
  return configured ? resolve(configured) : join(homedir(), '.cache', 'delay-callback');
}
