package main

// Hand-written client-chain verifiers behind tls.RequireAnyClientCert, as developers write them
// in a VerifyPeerCertificate (an audit's, twenty-first session). Each checks the leaf's dates and
// its clientAuth key purpose, and each lets in a chain its author did not think of:
//
//	chain-ends-in-ca  the chain must end in the CA's certificate and the leaf be signed by the
//	                  certificate after it: [leaf, its own CA, the CA] gets anyone in
//	issuer-dn-aki     "issued by our CA" is the leaf's issuer DN and authority key identifier
//	                  being the CA's, no signature checked: a forgery naming the CA's key
//	                  identifier (public in every certificate it signed) gets anyone in
//	signature-walk    each certificate's signature is checked by the next one up to the CA, never
//	                  whether the signer may sign certificates (basicConstraints): a leaf for any
//	                  subject signed by a valid client certificate's key, followed by it, gets
//	                  every holder of one valid certificate in as anybody
//	signature-walk-allowlist  the same, and the leaf's CN must be test-client (an allowlist of
//	                  one client, twenty-fifth session): a leaf claiming test-client, signed by
//	                  any valid certificate's key and followed by it, gets in
//	any-leaf-allowlist  the chain is let in when any end-entity certificate in it verifies up to
//	                  the CA, and the client is the first certificate's CN, test-client only:
//	                  any leaf claiming test-client followed by the public client.crt gets in
//
// The handler serves every client it lets in alike.

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"time"
)

// allowedClient is the one client name the allowlist modes let in.
const allowedClient = "test-client"

// signatureWalk checks each certificate's signature by the next one up to the CA.
func signatureWalk(ca *x509.Certificate, certs []*x509.Certificate) error {
	for i := 0; i+1 < len(certs); i++ {
		c, p := certs[i], certs[i+1]
		if bytes.Equal(p.Raw, ca.Raw) {
			break
		}
		if err := p.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
			return fmt.Errorf("link %d: %v", i, err)
		}
	}
	top := certs[len(certs)-1]
	if bytes.Equal(top.Raw, ca.Raw) {
		if len(certs) == 1 {
			return errors.New("the CA itself")
		}
		top = certs[len(certs)-2]
	}
	return ca.CheckSignature(top.SignatureAlgorithm, top.RawTBSCertificate, top.Signature)
}

// allowed refuses a client whose first certificate is not the allowed client's.
func allowed(certs []*x509.Certificate) error {
	if certs[0].Subject.CommonName != allowedClient {
		return fmt.Errorf("client %q is not allowed", certs[0].Subject.CommonName)
	}
	return nil
}

var handWrittenModes = map[string]func(ca *x509.Certificate, certs []*x509.Certificate) error{
	"chain-ends-in-ca": func(ca *x509.Certificate, certs []*x509.Certificate) error {
		if len(certs) < 2 {
			return certs[0].CheckSignatureFrom(ca)
		}
		if !bytes.Equal(certs[len(certs)-1].Raw, ca.Raw) {
			return errors.New("the chain does not end in our CA")
		}
		return certs[0].CheckSignatureFrom(certs[1])
	},
	"issuer-dn-aki": func(ca *x509.Certificate, certs []*x509.Certificate) error {
		leaf := certs[0]
		if !bytes.Equal(leaf.RawIssuer, ca.RawSubject) {
			return errors.New("not issued by our CA (issuer DN)")
		}
		if !bytes.Equal(leaf.AuthorityKeyId, ca.SubjectKeyId) {
			return errors.New("not issued by our CA (key identifier)")
		}
		return nil
	},
	"signature-walk": signatureWalk,
	"signature-walk-allowlist": func(ca *x509.Certificate, certs []*x509.Certificate) error {
		if err := signatureWalk(ca, certs); err != nil {
			return err
		}
		return allowed(certs)
	},
	"any-leaf-allowlist": func(ca *x509.Certificate, certs []*x509.Certificate) error {
		roots := x509.NewCertPool()
		roots.AddCert(ca)
		opts := x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		for _, c := range certs {
			if c.IsCA {
				continue
			}
			if _, err := c.Verify(opts); err == nil {
				return allowed(certs)
			}
		}
		return errors.New("no certificate of the chain verifies")
	},
}

// parseChain parses the certificates a client sent, at least one.
func parseChain(raw [][]byte) ([]*x509.Certificate, error) {
	if len(raw) == 0 {
		return nil, errors.New("no certificate")
	}
	certs := make([]*x509.Certificate, 0, len(raw))
	for _, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// handWrittenVerifier is the VerifyPeerCertificate of a hand-written mode, nil for another mode.
func handWrittenVerifier(mode string, caDER []byte) func([][]byte, [][]*x509.Certificate) error {
	check, found := handWrittenModes[mode]
	if !found {
		return nil
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		log.Fatal(err)
	}
	return func(raw [][]byte, _ [][]*x509.Certificate) error {
		certs, err := parseChain(raw)
		if err != nil {
			return err
		}
		leaf := certs[0]
		if now := time.Now(); now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
			return errors.New("expired or not yet valid")
		}
		clientAuth := false
		for _, u := range leaf.ExtKeyUsage {
			clientAuth = clientAuth || u == x509.ExtKeyUsageClientAuth
		}
		if !clientAuth {
			return errors.New("not for client authentication")
		}
		return check(ca, certs)
	}
}
