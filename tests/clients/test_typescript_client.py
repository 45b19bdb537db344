"""The TypeScript client (clients/typescript) compiles against the types generated from the
committed OpenAPI document, and those types are strict: a field the API lacks does not compile.
(Each context's everyday flow is compiled in its own folder, e.g. tests/clients/ordering.)"""

from __future__ import annotations

from tests.clients.conftest import Compile

READINESS = """import { createApiClient } from "./index";
export async function ready(): Promise<string> {
  const answer = await createApiClient("http://127.0.0.1:8000").GET("/health/ready");
  return answer.data ? answer.data.status : "unknown";
}
"""
WRONG = READINESS.replace("answer.data.status", "answer.data.weight")


def test_the_client_compiles_and_reads_a_typed_answer(tsc: Compile) -> None:
    done = tsc(**{"ready.ts": READINESS})
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_field_the_api_does_not_have_does_not_compile(tsc: Compile) -> None:
    done = tsc(**{"wrong.ts": WRONG})
    assert done.returncode != 0
    assert "Property 'weight' does not exist" in done.stdout
