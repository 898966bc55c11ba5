#!/usr/bin/env bash
# Run the whole test suite against PostgreSQL and Redis (on this machine by
# default; override DATABASE_URL / REDIS_URL). On this machine it first
# installs (apt-get) and starts whatever is missing or stopped: PostgreSQL,
# Redis, chromium with CJK fonts, gettext (scripts/_services.sh). Extra
# arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/funnel_crm}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
source scripts/_services.sh
ensure_services

source scripts/_venv.sh
ensure_venv requirements-dev.txt

# Two workers: the machine has two cores. PYTEST_WORKERS=0 runs in one process.
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-2}" "$@"
