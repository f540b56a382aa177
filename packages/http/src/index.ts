export {
  notJsonSuccess,
  readErrorBody,
  scrub,
  scrubbedBody,
  scrubbedError,
  strictJson,
  unsendableHeader,
} from "./body.js";
export { withHidden } from "./hidden.js";
export {
  COUNT,
  DEADLINE,
  DELAY,
  httpNumbersProblem,
  INTERVAL,
  LIMIT,
  MAP_INDEX,
  MAX_TIMER_MS,
  type NumberRule,
  numberProblem,
  SIZE,
} from "./numbers.js";
export { bypassesProxy, type ProxySettings, proxyFromEnv } from "./proxy.js";
export {
  abortableSleep,
  type CallOptions,
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
  type TlsOptions,
  untilAborted,
  type WaitClock,
  withIdleTimeout,
} from "./transport.js";
