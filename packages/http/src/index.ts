export {
  notJsonSuccess,
  readErrorBody,
  scrub,
  scrubbedBody,
  scrubbedError,
  strictJson,
  unsendableHeader,
} from "./body.js";
export {
  createHttpTransport,
  type HttpOptions,
  HttpRequestError,
  type HttpTransportOptions,
  IDEMPOTENT_HEADER,
  type RequestFailure,
  type RetryInfo,
  type RetryOptions,
  retryAfterMs,
  type SendOptions,
  type WaitClock,
  withIdleTimeout,
} from "./transport.js";
