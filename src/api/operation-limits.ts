import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../queries/paging/page.js';
import { BadRequestError, LimitExceededError } from './request.errors.js';

/**
 * Bounds on one operation, checked before graphql-js parses (its parser recurses once per
 * nesting level: 20,000 nested brackets overflow the stack) or validates it (some of its
 * rules grow faster than the document: a fragment that spreads another twice, thirty times
 * over, selects 2^30 fields).
 */
export const OPERATION_LIMITS = {
  /** Characters of query text; the variables travel apart, in the 1 MB body. */
  queryLength: 100_000,
  /** Brackets `( [ {` open at once, outside strings and comments. */
  nesting: 64,
  /** Fragment definitions in one document. */
  fragments: 100,
  /** Mutations one operation runs: each is a command that may write. */
  mutations: 10,
  /** Fields under another name (`a: account(...)`), counted through fragments. */
  aliases: 50,
  /** Fields one operation selects, counted through fragments as often as they are spread. */
  fields: 1_000,
  /**
   * The operation's cost: each field costs 1, and what a paged field selects is counted once
   * per row its page may hold (see pageRows). One full page of a 20-field type costs about
   * 4,200; the budget fits two such pages, or ten of the default size, in one request.
   */
  cost: 10_000,
} as const;

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c;
const HASH = 0x23;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const OPENERS = new Set([0x28, 0x5b, 0x7b]); // ( [ {
const CLOSERS = new Set([0x29, 0x5d, 0x7d]); // ) ] }

/** Where the string literal opening at `start` ends (its last quote), or the source's end. */
function endOfString(source: string, start: number): number {
  if (source.startsWith('"""', start)) {
    let end = source.indexOf('"""', start + 3);
    // `\"""` inside a block string is an escaped quote, not its end.
    while (end > 0 && source.charCodeAt(end - 1) === BACKSLASH) {
      end = source.indexOf('"""', end + 3);
    }
    return end === -1 ? source.length : end + 2;
  }
  for (let i = start + 1; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE || code === NEWLINE || code === RETURN) return i;
  }
  return source.length;
}

/**
 * Whether brackets nest deeper than `limit` anywhere in a GraphQL source, outside its
 * strings and comments: one pass, no recursion, on every request (a few hundred characters
 * cost well under a microsecond).
 */
export function nestsDeeperThan(source: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (OPENERS.has(code)) {
      depth++;
      if (depth > limit) return true;
    } else if (CLOSERS.has(code)) {
      depth--;
    } else if (code === QUOTE) {
      i = endOfString(source, i);
    } else if (code === HASH) {
      const newline = source.indexOf('\n', i);
      i = newline === -1 ? source.length : newline;
    }
  }
  return false;
}

/** Checks the query text before it is parsed. */
export function checkQueryText(source: string): void {
  if (source.length > OPERATION_LIMITS.queryLength) {
    throw new LimitExceededError(
      `The query is ${source.length} characters long; at most ${OPERATION_LIMITS.queryLength} are accepted`,
    );
  }
  if (nestsDeeperThan(source, OPERATION_LIMITS.nesting)) {
    throw new LimitExceededError(
      `The query nests brackets more than ${OPERATION_LIMITS.nesting} deep`,
    );
  }
}

interface SelectionCount {
  /** Fields at every level below the selection set. */
  fields: number;
  aliases: number;
  /** Fields at its own level (through fragments): an operation's root fields. */
  top: number;
  /** Fields weighted by the rows of the pages they sit in. */
  cost: number;
}

const NOTHING: SelectionCount = { fields: 0, aliases: 0, top: 0, cost: 0 };

/*
 * The schema's types are read by shape, not with graphql-js's isObjectType/getNamedType:
 * the schema is built by the copy of graphql that Nest loads (CommonJS), and those
 * checks throw on a type from another copy ("from another module or realm").
 */
function fieldsOf(
  type: GraphQLNamedType | undefined,
): Record<string, GraphQLField<unknown, unknown>> | undefined {
  // Object and interface types: the types whose fields a selection picks.
  return type !== undefined && 'getInterfaces' in type ? type.getFields() : undefined;
}

function namedTypeOf(type: GraphQLType): GraphQLNamedType {
  let named: GraphQLType = type;
  while ('ofType' in named) named = named.ofType;
  return named;
}

/**
 * The rows a paged field (one with a `first` argument) may return: its literal `first`,
 * the largest page when `first` is a variable (the document is checked once, before any
 * variables are known), or its default when `first` is left out. Other fields: 1.
 */
function pageRows(
  definition: GraphQLField<unknown, unknown> | undefined,
  field: FieldNode,
): number {
  const parameter = definition?.args.find((arg) => arg.name === 'first');
  if (parameter === undefined) return 1;
  const given = field.arguments?.find((arg) => arg.name.value === 'first')?.value;
  if (given === undefined) {
    return typeof parameter.defaultValue === 'number' ? parameter.defaultValue : DEFAULT_PAGE_SIZE;
  }
  if (given.kind === Kind.INT) return Math.min(Math.max(Number(given.value), 1), MAX_PAGE_SIZE);
  // A variable, or a literal of the wrong type that validation refuses next.
  return MAX_PAGE_SIZE;
}

