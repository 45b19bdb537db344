#!/usr/bin/env bash
# The secret files compose.yaml mounts under /run/secrets: a PostgreSQL password, the database
# URL that carries it, an Ed25519 token-signing key, and the key that seals the second factors'
# secrets. Made once; an existing file is kept.
# They are bind-mounted as they are, so they must be readable by the container's user (10001):
# the folder, not the files, keeps other users of the host out.
set -euo pipefail
cd "$(dirname "$0")/secrets"
chmod 700 .
umask 022
if [[ ! -s postgres_password ]]; then
  openssl rand -hex 24 > postgres_password
fi
if [[ ! -s database_url ]]; then
  printf 'postgresql://portico:%s@postgres:5432/portico\n' "$(cat postgres_password)" > database_url
fi
if [[ ! -s signing_key.pem ]]; then
  openssl genpkey -algorithm ed25519 -out signing_key.pem
  chmod 644 signing_key.pem
fi
if [[ ! -s mfa_secret_key ]]; then
  openssl rand -hex 32 > mfa_secret_key
fi
echo "secrets in $(pwd): postgres_password, database_url, signing_key.pem, mfa_secret_key"
