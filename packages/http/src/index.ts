export {
  notJsonSuccess,
  readErrorBody,
  scrub,
  scrubbedBody,
  scrubbedError,
  strictJson,
  unsendableHeader,
} from "./body.js";
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
