#!/usr/bin/env bash
# Measure what the bypass servers (start.sh --list-bypass) do with the side doors of issue 13, with
# openssl s_client and curl only. Nothing of ours is involved.
#
#   tests/servers/bypass-truth.sh [OUTDIR] [SERVER...]
#
# Writes OUTDIR/bypass-truth.tsv (server, tls, case, tool, handshake, cr, status, body) and prints
# the markdown tables of GROUND_TRUTH.md ("Bypass servers").
#
# A case is an SNI name, a Host header and an optional certificate (or extra headers):
#   a        SNI secure.test, Host secure.test, no certificate       (the protected site, anonymous)
#   ok       SNI secure.test, Host secure.test, client.crt           (the positive control)
#   b        SNI public.test, Host secure.test, no certificate       (SNI/Host mismatch)
#   c        SNI public.test, Host public.test                       (the sibling's own answer)
#   d        no SNI,          Host secure.test                       (connect by IP)
#   d-ip     no SNI,          Host 127.0.0.1:PORT                    (the IP's own answer)
#   upper    SNI SECURE.TEST, Host secure.test   (s_client only)
#   dot      SNI secure.test. (trailing dot), Host secure.test   (s_client only)
#   random   SNI zz-random.test, Host secure.test   (s_client only)
#   same     a session made on public.test offered again on public.test (does it resume at all)
#   resume   a session made on public.test (no certificate) offered with SNI secure.test, Host
#            secure.test, no certificate
#   hdr-*    curl, no certificate, SNI/Host secure.test (SNI servers) or 127.0.0.1 (header servers),
#            with forged client-certificate headers (see hdr_cases below)
# Every request carries "Host: NAME:PORT" (as curl and the scanner send it). s_client sends its
# request 250 ms after the handshake (so a TLS 1.3 post-handshake alert is read first) and runs with
# -msg, from which come: handshake "full" (the server sent a Certificate message), "resumed"
# (ServerHello but no Certificate), "none" (no ServerHello, e.g. an alert right after the
# ClientHello); cr "yes" when a CertificateRequest came. curl cells are "-" for those two.
# Result: an HTTP status and the body's first line (or the HTML <title>), or alert:<name> (the
# server's alert), "closed" (no alert, no response) or "reset".
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
if [ ! -f "$pki/wrong-eku.crt" ] || [ ! -f "$pki/names.crt" ]; then
  "$here/pki.sh" "$pki" >/dev/null
  "$here/client-certs.sh" "$pki" >/dev/null
fi

if [ $# -gt 0 ]; then servers=("$@"); else mapfile -t servers < <("$here/start.sh" --list-bypass); fi
trap stop_servers EXIT
start_servers "$pki" "$work" "${servers[@]}"

is_sni_server() { [[ $1 != *header* ]]; }

# parse_sclient FILE: "handshake<TAB>cr<TAB>status<TAB>body" from an s_client -msg transcript
parse_sclient() {
  python3 - "$1" <<'PYEOF'
import re, sys
lines = open(sys.argv[1], errors="replace").read().splitlines()
hs = [l for l in lines if re.match(r"^<<< TLS 1\.[0-3], Handshake ", l)]
server_hello = any(l.endswith("ServerHello") for l in hs)
server_cert = any(l.endswith("], Certificate") for l in hs)
cr = "yes" if any(l.endswith("CertificateRequest") for l in hs) else "no"
handshake = "none" if not server_hello else ("full" if server_cert else "resumed")
status = body = ""
for i, l in enumerate(lines):
    m = re.match(r"^HTTP/1\.[01] (\d{3})", l)
    if m:
        status = m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].strip():
            j += 1
        rest = []
        for l2 in lines[j + 1:]:
            # skip what -msg and s_client print between the records
            if re.match(r"^(<<<|>>>) ", l2) or re.match(r"^    [0-9a-f]{2}( [0-9a-f]{2})*$", l2):
                continue
            if l2 in ("closed", "read R BLOCK", "DONE") or re.match(r"^[0-9A-F]{8,}:error:", l2):
                continue
            rest.append(l2)
        text = "\n".join(rest)
        t = re.search(r"<title>(.*?)</title>", text)
        body = t.group(1) if t else next((x.strip() for x in rest if x.strip()), "")
        body = body.removeprefix(status + " ")
        break
if not status:
    alert = [re.search(r"fatal (\w+)", l) for l in lines if re.match(r"^<<< TLS 1\.[0-3], Alert", l)]
    alert = [a.group(1) for a in alert if a]
    if alert:
        status = "alert:" + alert[0]
    elif any("errno=104" in l or "Connection reset" in l for l in lines):
        status = "reset"
    else:
        status = "closed"
print(f"{handshake}\t{cr}\t{status}\t{body}")
PYEOF
}

