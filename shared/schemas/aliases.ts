/** Request and response schemas of the alias contract routes. */
import { Type, type Static } from 'typebox';
import { Alias, AppName, Timestamp } from './common.js';

export const AliasParams = Type.Object({ app: AppName, alias: Alias }, { additionalProperties: false });

const EXAMPLE_SCHEMA = {
  type: 'object',
  properties: { orderId: { type: 'integer', minimum: 1 } },
  required: ['orderId'],
  additionalProperties: false,
};

export const PublishAliasBody = Type.Object(
  {
    argsSchema: Type.Unknown({
      description:
        'JSON Schema (draft-07 by default; 2019-09 or 2020-12 by `$schema`) that every registration\'s `args` for this alias must match. ' +
        'At most 64 KiB serialized and 32 levels deep.',
    }),
    publishedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Who publishes it (the SDK sends its worker identity).' })),
  },
  { additionalProperties: false, examples: [{ argsSchema: EXAMPLE_SCHEMA, publishedBy: 'orders@host-1:4242' }] },
);
export type PublishAliasBody = Static<typeof PublishAliasBody>;

const declarationFields = {
  app: AppName,
  alias: Alias,
  schemaHash: Type.String({ description: 'SHA-256 of the schema\'s canonical JSON.' }),
  publishedAt: Timestamp,
  publishedBy: Type.Union([Type.String(), Type.Null()], { description: 'The publishing worker\'s identity, if it gave one.' }),
  schemaBytes: Type.Integer({ description: 'Size of the stored schema.' }),
};

const EXAMPLE_DECLARATION = {
  app: 'orders',
  alias: 'order-expiry',
  schemaHash: '9c1185a5c5e9fc54612808977ee8f548b2258d31f2b8f4b5c9c4d4f2a7a0b7a1',
  publishedAt: '2026-11-27T10:00:00.000Z',
  publishedBy: 'orders@host-1:4242',
  schemaBytes: 103,
};

export const AliasDeclaration = Type.Object(declarationFields, { examples: [EXAMPLE_DECLARATION] });

export const AliasDetail = Type.Object(
  { ...declarationFields, argsSchema: Type.Unknown({ description: 'The declared args schema.' }) },
  { examples: [{ ...EXAMPLE_DECLARATION, argsSchema: EXAMPLE_SCHEMA }] },
);

export const AliasList = Type.Object(
  { items: Type.Array(AliasDeclaration, { description: 'Every declared alias of the app, by name.' }) },
  { examples: [{ items: [EXAMPLE_DECLARATION] }] },
);

export const AliasDeleted = Type.Object(
  { app: AppName, alias: Alias, deleted: Type.Literal(true) },
  { examples: [{ app: 'orders', alias: 'order-expiry', deleted: true }] },
);
