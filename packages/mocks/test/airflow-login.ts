import type { AirflowFake } from "../src/index.js";

/**
 * A raw caller of the Airflow fake that logs in first (POST /auth/token as admin) and sends the
 * token with each request: the answer's status and body (JSON when the answer says so, its text
 * otherwise, null when empty).
 */
export async function loggedIn(fake: AirflowFake) {
  const tokenRes = await fake.fetch(`${fake.baseUrl}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin" }),
  });
  const { access_token } = (await tokenRes.json()) as { access_token: string };
  return async (method: string, path: string, body?: unknown) => {
    const res = await fake.fetch(`${fake.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = res.headers.get("content-type")?.includes("json");
    return { status: res.status, body: text === "" ? null : json ? JSON.parse(text) : text };
  };
}
