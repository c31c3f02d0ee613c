/* GNU libmicrohttpd over GnuTLS, for start.sh's mhd-* servers.
 *
 *     server MODE PORT PKIDIR
 *
 * Serves "ok" on https://127.0.0.1:PORT/ (TLS 1.2 and 1.3, MHD's default GnuTLS priorities) with
 * PKIDIR/server.crt. MHD_OPTION_HTTPS_MEM_TRUST (PKIDIR/ca.crt) makes MHD ask for a client
 * certificate and verify none: what is sent is the application's to check. MODE:
 *   verify-403   the check of libmicrohttpd's tutorial (get_client_certificate):
 *                gnutls_certificate_verify_peers2() must succeed with status 0 and a certificate
 *                must have been sent; else 403
 *   presence-403 403 unless gnutls_certificate_get_peers() returns a certificate (sent, never
 *                verified)
 *   no-check     the trust store given, no check at all
 *   none         no trust store: no certificate asked for
 * Runs until killed (SIGTERM/SIGINT).
 */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum mode { VERIFY_403, PRESENCE_403, NO_CHECK, NONE };

static char *slurp(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *buf = malloc(n + 1);
  if (fread(buf, 1, n, f) != (size_t)n) { perror(path); exit(1); }
  buf[n] = 0;
  fclose(f);
  return buf;
}

/* 1 when the client sent a certificate (and, if verify, it verified against the trust store) */
static int client_ok(struct MHD_Connection *c, int verify) {
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (!ci || !ci->tls_session) return 0;
  gnutls_session_t s = (gnutls_session_t)ci->tls_session;
  if (verify) {
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(s, &status) != 0 || status != 0) return 0;
  }
  unsigned int n = 0;
  const gnutls_datum_t *peers = gnutls_certificate_get_peers(s, &n);
  return peers != NULL && n > 0;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *data,
                              size_t *size, void **state) {
  (void)url; (void)method; (void)version; (void)data; (void)size;
  enum mode m = *(enum mode *)cls;
  static int first;
  if (*state != &first) { /* the headers: answer on the next call */
    *state = &first;
    return MHD_YES;
  }
  unsigned int code = MHD_HTTP_OK;
  const char *body = "ok\n";
  if ((m == VERIFY_403 && !client_ok(c, 1)) || (m == PRESENCE_403 && !client_ok(c, 0))) {
    code = MHD_HTTP_FORBIDDEN;
    body = "client certificate required\n";
  }
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
  MHD_add_response_header(r, "Content-Type", "text/plain");
  enum MHD_Result ret = MHD_queue_response(c, code, r);
  MHD_destroy_response(r);
  return ret;
}

static void stop(int sig) { (void)sig; _exit(0); }

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: server MODE PORT PKIDIR\n");
    return 2;
  }
  static enum mode m;
  if (!strcmp(argv[1], "verify-403")) m = VERIFY_403;
  else if (!strcmp(argv[1], "presence-403")) m = PRESENCE_403;
  else if (!strcmp(argv[1], "no-check")) m = NO_CHECK;
  else if (!strcmp(argv[1], "none")) m = NONE;
  else { fprintf(stderr, "server: unknown mode %s\n", argv[1]); return 2; }
  int port = atoi(argv[2]);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  char *cert = slurp(argv[3], "server.crt"), *key = slurp(argv[3], "server.key");
  char *trust = m == NONE ? NULL : slurp(argv[3], "ca.crt");
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
      NULL, answer, &m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
      MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
      trust ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, trust, MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "server: MHD_start_daemon failed\n");
    return 1;
  }
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  printf("listening on 127.0.0.1:%d (%s), libmicrohttpd %s, GnuTLS %s\n", port, argv[1],
         MHD_get_version(), gnutls_check_version(NULL));
  fflush(stdout);
  for (;;) pause();
}
