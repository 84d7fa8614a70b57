// ESLint: typescript-eslint with type information. Workflow code must stay deterministic,
// so inside workflows/ Node built-ins and `process` are banned (the bundler is only a backstop).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'client-sdk/dist/', 'coverage/', 'test-results/', 'bench/results/', '.data/', '.tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code is deterministic: no Node built-ins in workflows/.' })),
          patterns: [
            { group: ['../server/*', '../client-sdk/*', '../scripts/*'], message: 'workflows/ imports only @temporalio/workflow, pure types and activity types.' },
            { group: ['../activities/*'], allowTypeImports: true, message: 'Only `import type` from activities/.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'No process in workflows/: configuration reaches the workflow as input.' },
        { name: 'setTimeout', message: 'Use sleep() or condition() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Not available in workflows.' },
        { name: 'Buffer', message: 'Node-only; not available in the workflow sandbox.' },
      ],
    },
  },
  {
    // What an application installs (@delay-callback/client) and the code it shares with the server:
    // nothing of the server, and none of the server's dependencies (test/integration/sdk-package.test.ts
    // installs the packed SDK alone to prove it).
    files: ['client-sdk/**/*.ts', 'shared/**/*.ts', 'activities/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/server/*', '**/scripts/*', '**/test/*', '**/bench/*'], message: 'The SDK package must not depend on the server, scripts or tests.' },
            { group: ['fastify', '@fastify/*', 'fastify-plugin', 'ioredis', 'prom-client', 'pino', '@temporalio/client', 'ajv', 'ajv-formats'], message: 'A server dependency: the SDK package does not install it.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // CommonJS on purpose (a module Temporal loads with require(), e.g. client-sdk/codec/encoded-failure-converter.cjs).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: globals.node },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
