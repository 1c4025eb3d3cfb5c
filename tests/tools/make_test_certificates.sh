#!/bin/sh
# A private CA and a server certificate it signed, made with openssl as docs/daemon.md ("Deployment") says, plus what
# the TLS tests need besides: the same certificate and key as PKCS#12, a second CA that signed nothing, and a certificate
# signed through an intermediate CA.
# Usage: make_test_certificates.sh DIR [SUBJECT_ALT_NAMES [P12_PASSWORD]]   (default names: DNS:localhost,IP:127.0.0.1)
set -eu
dir=$1
names=${2:-DNS:localhost,IP:127.0.0.1}
p12password=${3:-}
cd "$dir"
umask 077
# The CA: a self-signed certificate allowed to sign others. ca.key stays with whoever issues certificates.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=SlicerReg test CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# The daemon's key and certificate, for the names clients connect to (a name or IP missing here fails their check).
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key -out server.csr -subj "/CN=slicerreg daemon" 2>/dev/null
printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n' "$names" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -out server.pem -extfile server.ext 2>/dev/null
# The same pair in one PKCS#12 file (serve --tls-cert server.p12; its password in SLICERREG_TLS_PASSWORD).
openssl pkcs12 -export -in server.pem -inkey server.key -out server.p12 -passout "pass:$p12password"
# A CA that did not sign the daemon's certificate: a client trusting only it must refuse the daemon.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other-ca.key -out other-ca.pem -days 3650 \
  -subj "/CN=Another CA" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# A certificate signed by an intermediate CA (itself signed by ca.pem), as a "fullchain" file: certificate, then the
# intermediate, which the daemon sends along so that clients trusting only ca.pem accept it.
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout intermediate.key -out intermediate.csr -subj "/CN=SlicerReg test intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > intermediate.ext
openssl x509 -req -in intermediate.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -out intermediate.pem -extfile intermediate.ext 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout chained.key -out chained.csr -subj "/CN=slicerreg daemon (chained)" 2>/dev/null
openssl x509 -req -in chained.csr -CA intermediate.pem -CAkey intermediate.key -CAcreateserial -days 825 -out chained.pem -extfile server.ext 2>/dev/null
cat chained.pem intermediate.pem > fullchain.pem
chmod 644 ca.pem server.pem other-ca.pem fullchain.pem
openssl verify -CAfile ca.pem server.pem >/dev/null
openssl verify -CAfile ca.pem -untrusted intermediate.pem chained.pem >/dev/null
