import { type GraphQLSchema } from 'graphql';

/**
 * Code-first schemas give Query and Mutation no description (no decorator declares them),
 * so they are set here, for the served schema and the committed one alike.
 */
export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  if (query) {
    query.description =
      'Reads. Every field needs a bearer token; a customer sees only its own accounts and orders. ' +
      'View-backed fields take `consistency` to read your own writes';
  }
  const mutation = schema.getMutationType();
  if (mutation) {
    mutation.description =
      'Commands. Every field needs a bearer token and takes one `input`; an optional commandId ' +
      'makes a retry safe. A refused command writes nothing';
  }
  return schema;
}
