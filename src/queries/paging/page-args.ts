import { Args, Int } from '@nestjs/graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page.js';

/** `first`: the page size, 1 to MAX_PAGE_SIZE. */
export const FirstArg = (): ParameterDecorator =>
  Args('first', {
    type: () => Int,
    nullable: true,
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `Page size, 1 to ${MAX_PAGE_SIZE}`,
  });

/** `after`: the endCursor of the previous page. */
export const AfterArg = (): ParameterDecorator =>
  Args('after', {
    type: () => String,
    nullable: true,
    description: 'The endCursor of the previous page',
  });
