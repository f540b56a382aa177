/**
 * Who may call what, as Airflow 3.3.2's default auth manager (SimpleAuthManager) decides it:
 * every route of the fake needs one permission (a resource and one of Airflow's resource
 * methods, from the route's `requires_access_*` dependency in
 * airflow/api_fastapi/core_api/routes/public/*.py), and each resource has the lowest role that
 * may read it (GET) and the lowest that may do anything else (SimpleAuthManager.is_authorized_*
 * in airflow/api_fastapi/auth/managers/simple/simple_auth_manager.py). A role has the rights of
 * every role below it. A request the role may not make gets 403 `{"detail": "Forbidden"}`,
 * after the token is checked and before the body is validated or anything is looked up.
 *
 * Checked against a real server by test/engines/mocks-airflow-parity.test.ts (one user of each
 * role makes the same requests on both sides).
 */

/** SimpleAuthManager's roles, lowest first (`[core] simple_auth_manager_users`, `name:role`). */
export type AirflowRole = "viewer" | "user" | "op" | "admin";

export const AIRFLOW_ROLES: readonly AirflowRole[] = ["viewer", "user", "op", "admin"];

/** A kind of resource SimpleAuthManager authorizes (its `is_authorized_<resource>` method). */
export type AirflowResource =
  | "dag"
  | "pool"
  | "variable"
  | "connection"
  | "configuration"
  | "asset"
  | "asset_alias"
  | "view";

/** Airflow's ResourceMethod: what a route does to its resource (PATCH routes ask for PUT). */
export type AirflowResourceMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * Per resource, the lowest role that may GET it (`allow_get_role`) and the lowest that may use
 * any other method (`allow_role`); an admin may do everything.
 */
export const AIRFLOW_RESOURCE_ROLES: Readonly<
  Record<AirflowResource, { readonly get: AirflowRole; readonly other: AirflowRole }>
> = {
  dag: { get: "viewer", other: "user" },
  pool: { get: "viewer", other: "op" },
  asset: { get: "viewer", other: "op" },
  asset_alias: { get: "viewer", other: "op" },
  configuration: { get: "viewer", other: "op" },
  // No allow_get_role: reading variables and connections needs op too.
  variable: { get: "op", other: "op" },
  connection: { get: "op", other: "op" },
  // is_authorized_view: any role (import errors, the UI's views).
  view: { get: "viewer", other: "viewer" },
};

/** A route of the fake and the permission it needs: [method, path as in the spec, resource, resource method]. */
export type AirflowRouteAccess = readonly [
  method: string,
  path: string,
  resource: AirflowResource,
  resourceMethod: AirflowResourceMethod,
];

const RUN = "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}";
const TI = `${RUN}/taskInstances/{task_id}`;

/**
 * Every authenticated route the fake answers. `/api/v2/version`, `/api/v2/monitor/health` and
 * `/auth/token` need no token at all.
 */
