#!/usr/bin/env bash
# Prints (or, when sourced, exports) the environment that points CoLink and its integration
# tests at the servers started by deploy/local/up.sh. Usage: eval "$(deploy/local/env.sh)"
_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
source "$_here/lib.sh"
cat <<ENV
export DATABASE_URL=postgres://colink:colink@127.0.0.1:$PG_PORT/colink
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT
export KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
export S3_ENDPOINT=http://127.0.0.1:$S3_PORT
export S3_REGION=us-east-1
export S3_BUCKET=colink-files
export S3_ACCESS_KEY_ID=colink
export S3_SECRET_ACCESS_KEY=colink-secret-key
export MONGO_URL=mongodb://127.0.0.1:$MONGO_PORT/
export MONGO_DB=colink
export OIDC_ISSUER=http://127.0.0.1:$KEYCLOAK_PORT/realms/colink
export KEYCLOAK_URL=http://127.0.0.1:$KEYCLOAK_PORT
export CLAMAV_HOST=127.0.0.1
export CLAMAV_PORT=$CLAMAV_PORT
export OPENSEARCH_URL=http://127.0.0.1:$OPENSEARCH_PORT
ENV
