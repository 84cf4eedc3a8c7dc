/** Route ids of the polling routes (built in, present when some route is `async`); reserved. */
export const operationRouteIds = { list: 'operations-list', show: 'operation', result: 'operation-result' } as const;
