#!/usr/bin/env bash
# Installs pgvector into the newest Debian PostgreSQL under /usr/lib/postgresql, when missing.
# Debian 12 has no pgvector package, so it is built from Debian's own source package (trixie),
# as described in DEPENDENCIES.md. Idempotent: a server whose share directory already has
# vector.control is left alone, in well under a second. Run as root (apt-get, make install).
#
#   scripts/install-pgvector.sh                 install (or say it is already there)
#   DESTDIR=/tmp/x scripts/install-pgvector.sh  build and install under /tmp/x only, even when
#                                               installed (checks the build path; touches no
#                                               installed file)
set -euo pipefail

started=$(date +%s)
destdir=${DESTDIR:-}

# The newest server (initdb comes with postgresql-NN; pg_config with its client package).
version=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null |
  awk -F/ '{ print $(NF - 2) }' | sort -V | tail -n1)
if [ -z "$version" ]; then
  echo "install-pgvector: no PostgreSQL under /usr/lib/postgresql (install the postgresql package first)" >&2
  exit 1
fi

pg_config=/usr/lib/postgresql/$version/bin/pg_config
share=$("$pg_config" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$version")
if [ -z "$destdir" ] && [ -f "$share/extension/vector.control" ]; then
  echo "install-pgvector: pgvector already installed for PostgreSQL $version ($share/extension/vector.control)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  # The real-server tests start PostgreSQL as root too, and skip, saying so, without it.
  echo "install-pgvector: skipped: pgvector is missing for PostgreSQL $version and installing it needs root"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
sources=/etc/apt/sources.list.d/pgvector-src.list
needed=()
dpkg-query -W -f='${Status}' "postgresql-server-dev-$version" 2>/dev/null | grep -q 'ok installed' ||
  needed+=("postgresql-server-dev-$version")
dpkg-query -W -f='${Status}' build-essential 2>/dev/null | grep -q 'ok installed' || needed+=(build-essential)
# Source packages only: nothing from trixie is ever installed (its binaries need a newer libc).
if ! grep -qs '^deb-src http://deb.debian.org/debian trixie main' "$sources"; then
  echo "deb-src http://deb.debian.org/debian trixie main" >"$sources"
  refreshed=1
fi
if [ -n "${refreshed:-}" ] || [ ${#needed[@]} -gt 0 ] || ! apt-cache showsrc pgvector >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
fi
if [ ${#needed[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=$work/build.log
fail() {
  echo "install-pgvector: $1 failed; the last lines of its output:" >&2
  tail -n 30 "$log" >&2
  exit 1
}
(cd "$work" && apt-get source --download-only -qq pgvector) >"$log" 2>&1 || fail "apt-get source pgvector"
tar -xf "$work"/pgvector_*.orig.tar.* -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)
[ -n "$src" ] || fail "unpacking pgvector"
# OPTFLAGS="" drops -march=native, so the build runs on any x86-64 machine.
make -C "$src" -j"$(nproc)" PG_CONFIG="$pg_config" OPTFLAGS="" >>"$log" 2>&1 || fail "make"
make -C "$src" install PG_CONFIG="$pg_config" OPTFLAGS="" ${destdir:+DESTDIR="$destdir"} >>"$log" 2>&1 || fail "make install"

pgvector=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$src/vector.control")
echo "install-pgvector: built pgvector $pgvector for PostgreSQL $version and installed it${destdir:+ under $destdir} in $(($(date +%s) - started)) s"
