# Sourced by scripts/test.sh and scripts/smoke_production.sh: make the
# machine's PostgreSQL and Redis (and the Debian packages the tests need) be
# there and running. Only services on this machine (127.0.0.1 / localhost) are
# touched; a DATABASE_URL or REDIS_URL pointing elsewhere is used as it is.
#
# SERVICES_DRY_RUN=1 prints what would be installed or started instead of
# doing it (the checks still run), e.g.
#   SERVICES_DRY_RUN=1 REDIS_URL=redis://127.0.0.1:6390/0 ./scripts/test.sh --co -q

_services_run() {
  if [ "${SERVICES_DRY_RUN:-0}" = 1 ]; then
    echo "    (dry run) $*"
  else
    "$@"
  fi
}

_services_as_root() {
  if [ "$(id -u)" = 0 ]; then
    _services_run "$@"
  elif command -v sudo >/dev/null; then
    _services_run sudo "$@"
  else
    echo "Need root to run: $*" >&2
    return 1
  fi
}

# URL pieces: scheme://user[:password]@host[:port]/path -> host, port, user, password, path.
_url_host() { local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"; rest="${rest%%:*}"; echo "${rest:-127.0.0.1}"; }
_url_port() {
  local rest="${1#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  case "$rest" in *:*) echo "${rest##*:}" ;; *) echo "$2" ;; esac
}
_url_user() { local rest="${1#*://}"; case "$rest" in *@*) rest="${rest%%@*}"; echo "${rest%%:*}" ;; *) echo "$2" ;; esac; }
_url_password() { local rest="${1#*://}"; case "$rest" in *@*) rest="${rest%%@*}"; case "$rest" in *:*) echo "${rest#*:}" ;; esac ;; esac; }
_url_path() { local rest="${1#*://}"; rest="${rest#*/}"; [ "$rest" = "${1#*://}" ] && rest=""; echo "${rest%%\?*}"; }
_is_local() { case "$1" in 127.0.0.1 | localhost) return 0 ;; *) return 1 ;; esac; }

# Install what is missing: PostgreSQL and Redis (when they are local), and,
# unless --servers-only, what the tests need: chromium, the CJK fonts of its
# screenshots, gettext.
ensure_debian_packages() {
  local missing=()
  if [ "${1:-}" != --servers-only ]; then
    command -v chromium >/dev/null || missing+=(chromium)
    fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
    command -v msgfmt >/dev/null || missing+=(gettext)
    # tests/test_deploy_files.py checks deploy/nginx/funnel_crm.conf with `nginx -t`
    # (installing the package does not start a server where no init system runs).
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  fi
  if _is_local "$(_url_host "$DATABASE_URL")"; then
    command -v pg_isready >/dev/null || missing+=(postgresql)
  fi
  if _is_local "$(_url_host "$REDIS_URL")"; then
    command -v redis-server >/dev/null || missing+=(redis-server)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> Installing Debian packages: ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "No apt-get here: install ${missing[*]} yourself." >&2
    return 1
  fi
  _services_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  _services_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  # A freshly installed cluster only lets its own OS user in; the tests (and
  # CI) connect as postgres over TCP without a password.
  case " ${missing[*]} " in *" postgresql "*) _services_trust_local_postgres ;; esac
}

_services_trust_local_postgres() {
  local version hba
  version="$(ls /etc/postgresql 2>/dev/null | head -1)"
  [ -n "$version" ] || return 0
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  echo "==> $hba: trust local TCP connections (a fresh test machine)"
  _services_as_root sed -i -e '1i host all all 127.0.0.1/32 trust' -e '1i host all all ::1/128 trust' "$hba"
  _services_as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload 2>/dev/null || true
}

_wait_for() {
  [ "${SERVICES_DRY_RUN:-0}" = 1 ] && return 0
  local _
  for _ in $(seq 1 30); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  "$@"
}

# Start the machine's PostgreSQL cluster if DATABASE_URL's server does not answer.
ensure_postgres() {
  local host port version
  host="$(_url_host "$DATABASE_URL")"
  port="$(_url_port "$DATABASE_URL" 5432)"
  _is_local "$host" || return 0
  pg_isready -q -h "$host" -p "$port" && return 0
  version="$(ls /etc/postgresql 2>/dev/null | head -1)"
  if [ -z "$version" ]; then
    echo "No PostgreSQL cluster in /etc/postgresql." >&2
    [ "${SERVICES_DRY_RUN:-0}" = 1 ] && return 0
    return 1
  fi
  if pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main" && $4 ~ /online/' | grep . >/dev/null; then
    echo "PostgreSQL $version/main is running, but not on port $port (DATABASE_URL)." >&2
    [ "${SERVICES_DRY_RUN:-0}" = 1 ] && return 0
    return 1
  fi
  echo "==> Starting PostgreSQL $version/main"
  _services_as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  _wait_for pg_isready -q -h "$host" -p "$port"
}

# Start a Redis server on REDIS_URL's port if nothing answers there.
ensure_redis() {
  local host port
  host="$(_url_host "$REDIS_URL")"
  port="$(_url_port "$REDIS_URL" 6379)"
  _is_local "$host" || return 0
  redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 && return 0
  echo "==> Starting Redis on port $port"
  _services_run redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no
  _wait_for redis-cli -h "$host" -p "$port" ping
}

# Create DATABASE_URL's database if it does not exist (or, with --recreate,
# drop it first).
ensure_database() {
  local host port user name
  host="$(_url_host "$DATABASE_URL")"
  port="$(_url_port "$DATABASE_URL" 5432)"
  user="$(_url_user "$DATABASE_URL" postgres)"
  name="$(_url_path "$DATABASE_URL")"
  _is_local "$host" || return 0
  local psql=(env PGPASSWORD="$(_url_password "$DATABASE_URL")" psql -q -h "$host" -p "$port" -U "$user" -d postgres -v ON_ERROR_STOP=1)
  if [ "${1:-}" = --recreate ]; then
    _services_run "${psql[@]}" -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)"
  fi
  if ! "${psql[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" 2>/dev/null | grep 1 >/dev/null; then
    echo "==> Creating database $name"
    _services_run "${psql[@]}" -c "CREATE DATABASE \"$name\""
  fi
}

# Everything above, for DATABASE_URL and REDIS_URL as they are set now.
ensure_services() {
  ensure_debian_packages
  ensure_postgres
  ensure_redis
  ensure_database
}
