/** Builds the GraphQL schema from the domain files; importing them registers their types. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './audit.js';
import './caller.js';
import './errors.js';
import './package.js';
import './product-instance.js';
import './plesk-subscription.js';

export const schema: GraphQLSchema = builder.toSchema();

/** The committed `schema.graphql`: sorted, so that a diff shows only real changes. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
