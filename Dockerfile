# crm-integrator service image: Debian slim, unixODBC with the FreeTDS (SQL Server) and SQLite
# ODBC drivers, a non-root user, and a health check on /health/live.
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY setup.cfg pyproject.toml README.md ./
COPY integrator ./integrator
COPY simulators ./simulators
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ARG DEBIAN_FRONTEND=noninteractive
RUN echo "tdsodbc freetds/addtoodbc boolean true" | debconf-set-selections \
 && apt-get update \
 && apt-get install -y --no-install-recommends unixodbc tdsodbc libsqliteodbc \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 integrator \
 && useradd --system --uid 10001 --gid integrator --home-dir /app --shell /usr/sbin/nologin integrator
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
# the production config is mounted at /etc/integrator (ConfigMap + Secret, see deploy/);
# the demo config is kept for `integrator demo` (INTEGRATOR_DEMO_CONFIG)
COPY config/demo /app/config/demo
ENV INTEGRATOR_DEMO_CONFIG=/app/config/demo \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=2).status == 200 else 1)"
ENTRYPOINT ["integrator"]
CMD ["serve", "--config", "/etc/integrator/service.yaml"]
