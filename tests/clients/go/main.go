// A Go net/http client for `mtls-scan impostor` tests: GET $MTLS_IMPOSTOR_URL with the default
// transport (roots from SSL_CERT_FILE / SSL_CERT_DIR), or with -insecure (InsecureSkipVerify).
// With -cert/-key it holds a client certificate. With -soft-fail-after D it checks the server
// itself and, when the check fails, waits D (a slow revocation or intermediate fetch) and then
// proceeds anyway: careless, but slowly. With -hard-fail-after D it waits D on a failed check and
// then refuses (careful, but slowly). With -retry-insecure-on-name, a host-name mismatch makes it
// retry without verification (careless about names only, and only on a retry), after
// -retry-delay. Hand-written verifiers: -issuer-name-only (the issuer's name must be the trusted
// CA's subject, the name and dates are checked, never the signature), -verify-at-leaf-start
// (chain and name verified at the certificate's own start: expiry "ignored"), -domain-suffix
// (chain verified, the name need only be under the host's parent domain), -signature-walk (the
// chain followed by issuer names and signatures up to the trusted CA, with the name and the
// dates: never whether an issuer may sign, CheckSignature rather than CheckSignatureFrom). -gate: a health check
// with verification, then the call without. -dial-addr dials $MTLS_IMPOSTOR_ADDR whatever the
// URL's host. Exit 0 on a 2xx answer. Standard library only.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// trusted reads the CA file the impostor hands over.
func trusted() (*x509.CertPool, *x509.Certificate, error) {
	b, err := os.ReadFile(os.Getenv("MTLS_IMPOSTOR_CA_FILE"))
	if err != nil {
		return nil, nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, nil, errors.New("no PEM in the CA file")
	}
	ca, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, nil, err
	}
	p := x509.NewCertPool()
	p.AddCert(ca)
	return p, ca, nil
}

// custom returns a hand-written verifier (see the modes above).
func custom(mode, host string) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("no certificate")
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		roots, ca, err := trusted()
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, der := range raw[1:] {
			if c, err := x509.ParseCertificate(der); err == nil {
				inter.AddCert(c)
			}
		}
		switch mode {
		case "issuer-name-only":
			if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) {
				return errors.New("unknown issuer")
			}
			now := time.Now()
			if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
				return errors.New("expired")
			}
			return leaf.VerifyHostname(host)
		case "verify-at-leaf-start":
			_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host,
				CurrentTime: leaf.NotBefore.Add(time.Second)})
			return err
		case "domain-suffix":
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter}); err != nil {
				return err
			}
			parent := host[strings.Index(host, ".")+1:]
			for _, n := range leaf.DNSNames {
				if n == host || strings.HasSuffix(n, "."+parent) {
					return nil
				}
			}
			return errors.New("not in our domain")
		case "signature-walk":
			now := time.Now()
			if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
				return errors.New("expired")
			}
			if err := leaf.VerifyHostname(host); err != nil {
				return err
			}
			cur := leaf
			for depth := 0; depth < 8; depth++ {
				if bytes.Equal(cur.RawIssuer, ca.RawSubject) {
					return ca.CheckSignature(cur.SignatureAlgorithm, cur.RawTBSCertificate, cur.Signature)
				}
				var parent *x509.Certificate
				for _, der := range raw[1:] {
					c, err := x509.ParseCertificate(der)
					if err == nil && bytes.Equal(c.RawSubject, cur.RawIssuer) && !bytes.Equal(c.Raw, cur.Raw) {
						parent = c
					}
				}
				if parent == nil {
					return errors.New("no path to the trusted CA")
				}
				if err := parent.CheckSignature(cur.SignatureAlgorithm, cur.RawTBSCertificate, cur.Signature); err != nil {
					return err
				}
				cur = parent
			}
			return errors.New("chain too long")
		}
		return errors.New("unknown mode")
	}
}

