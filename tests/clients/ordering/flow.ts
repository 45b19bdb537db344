// Type-checked by tests/clients/ordering/test_typescript_flow.py: a client's everyday calls compile
// against the generated types (sign in, read products, place and read an order).
import { createApiClient } from "./index";

let token: string | undefined;
const api = createApiClient("http://127.0.0.1:8000", () => token);

export async function shop(productId: string): Promise<string> {
  const signedIn = await api.POST("/api/v1/auth/login", {
    body: { email: "ada@example.com", password: "correct horse battery" },
  });
  if (!signedIn.data) throw new Error(signedIn.error.detail);
  // 202: the account has a second factor; the code goes to /api/v1/auth/login/mfa.
  if ("mfa_required" in signedIn.data) {
    const second = await api.POST("/api/v1/auth/login/mfa", {
      body: { challenge_token: signedIn.data.challenge_token, code: "123456" },
    });
    if (!second.data) throw new Error(second.error.detail);
    token = second.data.access_token;
  } else {
    token = signedIn.data.access_token;
  }

  const page = await api.GET("/api/v1/products", { params: { query: { limit: 20 } } });
  const names: string[] = (page.data?.items ?? []).map((product) => product.name);

  const placed = await api.POST("/api/v1/orders", {
    body: { lines: [{ product_id: productId, quantity: 2 }] },
    params: { header: { "Idempotency-Key": "order-1" } },
  });
  if (!placed.data) throw new Error(placed.error.title);
  const order = await api.GET("/api/v1/orders/{order_id}", {
    params: { path: { order_id: placed.data.order_id } },
  });
  return `${names.length} products; order ${order.data?.status}`;
}
