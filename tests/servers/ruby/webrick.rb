# Ruby's WEBrick (Debian ruby-webrick, OpenSSL through Ruby's openssl) for start.sh's webrick-*
# servers:
#
#   ruby webrick.rb MODE PORT PKIDIR
#
# Serves 200 "ok" on every path of https://127.0.0.1:PORT/ with PKIDIR's server.crt, SSLCACertificateFile
# ca.crt and MODE's SSLVerifyClient:
#   peer-fail  OpenSSL::SSL::VERIFY_PEER | OpenSSL::SSL::VERIFY_FAIL_IF_NO_PEER_CERT (the correct one)
#   peer       OpenSSL::SSL::VERIFY_PEER alone (asked for, verified if sent, anonymous served)
#   none       OpenSSL::SSL::VERIFY_NONE (WEBrick's default)
# Runs until killed.
require "webrick"
require "webrick/https"
require "openssl"

mode, port, pki = ARGV
verify = {
  "peer-fail" => OpenSSL::SSL::VERIFY_PEER | OpenSSL::SSL::VERIFY_FAIL_IF_NO_PEER_CERT,
  "peer" => OpenSSL::SSL::VERIFY_PEER,
  "none" => OpenSSL::SSL::VERIFY_NONE,
}.fetch(mode) { abort "webrick.rb: unknown mode #{mode}" }

server = WEBrick::HTTPServer.new(
  BindAddress: "127.0.0.1",
  Port: Integer(port),
  Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN),
  AccessLog: [],
  SSLEnable: true,
  SSLCertificate: OpenSSL::X509::Certificate.new(File.read(File.join(pki, "server.crt"))),
  SSLPrivateKey: OpenSSL::PKey.read(File.read(File.join(pki, "server.key"))),
  SSLCACertificateFile: File.join(pki, "ca.crt"),
  SSLVerifyClient: verify,
)
server.mount_proc("/") do |_req, res|
  res.status = 200
  res["Content-Type"] = "text/plain"
  res.body = "ok\n"
end
trap("TERM") { server.shutdown }
trap("INT") { server.shutdown }
$stderr.puts "listening on 127.0.0.1:#{port} (#{mode})"
server.start
