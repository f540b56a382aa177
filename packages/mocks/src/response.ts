/** JSON answers shaped the way each server shapes them, shared by the fakes. */

/**
 * MLflow 3's error body: `{ error_code, message, sqlstate, error_class }`, with the HTTP status
 * MLflow maps the code to.
 */
export function mlflowError(status: number, errorCode: string, message: string): Response {
  const errorClass =
    errorCode === "RESOURCE_DOES_NOT_EXIST"
      ? "RESOURCE_NOT_FOUND"
      : errorCode === "BAD_REQUEST"
        ? "INVALID_PARAMETER_VALUE"
        : errorCode;
  return Response.json(
    { error_code: errorCode, message, sqlstate: "KAM00", error_class: errorClass },
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

/**
 * `response(200).json(body)` of openapi-msw with the Content-Length given, so msw does not
 * measure the text through a Blob (most of a small answer's cost). Typed like the call it wraps.
 */
export function sized<B, R>(json: (body: B, init?: ResponseInit) => R, body: B): R {
  const text = JSON.stringify(body);
  // Node's native count where there is one (the common case, and much faster); else the loop.
  const length = typeof Buffer === "function" ? Buffer.byteLength(text, "utf8") : utf8Length(text);
  return json(body, { headers: { "content-length": String(length) } });
}
