# crm-integrator service image: Debian slim, unixODBC with the FreeTDS (SQL Server) and SQLite
# ODBC drivers, a non-root user, and a health check on /health/live. Production only: the ERP
# simulators and the embedded demo stay in the repository (run `./run demo` from a checkout).
#
# The base image is pinned by digest (the OCI index of python:3.11.16-slim-bookworm, all
# platforms), so a rebuild starts from the same bytes; the tag is there for people. Its setuptools
# and wheel build the package (--no-build-isolation), so they are pinned by the digest too.
# TODO(ops): the digest comes from the docker-library/repo-info record of the 2026-09-01 build and
# was not pulled from this repository's CI (it cannot reach a container registry). Check it, and
# move it forward with each Python patch release:
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
ARG PYTHON_IMAGE=python:3.11.16-slim-bookworm@sha256:c425d915a89a6dcd3183b1797ad9bd8878caff5a417f6371c8df93c8ea8b727f

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
# only the package and its packaging files: no simulators, tests, bench or demo configuration
COPY setup.cfg pyproject.toml README.md ./
COPY integrator ./integrator
RUN pip wheel --no-cache-dir --no-deps --no-build-isolation --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
ARG DEBIAN_FRONTEND=noninteractive
RUN echo "tdsodbc freetds/addtoodbc boolean true" | debconf-set-selections \
 && apt-get update \
 && apt-get install -y --no-install-recommends unixodbc tdsodbc libsqliteodbc \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 integrator \
 && useradd --system --uid 10001 --gid integrator --home-dir /app --shell /usr/sbin/nologin integrator
# the dependencies: exactly the versions and files of the lock (pip-compile --generate-hashes from
# setup.cfg; docs/operations.md says how to update it); pip refuses anything unpinned or unhashed
COPY requirements.lock /tmp/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /tmp/requirements.lock && rm /tmp/requirements.lock
# the service itself, without dependencies (they are all in place); pip check proves the lock
# satisfies setup.cfg's install_requires
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-deps /wheels/*.whl && rm -rf /wheels && pip check
WORKDIR /app
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=2).status == 200 else 1)"
ENTRYPOINT ["integrator"]
CMD ["serve", "--config", "/etc/integrator/service.yaml"]
