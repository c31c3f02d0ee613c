// A crypto/tls + net/http server for the real-server tests (stdlib only).
//
//	goserver -mode RequireAndVerifyClientCert -port 8443 -cert server.crt -key server.key -ca ca.crt
//
// It answers 200 "ok\n" on every path and binds 127.0.0.1 only. The modes "sni-bypass" and
// "sni-strict" (sni.go) pick the client-auth policy by SNI instead, for the SNI/Host tests.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
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
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "ok\n")
		}),
		TLSConfig:         cfg,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(os.Stderr, "goserver: ", 0),
	}
	log.Fatal(srv.ServeTLS(ln, "", ""))
}
