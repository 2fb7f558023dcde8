# seg-mcp as a remote MCP server: streamable HTTP on port 8000, people signing in with their
# Adobe ID (--auth oauth; docs/auth.md). Give it the deployment's Adobe credential and the URL
# clients use:
#   docker run -p 8000:8000 -e AEP_CLIENT_ID=… -e AEP_CLIENT_SECRET=… -e AEP_ORG_ID=… \
#     -e SEG_MCP_PUBLIC_URL=https://seg-mcp.example.com -e SEG_MCP_AUTH_SECRET=… seg-mcp
# SEG_MCP_AUTH_SECRET must be the same on every replica. Audit lines go to stdout.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY seg_mcp ./seg_mcp
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.12-slim
RUN useradd --create-home --uid 10001 seg-mcp
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER seg-mcp
WORKDIR /home/seg-mcp
ENV SEG_MCP_DATA_DIR=/home/seg-mcp/data \
    SEG_MCP_AUDIT_LOG=- \
    PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["seg-mcp", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000", "--auth", "oauth"]
