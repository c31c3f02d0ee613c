#!/usr/bin/env bash
# Measure what every real server does with curl, openssl s_client and (for the one case those tools
# cannot send) the stdlib Go client in go/client. Nothing of ours is involved.
#
#   tests/servers/ground-truth.sh [OUTDIR] [SERVER...]
#
# Writes OUTDIR/ground-truth.tsv (server, tls, probe, result) and prints a markdown table.
# Result codes:  200/400/401/403   the HTTP status
#                alert:<name>      a TLS alert from the server (name as OpenSSL prints it)
#                empty-reply       handshake done, connection closed with no HTTP response
#                err:<text>        anything else
# "CR" is whether a CertificateRequest was sent (s_client printed "Requested Signature Algorithms"),
# "CA names" the acceptable client CA names it carried.
#
# Each server is probed on its path (start.sh --path: "/", or "/admin/" for apache-location-require).
# A server that asks for the certificate only after the request (POST_REQUEST_SERVERS) gets two
# more rows: "1.3+pha" (s_client -enable_pha, i.e. the client offers post-handshake auth) and
# "1.2-noreneg" (s_client -no_renegotiation and a Go client that refuses renegotiation, as rustls
# does); its CR/CA-names cells are read from s_client -trace after the request ("post-handshake" /
# "renegotiation" / "HelloRequest refused"). The plain 1.3 row does not offer post-handshake auth,
# the plain 1.2 row accepts one server-initiated renegotiation (OpenSSL's and Go's -reneg default).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

out=${1:-$(mktemp -d)}
shift || true
mkdir -p "$out"
out=$(cd "$out" && pwd)
pki=$out/pki work=$out/work
mkdir -p "$work"
if [ ! -f "$pki/wrong-eku.crt" ]; then
  "$here/pki.sh" "$pki" >/dev/null
  "$here/client-certs.sh" "$pki" >/dev/null
fi
(cd "$here/go" && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= go build -o "$work/gtclient" ./client)

if [ $# -gt 0 ]; then servers=("$@"); else mapfile -t servers < <("$here/start.sh" --list); fi
trap stop_servers EXIT
t0=$(date +%s.%N)
start_servers "$pki" "$work" "${servers[@]}"
t1=$(date +%s.%N)
echo "started ${#servers[@]} servers in $(python3 -c "print(round($t1-$t0,2))") s" >&2

alert_name() { # RFC 8446 alert number -> name
  case $1 in
  40) echo handshake_failure ;; 42) echo bad_certificate ;; 43) echo unsupported_certificate ;;
  44) echo certificate_revoked ;; 45) echo certificate_expired ;; 46) echo certificate_unknown ;;
  48) echo unknown_ca ;; 49) echo access_denied ;; 50) echo decode_error ;; 51) echo decrypt_error ;;
  80) echo internal_error ;; 116) echo certificate_required ;; *) echo "alert$1" ;;
  esac
}

POST_REQUEST_SERVERS=" apache-location-require "

# sc_probe PORT VER PATH [CERTNAME [S_CLIENT_ARGS...]]: openssl s_client, request sent 250 ms after
# the handshake so that a TLS 1.3 server's post-handshake alert is read before the request could
# provoke a TCP reset. An empty CERTNAME sends no certificate.
sc_probe() {
  local port=$1 ver=$2 path=$3 c=${4:-} args=() o e
  shift 4
  [ -n "$c" ] && args=(-cert "$pki/$c.crt" -key "$pki/$c.key")
  o=$(mktemp "$work/sc.XXXXXX") e=$(mktemp "$work/sc.XXXXXX")
  # -quiet implies -ign_eof: s_client reads until the server closes
  { sleep 0.25; printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path"; } |
    timeout 8 openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -servername localhost \
      -quiet "${args[@]}" "$@" >"$o" 2>"$e" || true
  if grep -q '^HTTP/1\.[01] [0-9][0-9][0-9]' "$o"; then
    head -1 "$o" | awk '{print $2}'
  elif grep -q 'SSL alert number' "$e"; then
    echo "alert:$(alert_name "$(grep -o 'SSL alert number [0-9]*' "$e" | head -1 | awk '{print $4}')")"
  elif grep -q 'errno=104' "$e"; then
    echo "reset"
  else
    echo "closed"
  fi
  rm -f "$o" "$e"
}

# curl_probe PORT VER PATH [CERTNAME]: one GET from curl, sent as soon as the handshake is done
# (what a plain HTTP client sees). Prints the status, alert:<text as curl prints it>, or
# err:<curl exit>. curl offers post-handshake auth and accepts renegotiation (OpenSSL defaults).
curl_probe() {
  local port=$1 ver=$2 path=$3 c=${4:-} args=() rc err code
  [ -n "$c" ] && args=(--cert "$pki/$c.crt" --key "$pki/$c.key")
  err=$(mktemp "$work/curl.XXXXXX")
  set +e
  code=$(curl -sS -k --max-time 8 "--tlsv$ver" --tls-max "$ver" "${args[@]}" -o /dev/null \
    -w '%{http_code}' "https://127.0.0.1:$port$path" 2>"$err")
  rc=$?
  set -e
  local msg
  msg=$(tr '\n' ' ' <"$err")
  rm -f "$err"
  if [ $rc -eq 0 ]; then
    echo "$code"
  elif [[ $msg =~ alert\ ([a-z0-9 ]+[a-z]) ]]; then
    local a=${BASH_REMATCH[1]}
    a=${a#tlsv13 alert }; a=${a#sslv3 alert }; a=${a#tlsv1 alert }
    echo "alert:${a// /_}"
  elif [[ $msg == *"Empty reply"* ]]; then
    echo "empty-reply"
  elif [[ $msg == *"reset by peer"* ]]; then
    echo "reset"
  else
    echo "err:$rc"
  fi
}

# nokey_probe PORT VER PATH [GTCLIENT_ARGS...]: client.crt presented with a key that is not its own
# (Go client, which also waits 250 ms before sending its request).
nokey_probe() {
  local port=$1 ver=$2 path=$3 r
  shift 3
  r=$("$work/gtclient" -addr "127.0.0.1:$port" -tls "$ver" -path "$path" -cert "$pki/client.crt" \
    -key "$pki/nokey.key" "$@")
  case $r in
  http=*) echo "${r#http=}" ;;
  *"error decrypting message"*) echo "alert:decrypt_error" ;;
  *"remote error: tls: "*)
    local a=${r#*remote error: tls: }
    echo "alert:${a// /_}" ;;
  *"connection reset"*) echo "reset" ;;
  *"no renegotiation"*) echo "err:no-renegotiation" ;;
  *EOF*) echo "closed" ;;
  *) echo "err:${r:0:80}" ;;
  esac
}

