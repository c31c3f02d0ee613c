// A crypto/tls + net/http server for the real-server tests (stdlib only).
//
//	goserver -mode RequireAndVerifyClientCert -port 8443 -cert server.crt -key server.key -ca ca.crt
//
// It answers 200 "ok\n" on every path and binds 127.0.0.1 only. The modes "sni-bypass" and
// "sni-strict" (sni.go) pick the client-auth policy by SNI instead, for the SNI/Host tests. The
// mode "lax-expired-cn" is a hand-written verifier: RequireAnyClientCert, the chain checked
// against the CA with any extended key usage, an expired (or not yet valid) leaf forgiven when
// a CA signed it; the handler then answers 403 unless the leaf's CN is "test-client". The mode
// "roots-from-chain" is another: RequireAnyClientCert, the leaf verified for clientAuth against
// the CA with the client's other certificates added to the *roots* (meant as intermediates):
// anyone who sends their own CA after their leaf gets in. The mode "ca-in-chain" trusts a chain
// for ending in the CA's own certificate, without checking the leaf's signature: anyone who
// sends any leaf followed by the (public) CA certificate gets in. The mode "chain-signatures"
// judges a whole chain (one that ends in the CA's own certificate, as clients that send their
// root send it) by its signatures alone, and a lone leaf by x509.Verify: a leaf from the CA that
// is expired, not yet valid or not for clientAuth is refused alone and gets in with ca.crt after
// it; a leaf the CA did not sign is refused both ways. The mode "p384-any" pins the key type
// and forgets the chain: RequireAnyClientCert and a verifier that lets in any leaf with an ECDSA
// P-384 key (a P-256 one is refused, whoever signed it). The mode "anchor-by-name" takes its
// anchor from the chain the client sends: the certificate after the leaf whose subject is the
// client CA's name becomes the one root the leaf is verified against (dates, clientAuth), so a
// self-signed CA of anyone's that carries that name lets its leaves in (an audit's, fifteenth
// session). The mode "handler-allow-selfsigned" checks in the handler, not the handshake:
// RequestClientCert, and a handler that answers 403 unless the leaf verifies for clientAuth
// against the CA, or is a lone self-signed certificate whose signature verifies against itself
// ("developer laptops"): anyone who makes a certificate gets in (an audit's, sixteenth session).
// The mode "ifgiven-200-refusal" is VerifyClientCertIfGiven before a JSON API that answers a
// client without a certificate 200 {"ok":false,...} and one with a verified certificate the
// orders: correct, refusing with a success status. The mode "alpn-h2-strict" picks its TLS settings by ALPN (GetConfigForClient):
// RequireAndVerifyClientCert for a client offering h2, NoClientCert for one that does not.
// The mode "legacy-suites-open" picks them by the cipher suites offered: RequireAndVerifyClientCert
// for a client offering a TLS 1.3 suite, NoClientCert for one offering none (a TLS 1.2-only client).
// The mode "alpn-none-open" speaks HTTP/1.1 alone and picks them by whether any ALPN is offered:
// RequireAndVerifyClientCert for a client offering one, NoClientCert for one offering none.
// The mode "alpn-none-open-h2" is the same speaking h2 beside HTTP/1.1 (a gRPC and REST front).
// Two modes put a rate limiter (3 requests a second, every path) in front of the handler, as
// an audit's did (seventeenth session): "rate200-appcheck" is VerifyClientCertIfGiven and a
// handler that answers 403 unless the certificate verified (correct), its limiter answering 200
// "Slow down"; "rate403-requestcert" is RequestClientCert and no check at all (anyone gets the
// orders), its limiter answering 403 "rate limited, try again later". The mode "ifgiven-bearer-only"
// is VerifyClientCertIfGiven before a handler that checks a bearer token alone (401 with
// `WWW-Authenticate: Bearer` unless `Authorization: Bearer s3cret-token`): anyone with the token
// gets the orders, certificate or not (an audit's, seventeenth session). The modes "grpc-check"
// and "grpc-open" answer as a gRPC service does (HTTP/2, status 200, the gRPC status in a header
// or trailer): VerifyClientCertIfGiven, and at /shop.Orders/List a length-prefixed message and
// `grpc-status: 0`; "grpc-check" answers a client without a verified certificate with a
// trailers-only `grpc-status: 16` (UNAUTHENTICATED, as a tonic interceptor does), any other
// path with 12 (UNIMPLEMENTED); "grpc-open" checks nothing; "grpc-415-open" asks for no
// certificate, checks nothing, and answers a request that is not `application/grpc` a bare 415,
// as grpc-js does (an audit's grpc-js `createSsl(..., false)`, nineteenth session). The mode "get-check-post-open" is
// VerifyClientCertIfGiven before a handler that checks the certificate on GET and HEAD alone (as
// Apache `<Limit GET HEAD>` around `Require` does): any other method gets the orders at `/`
// without one; other paths are 404. The mode "get-check-post-created" is the same before a REST
// API: a POST creates an order (201 with the new order, not the GET page). The mode
// "ifgiven-403-writes-page" is VerifyClientCertIfGiven before a handler that sets 403 for a
// client without a verified certificate and writes the page on all the same (a forgotten
// return), the page naming its caller: `"client":"anonymous"`, or the certificate's common name
// (an audit's JDK server, nineteenth session: A, exit 0), and carrying a fresh `request_id` (a
// UUID) in every answer (the same JDK server: its 403 read as another page, twentieth session),
// the page longer than a report's excerpt (an audit's 270-byte page passed where a 123-byte one
// was caught). The mode "ifgiven-302-writes-page" redirects to a login page and writes the page
// on (an audit's Go server: A, exit 0). The mode "ifgiven-http-error-writes-page" refuses with
// `http.Error(w, "Forbidden", 403)` and writes the page on (its body "Forbidden\n" and the page),
// and "ifgiven-403-writes-long-page" sets 403 and writes a page of 120 orders (about 8 KB, past
// the 2,048 tokens the scan once compared at most): an audit's, twenty-seventh session, both A,
// exit 0. "ifgiven-http-error-writes-text" does so before a short page of text holding the
// account's figures (a review's, the fiftieth session: A, exit 0, the page under the 12 tokens
// a page needed and not JSON). "ifgiven-401-envelope-writes-page" answers 401 with an error field before the page's
// fields, "ifgiven-403-notice-writes-page" 403 with a notice among them (a review's 401 error
// envelope holding the data and PHP page with an alert among its rows, forty-second session,
// both A, exit 0). "ifgiven-403-flush-slow-page" refuses with `http.Error(w, "Forbidden", 403)`,
// flushes it, and writes the page 3 s later (a slow query), "ifgiven-302-flush-slow-page" the
// same with `http.Redirect`: what a reader of the whole body gets (a review's, both A, exit 0).
// "ifgiven-403-writes-dn-page" names the caller by its whole subject (`Subject.String()`,
// "CN=test-client,O=mtls-scan tests"; "-" without one), and "ifgiven-403-writes-64k-page" writes
// a page of 1,200 orders (~64 KB, past the 16 KB a served page was read to): a review's,
// forty-fourth session, both A, exit 0. "ifgiven-403-writes-refusing-name" names the caller by its
// whole subject too, and one without a certificate "anonymous (certificate required)" (a review's
// JSON 403 carrying the orders beside such a name: A, exit 0, forty-fifth session).
// "ifgiven-h2-check-once-per-conn" checks for a verified chain on every HTTP/1.1 request but on an
// h2 connection's first request alone, a flag on the connection set before the result (a
// review's, forty-fifth session: A, exit 0 in five scans of nine). "ifgiven-h2-session-h1-close"
// sets a `sid` cookie on its 403 and lets in, for the rest of that connection, a request carrying
// it; its HTTP/1.1 answers carry `Connection: close`, so only an h2 connection carries a second
// request (a review's, forty-fifth session: A, exit 0). "ifgiven-403-close" is correct: a 403
// with `Connection: close` to every request without a verified certificate (Go's h2 server then
// ends the connection with GOAWAY: a review's, exit 3 with the first h2 asks of that session).
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	mode := flag.String("mode", "RequireAndVerifyClientCert", "tls.ClientAuthType name")
	port := flag.Int("port", 8443, "port on 127.0.0.1")
	certFile := flag.String("cert", "server.crt", "server certificate")
	keyFile := flag.String("key", "server.key", "server key")
	caFile := flag.String("ca", "ca.crt", "client CA bundle")
	flag.Parse()

	modes := map[string]tls.ClientAuthType{
		"NoClientCert":               tls.NoClientCert,
		"RequestClientCert":          tls.RequestClientCert,
		"RequireAnyClientCert":       tls.RequireAnyClientCert,
		"VerifyClientCertIfGiven":    tls.VerifyClientCertIfGiven,
		"RequireAndVerifyClientCert": tls.RequireAndVerifyClientCert,
	}
	auth, ok := modes[*mode]
	lax := *mode == "lax-expired-cn"
	rootsFromChain := *mode == "roots-from-chain"
	caInChain := *mode == "ca-in-chain"
	chainSignatures := *mode == "chain-signatures"
	p384Any := *mode == "p384-any"
	anchorByName := *mode == "anchor-by-name"
	// The modes whose checks are the handler's, and the TLS setting each sits behind.
	handlerModes := map[string]tls.ClientAuthType{
		"handler-allow-selfsigned":         tls.RequestClientCert,
		"ifgiven-200-refusal":              tls.VerifyClientCertIfGiven,
		"alpn-h2-strict":                   tls.RequireAndVerifyClientCert,
		"legacy-suites-open":               tls.RequireAndVerifyClientCert,
		"alpn-none-open":                   tls.RequireAndVerifyClientCert,
		"alpn-none-open-h2":                tls.RequireAndVerifyClientCert,
		"rate200-appcheck":                 tls.VerifyClientCertIfGiven,
		"rate403-requestcert":              tls.RequestClientCert,
		"ifgiven-bearer-only":              tls.VerifyClientCertIfGiven,
		"grpc-check":                       tls.VerifyClientCertIfGiven,
		"grpc-open":                        tls.VerifyClientCertIfGiven,
		"grpc-415-open":                    tls.NoClientCert,
		"get-check-post-open":              tls.VerifyClientCertIfGiven,
		"get-check-post-created":           tls.VerifyClientCertIfGiven,
		"ifgiven-403-writes-page":          tls.VerifyClientCertIfGiven,
		"ifgiven-302-writes-page":          tls.VerifyClientCertIfGiven,
		"ifgiven-http-error-writes-page":   tls.VerifyClientCertIfGiven,
		"ifgiven-http-error-writes-text":   tls.VerifyClientCertIfGiven,
		"ifgiven-403-writes-long-page":     tls.VerifyClientCertIfGiven,
		"ifgiven-401-envelope-writes-page": tls.VerifyClientCertIfGiven,
		"ifgiven-403-notice-writes-page":   tls.VerifyClientCertIfGiven,
		"ifgiven-403-flush-slow-page":      tls.VerifyClientCertIfGiven,
		"ifgiven-302-flush-slow-page":      tls.VerifyClientCertIfGiven,
		"ifgiven-403-big-page":             tls.VerifyClientCertIfGiven,
		"ifgiven-403-writes-dn-page":       tls.VerifyClientCertIfGiven,
		"ifgiven-403-writes-64k-page":      tls.VerifyClientCertIfGiven,
		"ifgiven-403-writes-refusing-name": tls.VerifyClientCertIfGiven,
		"ifgiven-h2-check-once-per-conn":   tls.VerifyClientCertIfGiven,
		"ifgiven-h2-session-h1-close":      tls.VerifyClientCertIfGiven,
		"ifgiven-403-close":                tls.VerifyClientCertIfGiven,
	}
	if a, found := handlerModes[*mode]; found {
		auth, ok = a, true
	}
	handlerSelfSigned := *mode == "handler-allow-selfsigned"
	ifGiven200 := *mode == "ifgiven-200-refusal"
	alpnH2Strict := *mode == "alpn-h2-strict"
	legacySuitesOpen := *mode == "legacy-suites-open"
	alpnNoneOpen := *mode == "alpn-none-open" || *mode == "alpn-none-open-h2"
	rate200, rate403 := *mode == "rate200-appcheck", *mode == "rate403-requestcert"
	limiter := &rateLimiter{perSecond: 3}
	bearerOnly := *mode == "ifgiven-bearer-only"
	grpc415 := *mode == "grpc-415-open"
	grpcCheck, grpcOpen := *mode == "grpc-check", *mode == "grpc-open" || grpc415
	getCheckOnly := *mode == "get-check-post-open" || *mode == "get-check-post-created"
	postCreates := *mode == "get-check-post-created"
	httpErrorFirst := *mode == "ifgiven-http-error-writes-page"
	// A short page of text holding the account's figures, after http.Error without a return.
	textPage := *mode == "ifgiven-http-error-writes-text"
	longPage := *mode == "ifgiven-403-writes-long-page"
	dnPage := *mode == "ifgiven-403-writes-dn-page"
	hugePage := *mode == "ifgiven-403-writes-64k-page"
	refusingName := *mode == "ifgiven-403-writes-refusing-name"
	slowPage := *mode == "ifgiven-403-flush-slow-page" || *mode == "ifgiven-302-flush-slow-page"
	envelope := *mode == "ifgiven-401-envelope-writes-page"
	notice := *mode == "ifgiven-403-notice-writes-page"
	// A correct server whose 403 page is ~40 KB (inline CSS), past the 16 KB a page is read to:
	// read whole as a refusal's body, a refusal.
	bigRefusal := *mode == "ifgiven-403-big-page"
	writesPage := *mode == "ifgiven-403-writes-page" || *mode == "ifgiven-302-writes-page" ||
		httpErrorFirst || longPage || envelope || notice || slowPage || bigRefusal || dnPage ||
		hugePage || refusingName || textPage
	redirectsFirst := *mode == "ifgiven-302-writes-page" || *mode == "ifgiven-302-flush-slow-page"
	_, handWritten := handWrittenModes[*mode]
	// TLS 1.3 without session tickets (SessionTicketsDisabled), HTTP/1.1 preferred: nothing
	// follows the client's Finished when its certificate is accepted. slow-refusal: Go's verification done by hand,
	// a certificate that fails it refused only after 40 ms (an OCSP or inventory lookup), a
	// missing one at once.
	noTickets := *mode == "no-tickets-required" || *mode == "no-tickets-slow-refusal"
	slowRefusal := *mode == "no-tickets-slow-refusal"
	if noTickets {
		auth, ok = tls.RequireAndVerifyClientCert, true
	}
	lateClose := *mode == "no-tickets-late-close"
	if lateClose {
		ok = true
	}
	if slowRefusal {
		auth = tls.RequestClientCert
	}
	if lax || rootsFromChain || caInChain || chainSignatures || p384Any || anchorByName || handWritten {
		auth, ok = tls.RequireAnyClientCert, true
	}
	if !ok && !strings.HasPrefix(*mode, "sni-") {
		log.Fatalf("unknown -mode %q", *mode)
	}
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		log.Fatal("no CA certificates in ", *caFile)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	if lateClose {
		serveLateClose(ln, cert, pool)
		return
	}
	if !ok {
		runSNI(*mode, ln, cert, pool)
		return
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   auth,
		MinVersion:   tls.VersionTLS12,
	}
	if lax {
		cfg.VerifyPeerCertificate = laxVerifier(pem)
	}
	if v := handWrittenVerifier(*mode, firstDER(pem)); v != nil {
		cfg.VerifyPeerCertificate = v
	}
	if alpnH2Strict {
		// "mTLS for the gRPC (h2) clients; the REST clients beside them need none": the TLS
		// settings follow the ALPN offered, so a client that does not offer h2 gets in.
		cfg.NextProtos = []string{"h2", "http/1.1"}
		strict := cfg.Clone()
		open := cfg.Clone()
		open.ClientAuth = tls.NoClientCert
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			for _, p := range hello.SupportedProtos {
				if p == "h2" {
					return strict, nil
				}
			}
			return open, nil
		}
	}
	if alpnNoneOpen {
		// "mTLS for the clients of the API (they all offer ALPN); health checks and scripts
		// that offer none are let in": HTTP/1.1 only, the settings following whether any ALPN
		// is offered, so a client offering none gets in (an audit's rustls servers, eighteenth
		// session: A, exit 0, while `curl --no-alpn` got the orders).
		cfg.NextProtos = []string{"http/1.1"}
		if *mode == "alpn-none-open-h2" {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
		strict := cfg.Clone()
		open := cfg.Clone()
		open.ClientAuth = tls.NoClientCert
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			if len(hello.SupportedProtos) > 0 {
				return strict, nil
			}
			return open, nil
		}
	}
	if legacySuitesOpen {
		// "mTLS for modern clients; the legacy ones (no TLS 1.3 cipher suite offered) are
		// let in as before": the settings follow the suites offered, so a TLS 1.2-only client
		// gets in without a certificate (an audit's rustls LazyConfigAcceptor, eighteenth
		// session: A, exit 0 while the scanner's TLS 1.2 hello carried TLS 1.3 suites).
		strict := cfg.Clone()
		open := cfg.Clone()
		open.ClientAuth = tls.NoClientCert
		cfg.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
			for _, suite := range hello.CipherSuites {
				if suite >= 0x1301 && suite <= 0x1305 {
					return strict, nil
				}
			}
			return open, nil
		}
	}
	if caInChain {
		caDER := firstDER(pem)
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) > 1 && bytes.Equal(raw[len(raw)-1], caDER) {
				return nil // "the client sent its chain up to our CA"
			}
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			_, err = leaf.Verify(x509.VerifyOptions{
				Roots:     pool,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			return err
		}
	}
	if chainSignatures {
		caDER := firstDER(pem)
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			certs, err := parseChain(raw)
			if err != nil {
				return err
			}
			if len(raw) > 1 && bytes.Equal(raw[len(raw)-1], caDER) {
				// "the client sent its whole chain up to our CA: each certificate signed by the next"
				for i := 0; i+1 < len(certs); i++ {
					if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
						return err
					}
				}
				return nil
			}
			_, err = certs[0].Verify(x509.VerifyOptions{
				Roots:     pool,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			return err
		}
	}
	if rootsFromChain {
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			roots := pool.Clone()
			var leaf *x509.Certificate
			for i, der := range raw {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return err
				}
				if i == 0 {
					leaf = c
				} else {
					roots.AddCert(c) // meant: Intermediates
				}
			}
			if leaf == nil {
				return errors.New("no certificate")
			}
			_, err := leaf.Verify(x509.VerifyOptions{
				Roots:     roots,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
			})
			return err
		}
	}
	if anchorByName {
		caDER := firstDER(pem)
		ca, err := x509.ParseCertificate(caDER)
		if err != nil {
			log.Fatal(err)
		}
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) < 2 {
				return errors.New("send the chain: leaf, then the client CA")
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			for _, der := range raw[1:] {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					return err
				}
				if !bytes.Equal(c.RawSubject, ca.RawSubject) {
					continue
				}
				anchor := x509.NewCertPool()
				anchor.AddCert(c) // "our client CA, as the client sent it"
				_, err = leaf.Verify(x509.VerifyOptions{
					Roots:     anchor,
					KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
				})
				return err
			}
			return errors.New("no client CA in the chain")
		}
	}
	if p384Any {
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			leaf, err := x509.ParseCertificate(raw[0])
			if err != nil {
				return err
			}
			if k, ok := leaf.PublicKey.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
				return nil // "our clients have P-384 keys"
			}
			return errors.New("not a P-384 key")
		}
	}
	if noTickets {
		// HTTP/1.1 first (an h2 server's SETTINGS frame would follow the Finished at once).
		cfg.SessionTicketsDisabled = true
		cfg.NextProtos = []string{"http/1.1"}
	}
	if slowRefusal {
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 {
				return errors.New("no certificate")
			}
			certs, err := parseChain(raw)
			if err == nil {
				err = verifyChain(certs, pool)
			}
			if err != nil {
				time.Sleep(40 * time.Millisecond)
			}
			return err
		}
	}
	h2Once := *mode == "ifgiven-h2-check-once-per-conn"
	h2SessionH1Close := *mode == "ifgiven-h2-session-h1-close"
	close403 := *mode == "ifgiven-403-close"
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			if h2SessionH1Close {
				conn, _ := r.Context().Value(connCheckedKey{}).(*connChecked)
				w.Header().Set("Content-Type", "application/json")
				if r.ProtoMajor == 1 {
					w.Header().Set("Connection", "close")
				}
				const page = `{"orders":[{"id":1017,"item":"widget","qty":3},{"id":1018,"item":"gadget","qty":7}],"account":"acme corp"}` + "\n"
				known := false
				if c, err := r.Cookie("sid"); err == nil && conn != nil {
					conn.mu.Lock()
					known = conn.sids[c.Value]
					conn.mu.Unlock()
				}
				if known || len(r.TLS.VerifiedChains) > 0 {
					_, _ = io.WriteString(w, page)
					return
				}
				b := make([]byte, 16)
				_, _ = rand.Read(b)
				sid := fmt.Sprintf("%x", b)
				if conn != nil {
					conn.mu.Lock()
					conn.sids[sid] = true
					conn.mu.Unlock()
				}
				http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", Secure: true, HttpOnly: true})
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"error":"client certificate required"}`+"\n")
				return
			}
			if close403 && len(r.TLS.VerifiedChains) == 0 {
				w.Header().Set("Connection", "close")
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "client certificate required\n")
				return
			}
			if h2Once {
				check := true
				if s, ok := r.Context().Value(connCheckedKey{}).(*connChecked); ok && r.ProtoMajor == 2 {
					s.mu.Lock()
					check = !s.checked
					s.checked = true
					s.mu.Unlock()
				}
				w.Header().Set("Content-Type", "application/json")
				if check && len(r.TLS.VerifiedChains) == 0 {
					w.WriteHeader(http.StatusForbidden)
					_, _ = io.WriteString(w, `{"error":"client certificate required"}`+"\n")
					return
				}
				_, _ = io.WriteString(w, `{"orders":[{"id":1017,"item":"widget","qty":3},{"id":1018,"item":"gadget","qty":7}],"account":"acme corp"}`+"\n")
				return
			}
			if (rate200 || rate403) && limiter.over() {
				if rate403 {
					w.WriteHeader(http.StatusForbidden)
					_, _ = io.WriteString(w, "Forbidden: rate limited, try again later\n")
				} else {
					w.Header().Set("Content-Type", "text/html")
					_, _ = io.WriteString(w, "<html><body><h1>Slow down</h1><p>You are sending requests too quickly. Please wait a moment.</p></body></html>\n")
				}
				return
			}
			if bigRefusal && len(r.TLS.VerifiedChains) == 0 {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusForbidden)
				css := strings.Repeat(".nav-item{margin:0 4px;padding:2px 6px;color:#334;}\n", 800)
				_, _ = io.WriteString(w, "<html><head><style>"+css+"</style></head><body><h1>403 Forbidden</h1><p>A client certificate is required.</p></body></html>\n")
				return
			}
			if writesPage {
				client := "anonymous"
				if dnPage {
					client = "-"
				}
				if refusingName {
					client = "anonymous (certificate required)"
				}
				if len(r.TLS.VerifiedChains) > 0 {
					client = r.TLS.PeerCertificates[0].Subject.CommonName
					if dnPage || refusingName {
						client = r.TLS.PeerCertificates[0].Subject.String()
					}
				}
				if textPage {
					if len(r.TLS.VerifiedChains) == 0 {
						http.Error(w, "Forbidden", http.StatusForbidden) // and no return
					}
					_, _ = io.WriteString(w, "SECRET customer orders: order-1001 widgets 42, order-1002 gadgets 17, account balance 98765\n")
					return
				}
				if !httpErrorFirst {
					w.Header().Set("Content-Type", "application/json")
				}
				if len(r.TLS.VerifiedChains) == 0 && redirectsFirst {
					w.Header().Set("Location", "https://login.example/")
					w.WriteHeader(http.StatusFound) // and no return
				} else if len(r.TLS.VerifiedChains) == 0 && (httpErrorFirst || *mode == "ifgiven-403-flush-slow-page") {
					http.Error(w, "Forbidden", http.StatusForbidden) // and no return
				} else if len(r.TLS.VerifiedChains) == 0 && envelope {
					w.WriteHeader(http.StatusUnauthorized) // and no return
				} else if len(r.TLS.VerifiedChains) == 0 {
					w.WriteHeader(http.StatusForbidden) // and no return
				}
				id := make([]byte, 16)
				_, _ = rand.Read(id)
				rid := fmt.Sprintf("%x-%x-%x-%x-%x", id[0:4], id[4:6], id[6:8], id[8:10], id[10:16])
				orders := `{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7},{"id":1003,"item":"sprocket","qty":2},{"id":1004,"item":"flange","qty":9}`
				if longPage || hugePage {
					count := 120
					if hugePage {
						count = 1200
					}
					var b strings.Builder
					for i := 0; i < count; i++ {
						if i > 0 {
							b.WriteString(",")
						}
						fmt.Fprintf(&b, `{"id":%d,"item":"part-%c%c","qty":%d}`, 2000+i, 'a'+i%26, 'a'+i/26, i%9+1)
					}
					orders = b.String()
				}
				stamp := ""
				if httpErrorFirst {
					// Stamped to the nanosecond, as a page with a clock is (a regression sweep's
					// page stamped so escaped a check comparing every number).
					stamp = `"generated_at":"` + time.Now().Format(time.RFC3339Nano) + `",`
				}
				refused := len(r.TLS.VerifiedChains) == 0
				if refused && slowPage {
					// The refusal on the wire at once, the page after a slow query.
					if f, ok := w.(http.Flusher); ok {
						f.Flush()
					}
					time.Sleep(3 * time.Second)
				}
				errorField, noticeField := "", ""
				if refused && envelope {
					errorField = `"error":"unauthorized: a client certificate is required",`
				}
				if refused && notice {
					noticeField = `"notice":"access denied: a client certificate is required",`
				}
				_, _ = io.WriteString(w, `{`+errorField+`"request_id":"`+rid+`",`+stamp+`"client":"`+client+`","account":"acme corp",`+noticeField+`"orders":[`+orders+`]}`+"\n")
				return
			}
			if getCheckOnly {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				checked := r.Method == http.MethodGet || r.Method == http.MethodHead
				if checked && len(r.TLS.VerifiedChains) == 0 {
					w.WriteHeader(http.StatusForbidden)
					_, _ = io.WriteString(w, "client certificate required\n")
					return
				}
				if postCreates && r.Method == http.MethodPost {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusCreated)
					_, _ = io.WriteString(w, `{"created":{"id":1003,"item":"gizmo","qty":1},"customer":"acme corp"}`+"\n")
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}`+"\n")
				return
			}
			if grpc415 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
				w.WriteHeader(http.StatusUnsupportedMediaType) // as grpc-js answers a plain GET
				return
			}
			if grpcCheck || grpcOpen {
				w.Header().Set("Content-Type", "application/grpc")
				switch {
				case grpcCheck && len(r.TLS.VerifiedChains) == 0:
					w.Header().Set("Grpc-Status", "16")
					w.Header().Set("Grpc-Message", "client certificate required")
					w.WriteHeader(http.StatusOK)
				case r.URL.Path != "/shop.Orders/List":
					w.Header().Set("Grpc-Status", "12")
					w.WriteHeader(http.StatusOK)
				default:
					w.Header().Set("Trailer", "Grpc-Status")
					msg := []byte(`{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}`)
					frame := append([]byte{0, 0, 0, byte(len(msg) >> 8), byte(len(msg))}, msg...)
					w.WriteHeader(http.StatusOK)
					_, _ = w.Write(frame)
					w.Header().Set("Grpc-Status", "0")
				}
				return
			}
			if bearerOnly {
				if r.Header.Get("Authorization") != "Bearer s3cret-token" {
					w.Header().Set("WWW-Authenticate", `Bearer realm="orders"`)
					w.WriteHeader(http.StatusUnauthorized)
					_, _ = io.WriteString(w, `{"error":"missing or invalid token"}`+"\n")
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}`+"\n")
				return
			}
			if rate200 && len(r.TLS.VerifiedChains) == 0 {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "client certificate required\n")
				return
			}
			if rate200 || rate403 {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"orders":[{"id":1001,"item":"widget","qty":3},{"id":1002,"item":"gadget","qty":7}],"customer":"acme corp"}`+"\n")
				return
			}
			if ifGiven200 {
				w.Header().Set("Content-Type", "application/json")
				if len(r.TLS.PeerCertificates) == 0 {
					_, _ = io.WriteString(w, `{"ok":false,"error":"client certificate required"}`+"\n")
				} else {
					_, _ = io.WriteString(w, `{"ok":true,"orders":[1,2,3]}`+"\n")
				}
				return
			}
			if handlerSelfSigned && !verifiedOrSelfSigned(r.TLS.PeerCertificates, pool) {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "forbidden\n")
				return
			}
			if lax && (len(r.TLS.PeerCertificates) == 0 ||
				r.TLS.PeerCertificates[0].Subject.CommonName != "test-client") {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, "forbidden\n")
				return
			}
			_, _ = io.WriteString(w, "ok\n")
		}),
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "goserver: ", 0),
	}
	if h2Once || h2SessionH1Close {
		srv.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
			return context.WithValue(ctx, connCheckedKey{}, &connChecked{sids: map[string]bool{}})
		}
	}
	log.Fatal(srv.ServeTLS(ln, "", ""))
}

