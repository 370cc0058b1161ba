# syntax=docker/dockerfile:1
# Two stages: build a wheel with the toolchain, then install it into a slim runtime image that
# runs as an unprivileged user. One process: API and scheduler together (more workers would run
# the scheduler more than once; scale with replicas, which the database lock keeps apart).

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml README.md ./
COPY app ./app
COPY sf_client ./sf_client
COPY rules ./rules
COPY sfsim ./sfsim
RUN pip wheel --no-deps --wheel-dir /wheels . \
    && pip wheel --wheel-dir /wheels /wheels/handoff-*.whl

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HANDOFF_HOST=0.0.0.0 \
    HANDOFF_PORT=8000 \
    HANDOFF_RULES=/config/rules.yaml
RUN groupadd --system --gid 10001 handoff \
    && useradd --system --uid 10001 --gid handoff --home-dir /data --create-home handoff
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links=/wheels /wheels/handoff-*.whl && rm -rf /wheels
WORKDIR /data
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('HANDOFF_PORT', '8000')}/healthz\", timeout=4)"]
ENTRYPOINT ["handoff"]
CMD ["serve"]
