"""Write a Java trust store (JKS) holding the certificates of a PEM file, for the Tomcat servers of
start.sh. What `keytool -importcert -storetype JKS` writes, without starting a second JVM (a
keytool run costs about a second of a start-up that the tests wait for).

    python3 jks_truststore.py CA.pem OUT.jks PASSWORD

The format (sun.security.provider.JavaKeyStore): magic 0xFEEDFEED, version 2, the entry count, per
entry tag 2 (trusted certificate), the alias (Java modified UTF-8, 2-byte length), the creation
time (ms), the certificate type "X.509" and the DER certificate (4-byte length); then the SHA-1 of
the password (UTF-16BE) + b"Mighty Aphrodite" + everything before it. The password only guards
the file's integrity here (a trust store holds no secret).
"""
import base64
import hashlib
import re
import struct
import sys
import time


def utf(s):
    b = s.encode("utf-8")  # the aliases here are ASCII: modified UTF-8 is plain UTF-8
    return struct.pack(">H", len(b)) + b


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: jks_truststore.py CA.pem OUT.jks PASSWORD")
    pem, out, password = sys.argv[1:]
    with open(pem) as f:
        ders = [
            base64.b64decode("".join(m.split()))
            for m in re.findall(
                r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", f.read(), re.S
            )
        ]
    if not ders:
        sys.exit(f"jks_truststore.py: no certificate in {pem}")
    now = int(time.time() * 1000)
    body = struct.pack(">III", 0xFEEDFEED, 2, len(ders))
    for i, der in enumerate(ders):
        body += struct.pack(">I", 2) + utf(f"ca{i}") + struct.pack(">Q", now)
        body += utf("X.509") + struct.pack(">I", len(der)) + der
    digest = hashlib.sha1(password.encode("utf-16-be") + b"Mighty Aphrodite" + body).digest()
    with open(out, "wb") as f:
        f.write(body + digest)


if __name__ == "__main__":
    main()