# sc PORT VER SNI HOST CERT [S_CLIENT_ARGS...]: one request with openssl s_client; SNI "-" = none,
# CERT "" = no certificate. Prints the parse_sclient line.
sc() {
  local port=$1 ver=$2 sni=$3 host=$4 cert=$5 args=() f
  shift 5
  if [ "$sni" = - ]; then args+=(-noservername); else args+=(-servername "$sni"); fi
  [ -n "$cert" ] && args+=(-cert "$pki/$cert.crt" -key "$pki/$cert.key")
  f=$(mktemp "$work/sc.XXXXXX")
  { sleep 0.25; printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$host"; } |
    timeout 8 openssl s_client -connect "127.0.0.1:$port" "-tls${ver/./_}" -ign_eof -msg \
      "${args[@]}" "$@" >"$f" 2>&1 || true
  parse_sclient "$f"
  rm -f "$f"
}

# cu PORT VER SNI HOST CERT [CURL_ARGS...]: one request with curl (SNI "-": connect to 127.0.0.1,
# no SNI). Prints "-<TAB>-<TAB>status<TAB>body".
cu() {
  local port=$1 ver=$2 sni=$3 host=$4 cert=$5 args=() url b e rc code msg
  shift 5
  if [ "$sni" = - ]; then url=https://127.0.0.1:$port/
  else url=https://$sni:$port/ args+=(--resolve "$sni:$port:127.0.0.1"); fi
  [ -n "$cert" ] && args+=(--cert "$pki/$cert.crt" --key "$pki/$cert.key")
  b=$(mktemp "$work/cu.XXXXXX") e=$(mktemp "$work/cu.XXXXXX")
  set +e
  code=$(curl -sS -k --max-time 8 "--tlsv$ver" --tls-max "$ver" -H "Host: $host" "${args[@]}" "$@" \
    -o "$b" -w '%{http_code}' "$url" 2>"$e")
  rc=$?
  set -e
  msg=$(tr '\n' ' ' <"$e")
  if [ $rc -eq 0 ]; then
    local body
    body=$(python3 -c 'import re,sys; t=open(sys.argv[1],errors="replace").read(); m=re.search(r"<title>(.*?)</title>",t); b=m.group(1) if m else next((x.strip() for x in t.splitlines() if x.strip()),""); print(b.removeprefix(sys.argv[2]+" "))' "$b" "$code")
    printf -- '-\t-\t%s\t%s\n' "$code" "$body"
  elif [[ $msg =~ alert\ ([a-z0-9 ]+[a-z]) ]]; then
    local a=${BASH_REMATCH[1]}
    a=${a#tlsv13 alert }; a=${a#sslv3 alert }; a=${a#tlsv1 alert }
    printf -- '-\t-\talert:%s\t\n' "${a// /_}"
  elif [[ $msg == *"reset by peer"* ]]; then
    printf -- '-\t-\treset\t\n'
  else
    printf -- '-\t-\terr:%s\t\n' "$rc"
  fi
  rm -f "$b" "$e"
}

# forged client-certificate headers, values from selfsigned.crt (a certificate nobody trusts)
pem_esc=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read(), safe=""))' "$pki/selfsigned.crt")
der_b64=$(openssl x509 -in "$pki/selfsigned.crt" -outform DER | base64 -w0)
subj=$(openssl x509 -in "$pki/selfsigned.crt" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
sha=$(openssl x509 -in "$pki/selfsigned.crt" -outform DER | sha256sum | awk '{print $1}')
hdr_verify_success=(-H "X-SSL-Client-Verify: SUCCESS")
hdr_verify_0=(-H "X-SSL-Client-Verify: 0")
hdr_client_verify=(-H "X-Client-Verify: SUCCESS")
hdr_certs=(-H "X-SSL-Client-Cert: $pem_esc" -H "ssl-client-cert: $pem_esc" -H "X-Client-Cert: $pem_esc"
  -H "X-SSL-Client-S-DN: $subj" -H "ssl-client-subject-dn: $subj"
  -H "X-Forwarded-Client-Cert: Hash=$sha;Cert=\"$pem_esc\";Subject=\"$subj\""
  -H "X-Forwarded-Tls-Client-Cert: $der_b64" -H "X-Forwarded-Tls-Client-Cert-Info: Subject%3D%22$subj%22"
  -H "X-Amzn-Mtls-Clientcert: $pem_esc" -H "Client-Cert: :$der_b64:" -H "X-ARR-ClientCert: $der_b64")
hdr_ingress=(-H "ssl-client-verify: SUCCESS")
hdr_cloudflare=(-H "Cf-Cert-Presented: true" -H "Cf-Cert-Verified: true")
hdr_gcp=(-H "X-Client-Cert-Present: true" -H "X-Client-Cert-Chain-Verified: true")
hdr_all=("${hdr_verify_success[@]}" "${hdr_client_verify[@]}" "${hdr_certs[@]}" "${hdr_ingress[@]}"
  "${hdr_cloudflare[@]}" "${hdr_gcp[@]}")
hdr_cases=(none verify-SUCCESS verify-0 client-verify cert-headers ingress cloudflare gcp all client
  client+verify-NONE)
hdr_args() { # CASE -> the curl arguments, one per line
  case $1 in
  none | client) ;;
  verify-SUCCESS) printf '%s\n' "${hdr_verify_success[@]}" ;;
  verify-0) printf '%s\n' "${hdr_verify_0[@]}" ;;
  client-verify) printf '%s\n' "${hdr_client_verify[@]}" ;;
  cert-headers) printf '%s\n' "${hdr_certs[@]}" ;;
  ingress) printf '%s\n' "${hdr_ingress[@]}" ;;
  cloudflare) printf '%s\n' "${hdr_cloudflare[@]}" ;;
  gcp) printf '%s\n' "${hdr_gcp[@]}" ;;
  all) printf '%s\n' "${hdr_all[@]}" ;;
  client+verify-NONE) printf '%s\n' -H "X-SSL-Client-Verify: NONE" ;;
  esac
}

