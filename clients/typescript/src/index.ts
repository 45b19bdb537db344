// A typed client of the Portico API: every path, parameter, body and answer is checked against
// the OpenAPI document (src/schema.d.ts, made by `make clients` or `npm run generate`).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { paths } from "./schema";

export type { components, paths } from "./schema";
export type ApiClient = Client<paths>;

/** `accessToken` is asked before each request; when it gives a token, it is sent as Bearer. */
export function createApiClient(
  baseUrl: string,
  accessToken?: () => string | undefined,
): ApiClient {
  const client = createClient<paths>({ baseUrl });
  if (accessToken) {
    const bearer: Middleware = {
      onRequest({ request }) {
        const token = accessToken();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}
