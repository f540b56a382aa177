/** The fakes' answers: typed bodies built cheaply, and errors shaped as each server shapes them. */

/**
 * The error class and SQLSTATE MLflow 3 derives from an error code (error_classification.py,
 * _CLIENT_ERROR_CODE_TO_ERROR_CLASS and _CLIENT_ERROR_CODE_TO_SQLSTATE); a code it does not
 * list gets neither, and the body leaves both out.
 */
const CLASSIFIED: Readonly<Record<string, readonly [errorClass: string, sqlstate: string]>> = {
  BAD_REQUEST: ["INVALID_PARAMETER_VALUE", "KAM00"],
  CUSTOMER_UNAUTHORIZED: ["PERMISSION_DENIED", "KAM00"],
  ENDPOINT_NOT_FOUND: ["RESOURCE_NOT_FOUND", "KAM00"],
  FEATURE_DISABLED: ["FEATURE_DISABLED", "KAM00"],
  INTERNAL_ERROR: ["CLIENT_INTERNAL_ERROR", "XXM00"],
  INVALID_PARAMETER_VALUE: ["INVALID_PARAMETER_VALUE", "KAM00"],
  INVALID_STATE: ["CLIENT_INTERNAL_ERROR", "XXM00"],
  NOT_FOUND: ["RESOURCE_NOT_FOUND", "KAM00"],
  PERMISSION_DENIED: ["PERMISSION_DENIED", "KAM00"],
  RESOURCE_ALREADY_EXISTS: ["RESOURCE_ALREADY_EXISTS", "KAM00"],
  RESOURCE_DOES_NOT_EXIST: ["RESOURCE_NOT_FOUND", "KAM00"],
  TEMPORARILY_UNAVAILABLE: ["CLIENT_INTERNAL_ERROR", "XXM00"],
};

/**
 * MLflow 3's error body: `{ error_code, message, sqlstate, error_class }`, with the HTTP status
 * MLflow maps the code to.
 */
export function mlflowError(status: number, errorCode: string, message: string): Response {
  const classified = CLASSIFIED[errorCode];
  return Response.json(
    {
      error_code: errorCode,
      message,
      ...(classified ? { sqlstate: classified[1], error_class: classified[0] } : {}),
    },
    { status },
  );
}

/** Airflow 3's (FastAPI) error body: `{ detail }`; 422 validation errors carry a list. */
export function airflowError(status: number, detail: unknown): Response {
  return Response.json({ detail }, { status });
}

/** UTF-8 byte length of a string without encoding it (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

const encoder = new TextEncoder();
/** A text body's bytes, as `bytes()` gives them (`.buffer` is theirs alone: `arrayBuffer()`). */
export function utf8Bytes(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text) as Uint8Array<ArrayBuffer>;
}

/**
 * A text body read the way the Fetch Body methods read one: once (a second read rejects, as
 * undici's does), a null body as "". TextRequest and TextResponse answer from it until they
 * make a real Request or Response, which then answers instead.
 */
export class TextBody {
  readonly #text: string | null;
  #used = false;

  constructor(text: string | null) {
    this.#text = text;
  }

