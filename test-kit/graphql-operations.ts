/** The write side's GraphQL operations, as a client sends them: the tests', the benchmarks' and the crash soak's. */
export const OPEN_ACCOUNT = `mutation ($input: OpenAccountInput!) { openAccount(input: $input) { id revision position } }`;
export const DEPOSIT = `mutation ($input: MoveFundsInput!) { depositFunds(input: $input) { id revision position } }`;
export const WITHDRAW = `mutation ($input: MoveFundsInput!) { withdrawFunds(input: $input) { id revision position } }`;
export const PLACE_ORDER = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { id revision position } }`;
export const CANCEL_ORDER = `mutation ($input: CancelOrderInput!) { cancelOrder(input: $input) { id revision position } }`;
export const CLOSE_ACCOUNT = `mutation ($input: CloseAccountInput!) { closeAccount(input: $input) { id revision position } }`;

export interface CommandResultData {
  readonly id: string;
  readonly revision: string;
  readonly position: string;
}
