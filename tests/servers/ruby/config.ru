# A trivial Rack app for the puma-* servers of start.sh: 200 "ok" to everything, or, with
# MTLS_PUMA_APP=peercert-403, 403 "client certificate required" unless Puma handed the request a
# client certificate (env["puma.peercert"], set only when the handshake carried one that passed
# verify_mode's verification): the check Puma's documentation leaves to the application.
#
# Puma 5.6's MiniSSL builds the peer certificate with OpenSSL::X509 when it logs a TLS error (and
# when a request carries one) but never requires "openssl" itself: without this line the first
# refused handshake kills the reactor thread and every connection after it hangs (GROUND_TRUTH.md,
# "GnuTLS, Traffic Server and Puma", surprise P1). Any real application loads it (net/http,
# Rails), so this one does too.
require "openssl"

check = ENV.fetch("MTLS_PUMA_APP", "") == "peercert-403"

run lambda { |env|
  if check && env["puma.peercert"].nil?
    [403, { "content-type" => "text/plain" }, ["client certificate required\n"]]
  else
    [200, { "content-type" => "text/plain" }, ["ok\n"]]
  end
}
