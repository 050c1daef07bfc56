/**
 * Worker requests of the live view (merged into `Requests`/`Responses` of protocol.ts).
 * No DOM types, no runtime imports.
 */

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LiveRequests {}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface LiveResponses {}
