// A Go net/http client for `mtls-scan impostor` tests: GET $MTLS_IMPOSTOR_URL with the default
// transport (roots from SSL_CERT_FILE / SSL_CERT_DIR), or with -insecure (InsecureSkipVerify).
// With -cert/-key it holds a client certificate. Exit 0 on a 2xx answer. Standard library only.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

func main() {
	insecure := flag.Bool("insecure", false, "InsecureSkipVerify: true")
	cert := flag.String("cert", "", "client certificate (PEM)")
	key := flag.String("key", "", "client key (PEM)")
	flag.Parse()

	cfg := &tls.Config{InsecureSkipVerify: *insecure}
	if *cert != "" {
		pair, err := tls.LoadX509KeyPair(*cert, *key)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: cfg},
	}
	resp, err := client.Get(os.Getenv("MTLS_IMPOSTOR_URL"))
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
