import { type ASTVisitor, type FieldNode, GraphQLError, type ValidationRule } from 'graphql';

/**
 * Refuses `__schema` and `__type` where introspection is off. Judged on the document alone,
 * unlike graphql-js's NoSchemaIntrospectionCustomRule, which compares type objects and so
 * fails when the schema comes from another copy of the graphql module (as under a test
 * runner). `__typename` stays allowed: clients need it to tell union members apart.
 */
export const noIntrospectionRule: ValidationRule = (context): ASTVisitor => ({
  Field(field: FieldNode): void {
    const name = field.name.value;
    if (name === '__schema' || name === '__type') {
      context.reportError(
        new GraphQLError(
          `Introspection is off on this server ("${name}"); the schema is published as schema.graphql`,
          { nodes: field },
        ),
      );
    }
  },
});
