import { createRequire } from 'node:module';
import { type Type } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import {
  GraphQLSchemaBuilderModule,
  GraphQLSchemaFactory,
  RESOLVER_TYPE_METADATA,
} from '@nestjs/graphql';
import { describeRootTypes } from '../api/root-type-descriptions.js';
import { AppModule } from '../app.module.js';
import { loadConfig } from '../config/ledger-config.js';
import { loadMarketConfig } from '../market/market-env.js';

// The graphql module Nest builds the schema with (its CommonJS build): a test runner may
// resolve a plain import to the ES module build, whose functions refuse the other's types.
const { lexicographicSortSchema, printSchema } = createRequire(import.meta.url)(
  'graphql',
) as typeof import('graphql');

/** Where the committed contract lives, relative to the repository root. */
export const SCHEMA_FILE = 'schema.graphql';

/**
 * Every resolver class of the app's module graph. Nest's preview mode wires the graph
 * without instantiating a provider, so no database is opened and nothing starts: the
 * schema comes from the very modules the app runs, and a new resolver cannot be missed.
 */
async function appResolvers(): Promise<Type[]> {
  const preview = await NestFactory.createApplicationContext(
    AppModule.forRoot(loadConfig({}), loadMarketConfig({})),
    { preview: true, logger: false, abortOnError: false },
  );
  try {
    const resolvers = new Set<Type>();
    for (const module of preview.get(ModulesContainer).values()) {
      for (const wrapper of module.providers.values()) {
        const type = wrapper.metatype;
        if (typeof type === 'function' && Reflect.hasMetadata(RESOLVER_TYPE_METADATA, type)) {
          resolvers.add(type as Type);
        }
      }
    }
    return [...resolvers];
  } finally {
    await preview.close();
  }
}

/** The app's GraphQL schema in SDL, types and fields sorted so that diffs show only changes. */
export async function ledgerSchemaSdl(): Promise<string> {
  const resolvers = await appResolvers();
  const builder = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, {
    logger: false,
  });
  try {
    const schema = await builder.get(GraphQLSchemaFactory).create(resolvers);
    return `${printSchema(lexicographicSortSchema(describeRootTypes(schema)))}\n`;
  } finally {
    await builder.close();
  }
}