# sclient_info PORT VER: "yes|<CA names joined by ;>" or "no|"
sclient_info() {
  local port=$1 ver=$2 txt
  txt=$(openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -servername localhost \
    </dev/null 2>&1 || true)
  if grep -q '^Requested Signature Algorithms' <<<"$txt"; then
    local cas
    cas=$(awk '/^Acceptable client certificate CA names/{f=1;next} /^(Client Certificate Types|Requested Signature)/{f=0} f' <<<"$txt" | paste -sd';' -)
    echo "yes|${cas:-(none)}"
  else
    echo "no|"
  fi
}

# sclient_info_after PORT VER PATH [S_CLIENT_ARGS...]: like sclient_info, but sends GET PATH and
# reads s_client -trace, so a CertificateRequest after the request counts too:
# "yes (post-handshake)|names", "yes (renegotiation)|names", "no (HelloRequest refused)|", "no|".
sclient_info_after() {
  local port=$1 ver=$2 path=$3 txt
  shift 3
  # without -quiet, s_client closes at stdin EOF: keep stdin open while the exchange runs
  txt=$({ sleep 0.25; printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path"; sleep 0.5; } |
    timeout 8 openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -servername localhost \
      -trace "$@" 2>&1 || true)
  python3 - "$txt" <<'PYEOF'
import re, sys
lines = sys.argv[1].splitlines()
oids = {"2.5.4.3": "CN", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.6": "C"}

def tlv(b, i):
    tag, n = b[i], b[i + 1]
    i += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(b[i:i + k], "big")
        i += k
    return tag, b[i:i + n], i + n

def oid(v):
    parts = [v[0] // 40, v[0] % 40]
    x = 0
    for c in v[1:]:
        x = (x << 7) | (c & 0x7F)
        if not c & 0x80:
            parts.append(x)
            x = 0
    return ".".join(map(str, parts))

def name(der):  # DER X.500 Name -> "O = ..., CN = ..." as s_client prints it
    _, seq, _ = tlv(der, 0)
    out, i = [], 0
    while i < len(seq):
        _, rdn, i = tlv(seq, i)
        _, atv, _ = tlv(rdn, 0)
        _, o, j = tlv(atv, 0)
        _, val, _ = tlv(atv, j)
        k = oid(o)
        out.append(f"{oids.get(k, k)} = {val.decode('utf-8', 'replace')}")
    return ", ".join(out)

cr = [i for i, l in enumerate(lines) if "CertificateRequest, Length=" in l]
hello_request = any("HelloRequest" in l for l in lines)
finished = [i for i, l in enumerate(lines) if re.search(r"^\s+Finished, Length=", l)]
if not cr:
    print("no (HelloRequest refused)|" if hello_request else "no|")
    sys.exit()
names = []
for i in cr:
    for j in range(i + 1, len(lines)):
        l = lines[j]
        if re.match(r"^(Sent|Received) Record", l):
            break
        m = re.search(r"DistinguishedName \(len=\d+\): (.*)$", l)
        if m:  # TLS 1.2: decoded by -trace
            names.append(m.group(1))
        if "certificate_authorities(47)" in l:  # TLS 1.3: a hex dump
            raw = bytearray()
            for h in lines[j + 1:]:
                m = re.match(r"^\s+[0-9a-f]{4} - (.*)$", h)
                if not m:
                    break
                raw += bytes.fromhex(m.group(1).split("   ")[0].replace("-", " "))
            k = 2
            while k + 2 <= len(raw):
                n = int.from_bytes(raw[k:k + 2], "big")
                names.append(name(bytes(raw[k + 2:k + 2 + n])))
                k += 2 + n
    if names:
        break
when = ""
if hello_request:
    when = " (renegotiation)"
elif finished and cr[0] > finished[0]:
    when = " (post-handshake)"
print(f"yes{when}|{';'.join(dict.fromkeys(names)) or '(none)'}")
PYEOF
}

probes=(none client untrusted selfsigned forged forged-akid forged-samekid expired notyet wrong-eku nokey)
# measure_server NAME: all probes on one server, rows to $work/rows.NAME, tsv to $work/tsv.NAME
measure_server() {
  local s=$1 port=${SERVER_PORT[$1]} path variant ver info cr cas row p r cr_row
  local variants=(1.3 1.2) sc_args go_args post=0
  path=$("$here/start.sh" --path "$s")
  if [[ $POST_REQUEST_SERVERS == *" $s "* ]]; then
    post=1
    variants+=(1.3+pha 1.2-noreneg)
  fi
  : >"$work/rows.$s"; : >"$work/tsv.$s"; : >"$work/curl.$s"
  for variant in "${variants[@]}"; do
    ver=${variant:0:3}
    sc_args=() go_args=()
    case $variant in
    1.2) go_args=(-reneg) ;;
    1.3+pha) sc_args=(-enable_pha) ;;
    1.2-noreneg) sc_args=(-no_renegotiation) ;;
    esac
    if [ $post = 1 ]; then
      info=$(sclient_info_after "$port" "$ver" "$path" "${sc_args[@]}")
    else
      info=$(sclient_info "$port" "$ver")
    fi
    cr=${info%%|*} cas=${info#*|}
    printf '%s\t%s\tcert-request\t%s\n' "$s" "$variant" "$cr" >>"$work/tsv.$s"
    printf '%s\t%s\tca-names\t%s\n' "$s" "$variant" "$cas" >>"$work/tsv.$s"
    row="| $s | $variant | $cr | ${cas:--} |"
    cr_row="| $s | $variant |"
    for p in "${probes[@]}"; do
      case $p in
      none) r=$(sc_probe "$port" "$ver" "$path" "" "${sc_args[@]}") ;;
      nokey)
        if [ "$variant" = 1.3+pha ]; then
          r="n/a" # crypto/tls cannot do post-handshake auth
        else
          r=$(nokey_probe "$port" "$ver" "$path" "${go_args[@]}")
        fi
        ;;
      *) r=$(sc_probe "$port" "$ver" "$path" "$p" "${sc_args[@]}") ;;
      esac
      printf '%s\t%s\t%s\t%s\n' "$s" "$variant" "$p" "$r" >>"$work/tsv.$s"
      row+=" $r |"
      if [ "$p" != nokey ] && [ ${#sc_args[@]} = 0 ]; then
        local cu
        if [ "$p" = none ]; then cu=$(curl_probe "$port" "$ver" "$path"); else cu=$(curl_probe "$port" "$ver" "$path" "$p"); fi
        printf '%s\t%s\tcurl-%s\t%s\n' "$s" "$ver" "$p" "$cu" >>"$work/tsv.$s"
        cr_row+=" $cu |"
      fi
    done
    echo "$row" >>"$work/rows.$s"
    if [ ${#sc_args[@]} = 0 ]; then echo "$cr_row" >>"$work/curl.$s"; fi
  done
}

mpids=()
for s in "${servers[@]}"; do
  measure_server "$s" &
  mpids+=($!)
done
wait "${mpids[@]}"
tsv=$out/ground-truth.tsv
printf 'server\ttls\tprobe\tresult\n' >"$tsv"
echo "| server | TLS | CR | CA names | $(IFS='|'; echo "${probes[*]}" | sed 's/|/ | /g') |"
echo "|---|---|---|---|$(printf -- '---|%.0s' "${probes[@]}")"
for s in "${servers[@]}"; do cat "$work/rows.$s"; cat "$work/tsv.$s" >>"$tsv"; done
echo
echo "curl (request sent immediately after the handshake):"
echo
echo "| server | TLS | $(IFS='|'; echo "${probes[*]:0:10}" | sed 's/|/ | /g') |"
echo "|---|---|$(printf -- '---|%.0s' "${probes[@]:0:10}")"
for s in "${servers[@]}"; do cat "$work/curl.$s"; done
echo "raw results: $tsv" >&2