// connChecked is what a connection keeps: the flag "ifgiven-h2-check-once-per-conn" sets on the
// connection's first h2 request, before its certificate is judged, and the sessions
// "ifgiven-h2-session-h1-close" opened on it.
type connChecked struct {
	mu      sync.Mutex
	checked bool
	sids    map[string]bool
}

// connCheckedKey finds a connection's connChecked in its requests' contexts.
type connCheckedKey struct{}

// rateLimiter lets perSecond requests through in each one-second window, every path alike.
type rateLimiter struct {
	mu        sync.Mutex
	perSecond int
	start     time.Time
	count     int
}

// over: this request is past the window's allowance.
func (l *rateLimiter) over() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Since(l.start) > time.Second {
		l.start = time.Now()
		l.count = 0
	}
	l.count++
	return l.count > l.perSecond
}

// verifiedOrSelfSigned: the leaf verifies for clientAuth against pool (the client's other
// certificates as intermediates), or it is a lone self-signed certificate whose signature
// verifies against its own key (the hole: any client can make one).
func verifiedOrSelfSigned(pc []*x509.Certificate, pool *x509.CertPool) bool {
	if len(pc) == 0 {
		return false
	}
	if len(pc) == 1 && bytes.Equal(pc[0].RawIssuer, pc[0].RawSubject) &&
		pc[0].CheckSignature(pc[0].SignatureAlgorithm, pc[0].RawTBSCertificate, pc[0].Signature) == nil {
		return true // "developer laptops use self-signed certificates"
	}
	return verifyChain(pc, pool) == nil
}

