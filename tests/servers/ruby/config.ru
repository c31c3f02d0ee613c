# A trivial Rack app for the puma-* servers of start.sh: 200 "ok" to everything.
#
# Puma 5.6's MiniSSL builds the peer certificate with OpenSSL::X509 when it logs a TLS error (and
# when a request carries one) but never requires "openssl" itself: without this line the first
# refused handshake kills the reactor thread and every connection after it hangs (GROUND_TRUTH.md,
# "Puma", surprise P1). Any real application loads it (net/http, Rails), so this one does too.
require "openssl"

run ->(_env) { [200, { "content-type" => "text/plain" }, ["ok\n"]] }
