/**
 * Worker requests of the business view (merged into `Requests`/`Responses` of protocol.ts).
 * No DOM types, no runtime imports.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BusinessRequests {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BusinessResponses {}
