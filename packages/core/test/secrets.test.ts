import { describe, expect, it } from "vitest";
import { secretName, urlCredential } from "../src/index.js";

describe("secretName: a name whose last word names a credential", () => {
  it.each([
    "password",
    "DB_PASSWORD",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_TOKEN",
    "api_token",
    "apiKey",
    "X-API-Key",
    "awsSecretAccessKey",
    "client_secret",
    "private_key",
    "gcp_credentials",
    "PGPASSWORD",
    "--db-password",
  ])("%s is one", (name) => {
    expect(secretName(name)).toBe(true);
  });

  it.each([
    "TOKEN_PATH",
    "secret_name",
    "password_conn_id",
    "aws_access_key_id",
    "next_page_token",
    "page_token",
    "continuation-token",
    "csrf_token",
    "username",
    "tokenizer",
  ])("%s is not", (name) => {
    expect(secretName(name)).toBe(false);
  });
});

describe("urlCredential: a URL that carries a credential", () => {
  it.each([
    "postgresql://etl:pw@db:5432/dw",
    "https://ghp_token@github.com/acme/ml.git",
    "https://acct.blob.core.windows.net/c/f?sv=2024&sig=abc",
    "run --uri http://u:p@mlflow:5000",
  ])("%s does", (text) => {
    expect(urlCredential(text)).toBe(true);
  });

  it.each([
    "postgresql://etl@db:5432/dw",
    "postgresql://etl:{{ conn.pg.password }}@db/dw",
    "https://mlflow.internal:5000/api",
    "--password=x",
    "s3://bucket/key?versionId=3",
  ])("%s does not", (text) => {
    expect(urlCredential(text)).toBe(false);
  });
});
