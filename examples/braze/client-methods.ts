import { installedClient, type ClientMethodTable } from '../shared/client-method-row.js';

/**
 * Every method of the community Braze client whose request this example serves (the test checks the list
 * against the client and the gateway), each called in test/braze-api-client.test.ts. The client parses
 * every answer as JSON before it looks at the status, and throws its ResponseError for a non-2xx.
 */
export const brazeApiMethods: ClientMethodTable = {
  client: installedClient('braze-api'),
  example: 'braze',
  rows: [
    { method: 'messages.send', route: 'POST /messages/send', result: 'parses {message: "success", dispatch_id}; no recipients is its ResponseError 400 "No Recipients"' },
    { method: 'sends.id.create', route: 'POST /sends/id/create', result: 'parses {message: "success", send_id}; an unknown campaign is its ResponseError 400 "Invalid Campaign ID"' },
    { method: 'users.delete', route: 'POST /users/delete', result: 'parses {message: "success", deleted}; more than 50 ids is its ResponseError 400 "The max number of ids per request was exceeded"' },
    { method: 'users.track', route: 'POST /users/track', result: 'parses {message: "success", attributes_processed}, also in bulk mode; more than 75 attributes is its ResponseError 400 "Max Input Length Exceeded"' },
  ],
};
