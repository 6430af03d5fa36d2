import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/**
 * Fields whose subtree is introspection: the standard introspection query nests `ofType`
 * about 8 levels to unwrap lists and non-nulls, so measuring it would refuse every tool
 * (GraphiQL, codegen) under a limit meant for data. Whether introspection is answered at
 * all is decided elsewhere (see graphql.module.ts).
 */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

type Fragments = ReadonlyMap<string, FragmentDefinitionNode>;

/** One operation's walk: its fragments, those being walked, and the depths already known. */
interface Walk {
  readonly fragments: Fragments;
  readonly visiting: Set<string>;
  /** Each fragment is measured once, so a fragment spread many times costs nothing more. */
  readonly known: Map<string, number>;
}

/**
 * How many fields deep a selection set goes (a leaf field is 1). Fragment spreads and
 * inline fragments add no level of their own; a fragment cycle is cut short, as
 * NoFragmentCyclesRule reports it in the same validation pass.
 */
function depthOf(set: SelectionSetNode, walk: Walk): number {
  let deepest = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
      const below = selection.selectionSet ? depthOf(selection.selectionSet, walk) : 0;
      deepest = Math.max(deepest, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, walk));
    } else {
      deepest = Math.max(deepest, fragmentDepth(selection.name.value, walk));
    }
  }
  return deepest;
}

function fragmentDepth(name: string, walk: Walk): number {
  const known = walk.known.get(name);
  if (known !== undefined) return known;
  const fragment = walk.fragments.get(name);
  if (fragment === undefined || walk.visiting.has(name)) return 0;
  walk.visiting.add(name);
  const depth = depthOf(fragment.selectionSet, walk);
  walk.visiting.delete(name);
  walk.known.set(name, depth);
  return depth;
}

function fragmentsOf(context: ValidationContext): Fragments {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  return fragments;
}

/**
 * Refuses an operation nested deeper than `limit` fields, not counting introspection
 * subtrees. Replaces Mercurius's `queryDepth`, which counts them and so refuses the
 * standard introspection query (depth 15) under a limit of 12.
 */
export function queryDepthRule(limit: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation: OperationDefinitionNode): false {
      const walk = {
        fragments: fragmentsOf(context),
        visiting: new Set<string>(),
        known: new Map(),
      };
      const depth = depthOf(operation.selectionSet, walk);
      if (depth > limit) {
        const name = operation.name?.value;
        context.reportError(
          new GraphQLError(
            `${name === undefined ? 'The operation' : `Operation "${name}"`} is ${depth} fields deep; ` +
              `at most ${limit} are allowed (introspection fields are not counted)`,
            { nodes: operation },
          ),
        );
      }
      // Its depth is known: nothing below needs visiting by this rule.
      return false;
    },
  });
}
