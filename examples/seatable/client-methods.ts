import { installedClient, type ClientMethodTable } from '../shared/client-method-row.js';

/**
 * Every method of SeaTable's own JavaScript client (its `Base`) whose requests this example serves, once
 * `auth()` has answered `use_api_gateway: true` (the test checks the list against the client and the
 * gateway), each called in test/seatable-api-client.test.ts. `{name}` is an argument of the method.
 */
export const seatableApiMethods: ClientMethodTable = {
  client: installedClient('seatable-api'),
  example: 'seatable',
  rows: [
    { method: 'auth', route: 'GET /api/v2.1/dtable/app-access-token/', result: 'takes the Base-Token, the base and `use_api_gateway`; an invalid API-Token is 401 with a {detail} body' },
    { method: 'getMetadata', route: 'GET /api-gateway/api/v2/dtables/{dtable_uuid}/metadata/', result: 'returns the base\'s metadata: its tables and columns' },
    { method: 'getTables', route: 'GET /api-gateway/api/v2/dtables/{dtable_uuid}/metadata/', result: 'returns the tables of the metadata' },
    { method: 'getTableByName', route: 'GET /api-gateway/api/v2/dtables/{dtable_uuid}/metadata/', result: 'finds a table by name; an unknown name is undefined' },
    { method: 'listRows', route: 'GET /api-gateway/api/v2/dtables/{dtable_uuid}/rows/', result: 'returns the rows of a table; an unknown table is 404 with an {error_msg} body' },
    { method: 'getRow', route: 'GET /api-gateway/api/v2/dtables/{dtable_uuid}/rows/{row_id}/', result: 'returns one row by id; an unknown id is 404 with an {error_msg} body' },
    { method: 'appendRow', route: 'POST /api-gateway/api/v2/dtables/{dtable_uuid}/rows/', result: 'returns the new row (first_row) with its _id' },
    { method: 'insertRow', route: 'POST /api-gateway/api/v2/dtables/{dtable_uuid}/rows/', result: 'returns the new row, appended (the api-gateway has no anchor)' },
    { method: 'batchAppendRows', route: 'POST /api-gateway/api/v2/dtables/{dtable_uuid}/rows/', result: 'returns {inserted_row_count}; the rows are listed after' },
  ],
};