// softFail verifies the chain and the name as the default transport would, but on a failure
// sleeps for wait and accepts the certificate all the same (refuses it, with hard).
func softFail(host string, wait time.Duration, hard bool) func([][]byte, [][]*x509.Certificate) error {
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		if len(raw) == 0 {
			return errors.New("no certificate")
		}
		leaf, err := x509.ParseCertificate(raw[0])
		if err != nil {
			return err
		}
		roots, err := x509.SystemCertPool()
		if err != nil {
			return err
		}
		inter := x509.NewCertPool()
		for _, der := range raw[1:] {
			if c, err := x509.ParseCertificate(der); err == nil {
				inter.AddCert(c)
			}
		}
		opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host}
		if _, err := leaf.Verify(opts); err != nil {
			time.Sleep(wait)
			if hard {
				return err
			}
		}
		return nil
	}
}

func main() {
	insecure := flag.Bool("insecure", false, "InsecureSkipVerify: true")
	cert := flag.String("cert", "", "client certificate (PEM)")
	key := flag.String("key", "", "client key (PEM)")
	soft := flag.Duration("soft-fail-after", 0, "on a failed check, wait this long, then proceed")
	hard := flag.Duration("hard-fail-after", 0, "on a failed check, wait this long, then refuse")
	retry := flag.Bool("retry-insecure-on-name", false, "on a host-name mismatch, retry without verification")
	retryDelay := flag.Duration("retry-delay", 0, "wait this long before that retry")
	issuerOnly := flag.Bool("issuer-name-only", false, "check the issuer's name, the host name and the dates, not the signature")
	atStart := flag.Bool("verify-at-leaf-start", false, "verify chain and name at the certificate's own start")
	suffix := flag.Bool("domain-suffix", false, "verify the chain; the name need only be under the parent domain")
	walk := flag.Bool("signature-walk", false, "follow issuer names and signatures to the trusted CA, never asking whether an issuer may sign")
	gate := flag.Bool("gate", false, "a verified health check, then the call without verification")
	dialAddr := flag.Bool("dial-addr", false, "dial $MTLS_IMPOSTOR_ADDR")
	flag.Parse()

	target := os.Getenv("MTLS_IMPOSTOR_URL")
	cfg := &tls.Config{InsecureSkipVerify: *insecure}
	if *soft > 0 || *hard > 0 {
		u, err := url.Parse(target)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = softFail(u.Hostname(), *soft+*hard, *hard > 0)
	}
	for mode, on := range map[string]bool{"issuer-name-only": *issuerOnly, "verify-at-leaf-start": *atStart, "domain-suffix": *suffix, "signature-walk": *walk} {
		if on {
			u, err := url.Parse(target)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			cfg.InsecureSkipVerify = true
			cfg.VerifyPeerCertificate = custom(mode, u.Hostname())
		}
	}
	transport := func(c *tls.Config) *http.Transport {
		t := &http.Transport{TLSClientConfig: c}
		if addr := os.Getenv("MTLS_IMPOSTOR_ADDR"); *dialAddr && addr != "" {
			t.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			}
		}
		return t
	}
	if *gate {
		health := &http.Client{Timeout: 5 * time.Second, Transport: transport(&tls.Config{})}
		resp, err := health.Get(target)
		if err != nil {
			fmt.Fprintln(os.Stderr, "health check failed:", err)
			os.Exit(1)
		}
		resp.Body.Close()
		cfg.InsecureSkipVerify = true
	}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	client := &http.Client{
		Timeout:   5*time.Second + *soft + *hard,
		Transport: transport(cfg),
	}
	resp, err := client.Get(target)
	var name x509.HostnameError
	if err != nil && *retry && errors.As(err, &name) {
		time.Sleep(*retryDelay)
		insecure := &http.Client{
			Timeout:   5 * time.Second,
			Transport: transport(&tls.Config{InsecureSkipVerify: true}),
		}
		resp, err = insecure.Get(target)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		fmt.Fprintln(os.Stderr, "status", resp.StatusCode)
		os.Exit(1)
	}
}