sni_cases=(a ok b c d d-ip upper dot random same resume)
# measure_server NAME: every case on both TLS versions, tsv rows to $work/bt.NAME
measure_server() {
  local s=$1 port=${SERVER_PORT[$1]} ver c r sess f cert host sni extra
  f=$work/bt.$s
  : >"$f"
  for ver in 1.3 1.2; do
    if is_sni_server "$s"; then
      for c in "${sni_cases[@]}"; do
        cert="" host="secure.test:$port"
        case $c in
        a) sni=secure.test ;;
        ok) sni=secure.test cert=client ;;
        b) sni=public.test ;;
        c) sni=public.test host="public.test:$port" ;;
        d) sni=- ;;
        d-ip) sni=- host="127.0.0.1:$port" ;;
        upper) sni=SECURE.TEST ;;
        dot) sni=secure.test. ;;
        random) sni=zz-random.test ;;
        same | resume)
          sess=$work/sess.$s.$ver.$c
          rm -f "$sess"
          sc "$port" "$ver" public.test "public.test:$port" "" -sess_out "$sess" >/dev/null
          if [ ! -s "$sess" ]; then
            r=$(printf 'none\tno\tno-session\t')  # the server issued nothing to resume
          elif [ $c = same ]; then
            r=$(sc "$port" "$ver" public.test "public.test:$port" "" -sess_in "$sess")
          else
            r=$(sc "$port" "$ver" secure.test "secure.test:$port" "" -sess_in "$sess")
          fi
          printf '%s\t%s\t%s\ts_client\t%s\n' "$s" "$ver" "$c" "$r" >>"$f"
          continue
          ;;
        esac
        r=$(sc "$port" "$ver" "$sni" "$host" "$cert")
        printf '%s\t%s\t%s\ts_client\t%s\n' "$s" "$ver" "$c" "$r" >>"$f"
        case $c in
        a | ok | b | c | d | d-ip)
          r=$(cu "$port" "$ver" "$sni" "$host" "$cert")
          printf '%s\t%s\t%s\tcurl\t%s\n' "$s" "$ver" "$c" "$r" >>"$f"
          ;;
        esac
      done
      # forged headers change nothing where the TLS layer refuses (SNI secure.test, anonymous)
      mapfile -t extra < <(hdr_args all)
      r=$(cu "$port" "$ver" secure.test "secure.test:$port" "" "${extra[@]}")
      printf '%s\t%s\thdr-all\tcurl\t%s\n' "$s" "$ver" "$r" >>"$f"
    else
      r=$(sc "$port" "$ver" - "127.0.0.1:$port" "")
      printf '%s\t%s\ta\ts_client\t%s\n' "$s" "$ver" "$r" >>"$f"
      for c in "${hdr_cases[@]}"; do
        cert=""
        case $c in client | client+*) cert=client ;; esac
        mapfile -t extra < <(hdr_args "$c")
        r=$(cu "$port" "$ver" - "127.0.0.1:$port" "$cert" "${extra[@]}")
        printf '%s\t%s\thdr-%s\tcurl\t%s\n' "$s" "$ver" "$c" "$r" >>"$f"
      done
    fi
  done
}

