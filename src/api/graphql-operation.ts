import { type DocumentNode, Kind, type OperationDefinitionNode } from 'graphql';

/**
 * The operation a request runs: the one its `operationName` names, or the document's only
 * (first) one. The request's log line, its span and its latency label all name it.
 */
export function chosenOperation(
  document: DocumentNode,
  operationName: unknown,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (typeof operationName !== 'string') return operations[0];
  return operations.find((operation) => operation.name?.value === operationName);
}
