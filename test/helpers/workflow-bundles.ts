/** Workflow bundles beside the run's plain one: with the encrypting failure converter, with the tracing interceptors. */
import { bundleWorkflowCode } from '@temporalio/worker';
import { ENCODED_FAILURE_CONVERTER_PATH } from '../../client-sdk/codec/data-converter.js';
import { tracingInterceptorsPath } from '../../server/tracing/index.js';
import { workflowsPath } from '../../server/worker.js';

const quiet = (): void => undefined;
const logger = { trace: quiet, debug: quiet, info: quiet, log: quiet, warn: console.warn, error: console.error };

export async function workflowBundle(variant: { encrypted?: boolean; traced?: boolean }): Promise<{ code: string }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsPath(),
    failureConverterPath: variant.encrypted ? ENCODED_FAILURE_CONVERTER_PATH : undefined,
    workflowInterceptorModules: variant.traced ? [tracingInterceptorsPath()] : undefined,
    logger,
  });
  return { code };
}