mpids=()
for s in "${servers[@]}"; do
  measure_server "$s" &
  mpids+=($!)
done
wait "${mpids[@]}"
tsv=$out/bypass-truth.tsv
printf 'server\ttls\tcase\ttool\thandshake\tcr\tstatus\tbody\n' >"$tsv"
for s in "${servers[@]}"; do cat "$work/bt.$s" >>"$tsv"; done

# the markdown tables
python3 - "$tsv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
servers = list(dict.fromkeys(r["server"] for r in rows))
cell = {}
for r in rows:
    cell[(r["server"], r["tls"], r["case"], r["tool"])] = r

def fmt(r, flags=True):
    if r is None:
        return ""
    v = r["status"] + (" " + r["body"] if r["body"] else "")
    if flags and r["tool"] == "s_client":
        f = []
        if r["handshake"] != "full":
            f.append(r["handshake"])
        if r["cr"] == "yes":
            f.append("CR")
        if f:
            v += " (" + ", ".join(f) + ")"
    return v.replace("|", "\\|")

sni = [s for s in servers if "header" not in s]
hdr = [s for s in servers if "header" in s]
if sni:
    cases = ["a", "ok", "b", "c", "d", "d-ip", "upper", "dot", "random"]
    print("SNI/Host, openssl s_client (CR: a CertificateRequest came):\n")
    print("| server | TLS | " + " | ".join(cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    for s in sni:
        for v in ("1.3", "1.2"):
            print(f"| {s} | {v} | " + " | ".join(fmt(cell.get((s, v, c, "s_client"))) for c in cases) + " |")
    cases = ["a", "ok", "b", "c", "d", "d-ip", "hdr-all"]
    print("\nSNI/Host, curl:\n")
    print("| server | TLS | " + " | ".join(cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    for s in sni:
        for v in ("1.3", "1.2"):
            print(f"| {s} | {v} | " + " | ".join(fmt(cell.get((s, v, c, "curl"))) for c in cases) + " |")
    print("\nSession resumption, openssl s_client -sess_out / -sess_in (session made on public.test without a certificate):\n")
    print("| server | TLS | same (public.test again) | resume (SNI + Host secure.test) |")
    print("|---|---|---|---|")
    for s in sni:
        for v in ("1.3", "1.2"):
            a = cell.get((s, v, "same", "s_client"))
            b = cell.get((s, v, "resume", "s_client"))
            def res(r):
                if r is None or r["status"] == "no-session":
                    return r["status"] if r else ""
                return fmt(r, False) + f" ({r['handshake']}{', CR' if r['cr'] == 'yes' else ''})"
            fa, fb = res(a), res(b)
            print(f"| {s} | {v} | {fa} | {fb} |")
if hdr:
    cases = ["a", "hdr-none", "hdr-verify-SUCCESS", "hdr-verify-0", "hdr-client-verify", "hdr-cert-headers", "hdr-ingress", "hdr-cloudflare", "hdr-gcp", "hdr-all", "hdr-client", "hdr-client+verify-NONE"]
    print("\nForged client-certificate headers (a: s_client; the rest: curl, no SNI, Host 127.0.0.1:PORT):\n")
    print("| server | TLS | " + " | ".join(c.removeprefix("hdr-") for c in cases) + " |")
    print("|---|---|" + "---|" * len(cases))
    for s in hdr:
        for v in ("1.3", "1.2"):
            vals = [fmt(cell.get((s, v, "a", "s_client")))] + [fmt(cell.get((s, v, c, "curl"))) for c in cases[1:]]
            print(f"| {s} | {v} | " + " | ".join(vals) + " |")
PYEOF
echo "raw results: $tsv" >&2
