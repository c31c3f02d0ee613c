// A Go net/http client for `mtls-scan impostor` tests: GET $MTLS_IMPOSTOR_URL with the default
// transport (roots from SSL_CERT_FILE / SSL_CERT_DIR), or with -insecure (InsecureSkipVerify).
// With -cert/-key it holds a client certificate. With -soft-fail-after D it checks the server
// itself and, when the check fails, waits D (a slow revocation or intermediate fetch) and then
// proceeds anyway: careless, but slowly. With -hard-fail-after D it waits D on a failed check and
// then refuses (careful, but slowly). With -retry-insecure-on-name, a host-name mismatch makes it
// retry without verification (careless about names only, and only on a retry). Exit 0 on a 2xx
// answer. Standard library only.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

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
		Transport: &http.Transport{TLSClientConfig: cfg},
	}
	resp, err := client.Get(target)
	var name x509.HostnameError
	if err != nil && *retry && errors.As(err, &name) {
		insecure := &http.Client{
			Timeout:   5 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
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