  get bodyUsed(): boolean {
    return this.#used;
  }
  text(): Promise<string> {
    if (this.#text === null) return Promise.resolve("");
    if (this.#used)
      return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.#used = true;
    return Promise.resolve(this.#text);
  }
  json(): Promise<unknown> {
    return this.text().then((t) => JSON.parse(t));
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.text().then((t) => utf8Bytes(t).buffer);
  }
  bytes(): Promise<Uint8Array> {
    return this.text().then(utf8Bytes);
  }
  /** `real`, made from the same text, read too when this body was: a body read stays read. */
  carryOver<R extends { arrayBuffer(): Promise<ArrayBuffer> }>(real: R): R {
    if (this.#used) void real.arrayBuffer();
    return real;
  }
}

/** The body reads TextBody shares with a real Request or Response (whose types lack bytes()). */
export type BodyReader = Pick<TextBody, "bodyUsed" | "text" | "json" | "arrayBuffer" | "bytes">;

/** The reason phrases msw's HttpResponse gives the statuses the fakes answer with typed bodies. */
const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  204: "No Content",
};

/**
 * A typed answer as msw's `HttpResponse.json`/`.text` and openapi-msw's `empty()` build it: the
 * same status, status text, Content-Type and Content-Length (headers in `init` win), the same
 * bytes. msw builds its Headers twice, measures the text through a Blob and wraps a
 * FetchResponse, most of a small answer's cost; this is one Response with a plain header record,
 * whose body stays text until read (see TextResponse).
 */
export function answer(
  status: number,
  init: ResponseInit | undefined,
  body?: { readonly text: string; readonly type: string },
): Response {
  // Node's native count where there is one (the common case, and much faster); else the loop.
  const length =
    body === undefined
      ? "0"
      : String(
          typeof Buffer === "function"
            ? Buffer.byteLength(body.text, "utf8")
            : utf8Length(body.text),
        );
  const code = init?.status ?? status;
  const statusText = init?.statusText ?? STATUS_TEXT[code] ?? "";
  let headers: Record<string, string> | Headers;
  if (init?.headers === undefined) {
    headers = { "content-length": length };
    if (body !== undefined) headers["content-type"] = body.type;
  } else {
    headers = new Headers(init.headers);
    if (body !== undefined && !headers.has("content-type")) headers.set("content-type", body.type);
    if (!headers.has("content-length")) headers.set("content-length", length);
  }
  const full = { status: code, statusText, headers };
  return body === undefined ? new Response(null, full) : new TextResponse(body.text, full);
}

/** The body members TextResponse answers itself. */
type BodyMember =
  | "body"
  | "bodyUsed"
  | "arrayBuffer"
  | "blob"
  | "formData"
  | "json"
  | "text"
  | "clone";
// Response's types declare its body members as readonly properties, which a subclass may not
// redefine as methods; at run time they are prototype members like any other.
const ResponseBase: new (body: null, init: ResponseInit) => Omit<Response, BodyMember> = Response;

/**
 * A Response whose body is kept as the string it was made from until read. undici turns a
 * string body into a ReadableStream as the Response is built, and `text()` reads it back through
 * that stream: most of what a small answer costs. Here text(), json(), arrayBuffer() and bytes()
 * answer from the string (once, like any body); whatever needs the stream (`body`, clone(),
 * blob(), formData()) gets a real Response of the same text and init, made on first use, which
 * answers everything from then on. Status, headers and the rest are the Response's own.
 */
class TextResponse extends ResponseBase implements Response {
  readonly #text: string;
  readonly #init: ResponseInit;
  readonly #body: TextBody;
  #real: Response | undefined;

  constructor(text: string, init: ResponseInit) {
    super(null, init);
    this.#text = text;
    this.#init = init;
    this.#body = new TextBody(text);
  }

  #reader(): BodyReader {
    return (this.#real as BodyReader | undefined) ?? this.#body;
  }
  #response(): Response {
    this.#real ??= this.#body.carryOver(new Response(this.#text, this.#init));
    return this.#real;
  }

  text(): Promise<string> {
    return this.#reader().text();
  }
  json(): Promise<unknown> {
    return this.#reader().json();
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#reader().arrayBuffer();
  }
  bytes(): Promise<Uint8Array> {
    return this.#reader().bytes();
  }
  get bodyUsed(): boolean {
    return this.#reader().bodyUsed;
  }
  get body(): ReadableStream<Uint8Array> | null {
    return this.#response().body as ReadableStream<Uint8Array> | null;
  }
  blob(): Promise<Blob> {
    return this.#response().blob();
  }
  formData(): Promise<FormData> {
    return this.#response().formData();
  }
  clone(): Response {
    return this.#response().clone();
  }
}