/**
 * Counts fields and aliases through fragments, each fragment worked out once: a fragment
 * bomb costs as many steps as it has lines, however many fields it expands to.
 */
class SelectionCounter {
  private readonly counted = new Map<string, SelectionCount>();
  private readonly counting = new Set<string>();

  constructor(
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly schema: GraphQLSchema,
  ) {}

  /** `type`: the selection's parent type; undefined where the schema has none (validation's). */
  count(
    selectionSet: SelectionSetNode | undefined,
    type: GraphQLNamedType | undefined,
  ): SelectionCount {
    const total = { fields: 0, aliases: 0, top: 0, cost: 0 };
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const definition = fieldsOf(type)?.[selection.name.value];
        const inner = this.count(
          selection.selectionSet,
          definition === undefined ? undefined : namedTypeOf(definition.type),
        );
        total.fields += 1 + inner.fields;
        total.aliases += (selection.alias === undefined ? 0 : 1) + inner.aliases;
        total.top += 1;
        total.cost += 1 + pageRows(definition, selection) * inner.cost;
      } else {
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT
            ? this.count(
                selection.selectionSet,
                this.typeNamed(selection.typeCondition?.name.value) ?? type,
              )
            : this.countFragment(selection.name.value);
        total.fields += inner.fields;
        total.aliases += inner.aliases;
        total.top += inner.top;
        total.cost += inner.cost;
      }
    }
    return total;
  }

  private typeNamed(name: string | undefined): GraphQLNamedType | undefined {
    return name === undefined ? undefined : (this.schema.getType(name) ?? undefined);
  }

  private countFragment(name: string): SelectionCount {
    const known = this.counted.get(name);
    if (known !== undefined) return known;
    const fragment = this.fragments.get(name);
    // Unknown and cyclic spreads are graphql-js's to refuse (validation); they add nothing here.
    if (fragment === undefined || this.counting.has(name)) return NOTHING;
    this.counting.add(name);
    const count = this.count(
      fragment.selectionSet,
      this.typeNamed(fragment.typeCondition.name.value),
    );
    this.counting.delete(name);
    this.counted.set(name, count);
    return count;
  }
}

function checkOperation(
  operation: OperationDefinitionNode,
  counter: SelectionCounter,
  schema: GraphQLSchema,
): void {
  const root = schema.getRootType(operation.operation) ?? undefined;
  const { fields, aliases, top, cost } = counter.count(operation.selectionSet, root);
  const { mutations: maxMutations, aliases: maxAliases, fields: maxFields } = OPERATION_LIMITS;
  if (operation.operation === 'mutation' && top > maxMutations) {
    throw new LimitExceededError(
      `The operation runs ${top} mutations; at most ${maxMutations} are accepted in one request`,
    );
  }
  if (aliases > maxAliases) {
    throw new LimitExceededError(
      `The operation uses ${aliases} aliases; at most ${maxAliases} are accepted`,
    );
  }
  if (fields > maxFields) {
    throw new LimitExceededError(
      `The operation selects ${fields} fields (fragments counted each time they are spread); at most ${maxFields} are accepted`,
    );
  }
  if (cost > OPERATION_LIMITS.cost) {
    throw new LimitExceededError(
      `The operation's cost is ${cost} (each field 1, a page's fields once per row it may hold); ` +
        `at most ${OPERATION_LIMITS.cost} is accepted: ask for smaller pages or fewer of them`,
    );
  }
}

/**
 * Whether graphql-js's parser made the document. Mercurius parses a query that is not
 * GraphQL as a JSON syntax tree, which skips the parser's checks (and `5` or `null` reach
 * validation as documents); a parsed document's `loc` is a Location object, which JSON
 * cannot make. (Compared by prototype: under test, graphql may load twice.)
 */
function isParsedDocument(document: DocumentNode): boolean {
  const loc: unknown = (document as Partial<DocumentNode> | null)?.loc;
  return typeof loc === 'object' && loc !== null && Object.getPrototypeOf(loc) !== Object.prototype;
}

/** Checks a parsed document before graphql-js validates it. */
export function checkDocument(document: DocumentNode, schema: GraphQLSchema): void {
  if (!isParsedDocument(document)) {
    throw new BadRequestError('"query" must be a GraphQL document');
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  let fragmentCount = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
      fragmentCount += 1;
    }
  }
  if (fragmentCount > OPERATION_LIMITS.fragments) {
    throw new LimitExceededError(
      `The document defines more than ${OPERATION_LIMITS.fragments} fragments`,
    );
  }
  const counter = new SelectionCounter(fragments, schema);
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) checkOperation(definition, counter, schema);
  }
}

/**
 * Mercurius's `preValidation` hook: runs when a query is first parsed, not on the later
 * requests that find it in Mercurius's cache. (The text is checked on every request, by
 * the route's hook: see http-request.hooks.ts.)
 */
export const checkDocumentHook = (schema: GraphQLSchema, document: DocumentNode): void =>
  checkDocument(document, schema);
