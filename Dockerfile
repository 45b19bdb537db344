# syntax=docker/dockerfile:1
# The Portico image: `portico serve` by default; `worker` and `db upgrade` are the same image with
# another command (compose.yaml, deploy/k8s). Build: docker build -t portico .
# Both stages use the same Python so the venv's interpreter links stay valid in the final one.
ARG PYTHON_IMAGE=python:3.12-slim-bookworm

# --- builder: uv resolves nothing here, it installs exactly uv.lock into /app/.venv ----------
FROM ${PYTHON_IMAGE} AS builder
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=0 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# The dependencies first, in their own layer: it is rebuilt only when the lock changes.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-project
# Then the project as a wheel (--no-editable): it carries migrations/ as entrypoints/migrations,
# so the final stage needs no source tree.
COPY README.md ./
COPY src ./src
COPY migrations ./migrations
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable

# --- final: the venv and nothing to build with ---------------------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORTICO_HOST=0.0.0.0 \
    PORTICO_PORT=8000 \
    PORTICO_LOG_FORMAT=json
RUN groupadd --system --gid 10001 portico \
    && useradd --system --uid 10001 --gid portico --home-dir /app --no-create-home portico \
    && mkdir -p /app/var \
    && chown portico:portico /app/var
WORKDIR /app
# The python image ships its standard library without bytecode (it deletes every .pyc) and the
# app writes none (PYTHONDONTWRITEBYTECODE, read-only root): every process would compile the
# modules it imports from it at each start, about 2 MB more of each (the compiler's leftovers,
# bench/README.md) and slower starts. Compiled once here; the venv's is (UV_COMPILE_BYTECODE).
RUN python -m compileall -q -j 0 -x '/(site-packages|tests?|idlelib|tkinter|turtledemo|ensurepip)/' \
        "$(python -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
COPY --from=builder /app/.venv /app/.venv
# var/ is all the app writes (a development key, SQLite): mount a volume or an emptyDir there
# and the root filesystem can be read-only.
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORTICO_PORT', '8000') + '/health/live', timeout=4)"]
ENTRYPOINT ["portico"]
CMD ["serve"]