export const AIRFLOW_ROUTE_ACCESS: readonly AirflowRouteAccess[] = [
  // dags.py, dag_sources.py
  ["GET", "/api/v2/dags", "dag", "GET"],
  ["GET", "/api/v2/dags/{dag_id}", "dag", "GET"],
  ["GET", "/api/v2/dags/{dag_id}/details", "dag", "GET"],
  ["PATCH", "/api/v2/dags/{dag_id}", "dag", "PUT"],
  ["GET", "/api/v2/dagSources/{dag_id}", "dag", "GET"],
  // dag_run.py (DagAccessEntity.RUN)
  ["POST", "/api/v2/dags/{dag_id}/dagRuns", "dag", "POST"],
  ["GET", "/api/v2/dags/{dag_id}/dagRuns", "dag", "GET"],
  ["GET", RUN, "dag", "GET"],
  ["PATCH", RUN, "dag", "PUT"],
  ["DELETE", RUN, "dag", "DELETE"],
  ["POST", `${RUN}/clear`, "dag", "PUT"],
  // task_instances.py, log.py, xcom.py (TASK_INSTANCE, TASK_LOGS, XCOM)
  ["GET", `${RUN}/taskInstances`, "dag", "GET"],
  ["GET", TI, "dag", "GET"],
  ["GET", `${TI}/logs/{try_number}`, "dag", "GET"],
  ["GET", `${TI}/tries`, "dag", "GET"],
  ["GET", `${TI}/{map_index}/tries`, "dag", "GET"],
  ["GET", `${TI}/tries/{task_try_number}`, "dag", "GET"],
  ["GET", `${TI}/{map_index}/tries/{task_try_number}`, "dag", "GET"],
  ["POST", "/api/v2/dags/{dag_id}/clearTaskInstances", "dag", "PUT"],
  ["GET", `${TI}/xcomEntries`, "dag", "GET"],
  ["GET", `${TI}/xcomEntries/{xcom_key}`, "dag", "GET"],
  // Last: `{map_index}` would also match `.../xcomEntries`.
  ["GET", `${TI}/listMapped`, "dag", "GET"],
  ["GET", `${TI}/{map_index}`, "dag", "GET"],
  // import_error.py: requires_access_view(AccessView.IMPORT_ERRORS)
  ["GET", "/api/v2/importErrors", "view", "GET"],
  ["GET", "/api/v2/importErrors/{import_error_id}", "view", "GET"],
  // variables.py
  ["GET", "/api/v2/variables", "variable", "GET"],
  ["GET", "/api/v2/variables/{variable_key}", "variable", "GET"],
  ["POST", "/api/v2/variables", "variable", "POST"],
  ["PATCH", "/api/v2/variables/{variable_key}", "variable", "PUT"],
  ["DELETE", "/api/v2/variables/{variable_key}", "variable", "DELETE"],
  // pools.py
  ["GET", "/api/v2/pools", "pool", "GET"],
  ["GET", "/api/v2/pools/{pool_name}", "pool", "GET"],
  ["POST", "/api/v2/pools", "pool", "POST"],
  ["PATCH", "/api/v2/pools/{pool_name}", "pool", "PUT"],
  ["DELETE", "/api/v2/pools/{pool_name}", "pool", "DELETE"],
  // connections.py
  ["GET", "/api/v2/connections", "connection", "GET"],
  ["GET", "/api/v2/connections/{connection_id}", "connection", "GET"],
  ["POST", "/api/v2/connections", "connection", "POST"],
  ["PATCH", "/api/v2/connections/{connection_id}", "connection", "PUT"],
  ["DELETE", "/api/v2/connections/{connection_id}", "connection", "DELETE"],
];

/** SimpleAuthManager._is_authorized: may `role` use `method` on `resource`? */
export function airflowRoleMay(
  role: AirflowRole,
  resource: AirflowResource,
  method: AirflowResourceMethod,
): boolean {
  const needed = AIRFLOW_RESOURCE_ROLES[resource];
  const lowest = method === "GET" ? needed.get : needed.other;
  return AIRFLOW_ROLES.indexOf(role) >= AIRFLOW_ROLES.indexOf(lowest);
}

/**
 * Finds a request's permission in AIRFLOW_ROUTE_ACCESS. `pathParams`: parameters that take the
 * rest of the path, slashes included (Starlette's `{name:path}`).
 */
export function routeAccessLookup(
  pathParams: ReadonlySet<string>,
): (method: string, path: string) => AirflowRouteAccess | undefined {
  const routes = AIRFLOW_ROUTE_ACCESS.map((access) => {
    const [, path] = access;
    const pattern = path
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const name = /^\{([^}]+)\}$/.exec(part)?.[1];
        if (name === undefined) return part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
        return pathParams.has(name) ? ".+" : "[^/]+";
      })
      .join("");
    return { access, path: new RegExp(`^${pattern}/?$`) };
  });
  return (method, path) => routes.find((r) => r.access[0] === method && r.path.test(path))?.access;
}
