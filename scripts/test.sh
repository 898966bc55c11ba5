#!/usr/bin/env bash
# Run the whole test suite against PostgreSQL and Redis (on this machine by
# default; override DATABASE_URL / REDIS_URL). Browser tests need Debian's
# chromium (apt-get install -y chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/_venv.sh
ensure_venv requirements-dev.txt

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/funnel_crm}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
# Two workers: the machine has two cores. PYTEST_WORKERS=0 runs in one process.
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
