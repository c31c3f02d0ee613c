package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// serveLateClose serves -mode no-tickets-late-close: TLS 1.3 only, without session tickets,
// HTTP/1.1; a
// missing certificate refused in the handshake (RequireAnyClientCert's alert, at once); a
// certificate that fails verification against pool refused by closing the connection 40 ms
// after the handshake, without an alert (a check made out of band, as a proxy's auth hook).
func serveLateClose(ln net.Listener, cert tls.Certificate, pool *x509.CertPool) {
	cfg := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		ClientAuth:             tls.RequireAnyClientCert,
		SessionTicketsDisabled: true,
		NextProtos:             []string{"http/1.1"},
		MinVersion:             tls.VersionTLS13,
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			continue
		}
		go lateCloseConn(c, cfg, pool)
	}
}

func lateCloseConn(c net.Conn, cfg *tls.Config, pool *x509.CertPool) {
	defer c.Close()
	t := tls.Server(c, cfg)
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := t.Handshake(); err != nil {
		return
	}
	peers := t.ConnectionState().PeerCertificates
	if len(peers) == 0 {
		return
	}
	if verifyChain(peers, pool) != nil {
		time.Sleep(40 * time.Millisecond)
		return // the TCP connection closed, no alert
	}
	br := bufio.NewReader(t)
	for {
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(req.Body, 1<<16))
		body := `{"orders":[{"id":1001,"item":"widget","qty":3}],"client":"` + peers[0].Subject.CommonName + `"}` + "\n"
		_, _ = fmt.Fprintf(t, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
}
