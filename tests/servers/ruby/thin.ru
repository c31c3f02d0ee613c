# A trivial Rack app for the thin-* servers of start.sh: 200 "ok" to everything, or, with
# MTLS_THIN_APP=peercert-403, 403 "client certificate required" unless Thin handed the request a
# client certificate (env["rack.peer_cert"]). Thin 1.8 asks every TLS client for a certificate
# (EventMachine's verify_peer, not fail_if_no_peer_cert) and its Connection#ssl_verify_peer
# returns true for any certificate ("a show of verifying it"): it has no CA option at all, so
# the presence of a certificate is all the application can check.
check = ENV.fetch("MTLS_THIN_APP", "") == "peercert-403"

run lambda { |env|
  if check && env["rack.peer_cert"].nil?
    [403, { "content-type" => "text/plain" }, ["client certificate required\n"]]
  else
    [200, { "content-type" => "text/plain" }, ["ok\n"]]
  end
}