// verifyChain: the leaf (pc[0], non-empty) verifies for clientAuth against pool, the client's
// other certificates as intermediates, as RequireAndVerifyClientCert verifies it.
func verifyChain(pc []*x509.Certificate, pool *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range pc[1:] {
		inter.AddCert(c)
	}
	_, err := pc[0].Verify(x509.VerifyOptions{
		Roots:         pool,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	return err
}

// firstDER is the DER of the first certificate in caPEM (nil when there is none).
func firstDER(caPEM []byte) []byte {
	if b, _ := pem.Decode(caPEM); b != nil {
		return b.Bytes
	}
	return nil
}

// laxVerifier checks the client's chain against the CAs in caPEM with any extended key usage,
// and forgives a leaf outside its validity period when one of those CAs signed it.
func laxVerifier(caPEM []byte) func([][]byte, [][]*x509.Certificate) error {
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	var cas []*x509.Certificate
	for rest := caPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			cas = append(cas, c)
		}
	}
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("no certificate")
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, r := range raw[1:] {
			if c, err := x509.ParseCertificate(r); err == nil {
				inter.AddCert(c)
			}
		}
		_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		var invalid x509.CertificateInvalidError
		if errors.As(err, &invalid) && invalid.Reason == x509.Expired {
			for _, ca := range cas {
				if leaf.CheckSignatureFrom(ca) == nil {
					return nil
				}
			}
		}
		return err
	}
}
