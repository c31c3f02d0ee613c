// gtclient: a tiny crypto/tls client used only for ground truth that curl and openssl s_client
// cannot measure: a client certificate presented WITHOUT its private key (both tools refuse to load a
// mismatched key pair; crypto/tls does not check when tls.Certificate is built by hand).
//
//	gtclient -addr 127.0.0.1:8443 -tls 1.3 -cert client.crt -key other.key [-path /admin/] [-reneg]
//
// -reneg accepts one server-initiated TLS 1.2 renegotiation (how Apache asks for a certificate that
// only a <Location> requires); without it a HelloRequest is refused, as rustls refuses it.
//
// Prints "http=<status>" or "error=<message>" and exits 0.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8443", "host:port")
	ver := flag.String("tls", "1.3", "1.2 or 1.3")
	certFile := flag.String("cert", "", "client certificate (PEM)")
	keyFile := flag.String("key", "", "private key (PEM, need not match -cert)")
	path := flag.String("path", "/", "the request path")
	reneg := flag.Bool("reneg", false, "accept one server-initiated TLS 1.2 renegotiation")
	delay := flag.Duration("delay", 250*time.Millisecond, "read for this long after the handshake before sending the request, so a TLS 1.3 server's alert is seen before the request could provoke a TCP reset")
	flag.Parse()

	v := uint16(tls.VersionTLS13)
	if *ver == "1.2" {
		v = tls.VersionTLS12
	}
	cfg := &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v, NextProtos: []string{"http/1.1"}}
	if *reneg {
		cfg.Renegotiation = tls.RenegotiateOnceAsClient
	}
	if *certFile != "" {
		certPEM, err := os.ReadFile(*certFile)
		check(err)
		keyPEM, err := os.ReadFile(*keyFile)
		check(err)
		cb, _ := pem.Decode(certPEM)
		kb, _ := pem.Decode(keyPEM)
		if cb == nil || kb == nil {
			check(fmt.Errorf("bad PEM"))
		}
		key, err := parseKey(kb.Bytes)
		check(err)
		// Sent whatever CA names the CertificateRequest carries (as s_client does): with
		// Certificates alone, crypto/tls sends nothing when the certificate's issuer is not among
		// them (stunnel verifyPeer advertises the pinned client certificate's own subject).
		cert := &tls.Certificate{Certificate: [][]byte{cb.Bytes}, PrivateKey: key}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cert, nil
		}
	}
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", *addr, cfg)
	if err != nil {
		fmt.Printf("error=%v\n", err)
		return
	}
	defer conn.Close()
	// A TLS 1.3 server refuses the certificate after the client's handshake is done: read first.
	_ = conn.SetReadDeadline(time.Now().Add(*delay))
	var one [1]byte
	if _, err := conn.Read(one[:]); err != nil {
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			fmt.Printf("error=%v\n", err)
			return
		}
	}
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", *path, *addr); err != nil {
		fmt.Printf("error=%v\n", err)
		return
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		fmt.Printf("error=%v\n", err)
		return
	}
	fmt.Printf("http=%d\n", resp.StatusCode)
}

func parseKey(der []byte) (any, error) {
	if k, err := x509.ParseECPrivateKey(der); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return k, nil
	}
	return x509.ParsePKCS1PrivateKey(der)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gtclient:", err)
		os.Exit(2)
	}
}
