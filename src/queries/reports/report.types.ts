import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum ReportBucketInput {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(ReportBucketInput, {
  name: 'ReportBucket',
  description: 'How a report groups its UTC days',
  valuesMap: {
    DAY: { description: 'One row per day' },
    WEEK: { description: 'ISO weeks, Monday to Sunday' },
    MONTH: { description: 'Calendar months' },
  },
});

const BUCKET_START =
  "The bucket's first day, YYYY-MM-DD (UTC); a bucket cut by the range's ends counts only the days inside it";
const COMPLETE =
  'False while the bucket has not ended (a running day, week or month) or the report is stale: its figures may still grow';

/** What every report carries besides its rows: what it reflects and how complete it is. */
@ObjectType({ isAbstract: true })
export abstract class ReportType {
  @Field({ description: 'The log position the report reflects at least (a consistency token)' })
  position!: string;

  @Field({ description: 'True when consistency.atLeast was not reached within its timeout' })
  stale!: boolean;

  @Field({ description: 'True when every bucket has ended and the report is not stale' })
  complete!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The first bucket whose figures may still change; null when complete',
  })
  partialFrom!: string | null;
}

@ObjectType({ isAbstract: true })
abstract class BucketRowType {
  @Field({ description: BUCKET_START })
  bucketStart!: string;

  @Field({ description: COMPLETE })
  complete!: boolean;
}

@ObjectType('FeesReportRow', { description: 'Fees of one currency in one bucket' })
export class FeesReportRowType extends BucketRowType {
  @Field({ description: 'ISO 4217 code' })
  currency!: string;

  @Field({ description: 'Fees charged, a decimal string' })
  charged!: string;

  @Field({ description: 'Fees refunded (orders that failed with nothing filled)' })
  refunded!: string;

  @Field({ description: 'Charged less refunded' })
  net!: string;

  @Field(() => Int, { description: 'Fee events: charges and refunds' })
  count!: number;
}

@ObjectType('VolumeReportRow', { description: 'Trades of one instrument in one bucket' })
export class VolumeReportRowType extends BucketRowType {
  @Field({ description: 'The instrument symbol' })
  instrument!: string;

  @Field({ description: "ISO 4217 code of value: the instrument's currency" })
  currency!: string;

  @Field({ description: 'Shares traded, bought and sold' })
  quantity!: string;

  @Field({ description: 'Value traded: the sum of shares times price of every fill' })
  value!: string;

  @Field(() => Int, { description: 'Fills' })
  fills!: number;
}

@ObjectType('OrderOutcomesReportRow', {
  description: 'Orders that reached a final status in one bucket, by status',
})
export class OrderOutcomesReportRowType extends BucketRowType {
  @Field(() => Int, { description: 'Orders that ended COMPLETED' })
  completed!: number;

  @Field(() => Int, { description: 'Orders that ended REJECTED' })
  rejected!: number;

  @Field(() => Int, { description: 'Orders that ended FAILED' })
  failed!: number;

  @Field(() => Int, { description: 'Orders that ended CANCELLED' })
  cancelled!: number;

  @Field(() => Int, { description: 'Orders that ended EXPIRED' })
  expired!: number;

  @Field(() => Int, { description: 'All five together' })
  total!: number;
}

@ObjectType('CustomerOrdersReportRow', {
  description:
    'Orders placed in one bucket and their fees, across customers, for one order type, instrument and payment method',
})
export class CustomerOrdersReportRowType extends BucketRowType {
  @Field({ description: 'MARKET or LIMIT' })
  orderType!: string;

  @Field({ description: 'The instrument symbol' })
  instrument!: string;

  @Field({
    description:
      "How the orders are paid: the customer's cash account in the instrument's currency, e.g. CASH_USD",
  })
  paymentMethod!: string;

  @Field({ description: 'ISO 4217 code of the fees' })
  currency!: string;

  @Field(() => Int, { description: 'Orders placed' })
  orders!: number;

  @Field({ description: 'Their fees as they stand (refunds taken off)' })
  fees!: string;
}

@ObjectType('TopAccountsReportRow', { description: 'An account among the largest balances' })
export class TopAccountsReportRowType {
  @Field(() => Int, { description: '1 for the largest balance of its currency' })
  rank!: number;

  @Field({ description: 'The account' })
  accountId!: string;

  @Field({ description: "The account's owner" })
  customerId!: string;

  @Field({ description: "The account's name" })
  name!: string;

  @Field({ description: 'ISO 4217 code' })
  currency!: string;

  @Field({ description: 'Cash balance, a decimal string' })
  balance!: string;
}

@ObjectType('FeesReport', { description: 'Fees by bucket and currency' })
export class FeesReportType extends ReportType {
  @Field(() => [FeesReportRowType], { description: 'Every bucket × currency, zeros included' })
  rows!: FeesReportRowType[];
}

@ObjectType('VolumeReport', { description: 'Traded volume and value by bucket and instrument' })
export class VolumeReportType extends ReportType {
  @Field(() => [VolumeReportRowType], { description: 'Every bucket × instrument, zeros included' })
  rows!: VolumeReportRowType[];
}

@ObjectType('OrderOutcomesReport', { description: 'Final statuses of orders by bucket' })
export class OrderOutcomesReportType extends ReportType {
  @Field(() => [OrderOutcomesReportRowType], { description: 'Every bucket, zeros included' })
  rows!: OrderOutcomesReportRowType[];
}

@ObjectType('CustomerOrdersReport', {
  description: 'Order fees across customers by order type, instrument and payment method',
})
export class CustomerOrdersReportType extends ReportType {
  @Field(() => [CustomerOrdersReportRowType], {
    description: 'Every bucket × order type × instrument, zeros included',
  })
  rows!: CustomerOrdersReportRowType[];
}

@ObjectType('TopAccountsReport', {
  description: 'The largest cash balances as the accounts view holds them now, per currency',
})
export class TopAccountsReportType {
  @Field({ description: 'The log position the report reflects at least (a consistency token)' })
  position!: string;

  @Field({ description: 'True when consistency.atLeast was not reached within its timeout' })
  stale!: boolean;

  @Field(() => [TopAccountsReportRowType], {
    description: 'Largest first within each currency; currencies in code order',
  })
  rows!: TopAccountsReportRowType[];
}

@ObjectType('CustodyReportRow', { description: 'Accounts and their cash in one currency' })
export class CustodyReportRowType {
  @Field({ description: 'ISO 4217 code' })
  currency!: string;

  @Field(() => Int, { description: 'Open accounts in this currency' })
  openAccounts!: number;

  @Field(() => Int, { description: 'Closed accounts in this currency' })
  closedAccounts!: number;

  @Field({ description: 'Cash held for customers (every balance summed), a decimal string' })
  balance!: string;

  @Field({ description: 'Of it, cash reserved for open orders, a decimal string' })
  reserved!: string;
}

@ObjectType('CustodyReport', { description: 'Cash under custody per currency, as it stands' })
export class CustodyReportType {
  @Field({ description: 'The log position the report reflects at least (a consistency token)' })
  position!: string;

  @Field({ description: 'True when consistency.atLeast was not reached within its timeout' })
  stale!: boolean;

  @Field(() => [CustodyReportRowType], {
    description: 'One row per currency the ledger keeps, zeros included, in code order',
  })
  rows!: CustodyReportRowType[];
}
