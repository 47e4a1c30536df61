#!/bin/sh
# docker compose's `tls-init` service: a local CA and the certificates of the broker and the
# database in the `tls` volume (mounted at $TLS_DIR), made once and again when missing or within
# 30 days of expiring. A deployment with certificates of its own puts them in the volume instead
# (same file names) and this script keeps them while they are valid.
#
#   $TLS_DIR/ca.pem                              the CA every app trusts (TLS_CA_FILE, sslrootcert)
#   $TLS_DIR/rabbitmq/server.pem, server.key     RabbitMQ's (owned by the broker's user, 0600)
#   $TLS_DIR/postgres/server.pem, server.key     PostgreSQL's (owned by the database's user, 0600)
#   $TLS_DIR/clients/<user>.pem, <user>.key      client certificates (CN = broker user), for EXTERNAL login
set -eu
TLS_DIR=${TLS_DIR:-/tls}
SERVER_NAMES=${SERVER_NAMES:-DNS:rabbitmq,DNS:postgres,DNS:localhost,IP:127.0.0.1}
# uid:gid the broker and the database run as in their images (999:999 in both official images).
RABBITMQ_OWNER=${RABBITMQ_OWNER:-999:999}
POSTGRES_OWNER=${POSTGRES_OWNER:-999:999}
CLIENT_USERS=${CLIENT_USERS:-}
RENEW_SECONDS=2592000
export OPENSSL_CONF=/dev/null
umask 077
mkdir -p "$TLS_DIR/rabbitmq" "$TLS_DIR/postgres" "$TLS_DIR/clients"
cd "$TLS_DIR"

valid() { [ -f "$1" ] && [ -f "$2" ] && openssl x509 -in "$1" -noout -checkend "$RENEW_SECONDS" >/dev/null 2>&1; }
serial() { echo "0x1$(openssl rand -hex 11)"; }

renewed=no
if ! valid ca.pem ca.key; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
    -days 3650 -set_serial "$(serial)" -subj "/O=cstr-hub/CN=cstr-hub compose CA $(openssl rand -hex 4)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign"
  renewed=yes
fi

# issue <cert> <key> <CN> <serverAuth|clientAuth> [subjectAltName]
issue() {
  openssl req -x509 -CA ca.pem -CAkey ca.key -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$2" -out "$1" -days 397 -set_serial "$(serial)" -subj "/O=cstr-hub/CN=$3" \
    -addext "basicConstraints=critical,CA:FALSE" -addext "keyUsage=critical,digitalSignature" \
    -addext "extendedKeyUsage=$4" ${5:+-addext "subjectAltName=$5"}
}

if [ "$renewed" = yes ] || ! valid server.pem server.key || ! openssl verify -CAfile ca.pem server.pem >/dev/null 2>&1; then
  issue server.pem server.key localhost serverAuth "$SERVER_NAMES"
fi
for service in rabbitmq postgres; do
  cp server.pem "$service/server.pem"
  cp server.key "$service/server.key"
done
chown "$RABBITMQ_OWNER" rabbitmq rabbitmq/server.pem rabbitmq/server.key
chown "$POSTGRES_OWNER" postgres postgres/server.pem postgres/server.key
for user in $CLIENT_USERS; do
  if [ "$renewed" = yes ] || ! valid "clients/$user.pem" "clients/$user.key"; then
    issue "clients/$user.pem" "clients/$user.key" "$user" clientAuth
  fi
done
chmod 0755 . rabbitmq postgres
chmod 0644 ca.pem server.pem rabbitmq/server.pem postgres/server.pem
chmod 0600 ca.key server.key rabbitmq/server.key postgres/server.key
echo "TLS: CA $(openssl x509 -in ca.pem -noout -subject); server certificate for $SERVER_NAMES until $(openssl x509 -in server.pem -noout -enddate | cut -d= -f2)"
