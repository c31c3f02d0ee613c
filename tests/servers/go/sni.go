package main

// The two SNI/Host servers (modes "sni-bypass" and "sni-strict"): one listener, one certificate for
// both names, and the client-auth policy picked by SNI in GetConfigForClient:
//
//	SNI secure.test (any case)  RequireAndVerifyClientCert, ClientCAs = ca.crt
//	any other SNI, or none      NoClientCert
//
// The handler answers 200 "secret area\n" when the Host header names secure.test, else 200
// "public area\n". In "sni-bypass" that is all (the policy is chosen by SNI, the site by Host: a
// client without a certificate gets the secret area with SNI public.test and Host secure.test). In
// "sni-strict" the handler first answers 421 Misdirected Request when the Host (port removed) is not
// the SNI name (case-insensitive), no SNI included. In "sni-any-host" the handler ignores the Host
// and answers "secret area\n" to every request: the other name serves the protected site for its
// own Host as for any other (only the protected page fetched with a certificate tells it from a
// public catch-all site). "sni-strict-h2" speaks h2 and HTTP/1.1 and guards with the 421 over h2
// alone: over HTTP/1.1 the protected Host is served behind another SNI name (a review's, the
// fiftieth session: B, exit 0, the 421 over h2 taken for the answer). "sni-bypass-tls12" is "sni-bypass" with the other names' config capped at
// TLS 1.2 (MaxVersion): the door is open on TLS 1.2 only, a TLS 1.3 ClientHello with another SNI or
// none gets protocol_version. "sni-anycert": the other names ask for a certificate and verify
// nothing (RequestClientCert: an optional certificate login on the public site), and the handler
// lets Host secure.test in when the connection carries any certificate, trusting the TLS layer
// (403 otherwise): with SNI public.test, a certificate from an unknown CA gets the secret area.
//
// "sni-421-leak" / "sni-403-leak": the policies of "sni-bypass", and the handler's guard of
// "sni-strict" without its `return` (status 421, or 403, where the Host is not the SNI name),
// after which the page routed by Host is written all the same: the orders JSON for Host
// secure.test, "public area: welcome" otherwise (a side-door audit, the twelfth session).
//
// Neither config sets session ticket keys: both use the ones of the listener's config, so a session
// made on one name is offered to the other; Go 1.19 refuses to resume it where a certificate is
// required and the session has none (a full handshake follows).

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

const secureName = "secure.test"

// The protected page of the leak modes: a page of its own (several distinct tokens), as an API's.
const ordersPage = `{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}` + "\n"

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func runSNI(mode string, ln net.Listener, cert tls.Certificate, pool *x509.CertPool) {
	strict, anyHost, publicMax := false, false, uint16(0)
	// strictH2: the 421 guard of "sni-strict" over h2 alone (RFC 9113's connection reuse), both
	// names speaking h2 and HTTP/1.1: over HTTP/1.1 the protected Host is served behind another
	// SNI name.
	strictH2 := false
	anyCert := false
	// leak: the 421 (or 403) guard without `return`: the status is set, and the page routed by
	// Host (the protected orders for Host secure.test) is written after it all the same.
	leak := 0
	switch mode {
	case "sni-421-leak":
		leak = http.StatusMisdirectedRequest
	case "sni-403-leak":
		leak = http.StatusForbidden
	case "sni-anycert":
		anyCert = true
	case "sni-bypass":
	case "sni-bypass-tls12":
		publicMax = tls.VersionTLS12
	case "sni-strict":
		strict = true
	case "sni-strict-h2":
		strictH2 = true
	case "sni-any-host":
		anyHost = true
	default:
		log.Fatalf("unknown -mode %q", mode)
	}
	secure := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	public := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.NoClientCert,
		MinVersion:   tls.VersionTLS12,
		MaxVersion:   publicMax,
	}
	if anyCert {
		public.ClientAuth = tls.RequestClientCert
	}
	if strictH2 {
		secure.NextProtos = []string{"h2", "http/1.1"}
		public.NextProtos = []string{"h2", "http/1.1"}
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		GetConfigForClient: func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
			if strings.EqualFold(hi.ServerName, secureName) {
				return secure, nil
			}
			return public, nil
		},
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			host := hostOnly(r.Host)
			checks := strict || (strictH2 && r.ProtoMajor == 2)
			if checks && (r.TLS == nil || !strings.EqualFold(host, r.TLS.ServerName)) {
				w.WriteHeader(http.StatusMisdirectedRequest)
				_, _ = io.WriteString(w, "misdirected request\n")
				return
			}
			if anyCert && strings.EqualFold(host, secureName) &&
				(r.TLS == nil || len(r.TLS.PeerCertificates) == 0) {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "client certificate required\n")
				return
			}
			if leak != 0 {
				if r.TLS == nil || !strings.EqualFold(host, r.TLS.ServerName) {
					w.WriteHeader(leak) // BUG (on purpose): no return
				}
				if strings.EqualFold(host, secureName) {
					_, _ = io.WriteString(w, ordersPage)
					return
				}
				_, _ = io.WriteString(w, "public area: welcome\n")
				return
			}
			if anyHost || strings.EqualFold(host, secureName) {
				_, _ = io.WriteString(w, "secret area\n")
				return
			}
			_, _ = io.WriteString(w, "public area\n")
		}),
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "goserver: ", 0),
	}
	log.Fatal(srv.ServeTLS(ln, "", ""))
}
